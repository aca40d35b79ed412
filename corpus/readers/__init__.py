"""Readers: one module per file format, each turning a file's bytes into ``Extracted`` text.

Every reader writes the same *canonical text*, the line-oriented form the
section chunker reads (``corpus/chunk.py``), whatever the format:

- one block per line (a paragraph is one line: soft line breaks inside it are
  joined, without a space between Japanese characters and with one between
  Latin words); blank lines between blocks are allowed;
- a heading is ``"#" * level + " " + title`` (level 1–6), from the format's own
  structure (Markdown ``#``/setext, HTML ``h1``–``h6`` and ``legend``, PDF font
  size and weight); headings written as plain numbered lines (第1章, 1., (1), ア,
  ①) stay plain lines: the chunker finds those by their numbering;
- a list item is ``"- " + text``;
- a table row is its cells joined by tabs, header row first; a glossary
  (``dl``) is ``term<TAB>definition`` rows;
- links are reduced to their text, images to their alt text; URLs, HTML
  markup, comments, template tags (``{{…}}``), scripts, styles, navigation,
  page headers/footers and page numbers never reach the text.

``source_map`` maps the canonical text back to the file: segments
``(text_start, text_end, source_start, source_end)``, sorted, one per block
at least, where source offsets index the file's decoded text (for PDFs,
which have no text offsets, it is empty). ``pages`` gives, for a PDF, the
offset in the canonical text where each page starts (page ``i + 1`` starts at
``pages[i]``); empty for other formats.
"""

from __future__ import annotations

import importlib
from bisect import bisect_right
from dataclasses import dataclass, field

# suffix -> (reader module, what its ``read`` takes: the decoded text or the raw bytes)
READERS = {
    ".txt": ("corpus.readers.text", "text"),
    ".md": ("corpus.readers.markdown", "text"),
    ".markdown": ("corpus.readers.markdown", "text"),
    ".html": ("corpus.readers.html", "text"),
    ".htm": ("corpus.readers.html", "text"),
    ".pdf": ("corpus.readers.pdf", "bytes"),
}
SUFFIXES = tuple(READERS)


@dataclass(frozen=True)
class Extracted:
    text: str
    source_map: tuple[tuple[int, int, int, int], ...] = ()
    pages: tuple[int, ...] = ()
    meta: dict = field(default_factory=dict)  # hints read from the file: title, city, prefecture, period

    def page_of(self, offset: int) -> int | None:
        """The 1-based page holding canonical-text ``offset``; None for formats without pages."""
        if not self.pages:
            return None
        return max(1, bisect_right(self.pages, offset))

    def source_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The span of the source file behind canonical ``[start, end)``; None without a map."""
        hits = [(s0, s1) for t0, t1, s0, s1 in self.source_map if t0 < end and start < t1]
        if not hits:
            return None
        return min(s for s, _ in hits), max(e for _, e in hits)


def reader_for(suffix: str):
    """(the reader's ``read`` function, "text" | "bytes") for a file suffix; KeyError for others."""
    module, takes = READERS[suffix.lower()]
    return importlib.import_module(module).read, takes  # imported on use: lxml and pdfium only when needed
