"""What may enter the corpus: regular files of a supported type, read within the size limit.

Everything is checked before a byte is read: FIFOs (an ``open`` would block
forever), devices (``/dev/zero`` never ends), sockets and folders are refused,
symlinks are resolved and their target checked the same way, and a file is
read in blocks that stop at the size limit, so a file that grows (or lies
about its size) cannot exhaust memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from corpus.errors import CorpusError
from corpus.readers import SUFFIXES

MAX_PLAN_ENV = "ASSISTANT_MAX_PLAN_MB"
MAX_PLAN_BYTES = 5_000_000  # the largest bundled plan is 0.13 MB; a 300-page plan as text is about 1 MB
_BLOCK = 1 << 16
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def max_plan_bytes() -> int:
    try:
        return int(float(os.environ.get(MAX_PLAN_ENV, "")) * 1e6)
    except ValueError:
        return MAX_PLAN_BYTES


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def _supported(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def check_file(path: Path) -> Path:
    """The real path of a plan file that may be read; CorpusError naming the file and the reason otherwise."""
    path = Path(path)
    types = ", ".join(SUFFIXES)
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the file ({exc.strerror})") from exc
    target = path
    if stat.S_ISLNK(mode):
        try:
            target = path.resolve(strict=True)
            mode = target.stat().st_mode
        except (OSError, RuntimeError) as exc:
            raise CorpusError(f"{path}: a symbolic link that leads nowhere readable ({exc})") from exc
    kind = _kind(mode)
    if kind:
        via = f" (through the link to {target})" if target != path else ""
        raise CorpusError(f"{path.name}: is {kind}{via}, not a plan file")
    if not _supported(path) or not _supported(target):
        odd = target if _supported(path) else path
        shown = f"is a {odd.suffix} file" if odd.suffix else "has no file extension"
        raise CorpusError(f"{path.name}: {shown}; plans are read from {types} files")
    return target


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a checked plan file, never more than ``max_bytes`` read."""
    max_bytes = max_bytes or max_plan_bytes()
    real = check_file(path)
    too_big = (f"{Path(path).name}: over the {max_bytes / 1e6:g} MB limit for one plan "
               f"(set {MAX_PLAN_ENV} to raise it)")
    try:
        # O_NONBLOCK: if the file was swapped for a FIFO since the check, open must not hang
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the file ({exc.strerror})") from exc
    with os.fdopen(fd, "rb", buffering=0) as fh:
        info = os.fstat(fd)
        if _kind(info.st_mode):
            raise CorpusError(f"{Path(path).name}: is {_kind(info.st_mode)}, not a plan file")
        if info.st_size > max_bytes:
            raise CorpusError(f"{too_big}: it has {info.st_size / 1e6:.1f} MB")
        blocks, total = [], 0
        while block := fh.read(_BLOCK):
            blocks.append(block)
            total += len(block)
            if total > max_bytes:
                raise CorpusError(f"{too_big}: it grew past the limit while being read")
    return b"".join(blocks)


def folder_entries(folder: Path, ignore: tuple[str, ...] = ()) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files of a corpus folder that may be read, and every other entry with the reason it is left out."""
    keep, left_out = [], []
    for path in sorted(folder.iterdir()):
        if path.name in ignore:
            continue
        try:
            check_file(path)
        except CorpusError as exc:
            left_out.append((path, str(exc)))
            continue
        keep.append(path)
    return keep, left_out
