"""What one build looks like in Qdrant: points, sparse BM25 weights, payloads, catalog rows, filters.

Pure functions over a build's data (numpy and dicts); ``publish`` and ``retriever`` turn them
into requests.

BM25 as sparse vectors, exactly as ``index.bm25`` scores (Okapi BM25, Lucene idf): a point holds,
per term of its chunk, the document side of BM25,

    w(t, d) = tf · (k1 + 1) / (tf + k1 · (1 − b + b · dl / avgdl))

with the build's avgdl, and a query sends, per distinct term, qtf · idf(t) with the build's
document frequencies. Their dot product is the BM25 score. A collection is one build, so these
statistics are fixed. Qdrant's own ``idf`` modifier is not used: it counts document
frequencies per shard (qdrant/qdrant#4126: "n - number of points in shard"), so with several
shards the scores, and the ranking, would drift from the local backend's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from corpus.chunk import Chunk
from index.backends.base import Scope
from index.bm25 import BM25Index, lucene_idf

LAYOUT = 1  # version of this layout (collections, payloads, catalog); the index format's is store.FORMAT_VERSION
DENSE = "dense"
FILTER_FIELDS = ("city", "prefecture", "doc_id")  # keyword payload indexes; what a Scope filters by
TERM_SLICE = 20_000  # vocabulary terms per catalog point


@dataclass(frozen=True)
class FieldStats:
    """One keyword field of a build: its vocabulary (term -> id), document frequencies and BM25 parameters."""

    vocab: dict[str, int]
    df: np.ndarray  # int64, one per term id
    n_docs: int
    k1: float
    b: float

    def idf(self) -> np.ndarray:
        """Lucene idf of every term (``index.backends.base.TermStats``)."""
        return self._idf

    @cached_property
    def _idf(self) -> np.ndarray:
        return lucene_idf(self.n_docs, self.df.astype(np.float64))

    @classmethod
    def of(cls, bm25: BM25Index) -> FieldStats:
        return cls(bm25.vocab, np.diff(bm25.ptr).astype(np.int64), bm25.n_docs, bm25.k1, bm25.b)


def document_weights(bm25: BM25Index) -> list[tuple[list[int], list[float]]]:
    """Each document's sparse vector: term ids ascending, BM25 document-side weights (empty: no terms)."""
    n_terms = len(bm25.ptr) - 1
    term_of = np.repeat(np.arange(n_terms, dtype=np.int64), np.diff(bm25.ptr))
    avgdl = (float(bm25.doc_len.mean()) or 1.0) if bm25.n_docs else 1.0  # as BM25Index.scores
    tf = bm25.tfs
    norm = tf + bm25.k1 * (1 - bm25.b + bm25.b * bm25.doc_len[bm25.doc_ids] / avgdl)
    weights = tf * (bm25.k1 + 1) / norm
    order = np.argsort(bm25.doc_ids, kind="stable")  # postings are in term order: each document's terms stay ascending
    ends = np.cumsum(np.bincount(bm25.doc_ids, minlength=bm25.n_docs))
    starts = ends - np.bincount(bm25.doc_ids, minlength=bm25.n_docs)
    return [(term_of[order[s:e]].tolist(), weights[order[s:e]].tolist()) for s, e in zip(starts, ends)]


def query_weights(terms: list[str], stats: FieldStats) -> tuple[list[int], list[float]]:
    """The query's sparse vector: qtf · idf per distinct known term, ids ascending (empty when no term is known)."""
    idf = stats.idf()
    known = ((stats.vocab[t], n) for t, n in Counter(terms).items() if t in stats.vocab)
    pairs = sorted((i, n * float(idf[i])) for i, n in known)
    return [i for i, _ in pairs], [w for _, w in pairs]


def city_prefectures(documents: dict[str, dict]) -> dict[str, str]:
    """City -> its prefecture: the first plan of the city that names one (as ``Index.scope`` reads it)."""
    out: dict[str, str] = {}
    for row in documents.values():
        if row.get("city") and not out.get(row["city"]):
            out[row["city"]] = row.get("prefecture") or ""
    return out


def chunk_payload(chunk: Chunk, documents: dict[str, dict], prefectures: dict[str, str]) -> dict:
    """Everything a ``Chunk`` and a ``Hit`` need, plus what filters read.

    ``prefecture`` is the city's (``city_prefectures``), so a prefecture filter keeps the same
    plans as the local backend's scope; ``period`` is the plan's.
    """
    row = documents.get(chunk.doc_id, {})
    return {"chunk_id": chunk.chunk_id, "doc_id": chunk.doc_id, "city": chunk.city,
            "prefecture": prefectures.get(chunk.city, ""), "period": row.get("period", ""),
            "doc_title": chunk.doc_title, "path": list(chunk.path), "text": chunk.text, "start": chunk.start,
            "end": chunk.end, "kind": chunk.kind, "page": chunk.page, "page_end": chunk.page_end}


def chunk_of(payload: dict) -> Chunk:
    return Chunk(payload["chunk_id"], payload["doc_id"], payload["city"], payload.get("doc_title", ""),
                 tuple(payload["path"]), payload["text"], payload["start"], payload["end"], payload.get("kind", "text"),
                 payload.get("page"), payload.get("page_end"))


def catalog_rows(config: dict, documents: dict[str, dict], sources: dict[str, str],
                 fields: dict[str, FieldStats]) -> list[dict]:
    """The catalog collection's points, in id order: the config, one per plan, the vocabularies in slices."""
    params = {name: {"n_docs": s.n_docs, "k1": s.k1, "b": s.b, "terms": len(s.vocab)} for name, s in fields.items()}
    rows = [{"kind": "config", "config": config, "fields": params}]
    rows += [{"kind": "document", "row": row, "text": sources[doc_id]} for doc_id, row in documents.items()]
    for name, stats in fields.items():
        terms = sorted(stats.vocab, key=stats.vocab.__getitem__)
        for start in range(0, len(terms), TERM_SLICE):
            rows.append({"kind": "terms", "field": name, "start": start, "terms": terms[start:start + TERM_SLICE],
                         "df": stats.df[start:start + TERM_SLICE].tolist()})
    return rows


@dataclass(frozen=True)
class CatalogData:
    config: dict
    documents: dict[str, dict]
    sources: dict[str, str]
    fields: dict[str, FieldStats]


def read_catalog(rows: list[dict]) -> CatalogData:
    """``catalog_rows`` read back (rows in id order); raises ValueError when they do not add up."""
    head = [r for r in rows if r.get("kind") == "config"]
    if len(head) != 1:
        raise ValueError(f"{len(head)} config rows")
    config, params = head[0]["config"], head[0]["fields"]
    documents = {r["row"]["doc_id"]: r["row"] for r in rows if r.get("kind") == "document"}
    sources = {r["row"]["doc_id"]: r["text"] for r in rows if r.get("kind") == "document"}
    fields = {}
    for name, p in params.items():
        slices = sorted((r for r in rows if r.get("kind") == "terms" and r["field"] == name), key=lambda r: r["start"])
        terms = [t for r in slices for t in r["terms"]]
        df = np.asarray([d for r in slices for d in r["df"]], dtype=np.int64)
        if len(terms) != p["terms"] or len(df) != len(terms):
            raise ValueError(f"field {name}: {len(terms)} of {p['terms']} terms")
        vocab = {t: i for i, t in enumerate(terms)}
        fields[name] = FieldStats(vocab, df, int(p["n_docs"]), float(p["k1"]), float(p["b"]))
    return CatalogData(config, documents, sources, fields)


def scope_filter(scope: Scope, models):
    """The payload filter of a ``Scope`` (None: everything): any of its cities, prefectures or plans."""
    if scope.everything:
        return None
    wanted = zip(FILTER_FIELDS, (scope.cities, scope.prefectures, scope.doc_ids))
    return models.Filter(should=[models.FieldCondition(key=key, match=models.MatchAny(any=list(values)))
                                 for key, values in wanted if values])
