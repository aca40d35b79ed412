"""A build's seal: the size and checksum of every file, and the counts that must agree.

``files.json`` is written last into a build folder, after every other file is
complete; a build without it was never finished. Loading checks every file's
size (a ``stat`` each: cheap at any scale) and, for builds up to
``CHECKSUM_ON_LOAD_BYTES``, its checksum too; ``assistant index verify``
always checks checksums. BLAKE2b is used for speed (about 1 GB/s on one core)
and because any flipped byte changes it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from corpus.errors import IndexStateError

SEAL = "files.json"
ALGORITHM = "blake2b-128"
CHECKSUM_ON_LOAD_BYTES = 256 * 2**20  # the five bundled plans make ~2 MB; a national index is GBs
_BLOCK = 1 << 20


def checksum(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def seal(build: Path, counts: dict[str, int]) -> dict:
    """Record every file of ``build`` (size and checksum) and ``counts``; returns the seal."""
    files = {}
    for path in sorted(p for p in build.rglob("*") if p.is_file() and p.name != SEAL):
        files[path.relative_to(build).as_posix()] = {"size": path.stat().st_size, "checksum": checksum(path)}
    record = {"algorithm": ALGORITHM, "files": files, "counts": counts}
    (build / SEAL).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    return record


def read_seal(build: Path, hint: str) -> dict:
    try:
        record = json.loads((build / SEAL).read_text(encoding="utf-8"))
        if record.get("algorithm") != ALGORITHM or not isinstance(record.get("files"), dict):
            raise ValueError("not a seal written by this program")
        return record
    except FileNotFoundError as exc:
        raise IndexStateError(f"the index build {build.name} was never finished (no {SEAL}): {hint}") from exc
    except (OSError, ValueError, AttributeError) as exc:
        raise IndexStateError(f"{build / SEAL} is damaged ({exc}): {hint}") from exc


def size_problems(build: Path, record: dict) -> list[str]:
    """Files missing, or whose size is not the recorded one."""
    problems = []
    for name, meta in record["files"].items():
        path = build / name
        try:
            size = path.stat().st_size
        except OSError:
            problems.append(f"{name} is missing")
            continue
        if size != meta.get("size"):
            problems.append(f"{name} has {size} bytes, {meta.get('size')} were written")
    return problems


def checksum_problems(build: Path, record: dict) -> list[str]:
    problems = []
    for name, meta in record["files"].items():
        try:
            if checksum(build / name) != meta.get("checksum"):
                problems.append(f"{name} does not match its checksum (the file was changed or damaged)")
        except OSError as exc:
            problems.append(f"{name} cannot be read ({exc.strerror})")
    return problems


def total_bytes(record: dict) -> int:
    return sum(int(meta.get("size", 0)) for meta in record["files"].values())


def count_problems(expected: dict[str, int], found: dict[str, int]) -> list[str]:
    """Counts that differ from the seal's, e.g. ``chunks: 419 recorded, 418 found``."""
    return [f"{name}: {expected.get(name)} recorded, {value} found"
            for name, value in found.items() if expected.get(name) != value]
