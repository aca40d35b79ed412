"""Resumable embedding: what a build must embed, in shards of plain files that a killed build finds again.

A build embeds only the texts whose content key is not in the live index (``index.build.embed``).
Those keys, in order, are cut into shards of ``shard_size()`` texts, and each finished shard is
written atomically (tmp file, fsync, ``os.replace``) into a work folder inside the index directory::

    .embed-<hash>/          hash of the model fingerprint, backend, shard size and the keys to embed
        shard-00000.npy     float32 (rows, dim), saved with allow_pickle=False
        shard-00000.json    its keys, model, backend, shape and the .npy's sha256 (written last)

Run again after a kill, a build computes the same keys, hence the same folder; it checks every shard
(keys, model, backend, checksum, shape, finite values) and embeds only the missing or damaged ones.
Shards come from a runner: ``LocalRunner`` here, or Ray actors (``index.distributed.ray_build``);
either way this module writes them, so any build resumes. Work folders go when no build can use
them any more (``remove_stale``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from corpus.errors import IndexStateError

SHARD_SIZE = 2048  # texts per shard: ~2.5 min of embedding on 2 cores, 3 MB of vectors
SHARD_ENV = "ASSISTANT_EMBED_SHARD"  # overrides SHARD_SIZE (tests, tuning)
PREFIX = ".embed-"
STALE_SECONDS = 7 * 24 * 3600

Shard = tuple[int, list[str]]  # (shard number, its texts)


class Runner(Protocol):
    """Embeds shards, yielding (number, vectors) as each one is done, in any order."""

    backend: str

    def __call__(self, shards: list[Shard], progress: bool) -> Iterator[tuple[int, np.ndarray]]: ...


class LocalRunner:
    """Embeds shards one after another with an ``index.encoder.Encoder`` in this process."""

    def __init__(self, encoder):
        self.encoder = encoder

    @property
    def backend(self) -> str:
        return self.encoder.backend

    def __call__(self, shards: list[Shard], progress: bool) -> Iterator[tuple[int, np.ndarray]]:
        for number, texts in shards:
            yield number, self.encoder.encode_passages(texts, progress=progress)


def shard_size() -> int:
    return int(os.environ.get(SHARD_ENV) or SHARD_SIZE)


def work_dir(folder: Path, fingerprint: str, backend: str, size: int, keys: list[str]) -> Path:
    digest = hashlib.sha256(f"{fingerprint}\0{backend}\0{size}\0".encode())
    digest.update("\n".join(keys).encode())
    return Path(folder) / f"{PREFIX}{digest.hexdigest()[:16]}"


def spans(n: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, n)) for start in range(0, n, size)]


def _paths(work: Path, number: int) -> tuple[Path, Path]:
    return work / f"shard-{number:05d}.npy", work / f"shard-{number:05d}.json"


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp.{os.getpid()}")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_shard(work: Path, number: int, keys: list[str], vectors: np.ndarray, fingerprint: str, backend: str) -> None:
    """Write one shard: the vectors first, then the JSON that vouches for them (so a kill between leaves none)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(keys) or not np.isfinite(vectors).all():
        raise ValueError(f"shard {number}: {vectors.shape} vectors (finite: {np.isfinite(vectors).all()}) "
                         f"for {len(keys)} texts")
    buf = io.BytesIO()
    np.save(buf, vectors, allow_pickle=False)
    raw = buf.getvalue()
    npy, meta = _paths(work, number)
    _write(npy, raw)
    _write(meta, json.dumps({"model": fingerprint, "backend": backend, "rows": len(keys), "dim": int(vectors.shape[1]),
                             "sha256": hashlib.sha256(raw).hexdigest(), "keys": keys}).encode())
    fd = os.open(work, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_shard(work: Path, number: int, keys: list[str], fingerprint: str, backend: str) -> np.ndarray | None:
    """A finished shard's vectors, or None when it is missing, damaged or not for these keys and model."""
    npy, meta_path = _paths(work, number)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if (meta.get("model"), meta.get("backend"), meta.get("keys")) != (fingerprint, backend, keys):
            return None
        raw = npy.read_bytes()
        if hashlib.sha256(raw).hexdigest() != meta.get("sha256"):
            return None
        vectors = np.load(io.BytesIO(raw), allow_pickle=False)
    except (OSError, ValueError, AttributeError, TypeError):
        return None
    if vectors.dtype != np.float32 or vectors.shape != (len(keys), meta.get("dim")) or not np.isfinite(vectors).all():
        return None
    return vectors


def embed_resumable(folder: Path, texts: list[str], keys: list[str], fingerprint: str, runner: Runner,
                    progress: bool = False, size: int | None = None) -> tuple[np.ndarray, int]:
    """Vectors of ``texts`` (one row each, in order), taking finished shards from an interrupted build.

    Caller holds the index folder's writer lock. Returns the vectors and how many rows came from
    shards found on disk (the rest were embedded now, by ``runner``).
    """
    size = size or shard_size()
    backend = runner.backend
    work = work_dir(folder, fingerprint, backend, size, keys)
    work.mkdir(exist_ok=True)
    for tmp in work.glob(".shard-*.tmp.*"):  # a killed writer's leftovers; nobody else writes here (lock)
        tmp.unlink(missing_ok=True)
    parts = spans(len(keys), size)
    done = {}
    for number, (a, b) in enumerate(parts):
        vectors = read_shard(work, number, keys[a:b], fingerprint, backend)
        if vectors is not None:
            done[number] = vectors
    resumed = sum(len(v) for v in done.values())
    todo = [(number, texts[a:b]) for number, (a, b) in enumerate(parts) if number not in done]
    bar = _bar(len(keys), resumed, progress and len(todo) > 1)
    for number, vectors in runner(todo, progress and len(todo) == 1):
        a, b = parts[number]
        write_shard(work, number, keys[a:b], vectors, fingerprint, backend)
        done[number] = np.asarray(vectors, dtype=np.float32)
        if bar is not None:
            bar.update(b - a)
    if bar is not None:
        bar.close()
    return merge([done.get(number) for number in range(len(parts))], work), resumed


def merge(shards: Iterable[np.ndarray | None], work: Path) -> np.ndarray:
    """Join shards (in order) into one matrix; every shard must be there, all of one width."""
    shards = list(shards)
    missing = [n for n, s in enumerate(shards) if s is None]
    if missing:
        raise IndexStateError(f"shards {missing[:5]} of {work} were never embedded: run the build again")
    if len({s.shape[1] for s in shards}) > 1:
        raise IndexStateError(f"the shards in {work} differ in width: delete that folder and run the build again")
    return np.concatenate(shards).astype(np.float32, copy=False)


def _bar(total: int, initial: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc="embed", unit="chunk")


def remove_stale(folder: Path, live_keys: set[str], max_age: float = STALE_SECONDS) -> list[str]:
    """Remove the work folders no build can use any more; caller holds the writer lock.

    Every writer holds the lock from reading the live index to making its build live, so while we
    hold it no work folder is being written. A folder goes when (a) its finished shards hold no
    vector the live index lacks: a build that just went live (its own folder), or one whose keys a
    rerun would take from the index anyway, or one with no finished shard; or (b) nothing was
    written in it for ``max_age`` seconds: an abandoned build of another corpus or model.
    """
    removed = []
    now = time.time()
    for work in Path(folder).glob(f"{PREFIX}*"):
        if not work.is_dir():
            continue
        files = list(work.iterdir())
        newest = max((f.stat().st_mtime for f in files), default=work.stat().st_mtime)
        if now - newest > max_age or _keys_in(files) <= live_keys:
            shutil.rmtree(work, ignore_errors=True)
            removed.append(work.name)
    return removed


def _keys_in(files: list[Path]) -> set[str]:
    keys: set[str] = set()
    for path in files:
        if path.suffix == ".json" and path.name.startswith("shard-"):
            try:
                keys.update(json.loads(path.read_text(encoding="utf-8")).get("keys") or ())
            except (OSError, ValueError, AttributeError, TypeError):
                continue  # unreadable: it vouches for nothing
    return keys
