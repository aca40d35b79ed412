"""Change the plans of a live index (add, remove, upgrade) under the writer lock.

The live build's plans are read only after the lock is taken, so two writers
never start from the same state, and only from files that match the build's
seal, so a short or damaged file is refused instead of silently dropping plans.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from corpus.chunk import ChunkerConfig
from corpus.documents import Document
from corpus.errors import IndexStateError
from index import snapshot, store
from index.build import BuildReport, build_index
from index.lock import WriterLock


def live_documents(folder: Path) -> tuple[list[Document], dict]:
    """The plans held by the live build (text and metadata, checked in full) and its config.

    A build of format version 1 (no seal) is read too, so that `assistant index upgrade`
    can carry its plans over; its plan count must agree with its config.
    """
    build = store.live_dir(folder) if (folder / store.POINTER).exists() else None
    if build is None:
        raise IndexStateError(f"no index at {folder}: {store.BUILD_HINT}")
    try:
        config = json.loads((build / store.CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexStateError(f"{build / store.CONFIG} is unreadable ({exc}): {store.hint(folder)}") from exc
    if config.get("format_version") == 1:
        return _v1_documents(folder, build, config), config
    store.read_config(build)  # refuses other versions with the command to run
    rows, sources = snapshot.read_documents(folder, build)
    docs = [Document(d, sources[d], r.get("city", ""), r.get("title", ""), r.get("prefecture", ""),
                     r.get("period", ""), r.get("path", ""), tuple(r.get("pages") or ()),
                     tuple(tuple(s) for s in r.get("source_map") or ())) for d, r in rows.items()]
    return docs, config


def _v1_documents(folder: Path, build: Path, config: dict) -> list[Document]:
    meta = {d["doc_id"]: d for d in config.get("documents", [])}
    texts = {r.get("doc_id"): r.get("text") for r in store.read_jsonl(build / "sources.jsonl", store.hint(folder))}
    if set(meta) != set(texts) or not all(isinstance(t, str) for t in texts.values()):
        raise IndexStateError(f"the index at {folder} is damaged ({len(meta)} plans listed, {len(texts)} source texts): "
                              f"{store.BUILD_HINT}")
    return [Document(d, texts[d], m.get("city", ""), m.get("title", ""), m.get("prefecture", ""), m.get("period", ""))
            for d, m in meta.items()]


def update_index(folder: Path, change: Callable[[list[Document]], list[Document]], model: str | None = None,
                 progress: bool = False, wait: bool = True, on_wait: Callable[[str], None] | None = None,
                 device: str | None = None) -> BuildReport:
    """Rebuild the live index with ``change(live plans)``; only new chunks are embedded.

    ``change`` runs under the writer lock and may raise to abandon the update (nothing is written).
    """
    folder = Path(folder)
    with WriterLock(folder, wait=wait, on_wait=on_wait) as lock:
        docs, config = live_documents(folder)
        chunker = ChunkerConfig(**config.get("chunker", {}))
        return build_index(change(docs), folder, model=model or config["model"]["name"], chunker=chunker,
                           progress=progress, lock=lock, device=device)
