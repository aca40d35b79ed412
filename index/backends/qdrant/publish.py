"""Publish an index directory's live build into Qdrant, as a new collection made live by an alias switch.

The local build stays the source of truth: ``assistant index build|add|remove|upgrade --backend
qdrant`` writes the index directory as always, then ``publish`` copies its sealed live build into

- ``<prefix>-<build>``: one point per chunk (id = its position in the build's chunk list), a
  named dense vector (the e5 vector, dot product as FAISS), a sparse vector per keyword field
  (``layout.document_weights``) and the chunk's payload, with keyword payload indexes on city,
  prefecture and doc_id; its metadata holds the format version, the layout version, the model
  and whether every point is in (``complete``);
- ``<prefix>-<build>-catalog``: vectorless points holding the config, the plans (rows and
  source texts) and the vocabularies with their document frequencies (``layout.catalog_rows``),

and only when every point is in and counted does one alias request (atomic in Qdrant) point
``<prefix>-live`` at it and ``<prefix>-previous`` at the build it replaces; older builds are
deleted. A publish that fails or is killed half-way leaves the previous collection live; the next
publish deletes the partial one and starts again. Publishing a build that is already in Qdrant
(complete) only switches the aliases, which is how ``assistant index rollback`` goes back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import IndexStateError
from index import dense, snapshot, store
from index.backends.base import CHARS, WORDS
from index.backends.qdrant.engine import (
    CATALOG_SUFFIX, LIVE, PREVIOUS, Engine, alias, collection_name, engine_for, models,
)
from index.backends.qdrant.layout import (
    DENSE, FILTER_FIELDS, LAYOUT, FieldStats, catalog_rows, chunk_payload, city_prefectures, document_weights,
)
from index.lock import WriterLock

BATCH = 128  # points per upsert request
CATALOG_BATCH = 8  # catalog points per request (they carry whole plan texts)


@dataclass(frozen=True)
class PublishReport:
    build: str
    collection: str
    points: int
    uploaded: int  # points written now (0: the build was already in Qdrant, only the aliases moved)
    previous: str | None  # the collection now named by <prefix>-previous
    removed: tuple[str, ...]  # older collections deleted
    where: str  # the engine's URL or folder
    seconds: float
    ignored: tuple[str, ...] = ()  # options the in-process engine has no use for (shards, replicas)


def publish(folder: Path, url: str | None = None, path: str | None = None, api_key: str | None = None,
            shards: int | None = None, replicas: int | None = None, wait: bool = True,
            on_wait: Callable[[str], None] | None = None,
            on_batch: Callable[[int, int], None] | None = None) -> PublishReport:
    """Make the live build of ``folder`` the live collection of the Qdrant at ``url`` or ``path``.

    Args:
        shards, replicas: the new collection's shard count and replication factor (a server or
            cluster; the in-process engine has neither and they are reported in ``ignored``).
        wait, on_wait: as for the index directory's writer lock (``index.lock``), held throughout.
        on_batch: called with (points in, points in all) after each upsert request; whatever it
            raises aborts the publish (with the previous collection still live). Progress, and
            the hook tests use to fail a publish half-way.
    """
    folder = Path(folder)
    started = time.perf_counter()
    for name, value in (("shards", shards), ("replicas", replicas)):
        if value is not None and value < 1:
            raise IndexStateError(f"--qdrant-{name} must be 1 or more")
    with WriterLock(folder, wait=wait, on_wait=on_wait):
        snap = snapshot.load(folder)
        engine = engine_for(folder, url, path, api_key, create=True)
        name = collection_name(engine.prefix, snap.build.name)
        uploaded = 0
        if not is_complete(engine, name, snap.build.name, len(snap.chunks)):
            if name in engine.aliases().values():
                raise IndexStateError(f"{name} in Qdrant at {engine.where} is served but incomplete: run "
                                      "`assistant index build --backend qdrant` to publish a fresh build")
            engine.drop(name)  # a partial one from an interrupted publish
            uploaded = _upload(engine, name, snap, shards, replicas, on_batch)
        previous = switch(engine, name)
        removed = remove_stale(engine, {name, previous})
    ignored = tuple(f"--qdrant-{k}" for k, v in (("shards", shards), ("replicas", replicas))
                    if v is not None and not engine.remote)
    return PublishReport(snap.build.name, name, len(snap.chunks), uploaded, previous, removed, engine.where,
                         time.perf_counter() - started, ignored)


def is_complete(engine: Engine, name: str, build: str, points: int) -> bool:
    meta = engine.metadata(name)
    return bool(meta and meta.get("complete") and meta.get("build") == build and meta.get("layout") == LAYOUT
                and meta.get("format_version") == store.FORMAT_VERSION and meta.get("points") == points
                and engine.call("count points", engine.client.count, name, exact=True).count == points)


def _keep_layout(engine: Engine, shards: int | None, replicas: int | None) -> tuple[int | None, int | None]:
    """Shards and replicas not given keep those of the live collection: an `index add` on a cluster
    must not publish a collection with one copy of one shard where the last had three and two."""
    live = engine.target("live")
    if live is None or (shards is not None and replicas is not None):
        return shards, replicas
    try:
        params = engine.call("read the live collection", engine.client.get_collection, live).config.params
    except IndexStateError:
        return shards, replicas
    return (shards if shards is not None else getattr(params, "shard_number", None),
            replicas if replicas is not None else getattr(params, "replication_factor", None))


def _upload(engine: Engine, name: str, snap: snapshot.Snapshot, shards, replicas, on_batch) -> int:
    m = models()
    fields = {WORDS: snap.bm25, **({CHARS: snap.bm25_chars} if snap.bm25_chars is not None else {})}
    stats = {field: FieldStats.of(bm25) for field, bm25 in fields.items()}
    model = snap.config["model"]
    meta = {"format_version": store.FORMAT_VERSION, "layout": LAYOUT, "build": snap.build.name, "index": engine.prefix,
            "model": {k: model.get(k) for k in ("name", "fingerprint", "dim")}, "fields": list(fields),
            "points": len(snap.chunks), "catalog": name + CATALOG_SUFFIX, "complete": False}
    cluster = {}  # the in-process engine has neither
    if engine.remote:
        shards, replicas = _keep_layout(engine, shards, replicas)
        cluster = {k: v for k, v in (("shard_number", shards), ("replication_factor", replicas)) if v}
    create = engine.client.create_collection
    engine.call("create a collection", create, name, metadata=meta,
                vectors_config={DENSE: m.VectorParams(size=int(model["dim"]), distance=m.Distance.DOT)},
                sparse_vectors_config={field: m.SparseVectorParams() for field in fields}, **cluster)
    engine.call("create a collection", create, name + CATALOG_SUFFIX, vectors_config={},
                metadata={"build": snap.build.name, "layout": LAYOUT},
                **{k: v for k, v in cluster.items() if k == "replication_factor"})
    if engine.remote:  # the in-process engine filters by scanning and has no payload indexes
        for field in FILTER_FIELDS:
            engine.call("index a payload field", engine.client.create_payload_index, name, field,
                        field_schema=m.PayloadSchemaType.KEYWORD, wait=True)
    rows = catalog_rows(snap.config, snap.documents, snap.sources, stats)
    for start in range(0, len(rows), CATALOG_BATCH):
        batch = rows[start:start + CATALOG_BATCH]
        points = [m.PointStruct(id=start + i, vector={}, payload=row) for i, row in enumerate(batch)]
        engine.call("write the catalog", engine.client.upsert, name + CATALOG_SUFFIX, points=points, wait=True)
    _upload_points(engine, name, snap, fields, on_batch)
    counted = engine.call("count points", engine.client.count, name, exact=True).count
    if counted != len(snap.chunks):
        raise IndexStateError(f"Qdrant at {engine.where} holds {counted} of the {len(snap.chunks)} points of {name}; "
                              "the previous build stays live: run `assistant index publish` again")
    engine.call("seal a collection", engine.client.update_collection, name, metadata={**meta, "complete": True})
    return counted


def _upload_points(engine: Engine, name: str, snap: snapshot.Snapshot, fields: dict, on_batch) -> None:
    m = models()
    vectors = dense.all_vectors(snap.faiss)
    sparse = {field: document_weights(bm25) for field, bm25 in fields.items()}
    prefectures = city_prefectures(snap.documents)
    total = len(snap.chunks)
    for start in range(0, total, BATCH):
        points = []
        for i in range(start, min(start + BATCH, total)):
            vector = {DENSE: vectors[i].tolist()}
            for field, weights in sparse.items():
                if weights[i][0]:  # a chunk without terms has no sparse vector in that field
                    vector[field] = m.SparseVector(indices=weights[i][0], values=weights[i][1])
            payload = chunk_payload(snap.chunks[i], snap.documents, prefectures)
            points.append(m.PointStruct(id=i, vector=vector, payload=payload))
        engine.call("write points", engine.client.upsert, name, points=points, wait=True)
        if on_batch is not None:
            on_batch(start + len(points), total)


def switch(engine: Engine, name: str) -> str | None:
    """Point ``<prefix>-live`` at ``name`` and ``<prefix>-previous`` at what was live, in one request.

    Returns the collection now named previous.
    """
    m = models()
    aliases = engine.aliases()
    live_alias, previous_alias = alias(engine.prefix, LIVE), alias(engine.prefix, PREVIOUS)
    live = aliases.get(live_alias)
    if live == name:
        return aliases.get(previous_alias)
    ops = []
    if live is not None:
        ops.append(m.DeleteAliasOperation(delete_alias=m.DeleteAlias(alias_name=live_alias)))
    ops.append(m.CreateAliasOperation(create_alias=m.CreateAlias(collection_name=name, alias_name=live_alias)))
    if live is not None:
        if previous_alias in aliases:
            ops.append(m.DeleteAliasOperation(delete_alias=m.DeleteAlias(alias_name=previous_alias)))
        ops.append(m.CreateAliasOperation(create_alias=m.CreateAlias(collection_name=live, alias_name=previous_alias)))
    engine.call("switch the live alias", engine.client.update_collection_aliases, change_aliases_operations=ops)
    return live if live is not None else aliases.get(previous_alias)


def remove_stale(engine: Engine, keep: set[str | None]) -> tuple[str, ...]:
    """Delete this index's build collections (and catalogs) that are neither live nor previous."""
    head = f"{engine.prefix}-build-"
    removed = []
    for name in engine.collections():
        base = name.removesuffix(CATALOG_SUFFIX)
        if name.startswith(head) and base not in keep:
            engine.call("delete a collection", engine.client.delete_collection, name)
            removed.append(name)
    return tuple(sorted(removed))
