"""Quotes: the source's own words, cut from inside a citation's span.

A passage's span is split into segments at line breaks and
sentence ends (。！？). Segments are ranked by how much of the question's
content they hold (the same IDF weights as ``evidence.coverage``); a full
sentence with a predicate (「…取得することができるようにします。」) ranks above a
bare heading or label line (「…の構築【継続】」) that covers the question about as
well (within ``SENTENCE_MARGIN``): it says what the measure does, the heading
only names it. That segment is the first quote; the next is the best covering
other segment (often the heading or table row that carries the status); a
segment whose text repeats one already chosen is skipped. Each quote keeps its exact source
offsets; its text is the normalized form of ``source[start:end]`` (HTML tags
dropped, PDF spaces inside words removed).

``distinct`` drops repeats across citations (the same heading line quoted from
two chunks of one section): same normalized text, or overlapping source spans.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from assistant.evidence import Scorer
from corpus.normalize import normalize_line
from index.tokenize import tokenize

MAX_QUOTE = 160  # characters of a quote, normalized
# coverage a sentence may lack and still come first, before a heading or label line. On the eval set the first
# quote holds gold evidence for 0.74 of answered questions (0.54 when headings came first in document order),
# some quote for 0.87 (unchanged); cited_gold_rate reads citation spans, not quotes, and stays 0.944
SENTENCE_MARGIN = 0.15
MIN_TELLING = 8  # letters (not digits, marks or cell separators) of a quote shown when no segment holds a question word
_LETTERS = re.compile(r"[\W\d_]+")
WIDE_ROW = 5  # cells from which a table row is quoted cell by cell
_BREAK = re.compile(r"\n|(?<=[。！？])")  # a table row stays whole: its status cell belongs to it
_MARKUP = re.compile(r"^[\s\-*#>|・●○◆■□◎※]+|<[^>]{0,200}>")
# a predicate ends the text: a sentence end, or a verb, auxiliary or copula form (「…を開始」 is a label, not a sentence)
_PREDICATE = re.compile(r"(?:[。．！？!?]|(?:ます|ました|ません|です|でした|である|だ|する|した|している|いる|ある|なる|できる|れる|られる|ない))[」』）)]*$")
_SPACE = re.compile(r"\s+")


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


def is_sentence(text: str) -> bool:
    """Does ``text`` (a normalized segment) end in a predicate, as a sentence does, and a heading or label does not?"""
    return bool(_PREDICATE.search(text.rstrip()))


def quote_at(source: str, lo: int, hi: int, terms: list[str]) -> Quote | None:
    """The quote of segment ``source[lo:hi]`` (cut around its first question word when long), or None if no text."""
    lo, hi = _trim(source, lo, hi, terms)
    cells = [c for c in source[lo:hi].split("\t") if c.strip()]  # table cells stay apart
    text = _MARKUP.sub("", " / ".join(normalize_line(c) for c in cells)).strip(" /")
    return Quote(text, lo, hi) if text else None


def pick_quotes(source: str, start: int, end: int, scorer: Scorer, limit: int = 2) -> list[Quote]:
    """Up to ``limit`` quotes from ``source[start:end]`` that best match the question, best first."""
    scored = []
    for lo, hi in segments(source, start, end):
        quote = quote_at(source, lo, hi, scorer.terms)
        if quote is None:
            continue
        cov = scorer.coverage(set(tokenize(source[lo:hi])))
        rank = cov + (SENTENCE_MARGIN if cov > 0 and is_sentence(quote.text) else 0.0)
        scored.append((rank, cov, quote))
    if not scored:
        return []
    covering = [s for s in scored if s[1] > 0]
    if not covering:  # the passage's first segment that says something: not a bare number or label cell (「5」)
        telling = [s for s in scored if len(_LETTERS.sub("", s[2].text)) >= MIN_TELLING] or scored
        return [min(telling, key=lambda s: s[2].start)[2]]
    # the first quote: a sentence when one covers about as well; the others by coverage alone, so a heading
    # or table row that carries the status (「…の活用【新規】」「…の策定 / 実施済」) still comes along
    first = min(covering, key=lambda s: (-s[0], s[2].start))[2]
    rest = [s[2] for s in sorted(covering, key=lambda s: (-s[1], s[2].start))]
    return distinct([first, *rest])[:limit]


def _key(text: str) -> str:
    return _SPACE.sub("", normalize_line(text)).strip("。．")


def same(a: Quote, b: Quote, a_doc: str = "", b_doc: str = "") -> bool:
    """Two quotes say the same thing: the same normalized text, or overlapping spans of one document."""
    if _key(a.text) == _key(b.text):
        return True
    return a_doc == b_doc and a.start < b.end and b.start < a.end


def distinct(quotes, doc_of=lambda q: "") -> list:
    """``quotes`` in order without repeats (``same``); ``doc_of(q)``: the document of a quote (spans compare within one)."""
    kept: list = []
    for q in quotes:
        if not any(same(q, k, doc_of(q), doc_of(k)) for k in kept):
            kept.append(q)
    return kept
