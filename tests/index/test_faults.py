"""Fault suite: concurrent writers, damaged files of every kind, hostile plan files.

Writers and readers are real `assistant` processes on copies of the real index.
``FAULT_ROUNDS`` sets how many randomized concurrent rounds run (CI: 2; the
target of 50 runs is `python -m eval.faults --runs 50`).
"""

import json
import os
import random
import shutil
import subprocess
import sys
import time

import pytest

from corpus.errors import IndexStateError
from index import integrity, snapshot, store
from index.search import Index
from index.verify import rollback, verify

pytestmark = pytest.mark.slow
ROUNDS = int(os.environ.get("FAULT_ROUNDS", "2"))
CLI = [sys.executable, "-m", "assistant"]


def plan(city: str, topic: str) -> str:
    return f"---\ncity: {city}\n---\n# 第1章 はじめに\n{city}は{topic}を令和8年度に始めます。\n"


@pytest.fixture
def copy(built_index, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(built_index[0], folder)
    return folder


def _start(args: list[str], delay: float) -> subprocess.Popen:
    time.sleep(delay)
    return subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(procs) -> list[tuple[int, str]]:
    out = []
    for p in procs:
        _, err = p.communicate(timeout=600)
        out.append((p.returncode, err))
    return out


def _cities(folder) -> set[str]:
    return {row["city"] for row in snapshot.load(folder).documents.values()}


def _assert_whole(folder):
    report = verify(folder)
    assert report.ok, report.live.problems
    builds = {p.name for p in folder.glob("build-*")}
    assert builds <= {store.current_build_name(folder), store.previous_build_name(folder)}, builds


def test_concurrent_adds_and_removes_lose_no_plan(copy, tmp_path):
    rng = random.Random(20261130)
    before = _cities(copy)
    expected = set(before)
    for round_ in range(ROUNDS):
        names = [f"試験{round_}{i}市" for i in range(3)]
        files = []
        for i, city in enumerate(names):
            files.append(tmp_path / f"r{round_}_{i}.md")
            files[-1].write_text(plan(city, f"施策{round_}{i}"), encoding="utf-8")
        jobs = [["index", "add", str(f), "--index", str(copy), "--quiet"] for f in files]
        if round_:  # from the second round on, one writer removes a plan added before
            jobs.append(["index", "remove", f"試験{round_ - 1}0市", "--index", str(copy), "--quiet"])
            expected.discard(f"試験{round_ - 1}0市")
        rng.shuffle(jobs)
        results = _finish([_start(job, rng.uniform(0, 0.8)) for job in jobs])
        assert all(rc == 0 for rc, _ in results), results
        assert any("waiting: another writer" in err for _, err in results)  # they did overlap
        expected |= set(names)
        assert _cities(copy) == expected
        _assert_whole(copy)


def test_concurrent_builds_leave_one_whole_index(copy, encoder):
    rng = random.Random(7)
    for _ in range(ROUNDS):
        procs = [_start(["index", "build", "--index", str(copy), "--quiet"], rng.uniform(0, 0.5)) for _ in range(2)]
        results = _finish(procs)
        assert all(rc == 0 for rc, _ in results), results
        _assert_whole(copy)
        assert len(Index.load(copy, encoder=encoder).search("コンビニ交付", k=1)) == 1


def test_no_wait_refuses_while_another_writer_holds_the_lock(copy):
    from index.lock import WriterLock

    with WriterLock(copy):
        out = subprocess.run([*CLI, "index", "build", "--index", str(copy), "--no-wait", "--quiet"],
                             capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "another writer" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_a_writer_killed_while_holding_the_lock_does_not_block_the_next(copy, tmp_path):
    script = ("import sys, time; from pathlib import Path; from index.lock import WriterLock\n"
              f"lock = WriterLock(Path({str(copy)!r})).acquire(); print('locked', flush=True); time.sleep(600)")
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait(timeout=30)
    new = tmp_path / "after.md"
    new.write_text(plan("後継市", "ドローン配送"), encoding="utf-8")
    out = subprocess.run([*CLI, "index", "add", str(new), "--index", str(copy), "--no-wait", "--quiet"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "後継市" in _cities(copy)


# -- damaged files -----------------------------------------------------------------
def _files(folder) -> list[str]:
    return sorted(integrity.read_seal(store.live_dir(folder), "")["files"])


def _damage(path, how: str) -> None:
    data = path.read_bytes()
    if how == "empty":
        path.write_bytes(b"")
    elif how == "short":
        path.write_bytes(data[: len(data) // 2])
    else:  # one byte flipped in the middle: the size stays the same
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0x5A
        path.write_bytes(bytes(flipped))


@pytest.mark.parametrize("how", ["empty", "short", "flipped"])
def test_every_damaged_file_is_refused_in_one_line(copy, how, encoder):
    names = _files(copy)
    assert {"chunks.jsonl", "sources.jsonl", "documents.jsonl", "dense.faiss", "config.json", "bm25/ptr.npy"} <= set(names)
    live = store.live_dir(copy)
    pristine = copy.parent / "pristine"
    shutil.copytree(live, pristine)
    for name in names:
        _damage(live / name, how)
        with pytest.raises(IndexStateError) as caught:
            Index.load(copy, encoder=encoder)
        message = str(caught.value)
        assert "\n" not in message and ("assistant index" in message), (name, message)
        assert not verify(copy).ok
        shutil.copy2(pristine / name, live / name)
    assert verify(copy).ok


@pytest.mark.parametrize("pointer", [b"\xff\xfe\x00", b"build-19990101T000000-1-dead", b"../../etc", b""])
def test_a_damaged_current_pointer_is_one_line_from_the_cli(copy, pointer):
    (copy / store.POINTER).write_bytes(pointer)
    out = subprocess.run([*CLI, "search", "コンビニ交付", "--index", str(copy)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and out.stderr.startswith("error: ") and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "assistant index build" in out.stderr


def test_a_missing_or_garbled_seal_is_refused(copy, encoder):
    live = store.live_dir(copy)
    (live / integrity.SEAL).write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexStateError, match="files.json is damaged"):
        Index.load(copy, encoder=encoder)
    (live / integrity.SEAL).unlink()
    with pytest.raises(IndexStateError, match="incomplete"):
        Index.load(copy, encoder=encoder)


def test_add_on_a_short_sources_file_is_refused_and_changes_nothing(copy, tmp_path):
    live = store.live_dir(copy)
    source = live / "sources.jsonl"
    source.write_bytes(source.read_bytes()[:1000])
    new = tmp_path / "new.md"
    new.write_text(plan("新規市", "ドローン配送"), encoding="utf-8")
    out = subprocess.run([*CLI, "index", "add", str(new), "--index", str(copy), "--quiet"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "sources.jsonl" in out.stderr and "Traceback" not in out.stderr
    assert store.current_build_name(copy) == live.name  # nothing was rebuilt from the short file


def test_rollback_brings_back_the_previous_build(copy, tmp_path, encoder):
    new = tmp_path / "new.md"
    new.write_text(plan("新規市", "ドローン配送"), encoding="utf-8")
    from assistant.core import add_plans

    first = store.current_build_name(copy)
    add_plans([new], copy)
    assert store.previous_build_name(copy) == first
    _damage(store.live_dir(copy) / "dense.faiss", "flipped")
    with pytest.raises(IndexStateError, match="assistant index rollback"):
        Index.load(copy, encoder=encoder)
    out = subprocess.run([*CLI, "index", "verify", "--index", str(copy), "--json"], capture_output=True, text=True,
                         timeout=300)
    report = json.loads(out.stdout)
    assert out.returncode == 1 and not report["ok"] and report["previous"]["problems"] == []
    assert any("dense.faiss" in p for p in report["live"]["problems"])
    check = rollback(copy)
    assert check.build == first and store.current_build_name(copy) == first
    assert "新規市" not in _cities(copy) and Index.load(copy, encoder=encoder).search("コンビニ交付", k=1)


# -- hostile plan files --------------------------------------------------------------
def test_fifo_and_dev_zero_are_refused_at_once(copy, tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.md"
    zero.symlink_to("/dev/zero")
    before = store.current_build_name(copy)
    out = subprocess.run([*CLI, "index", "add", str(fifo), "/dev/zero", str(zero), "/etc/passwd", "--index", str(copy)],
                         capture_output=True, text=True, timeout=120)  # a FIFO would hang, /dev/zero would fill memory
    assert out.returncode == 2 and "Traceback" not in out.stderr
    for reason in ("FIFO", "character device", "no file extension"):
        assert reason in out.stderr
    assert store.current_build_name(copy) == before


def test_a_two_megabyte_one_line_plan_makes_a_small_index(copy, tmp_path, encoder):
    # 50-character sentences, so most 500-character chunks are the same text and embed once
    unit = "山田市の地域情報化計画では、コンビニ交付と電子申請、公衆無線LANの整備を進めます。"
    line = (unit * (700_000 // len(unit) + 1))[:700_000]
    path = tmp_path / "oneline.txt"
    path.write_text(line, encoding="utf-8")
    assert path.stat().st_size > 2_000_000
    from assistant.core import add_plans

    report = add_plans([path], copy)
    assert report.documents == 6 and report.encoded < 20
    live = store.live_dir(copy)
    size = sum(p.stat().st_size for p in live.rglob("*") if p.is_file())
    assert size < 16_000_000, size  # before: the whole line was each chunk's title, 3 GB
    index = Index.load(copy, encoder=encoder)
    titles = {c.doc_title for c in index.chunks if c.city == "山田市"}
    assert len(titles) == 1 and len(titles.pop()) <= 200
    assert index.search("山田市 コンビニ交付", k=3)[0].city == "山田市"
