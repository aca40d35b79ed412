import pytest

from index.fuse import rrf


def test_rrf_hand_computed():
    fused = dict(rrf([[1, 2, 3], [3, 1]], k=60))
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[2] == pytest.approx(1 / 62)
    assert [doc for doc, _ in rrf([[1, 2, 3], [3, 1]], k=60)] == [1, 3, 2]


def test_rrf_weights_and_empty_rankings():
    assert rrf([[], []]) == []
    fused = dict(rrf([[7], [8]], k=10, weights=[2.0, 1.0]))
    assert fused == {7: pytest.approx(2 / 11), 8: pytest.approx(1 / 11)}
