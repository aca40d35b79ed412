"""Compare plans topic by topic: the table staff used to make by hand.

Each topic becomes a status-neutral cross-city question (「テレワークに触れている市は？」), answered
by ``assistant.ask.cross_city`` over the chosen cities, so a cell is filled on the same evidence rules
as an answer: a city is listed only on its own text holding the topic's specific terms, and its status
is read from that evidence. A listed cell quotes the line that states its status where the evidence
has one (a heading with 【継続】, a 実施済 table row), else the best quote; an empty cell keeps the
nearest passage and the reason it was not enough.
"""

from __future__ import annotations

import re

from assistant import crosscity
from assistant.answer import Absent, Citation, CityAnswer
from assistant.ask import cross_city
from assistant.evidence import Scorer, name_terms
from assistant.intent import ANY
from assistant.matrix import EMPTY, UNKNOWN, Cell, Matrix, Ref, check_topics
from assistant.quotes import Quote, quote_at, segments
from assistant.status import from_text
from corpus.errors import QueryError
from index.search import Index

QUESTION = "{topic}に触れている市は？"
EVIDENCE_CHARS = 70  # characters of the one-line evidence
NO_STATUS = "状況（実施済・計画・検討中・未導入）を述べた記述がない"


def question_for(topic: str) -> str:
    """The status-neutral cross-city question a topic is asked as. A topic of one term is quoted,
    so that it is matched as written (「書かない窓口」, not 窓口); one that lists alternatives
    (AI・RPA) or several words is left to the question parser."""
    single = not re.search(r"[・、,/\s]", topic)
    return QUESTION.format(topic=f"「{topic}」" if single else topic)


def compare(index: Index, topics: list[str] | None = None, cities: list[str] | None = None,
            method: str = "hybrid", status_only: bool = False) -> Matrix:
    """Topic × city cells over ``index`` (``topics``: default list when empty; ``cities``: all when empty).

    ``status_only``: a city listed without a status gets an empty cell (its passage kept as the nearest).
    Raises QueryError for bad topics or a city the index does not hold.
    """
    topics = check_topics(topics)
    chosen = _check_cities(index, cities)
    drop = name_terms(index.cities)
    cells: list[Cell] = []
    searched: list[tuple[str, ...]] = []
    for topic in topics:
        question = question_for(topic)
        scorer = Scorer(question, index.terms.idf(), index.terms.vocab, drop)
        matcher = crosscity.matcher_for(index, question, drop)
        listed, absent, terms = cross_city(index, question, chosen, ANY, method, scorer, matcher)
        mentions = matcher.mentions
        by_city = {c.city: c for c in listed}
        nearest = {a.city: a for a in absent}
        for city in chosen:
            if city in by_city:
                cells.append(_listed(index, topic, by_city[city], mentions, status_only))
            else:
                cells.append(_empty(index, topic, nearest[city]))
        searched.append(tuple(terms))
    return Matrix(tuple(topics), tuple(chosen), tuple(cells), tuple(searched), status_only)


def _check_cities(index: Index, cities: list[str] | None) -> list[str]:
    if not cities:
        return list(index.cities)
    unknown = [c for c in cities if c not in index.cities]
    if unknown:
        raise QueryError(f"unknown city {unknown[0]!r}; the index holds: {', '.join(index.cities)}")
    return list(dict.fromkeys(cities))


def _listed(index: Index, topic: str, city: CityAnswer, mentions, status_only: bool) -> Cell:
    best = city.citations[0]  # the citation that shows the city's status comes first
    status = city.status
    quote = _status_quote(index, best, status.status, mentions) if status else None
    ref = _ref(index, best, quote)
    if status is None and status_only:
        return Cell(topic, city.city, EMPTY, "", _clip(ref.quote), nearest=ref, reason=NO_STATUS)
    kind = status.status if status else UNKNOWN
    label = status.label if status else "記載なし（状況不明）"
    previous = city.previous_status.label if city.previous_status else ""
    return Cell(topic, city.city, kind, label, _clip(ref.quote), citation=ref, previous=previous)


def _empty(index: Index, topic: str, absent: Absent) -> Cell:
    ref = _ref(index, absent.nearest) if absent.nearest else None
    return Cell(topic, absent.city, EMPTY, "", _clip(ref.quote) if ref else "", nearest=ref, reason=absent.reason)


def _status_quote(index: Index, citation: Citation, status: str, mentions) -> Quote | None:
    """The quote, or else the line of the passage, that speaks of the topic and states ``status``."""
    for q in citation.quotes:
        said = from_text(q.text)
        if said and said.status == status and mentions(q.text):
            return q
    hit = citation.hit
    source = index.sources.get(hit.doc_id, "")
    for lo, hi in segments(source, hit.start, hit.end):
        said = from_text(source[lo:hi])
        if said and said.status == status and mentions(source[lo:hi]):
            quote = quote_at(source, lo, hi, [])
            if quote:
                return index.paged(hit.doc_id, quote)
    return None


def _ref(index: Index, citation: Citation, quote: Quote | None = None) -> Ref:
    hit = citation.hit
    quote = quote or (citation.quotes[0] if citation.quotes else None)
    if quote is None:  # a passage with no quotable text: the passage itself
        quote = index.paged(hit.doc_id, Quote(" ".join(hit.text.split()), hit.start, hit.end))
    return Ref(hit.doc_id, hit.doc_title, hit.section, quote.start, quote.end, quote.text, quote.page,
               index.page_of(hit.doc_id, max(quote.start, quote.end - 1)) if quote.page else None,
               hit.start, hit.end)


def _clip(text: str, n: int = EVIDENCE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


__all__ = ["QUESTION", "compare", "question_for"]
