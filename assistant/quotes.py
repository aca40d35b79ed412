"""Quotes: the source's own words, cut from inside a citation's span.

A passage's span is split into segments at line breaks and
sentence ends (。！？). Segments are ranked by how much of the question's
content they hold (the same IDF weights as ``evidence.coverage``); the best
one or two, in document order, become quotes. Each quote keeps its exact
source offsets; its text is the normalized form of ``source[start:end]``
(HTML tags dropped, PDF spaces inside words removed).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from assistant.evidence import Scorer
from corpus.normalize import normalize_line
from index.tokenize import tokenize

MAX_QUOTE = 160  # characters of a quote, normalized
WIDE_ROW = 5  # cells from which a table row is quoted cell by cell
_BREAK = re.compile(r"\n|(?<=[。！？])")  # a table row stays whole: its status cell belongs to it
_MARKUP = re.compile(r"^[\s\-*#>|・●○◆■□◎※]+|<[^>]{0,200}>")


@dataclass(frozen=True)
class Quote:
    text: str
    start: int
    end: int
    page: int | None = None  # PDF plans: the page the quote starts on (1-based); None for text formats

    def to_dict(self) -> dict:
        return asdict(self)


def segments(source: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each non-empty segment of ``source[start:end]``.

    Lines split at sentence ends; a short table row (a label and a status, say) stays whole,
    a wide row (five cells or more) splits into its cells.
    """
    out, pos = [], start
    for piece in _BREAK.split(source[start:end]):
        lo, hi = pos, pos + len(piece)
        pos = hi + (1 if source[hi:hi + 1] == "\n" else 0)
        parts = [(lo, hi)]
        if piece.count("\t") >= WIDE_ROW - 1:
            parts, cell = [], lo
            for value in piece.split("\t"):
                parts.append((cell, cell + len(value)))
                cell += len(value) + 1
        out += [span for span in (_strip(source, a, b) for a, b in parts) if span]
    return out


def _strip(source: str, lo: int, hi: int) -> tuple[int, int] | None:
    while lo < hi and source[lo].isspace():
        lo += 1
    while hi > lo and source[hi - 1].isspace():
        hi -= 1
    return (lo, hi) if hi > lo and normalize_line(source[lo:hi]) else None


def _trim(source: str, lo: int, hi: int, terms: list[str]) -> tuple[int, int]:
    """Keep a long segment's window of MAX_QUOTE source characters around its first question word."""
    if hi - lo <= MAX_QUOTE:
        return lo, hi
    text = source[lo:hi]
    first = min((i for i in (text.find(t) for t in terms) if i >= 0), default=0)
    begin = max(0, min(first - MAX_QUOTE // 4, len(text) - MAX_QUOTE))
    stop = begin + MAX_QUOTE
    if text.rfind("<", 0, begin) > text.rfind(">", 0, begin):  # the window starts inside an HTML tag
        begin = text.find(">", begin) + 1
    if text.rfind("<", begin, stop) > text.rfind(">", begin, stop):  # ... or ends inside one
        stop = text.rfind("<", begin, stop)
    return lo + begin, lo + max(begin, stop)


def pick_quotes(source: str, start: int, end: int, scorer: Scorer, limit: int = 2) -> list[Quote]:
    """Up to ``limit`` quotes from ``source[start:end]`` that best match the question."""
    scored = []
    for lo, hi in segments(source, start, end):
        cov = scorer.coverage(set(tokenize(source[lo:hi])))
        scored.append((cov, lo, hi))
    if not scored:
        return []
    best = sorted(scored, key=lambda s: (-s[0], s[1]))
    chosen = [s for s in best[:limit] if s[0] > 0] or best[:1]
    quotes = []
    for _, lo, hi in sorted(chosen, key=lambda s: s[1]):
        lo, hi = _trim(source, lo, hi, scorer.terms)
        cells = [c for c in source[lo:hi].split("\t") if c.strip()]  # table cells stay apart
        text = _MARKUP.sub("", " / ".join(normalize_line(c) for c in cells)).strip(" /")
        if text:
            quotes.append(Quote(text, lo, hi))
    return quotes
