"""Index directories: plain files with a format version, replaced atomically.

Layout of an index directory::

    CURRENT                 name of the live build (replaced with os.replace)
    build-<stamp>/config.json   format version, model, chunker, corpus fingerprint
    build-<stamp>/chunks.jsonl  one chunk per line
    build-<stamp>/sources.jsonl the decoded source text of every plan
    build-<stamp>/bm25/         vocab.json, params.json, *.npy postings
    build-<stamp>/dense.faiss   FAISS index of the chunk vectors

A build is written into a fresh ``build-*`` folder and becomes live only when
``CURRENT`` is replaced, so a crash at any point leaves the previous index whole.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from corpus.errors import IndexStateError

FORMAT_VERSION = 1
POINTER = "CURRENT"
CONFIG = "config.json"
REQUIRED = (CONFIG, "chunks.jsonl", "sources.jsonl", "dense.faiss", "bm25/vocab.json")
BUILD_HINT = "run `assistant index build` to rebuild it"


def current_build_name(folder: Path) -> str | None:
    """The name written in ``CURRENT`` (cheap: no checks), or None when there is none or it is unreadable."""
    try:
        return (folder / POINTER).read_bytes().decode("utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def live_dir(folder: Path) -> Path:
    """The live build folder of an index directory, checked for completeness."""
    pointer = folder / POINTER
    if not pointer.is_file():
        raise IndexStateError(f"no index at {folder}: {BUILD_HINT}")
    build = folder / pointer.read_text(encoding="utf-8").strip()
    missing = [name for name in REQUIRED if not (build / name).is_file()]
    if not build.is_dir() or missing:
        raise IndexStateError(f"the index at {folder} is incomplete (missing {', '.join(missing) or build.name}): {BUILD_HINT}")
    return build


def read_config(build: Path) -> dict:
    try:
        config = json.loads((build / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexStateError(f"{build / CONFIG} is unreadable ({exc}): {BUILD_HINT}") from exc
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexStateError(
            f"the index at {build.parent} has format version {version}, this program reads version {FORMAT_VERSION}: {BUILD_HINT}"
        )
    return config


def write_atomically(folder: Path, write: Callable[[Path], None]) -> Path:
    """Run ``write(tmp_build_dir)``, then make that build live; older builds are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    build = Path(tempfile.mkdtemp(prefix=f"build-{stamp}-", dir=folder))
    try:
        write(build)
        _fsync_tree(build)
        tmp_pointer = folder / f".{POINTER}.{os.getpid()}"
        tmp_pointer.write_text(build.name, encoding="utf-8")
        os.replace(tmp_pointer, folder / POINTER)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    _remove_stale(folder, keep=build.name)
    return build


def _fsync_tree(build: Path) -> None:
    for path in build.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())


def _remove_stale(folder: Path, keep: str) -> None:
    for child in folder.iterdir():
        if child.is_dir() and child.name.startswith("build-") and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except (OSError, ValueError) as exc:
        raise IndexStateError(f"{path} is damaged ({exc}): {BUILD_HINT}") from exc
