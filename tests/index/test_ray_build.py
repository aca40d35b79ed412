"""Ray builds: the same index as a single-process build, through a killed worker and a killed driver.

The slow tests run a local Ray with 2 CPUs in this process (two workers holding the real model) on
one plan (44 chunks) in shards of 8 texts, so that a build has six of them.
"""

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from corpus.documents import BUNDLED_DIR, scan_folder
from index import dense, shards, store
from index.build import build_index

SIZE, CITY, N = 8, "新発田市", 44
SAME_FILES = ("documents.jsonl", "sources.jsonl", "chunks.jsonl", "bm25", "bm25_chars")
CLI = [sys.executable, "-m", "assistant"]


# -- fast: no Ray started, no model ----------------------------------------------------------
def test_without_ray_installed_the_cli_says_what_to_install_in_one_line(tmp_path):
    script = ("import sys; sys.modules['ray'] = None\nfrom assistant.cli import main\n"
              f"sys.exit(main(['index', 'build', '--ray', 'auto', '--index', {str(tmp_path / 'i')!r}]))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stderr == "error: --ray needs Ray, which is not installed: pip install '.[cluster]'\n"
    assert not (tmp_path / "i").exists()


def test_plain_builds_never_import_ray():
    script = "import sys, index.build, assistant.cli, assistant.core; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_workers_without_ray_is_refused(tmp_path):
    out = subprocess.run([*CLI, "index", "build", "--workers", "2", "--index", str(tmp_path / "i")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "--workers needs --ray" in out.stderr


def test_an_unreachable_cluster_is_one_line_at_once(tmp_path):
    pytest.importorskip("ray")
    corpus = tmp_path / "plans"
    corpus.mkdir()
    (corpus / "a.md").write_text("---\ncity: 架空市\n---\n# 第1章\n架空市はコンビニ交付を令和8年度に始めます。\n", encoding="utf-8")
    started = time.monotonic()
    out = subprocess.run([*CLI, "index", "build", "--ray", "127.0.0.1:1", "--corpus", str(corpus), "--index",
                          str(tmp_path / "i"), "--quiet"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and time.monotonic() - started < 60
    assert out.stderr.startswith("error: cannot reach the Ray cluster at 127.0.0.1:1") and out.stderr.count("\n") == 1


def test_pieces_are_multiples_of_the_batch_and_about_four_per_worker():
    from index.distributed.ray_build import PIECE_MAX, piece_size

    assert piece_size(419, 2) == 64 and piece_size(419, 1) == 112 and piece_size(44, 2) == 16
    assert piece_size(3, 8) == 16 and piece_size(10**6, 2) == PIECE_MAX


# -- slow: a local Ray, the real model -----------------------------------------------------
@pytest.fixture(scope="module")
def ray_session():
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def plan(docs):
    return [d for d in docs if d.city == CITY]


@pytest.fixture(scope="module")
def single(tmp_path_factory, plan, encoder):
    """The single-process build of the plan: the reference."""
    folder = tmp_path_factory.mktemp("single")
    assert build_index(plan, folder, encoder=encoder).encoded == N
    return store.live_dir(folder)


@pytest.fixture
def sharded(monkeypatch):
    monkeypatch.setenv(shards.SHARD_ENV, str(SIZE))


def _runner():
    from index.distributed.ray_build import RayRunner

    return RayRunner("auto", workers=2)


def _assert_same_index(folder: Path, single: Path, files=SAME_FILES):
    build = store.live_dir(folder)
    ours = dense.all_vectors(dense.load_faiss(build / "dense.faiss"))
    reference = dense.all_vectors(dense.load_faiss(single / "dense.faiss"))
    assert ours.shape == reference.shape and (ours * reference).sum(1).min() >= 0.9999
    for name in files:
        for path in sorted((single / name).rglob("*")) if (single / name).is_dir() else [single / name]:
            assert (build / path.relative_to(single)).read_bytes() == path.read_bytes(), path.name
    config, expected = (json.loads((b / store.CONFIG).read_text()) for b in (build, single))
    assert config["model"] == expected["model"] and config["counts"] == expected["counts"]


def _kill_session(sid: int) -> None:
    """SIGKILL every process of session ``sid``: the driver we started and the local Ray it started."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            session = int(stat.read_text().rsplit(")", 1)[1].split()[3])
            if session == sid:
                os.kill(int(stat.parent.name), signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            continue


@pytest.mark.slow
def test_a_killed_driver_resumes_from_the_shards_it_wrote(plan, single, encoder, sharded, tmp_path, request):
    pytest.importorskip("ray")
    corpus, folder = tmp_path / "plans", tmp_path / "index"
    corpus.mkdir()
    (corpus / plan[0].doc_id).write_bytes((BUNDLED_DIR / plan[0].doc_id).read_bytes())
    (corpus / "manifest.json").write_bytes((BUNDLED_DIR / "manifest.json").read_bytes())
    driver = subprocess.Popen([*CLI, "index", "build", "--ray", "auto", "--workers", "2", "--corpus", str(corpus),
                               "--index", str(folder), "--quiet"], stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not list(folder.glob(f"{shards.PREFIX}*/shard-*.json")) and driver.poll() is None:
            assert time.monotonic() < deadline, "no shard was written"
            time.sleep(0.05)
    finally:
        _kill_session(driver.pid)
        driver.communicate(timeout=60)
    assert driver.returncode == -signal.SIGKILL and not (folder / store.POINTER).exists()
    finished = len(list(folder.glob(f"{shards.PREFIX}*/shard-*.json")))
    assert 1 <= finished < N / SIZE
    docs = scan_folder(corpus)[0]
    assert [d.city for d in docs] == [CITY]
    request.getfixturevalue("ray_session")
    with _runner() as runner:
        report = build_index(docs, folder, encoder=encoder, runner=runner)
    assert (report.resumed, report.encoded) == (finished * SIZE, N - finished * SIZE)
    _assert_same_index(folder, single, [f for f in SAME_FILES if f != "documents.jsonl"])  # it holds the plan's path


@pytest.mark.slow
def test_a_ray_build_makes_the_same_index_as_a_single_process_build(ray_session, plan, single, encoder, tmp_path):
    folder = tmp_path / "index"
    with _runner() as runner:
        report = build_index(plan, folder, encoder=encoder, runner=runner)
        assert [info["threads"] for info in runner.infos] == [1, 1]  # 2 CPUs / 2 workers
        assert len({info["pid"] for info in runner.infos}) == 2
    assert (report.encoded, report.resumed) == (N, 0)
    _assert_same_index(folder, single)
    with _runner() as runner:  # nothing left to embed: no worker is started
        assert build_index(plan, folder, encoder=encoder, runner=runner).encoded == 0 and runner.actors == []


@pytest.mark.slow
def test_a_worker_killed_mid_run_does_not_stop_the_build(ray_session, plan, single, encoder, sharded, tmp_path,
                                                         monkeypatch):
    from index.distributed.ray_build import TEST_EXIT_ENV

    marker = tmp_path / "a-worker-died"
    monkeypatch.setenv(TEST_EXIT_ENV, str(marker))  # the first worker to take a piece exits (os._exit)
    folder = tmp_path / "index"
    with _runner() as runner:
        report = build_index(plan, folder, encoder=encoder, runner=runner)
    assert marker.exists() and (report.encoded, report.resumed) == (N, 0)
    _assert_same_index(folder, single)
