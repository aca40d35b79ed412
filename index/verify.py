"""``assistant index verify`` and ``rollback``: check a build in full, go back to the previous one."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from corpus.errors import IndexStateError
from index import snapshot, store
from index.lock import WriterLock


@dataclass(frozen=True)
class BuildCheck:
    build: str | None
    problems: tuple[str, ...]
    counts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.build is not None and not self.problems


@dataclass(frozen=True)
class VerifyReport:
    folder: str
    live: BuildCheck
    previous: BuildCheck | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.live.ok


def check_build(folder: Path, name: str | None) -> BuildCheck:
    """Every check there is on one build: sizes, checksums, counts, spans, vectors, postings."""
    if name is None:
        return BuildCheck(None, ("no build is named",))
    try:
        snap = snapshot.load_build(folder, store.complete_build(folder, name), checksums=True)
    except IndexStateError as exc:
        return BuildCheck(name, getattr(exc, "problems", None) or (str(exc),))
    return BuildCheck(name, tuple(snapshot.deep_problems(snap)), snap.counts())


def verify(folder: Path) -> VerifyReport:
    folder = Path(folder)
    started = time.perf_counter()
    if not (folder / store.POINTER).exists():
        raise IndexStateError(f"no index at {folder}: {store.BUILD_HINT}")
    live = check_build(folder, store.current_build_name(folder))
    previous_name = store.previous_build_name(folder)
    previous = check_build(folder, previous_name) if previous_name and (folder / previous_name).is_dir() else None
    return VerifyReport(str(folder), live, previous, time.perf_counter() - started)


def rollback(folder: Path, wait: bool = True, on_wait=None) -> BuildCheck:
    """Make the previous build live again (after checking it in full); the current one becomes previous."""
    folder = Path(folder)
    with WriterLock(folder, wait=wait, on_wait=on_wait):
        name = store.previous_build_name(folder)
        if not name or not (folder / name).is_dir():
            raise IndexStateError(f"the index at {folder} has no previous build to go back to: {store.BUILD_HINT}")
        check = check_build(folder, name)
        if not check.ok:
            raise IndexStateError(f"the previous build {name} is damaged too ({'; '.join(check.problems)}): "
                                  f"{store.BUILD_HINT}")
        store.make_live(folder, name)
        return check
