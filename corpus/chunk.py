"""Section chunking: one chunk per section (split when long, merged when tiny).

Every chunk knows its document, city, heading path and its span ``[start, end)``
in the decoded source file; its ``text`` is the normalized text of that span
(table rows rendered as ``header: value`` pairs).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from corpus.documents import Document, detect_title
from corpus.headings import (
    RANK_BLOCK,
    RANK_NUMBER,
    RANK_PAREN,
    RANK_UNNUMBERED,
    Heading,
    block_title,
    classify,
    dotted_number,
)
from corpus.normalize import normalize_line
from corpus.tables import (
    Row,
    header_rows,
    is_header_repeat,
    is_wide,
    merge_headers,
    render_row,
    row_label,
    split_row,
)
from corpus.toc import toc_lines

PATH_SEPARATOR = " > "
_PAGE_ARTEFACT = re.compile(r"^\s*[-‐－—ー(（]?\s*\d{1,3}\s*[-‐－—ー)）]?\s*$")
_SENTENCE = re.compile(r"(?<=[。！？!?])")


@dataclass(frozen=True)
class ChunkerConfig:
    """Size limits in normalized characters.

    e5 models read at most 512 tokens and Japanese runs ~0.57 tokens per
    character, so chunk text plus its heading path must stay well under ~850.
    """

    max_chars: int = 500
    min_chars: int = 80
    window: int = 0  # > 0: the plain baseline instead, fixed windows of this many characters (corpus.windows)
    overlap: int = 100  # characters shared by consecutive windows


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    city: str
    doc_title: str
    path: tuple[str, ...]
    text: str
    start: int
    end: int
    kind: str = "text"  # "text" | "row"
    page: int | None = None  # PDF: the pages the span starts and ends on (1-based); None for other formats
    page_end: int | None = None

    @property
    def section(self) -> str:
        return PATH_SEPARATOR.join(self.path)


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    text: str
    label: str = ""  # set for a table row that stands as its own chunk

    @property
    def standalone(self) -> bool:
        return bool(self.label)


@dataclass
class _Group:
    path: tuple[str, ...]
    heading: _Unit | None
    units: list[_Unit] = field(default_factory=list)
    barrier: bool = False  # opened after a table of contents: never merged with what precedes

    @property
    def size(self) -> int:
        return sum(len(u.text) + 1 for u in self.units if not u.standalone)


def line_spans(text: str) -> list[tuple[int, str]]:
    """(offset, line) for every line of ``text``."""
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _squash(s: str) -> str:
    return "".join(s.split())


class _Sectioner:
    """Walks the lines, keeping the heading stack; collects units per section."""

    def __init__(self, doc: Document, config: ChunkerConfig):
        self.doc, self.config = doc, config
        self.stack: list[Heading] = []
        self.groups: list[_Group] = [_Group((), None)]
        self.title_keys = {_squash(t) for t in _title_lines(doc) if t}

    def run(self) -> list[_Group]:
        lines = line_spans(self.doc.text)
        skip = toc_lines([line for _, line in lines])
        i = 0
        while i < len(lines):
            if i in skip:
                if i == 0 or i - 1 not in skip:
                    self._open(None, None, barrier=True)  # a TOC ends the section before it
                i += 1
                continue
            if "\t" in lines[i][1]:
                i = self._table(lines, i, skip)
                continue
            self._line(*lines[i])
            i += 1
        return self.groups

    # -- headings -------------------------------------------------------
    def _heading(self, heading: Heading, start: int, end: int, text: str) -> bool:
        """Push a heading; False when it is not one here (so the line is body text)."""
        key = _squash(heading.title)
        if key in self.title_keys or any(_squash(h.title) == key for h in self.stack):
            return True  # the plan's title or a running page header repeated: drop the line
        if not heading.explicit and not self._in_sequence(heading):
            return False
        while self.stack and (self.stack[-1].rank >= heading.rank or _outside(self.stack[-1], heading)
                              or self._scoped(self.stack[-1], heading)):
            if self._keeps(self.stack[-1], heading):
                break
            self.stack.pop()
        self.stack.append(heading)
        self._open(_Unit(start, end, text), tuple(h.title for h in self.stack))
        return True

    def _keeps(self, top: Heading, heading: Heading) -> bool:
        """A plain numbered line (「(1)…」, 「1.…」, 「ア」) nests inside a marked-up unnumbered heading
        (「## お知らせ」, an HTML ``<h2>``) rather than closing it, unless it continues a numbering
        opened above that heading. Unnumbered markup outranks nothing by number, and a list under
        an article is the article's."""
        return (not heading.explicit and top.explicit and top.rank >= RANK_UNNUMBERED and heading.rank >= RANK_NUMBER
                and not any(h.rank == heading.rank for h in self.stack[:-1]))

    def _scoped(self, top: Heading, heading: Heading) -> bool:
        """A marked-up heading closes the plain numbered lines nested under a marked-up unnumbered one."""
        return (heading.explicit and not top.explicit and top.rank >= RANK_NUMBER
                and any(h.explicit and h.rank >= RANK_UNNUMBERED for h in self.stack[:-1]))

    def _in_sequence(self, heading: Heading) -> bool:
        """"1." and "(1)" headings count up: "17 パートナーシップ…" after "1 計画…" is a list item.

        A number is accepted when it is 1, or at most 2 past the previous sibling's
        (PDF conversion drops a heading now and then).
        """
        number = sequence_number(heading)
        if number is None or number <= 1:
            return True
        for h in reversed(self.stack):
            if h.rank < heading.rank:
                return False  # first of its rank under this parent must be 1
            if h.rank == heading.rank:
                prev = sequence_number(h)
                return prev is not None and prev < number <= prev + 2
        return False

    def _open(self, heading: _Unit | None, path: tuple[str, ...] | None, barrier: bool = False) -> None:
        self.groups.append(_Group(path if path is not None else self.groups[-1].path, heading, barrier=barrier))

    # -- body -----------------------------------------------------------
    def _line(self, start: int, line: str) -> None:
        heading = classify(line)
        if heading and self._heading(heading, start, start + len(line), normalize_line(line)):
            return
        if _PAGE_ARTEFACT.match(line):
            return
        for piece_start, piece in _pieces(line, start, self.config.max_chars):
            text = normalize_line(piece)
            if text:
                self.groups[-1].units.append(_Unit(piece_start, piece_start + len(piece), text))

    def _table(self, lines: list[tuple[int, str]], i: int, skip: set[int]) -> int:
        j, rows = i, []
        while j < len(lines) and j not in skip:
            start, line = lines[j]
            if "\t" in line:
                rows.append(split_row(line, start))
            elif line.strip() and not _continues_table(lines, j):
                break
            j += 1
        self._rows(rows)
        return j

    def _rows(self, rows: list[Row]) -> None:
        if not is_wide(rows):
            for row in rows:
                self._kv_row(row)
            return
        n = header_rows(rows)
        names = merge_headers(rows[:n])
        for row in rows[n:]:
            if row.filled and not any(is_header_repeat(row, h) for h in rows[:n]):
                text = render_row(row, names)
                # a substantial row is its own chunk; short rows pack together like lines
                label = (row_label(row) or text[:40]) if len(text) >= self.config.min_chars else ""
                self.groups[-1].units.append(_Unit(row.start, row.end, text, label))

    def _kv_row(self, row: Row) -> None:
        heading = block_title(list(row.cells))
        text = " ".join(c for c in row.cells if c)
        if heading:
            self._heading(Heading(RANK_BLOCK, heading.title), row.start, row.end, text)
        elif text:
            self.groups[-1].units.append(_Unit(row.start, row.end, text))


_SEQUENCED = re.compile(r"^[(（]?(\d{1,2})[)）.．]?(?:\s|$)")


def _title_lines(doc: Document) -> list[str]:
    """The plan's title as running page headers repeat it: its metadata title, and its first line
    unless that line is a numbered heading (a plan whose title sits in front matter starts with 第1章)."""
    first = detect_title(doc.text)
    heading = classify(first) if first else None
    numbered = heading is not None and heading.rank < RANK_UNNUMBERED
    return [doc.title] + ([] if numbered else [first])


def _outside(parent: Heading, heading: Heading) -> bool:
    """Hierarchical numbers say where they belong: "4.3.1" is not inside "14." (a list item taken for a heading)."""
    if not (RANK_NUMBER <= parent.rank < RANK_PAREN and RANK_NUMBER < heading.rank < RANK_PAREN):
        return False
    mine, theirs = dotted_number(heading.title), dotted_number(parent.title)
    return bool(mine and theirs) and mine[: len(theirs)] != theirs


def sequence_number(heading: Heading) -> int | None:
    """The running number of a "1." / "(1)" heading, else None."""
    if heading.rank not in (RANK_NUMBER, RANK_PAREN):
        return None
    match = _SEQUENCED.match(heading.title)
    return int(match.group(1)) if match else None


def _continues_table(lines: list[tuple[int, str]], j: int) -> bool:
    """A blank line inside a table: does a table row follow?"""
    return not lines[j][1].strip() and j + 1 < len(lines) and "\t" in lines[j + 1][1]


def _pieces(line: str, start: int, max_chars: int) -> list[tuple[int, str]]:
    """Split an over-long source line at sentence ends, then hard at ``max_chars``."""
    if len(line) <= max_chars:
        return [(start, line)]
    out, pos = [], start
    for sentence in _SENTENCE.split(line):
        for k in range(0, len(sentence), max_chars):
            part = sentence[k : k + max_chars]
            out.append((pos, part))
            pos += len(part)
    return [p for p in out if p[1]]


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _related(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same parent, or one inside the other: merging them crosses no chapter boundary."""
    n = len(_common(a, b))
    return n >= len(a) - 1 and n >= len(b) - 1 or n == min(len(a), len(b))


def _merged_path(a: tuple[str, ...], b: tuple[str, ...], a_is_section: bool) -> tuple[str, ...]:
    """A parent's short intro joins its first child under the child's path; siblings share the parent's."""
    if a_is_section and b[: len(a)] == a:
        return b
    if a[: len(b)] == b:
        return a
    # top-level siblings share no parent: the first one's path (the second's heading line is in the text)
    return _common(a, b) or a


def _join(first: _Group, second: _Group) -> _Group:
    # in document order: a childless heading that leads into the second section sits in its units
    # before its heading line (``_keep_childless``)
    units = sorted((u for u in (first.heading, *first.units, second.heading, *second.units) if u is not None),
                   key=lambda u: u.start)
    return _Group(_merged_path(first.path, second.path, first.heading is not None), None, units)


def _has_rows(group: _Group) -> bool:
    return any(u.standalone for u in group.units)


def _joinable(first: _Group, second: _Group) -> bool:
    return not second.barrier and _related(first.path, second.path) and not _has_rows(first) and not _has_rows(second)


def _keep_childless(groups: list[_Group]) -> list[_Group]:
    """A heading with neither body nor sub-headings keeps its line as text: 「(1)…」「(2)…」 list lines
    taken for headings, or a heading that a higher one follows, would otherwise vanish from the chunks.
    The line joins the section before it when that is its parent or a sibling (a list under its lead-in),
    else it leads into the section after it, under that section's path."""
    out: list[_Group] = []
    lead: list[_Unit] = []
    for group, after in zip(groups, groups[1:] + [None]):
        parent = after is not None and len(after.path) > len(group.path) and after.path[: len(group.path)] == group.path
        if group.heading is None or group.units or parent:
            if lead and not group.barrier:
                group.units[:0], lead = lead, []
            out.append(group)
        elif out and out[-1].path and not group.barrier and not _has_rows(out[-1]) and _related(out[-1].path, group.path):
            out[-1].units.append(group.heading)
        elif after is not None and not after.barrier:
            lead.append(group.heading)
        else:
            group.units[:0], lead = [*lead, group.heading], []
            out.append(group)
    if lead:  # only a barrier followed: the lines stay where they stand
        out.append(_Group(out[-1].path if out else (), None, lead))
    return out


def _merge_tiny(groups: list[_Group], min_chars: int) -> list[_Group]:
    """Fold a section with little text into a related neighbour, keeping its heading in the text."""
    out: list[_Group] = []
    carry: _Group | None = None
    barrier = False
    for group in groups:
        barrier = barrier or group.barrier
        if not group.units:
            continue  # a heading straight followed by a sub-heading: it lives on in the path
        group.barrier, barrier = barrier, False
        if carry is not None:
            if _joinable(carry, group):
                barrier, group = group.barrier, _join(carry, group)
                group.barrier = barrier
            elif out and _joinable(out[-1], carry):
                out[-1] = _join(out[-1], carry)
            else:
                out.append(carry)
            carry = None
        if group.size < min_chars and not _has_rows(group):
            carry = group
            continue
        out.append(group)
    if carry is not None and carry.units:
        if out and _joinable(out[-1], carry):
            out[-1] = _join(out[-1], carry)
        else:
            out.append(carry)
    return out


def _pack(units: list[_Unit], max_chars: int) -> list[list[_Unit]]:
    """Balanced greedy packing of consecutive units under ``max_chars``."""
    total = sum(len(u.text) + 1 for u in units)
    if total == 0:
        return []
    target = total / math.ceil(total / max_chars)
    packs, current, size = [], [], 0
    for unit in units:
        n = len(unit.text) + 1
        if current and (size + n > max_chars or size >= target):
            packs.append(current)
            current, size = [], 0
        current.append(unit)
        size += n
    packs.append(current)
    return packs


def chunk_document(doc: Document, config: ChunkerConfig = ChunkerConfig()) -> list[Chunk]:
    """Split one plan into section chunks, in document order (or windows: ``config.window``)."""
    if config.window:
        from corpus.windows import window_chunks

        return window_chunks(doc, config.window, config.overlap)
    groups = _merge_tiny(_keep_childless(_Sectioner(doc, config).run()), config.min_chars)
    chunks: list[Chunk] = []

    def emit(units: list[_Unit], path: tuple[str, ...], kind: str, heading: _Unit | None = None) -> None:
        # a section's first chunk spans its heading line too: the heading is in the path, and
        # citations and eval evidence may point at the heading's words in the source
        start, end = min((heading or units[0]).start, units[0].start), units[-1].end
        text = "\n".join(u.text for u in units)
        chunks.append(Chunk(f"{doc.doc_id}:{start}-{end}", doc.doc_id, doc.city, doc.title, path, text, start, end, kind,
                            doc.page_of(start), doc.page_of(end - 1)))

    for group in groups:
        run: list[_Unit] = []
        heading = group.heading
        for unit in group.units + [None]:  # type: ignore[list-item]
            if unit is None or unit.standalone:
                for pack in _pack(run, config.max_chars):
                    emit(pack, group.path, "text", heading)
                    heading = None
                run = []
                if unit is not None:
                    emit([unit], group.path + (unit.label,), "row")
                    heading = None
            else:
                run.append(unit)
    return chunks


def chunk_documents(docs: list[Document], config: ChunkerConfig = ChunkerConfig()) -> list[Chunk]:
    return [c for doc in docs for c in chunk_document(doc, config)]
