"""Bounded load test and memory soak of the web UI through its API (``python -m eval.load``).

Load (default): ``--clients`` threads each hold their own Gradio client and ask
questions in a loop (staff answers and citizen chat, alternating) for
``--seconds``; prints requests, errors, throughput and p50/p95 latency.

    assistant ui --port 7860 &
    python -m eval.load --url http://127.0.0.1:7860 --clients 20 --seconds 60

Soak (``--soak``, 20 clients for 600 s unless told otherwise): varied traffic
(the eval set's 68 questions, a never-seen variant every 4th request, a long
run of several questions every 8th, a city filter now and then, chat history
carried for a few turns) while the server's resident memory (VmRSS, from
``/proc/PID/status``) is read every ``--every`` seconds. Prints RSS over time, requests, errors, p50/p95, and
the growth after warm-up: RSS at the end against RSS at 20 % of the run, with
a least-squares slope in MB/min over the same window. It passes when growth is
at most ``--max-growth`` % (10) and no request failed; the exit status says so.

The server: with ``--url`` and ``--pid`` the soak watches a running
``assistant ui``; without ``--url`` it starts ``python -m assistant ui`` itself
on a free 127.0.0.1 port (``--index``, else ``ASSISTANT_INDEX_DIR``), and stops it
at the end.

    python -m eval.load --soak                                   # own server, 20 clients, 10 min
    python -m eval.load --soak --seconds 120 --index /tmp/idx --json
    python -m eval.load --soak --url http://127.0.0.1:7860 --pid 12345

Traffic goes to this machine only (the URL's host must be 127.0.0.1 or
localhost), with at most ``MAX_CLIENTS`` clients for at most ``MAX_SECONDS``.
RSS is read from ``/proc``, so the soak needs Linux.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

from eval.bench import percentile

QUESTIONS = [
    "コンビニ交付を計画している市は？",
    "テレワークに取り組む自治体はどこ？",
    "市役所に行かずに手続きできますか",
    "新発田市のAIチャットボットの取り組みは？",
    "オープンデータの公開を進めている市は？",
    "市営プールの営業時間を教えてください",
]
EVAL_SET = Path(__file__).with_name("questions.jsonl")
MAX_CLIENTS = 64
MAX_SECONDS = 7200
WARM_UP = 0.2  # share of a soak before the growth is measured
LOOPBACK = ("127.0.0.1", "localhost")
PORTS = range(7881, 7890)  # tried first for a server the soak starts


@dataclass(frozen=True)
class LoadReport:
    clients: int
    seconds: float
    requests: int
    errors: int
    per_second: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    first_error: str | None = None


@dataclass(frozen=True)
class SoakReport:
    load: LoadReport
    samples: list[tuple[float, float]]  # (seconds since start, RSS MB)
    rss_start_mb: float  # before the first request
    rss_warm_mb: float  # at WARM_UP of the run
    rss_end_mb: float
    rss_peak_mb: float
    growth_pct: float  # end against warm
    slope_mb_per_min: float  # least squares over the samples after warm-up
    max_growth_pct: float
    passed: bool


def check_url(url: str) -> str:
    host = urlparse(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"load goes to this machine only: use http://127.0.0.1:PORT, not {url}")
    return url


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (VmRSS)."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise ProcessLookupError(pid)


def soak_questions() -> list[str]:
    """The eval set's questions (varied lengths and kinds), then the load test's."""
    with EVAL_SET.open(encoding="utf-8") as fh:
        asked = [json.loads(line)["question"] for line in fh if line.strip()]
    return list(dict.fromkeys(asked + QUESTIONS))


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False)  # staff CSVs would pile up in /tmp/gradio


def _worker(url: str, n: int, stop_at: float, latencies: list[float], errors: list[str], lock: threading.Lock,
            questions: list[str], varied: bool) -> None:
    try:
        client = _client(url)
    except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
        with lock:
            errors.append(f"connect: {exc!r}")
        return
    i, history = n, []
    while time.monotonic() < stop_at:
        question = questions[i % len(questions)]
        if varied and i % 8 == 7:  # a long one: several questions in a row (up to ~400 characters)
            question = "".join(questions[(i + k) % len(questions)] for k in range(1 + (7 * i + n) % 12))
        if varied and i % 4 == 3:  # a question nobody asked yet: misses the server's query cache
            question = f"{question}（{n}-{i}）"
        started = time.perf_counter()
        try:
            if i % 2:
                cities = [] if not varied or i % 3 else [["根室市"], ["東御市", "各務原市"]][i // 3 % 2]
                client.predict(question, cities, "hybrid", api_name="/staff")
            else:
                reply = client.predict(question, history if varied else [], api_name="/chat")
                history = reply[0] if varied and len(reply[0]) < 8 else []  # a few turns, then a new chat
            with lock:
                latencies.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001
            with lock:
                errors.append(repr(exc))
        i += 1


def run(url: str, clients: int = 20, seconds: float = 60.0, questions: list[str] | None = None,
        varied: bool = False) -> LoadReport:
    """``clients`` concurrent API clients for ``seconds``; ``varied`` mixes new questions, filters and history."""
    check_url(url)
    clients, seconds = min(clients, MAX_CLIENTS), min(seconds, MAX_SECONDS)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + seconds
    args = (stop_at, latencies, errors, lock, questions or QUESTIONS, varied)
    threads = [threading.Thread(target=_worker, args=(url, n, *args), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 300)
    elapsed = time.monotonic() - started
    ms = [x * 1000 for x in latencies] or [0.0]
    return LoadReport(clients, round(elapsed, 1), len(latencies) + len(errors), len(errors),
                      round(len(latencies) / elapsed, 2), round(percentile(ms, 50), 1), round(percentile(ms, 95), 1),
                      round(max(ms), 1), errors[0] if errors else None)


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) points, in MB per minute (0 for fewer than two points)."""
    if len(points) < 2:
        return 0.0
    mx = sum(t for t, _ in points) / len(points)
    my = sum(v for _, v in points) / len(points)
    var = sum((t - mx) ** 2 for t, _ in points)
    return 60 * sum((t - mx) * (v - my) for t, v in points) / var if var else 0.0


def summarize(load: LoadReport, samples: list[tuple[float, float]], start_mb: float, seconds: float,
              max_growth: float = 10.0) -> SoakReport:
    """Growth after warm-up: the samples from WARM_UP of ``seconds`` on."""
    after = [s for s in samples if s[0] >= WARM_UP * seconds] or samples[-1:]
    warm, end = after[0][1], after[-1][1]
    growth = 100 * (end - warm) / warm if warm else 0.0
    return SoakReport(load, samples, round(start_mb, 1), round(warm, 1), round(end, 1),
                      round(max(v for _, v in samples), 1), round(growth, 2), round(slope(after), 2), max_growth,
                      growth <= max_growth and load.errors == 0)


def soak(url: str, pid: int, clients: int = 20, seconds: float = 600.0, every: float = 5.0,
         max_growth: float = 10.0, questions: list[str] | None = None) -> SoakReport:
    """Varied load on ``url`` while the RSS of server process ``pid`` is sampled every ``every`` seconds."""
    samples: list[tuple[float, float]] = []
    done = threading.Event()
    start_mb = rss_mb(pid)
    started = time.monotonic()

    def sample() -> None:
        try:
            while True:
                samples.append((round(time.monotonic() - started, 1), round(rss_mb(pid), 1)))
                if done.is_set():  # that was the sample at the end of the load
                    return
                done.wait(every)
        except OSError:  # the server is gone: its requests fail and say so
            return

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    load = run(url, clients, seconds, questions or soak_questions(), varied=True)
    done.set()
    watcher.join()
    return summarize(load, samples, start_mb, seconds, max_growth)


# -- a server of our own -------------------------------------------------------
def free_port() -> int:
    """A free 127.0.0.1 port, from PORTS when one is free."""
    for port in [*PORTS, 0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise OSError("no free port on 127.0.0.1")


def start_server(index: str | Path | None = None, port: int | None = None, timeout: float = 300.0,
                 env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """``python -m assistant ui`` on 127.0.0.1 in a subprocess; returns (process, url) once it answers."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "assistant", "ui", "--host", "127.0.0.1", "--port", str(port)]
    if index:
        cmd += ["--index", str(index)]
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryFile() as log:  # the server's output, shown if it fails to start
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"the UI server exited ({proc.returncode}): {log.read().decode(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(url + "/config", timeout=5):
                    return proc, url
            except OSError:
                time.sleep(1)
    stop_server(proc)
    raise TimeoutError(f"the UI server did not answer on {url} within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- command line --------------------------------------------------------------
def _print_load(report: LoadReport) -> None:
    print(f"{report.clients} clients for {report.seconds}s: {report.requests} requests, {report.errors} errors, "
          f"{report.per_second}/s, latency p50 {report.p50_ms} ms, p95 {report.p95_ms} ms, max {report.max_ms} ms")
    if report.first_error:
        print(f"first error: {report.first_error}")


def _print_soak(report: SoakReport) -> None:
    step = max(1, len(report.samples) // 20)
    print("   s   RSS MB")
    for t, mb in report.samples[::step] + ([report.samples[-1]] if (len(report.samples) - 1) % step else []):
        print(f"{t:6.0f} {mb:8.1f}")
    _print_load(report.load)
    print(f"RSS {report.rss_start_mb} MB before load, {report.rss_warm_mb} MB after warm-up ({WARM_UP:.0%}), "
          f"{report.rss_end_mb} MB at the end (peak {report.rss_peak_mb}): growth {report.growth_pct} %, "
          f"slope {report.slope_mb_per_min} MB/min")
    print(f"target: growth <= {report.max_growth_pct} % after warm-up and 0 errors: {'PASS' if report.passed else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="the running UI (default http://127.0.0.1:7860; with --soak, none: start one)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, help="duration (default 60, with --soak 600)")
    ap.add_argument("--soak", action="store_true", help="watch the server's memory under varied load")
    ap.add_argument("--pid", type=int, help="with --soak and --url: the server's process id")
    ap.add_argument("--index", help="with --soak and no --url: index of the server to start (env ASSISTANT_INDEX_DIR)")
    ap.add_argument("--every", type=float, default=5.0, help="seconds between RSS samples (default 5)")
    ap.add_argument("--max-growth", type=float, default=10.0, help="percent RSS growth allowed after warm-up (default 10)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not args.soak:
        report = run(check_url(args.url or "http://127.0.0.1:7860"), args.clients, args.seconds or 60.0)
        if args.json:
            print(json.dumps(asdict(report), ensure_ascii=False))
        else:
            _print_load(report)
        return 1 if report.errors else 0
    if args.url and not args.pid:
        ap.error("--soak with --url needs --pid (the server's process id), or leave out --url to start a server")
    proc = None
    if args.url:
        url, pid = check_url(args.url), args.pid
    else:
        print("starting `assistant ui` (index and model load) ...", file=sys.stderr)
        proc, url = start_server(args.index)
        pid = proc.pid
    try:
        report = soak(url, pid, args.clients, args.seconds or 600.0, args.every, args.max_growth)
    finally:
        if proc is not None:
            stop_server(proc)
    if args.json:
        print(json.dumps(asdict(report), ensure_ascii=False))
    else:
        _print_soak(report)
    return 0 if report.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
