"""Follow the index on disk: when ``assistant index add/remove/build`` makes a new build live,
load it in the background and swap it in.

The index folder's ``CURRENT`` names the live build; reading it is cheap, so a daemon
thread polls it. A new build is loaded with the running encoder (the model is not
loaded again) and replaces the old assistant in one assignment: a request reads
``current`` once and finishes on the assistant it got, even if a swap happens meanwhile.
A build that fails to load is logged and skipped; the old one keeps serving.
"""

from __future__ import annotations

import logging
import threading
import time


log = logging.getLogger("assistant.ui")
DEFAULT_POLL_S = 5.0


class LiveAssistant:
    """The assistant currently serving, replaced when the index folder gets a new build."""

    def __init__(self, assistant, poll_s: float = DEFAULT_POLL_S):
        self._current = assistant
        self.poll_s = poll_s
        self.updated_at: float | None = None  # time of the last swap, None while the first build serves
        self._failed: str | None = None  # a build that could not be loaded: not retried until CURRENT moves
        self._lock = threading.Lock()  # one check at a time (the thread and a test may both call it)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def current(self):
        return self._current

    @property
    def build_name(self) -> str | None:
        return self._current.index.build_name

    def check(self) -> bool:
        """Load the live build if it is not the one serving. True when a new one was swapped in."""
        with self._lock:
            index = self._current.index
            name = index.retriever.live_build()
            if name is None or name == index.build_name or name == self._failed:
                return False
            try:
                new = self._load(index)
            except Exception:  # noqa: BLE001 - a damaged build must not take the running app down
                log.exception("index build %s at %s could not be loaded; still serving %s", name, index.folder,
                              index.build_name)
                self._failed = name
                return False
            self._current, self._failed, self.updated_at = new, None, time.time()
            log.info("index at %s: now serving build %s (%d plans)", index.folder, new.index.build_name, len(new.cities))
            return True

    def _load(self, index):
        from assistant.core import Assistant
        from index.search import Index

        return Assistant(Index.load(index.folder, encoder=index.encoder, **index.load_options))

    def start(self) -> LiveAssistant:
        """Poll ``CURRENT`` every ``poll_s`` seconds in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="index-follower", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - keep following; the next poll may succeed
                log.exception("checking the index folder failed")
