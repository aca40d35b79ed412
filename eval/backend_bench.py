"""Local vs Qdrant on one index: query latency per method, and hybrid fusion in the engine vs ours.

    python -m eval.backend_bench --index DIR [--qdrant-path DIR | --qdrant-url URL] [--repeat 3] [--fusion]

The index must be published (``assistant index build --backend qdrant`` or ``index publish``).

- latency: p50/p95 of ``Index.search`` (k = 10) per method and backend over ``eval.bench.QUERIES``;
  every query is embedded once beforehand, so only retrieval and fusion are timed.
- ``--fusion``: hybrid R@5 and MRR@10 on the project's eval set, grouped as ``assistant eval`` groups
  it, for our fusions (``index.fuse``) over Qdrant's three rankings and for Qdrant's own
  (``query_points`` with one prefetch per ranking: RRF with its default k = 2, with k = 60,
  with k = 60 and our convex weights, and DBSF).

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import time

from eval.bench import QUERIES, percentile
from index.backends.base import CHARS, WORDS
from index.chars import bigrams
from index.fuse import CONVEX_BM25_WEIGHT, CONVEX_CHARS_WEIGHT
from index.search import CANDIDATES, METHODS, Index
from index.tokenize import tokenize

CONVEX_WEIGHTS = [CONVEX_BM25_WEIGHT * (1 - CONVEX_CHARS_WEIGHT), (1 - CONVEX_BM25_WEIGHT) * (1 - CONVEX_CHARS_WEIGHT),
                  CONVEX_CHARS_WEIGHT]  # words, dense, chars: what index.fuse gives the three rankings
ENGINE_FUSIONS = {  # name -> (fusion, RRF k, weights in the order words, dense, chars)
    "qdrant rrf k=2 (its default)": ("rrf", 2, None),
    "qdrant rrf k=60": ("rrf", 60, None),
    "qdrant rrf k=60, convex weights": ("rrf", 60, CONVEX_WEIGHTS),
    "qdrant dbsf": ("dbsf", None, None),
}


class EngineFused(Index):
    """Hybrid search fused in Qdrant (one prefetch per ranking) instead of by ``index.fuse``."""

    fusion, rrf_k, weights = "rrf", 60, None

    def _search(self, query, k, method, cities, fusion, prefectures=None):
        if method != "hybrid":
            return super()._search(query, k, method, cities, fusion, prefectures)
        from index.backends.qdrant.layout import DENSE

        r = self.retriever
        queries = {WORDS: r.sparse_query(WORDS, tokenize(query)), DENSE: self.query_vector(query).tolist(),
                   CHARS: r.sparse_query(CHARS, bigrams(query))}
        ids, scores = r.fused(queries, self.scope(cities, prefectures), max(CANDIDATES, k), self.fusion, self.rrf_k,
                              self.weights)
        return [self._hit(rank, i, scores[i], {}, {}, {}, {}) for rank, i in enumerate(ids[:k], 1)]


def latency(indexes: dict[str, Index], repeat: int) -> None:
    for index in indexes.values():
        for query in QUERIES:
            index.query_vector(query)  # embedded once: only retrieval is timed
            index.search(query, k=10)  # warm
    print(f"{'backend':8} {'method':7} {'p50 ms':>8} {'p95 ms':>8}  ({len(QUERIES)} queries × {repeat})")
    for method in METHODS:
        for name, index in indexes.items():
            times = []
            for _ in range(repeat):
                for query in QUERIES:
                    t0 = time.perf_counter()
                    index.search(query, k=10, method=method)
                    times.append((time.perf_counter() - t0) * 1000)
            print(f"{name:8} {method:7} {percentile(times, 50):8.2f} {percentile(times, 95):8.2f}")


def fusion_table(local: Index, remote: Index, questions: str | None) -> None:
    from assistant import Assistant
    from eval.suite import run_project

    def hybrid(index: Index, fusion: str = "convex") -> dict:
        result = run_project(Assistant(index), questions, ["hybrid"], answers=False, fusion=fusion)
        return result["retrieval"]["hybrid"]["all"]

    rows = {"local, convex (index.fuse, the default)": hybrid(local), "qdrant, convex (index.fuse)": hybrid(remote),
            "qdrant, rrf k=60 (index.fuse)": hybrid(remote, "rrf")}
    for name, (fusion, k, weights) in ENGINE_FUSIONS.items():
        fused = EngineFused(remote.catalog, remote.retriever, remote.encoder)
        fused.fusion, fused.rrf_k, fused.weights = fusion, k, weights
        rows[f"{name} (in the engine)"] = hybrid(fused)
    print(f"\n{'hybrid fusion':45} {'R@5':>6} {'MRR@10':>7} {'R@1':>6}  (n = {next(iter(rows.values()))['n']})")
    for name, m in rows.items():
        print(f"{name:45} {m['R@5']:6.3f} {m['MRR@10']:7.3f} {m['R@1']:6.3f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", required=True, help="an index directory published into Qdrant")
    ap.add_argument("--qdrant-path", help="the in-process engine's folder (default <index>/qdrant)")
    ap.add_argument("--qdrant-url", help="a Qdrant server instead (API key from ASSISTANT_QDRANT_API_KEY)")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the queries per method and backend")
    ap.add_argument("--fusion", action="store_true", help="also compare hybrid fusions on the eval set")
    ap.add_argument("--questions", help="eval set (default eval/questions.jsonl)")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from index.encoder import Encoder

    encoder = Encoder()
    local = Index.load(args.index, encoder=encoder)
    t0 = time.perf_counter()
    remote = Index.load(args.index, encoder=encoder, backend="qdrant", url=args.qdrant_url, path=args.qdrant_path,
                        api_key=os.environ.get("ASSISTANT_QDRANT_API_KEY"))
    where = remote.retriever.engine.where
    print(f"index {args.index}: {len(local.chunks)} chunks; qdrant at {where}: loaded in "
          f"{time.perf_counter() - t0:.2f} s; {os.cpu_count()} cores")
    latency({"local": local, "qdrant": remote}, args.repeat)
    if args.fusion:
        fusion_table(local, remote, args.questions)


if __name__ == "__main__":
    main()
