"""The comparison matrix as a terminal table, CSV and .xlsx; the spreadsheet formula guard shared with the UI.

Topics, plan text and city names are anyone's words: no cell may run as a formula. A CSV cell that
starts like one gets a leading ``'`` (OWASP's advice; Excel and LibreOffice show it as text); an .xlsx
cell is stored as a string, never as a formula. openpyxl is imported only when an .xlsx is written.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from pathlib import Path

from assistant.matrix import COLOURS, EMPTY, KINDS, SHORT, Cell, Matrix
from corpus.errors import AssistantError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting so as a formula (OWASP)
CSV_HEADER = ["topic", "city", "listed", "status", "label", "evidence", "basis", "doc_title", "section", "doc_id",
              "start", "end", "page", "reason", "previous"]
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML 1.0 (and so .xlsx) cannot hold


def csv_cell(value):
    """A text cell that would start a formula gets a leading ``'``, which makes it text in Excel and LibreOffice."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def check_writable(path: str | Path) -> Path:
    """``path`` as a file this user can write, or an AssistantError saying why not (before any work is done)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise AssistantError(f"cannot write {path}: it is a folder; give a file name, e.g. {path / 'compare.csv'}")
    if not folder.is_dir():
        raise AssistantError(f"cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise AssistantError(f"cannot write {path}: permission denied; choose a folder you can write to")
    return path


def write(path: str | Path, data: bytes) -> Path:
    path = check_writable(path)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise AssistantError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


# -- rows -----------------------------------------------------------------------
def _basis(cell: Cell) -> tuple[str, object]:
    """(citation | nearest | "", the Ref) a cell's row cites."""
    if cell.citation:
        return "citation", cell.citation
    return ("nearest", cell.nearest) if cell.nearest else ("", None)


def cell_row(cell: Cell) -> list:
    basis, ref = _basis(cell)
    where = [ref.doc_title, ref.section, ref.doc_id, ref.start, ref.end, ref.page or ""] if ref else ["", "", "", "", "", ""]
    return [cell.topic, cell.city, cell.listed, cell.status or "", cell.label, cell.evidence, basis, *where,
            cell.reason, cell.previous]


def csv_text(header, rows) -> str:
    """CSV of a header and rows of values; no cell runs as a formula (``csv_cell``)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buf.getvalue()


def excel_bytes(text: str) -> bytes:
    return text.encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def matrix_csv(matrix: Matrix) -> str:
    """One row per cell with its citation (or, for an empty cell, the nearest passage and the reason)."""
    return csv_text(CSV_HEADER, (cell_row(c) for c in matrix.cells))


def csv_bytes(matrix: Matrix) -> bytes:
    return excel_bytes(matrix_csv(matrix))


# -- terminal table ---------------------------------------------------------------
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def short(cell: Cell) -> str:
    return "状況不明" if cell.kind == "unknown" else SHORT[cell.kind]


def table_text(matrix: Matrix) -> str:
    """Topics down, cities across, a short status per cell; a legend below."""
    head = ["テーマ", *matrix.cities]
    rows = [[topic, *(short(c) for c in cells)] for topic, cells in matrix.rows()]
    widths = [max(_width(r[i]) for r in [head, *rows]) + 2 for i in range(len(head))]
    lines = ["".join(_pad(v, w) for v, w in zip(r, widths)).rstrip() for r in [head, *rows]]
    lines.insert(1, "-" * (sum(widths) - 2))
    lines += ["", "実施済・計画・検討中・未導入：計画書に書かれた状況 / 状況不明：触れているが状況の記載なし / —：記載なし",
              "根拠（引用・節・位置）は --json、--csv F、--xlsx F で出力できます。"]
    if matrix.status_only:
        lines.append("--status：状況の書かれたセルだけを表示しています。")
    return "\n".join(lines)


# -- .xlsx -------------------------------------------------------------------------
def _text(value):
    return _ILLEGAL.sub(" ", value) if isinstance(value, str) else value


def _put(ws, row: int, col: int, value):
    """Write a cell; text that starts with ``=`` stays text (openpyxl would store it as a formula)."""
    cell = ws.cell(row=row, column=col, value=_text(value))
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def _comment(cell: Cell) -> str:
    basis, ref = _basis(cell)
    if ref is None:
        return f"記載なし：{cell.reason}" if cell.reason else ""
    page = f" p. {ref.page}" if ref.page else ""
    where = f"{ref.doc_title} > {ref.section}\n{ref.doc_id} [{ref.start}:{ref.end}]{page}"
    if basis == "citation":
        previous = f"\n（前計画では{cell.previous}）" if cell.previous else ""
        return f"{cell.label}：「{ref.quote}」{previous}\n{where}"
    return f"記載なし（{cell.reason}）\n近い記述：「{ref.quote}」\n{where}"


def put_table(ws, header, rows) -> None:
    """A bold header row, then one row per list of values, from A1 (each cell through ``_put``)."""
    from openpyxl.styles import Font

    for col, value in enumerate(header, 1):
        _put(ws, 1, col, value).font = Font(bold=True)
    for row, values in enumerate(rows, 2):
        for col, value in enumerate(values, 1):
            _put(ws, row, col, value)


def saved(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_bytes(matrix: Matrix) -> bytes:
    """Sheet 比較表: the coloured grid, each cell's citation as its comment; sheet 根拠: one row per cell."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    fills = {k: PatternFill("solid", start_color=COLOURS[k], end_color=COLOURS[k]) for k in KINDS}
    wb = Workbook()
    grid = wb.active
    grid.title = "比較表"
    for col, value in enumerate(["テーマ", *matrix.cities], 1):
        _put(grid, 1, col, value).font = Font(bold=True)
    for row, (topic, cells) in enumerate(matrix.rows(), 2):
        _put(grid, row, 1, topic).font = Font(bold=True)
        for col, cell in enumerate(cells, 2):
            out = _put(grid, row, col, cell.label or SHORT[EMPTY])
            out.fill = fills[cell.kind]
            out.alignment = Alignment(wrap_text=True, vertical="top")
            note = _comment(cell)
            if note:
                out.comment = Comment(_text(note), "assistant compare", width=420, height=160)
    legend = len(matrix.topics) + 3
    _put(grid, legend, 1, "凡例").font = Font(bold=True)
    for n, kind in enumerate(KINDS, 1):
        _put(grid, legend, n + 1, SHORT[kind]).fill = fills[kind]
    grid.column_dimensions["A"].width = 34
    for n in range(len(matrix.cities)):
        grid.column_dimensions[get_column_letter(n + 2)].width = 18
    grid.freeze_panes = "B2"

    rows = wb.create_sheet("根拠")
    put_table(rows, CSV_HEADER, (cell_row(cell) for cell in matrix.cells))
    for row, cell in enumerate(matrix.cells, 2):
        rows.cell(row=row, column=CSV_HEADER.index("label") + 1).fill = fills[cell.kind]
    rows.freeze_panes = "C2"
    return saved(wb)


__all__ = ["CSV_HEADER", "FORMULA_START", "check_writable", "csv_bytes", "csv_cell", "matrix_csv", "table_text",
           "write", "xlsx_bytes"]
