"""``assistant index verify --backend qdrant``: the live collection against the local live build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.errors import IndexStateError
from index import dense, snapshot, store
from index.backends.qdrant.engine import LIVE, engine_for
from index.backends.qdrant.layout import LAYOUT
from index.backends.qdrant.retriever import QdrantRetriever, _scroll

SAMPLE = 64  # vectors compared (spread over the build, first and last included)
TOLERANCE = 1e-6  # largest difference of a stored vector component (both sides hold float32)


@dataclass(frozen=True)
class QdrantCheck:
    where: str
    collection: str | None
    build: str | None  # the build the live collection holds
    local_build: str | None
    points: int
    sampled: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.collection is not None and not self.problems


def check(folder: Path, url: str | None = None, path: str | None = None, api_key: str | None = None,
          sample: int = SAMPLE) -> QdrantCheck:
    """Is the live collection the local live build: same build, point count, payload ids, sampled vectors?"""
    folder = Path(folder)
    snap = snapshot.load(folder)
    engine = engine_for(folder, url, path, api_key)
    name = engine.target(LIVE)
    if name is None:
        return QdrantCheck(engine.where, None, None, snap.build.name, 0, 0, ("no collection is live",))
    meta = engine.metadata(name) or {}
    problems = []
    if meta.get("build") != snap.build.name:
        problems.append(f"the live collection holds build {meta.get('build')}, the index directory's live build is "
                        f"{snap.build.name}: run `assistant index publish`")
    if meta.get("layout") != LAYOUT or meta.get("format_version") != store.FORMAT_VERSION or not meta.get("complete"):
        problems.append(f"layout {meta.get('layout')}, format version {meta.get('format_version')}, "
                        f"complete {meta.get('complete')}")
    if meta.get("model", {}).get("fingerprint") != snap.config["model"]["fingerprint"]:
        problems.append(f"model {meta.get('model')} differs from the local build's "
                        f"{snap.config['model']['fingerprint']}")
    points = engine.call("count points", engine.client.count, name, exact=True).count
    if points != len(snap.chunks):
        problems.append(f"{points} points, the local build has {len(snap.chunks)} chunks")
    sampled = 0
    if not problems:
        ids = [p.get("chunk_id") for p in _scroll(engine, name)]
        if ids != [c.chunk_id for c in snap.chunks]:
            problems.append("the points' chunk ids differ from the local build's chunks")
        picks = sorted({int(i) for i in np.linspace(0, len(snap.chunks) - 1, min(sample, len(snap.chunks)))})
        retriever = QdrantRetriever(engine, name, {}, int(snap.config["model"]["dim"]))
        try:
            stored = retriever.vectors(picks)
        except IndexStateError as exc:
            problems.append(str(exc))
        else:
            local = dense.all_vectors(snap.faiss)[picks]
            off = np.flatnonzero(np.abs(stored - local).max(axis=1) > TOLERANCE)
            if len(off):
                problems.append(f"{len(off)} of {len(picks)} sampled vectors differ (first: chunk #{picks[off[0]]})")
            sampled = len(picks)
    return QdrantCheck(engine.where, name, meta.get("build"), snap.build.name, points, sampled, tuple(problems))
