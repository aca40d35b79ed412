"""A map of Japan's 47 prefectures as inline SVG, each coloured by a share (a choropleth).

The outlines are the ``japanmap`` package's bundled boundary data (``get_data``: longitude and
latitude points per prefecture, each prefecture's main area). Only that JSON is read: the
package's raster drawing needs OpenCV, which the UI does not install. Okinawa lies ~5° of latitude
south of Kyushu with nothing between, so it is drawn in a framed inset in the empty Sea of Japan
corner; Hokkaido stays where it is. Pure string building: the same shares give the same bytes.
"""

from __future__ import annotations

import math
from functools import lru_cache

from corpus.errors import AssistantError
from ui.render import esc

# ColorBrewer "Blues" (6 classes), lightest for none listed; grey for a prefecture without plans
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # upper bounds: 0 exactly, then (0, 0.2], (0.2, 0.4] …
PALETTE = ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
NO_PLANS = "#c8c8c8"
LEGEND = ("0%", "1–20%", "21–40%", "41–60%", "61–80%", "81–100%")
SCALE = 36.0  # pixels per degree of latitude
COS_LAT = math.cos(math.radians(36))  # one degree of longitude at Japan's middle latitude, in degrees of latitude
OKINAWA = 47
OKINAWA_AT = (127.98, 26.47)  # the middle of Okinawa's main island (longitude, latitude) …
INSET_AT = (131.1, 44.4)  # … drawn here, in the empty top-left corner,
INSET_ZOOM = 1.6  # and enlarged: at true size the island is a few pixels wide
WEST, EAST, SOUTH, NORTH = 129.4, 146.0, 30.85, 45.7  # the frame: every prefecture but Okinawa, before its move


def colour(share: float | None) -> str:
    """The fill for a share of 0–1; ``None`` (no plans there): grey."""
    if share is None:
        return NO_PLANS
    for bound, fill in zip(BINS, PALETTE):
        if share <= bound + 1e-9:
            return fill
    return PALETTE[-1]


def _xy(lon: float, lat: float) -> tuple[float, float]:
    return (lon - WEST) * COS_LAT * SCALE, (NORTH - lat) * SCALE


def size() -> tuple[int, int]:
    """(width, height) of the map in SVG pixels."""
    x, y = _xy(EAST, SOUTH)
    return math.ceil(x), math.ceil(y)


@lru_cache(maxsize=1)
def outlines() -> tuple[tuple[str, str], ...]:
    """(prefecture name, SVG path data) in JIS X 0401 order (北海道 … 沖縄県), Okinawa moved into its inset."""
    try:
        import japanmap  # numpy only; never cv2 (``picture``) or IPython (``pref_map``)
    except ImportError as exc:
        raise AssistantError(f"the map of Japan needs the japanmap package ({exc}): run `make setup` "
                             "or `pip install --no-deps japanmap==0.6.0`") from exc

    points = japanmap.pref_points(japanmap.get_data())  # no move: real longitude and latitude
    out = []
    for code, shape in enumerate(points, 1):
        xy = [_xy(*(_inset_point(lon, lat) if code == OKINAWA else (lon, lat))) for lon, lat in shape]
        d = "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z"
        out.append((japanmap.pref_names[code], d))
    return tuple(out)


def _inset_point(lon: float, lat: float) -> tuple[float, float]:
    return (INSET_AT[0] + (lon - OKINAWA_AT[0]) * INSET_ZOOM, INSET_AT[1] + (lat - OKINAWA_AT[1]) * INSET_ZOOM)


def _inset() -> str:
    """The frame around Okinawa's inset, and its name."""
    (x0, y0), (x1, y1) = _xy(INSET_AT[0] - 1.0, INSET_AT[1] + 0.85), _xy(INSET_AT[0] + 1.0, INSET_AT[1] - 0.85)
    return (f'<rect class="inset" x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" '
            f'fill="none" stroke="#999" stroke-width="0.8"/>'
            f'<text x="{x0 + 4:.1f}" y="{y0 + 13:.1f}" font-size="11" fill="#555">沖縄県</text>')


def _legend(x: float, y: float, note: str) -> str:
    rows = [(fill, label) for fill, label in zip(PALETTE, LEGEND)] + [(NO_PLANS, "計画なし")]
    parts = [f'<text x="{x:.1f}" y="{y - 6:.1f}" font-size="11" fill="#333">{esc(note)}</text>']
    for n, (fill, label) in enumerate(rows):
        top = y + n * 15
        parts.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="16" height="11" fill="{fill}" stroke="#999" stroke-width="0.5"/>'
                     f'<text x="{x + 21:.1f}" y="{top + 9.5:.1f}" font-size="11" fill="#333">{esc(label)}</text>')
    return f'<g class="legend" aria-hidden="true">{"".join(parts)}</g>'


def japan_svg(counts: dict[str, tuple[int, int]], title: str = "", note: str = "掲載の割合") -> str:
    """The SVG map: ``counts`` maps a prefecture name to (listed, with plans); others are grey.

    Each prefecture is a ``<path>`` with ``data-pref``, ``data-share`` (empty when it has no plans)
    and a ``<title>`` the browser shows on hover: 「北海道：3 / 12（25%）」.
    """
    paths = []
    for name, d in outlines():
        listed, total = counts.get(name, (0, 0))
        share = listed / total if total else None
        tip = f"{name}：{listed} / {total}（{share:.0%}）" if total else f"{name}：計画なし"
        paths.append(f'<path d="{d}" fill="{colour(share)}" data-pref="{esc(name)}" '
                     f'data-share="{"" if share is None else f"{share:.4f}"}"><title>{esc(tip)}</title></path>')
    width, height = size()
    label = esc(title or "都道府県別の地図")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="japan-map" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{label}"><title>{label}</title>'
            f'<g class="prefectures" stroke="#808080" stroke-width="0.4" stroke-linejoin="round">{"".join(paths)}</g>'
            f"{_inset()}{_legend(width - 120, height - 118, note)}</svg>")


__all__ = ["NO_PLANS", "PALETTE", "colour", "japan_svg", "outlines"]
