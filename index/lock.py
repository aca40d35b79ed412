"""One writer at a time per index folder: an OS file lock, released when the process dies.

``build``, ``add`` and ``remove`` all hold :class:`WriterLock` from reading the
live state to making the new build live, so two writers never start from the
same state (the second one starts from the first one's result). The lock is
``flock`` on ``<index>/.writer.lock``: the kernel drops it when its holder
exits, even on SIGKILL, so a dead writer never blocks the next one. Readers
take no lock: they read whichever build ``CURRENT`` names.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from corpus.errors import IndexBusyError, IndexStateError

LOCK_FILE = ".writer.lock"
POLL_SECONDS = 0.2


def _holder_text(fd: int) -> str:
    """Who holds the lock, from what the holder wrote into the lock file."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another writer"
    return f"another writer (pid {info.get('pid')}, `{info.get('command', '?')}`, since {info.get('since', '?')})"


class WriterLock:
    """Exclusive writer lock on an index folder; a context manager.

    Args:
        folder: the index folder (created if missing).
        wait: wait for another writer to finish (True) or raise IndexBusyError at once (False).
        on_wait: called once with a message when the lock is taken by someone else and we wait.
        timeout: give up waiting after this many seconds (None: wait as long as it takes).
    """

    def __init__(self, folder: Path, wait: bool = True, on_wait: Callable[[str], None] | None = None,
                 timeout: float | None = None):
        self.folder, self.wait, self.on_wait, self.timeout = Path(folder), wait, on_wait, timeout
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> WriterLock:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise IndexStateError(f"cannot lock the index at {self.folder} for writing ({exc.strerror})") from exc
        try:
            self._take(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self._describe(fd)
        return self

    def _take(self, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        message = f"{_holder_text(fd)} is changing the index at {self.folder}"
        if not self.wait:
            raise IndexBusyError(f"{message}; try again when it has finished (or leave out --no-wait to wait for it)")
        if self.on_wait:
            self.on_wait(f"waiting: {message} …")
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if deadline is not None and time.monotonic() > deadline:
                    raise IndexBusyError(f"{message}; gave up after {self.timeout:.0f} s") from None
                time.sleep(POLL_SECONDS)

    def _describe(self, fd: int) -> None:
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S"),
                "command": " ".join(sys.argv)[:200] or "?"}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info, ensure_ascii=False).encode("utf-8"), 0)

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
        except OSError:
            pass
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
