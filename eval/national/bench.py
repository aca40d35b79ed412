"""National-scale benchmark: ``python -m eval.bench --national N`` (prints figures, asserts nothing).

Generates the synthetic corpus of N municipalities (``eval.national.generate``), builds its index
and prints: chunks; build seconds per stage (read, chunk, tokenize, embed, index, write); the
build's peak memory; in a fresh process, index load time and resident memory; search latency per
method; cross-city answer latency with precision / recall against the generator's truth
(``eval.national.answers``); and the inverted-file index's recall@10 against exact search on
real question vectors.

Vectors (``--vectors``):
- ``model`` (default): every chunk embedded by the real model, as ``assistant index build`` does;
- ``masked``: the real model on each chunk's text with its heading line dropped and the
  municipality names masked (「〇〇市」), embedded once per distinct masked text and shared: the
  generator reuses real sections, so a few thousand texts stand for a hundred thousand chunks.
  Search latency, memory and load time do not depend on the vectors' values; dense ranking
  quality at such a size is not measured by it, and the README says which sizes used it;
- ``synthetic``: no model at all: each masked text gets a seeded random unit vector (its
  SHA-256 seeds the generator). For sizes whose embedding does not fit the time at hand: load
  time, memory, BM25 and search latency, and cross-city answers (which list a municipality from
  the head term's passages; vectors only order them) are measured; dense quality and ANN
  recall on such vectors mean nothing and are not printed.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

METHODS = ("bm25", "dense", "hybrid")
MASK = "〇〇市"


class MaskedEncoder:
    """An encoder that embeds each distinct masked passage once (see the module docstring)."""

    def __init__(self, encoder, names: list[str]):
        self.encoder, self.name, self.fingerprint = encoder, encoder.name, encoder.fingerprint
        self.backend = encoder.backend
        self.names = re.compile("|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True) if n))
        self.distinct = 0
        self._cache: dict[str, np.ndarray] = {}  # masked text -> vector, across shards

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def masked(self, text: str) -> str:
        body = text.split("\n", 1)[1] if "\n" in text else text
        return self.names.sub(MASK, body)

    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        keys = [self.masked(t) for t in texts]
        fresh = [k for k in dict.fromkeys(keys) if k not in self._cache]
        self.distinct += len(fresh)
        self._cache.update(zip(fresh, self.encoder.encode_passages(fresh, progress=progress)))
        return np.stack([self._cache[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)


class SyntheticEncoder(MaskedEncoder):
    """Seeded random unit vectors per masked text (see the module docstring): no embedding."""

    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        import hashlib

        out = np.zeros((len(texts), 384), np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(self.masked(text).encode("utf-8")).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out

    @property
    def dim(self) -> int:
        return 384


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


_PROBE = r"""
import json, resource, sys, time
t = time.perf_counter()
from assistant.core import Assistant
a = Assistant.load(sys.argv[1])
a.index.query_vector("ウォームアップ")
loaded = time.perf_counter() - t
rss = int(open("/proc/self/statm").read().split()[1]) * 4096
print(json.dumps({"load_s": round(loaded, 2), "rss_gib": round(rss / 2**30, 3)}))
"""


def probe(folder: Path) -> dict:
    """Load time (imports, index, query encoder) and resident memory, in a fresh process."""
    out = subprocess.run([sys.executable, "-c", _PROBE, str(folder)], capture_output=True, text=True, timeout=3600)
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def ann_recall(index, question_vectors: np.ndarray) -> dict:
    """recall@10 and latency of the inverted file (IVF-SQ8, exact re-scoring) against exact search."""
    from index import dense

    vectors = dense.all_vectors(index.retriever.faiss)
    flat = dense.build_faiss(vectors, "flat")
    started = time.perf_counter()
    ivf = dense.build_faiss(vectors, "ivf-sq8")
    built = time.perf_counter() - started
    recall, tied, exact_ms, ivf_ms = [], [], [], []
    for q in question_vectors:
        t = time.perf_counter()
        want, want_scores = dense.search(flat, q, 10)
        t1 = time.perf_counter()
        got = dense.search(ivf, q, 10)[0]
        t2 = time.perf_counter()
        recall.append(len(set(want.tolist()) & set(got.tolist())) / 10)
        # where passages repeat (masked vectors), another passage of the same score is as right: by score
        tied.append(float(np.mean(vectors[got] @ q >= want_scores[-1] - 1e-5)) if len(got) else 0.0)
        exact_ms.append((t1 - t) * 1000)
        ivf_ms.append((t2 - t1) * 1000)
    return {"recall_at_10": round(float(np.mean(recall)), 4), "all_ten": round(float(np.mean([r == 1 for r in recall])), 4),
            "recall_at_10_by_score": round(float(np.mean(tied)), 4),
            "nlist": int(ivf.index.nlist), "nprobe": ivf.nprobe, "build_s": round(built, 1),
            "exact_ms_p50_p95": [round(x, 2) for x in percentiles(exact_ms)],
            "ivf_ms_p50_p95": [round(x, 2) for x in percentiles(ivf_ms)]}


def run(n: int, out: Path, sections: int | None, vectors: str, repeat: int, queries: list[str]) -> dict:
    from assistant.core import Assistant
    from corpus.documents import load_folder
    from eval.national.answers import read_truth, score
    from eval.national.generate import DEFAULT_SECTIONS, generate
    from eval.questions import load_questions
    from index.build import build_index
    from index.encoder import Encoder
    from index.search import Index

    corpus = out / f"corpus-{n}"
    started = time.perf_counter()
    if not (corpus / "truth.jsonl").is_file():
        generate(corpus, n, seed=0, sections=sections or DEFAULT_SECTIONS)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    docs = load_folder(corpus / "plans")
    read = time.perf_counter() - started
    encoder = Encoder()
    wrappers = {"masked": MaskedEncoder, "synthetic": SyntheticEncoder}
    passages = wrappers[vectors](encoder, [d.city for d in docs]) if vectors in wrappers else encoder
    folder = out / f"index-{n}"
    report = build_index(docs, folder, encoder=passages, progress=True)
    result = {"municipalities": n, "plans": report.documents, "chunks": report.chunks, "vectors": vectors,
              "generate_s": round(generated, 1), "stages_s": {"read": round(read, 2), **dict(report.stages)},
              "build_s": round(report.seconds + read, 1), "embedded": report.encoded,
              "build_peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)}
    if vectors == "masked":
        result["distinct_masked_texts"] = passages.distinct
    result.update(probe(folder))
    del docs, passages, report  # the build's objects: measure search as a server holding only the index would
    assistant = Assistant(Index.load(folder, encoder=encoder))
    index = assistant.index
    for method in METHODS:
        times = []
        for _ in range(repeat):
            for q in queries:
                index.clear_query_cache()
                t = time.perf_counter()
                index.search(q, k=10, method=method)
                times.append((time.perf_counter() - t) * 1000)
        result[f"search_{method}_ms_p50_p95"] = [round(x, 1) for x in percentiles(times)]
    answers = score(assistant, read_truth(corpus))
    result["cross_city"] = answers["by_status"]
    result["cross_city_s_p50_p95"] = [answers["answer_p50_s"], answers["answer_p95_s"]]
    if vectors != "synthetic":
        question_vectors = encoder.encode_queries([q.question for q in load_questions()] + queries)
        result["ann"] = ann_recall(index, question_vectors)
    return result


def main(n: int, out: Path, sections: int | None = None, vectors: str = "model", repeat: int = 3,
         queries: list[str] | None = None) -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out.mkdir(parents=True, exist_ok=True)
    result = run(n, out, sections, vectors, repeat, queries or [])
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return result
