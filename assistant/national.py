"""Cross-city answers over many plans in one pass, not one search per city.

A city is listed only when one of its passages holds the question's head term and passes the
evidence rules (``assistant.crosscity``: coverage, not context), so the passages that can list a
city are exactly those holding the head term. Over hundreds of plans they are found at once:

1. the passages holding the head term (``index.substrings``: bigram postings, then checked),
   within the searched plans — at most ``EXTRA`` per city, in document order, as the per-city path;
2. their dense similarity to the question in one matrix product;
3. per city, best first, each passage judged until ``EVIDENCE`` passages pass; the city's status
   is read from those (``crosscity.city_status``), quoted by the sentences that name the topic.

Quotes here are the evidence sentences themselves (no sentence scoring with the tokenizer: that
cost ~13 ms a passage, minutes at national scale); a citation's support is its dense score plus
the topic coverage. Cities whose plans never name the head term are absent with that reason;
cities that name it only in context (a glossary, national policy, a survey) are absent with the
nearest such passage.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from assistant import crosscity
from assistant.answer import Absent, Citation, CityAnswer
from assistant.quotes import Quote
from assistant.status import plan_start, read_statuses
from assistant.topic import TopicMatcher
from index.search import Hit, Index

ONE_PASS_FROM = 30  # searched cities from which a cross-city question takes one pass instead of a search per city
EVIDENCE = 5  # evidence passages read per city (its status comes from these)
COVERAGE_WEIGHT = 0.3  # support = dense similarity + this × topic coverage
_SENTENCE = re.compile(r"[^。\n]+(?:。|$)")


def head_positions(index: Index, matcher: TopicMatcher, cities: list[str]) -> dict[str, list[int]]:
    """Per searched city, its passages holding the head term (document order, at most ``crosscity.EXTRA``)."""
    if matcher.head is None:
        return {}
    holding = crosscity.salience(index).positions(matcher.head)
    scope = index.scope(cities).positions
    if scope is not None:
        holding = holding[np.isin(holding, scope)]
    out: dict[str, list[int]] = {}
    for position in holding.tolist():
        mine = out.setdefault(index.chunks[position].city, [])
        if len(mine) < crosscity.EXTRA:
            mine.append(position)
    return out


def sentence_quotes(index: Index, hit: Hit, matcher: TopicMatcher, limit: int = 2) -> tuple[Quote, ...]:
    """The passage's sentences that name the topic (its first sentence when none does), as exact spans."""
    found = [m for m in _SENTENCE.finditer(hit.text) if m.group().strip() and matcher.mentions(m.group())]
    found = found[:limit] or [m for m in _SENTENCE.finditer(hit.text) if m.group().strip()][:1]
    quotes = []
    for m in found:
        text = m.group()
        lead = len(text) - len(text.lstrip())
        text = text.strip()
        quotes.append(index.paged(hit.doc_id, Quote(text, hit.start + m.start() + lead, hit.start + m.start() + lead + len(text))))
    return tuple(quotes)


def light_cite(index: Index, hit: Hit, judged: crosscity.Judged, matcher: TopicMatcher) -> Citation:
    start = plan_start(index.documents.get(hit.doc_id, {}).get("period"))
    statuses = tuple(read_statuses(hit.section, hit.text.split("\n"), matcher.mentions, start,
                                   crosscity.tags(index, hit.doc_id)))
    support = round((hit.dense_score or 0.0) + COVERAGE_WEIGHT * judged.match.coverage, 4)
    return Citation(hit, sentence_quotes(index, hit, matcher), support, statuses[0] if statuses else None, statuses)


def one_pass(index: Index, question: str, searched: list[str], asked: str, matcher: TopicMatcher,
             city_answer) -> tuple[list[CityAnswer], list[Absent]]:
    """(listed cities, matching status first; the other searched cities) without a search per city.

    ``city_answer(city, citations, asked)`` makes a city's entry (``assistant.ask._city_answer``).
    """
    threshold = crosscity.min_coverage()
    per_city = head_positions(index, matcher, searched)
    everything = [p for ps in per_city.values() for p in ps]
    hits = {h.chunk_id: h for h in index.rank_positions(question, everything)}
    listed: list[CityAnswer] = []
    absent: list[Absent] = []
    head = matcher.head.label if matcher.head is not None else ""
    for city in searched:
        ranked = sorted((hits[index.chunks[p].chunk_id] for p in per_city.get(city, ())), key=lambda h: -(h.dense_score or 0.0))
        evidence, nearest = [], None
        for n, hit in enumerate(ranked, 1):
            judged = crosscity.judge(matcher, replace(hit, rank=n))
            if judged.evidence(threshold):
                evidence.append(light_cite(index, judged.hit, judged, matcher))
                if len(evidence) >= EVIDENCE:
                    break
            elif nearest is None:
                nearest = judged
        if evidence:
            listed.append(city_answer(city, evidence, asked))
        elif nearest is not None:
            absent.append(Absent(city, light_cite(index, nearest.hit, nearest, matcher), nearest.reason(threshold)))
        else:
            absent.append(Absent(city, None, f"計画に「{head}」の記述がない" if head else "計画に検索語を含む記述がない"))
    listed.sort(key=lambda c: (not c.matches_status, -max(x.support for x in c.citations)))
    return listed, absent
