"""The default backend: an index directory's plain files, searched in this process.

BM25 fields are numpy postings (``index.bm25``), ranked by partial selection (no full sort of
every chunk's score); vectors are a FAISS index (``index.dense``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index import dense, snapshot, store
from index.backends.base import CHARS, WORDS, Catalog, Ranking, Scope
from index.bm25 import BM25Index

NAME = "local"


def top(scores: np.ndarray, scope: Scope, depth: int) -> Ranking:
    """The best ``depth`` positions with a score above 0, within ``scope``; ties in position order."""
    if scope.positions is not None:
        allowed = np.asarray(scope.positions, dtype=np.int64)
        picked = scores[allowed]
    else:
        allowed, picked = None, scores
    hits = np.flatnonzero(picked > 0)
    if len(hits) > depth:
        # every score tied with the depth-th best stays in, so ties still break by position
        cut = np.partition(picked[hits], len(hits) - depth)[len(hits) - depth]
        hits = hits[picked[hits] >= cut]
    order = hits[np.lexsort((hits, -picked[hits]))][:depth]
    ids = allowed[order] if allowed is not None else order
    return [int(i) for i in ids], {int(i): float(scores[i]) for i in ids}


class LocalRetriever:
    """BM25 fields and FAISS vectors of one build, in memory."""

    name = NAME

    def __init__(self, fields: dict[str, BM25Index], faiss_index, folder: Path | None = None):
        self.fields, self.faiss, self.folder = fields, faiss_index, folder

    def live_build(self) -> str | None:
        return store.current_build_name(self.folder) if self.folder is not None else None

    def has_field(self, field: str) -> bool:
        return field in self.fields

    def postings(self, field: str) -> BM25Index | None:
        return self.fields.get(field)

    def keyword(self, field: str, terms: list[str], scope: Scope, depth: int) -> Ranking:
        if field not in self.fields:
            return [], {}
        return top(self.fields[field].scores(terms), scope, depth)

    def nearest(self, vector: np.ndarray, scope: Scope, depth: int) -> Ranking:
        ids, scores = dense.search(self.faiss, vector, depth, scope.positions)
        return [int(i) for i in ids], {int(i): float(s) for i, s in zip(ids, scores)}

    def vectors(self, positions: list[int]) -> np.ndarray:
        if not positions:
            return np.zeros((0, self.faiss.d), np.float32)
        return self.faiss.reconstruct_batch(np.asarray(positions, dtype=np.int64))


def open_local(folder: Path, checksums: bool | None = None) -> tuple[Catalog, LocalRetriever]:
    """The live build of an index directory, checked (``index.snapshot``)."""
    snap = snapshot.load(Path(folder), checksums=checksums)
    fields = {WORDS: snap.bm25}
    if snap.bm25_chars is not None:
        fields[CHARS] = snap.bm25_chars
    catalog = Catalog(Path(folder), snap.build.name, snap.config, snap.documents, snap.sources, snap.chunks, snap.bm25)
    return catalog, LocalRetriever(fields, snap.faiss, Path(folder))
