"""Damaged or half-written indexes: refused with a message saying what to run, or never made live.

A build killed with SIGKILL (no cleanup handlers run) must leave the previous index loadable.
"""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from corpus.errors import IndexStateError
from index import store
from index.search import Index

pytestmark = pytest.mark.slow


@pytest.fixture
def copy(built_index, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(built_index[0], folder)
    return folder


def test_corrupt_faiss_file_is_refused(copy, encoder):
    (store.live_dir(copy) / "dense.faiss").write_bytes(os.urandom(4096))
    with pytest.raises(IndexStateError, match="assistant index build"):
        Index.load(copy, encoder=encoder)


@pytest.mark.parametrize("name", ["chunks.jsonl", "sources.jsonl", "dense.faiss", "bm25/vocab.json", "bm25_chars/ptr.npy",
                                  "config.json"])
def test_missing_file_is_refused(copy, encoder, name):
    (store.live_dir(copy) / name).unlink()
    with pytest.raises(IndexStateError, match="assistant index build"):
        Index.load(copy, encoder=encoder)


def test_damaged_chunks_file_is_refused(copy, encoder):
    path = store.live_dir(copy) / "chunks.jsonl"
    path.write_text(path.read_text(encoding="utf-8")[:5000] + "\n{broken", encoding="utf-8")
    with pytest.raises(IndexStateError, match="assistant index build"):
        Index.load(copy, encoder=encoder)


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, f"the process ended before it was killed: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "the process never reached the point to kill it"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _assert_still_live(folder, encoder, chunks_before):
    index = Index.load(folder, encoder=encoder)
    assert len(index.chunks) == chunks_before
    assert index.search("コンビニ交付", k=3)[0].city == "根室市"


def test_sigkill_while_embedding_leaves_the_previous_index(copy, encoder):
    before = len(Index.load(copy, encoder=encoder).chunks)
    # a new chunk size means every chunk is embedded again: a long build to kill
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "index", "build", "--index", str(copy), "--max-chars", "300"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    seen = []

    def embedding():
        line = proc.stderr.readline()
        seen.append(line)
        return "embed" in line or "tokenize" in line

    _kill_when(proc, embedding)
    _assert_still_live(copy, encoder, before)


def test_sigkill_while_writing_leaves_the_previous_index(copy, encoder, tmp_path):
    before = len(Index.load(copy, encoder=encoder).chunks)
    marker = tmp_path / "writing"
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from index import store

        def write(build):
            (build / "chunks.jsonl").write_text("half a build\\n")
            (build / "config.json").write_text("{{}}")
            Path({str(marker)!r}).write_text("now")
            time.sleep(600)

        store.write_atomically(Path({str(copy)!r}), write)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    _kill_when(proc, marker.exists)
    assert len(list(copy.glob("build-*"))) == 2  # the half-written build is there, but not live
    _assert_still_live(copy, encoder, before)


def test_next_build_removes_what_a_killed_build_left(copy, encoder, docs):
    from index.build import build_index

    stale = copy / "build-19990101T000000-dead"
    stale.mkdir()
    (stale / "chunks.jsonl").write_text("half\n")
    build_index(docs, copy, encoder=encoder)
    assert not stale.exists()
    assert {p.name for p in copy.glob("build-*")} == {store.current_build_name(copy), store.previous_build_name(copy)}
