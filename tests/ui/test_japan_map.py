"""The SVG map of Japan (ui.japan_map): 47 prefecture shapes, colours by share, grey without plans, valid SVG."""

import re
import sys

import pytest

pytest.importorskip("japanmap")
from lxml import etree  # noqa: E402

from assistant.summary import PREFECTURES  # noqa: E402
from ui.japan_map import NO_PLANS, PALETTE, colour, japan_svg, size  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str):
    root = etree.fromstring(svg.encode())  # raises on anything that is not well-formed XML
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    return root


def _paths(root) -> dict:
    return {p.get("data-pref"): p for p in root.iter(SVG + "path")}


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_47_prefectures_in_jis_order_each_with_a_title():
    root = _parse(japan_svg({"北海道": (1, 4)}, "コンビニ交付"))
    paths = list(root.iter(SVG + "path"))
    assert [p.get("data-pref") for p in paths] == list(PREFECTURES)
    assert all(re.fullmatch(r"M[-\d.,L]+Z", p.get("d")) and p.get("d").count("L") >= 10 for p in paths)
    titles = {p.get("data-pref"): p.find(SVG + "title").text for p in paths}
    assert titles["北海道"] == "北海道：1 / 4（25%）" and titles["沖縄県"] == "沖縄県：計画なし"
    assert root.find(SVG + "title").text == "コンビニ交付"


def test_colours_follow_shares_and_prefectures_without_plans_are_grey():
    counts = {"北海道": (0, 3), "青森県": (1, 10), "岩手県": (3, 10), "宮城県": (5, 10), "秋田県": (7, 10), "山形県": (4, 4)}
    paths = _paths(_parse(japan_svg(counts)))
    fills = [paths[name].get("fill") for name in counts]
    assert fills == list(PALETTE)  # one class each, 0% … 100%
    assert [_luminance(f) for f in fills] == sorted((_luminance(f) for f in fills), reverse=True)  # darker = more
    assert paths["宮城県"].get("data-share") == "0.5000"
    assert paths["東京都"].get("fill") == NO_PLANS and paths["東京都"].get("data-share") == ""
    assert NO_PLANS not in PALETTE
    assert colour(None) == NO_PLANS and colour(0.0) == PALETTE[0] and colour(0.2) == PALETTE[1] and colour(0.21) == PALETTE[2]
    assert colour(1.0) == PALETTE[-1] and colour(1.5) == PALETTE[-1]


def test_every_shape_lies_inside_the_frame_and_okinawa_in_its_inset():
    root = _parse(japan_svg({}))
    width, height = size()
    assert root.get("viewBox") == f"0 0 {width} {height}" and 400 < width < 700 and 400 < height < 700

    def box(path):
        xy = [tuple(map(float, p.split(","))) for p in path.get("d")[1:-1].split("L")]
        return min(x for x, _ in xy), min(y for _, y in xy), max(x for x, _ in xy), max(y for _, y in xy)

    boxes = {p.get("data-pref"): box(p) for p in root.iter(SVG + "path")}
    assert all(0 <= x0 and 0 <= y0 and x1 <= width and y1 <= height for x0, y0, x1, y1 in boxes.values())
    inset = root.find(f".//{SVG}rect[@class='inset']")
    ix, iy = float(inset.get("x")), float(inset.get("y"))
    ox0, oy0, ox1, oy1 = boxes["沖縄県"]
    assert ix < ox0 and iy < oy0 and ox1 < ix + float(inset.get("width")) and oy1 < iy + float(inset.get("height"))
    assert oy1 < boxes["北海道"][3]  # the inset sits in the north, not ~5° south of Kyushu
    legend = "".join(root.find(f".//{SVG}g[@class='legend']").itertext())
    assert "0%" in legend and "81–100%" in legend and "計画なし" in legend


def test_deterministic_escaped_and_no_opencv():
    counts = {"大阪府": (2, 3)}
    assert japan_svg(counts, "a") == japan_svg(dict(counts), "a")
    svg = japan_svg(counts, '<script>alert(1)</script>"')
    assert "<script>" not in svg and _parse(svg) is not None
    assert "cv2" not in sys.modules  # the outlines come from japanmap's JSON, never its OpenCV drawing


def test_without_japanmap_an_actionable_error_and_the_view_says_so(monkeypatch):
    from assistant.summary import PrefectureRow, Summary
    from corpus.errors import AssistantError
    from ui.japan_map import outlines
    from ui.national_view import map_html

    outlines.cache_clear()
    monkeypatch.setitem(sys.modules, "japanmap", None)  # as if not installed
    try:
        with pytest.raises(AssistantError, match="pip install --no-deps japanmap"):
            japan_svg({})
        summary = Summary("q", "any", (PrefectureRow("北海道", 1, 2, 1, 0), PrefectureRow("沖縄県", 47, 1, 0, 0)), ())
        shown = map_html(summary)
        assert "地図は表示できません" in shown and "<svg" not in shown and "2都道府県" in shown
    finally:
        outlines.cache_clear()
