"""Resumable embedding shards: a killed build resumes, damaged shards are embedded again, work folders go.

The fast tests use a deterministic fake encoder; the slow ones the real model on one plan (44 chunks)
with shards of 8 texts (``ASSISTANT_EMBED_SHARD``), so that a build has six of them.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from corpus.documents import BUNDLED_DIR, scan_folder
from index import dense, shards, store
from index.build import build_index, text_key

SIZE = 8
CITIES = ("新発田市",)  # the smallest plan: 44 chunks
N = 44


class Killed(Exception):
    """What a killed build looks like to its caller."""


class Counting:
    """An encoder that counts the texts it embeds and 'dies' on call ``die_at``: the real one, or a fake."""

    def __init__(self, encoder=None, die_at: int | None = None):
        self.encoder, self.die_at, self.calls, self.texts = encoder, die_at, 0, 0

    def __getattr__(self, name):
        if self.encoder is None:
            return {"name": "fake", "fingerprint": "fake0000", "backend": "fake-cpu", "dim": 8}[name]
        return getattr(self.encoder, name)

    def encode_passages(self, texts, progress=False):
        self.calls += 1
        if self.calls == self.die_at:
            raise Killed
        self.texts += len(texts)
        if self.encoder is not None:
            return self.encoder.encode_passages(texts, progress=progress)
        rows = [np.random.default_rng(int(text_key(t), 16) % 2**32).standard_normal(8) for t in texts]
        return np.asarray(rows, dtype=np.float32)


@pytest.fixture
def small(docs):
    return [d for d in docs if d.city in CITIES]


@pytest.fixture
def sharded(monkeypatch):
    monkeypatch.setenv(shards.SHARD_ENV, str(SIZE))


def _vectors(folder):
    return dense.all_vectors(dense.load_faiss(store.live_dir(folder) / "dense.faiss"))


def _work(folder):
    found = list(folder.glob(f"{shards.PREFIX}*"))
    assert len(found) <= 1, found
    return found[0] if found else None


# -- fast: the fake encoder ----------------------------------------------------------------
def test_a_shard_round_trips_and_vouches_for_its_keys(tmp_path):
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    shards.write_shard(tmp_path, 0, ["a", "b", "c"], vectors, "fp", "cpu")
    assert np.array_equal(shards.read_shard(tmp_path, 0, ["a", "b", "c"], "fp", "cpu"), vectors)
    assert shards.read_shard(tmp_path, 0, ["a", "b", "x"], "fp", "cpu") is None  # other keys
    assert shards.read_shard(tmp_path, 0, ["a", "b", "c"], "other", "cpu") is None  # other model
    assert shards.read_shard(tmp_path, 0, ["a", "b", "c"], "fp", "cuda") is None  # other backend
    assert shards.read_shard(tmp_path, 1, ["a"], "fp", "cpu") is None  # never written
    assert not list(tmp_path.glob(".*tmp*"))
    with pytest.raises(ValueError):
        shards.write_shard(tmp_path, 1, ["a"], np.array([[np.nan]], dtype=np.float32), "fp", "cpu")


def test_a_pickled_npy_is_refused_even_with_a_matching_checksum(tmp_path):
    shards.write_shard(tmp_path, 0, ["a"], np.ones((1, 2), np.float32), "fp", "cpu")
    npy, meta = tmp_path / "shard-00000.npy", tmp_path / "shard-00000.json"
    np.save(npy, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    info = json.loads(meta.read_text())
    info["sha256"] = hashlib.sha256(npy.read_bytes()).hexdigest()
    meta.write_text(json.dumps(info))
    assert shards.read_shard(tmp_path, 0, ["a"], "fp", "cpu") is None


def test_a_killed_build_resumes_with_the_fake_encoder(docs, sharded, tmp_path):
    folder = tmp_path / "index"
    with pytest.raises(Killed):
        build_index(docs, folder, encoder=Counting(die_at=4))  # three shards written, the fourth dies
    assert not (folder / store.POINTER).exists()
    assert len(list(_work(folder).glob("shard-*.json"))) == 3
    again = Counting()
    report = build_index(docs, folder, encoder=again)
    assert report.resumed == 3 * SIZE and report.encoded == again.texts
    assert report.encoded + report.resumed == len({row["embed_key"] for row in
                                                    store.read_jsonl(store.live_dir(folder) / "chunks.jsonl")})
    assert again.calls == -(-(report.encoded + report.resumed) // SIZE) - 3
    assert _work(folder) is None  # removed once the build is live
    whole = tmp_path / "whole"
    build_index(docs, whole, encoder=Counting())
    assert np.array_equal(_vectors(folder), _vectors(whole))


def test_an_unchanged_rebuild_makes_no_work_folder(docs, tmp_path):
    folder = tmp_path / "index"
    build_index(docs[:1], folder, encoder=Counting())
    counting = Counting()
    assert build_index(docs[:1], folder, encoder=counting).encoded == 0 and counting.calls == 0
    assert _work(folder) is None


def test_stale_work_folders_go_and_useful_ones_stay(tmp_path):
    def work(name, keys, age=0.0):
        folder = tmp_path / f"{shards.PREFIX}{name}"
        folder.mkdir()
        if keys:
            shards.write_shard(folder, 0, keys, np.ones((len(keys), 2), np.float32), "fp", "cpu")
        for path in [folder, *folder.iterdir()]:
            os.utime(path, (time.time() - age, time.time() - age))
        return folder

    done = work("done", ["a", "b"])  # all its vectors are in the live index now
    empty = work("empty", [])  # nothing finished in it
    old = work("old", ["x"], age=shards.STALE_SECONDS + 60)  # another corpus, abandoned long ago
    recent = work("recent", ["y"], age=3600)  # another corpus, killed an hour ago: it may be run again
    (tmp_path / "build-20260101T000000-1-abcd").mkdir()
    store.remove_stale(tmp_path)  # the builds' cleaner never touches work folders
    assert all(p.exists() for p in (done, empty, old, recent))
    removed = shards.remove_stale(tmp_path, {"a", "b", "c"})
    assert sorted(removed) == sorted(p.name for p in (done, empty, old)) and recent.exists()


# -- slow: the real model ------------------------------------------------------------------
@pytest.fixture(scope="module")
def whole(tmp_path_factory, docs, encoder):
    """An uninterrupted build of the plan, in shards of 8."""
    os.environ[shards.SHARD_ENV] = str(SIZE)
    try:
        folder = tmp_path_factory.mktemp("whole")
        report = build_index([d for d in docs if d.city in CITIES], folder, encoder=encoder)
    finally:
        del os.environ[shards.SHARD_ENV]
    assert report.encoded == report.chunks == N
    return folder


@pytest.mark.slow
def test_a_build_killed_mid_embedding_resumes_without_embedding_again(small, encoder, whole, sharded, tmp_path):
    folder = tmp_path / "index"
    with pytest.raises(Killed):
        build_index(small, folder, encoder=Counting(encoder, die_at=3))
    again = Counting(encoder)
    report = build_index(small, folder, encoder=again)
    assert (report.resumed, report.encoded, again.texts) == (2 * SIZE, N - 2 * SIZE, N - 2 * SIZE)
    assert np.array_equal(_vectors(folder), _vectors(whole))
    assert _work(folder) is None


@pytest.mark.slow
def test_a_sigkilled_build_resumes_from_the_shards_it_wrote(encoder, whole, sharded, tmp_path):
    corpus, folder = tmp_path / "plans", tmp_path / "index"
    corpus.mkdir()
    for doc in scan_folder(BUNDLED_DIR)[0]:
        if doc.city in CITIES:
            shutil.copy(BUNDLED_DIR / doc.doc_id, corpus)
    shutil.copy(BUNDLED_DIR / "manifest.json", corpus)
    env = {**os.environ, shards.SHARD_ENV: str(SIZE)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "index", "build", "--corpus", str(corpus), "--index",
                             str(folder), "--quiet", "--device", "cpu"], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not list(folder.glob(f"{shards.PREFIX}*/shard-*.json")) and proc.poll() is None:
        assert time.monotonic() < deadline, "no shard was written"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL and not (folder / store.POINTER).exists()
    finished = len(list(_work(folder).glob("shard-*.json")))
    docs = scan_folder(corpus)[0]
    assert [d.city for d in docs] == list(CITIES)
    again = Counting(encoder)
    report = build_index(docs, folder, encoder=again)
    assert 1 <= finished < 6 and report.resumed == finished * SIZE and again.texts == N - finished * SIZE
    assert np.array_equal(_vectors(folder), _vectors(whole))


@pytest.mark.slow
def test_damaged_shards_are_embedded_again_not_trusted(small, encoder, whole, sharded, tmp_path):
    folder = tmp_path / "index"
    with pytest.raises(Killed):
        build_index(small, folder, encoder=Counting(encoder, die_at=5))  # shards 0-3 written
    work = _work(folder)
    npy = work / "shard-00000.npy"
    raw = bytearray(npy.read_bytes())
    raw[-5] ^= 0x40  # a flipped bit in a vector: still finite, caught by the checksum
    npy.write_bytes(bytes(raw))
    (work / "shard-00001.npy").write_bytes((work / "shard-00001.npy").read_bytes()[:200])  # cut short
    meta = json.loads((work / "shard-00002.json").read_text())
    bad = np.full((meta["rows"], meta["dim"]), np.nan, dtype=np.float32)  # NaNs with a matching checksum
    np.save(work / "shard-00002.npy", bad, allow_pickle=False)
    meta["sha256"] = hashlib.sha256((work / "shard-00002.npy").read_bytes()).hexdigest()
    (work / "shard-00002.json").write_text(json.dumps(meta))
    again = Counting(encoder)
    report = build_index(small, folder, encoder=again)
    assert (report.resumed, again.texts) == (SIZE, N - SIZE)  # only shard 3 was trusted
    assert np.array_equal(_vectors(folder), _vectors(whole))
