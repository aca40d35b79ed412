"""Which cities' plans say the thing asked, with the status asked — and, for the others, why not.

For each searched city:

1. its plan's best passages for the question are retrieved (hybrid ranking, per city);
2. a passage is **evidence** when it holds the question's head term (the rarest topic group,
   ``assistant.topic``), covers enough of the topic (IDF-weighted, ``MIN_COVERAGE``) and is
   not context (a glossary entry, a summary of national policy, a survey: ``assistant.context``).
   Embedding similarity orders the passages; it never lists a city on its own;
3. the city's status is read from its evidence (``assistant.status``): the answer lists
   first the cities with the status asked, then the cities that mention the topic with
   another status, and says for every other city what was searched and which passage came
   nearest, and why it was not enough.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from weakref import WeakKeyDictionary

import numpy as np

from assistant import context
from assistant.answer import Citation
from assistant.intent import ANY
from assistant.status import Status, legend, tag_statuses
from assistant.topic import Match, Salience, TopicMatcher, topic
from index.search import Hit, Index

DEPTH = 20  # passages ranked in each city's plan
EXTRA = 50  # further passages holding the head term, taken beyond the ranking
# Share of the topic's IDF weight a passage must hold. Chosen on the dev half of the eval set
# (``python -m eval.tune``): cross-city F1 0.764 from 0.0 to 0.1, 0.755 at 0.15-0.3, 0.750 at
# 0.4-0.5, 0.709 at 0.6; 0.05 is the middle of the best plateau. Reported on the test half in the README.
MIN_COVERAGE = 0.05
# passages whose words anchor the head (``matcher_for``). Chosen on the project set's dev half and the
# opened held-out sets 1-4 (each plan's statuses read leave-one-plan-out): pooled cross-city F1 over
# 160 questions 0.677 without, 0.715 at 1, 0.739 at 2, 0.745 at 3, 0.744 at 4, 0.726 at 5; 3 is the
# middle of the plateau. Reported on the project test half and the fifth sealed set in the README.
ANCHOR_DEPTH = 3
STATUS_WORDS = {"implemented": "導入・実施済み", "planned": "計画・予定", "under_study": "検討中", "any": "記載あり"}


def min_coverage() -> float:
    try:
        return float(os.environ.get("ASSISTANT_MIN_COVERAGE") or MIN_COVERAGE)
    except ValueError:
        return MIN_COVERAGE


@dataclass(frozen=True)
class Judged:
    """One retrieved passage, judged against the question's topic."""

    hit: Hit
    match: Match
    context: str | None  # glossary | policy | survey | wish, or None for the city's own text

    def evidence(self, threshold: float) -> bool:
        return self.match.head and self.match.coverage >= threshold and self.context is None

    def reason(self, threshold: float) -> str:
        """Why this passage does not list its city, in plain Japanese."""
        if not self.match.head and self.match.missing and self.match.nowhere:
            return f"「{self.match.missing[0]}」はどの計画にも書かれていない"
        if not self.match.head and self.match.missing:
            return f"「{self.match.missing[0]}」の記述ではない"
        if self.match.coverage < threshold and self.match.missing:
            return f"「{'」「'.join(self.match.missing[:2])}」に触れていない"
        if self.context:
            return f"{context.LABELS[self.context]}のみで、市の取組の記述ではない"
        return "質問の内容を支える記述ではない"


_SALIENCE: WeakKeyDictionary[Index, Salience] = WeakKeyDictionary()  # one per loaded index, dropped with it


def salience(index: Index) -> Salience:
    """Term rarity over the index's passages (heading path and text, folded: ``index.substrings``)."""
    cached = _SALIENCE.get(index)
    if cached is None:
        cached = _SALIENCE[index] = Salience(index.substrings)
    return cached


_LEGENDS: WeakKeyDictionary[Index, dict[str, dict[str, str]]] = WeakKeyDictionary()
# an index built before plans' legends were kept with their rows: read them from the texts only when
# it is small (at national scale that rereads every plan's text on the first answers: 3 s and 0.7 GiB)
REREAD_LEGENDS_UP_TO = 200


def tags(index: Index, doc_id: str) -> dict[str, str]:
    """What the plan's own legend says its 【】 tags mean ({tag: status}), read once per plan."""
    cached = _LEGENDS.setdefault(index, {})
    if doc_id not in cached:
        row = index.documents.get(doc_id) or {}
        if "legend" in row:
            cached[doc_id] = tag_statuses(row["legend"] or {})
        elif len(index.documents) <= REREAD_LEGENDS_UP_TO:
            cached[doc_id] = legend(index.sources.get(doc_id, "") or "")
        else:
            cached[doc_id] = {}
    return cached[doc_id]


def matcher_for(index: Index, question: str, drop: frozenset[str]) -> TopicMatcher:
    """The question's topic, weighed over the index, its head anchored on the question's ``ANCHOR_DEPTH``
    best-ranked passages (``TopicMatcher.anchor``): the ranking says which words the question is about,
    the words decide which cities are listed."""
    matcher = TopicMatcher(topic(question, drop), salience(index))
    if matcher.head is not None and not matcher.unheard and len(matcher.known) > 1:
        matcher.anchor([f"{h.section}\n{h.text}" for h in index.search(question, k=ANCHOR_DEPTH, method="hybrid")])
    return matcher


def judge(matcher: TopicMatcher, hit: Hit) -> Judged:
    found = context.kind(hit.section, hit.text)
    if found is None and matcher.head is not None and context.about_others(hit.text, matcher.mentions):
        found = context.POLICY  # the plan names the topic only as what the nation does
    return Judged(hit, matcher.match(f"{hit.section}\n{hit.text}"), found)


def candidates(index: Index, matcher: TopicMatcher, question: str, city: str, method: str) -> list[Hit]:
    """The city's best ``DEPTH`` passages for the question, then any other passage that holds the
    head term (ranked lower, best first): a plan that says it in a table row far down the ranking
    still counts."""
    hits = index.search(question, k=DEPTH, method=method, cities=[city])
    if matcher.head is None:
        return hits
    seen = {h.chunk_id for h in hits}
    holding = salience(index).positions(matcher.head)
    mine = np.asarray(index.city_positions(city), dtype=np.int64)
    extra = [int(i) for i in mine[np.isin(mine, holding)] if index.chunks[i].chunk_id not in seen]
    if not extra:
        return hits
    ranked = index.rank_positions(question, extra[:EXTRA])
    return hits + [replace(h, rank=len(hits) + n) for n, h in enumerate(ranked, 1)]


# which status a city shows when its statements differ and none is the one asked: what is done
# first, then what is studied, then what is planned
_PRIORITY = {"implemented": 0, "under_study": 1, "planned": 2, "not_introduced": 3}


def _counts(statement: Status) -> bool:
    """A previous plan's statement speaks only for what it says was done."""
    return not statement.past or statement.status == "implemented"


def city_status(citations: list[Citation], asked: str) -> tuple[Status | None, bool]:
    """(the status shown for a city, whether it is the one asked) from its evidence citations.

    The status asked matches when any statement says it, the plan's own future voice (〜します)
    included: 「…を導入します」 answers 「…を計画している市は？」 even where another passage says
    something more explicit. Otherwise the status shown is the most explicit one: statements in the
    future voice alone count only when nothing more explicit is said. A previous plan's statement
    counts only for what it says is done."""
    statements = [s for c in citations for s in (c.statuses or ((c.status,) if c.status else ()))]
    if asked != ANY:
        for s in sorted(statements, key=lambda s: s.weak):  # an explicit statement of it first (【継続】)
            if s.status == asked and _counts(s):
                return s, True
    pool = [s for s in statements if not s.weak] or statements
    usable = [s for s in pool if _counts(s)]
    current = sorted((s for s in usable if not s.past), key=lambda s: _PRIORITY.get(s.status, 9))
    shown = current[0] if current else (usable[0] if usable else (pool[0] if pool else None))
    return shown, asked == ANY


def status_phrase(asked: str) -> str:
    return STATUS_WORDS.get(asked, STATUS_WORDS[ANY])


def label(status: Status | None) -> str:
    return status.label if status else "状況の記載なし"

