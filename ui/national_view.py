"""The national view under a staff answer: a map of Japan, counts by prefecture, the full list paged, CSV and Excel.

Shown when a cross-city answer's searched plans span two or more prefectures (``assistant.summary``).
The staff handler keeps each such answer's summary here (a small LRU keyed by the index build and
what was asked), so drawing the view and turning its pages never asks again; a summary no longer
held (another replica, or pushed out) is made again from the question. Everything shown is
escaped (``render.esc``). ``NationalView`` is plain Python, testable without a browser; ``Panel``
is its Gradio face.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

from assistant.crosscity import status_phrase
from assistant.intent import ANY, CROSS
from assistant.summary import Summary, csv_bytes, summarize, xlsx_bytes
from corpus.errors import AssistantError
from ui.japan_map import colour, japan_svg
from ui.render import esc, page_label

log = logging.getLogger("assistant.ui")

PAGE_ROWS = 50
SORTS = ("割合の高い順", "都道府県コード順")
KEPT = 16  # summaries held: a national one is ~1 kB per listed municipality
QUOTE_CHARS = 90
CSS = """
.national-head { font-size: 105%; margin: 4px 0 8px; } .japan-map { width: 100%; max-width: 560px; height: auto; }
.pref-wrap { max-height: 560px; overflow-y: auto; }
table.pref-table, table.muni-table { border-collapse: collapse; width: 100%; font-size: 92%; }
table.pref-table th, table.pref-table td, table.muni-table th, table.muni-table td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
table.pref-table td.num { text-align: right; font-variant-numeric: tabular-nums; } table.pref-table tfoot th, table.pref-table tfoot td { font-weight: bold; }
table.pref-table .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border: 1px solid #999; }
table.muni-table td:nth-child(-n+3) { white-space: nowrap; } table.muni-table tr.other td { color: #666; } table.muni-table .where { color: #555; font-size: 90%; }
.pager-info { margin: 6px 0; color: #333; }
"""


@dataclass(frozen=True)
class Shown:
    """What the view shows for one answer."""

    map: str
    table: str
    listing: str
    page: int
    csv: str | None
    xlsx: str | None
    asked: tuple  # (question, cities, method): the key for paging


def national_summary(answer, index) -> Summary | None:
    """The answer's summary when it is cross-city over plans of two or more prefectures; else None."""
    if answer.intent != CROSS:
        return None
    summary = summarize(answer, index)
    return summary if summary.spans >= 2 else None


# -- HTML -----------------------------------------------------------------------------
def _pct(share: float) -> str:
    return f"{share:.0%}"


def head_html(summary: Summary) -> str:
    total = summary.total()
    said = ("計画に該当する記述があるのは" if summary.asked_status == ANY
            else f"「{esc(status_phrase(summary.asked_status))}」と読める記述があるのは")
    other = f"。ほかに{total.other}自治体が別の状況で触れています" if summary.asked_status != ANY and total.other else ""
    return (f'<div class="national-head" id="national-head">計画のある{total.with_plans}自治体（{summary.spans}都道府県）のうち、'
            f'{said}<b data-listed="{total.listed}">{total.listed}自治体</b>（{_pct(total.share)}）{other}。</div>')


def map_html(summary: Summary) -> str:
    """The headline and the map (a notice in its place when the map's outlines are not installed)."""
    try:
        drawn = japan_svg(summary.counts(), "都道府県別：" + status_phrase(summary.asked_status), "計画のある自治体のうち")
    except AssistantError as exc:
        log.warning("no map: %s", exc)
        drawn = f'<p class="notice">地図は表示できません（{esc(str(exc))}）。</p>'
    return head_html(summary) + drawn


def _row(row, cell: str, other: bool) -> str:
    more = f'<td class="num">{row.other}</td>' if other else ""
    swatch = f'<span class="swatch" style="background:{colour(row.share)}"></span>' if row.code else ""
    return (f'<tr data-pref="{esc(row.prefecture)}" data-with="{row.with_plans}" data-listed="{row.listed}" '
            f'data-other="{row.other}"><{cell} scope="row">{swatch}{esc(row.prefecture)}</{cell}>'
            f'<td class="num">{row.with_plans}</td><td class="num">{row.listed}</td>{more}'
            f'<td class="num">{_pct(row.share)}</td></tr>')


def table_html(summary: Summary, sort: str | None = None) -> str:
    """The prefectures with plans (highest share first, or JIS order) and a total row."""
    rows = summary.present if sort == SORTS[1] else summary.by_share()
    other = summary.asked_status != ANY
    more = '<th scope="col">別の状況</th>' if other else ""
    body = "".join(_row(r, "th", other) for r in rows)
    return (f'<div class="pref-wrap"><table class="pref-table" id="pref-table"><caption>都道府県別（{esc(sort or SORTS[0])}）</caption>'
            f'<thead><tr><th scope="col">都道府県</th><th scope="col">計画あり</th><th scope="col">該当</th>{more}'
            f'<th scope="col">割合</th></tr></thead><tbody>{body}</tbody>'
            f"<tfoot>{_row(summary.total(), 'th', other)}</tfoot></table></div>")


def pages(summary: Summary) -> int:
    return max(1, math.ceil(len(summary.listed) / PAGE_ROWS))


def clamp(summary: Summary, page) -> int:
    try:
        page = int(page)
    except (TypeError, ValueError):
        page = 1
    return min(max(1, page), pages(summary))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1] + "…"


def listing_html(summary: Summary, page: int) -> str:
    """One page (``PAGE_ROWS``) of the listed municipalities: prefecture, name, status, where, quote."""
    page = clamp(summary, page)
    first = (page - 1) * PAGE_ROWS
    shown = summary.listed[first:first + PAGE_ROWS]
    rows = []
    for r in shown:
        label = r.label if r.matches_status else f"{r.label}（問いと別の状況）"
        where = f"{r.doc_title} ＞ {r.section}" if r.section != r.doc_title else r.doc_title
        at = page_label({"page": r.page})
        rows.append(f'<tr class="{"match" if r.matches_status else "other"}" data-city="{esc(r.municipality)}" '
                    f'data-pref="{esc(r.prefecture)}"><td>{esc(r.prefecture)}</td><td>{esc(r.municipality)}</td>'
                    f'<td>{esc(label)}</td><td class="where">{esc(where)}{" " + esc(at) if at else ""}<br>'
                    f'{esc(r.doc_id)} {r.start}–{r.end}文字目</td><td>「{esc(_clip(r.quote))}」</td></tr>')
    span = f"{first + 1}–{first + len(shown)}件" if shown else "0件"
    return (f'<div class="pager-info" id="national-pager" data-page="{page}" data-pages="{pages(summary)}" '
            f'data-count="{len(summary.listed)}">掲載{len(summary.listed)}自治体のうち {span}（{page} / {pages(summary)}ページ）</div>'
            f'<table class="muni-table" id="muni-table"><thead><tr><th scope="col">都道府県</th><th scope="col">自治体</th>'
            f'<th scope="col">状況</th><th scope="col">計画 ＞ 節</th><th scope="col">根拠（引用）</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


# -- the view ------------------------------------------------------------------------
class NationalView:
    """Summaries of recent national answers (an LRU) and the view's values; ``files``: ``ui.files.TempFiles``."""

    def __init__(self, files, kept: int = KEPT):
        self.files, self.kept = files, kept
        self._summaries: OrderedDict[tuple, Summary | None] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(assistant, question: str, cities, method) -> tuple:
        return (assistant.index.build_name, question, tuple(cities or ()), method or "hybrid")

    def _put(self, key: tuple, summary: Summary | None) -> Summary | None:
        with self._lock:
            self._summaries[key] = summary
            self._summaries.move_to_end(key)
            while len(self._summaries) > self.kept:
                self._summaries.popitem(last=False)
        return summary

    def keep(self, assistant, question: str, cities, method, answer) -> Summary | None:
        """Hold the summary of an answer just given (None: not a national answer). Never raises."""
        try:
            summary = national_summary(answer, assistant.index)
        except Exception:  # noqa: BLE001 - the view is an extra: the answer is shown without it
            log.exception("summarizing the answer failed")
            summary = None
        return self._put(self.key(assistant, question, cities, method), summary)

    def summary(self, assistant, question: str, cities, method) -> Summary | None:
        """The held summary, or the question asked again when it is not held (errors: None)."""
        key = self.key(assistant, question, cities, method)
        with self._lock:
            if key in self._summaries:
                self._summaries.move_to_end(key)
                return self._summaries[key]
        if not question:
            return None
        try:
            answer = assistant.ask(question, city=list(cities or ()) or None, method=method or "hybrid")
        except Exception:  # noqa: BLE001 - the staff answer above says what went wrong
            return None
        return self.keep(assistant, question, cities, method, answer)

    def show(self, assistant, question: str, cities, method, sort: str | None = None) -> Shown | None:
        """The view for this question (None: nothing to show), with the CSV and .xlsx of the full list."""
        summary = self.summary(assistant, question, cities, method)
        if summary is None:
            return None
        try:
            files = [str(self.files.write_bytes(csv_bytes(summary), "national", ".csv")),
                     str(self.files.write_bytes(xlsx_bytes(summary), "national", ".xlsx"))]
        except OSError:  # a full disk costs the downloads, not the view
            log.exception("writing the national list failed")
            files = [None, None]
        asked = (question, tuple(cities or ()), method or "hybrid")
        return Shown(map_html(summary), table_html(summary, sort), listing_html(summary, 1), 1, *files, asked)

    def page(self, assistant, asked, page, step: int = 0) -> tuple[str, int]:
        """(the list's page ``page + step``, clamped; that page's number)."""
        summary = self.summary(assistant, *asked) if asked else None
        if summary is None:
            return "", 1
        page = clamp(summary, clamp(summary, page) + step)
        return listing_html(summary, page), page

    def table(self, assistant, asked, sort: str | None) -> str:
        summary = self.summary(assistant, *asked) if asked else None
        return table_html(summary, sort) if summary is not None else ""


class Panel:
    """The view's components, made inside the current Blocks context, and their events.

    ``show(question, cities, method, sort)``: the handler that fills the view after an answer.
    """

    def __init__(self, handlers):
        import gradio as gr

        self.handlers, self.gr = handlers, gr
        with gr.Column(visible=False, elem_id="national") as self.box:
            with gr.Row():
                self.map = gr.HTML(elem_id="national-map")
                with gr.Column():
                    self.sort = gr.Radio(list(SORTS), value=SORTS[0], label="都道府県の並べ順", elem_id="national-sort")
                    self.table = gr.HTML(elem_id="national-prefectures")
            self.listing = gr.HTML(elem_id="national-list")
            with gr.Row():
                previous = gr.Button("◀ 前へ", size="sm", scale=0, min_width=100, elem_id="national-prev")
                self.page = gr.Number(1, precision=0, minimum=1, label="ページ（番号を入れて Enter）", show_label=False,
                                      scale=0, min_width=100, elem_id="national-page")
                following = gr.Button("次へ ▶", size="sm", scale=0, min_width=100, elem_id="national-next")
            with gr.Row():
                self.csv = gr.File(label="一覧をCSVでダウンロード", elem_id="national-csv")
                self.xlsx = gr.File(label="一覧をExcelでダウンロード", elem_id="national-xlsx")
            self.asked = gr.State(None)
        turn = [self.listing, self.page]
        view = self.handlers.summaries
        previous.click(lambda a, p: view.page(handlers.assistant, a, p, -1), [self.asked, self.page], turn,
                       api_visibility="private")
        following.click(lambda a, p: view.page(handlers.assistant, a, p, 1), [self.asked, self.page], turn,
                        api_visibility="private")
        self.page.submit(lambda a, p: view.page(handlers.assistant, a, p), [self.asked, self.page], turn,
                         api_visibility="private")
        self.sort.input(lambda a, s: view.table(handlers.assistant, a, s), [self.asked, self.sort], self.table,
                        api_visibility="private")

    @property
    def outputs(self) -> list:
        return [self.box, self.map, self.table, self.listing, self.page, self.csv, self.xlsx, self.asked]

    def follow(self, event, question, cities, method) -> None:
        """Fill (or hide) the view once ``event`` (the staff answer) is done."""
        event.then(self.show, [question, cities, method, self.sort], self.outputs, api_visibility="private")

    def show(self, question, cities, method, sort):
        gr = self.gr
        try:
            shown = self.handlers.national(question, cities, method, sort)
        except Exception:  # noqa: BLE001 - never a traceback on the page; the answer above stands
            log.exception("national view failed")
            shown = None
        if shown is None:
            return gr.update(visible=False), "", "", "", 1, None, None, None
        return (gr.update(visible=True), shown.map, shown.table, shown.listing, shown.page, shown.csv, shown.xlsx,
                shown.asked)
