"""Fusion of rankings.

Reciprocal rank fusion: Cormack, Clarke & Buettcher (2009), "Reciprocal Rank
Fusion outperforms Condorcet and individual Rank Learning Methods".
"""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K, weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """Fuse ranked lists of ids: score(d) = sum_i w_i / (k + rank_i(d)), ranks from 1.

    Returns (id, score) best first; ties keep the order of first appearance.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


FUSERS = {"rrf": rrf}
