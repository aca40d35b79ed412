"""BM25 over an inverted index held in numpy arrays (no pickle, no per-document loop).

Okapi BM25 (Robertson & Zaragoza 2009, "The Probabilistic Relevance Framework")
with Lucene's idf, ``log(1 + (N - n + 0.5) / (n + 0.5))``, which is always
positive. rank-bm25's BM25Okapi uses ``log((N - n + 0.5) / (n + 0.5))``: a term
found in exactly half the documents weighs 0, and a term in more than half gets
a negative idf that it floors to a small epsilon (its issues #29, #39, #43), so
on a small or repetitive corpus common query terms stop counting.

Scoring walks the postings of the query terms only, so its cost grows with the
number of matching postings, not with the corpus size.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

K1 = 1.2
_MAPPED = ("doc_ids", "tfs")  # the arrays as long as the postings
B = 0.75


def lucene_idf(n_docs: int, doc_freq: np.ndarray) -> np.ndarray:
    return np.log1p((n_docs - doc_freq + 0.5) / (doc_freq + 0.5))


@dataclass(frozen=True)
class BM25Index:
    """Postings of every term: ``doc_ids[ptr[t]:ptr[t+1]]`` with their term frequencies."""

    vocab: dict[str, int]
    ptr: np.ndarray  # int64, len(vocab) + 1
    doc_ids: np.ndarray  # int32
    tfs: np.ndarray  # float32
    doc_len: np.ndarray  # float32, one per document
    k1: float = K1
    b: float = B

    @property
    def n_docs(self) -> int:
        return len(self.doc_len)

    def idf(self) -> np.ndarray:
        """Lucene idf of every vocabulary term (computed once: ``ask`` reads it for every question)."""
        return self._idf

    @cached_property
    def _avgdl(self) -> float:
        return float(self.doc_len.mean()) or 1.0

    @cached_property
    def _idf(self) -> np.ndarray:
        return lucene_idf(self.n_docs, np.diff(self.ptr).astype(np.float64))

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of every document for the query (0 where no term matches)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        if self.n_docs == 0:
            return out
        avgdl = self._avgdl
        n_docs = self.n_docs
        for term, qtf in Counter(query_terms).items():
            t = self.vocab.get(term)
            if t is None:
                continue
            lo, hi = self.ptr[t], self.ptr[t + 1]
            docs, tf = self.doc_ids[lo:hi], self.tfs[lo:hi]
            idf = float(lucene_idf(n_docs, np.float64(hi - lo)))
            norm = tf + self.k1 * (1 - self.b + self.b * self.doc_len[docs] / avgdl)
            out[docs] += qtf * idf * tf * (self.k1 + 1) / norm
        return out

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        (folder / "vocab.json").write_text(json.dumps(terms, ensure_ascii=False))
        (folder / "params.json").write_text(json.dumps({"k1": self.k1, "b": self.b, "idf": "lucene"}))
        for name in ("ptr", "doc_ids", "tfs", "doc_len"):
            np.save(folder / f"{name}.npy", getattr(self, name), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, mmap: bool = False) -> BM25Index:
        """``mmap``: map the postings (doc_ids, tfs) instead of reading them: pages are read when a
        query's terms touch them, and a million chunks' postings need not all sit in memory."""
        terms = json.loads((folder / "vocab.json").read_text())
        params = json.loads((folder / "params.json").read_text())
        arrays = {n: np.load(folder / f"{n}.npy", allow_pickle=False, mmap_mode="r" if mmap and n in _MAPPED else None)
                  for n in ("ptr", "doc_ids", "tfs", "doc_len")}
        index = cls({t: i for i, t in enumerate(terms)}, k1=params["k1"], b=params["b"], **arrays)
        if len(index.ptr) != len(terms) + 1 or index.ptr[-1] != len(index.doc_ids) or len(index.tfs) != len(index.doc_ids):
            raise ValueError("BM25 arrays do not agree with each other")
        return index


def build_bm25(docs_terms: Iterable[list[str]], k1: float = K1, b: float = B) -> BM25Index:
    """Invert tokenized documents into postings, reading them one at a time.

    Postings gather in flat int32 arrays and are grouped by term with one stable sort, so a
    build holds about 12 bytes per posting (a list of Python tuples held ~70: at a million
    chunks the character-bigram field alone has ~200 million postings).
    """
    vocab: dict[str, int] = {}
    terms_of, tfs_of, distinct, lengths = _Growing(), _Growing(), [], []
    for terms in docs_terms:
        counted = Counter(terms)
        terms_of.extend(vocab.setdefault(t, len(vocab)) for t in counted)
        tfs_of.extend(counted.values())
        distinct.append(len(counted))
        lengths.append(len(terms))
    docs_of = np.repeat(np.arange(len(distinct), dtype=np.int32), np.asarray(distinct, dtype=np.int64))
    order = sorted(vocab)  # terms in sorted order: the same files as ever, whatever order they came in
    rank = np.empty(len(vocab), dtype=np.int32)
    rank[np.asarray([vocab[t] for t in order], dtype=np.int64)] = np.arange(len(order), dtype=np.int32)
    term_ids = rank[terms_of.array()]
    by_term = np.argsort(term_ids, kind="stable")  # documents stay in order within a term
    ptr = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(np.bincount(term_ids, minlength=len(order)), out=ptr[1:])
    return BM25Index(
        {t: i for i, t in enumerate(order)}, ptr, docs_of[by_term],
        tfs_of.array()[by_term].astype(np.float32), np.asarray(lengths, dtype=np.float32), k1, b,
    )


class _Growing:
    """An int32 array that grows in blocks (no Python object per element)."""

    BLOCK = 1 << 20

    def __init__(self):
        self._blocks: list[np.ndarray] = []
        self._buffer: list[int] = []

    def extend(self, values) -> None:
        self._buffer.extend(values)
        if len(self._buffer) >= self.BLOCK:
            self._blocks.append(np.asarray(self._buffer, dtype=np.int32))
            self._buffer = []

    def array(self) -> np.ndarray:
        blocks = self._blocks + [np.asarray(self._buffer, dtype=np.int32)]
        return np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
