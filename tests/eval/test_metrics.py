"""Metric code against values computed by hand."""

import math

import pytest

from eval.metrics import first_rank, ndcg_at, recall_at, rr_at, set_scores

E = frozenset()


def L(*xs):
    return frozenset(xs)


def test_single_answer_textbook_values():
    labels = [E, E, L(0), E]
    assert recall_at(labels, 1, 1) == 0.0
    assert recall_at(labels, 1, 3) == 1.0
    assert rr_at(labels, 10) == pytest.approx(1 / 3)
    assert rr_at(labels, 2) == 0.0
    # one relevant at rank 3, ideal at rank 1: (1/log2(4)) / (1/log2(2)) = 0.5
    assert ndcg_at(labels, 1, 10) == pytest.approx(0.5)
    assert first_rank(labels) == 3


def test_several_answers_count_once_each():
    # gold cities A=0, B=1, C=2; two chunks of A, then B at rank 4; C never found
    labels = [L(0), L(0), E, L(1), E]
    assert recall_at(labels, 3, 1) == pytest.approx(1 / 3)
    assert recall_at(labels, 3, 5) == pytest.approx(2 / 3)
    assert rr_at(labels, 10) == 1.0
    dcg = 1 / math.log2(2) + 1 / math.log2(5)  # the second chunk of A gains nothing
    ideal = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at(labels, 3, 10) == pytest.approx(dcg / ideal)


def test_ideal_is_cut_at_k():
    labels = [L(0), L(1)]
    assert ndcg_at(labels, 5, 2) == pytest.approx(1.0)


def test_nothing_relevant():
    labels = [E] * 10
    assert (recall_at(labels, 2, 10), rr_at(labels, 10), ndcg_at(labels, 2, 10), first_rank(labels)) == (0.0, 0.0, 0.0, None)
    assert recall_at([], 1, 5) == 0.0


def test_set_scores():
    assert set_scores({"根室市", "東御市"}, {"根室市", "新発田市", "各務原市"}) == pytest.approx((0.5, 1 / 3, 0.4))
    assert set_scores(set(), {"根室市"}) == (0.0, 0.0, 0.0)
    assert set_scores({"根室市"}, {"根室市"}) == (1.0, 1.0, 1.0)
