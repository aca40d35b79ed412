"""Rank metrics over *gold answers*, not chunks.

A ranking is a list of label sets: for each retrieved item, the indexes of
the gold answers it supports (empty when it supports none). A question with
several gold answers (one per city, or several relevant documents) counts an
answer as found once any retrieved item supports it, so two chunks of the
same passage never count twice. With one gold answer per question these are
the textbook definitions:

- Recall@k: share of gold answers supported within the top k (hit rate when there is one).
- RR@k: 1 / rank of the first relevant item within the top k, else 0 (mean over questions: MRR@k).
- nDCG@k: binary gain for an item that supports a not yet found answer,
  discount 1/log2(rank + 1), normalized by the ideal ranking of min(n_gold, k) hits
  (Järvelin & Kekäläinen 2002, https://doi.org/10.1145/582415.582418).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Labels = Sequence[frozenset[int]]


def recall_at(labels: Labels, n_gold: int, k: int) -> float:
    if n_gold == 0:
        return 0.0
    found: set[int] = set().union(*labels[:k]) if labels[:k] else set()
    return len(found) / n_gold


def rr_at(labels: Labels, k: int) -> float:
    for rank, label in enumerate(labels[:k], 1):
        if label:
            return 1.0 / rank
    return 0.0


def ndcg_at(labels: Labels, n_gold: int, k: int) -> float:
    if n_gold == 0:
        return 0.0
    seen: set[int] = set()
    dcg = 0.0
    for rank, label in enumerate(labels[:k], 1):
        new = label - seen
        if new:
            dcg += 1.0 / math.log2(rank + 1)
            seen |= new
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n_gold, k) + 1))
    return dcg / ideal


def first_rank(labels: Labels) -> int | None:
    """1-based rank of the first relevant item, None when nothing relevant was retrieved."""
    return next((rank for rank, label in enumerate(labels, 1) if label), None)


def set_scores(predicted: set[str], gold: set[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of a predicted set (e.g. the cities an answer lists)."""
    hits = len(predicted & gold)
    precision = hits / len(predicted) if predicted else (1.0 if not gold else 0.0)
    recall = hits / len(gold) if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


RANK_METRICS = {
    "R@1": lambda labels, n: recall_at(labels, n, 1),
    "R@5": lambda labels, n: recall_at(labels, n, 5),
    "R@10": lambda labels, n: recall_at(labels, n, 10),
    "MRR@10": lambda labels, n: rr_at(labels, 10),
    "nDCG@10": lambda labels, n: ndcg_at(labels, n, 10),
}
