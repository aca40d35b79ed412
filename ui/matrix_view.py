"""The comparison matrix as safe HTML: a coloured table, a legend, each cell's evidence in a ``<details>``.

Works on ``Matrix.to_dict()``. Every piece of text (topics anyone typed, plan text, city names) is
escaped (``render.esc``); only the markup written here is live. A cell is a ``<details>``: its
``<summary>`` (the status) is a keyboard-focusable button for screen readers too, and opening it
shows the quote, the heading path and the 「p. N」 link of a PDF plan, or, for an empty cell, the
nearest passage and why it was not enough.
"""

from __future__ import annotations

from assistant.matrix import COLOURS, EMPTY, KINDS, SHORT
from ui.render import esc, page_link

CSS = "\n".join(
    [".matrix-legend span { display: inline-block; padding: 2px 10px; margin: 0 6px 6px 0; border: 1px solid #bbb; border-radius: 4px; }",
     # fixed layout: opening a cell's evidence wraps it inside its column instead of widening the column
     "table.matrix { border-collapse: collapse; width: 100%; table-layout: fixed; } table.matrix caption { text-align: left; color: #555; }",
     "table.matrix thead th:first-child { width: 15%; } table.matrix td { overflow-wrap: anywhere; }",
     "table.matrix th, table.matrix td { border: 1px solid #bbb; padding: 4px 6px; vertical-align: top; text-align: left; }",
     "table.matrix td summary { cursor: pointer; font-weight: bold; } table.matrix td .evidence { font-size: 90%; margin-top: 4px; }",
     "table.matrix td .cite-path, table.matrix td .reason { color: #555; }"]
    + [f"table.matrix td.st-{kind}, .matrix-legend .st-{kind} {{ background: #{colour}; }}" for kind, colour in COLOURS.items()]
)
LEGEND_NOTE = {"unknown": "触れているが状況の記載なし", EMPTY: "記載なし（開くと近い記述と理由）"}


def legend_html() -> str:
    items = "".join(f'<span class="st-{k}" role="listitem">{esc(SHORT[k])}'
                    f'{"：" + esc(LEGEND_NOTE[k]) if k in LEGEND_NOTE else ""}</span>' for k in KINDS)
    return f'<div class="matrix-legend" role="list" aria-label="凡例">{items}</div>'


def _where(ref: dict) -> str:
    return (f'<div class="cite-path">{esc(ref["doc_title"])} &gt; {esc(ref["section"])}{page_link(ref)}</div>'
            f'<div class="cite-span">{esc(ref["doc_id"])} {ref["start"]}–{ref["end"]}文字目</div>')


def _evidence(cell: dict) -> str:
    if cell["citation"]:
        ref = cell["citation"]
        previous = f'<div class="previous">前計画では{esc(cell["previous"])}</div>' if cell.get("previous") else ""
        return f'<div class="evidence"><q>{esc(ref["quote"])}</q>{previous}{_where(ref)}</div>'
    reason = f'<div class="reason">理由：{esc(cell["reason"])}</div>' if cell.get("reason") else ""
    if not cell["nearest"]:
        return f'<div class="evidence">計画に近い記述もありません。{reason}</div>'
    ref = cell["nearest"]
    return f'<div class="evidence">近い記述：<q>{esc(ref["quote"])}</q>{reason}{_where(ref)}</div>'


def _cell(cell: dict) -> str:
    kind = cell["kind"]
    label = cell["label"] or SHORT[EMPTY]
    spoken = "" if cell["listed"] else ' aria-label="記載なし（根拠を開く）"'
    return (f'<td class="cell st-{esc(kind)}" data-kind="{esc(kind)}" data-city="{esc(cell["city"])}" '
            f'data-topic="{esc(cell["topic"])}" style="background:#{COLOURS.get(kind, "FFFFFF")}">'
            f"<details><summary{spoken}>{esc(label)}</summary>{_evidence(cell)}</details></td>")


def matrix_html(matrix: dict) -> str:
    """The legend and the topic × city table of ``Matrix.to_dict()``."""
    cities = matrix["cities"]
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in cities)
    rows = []
    for n, topic in enumerate(matrix["topics"]):
        cells = matrix["cells"][n * len(cities):(n + 1) * len(cities)]
        rows.append(f'<tr><th scope="row">{esc(topic)}</th>{"".join(_cell(c) for c in cells)}</tr>')
    note = "（状況の書かれたセルだけ）" if matrix.get("status_only") else ""
    return (f'<div class="matrix-wrap" id="matrix">{legend_html()}<table class="matrix">'
            f"<caption>テーマ × 市{esc(note)}：セルを開くと根拠（引用・節・位置）を表示します</caption>"
            f'<thead><tr><th scope="col">テーマ</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
