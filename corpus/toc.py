"""Find table-of-contents (目次) lines, which must not become chunks."""

from __future__ import annotations

import re

from corpus.headings import light_normalize

_TOC_TITLE = re.compile(r"^(?:#+\s*)?(?:<b>)?\s*(目\s*次|もくじ|CONTENTS|Contents)\s*(?:</b>)?$")
# "1. 計画策定の趣旨 . . . . .<TAB>1", "第1章 …<TAB>1", "| 第1章 … | 1 |"
_ENTRY = re.compile(r"(?:[.．・…‥]\s*){3,}\s*\d{1,3}\s*$|\t\s*\d{1,3}\s*$|\|\s*\d{1,3}\s*\|\s*$")
_SKIPPABLE = re.compile(r"^\s*(?:\|[\s|:-]*|[-=]{3,})?\s*$")  # blank lines, empty/separator table rows
MAX_TOC_LINES = 400


def is_entry(line: str) -> bool:
    return bool(_ENTRY.search(line))


def toc_lines(lines: list[str]) -> set[int]:
    """Indices of lines that belong to a table of contents.

    A TOC starts at a 目次 title and runs over entries ending in page numbers,
    blank lines and short entries whose next non-blank line is again an entry.
    """
    found: set[int] = set()
    i = 0
    while i < len(lines):
        if _TOC_TITLE.match(light_normalize(lines[i])):
            end = _toc_end(lines, i + 1)
            found.update(range(i, end))
            i = end
        else:
            i += 1
    return found


def _toc_end(lines: list[str], start: int) -> int:
    i = start
    limit = min(len(lines), start + MAX_TOC_LINES)
    while i < limit:
        line = lines[i]
        if is_entry(line) or _SKIPPABLE.match(line):
            i += 1
            continue
        nxt = _next_nonblank(lines, i + 1)
        if len(light_normalize(line)) <= 40 and nxt is not None and is_entry(lines[nxt]):
            i += 1  # an entry without page number, followed by more entries
            continue
        break
    return i


def _next_nonblank(lines: list[str], start: int) -> int | None:
    for j in range(start, min(len(lines), start + 5)):
        if not _SKIPPABLE.match(lines[j]):
            return j
    return None
