"""Dense retrieval: L2-normalized vectors in FAISS, searched exactly or through an inverted file.

Up to ``ANN_FROM`` vectors the index is exact (``IndexFlatIP``). From there it is an
inverted file with 8-bit scalar quantization (``IVF{nlist},SQ8``, inner product): chosen by
measurement (README "National scale"): on 1 M clustered vectors exact search took 147/216 ms
p50/p95 and 1.43 GiB on 2 cores, IVF4096+SQ8 0.2–0.7 ms and 0.37 GiB with recall@10 0.99
at nprobe 16–64, while HNSW stayed at 0.84–0.94 and IVF-PQ at 0.63. On real e5 vectors it
needs far more probes than on synthetic ones (``ivf_shape``). The quantized scores only pick
candidates: ``RERANK`` times the depth asked are re-scored with the exact vectors
(``vectors.f16.npy`` beside the index, float16, memory-mapped: pages are read when touched),
and a search restricted to a few plans scores their vectors directly, exactly.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

ANN_FROM = 200_000  # vectors from which a build uses the inverted file (env ASSISTANT_ANN_FROM)
RERANK = 4  # candidates re-scored exactly per result asked
EXACT_BELOW = 20_000  # a search restricted to fewer vectors than this scores them all exactly
EXACT_FILE = "vectors.f16.npy"


def ann_from() -> int:
    try:
        return int(os.environ.get("ASSISTANT_ANN_FROM") or ANN_FROM)
    except ValueError:
        return ANN_FROM


def ivf_shape(n: int) -> tuple[int, int]:
    """(nlist, nprobe) for ``n`` vectors: about 4·√n lists (4,096 at 1 M), k-means trained on
    at least 39 points a list; nprobe 1/4 of the lists, at least 16 (1,024 at 1 M).

    Real e5 vectors need many probes. On the 3,114 real passage vectors of the 50-municipality
    benchmark corpus and 145 real questions, IVF79 reached recall@10 0.74 at nprobe 8, 0.88 at
    16, 0.93 at 24, 0.98 at 40. On the 18,772 vectors of the 300-municipality corpus (real model,
    masked texts, so passages repeat: recall counted by score, a passage of the same score as
    the exact 10th counting as found), IVF481 reached 0.964 at 1/8 of the lists, 0.979 at 1/6,
    0.991 at 1/4, 0.999 at 1/2 (README "National scale"); synthetic clustered vectors (0.99 at
    1/64) flatter it. 1/4 is the smallest share measured at ≥ 0.98; at 1 M lists hold ~6× more
    vectors each, which no real-vector measurement here has checked."""
    nlist = max(1, min(int(4 * math.sqrt(n)), n // 39))
    return nlist, min(nlist, max(16, nlist // 4))


class Dense:
    """The vectors of a build: a FAISS index, and for an inverted file the exact vectors beside it."""

    def __init__(self, index, exact: np.ndarray | None = None, nprobe: int | None = None):
        self.index, self.exact = index, exact
        self.nprobe = nprobe if nprobe is not None else ivf_shape(index.ntotal)[1]

    @property
    def kind(self) -> str:
        return "flat" if self.exact is None else "ivf-sq8"

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def d(self) -> int:
        return int(self.index.d)

    def reconstruct(self, i: int) -> np.ndarray:
        return self.reconstruct_batch(np.asarray([i], dtype=np.int64))[0]

    def reconstruct_batch(self, ids) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if self.exact is not None:
            return np.asarray(self.exact[ids], dtype=np.float32)
        return self.index.reconstruct_batch(ids)

    def reconstruct_n(self, start: int, n: int) -> np.ndarray:
        if self.exact is not None:
            return np.asarray(self.exact[start : start + n], dtype=np.float32)
        return self.index.reconstruct_n(start, n)


def build_faiss(vectors: np.ndarray, kind: str | None = None) -> Dense:
    """An exact index, or from ``ann_from()`` vectors (or ``kind="ivf-sq8"``) an inverted file."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, d = vectors.shape if vectors.ndim == 2 else (0, 384)
    kind = kind or ("ivf-sq8" if n >= max(ann_from(), 39) else "flat")
    if kind == "flat" or n < 39:
        index = faiss.IndexFlatIP(d)
        if n:
            index.add(vectors)
        return Dense(index)
    nlist, nprobe = ivf_shape(n)
    index = faiss.index_factory(d, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
    sample = vectors if n <= 64 * nlist else vectors[np.random.default_rng(0).choice(n, 64 * nlist, replace=False)]
    index.train(sample)
    index.add(vectors)
    return Dense(index, vectors.astype(np.float16), nprobe)


def save_faiss(dense: Dense, path: Path) -> None:
    import faiss

    faiss.write_index(dense.index, str(path))
    if dense.exact is not None:
        np.save(Path(path).parent / EXACT_FILE, np.asarray(dense.exact, dtype=np.float16), allow_pickle=False)


def load_faiss(path: Path) -> Dense:
    import faiss

    index = faiss.read_index(str(path))
    exact_path = Path(path).parent / EXACT_FILE
    if isinstance(index, faiss.IndexFlat):
        return Dense(index)
    if not exact_path.is_file():
        raise ValueError(f"{exact_path.name} is missing beside the inverted-file index")
    exact = np.load(exact_path, mmap_mode="r", allow_pickle=False)
    if exact.shape != (index.ntotal, index.d):
        raise ValueError(f"{exact_path.name} holds {exact.shape[0]} vectors, the index {index.ntotal}")
    return Dense(index, exact)


def all_vectors(dense: Dense) -> np.ndarray:
    return dense.reconstruct_n(0, dense.ntotal) if dense.ntotal else np.zeros((0, dense.d), np.float32)


def _exact(dense: Dense, query: np.ndarray, candidates: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` of ``candidates`` by exact inner product (ties by position)."""
    if not len(candidates):
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    scores = dense.reconstruct_batch(candidates) @ query.astype(np.float32)
    order = np.lexsort((candidates, -scores))[:k]
    return candidates[order], scores[order].astype(np.float32)


def search(dense: Dense, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` (ids, scores); ``allowed`` restricts the search to those ids."""
    import faiss

    k = min(k, dense.ntotal)
    if k <= 0 or (allowed is not None and len(allowed) == 0):
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    if dense.exact is not None and allowed is not None and len(allowed) < EXACT_BELOW:
        return _exact(dense, query[0], np.unique(np.asarray(allowed, dtype=np.int64)), k)
    want = k if dense.exact is None else min(dense.ntotal, k * RERANK)
    params = None
    if dense.exact is not None:
        params = faiss.SearchParametersIVF(nprobe=dense.nprobe)
    if allowed is not None:
        selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
        want = min(want, len(allowed))
        if params is None:
            params = faiss.SearchParameters(sel=selector)
        else:
            params.sel = selector
    scores, ids = dense.index.search(query, want, params=params)
    keep = ids[0] >= 0
    ids, scores = ids[0][keep], scores[0][keep]
    if dense.exact is not None:
        return _exact(dense, query[0], ids, k)
    return ids, scores
