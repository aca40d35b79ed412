"""The backend seam: the local backend's partial selection equals a full stable sort; scopes by city and prefecture."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.errors import QueryError
from index.backends import backend_name, backend_options
from index.backends.base import Scope
from index.backends.local import top


def _reference(scores: np.ndarray, allowed, depth: int):
    if allowed is not None:
        mask = np.zeros(len(scores), dtype=bool)
        mask[allowed] = True
        scores = np.where(mask, scores, 0.0)
    order = np.argsort(-scores, kind="stable")[:depth]
    return [int(i) for i in order if scores[i] > 0]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.25]), min_size=0, max_size=60),
       st.integers(1, 70), st.booleans(), st.randoms(use_true_random=False))
def test_partial_selection_ranks_like_a_full_stable_sort(values, depth, scoped, rnd):
    """Ties (common: BM25 scores repeat) keep position order, exactly as the full sort did."""
    scores = np.asarray(values, dtype=np.float32)
    allowed = np.sort(np.asarray(rnd.sample(range(len(values)), len(values) // 2), dtype=np.int64)) if scoped else None
    ids, by_id = top(scores, Scope(("x",), (), (), allowed) if scoped else Scope(), depth)
    assert ids == _reference(scores, allowed, depth)
    assert all(by_id[i] == pytest.approx(float(scores[i])) and by_id[i] > 0 for i in ids)


def test_backend_names_and_options_are_checked(monkeypatch):
    monkeypatch.delenv("ASSISTANT_BACKEND", raising=False)
    monkeypatch.delenv("ASSISTANT_QDRANT_URL", raising=False)
    monkeypatch.delenv("ASSISTANT_QDRANT_PATH", raising=False)
    assert backend_name() == "local" and backend_name("Qdrant") == "qdrant"
    with pytest.raises(QueryError, match="choose one of local, qdrant"):
        backend_name("milvus")
    with pytest.raises(QueryError, match="only with --backend qdrant"):
        backend_options("local", url="http://qdrant:6333")
    with pytest.raises(QueryError, match="not both"):
        backend_options("qdrant", url="http://qdrant:6333", path="/tmp/q")
    monkeypatch.setenv("ASSISTANT_QDRANT_API_KEY", "secret")
    assert backend_options("qdrant", url="http://qdrant:6333") == {"url": "http://qdrant:6333", "path": None, "api_key": "secret"}


def test_prefecture_filters_like_its_cities(assistant):
    """--prefecture keeps exactly the plans of that prefecture, as listing its cities does."""
    index = assistant.index
    assert index.prefectures, "the bundled plans name their prefectures"
    for prefecture in index.prefectures:
        cities = index.cities_in([prefecture])
        by_prefecture = assistant.search("行政手続のオンライン化", k=10, prefecture=prefecture)
        assert by_prefecture and {h.city for h in by_prefecture} <= set(cities)
        assert by_prefecture == assistant.search("行政手続のオンライン化", k=10, city=cities)
    with pytest.raises(QueryError, match="unknown prefecture"):
        assistant.search("行政手続のオンライン化", prefecture="沖縄県")


def test_substring_positions_from_postings_equal_a_scan(assistant):
    """index.substrings: bigram postings then a check give exactly the passages a full scan finds."""
    from index.substrings import SubstringIndex, passage_text

    index = assistant.index
    fast = index.substrings
    assert fast.chars is not None, "the bundled build has the character-bigram field"
    slow = SubstringIndex(index.chunks, None)
    texts = [passage_text(c) for c in index.chunks]
    for string in ("コンビニ交付", "マイナンバーカード", "wi-fi", "公衆無線lan", "計画", "市", "存在しない語句", "ai"):
        expected = [i for i, t in enumerate(texts) if string in t]
        assert fast.holding(string).tolist() == expected == slow.holding(string).tolist()
