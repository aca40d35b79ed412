import pytest

from index.fuse import convex, fuse, min_max, rrf


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


def test_convex_hand_computed():
    bm25 = {1: 10.0, 2: 6.0, 3: 2.0}  # min-max: 1.0, 0.5, 0.0
    dense = {3: 0.9, 4: 0.8, 1: 0.7}  # min-max: 1.0, 0.5, 0.0
    fused = dict(convex([bm25, dense], [0.3, 0.7]))
    assert fused == {1: pytest.approx(0.3), 2: pytest.approx(0.15), 3: pytest.approx(0.7), 4: pytest.approx(0.35)}
    assert [d for d, _ in convex([bm25, dense], [0.3, 0.7])] == [3, 4, 1, 2]


def test_convex_single_candidate_and_empty():
    assert convex([{5: 3.0}, {}], [0.3, 0.7]) == [(5, pytest.approx(0.3))]
    assert convex([{}, {}], [0.3, 0.7]) == []
    assert min_max({1: 2.0, 2: 2.0}) == {1: 1.0, 2: 1.0}


def test_fuse_names():
    assert fuse("rrf", [[1], [2]], [{1: 1.0}, {2: 1.0}]) == rrf([[1], [2]])
    with pytest.raises(ValueError, match="rrf"):
        fuse("borda", [[1]], [{1: 1.0}])
