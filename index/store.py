"""Index directories: plain files with a format version, replaced atomically, one writer at a time.

Layout of an index directory::

    CURRENT                     name of the live build (replaced with os.replace)
    PREVIOUS                    the build that was live before it (kept: `assistant index rollback`)
    .writer.lock                held by the one writer (index/lock.py)
    build-<stamp>-<pid>-<rand>/
        config.json             format version, model, chunker, corpus fingerprint, counts
        documents.jsonl         one row per plan: city, title, prefecture, period, size, sha256, legend
        sources.jsonl           the decoded source text of every plan
        chunks.jsonl            one chunk per line (its document's metadata is in documents.jsonl)
        table/                  the chunks and plan texts again as columns, which a load maps (index/columns.py)
        bm25/                   vocab.json, params.json, *.npy postings
        dense.faiss             FAISS index of the chunk vectors
        files.json              written last: size and checksum of every file, and the counts

A build is written into a fresh ``build-*`` folder, sealed, and becomes live
only when ``CURRENT`` is replaced, so a crash at any point leaves the previous
index whole. Writers hold the folder's lock from reading the live state to the
swap; afterwards only builds that are neither live, previous, nor being
written by a running process are removed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from corpus.errors import IndexStateError
from index import integrity
from index.lock import WriterLock

FORMAT_VERSION = 2
POINTER = "CURRENT"
PREVIOUS = "PREVIOUS"
CONFIG = "config.json"
REQUIRED = (CONFIG, "documents.jsonl", "chunks.jsonl", "sources.jsonl", "dense.faiss", "bm25/vocab.json", integrity.SEAL)
BUILD_HINT = "run `assistant index build` to rebuild it"
_BUILD_NAME = re.compile(r"^build-[0-9A-Za-z_-]+$")  # no separators: CURRENT can never point outside the folder
_OWNER = re.compile(r"^build-[0-9T]+-(\d+)-[0-9a-f]+$")


def _read_pointer(path: Path) -> str | None:
    try:
        name = path.read_bytes().decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if _BUILD_NAME.match(name) else None


def current_build_name(folder: Path) -> str | None:
    """The build named in ``CURRENT`` (cheap: no checks), or None when there is none or it is unreadable."""
    return _read_pointer(Path(folder) / POINTER)


def previous_build_name(folder: Path) -> str | None:
    return _read_pointer(Path(folder) / PREVIOUS)


def hint(folder: Path) -> str:
    """What to run about a damaged live build: roll back when an intact previous build is there."""
    previous = previous_build_name(folder)
    if previous and previous != current_build_name(folder) and _looks_whole(Path(folder) / previous):
        return ("run `assistant index verify` for details, then `assistant index rollback` to go back to the "
                f"previous build ({previous}) or `assistant index build` to rebuild it")
    return BUILD_HINT


def _looks_whole(build: Path) -> bool:
    """Sealed and every file of the seal's size (cheap; `index verify` checks the rest)."""
    try:
        return not integrity.size_problems(build, integrity.read_seal(build, ""))
    except IndexStateError:
        return False


def live_dir(folder: Path) -> Path:
    """The live build folder of an index directory, checked for completeness."""
    folder = Path(folder)
    pointer = folder / POINTER
    if not pointer.exists():
        raise IndexStateError(f"no index at {folder}: {BUILD_HINT}")
    name = current_build_name(folder)
    if name is None:
        raise IndexStateError(f"{pointer} is damaged (it does not name a build): {hint(folder)}")
    return complete_build(folder, name)


def complete_build(folder: Path, name: str) -> Path:
    build = Path(folder) / name
    missing = [n for n in REQUIRED if not (build / n).is_file()]
    if not build.is_dir() or missing:
        raise IndexStateError(
            f"the index at {folder} is incomplete (missing {', '.join(missing) or build.name}): {hint(folder)}")
    return build


def read_config(build: Path) -> dict:
    try:
        config = json.loads((build / CONFIG).read_text(encoding="utf-8"))
        version = config.get("format_version")
    except (OSError, ValueError, AttributeError) as exc:
        raise IndexStateError(f"{build / CONFIG} is unreadable ({exc}): {hint(build.parent)}") from exc
    if version != FORMAT_VERSION:
        raise IndexStateError(
            f"the index at {build.parent} has format version {version}, this program reads version {FORMAT_VERSION}: "
            f"{BUILD_HINT}" + (" (or `assistant index upgrade` to convert it, keeping every plan)" if version == 1 else "")
        )
    return config


def write_atomically(folder: Path, write: Callable[[Path], None], lock: WriterLock | None = None,
                     counts: Callable[[], dict[str, int]] | None = None) -> Path:
    """Run ``write(tmp_build_dir)``, seal it, then make that build live.

    Holds ``lock`` (a WriterLock on ``folder``) if given, else takes one for the duration. The
    build that was live becomes ``PREVIOUS``; builds that are neither live, previous nor being
    written by a running process are removed.
    """
    folder = Path(folder)
    if lock is not None and lock.held:
        return _write_locked(folder, write, counts)
    with WriterLock(folder):
        return _write_locked(folder, write, counts)


def _write_locked(folder: Path, write, counts) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    build = folder / f"build-{stamp}-{os.getpid()}-{secrets.token_hex(4)}"
    build.mkdir()
    try:
        write(build)
        integrity.seal(build, counts() if counts else {})
        _fsync_tree(build)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    make_live(folder, build.name)
    remove_stale(folder)
    return build


def make_live(folder: Path, name: str) -> None:
    """Point ``CURRENT`` at ``name``; the build it named becomes ``PREVIOUS``. Caller holds the writer lock."""
    old = current_build_name(folder)
    if old and old != name:
        _replace_pointer(folder, PREVIOUS, old)
    _replace_pointer(folder, POINTER, name)


def _replace_pointer(folder: Path, pointer: str, name: str) -> None:
    tmp = folder / f".{pointer}.{os.getpid()}"
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(name)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, folder / pointer)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(build: Path) -> None:
    for path in build.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
    for sub in [build, *(p for p in build.rglob("*") if p.is_dir())]:
        _fsync_dir(sub)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(folder: Path) -> list[str]:
    """Remove builds that are not live, not previous and not being written by a running process.

    Caller holds the writer lock, so no other writer of this program is between mkdir and swap.
    """
    keep = {current_build_name(folder), previous_build_name(folder)}
    removed = []
    for child in folder.iterdir():
        if child.name.startswith(f".{POINTER}.") or child.name.startswith(f".{PREVIOUS}."):
            owner = child.name.rsplit(".", 1)[-1]
            if owner.isdigit() and not _running(int(owner)):
                child.unlink(missing_ok=True)
            continue
        if not child.is_dir() or not child.name.startswith("build-") or child.name in keep:
            continue
        owner = _OWNER.match(child.name)
        if (owner and int(owner.group(1)) != os.getpid() and _running(int(owner.group(1)))
                and not (child / integrity.SEAL).exists()):
            continue  # unsealed, and its writer is alive: it is being written (by a process that took no lock)
        shutil.rmtree(child, ignore_errors=True)
        removed.append(child.name)
    return removed


def write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path, hint_text: str = BUILD_HINT) -> list[dict]:
    try:
        with path.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
    except (OSError, ValueError) as exc:
        raise IndexStateError(f"{path} is damaged ({exc}): {hint_text}") from exc
    if not all(isinstance(row, dict) for row in rows):
        raise IndexStateError(f"{path} is damaged (a line is not a JSON object): {hint_text}")
    return rows
