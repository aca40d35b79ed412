"""Markdown reader: markdown-it-py tokens (CommonMark, tables, footnotes, front matter) walked into canonical text.

Inline HTML and HTML blocks go through the HTML reader, so their text stays and
their markup goes. Where CommonMark would drop text, it is kept: table cells past
the header's count, footnotes nobody cites, reference-definition-shaped lines in
Japanese ("[注1]: …"); a paragraph's tab-separated lines (a converter's table) are rows.

``source_map`` has one segment per output line, from the tokens' line ranges: a
paragraph's lines map to their own source lines, a table row to its row, an HTML
block's lines to the lines of that block they came from.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from corpus.normalize import has_japanese
from corpus.readers import Extracted
from corpus.readers.html import assemble, blocks, body_line, char_span, clean, line_starts, row_text
from corpus.readers.text import FRONT_KEYS

# markdown-it drops whatever is nested deeper than maxNesting (default 20); its parser recurses, so not unbounded
MAX_NESTING = 100
_CELL_BREAK = re.compile(r"(?<!\\)\|")
_NEWLINE = r"\r\n?|\n"  # markdown-it's own line breaks: its token maps count lines so


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable(["table", "strikethrough"])
    # footnotes stay where they are written: moved to the end, the ones nobody cites would be dropped
    return md.use(front_matter_plugin).use(footnote_plugin).disable("footnote_tail")


def _render(children) -> str:
    """Inline tokens as an HTML fragment: links reduced to their text, autolinks gone, images as alt text.

    Breaks keep their newline, so line ``k`` of the fragment is line ``k`` of the paragraph.
    """
    out, depth = [], 0
    for tok in children:
        if depth:  # inside an autolink: its text is the URL
            depth += (tok.type == "link_open") - (tok.type == "link_close")
        elif tok.type == "link_open" and tok.markup in ("autolink", "linkify"):
            depth = 1
        elif tok.type in ("text", "code_inline"):
            out.append(escape(tok.content, quote=False))
        elif tok.type == "softbreak":
            out.append("\n")
        elif tok.type == "hardbreak":
            out.append("<br>\n")
        elif tok.type == "image":
            out.append(_render(tok.children or []))
        elif tok.type == "html_inline":
            out.append(tok.content)
    return "".join(out)


def _inline(text: str) -> list:
    """Inline tokens of a piece of source text."""
    tokens = _parser().parseInline(text)
    return (tokens[0].children or []) if tokens else []


def _letters(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def _front_matter(content: str) -> dict:
    meta = {}
    for line in content.splitlines():
        key, sep, value = line.partition(":")
        key, value = key.strip().lower(), value.strip().strip("'\"")
        if sep and key in FRONT_KEYS and value:
            meta[key] = value
    return meta


class _Walker:
    """Walks the block tokens, collecting (line, source start, source end)."""

    def __init__(self, text: str):
        self.starts, self.size = line_starts(text, _NEWLINE), len(text)
        self.lines = re.split(_NEWLINE, text)
        self.seen = 0  # source lines up to here belong to a block already walked
        self.out: list[tuple[str, int, int]] = []
        self.meta: dict = {}
        self.level = 0  # the last heading's level: a legend without heading goes one deeper
        self.prefix = ""  # "- " (or "- 1. ") waiting for a list item's first line
        self.prefix_line = 0  # the source line of that marker

    def emit(self, text: str, kind: str, first: int, last: int) -> None:
        if kind == "heading":
            self.level = len(text) - len(text.lstrip("#"))
        elif kind == "text" and self.prefix:  # the marker's line is part of the item's first line
            text, first, self.prefix = self.prefix + text, min(first, self.prefix_line), ""
        self.out.append((text, *char_span(self.starts, self.size, first, last)))

    def walk(self, tokens) -> None:
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.level == 0 and tok.map:
                self.unclaimed(self.seen, tok.map[0])
                self.seen = max(self.seen, tok.map[1])
            if tok.type == "front_matter":
                self.meta.update(_front_matter(tok.content))
            elif tok.type == "heading_open":
                title = self.line(tokens[i + 1].children or [])
                if title:
                    self.emit("#" * int(tok.tag[1]) + " " + title, "heading", tok.map[0], tok.map[1] - 1)
                i += 1
            elif tok.type == "paragraph_open":
                self.paragraph(tokens[i + 1], tok)
                i += 1
            elif tok.type == "list_item_open":
                self.prefix = f"- {tok.info}{tok.markup} " if tok.info else "- "  # an ordered item keeps its number
                self.prefix_line = tok.map[0]
            elif tok.type == "footnote_reference_open":  # "[^2]: text" reads "[2] text"
                self.prefix, self.prefix_line = f"[{tok.meta.get('label', '')}] ", tok.map[0]
            elif tok.type in ("list_item_close", "footnote_reference_close"):
                self.prefix = ""
            elif tok.type == "table_open":
                i = self.table(tokens, i)
            elif tok.type in ("fence", "code_block"):
                self.code(tok)
            elif tok.type == "html_block":
                self.html(tok.content, tok.map[0])
            i += 1
        self.unclaimed(self.seen, len(self.lines))

    def unclaimed(self, first: int, end: int) -> None:
        """Lines no block claims are link reference definitions; "[注1]: 説明…" is text all the same."""
        for k in range(first, end):
            if has_japanese(self.lines[k]):
                self.emit(body_line(clean(self.lines[k])), "text", k, k)

    def line(self, children) -> str:
        """Inline tokens as one line (a heading, a table cell): breaks and inline table cells become spaces."""
        found, _ = blocks(_render(children), self.level)
        return " ".join(" ".join((b.text.lstrip("#") if b.kind == "heading" else b.text).split()) for b in found)

    def lines_of(self, children, first: int, last: int) -> None:
        """Inline tokens of source lines ``first``–``last`` as canonical lines."""
        fragment = _render(children)
        found, _ = blocks(fragment, self.level)
        aligned = fragment.count("\n") == last - first  # else map each line to the whole paragraph
        for b in found:
            self.emit(b.text, b.kind, *((first + b.first, first + b.last) if aligned else (first, last)))

    def paragraph(self, inline, tok) -> None:
        first, last = tok.map[0], tok.map[1] - 1
        if tok.level == 0 and any("\t" in self.lines[k] for k in range(first, last + 1)):
            self.tab_separated(first, last)
        else:
            self.lines_of(inline.children or [], first, last)

    def tab_separated(self, first: int, last: int) -> None:
        """A paragraph with tab-separated lines (a converter's table): those lines are rows, the others text."""
        k = first
        while k <= last:
            if "\t" in self.lines[k]:
                cells = [self.line(_inline(cell)) for cell in self.lines[k].split("\t")]
                if any(cells):
                    self.emit(row_text(cells), "row", k, k)
                k += 1
                continue
            end = k
            while end < last and "\t" not in self.lines[end + 1]:
                end += 1
            self.lines_of(_inline("\n".join(self.lines[k : end + 1])), k, end)
            k = end + 1

    def html(self, content: str, first: int) -> None:
        found, _ = blocks(content, self.level)
        for b in found:
            self.emit(b.text, b.kind, first + b.first, first + b.last)

    def code(self, tok) -> None:
        first = tok.map[0] + (tok.type == "fence")  # a fence's content starts below its ``` line
        for k, line in enumerate(tok.content.split("\n")):
            text = clean(line)
            if text:
                self.emit(body_line(text), "text", first + k, first + k)

    def extra_cells(self, line: int, cells: list[str]) -> list[str]:
        """Cells past the header's count, which GFM drops: their text is the document's all the same.

        Taken from the source line only when its first cells read as the parsed ones
        (a row inside a list or quote carries the container's markers).
        """
        raw = _CELL_BREAK.split(self.lines[line].strip().removeprefix("|").removesuffix("|"))
        if len(raw) <= len(cells) or any(_letters(clean(r)) != _letters(c) for r, c in zip(raw, cells)):
            return []
        return [clean(cell.replace("\\|", "|")) for cell in raw[len(cells):]]

    def table(self, tokens, i: int) -> int:
        """Rows as tab-separated cells, the header row first; returns the index of ``table_close``."""
        rows: list[tuple[list[str], list[int]]] = []
        while tokens[i].type != "table_close":
            tok = tokens[i]
            if tok.type == "tr_open":
                rows.append(([], tok.map))
            elif tok.type == "inline" and rows:
                rows[-1][0].append(self.line(tok.children or []))
            elif tok.type == "tr_close" and rows:
                rows[-1][0].extend(self.extra_cells(rows[-1][1][0], rows[-1][0]))
            i += 1
        if any(any(cells) for cells, _ in rows):
            for k, (cells, span) in enumerate(rows):
                if k == 0 or any(cells):  # the header row stays, even empty: it names the columns
                    self.emit(row_text(cells), "row", span[0], span[1] - 1)
        return i


def read(text: str, name: str = "") -> Extracted:
    """A Markdown file as canonical text; front matter ``city``/``title``/``prefecture``/``period`` go to ``meta``.

    Never raises: any text reads, odd markup as text.
    """
    text = " " + text[1:] if text.startswith("\ufeff") else text  # a BOM would hide a first-line heading
    walker = _Walker(text)
    walker.walk(_parser().parse(text))
    canonical, source_map = assemble(walker.out)
    return Extracted(canonical, source_map, meta=walker.meta)


__all__ = ["read"]
