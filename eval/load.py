"""Bounded load test of the running web UI through its API (``python -m eval.load``).

``clients`` threads each hold their own Gradio client and ask questions in a
loop (staff answers and citizen chat, alternating) until ``seconds`` have
passed; prints requests, errors, throughput and p50/p95 latency.

    assistant ui --port 7860 &
    python -m eval.load --url http://127.0.0.1:7860 --clients 20 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import asdict, dataclass

from eval.bench import percentile

QUESTIONS = [
    "コンビニ交付を計画している市は？",
    "テレワークに取り組む自治体はどこ？",
    "市役所に行かずに手続きできますか",
    "新発田市のAIチャットボットの取り組みは？",
    "オープンデータの公開を進めている市は？",
    "市営プールの営業時間を教えてください",
]


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


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False)


def _worker(url: str, n: int, stop_at: float, latencies: list[float], errors: list[str], lock: threading.Lock) -> None:
    try:
        client = _client(url)
    except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
        with lock:
            errors.append(f"connect: {exc!r}")
        return
    i = n
    while time.monotonic() < stop_at:
        question = QUESTIONS[i % len(QUESTIONS)]
        started = time.perf_counter()
        try:
            if i % 2:
                client.predict(question, [], "hybrid", api_name="/staff")
            else:
                client.predict(question, [], api_name="/chat")
            with lock:
                latencies.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001
            with lock:
                errors.append(repr(exc))
        i += 1


def run(url: str, clients: int = 20, seconds: float = 60.0) -> LoadReport:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + seconds
    threads = [threading.Thread(target=_worker, args=(url, n, stop_at, latencies, errors, lock), daemon=True)
               for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 300)
    elapsed = time.monotonic() - started
    ms = [x * 1000 for x in latencies] or [0.0]
    return LoadReport(clients, round(elapsed, 1), len(latencies) + len(errors), len(errors),
                      round(len(latencies) / elapsed, 2), round(percentile(ms, 50), 1), round(percentile(ms, 95), 1),
                      round(max(ms), 1), errors[0] if errors else None)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:7860")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    report = run(args.url, args.clients, args.seconds)
    if args.json:
        print(json.dumps(asdict(report), ensure_ascii=False))
    else:
        print(f"{report.clients} clients for {report.seconds}s: {report.requests} requests, {report.errors} errors, "
              f"{report.per_second}/s, latency p50 {report.p50_ms} ms, p95 {report.p95_ms} ms, max {report.max_ms} ms")
        if report.first_error:
            print(f"first error: {report.first_error}")
    return 1 if report.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
