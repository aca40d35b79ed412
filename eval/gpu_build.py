"""Time the pipelined passage encoder (``index.fastencode``) end to end, on a GPU or the CPU.

    python -m eval.gpu_build prepare --carry .gpucarry            # here: corpus, pruned model, references
    python -m eval.gpu_build run --carry .gpucarry --n 200000     # there (or here with a small --n)

``prepare`` writes a carry folder (``eval.gpucarry``, ``eval.gpucorpus``) and checks on the CPU
that the pruned model gives the full model's vectors. ``run`` regenerates the same texts from
the carried sources and seed, checks their hash and token ids, and measures texts in → unit
vectors in host memory (and in a .npy file): the tokenizer alone, the pipeline (tokenizing,
device time, total; twice), and plain ``SentenceTransformer.encode`` at batch 256 on a subset,
with cosines against the CPU reference vectors. Prints a table; ``--out DIR`` gets results.json.

On the lent GPU machine (device tool, ``carry: [".gpucarry"]``; its python3 has torch with CUDA,
transformers, sentence-transformers and tokenizers):

    export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1; (nvidia-smi dmon -s u -d 1 > $OUT/dmon.txt 2>&1 &)
    python3 -m eval.gpu_build run --carry .gpucarry --n 200000 --device cuda --out $OUT 2>&1 | tee $OUT/log.txt
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from eval import gpucarry, gpucorpus

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = ROOT.parent / "shared" / "external"


def prepare(carry: Path, external: Path | None, n: int, seed: int, references: int) -> dict:
    from index.encoder import Encoder
    from index.tokenpool import TokenizerSpec, default_workers, pieces

    carry.mkdir(parents=True, exist_ok=True)
    sources, counts = gpucorpus.collect_sources(external if external and external.is_dir() else None)
    gpucorpus.write_sources(sources, carry / "sources.jsonl.gz")
    texts = gpucorpus.replicate(sources, n, seed)
    encoder = Encoder(device="cpu")
    spec = TokenizerSpec(str(encoder.folder / "tokenizer.json"), "passage: ", encoder.max_tokens())
    used, tokens = _used_ids(pieces([t.strip() for t in texts], spec, default_workers()))
    kept = gpucarry.prune(encoder.folder, carry, used)
    positions = np.linspace(0, n - 1, min(references, n)).astype(int)
    reference = encoder.encode_passages([texts[i] for i in positions])
    np.save(carry / "reference.npy", reference)
    manifest = {
        "recipe": gpucorpus.RECIPE, "n": n, "seed": seed, "digest": gpucorpus.digest(texts),
        "sources": len(sources), "source_chunks": counts, "mean_chars": float(np.mean([len(t) for t in texts])),
        "mean_tokens": tokens / n, "model": encoder.name, "fingerprint": encoder.fingerprint,
        "kept_rows": kept, "reference_positions": positions.tolist(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        vectors, _ = _pipeline(carry, Path(tmp), "cpu", workers=0).encode([texts[i] for i in positions])
    manifest["pruned_vs_full_cpu"] = _cosines(vectors, reference)
    manifest["carry_mib"] = round(gpucarry.size_mib(carry), 2)
    (carry / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def _used_ids(parts) -> tuple[np.ndarray, int]:
    seen, tokens = [], 0
    for piece in parts:
        seen.append(np.unique(piece.ids))
        tokens += int(piece.lengths.sum())
    return np.unique(np.concatenate(seen)), tokens


def _pipeline(carry: Path, tmp: Path, device: str, **options):
    """The app's GPU path (``from_sentence_transformer``) over the expanded carry model, loaded as the Encoder loads it."""
    import torch
    from sentence_transformers import SentenceTransformer

    from index.fastencode import from_sentence_transformer

    folder = gpucarry.expand(carry, tmp)
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True, model_kwargs={"dtype": torch.float32})
    pipeline = from_sentence_transformer(model, folder, "carry", device, **options)
    pipeline.folder = folder
    return pipeline


def _cosines(a: np.ndarray, b: np.ndarray) -> dict:
    c = np.sum(a.astype(np.float64) * b, axis=1)
    return {"n": len(c), "min": float(c.min()), "mean": float(c.mean())}


def run(carry: Path, n: int, device: str, workers: int | None, budget: int | None, repeat: int,
        baseline_n: int, vectors_path: Path) -> dict:
    import torch

    from index.device import resolve_device
    from index.tokenpool import default_workers

    device = resolve_device(device)
    manifest = json.loads((carry / "manifest.json").read_text(encoding="utf-8"))
    texts = gpucorpus.replicate(gpucorpus.read_sources(carry / "sources.jsonl.gz"), n, manifest["seed"])
    result = {"machine": _machine(torch, device), "n": n, "manifest": {k: v for k, v in manifest.items() if k != "reference_positions"}}
    # the texts must be the prepared ones (a smaller n gives a prefix of them) for the reference check
    result["same_texts"] = gpucorpus.digest(texts) == manifest["digest"] if n == manifest["n"] else None
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        pipeline = _pipeline(carry, Path(tmp), device, workers=default_workers() if workers is None else workers,
                             token_budget=budget)
        result["load_s"] = time.perf_counter() - began
        result["settings"] = {"workers": pipeline.workers, "token_budget": pipeline.token_budget,
                              "max_batch": pipeline.max_batch, "window": pipeline.window}
        result["tokenizer_alone"] = _tokenizer_alone(pipeline, texts, gpucarry.kept_ids(carry))
        pipeline.encode(texts[: min(n, 4096)])  # warm-up: CUDA context, cuBLAS handles, worker start
        result["pipeline"], vectors = _timed_runs(pipeline, texts, repeat, vectors_path, torch)
        positions = [p for p in manifest["reference_positions"] if p < n]
        reference = np.load(carry / "reference.npy", allow_pickle=False)[: len(positions)]
        if result["same_texts"] is not False:
            result["vs_cpu_reference"] = _cosines(vectors[positions], reference)
        if baseline_n:
            result["baseline"] = _baseline(pipeline, texts[:baseline_n], vectors[:baseline_n], device, torch)
    return result


def _machine(torch, device: str) -> dict:
    info = {"python": platform.python_version(), "torch": torch.__version__, "cpus": os.cpu_count(), "device": device}
    if device == "cuda":
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def _tokenizer_alone(pipeline, texts: list[str], kept: np.ndarray) -> dict:
    from index.tokenpool import pieces

    began = time.perf_counter()
    used, tokens = _used_ids(pieces([t.strip() for t in texts], pipeline.spec, pipeline.workers))
    seconds = time.perf_counter() - began
    missing = np.setdiff1d(used, kept)
    if len(missing):
        raise SystemExit(f"{len(missing)} token ids of these texts are not in the carry: prepare it for these texts")
    return {"s": seconds, "per_s": len(texts) / seconds, "tokens": tokens, "distinct_ids": len(used)}


def _timed_runs(pipeline, texts, repeat: int, vectors_path: Path, torch) -> tuple[list[dict], np.ndarray]:
    runs, vectors = [], None
    for _ in range(repeat):
        if pipeline.cuda:
            torch.cuda.reset_peak_memory_stats()
        vectors, timings = pipeline.encode(texts)
        began = time.perf_counter()
        np.save(vectors_path, vectors)
        row = {**asdict(timings), "per_s": timings.per_second, "save_s": time.perf_counter() - began,
               "busy_share": timings.busy_s / timings.total_s, "padding": timings.padded_tokens / timings.tokens - 1}
        if pipeline.cuda:
            row["peak_gib"] = torch.cuda.max_memory_allocated() / 2**30
        runs.append(row)
    return runs, vectors


def _baseline(pipeline, texts: list[str], ours: np.ndarray, device: str, torch) -> dict:
    """Plain ``SentenceTransformer.encode`` at batch 256 (fp16 on CUDA) on the same texts, and the pipeline on them."""
    from sentence_transformers import SentenceTransformer

    dtype = torch.float16 if device == "cuda" else torch.float32
    model = SentenceTransformer(str(pipeline.folder), device=device, local_files_only=True, model_kwargs={"dtype": dtype})
    stripped = [t.strip() for t in texts]
    encode = lambda batch: model.encode(batch, prompt_name="document", batch_size=256,  # noqa: E731
                                        normalize_embeddings=True, convert_to_numpy=True)
    encode(stripped[:512])
    began = time.perf_counter()
    theirs = encode(stripped)
    seconds = time.perf_counter() - began
    _, timings = pipeline.encode(texts)
    return {"n": len(texts), "batch_size": 256, "s": seconds, "per_s": len(texts) / seconds,
            "pipeline_same_texts_per_s": timings.per_second, "cosine_vs_pipeline": _cosines(ours, theirs)}


def table(result: dict) -> str:
    lines = [f"machine: {result['machine']}", f"texts: {result['n']} (mean {result['manifest']['mean_tokens']:.0f} "
             f"tokens), settings {result['settings']}, model load {result['load_s']:.1f}s"]
    tok = result["tokenizer_alone"]
    lines.append(f"tokenizer alone: {tok['s']:.2f}s = {tok['per_s']:,.0f} texts/s")
    for i, r in enumerate(result["pipeline"], 1):
        lines.append(f"pipeline run {i}: total {r['total_s']:.2f}s = {r['per_s']:,.0f} texts/s; tokenized by "
                     f"{r['tokenize_s']:.2f}s; device busy {r['busy_s']:.2f}s ({r['busy_share']:.0%}); "
                     f"{r['batches']} batches, padding +{r['padding']:.1%}; .npy {r['save_s']:.2f}s")
    ref = result.get("vs_cpu_reference")
    lines.append(f"cosine vs CPU fp32 encode_passages: min {ref['min']:.6f}, mean {ref['mean']:.6f} (n={ref['n']})"
                 if ref else "cosine vs CPU: not checked, the regenerated texts differ from the prepared ones")
    if "baseline" in result:
        b = result["baseline"]
        lines.append(f"SentenceTransformer.encode batch 256, {b['n']} texts: {b['per_s']:,.0f} texts/s; "
                     f"pipeline on them {b['pipeline_same_texts_per_s']:,.0f} texts/s; cosine min "
                     f"{b['cosine_vs_pipeline']['min']:.6f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.gpu_build", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="write the carry folder (corpus sources, pruned model, CPU references)")
    p.add_argument("--external", type=Path, default=EXTERNAL, help="external documents folder (default ../shared/external)")
    p.add_argument("--references", type=int, default=512, help="texts embedded on the CPU for the cosine check")
    r = sub.add_parser("run", help="time the pipeline on the carried corpus")
    r.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    r.add_argument("--workers", type=int, help="tokenizer processes (default: all cores but one)")
    r.add_argument("--token-budget", type=int, help="padded tokens per batch (default 65536 on CUDA, 4096 on the CPU)")
    r.add_argument("--repeat", type=int, default=2)
    r.add_argument("--baseline-n", type=int, default=20000, help="texts for the SentenceTransformer.encode baseline (0: none)")
    r.add_argument("--vectors", type=Path, default=Path(tempfile.gettempdir()) / "gpu_build_vectors.npy")
    r.add_argument("--out", type=Path, help="folder for results.json")
    for q in (p, r):
        q.add_argument("--carry", type=Path, default=Path(".gpucarry"))
        q.add_argument("--n", type=int, default=200_000, help="texts (default 200,000)")
    p.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.command == "prepare":
        manifest = prepare(args.carry, args.external, args.n, args.seed, args.references)
        del manifest["reference_positions"]
        print(json.dumps(manifest, ensure_ascii=False, indent=1))
        return 0
    result = run(args.carry, args.n, args.device, args.workers, args.token_budget, args.repeat,
                 min(args.baseline_n, args.n), args.vectors)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
