"""The app's own temporary folder: private, bounded, and shared with Gradio's file cache.

Every staff answer offers a CSV. Written to ``/tmp`` and copied again by Gradio into
``/tmp/gradio/<sha>/``, those files were world-readable and never removed. Here they
live in one folder owned by the app (0700, files 0600), which is also Gradio's cache
(``GRADIO_TEMP_DIR``), so Gradio serves them where they are instead of copying them,
and Gradio's ``delete_cache`` removes them after ``ttl_s``. ``sweep`` removes what a
previous run or a crash left behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from pathlib import Path

from corpus.errors import AssistantError

TMP_ENV = "ASSISTANT_UI_TMP"
GRADIO_TMP_ENV = "GRADIO_TEMP_DIR"  # read by Gradio when a Blocks is created and when it is launched
MARKER = ".assistant-ui-tmp"  # marks a folder as the UI's own: only such a folder is swept
DEFAULT_TTL_S = 600  # a CSV stays downloadable for 10 minutes
SWEEP_EVERY_S = 60  # Gradio's cache check runs this often, and so does ours at most


def default_root(index_folder: str | Path | None) -> Path:
    """``$ASSISTANT_UI_TMP``, else ``ui-tmp`` next to the index folder (``var/index`` -> ``var/ui-tmp``)."""
    if os.environ.get(TMP_ENV):
        return Path(os.environ[TMP_ENV])
    return Path(index_folder or "var/index").resolve().parent / "ui-tmp"


def private_dir(path: Path, claim: bool = False) -> Path:
    """Create ``path`` (and parents) and make it readable by its owner only.

    ``claim``: the folder becomes the UI's, to be swept; a folder that already holds
    other files is refused, so ``ASSISTANT_UI_TMP=/tmp`` cannot make the sweep delete them.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        if claim and not (path / MARKER).exists():
            if any(path.iterdir()):
                raise AssistantError(f"{path} already holds other files: set {TMP_ENV} to a new or empty folder "
                                     "(the UI removes old files in it)")
            (path / MARKER).touch(mode=0o600)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask; chmod is not
    except OSError as exc:
        raise AssistantError(f"cannot use {path} for the UI's temporary files ({exc}): "
                             f"set {TMP_ENV} to a folder this user owns") from exc
    return path.resolve()


class TempFiles:
    """The app's temporary folder. ``root`` is also Gradio's cache; downloads (CSV, .xlsx) go to ``root/csv``."""

    def __init__(self, root: str | Path, ttl_s: float = DEFAULT_TTL_S):
        self.root = private_dir(Path(root), claim=True)
        self.ttl_s = ttl_s
        self._last_sweep = 0.0
        self._lock = threading.Lock()
        private_dir(self.csv_dir)
        self.sweep(force=True)

    @property
    def csv_dir(self) -> Path:
        return self.root / "csv"

    @property
    def delete_cache(self) -> tuple[int, int]:
        """Gradio's ``Blocks(delete_cache=(every, age))`` for this folder."""
        return (int(min(SWEEP_EVERY_S, max(1, self.ttl_s / 2))), int(max(1, self.ttl_s)))

    def use_for_gradio(self) -> None:
        """Make this folder Gradio's cache. Process-wide: Gradio offers only the env var."""
        os.environ[GRADIO_TMP_ENV] = str(self.root)

    def write_csv(self, text: str, prefix: str = "answer") -> Path:
        """Write ``text`` (UTF-8 with BOM, for Excel) to a private file named by its content.

        The same answer gives the same file, so repeated questions do not add files.
        """
        return self.write_bytes(text.encode("utf-8-sig"), prefix, ".csv")

    def write_bytes(self, data: bytes, prefix: str, suffix: str) -> Path:
        """Write ``data`` to a private file ``{prefix}-{content hash}{suffix}`` in the downloads folder."""
        path = self.csv_dir / f"{prefix}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
        try:
            os.utime(path)  # handed out again: counts as new for the age checks, so it is not removed meanwhile
        except FileNotFoundError:
            fd, staging = tempfile.mkstemp(dir=self.csv_dir, prefix=f".{prefix}-")  # mode 0600
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(staging, path)  # concurrent writers of the same answer never see half a file
            except BaseException:
                Path(staging).unlink(missing_ok=True)
                raise
        self.sweep()
        return path

    def sweep(self, force: bool = False) -> int:
        """Remove files older than the time-to-live plus two of Gradio's rounds, and empty folders.

        Gradio removes the files it handed out after ``ttl_s``; this catches the rest (a
        previous run, a crash). At most once a minute unless ``force``. Returns files removed.
        """
        now = time.time()
        with self._lock:
            if not force and now - self._last_sweep < SWEEP_EVERY_S:
                return 0
            self._last_sweep = now
        limit = now - self.ttl_s - 2 * self.delete_cache[0]
        removed = 0
        for folder, dirs, names in os.walk(self.root, topdown=False):
            for name in names:
                path = Path(folder) / name
                if name == MARKER and path.parent == self.root:
                    continue
                try:
                    if path.lstat().st_mtime < limit:
                        path.unlink()
                        removed += 1
                except FileNotFoundError:
                    continue
            if Path(folder) not in (self.root, self.csv_dir) and not os.listdir(folder):
                try:
                    os.rmdir(folder)
                except OSError:
                    pass
        return removed
