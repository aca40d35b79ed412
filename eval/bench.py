"""Benchmark: index build time and query latency per method on the bundled corpus.

    python -m eval.bench [--repeat 5]
    python -m eval.bench --national N [--sections K] [--vectors model|masked|synthetic] [--out DIR]
    python -m eval.bench --backend qdrant [--index DIR] [--qdrant-path DIR | --qdrant-url URL]

``--national N``: the same over a generated corpus of N municipalities, with cross-city answers
scored against its truth and the inverted-file index's recall (``eval.national.bench``).

Prints figures; asserts nothing (speed is measured here, not in tests).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

QUERIES = [
    "コンビニで住民票を取れるようにする計画", "コンビニ交付を計画している市は？", "市役所に行かずに手続きできますか",
    "テレワークの推進", "オープンデータの公開件数", "マイナンバーカードの普及率の目標", "防災情報をスマホで受け取りたい",
    "情報セキュリティ研修", "AI・RPAの活用", "キャッシュレス決済", "図書館の電子化", "公共施設の予約をネットでしたい",
    "GISの構築", "計画期間はいつまで", "デジタルデバイド対策", "学校のICT教育", "Wi-Fiの整備", "電子決裁の導入",
    "子育ての手続きをオンラインで", "高齢者の見守り",
]


ANSWER_QUESTIONS = [
    "コンビニ交付を計画している市は？", "テレワークに取り組む自治体はどこ？", "市役所に行かずに手続きできますか",
    "新発田市のAIチャットボットの取り組みは？", "根室市のWi-Fi整備", "市営プールの営業時間を教えてください",
    "オープンデータの公開を進めている市は？", "各務原市のドローン活用", "東御市のキャッシュレス決済", "苫小牧市のGIS",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="passes over the query set per method")
    ap.add_argument("--national", type=int, metavar="N", help="benchmark a generated corpus of N municipalities (1-1741)")
    ap.add_argument("--sections", type=int, metavar="K", help="--national: sections per plan (default 60; 630 gives ~1 M chunks at 1,741)")
    ap.add_argument("--vectors", choices=("model", "masked", "synthetic"), default="model",
                    help="--national: embed every chunk (model), each distinct masked text once (masked), or "
                         "seeded random vectors (synthetic: latency, memory and answers only); see eval/national/bench.py")
    ap.add_argument("--out", default="var/national", help="--national: folder for the corpus and index (default var/national)")
    ap.add_argument("--backend", choices=("local", "qdrant"), default="local",
                    help="qdrant: latency of a published index on both backends side by side (eval.backend_bench)")
    ap.add_argument("--index", help="--backend qdrant: the published index directory (default var/index)")
    ap.add_argument("--qdrant-path", help="--backend qdrant: the in-process engine's folder (default <index>/qdrant)")
    ap.add_argument("--qdrant-url", help="--backend qdrant: a Qdrant server instead")
    args = ap.parse_args(argv)
    if args.backend == "qdrant":
        from eval import backend_bench

        extra = [f"--qdrant-path={args.qdrant_path}"] if args.qdrant_path else []
        extra += [f"--qdrant-url={args.qdrant_url}"] if args.qdrant_url else []
        backend_bench.main(["--index", args.index or "var/index", "--repeat", str(max(1, args.repeat)), *extra])
        return
    if args.national is not None:
        from eval.national import bench

        if not 1 <= args.national <= 1741:
            ap.error("--national takes 1 to 1741 municipalities")
        bench.main(args.national, Path(args.out), args.sections, args.vectors, max(1, args.repeat), QUERIES)
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    from corpus.documents import load_folder
    from index.build import build_index
    from index.encoder import Encoder
    from index.search import Index

    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"torch threads {torch.get_num_threads()}, python {platform.python_version()}")
    docs = load_folder()
    encoder = Encoder()
    t0 = time.perf_counter()
    encoder.encode_queries(["warm up"])
    print(f"model load: {time.perf_counter() - t0:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "index"
        report = build_index(docs, folder, encoder=encoder)
        print(f"index build (cold): {report.seconds:.1f} s for {report.chunks} chunks of {report.documents} plans "
              f"-> {report.chunks / report.seconds:.1f} chunks/s ({report.encoded} embedded)")
        again = build_index(docs, folder, encoder=encoder)
        print(f"index rebuild (unchanged corpus): {again.seconds:.2f} s, {again.encoded} embedded")
        index = Index.load(folder, encoder=encoder)
        for method in ("bm25", "dense", "hybrid"):
            times = []
            for _ in range(args.repeat):
                for q in QUERIES:
                    index.clear_query_cache()  # measure a new question, not a repeated one
                    t = time.perf_counter()
                    index.search(q, k=10, method=method)
                    times.append((time.perf_counter() - t) * 1000)
            print(f"query latency {method:>6}: p50 {statistics.median(times):6.1f} ms   "
                  f"p95 {percentile(times, 95):6.1f} ms   ({len(times)} queries, k=10)")
        from assistant.core import Assistant

        assistant = Assistant(index)
        times = []
        for q in ANSWER_QUESTIONS:
            index.clear_query_cache()
            t = time.perf_counter()
            assistant.ask(q)
            times.append((time.perf_counter() - t) * 1000)
        print(f"ask (answer with citations): p50 {statistics.median(times):6.1f} ms   "
              f"p95 {percentile(times, 95):6.1f} ms   ({len(times)} questions)")


if __name__ == "__main__":
    main()
