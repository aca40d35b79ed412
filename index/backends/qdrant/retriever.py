"""Search the live collection: BM25 fields as sparse vectors, the dense vector, payload filters.

``open_qdrant`` reads everything an ``Index`` needs from Qdrant alone (the catalog collection
and the chunk payloads), so a UI replica needs only the URL. Every request goes to the
collection that was live when it loaded, never through the alias, so a publish mid-request
cannot mix two builds; ``live_build`` tells a server when to reload (``ui.live``).

Rankings match the local backend's (``index.backends.local``): scores are sorted by score,
then by position, as the local partial selection breaks ties; a few more points than asked
are fetched, and more again while the last one fetched ties with the last one kept, so that
the engine's own tie order never decides which tied chunks make the cut.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from corpus.errors import IndexStateError
from index import store
from index.backends.base import WORDS, Catalog, Ranking, Scope
from index.backends.qdrant.engine import CATALOG_SUFFIX, LIVE, Engine, engine_for, models
from index.backends.qdrant.layout import DENSE, LAYOUT, FieldStats, chunk_of, query_weights, read_catalog, scope_filter
from index.fuse import RRF_K

NAME = "qdrant"
TIE_SLACK = 16  # points fetched beyond the depth asked for (ties at the cut)
SCROLL = 512
LOAD_ATTEMPTS = 3  # a publish may move the alias (and delete an old build) while we read
HNSW_EF = 128  # servers search dense vectors by HNSW: at least this many candidates (the depth, if more)


class QdrantRetriever:
    """Rankings of one build's collection (``index.backends.base.Retriever``)."""

    name = NAME

    def __init__(self, engine: Engine, collection: str, stats: dict[str, FieldStats], dim: int):
        self.engine, self.collection, self.stats, self.dim = engine, collection, stats, dim

    def live_build(self) -> str | None:
        return self.engine.build_of(self.engine.target(LIVE))

    def has_field(self, field: str) -> bool:
        return field in self.stats

    def postings(self, field: str) -> None:
        return None  # they live in the engine: index.substrings checks every passage

    def keyword(self, field: str, terms: list[str], scope: Scope, depth: int) -> Ranking:
        query = self.sparse_query(field, terms)
        return self._ranked(query, field, scope, depth) if query is not None else ([], {})

    def nearest(self, vector: np.ndarray, scope: Scope, depth: int) -> Ranking:
        return self._ranked(np.asarray(vector, dtype=np.float32).tolist(), DENSE, scope, depth)

    def vectors(self, positions: list[int]) -> np.ndarray:
        if not positions:
            return np.zeros((0, self.dim), np.float32)
        records = self.engine.call("read vectors", self.engine.client.retrieve, self.collection,
                                   ids=list(dict.fromkeys(int(p) for p in positions)), with_vectors=[DENSE],
                                   with_payload=False)
        by_id = {int(r.id): r.vector[DENSE] for r in records}
        missing = [p for p in positions if int(p) not in by_id]
        if missing:
            raise IndexStateError(f"{self.collection} in Qdrant at {self.engine.where} lacks points {missing[:5]}: "
                                  "run `assistant index publish`")
        return np.asarray([by_id[int(p)] for p in positions], dtype=np.float32)

    def sparse_query(self, field: str, terms: list[str]):
        """The BM25 query vector of ``terms`` in ``field`` (None: the field is absent or no term is known)."""
        stats = self.stats.get(field)
        if stats is None:
            return None
        indices, values = query_weights(terms, stats)
        return models().SparseVector(indices=indices, values=values) if indices else None

    def fused(self, queries: dict[str, object], scope: Scope, depth: int, fusion: str = "rrf", k: int | None = RRF_K,
              weights: list[float] | None = None) -> Ranking:
        """Fusion in the engine (``query_points`` with one prefetch per ``{vector name: query}``).

        ``fusion``: "rrf" (``k``, ``weights``) or "dbsf". Not what ``Index`` uses: it fuses the
        rankings itself (``index.fuse``), which did better on the eval set (``eval/backend_bench.py``).
        """
        m = models()
        prefetch = [m.Prefetch(query=q, using=using, limit=depth, params=self._params(using, depth))
                    for using, q in queries.items() if q is not None]
        if not prefetch:
            return [], {}
        if fusion == "rrf":
            weights = [w for (using, q), w in zip(queries.items(), weights) if q is not None] if weights else None
            query = m.RrfQuery(rrf=m.Rrf(k=k, weights=weights))
        else:
            query = m.FusionQuery(fusion=m.Fusion.DBSF)
        response = self.engine.call("search", self.engine.client.query_points, self.collection, prefetch=prefetch,
                                    query=query, query_filter=scope_filter(scope, m), limit=depth, with_payload=False)
        return [int(p.id) for p in response.points], {int(p.id): float(p.score) for p in response.points}

    def _params(self, using: str, depth: int):
        if using != DENSE or not self.engine.remote:
            return None  # sparse search is exact; the in-process engine is exact (and warns about search params)
        return models().SearchParams(hnsw_ef=max(HNSW_EF, depth))

    def _ranked(self, query, using: str, scope: Scope, depth: int) -> Ranking:
        if scope.positions is not None and len(scope.positions) == 0:
            return [], {}
        flt = scope_filter(scope, models())
        limit = depth + TIE_SLACK
        while True:
            response = self.engine.call("search", self.engine.client.query_points, self.collection, query=query,
                                        using=using, query_filter=flt, limit=limit, with_payload=False,
                                        search_params=self._params(using, limit))
            pairs = sorted(((float(p.score), int(p.id)) for p in response.points), key=lambda p: (-p[0], p[1]))
            if len(pairs) < limit or pairs[depth - 1][0] > pairs[-1][0]:
                break
            limit *= 4  # the last one fetched ties with the depth-th: some tied points may not have come back
        kept = pairs[:depth]
        return [i for _, i in kept], {i: s for s, i in kept}


def open_qdrant(folder: Path, url: str | None = None, path: str | None = None,
                api_key: str | None = None) -> tuple[Catalog, QdrantRetriever]:
    """The live build in the Qdrant at ``url`` (a server) or ``path`` (in-process, default ``<folder>/qdrant``)."""
    engine = engine_for(Path(folder), url, path, api_key)
    for attempt in range(LOAD_ATTEMPTS):
        name = engine.target(LIVE)
        if name is None:
            raise IndexStateError(f"no index in Qdrant at {engine.where} (no alias {engine.prefix}-{LIVE}): "
                                  "run `assistant index build --backend qdrant` (or `assistant index publish`)")
        try:
            return _open(engine, Path(folder), name)
        except IndexStateError:
            if attempt + 1 < LOAD_ATTEMPTS and engine.target(LIVE) != name:
                continue  # a publish made another build live while we read this one
            raise
    raise AssertionError("unreachable")


def _open(engine: Engine, folder: Path, name: str) -> tuple[Catalog, QdrantRetriever]:
    meta = engine.metadata(name)
    hint = "run `assistant index publish` to publish the local build again"
    if meta is None:
        raise IndexStateError(f"{name} in Qdrant at {engine.where} is gone (deleted by a newer publish?): try again")
    if meta.get("layout") != LAYOUT or meta.get("format_version") != store.FORMAT_VERSION:
        raise IndexStateError(f"{name} in Qdrant at {engine.where} has layout {meta.get('layout')}, format version "
                              f"{meta.get('format_version')}; this program reads layout {LAYOUT}, format version "
                              f"{store.FORMAT_VERSION}: {hint}")
    if not meta.get("complete"):
        raise IndexStateError(f"{name} in Qdrant at {engine.where} is incomplete: {hint}")
    try:
        data = read_catalog(_scroll(engine, name + CATALOG_SUFFIX))
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexStateError(f"the catalog of {name} in Qdrant at {engine.where} is damaged ({exc}): {hint}") from exc
    rows = _scroll(engine, name, with_ids=True)
    if [i for i, _ in rows] != list(range(meta.get("points", -1))):
        raise IndexStateError(f"{name} in Qdrant at {engine.where} holds {len(rows)} points, not the "
                              f"{meta.get('points')} it was published with: {hint}")
    try:
        chunks = [chunk_of(payload) for _, payload in rows]
    except (KeyError, TypeError) as exc:
        raise IndexStateError(f"a point of {name} in Qdrant at {engine.where} lacks {exc}: {hint}") from exc
    catalog = Catalog(folder, meta["build"], data.config, data.documents, data.sources, chunks, data.fields[WORDS])
    return catalog, QdrantRetriever(engine, name, data.fields, int(data.config["model"]["dim"]))


def _scroll(engine: Engine, collection: str, with_ids: bool = False) -> list:
    """Every point's payload (with its id), in id order."""
    out, offset = [], None
    while True:
        records, offset = engine.call("read points", engine.client.scroll, collection, limit=SCROLL, offset=offset,
                                      with_payload=True, with_vectors=False)
        out.extend((int(r.id), r.payload) for r in records)
        if offset is None:
            break
    out.sort(key=lambda row: row[0])
    return out if with_ids else [payload for _, payload in out]
