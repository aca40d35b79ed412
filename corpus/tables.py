"""Tab-separated tables: one findable unit per row, each carrying the column headers."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from corpus.normalize import normalize_line

WIDE_MIN_COLUMNS = 3  # rows with fewer filled cells read as "key<TAB>value" text
MAX_HEADER_CELL = 20  # a header-continuation row holds only short labels
MAX_LABEL_CELL = 40


@dataclass(frozen=True)
class Row:
    """One source line of a table: its span and cells."""

    start: int
    end: int
    cells: tuple[str, ...]

    @property
    def filled(self) -> int:
        return sum(1 for c in self.cells if c.strip())


def split_row(line: str, start: int) -> Row:
    return Row(start, start + len(line), tuple(normalize_line(c) for c in line.split("\t")))


def is_wide(rows: list[Row]) -> bool:
    """A table whose typical row fills several columns (a KPI table), not a key-value block."""
    counts = [r.filled for r in rows if r.filled]
    return bool(counts) and statistics.median(counts) >= WIDE_MIN_COLUMNS


def header_rows(rows: list[Row]) -> int:
    """How many leading rows are the header (the first row and short-label continuations)."""
    n = 1
    while n < len(rows) and _is_header_continuation(rows[n]):
        n += 1
    return n


def _is_header_continuation(row: Row) -> bool:
    cells = row.cells
    return (bool(cells) and not cells[0].strip() and row.filled > 0
            and all(len(c) <= MAX_HEADER_CELL for c in cells))


def merge_headers(rows: list[Row]) -> list[str]:
    """Column names: the first row's labels, refined by continuation rows (実績値 → 実績値 令和3年度末)."""
    width = max(len(r.cells) for r in rows)
    top = list(rows[0].cells) + [""] * (width - len(rows[0].cells))
    parents, last = [], ""
    for cell in top:  # an empty top cell lies under the spanning label to its left
        last = cell or last
        parents.append(last)
    names = list(top)
    for row in rows[1:]:
        for i, cell in enumerate(row.cells):
            if cell:
                names[i] = f"{parents[i]} {cell}".strip() if parents[i] != cell else cell
    return names


def render_row(row: Row, names: list[str]) -> str:
    """``header: value`` pairs of the filled cells, one row as one line of text."""
    parts = []
    for i, cell in enumerate(row.cells):
        if not cell:
            continue
        name = names[i] if i < len(names) else ""
        parts.append(f"{name}: {cell}" if name and name != cell else cell)
    return " / ".join(parts)


def row_label(row: Row) -> str:
    """A short name for the row, for its heading path: its first few non-numeric cells."""
    picked = [c for c in row.cells if c and not c.replace(".", "").isdigit() and len(c) <= MAX_LABEL_CELL]
    return " / ".join(picked[:3])


def is_header_repeat(row: Row, header: Row) -> bool:
    """Page breaks repeat the header row inside long tables."""
    return [c for c in row.cells if c] == [c for c in header.cells if c]
