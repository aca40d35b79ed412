"""Dense retrieval: L2-normalized vectors in a FAISS inner-product index."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def build_faiss(vectors: np.ndarray):
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def save_faiss(index, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load_faiss(path: Path):
    import faiss

    return faiss.read_index(str(path))


def all_vectors(index) -> np.ndarray:
    return index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)


def search(index, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` (ids, scores); ``allowed`` restricts the search to those ids."""
    import faiss

    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    params = None
    if allowed is not None:
        if len(allowed) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        k = min(k, len(allowed))
    scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k, params=params)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]
