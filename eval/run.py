"""Run an eval set against an index: per-question labels, then aggregates.

``evaluate`` works for both the project's eval set (relevance by evidence
inside a passage's source span) and external retrieval sets (relevance by
document id, see ``eval.external``): each comes with a ``labeler`` turning
one question's hits into the label sets that ``eval.metrics`` scores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from eval.metrics import RANK_METRICS, first_rank, mean
from eval.questions import Judge, Question
from index.fuse import DEFAULT_FUSION
from index.progress import progress_bar
from index.search import Hit, Index

DEPTH = 10  # ranks scored; metrics are @1/@5/@10


@dataclass(frozen=True)
class QueryResult:
    """One question under one method: what came back and which gold answers it supports."""

    qid: str
    kind: str
    method: str
    question: str
    n_gold: int
    labels: tuple[frozenset[int], ...]
    ranking: tuple[tuple[str, float], ...]  # (item id, score) in rank order: chunk ids, or doc ids at document level

    @property
    def first_rank(self) -> int | None:
        return first_rank(self.labels)

    def metrics(self) -> dict[str, float]:
        return {name: fn(self.labels, self.n_gold) for name, fn in RANK_METRICS.items()}


Labeler = Callable[[Question, list[Hit]], tuple[list[frozenset[int]], list[tuple[str, float]]]]


def chunk_labeler(judge: Judge) -> Labeler:
    """Project eval set: a chunk supports the gold answers whose evidence lies in its span."""

    def label(question: Question, hits: list[Hit]):
        labels = [judge.supports(question, h.doc_id, h.city, h.start, h.end) for h in hits]
        return labels, [(h.chunk_id, h.score) for h in hits]

    return label


def evaluate(index: Index, questions: Iterable[Question], methods: Iterable[str], labeler: Labeler,
             depth: int = DEPTH, fetch: int | None = None, progress: bool = False,
             fusion: str = DEFAULT_FUSION, per_city: Callable[[str], int] | None = None,
             search: Callable[..., list[Hit]] | None = None) -> list[QueryResult]:
    """Search every answerable question with every method; ``fetch`` hits are labelled (default ``depth``).

    ``per_city(question)``: passages per city for that question, as ``assistant search`` groups it
    (``Assistant.per_city``: a cross-city question is grouped), searched through ``search`` (the
    front door, ``Assistant.search``) when given; None: the plain ranking for all.
    """
    questions = [q for q in questions if q.answers]
    out = []
    for method in methods:
        for q in progress_bar(questions, f"eval {method}", progress, "q"):
            group = per_city(q.question) if per_city else 0
            if group and search is not None:  # the front door's grouping (``Assistant.search``)
                hits = search(q.question, k=fetch or depth, method=method, fusion=fusion, per_city=group)
            else:
                hits = index.search(q.question, k=fetch or depth, method=method, fusion=fusion, per_city=group)
            labels, ranking = labeler(q, hits)
            out.append(QueryResult(q.id, q.kind, method, q.question, len(q.answers),
                                   tuple(labels[:depth]), tuple(ranking[:depth])))
    return out


def aggregate(results: Iterable[QueryResult]) -> dict[str, float]:
    """Mean of every rank metric, plus the question count."""
    results = list(results)
    per_query = [r.metrics() for r in results]
    out = {name: round(mean([m[name] for m in per_query]), 4) for name in RANK_METRICS}
    out["n"] = len(results)
    return out


def summarize(results: list[QueryResult]) -> dict[str, dict]:
    """``{method: {"all": metrics, "by_kind": {kind: metrics}}}``; cross-city adds cities@5/@10."""
    summary: dict[str, dict] = {}
    for method in dict.fromkeys(r.method for r in results):
        rows = [r for r in results if r.method == method]
        by_kind = {kind: aggregate(r for r in rows if r.kind == kind) for kind in dict.fromkeys(r.kind for r in rows)}
        cross = [r for r in rows if r.kind == "cross_city"]
        if cross:
            by_kind["cross_city"]["cities@5"] = by_kind["cross_city"]["R@5"]
            by_kind["cross_city"]["cities@10"] = by_kind["cross_city"]["R@10"]
        summary[method] = {"all": aggregate(rows), "by_kind": by_kind}
    return summary


def misses(results: list[QueryResult], k: int = 5) -> list[dict]:
    """Questions whose gold answers are not all found in the top ``k``, with the rank of the first hit."""
    out = []
    for r in results:
        found = set().union(*r.labels[:k]) if r.labels[:k] else set()
        if len(found) < r.n_gold:
            out.append({"id": r.qid, "kind": r.kind, "method": r.method, "question": r.question,
                        "first_relevant_rank": r.first_rank, "found": len(found), "gold": r.n_gold})
    return out

