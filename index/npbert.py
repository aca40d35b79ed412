"""Query embeddings in numpy: the same BERT forward pass, without importing PyTorch.

A CLI search pays for its imports on every call: PyTorch and sentence-transformers took
4.4 s to import and the model 3.6 s to load (2 cores, README "Cold start"), for one short
query. This module reads the model folder's ``model.safetensors`` with safetensors' numpy
API and ``tokenizer.json`` with ``tokenizers`` (both already installed), and runs the
encoder in float32: token, position and type embeddings, then per layer self-attention and
GELU feed-forward, each followed by a residual LayerNorm (post-norm BERT), then mean pooling
over the tokens and L2 normalization — the sentence-transformers modules of the default model.

Used only for folders whose modules are exactly Transformer (a ``BertModel``) → mean
Pooling → Normalize (``supported``); anything else goes through sentence-transformers. The
vectors agree with PyTorch's to float32 rounding (cosine > 0.99999 in
tests/index/test_npbert.py), so an index built with PyTorch is searched with these.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from corpus.errors import ModelError

TRANSFORMER = "sentence_transformers.base.modules.transformer.Transformer"
POOLING = "sentence_transformers.sentence_transformer.modules.pooling.Pooling"
NORMALIZE = "sentence_transformers.base.modules.normalize.Normalize"
_OLD_NAMES = {  # sentence-transformers < 6 spells the same modules so
    "sentence_transformers.models.Transformer": TRANSFORMER,
    "sentence_transformers.models.Pooling": POOLING,
    "sentence_transformers.models.Normalize": NORMALIZE,
}


def _json(path: Path) -> dict | list:
    return json.loads(path.read_text(encoding="utf-8"))


def supported(folder: Path) -> bool:
    """Whether ``folder`` is a BERT encoder with mean pooling and normalization, as this module runs it."""
    folder = Path(folder)
    try:
        modules = [_OLD_NAMES.get(m["type"], m["type"]) for m in _json(folder / "modules.json")]
        config = _json(folder / "config.json")
        pooling = next((m for m in _json(folder / "modules.json") if _OLD_NAMES.get(m["type"], m["type"]) == POOLING), None)
        pool = _json(folder / pooling["path"] / "config.json") if pooling else {}
    except (OSError, ValueError, KeyError, TypeError):
        return False
    mean = pool.get("pooling_mode") == "mean" or pool.get("pooling_mode_mean_tokens") is True
    return (modules == [TRANSFORMER, POOLING, NORMALIZE] and mean and config.get("model_type") == "bert"
            and config.get("hidden_act") == "gelu" and (folder / "model.safetensors").is_file()
            and (folder / "tokenizer.json").is_file() and config.get("position_embedding_type", "absolute") == "absolute")


def _erf(x: np.ndarray) -> np.ndarray:
    """erf within 1.5e-7 (Abramowitz & Stegun 7.1.26), vectorized: numpy has no erf of its own."""
    sign = np.sign(x)
    a = np.abs(x).astype(np.float64)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact GELU BERT uses (``hidden_act: gelu``): x·Φ(x)."""
    return 0.5 * x * (1.0 + _erf(x / np.float32(math.sqrt(2.0))))


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + np.float32(eps)) * weight + bias


class NumpyEncoder:
    """The model of a sentence-transformers folder (``supported``), run in numpy float32."""

    def __init__(self, folder: Path, max_tokens: int | None = None):
        from safetensors import safe_open
        from tokenizers import Tokenizer

        folder = Path(folder)
        if not supported(folder):
            raise ModelError(f"{folder} is not a BERT mean-pooling model this encoder runs")
        self.config = _json(folder / "config.json")
        st_config = _json(folder / "config_sentence_transformers.json") if (folder / "config_sentence_transformers.json").is_file() else {}
        self.prompts: dict[str, str] = st_config.get("prompts", {})
        tok_config = _json(folder / "tokenizer_config.json") if (folder / "tokenizer_config.json").is_file() else {}
        bert_config = _json(folder / "sentence_bert_config.json") if (folder / "sentence_bert_config.json").is_file() else {}
        limit = bert_config.get("max_seq_length") or tok_config.get("model_max_length") or self.config["max_position_embeddings"]
        self.max_tokens = int(min(max_tokens or limit, limit, self.config["max_position_embeddings"]))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_tokens)
        self.eps = float(self.config.get("layer_norm_eps", 1e-12))
        self.heads = int(self.config["num_attention_heads"])
        self.dim = int(self.config["hidden_size"])
        self._file = safe_open(str(folder / "model.safetensors"), "np")
        names = set(self._file.keys())
        self._prefix = "bert." if "bert.embeddings.word_embeddings.weight" in names else ""
        self._words = self._file.get_slice(self._prefix + "embeddings.word_embeddings.weight")  # rows read on demand
        self._weights = self._read(names)  # read once (0.1 s), then only read: threads share the encoder safely

    def _read(self, names: set[str]) -> dict[str, np.ndarray]:
        """Every weight but the word embeddings, as float32; Linear weights transposed once (x @ W)."""
        weights = {}
        for name in names:
            short = name[len(self._prefix):]
            if short == "embeddings.word_embeddings.weight" or not short.startswith(("embeddings.", "encoder.")):
                continue
            array = self._file.get_tensor(name).astype(np.float32)
            if short.startswith("encoder.") and short.endswith(".weight") and array.ndim == 2:
                array = array.T
            weights[short] = np.ascontiguousarray(array)
        return weights

    def _w(self, name: str) -> np.ndarray:
        return self._weights[name]

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self._weights[name + ".weight"] + self._weights[name + ".bias"]

    def token_ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(text).ids

    def encode(self, texts: list[str], prompt_name: str | None = None) -> np.ndarray:
        """Normalized embeddings, one row per text; ``prompt_name`` picks the model's prompt ("query", "document")."""
        prompt = self.prompts.get(prompt_name or "", "")
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self._one(self.token_ids(prompt + t)) for t in texts]).astype(np.float32)

    def _one(self, ids: list[int]) -> np.ndarray:
        n = len(ids)
        words = np.stack([self._words[i : i + 1][0] for i in ids]).astype(np.float32)
        x = words + self._w("embeddings.position_embeddings.weight")[:n] + self._w("embeddings.token_type_embeddings.weight")[0]
        x = layer_norm(x, self._w("embeddings.LayerNorm.weight"), self._w("embeddings.LayerNorm.bias"), self.eps)
        for layer in range(int(self.config["num_hidden_layers"])):
            x = self._layer(x, f"encoder.layer.{layer}.")
        vector = x.mean(0)
        return vector / max(float(np.linalg.norm(vector)), 1e-12)

    def _layer(self, x: np.ndarray, p: str) -> np.ndarray:
        n, heads = len(x), self.heads
        size = self.dim // heads

        def split(t):
            return t.reshape(n, heads, size).transpose(1, 0, 2)

        q = split(self._linear(x, p + "attention.self.query"))
        k = split(self._linear(x, p + "attention.self.key"))
        v = split(self._linear(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 2, 1) / np.float32(math.sqrt(size))
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = (scores / scores.sum(-1, keepdims=True)) @ v
        context = context.transpose(1, 0, 2).reshape(n, self.dim)
        attended = self._linear(context, p + "attention.output.dense")
        x = layer_norm(attended + x, self._w(p + "attention.output.LayerNorm.weight"),
                       self._w(p + "attention.output.LayerNorm.bias"), self.eps)
        hidden = gelu(self._linear(x, p + "intermediate.dense"))
        out = self._linear(hidden, p + "output.dense")
        return layer_norm(out + x, self._w(p + "output.LayerNorm.weight"), self._w(p + "output.LayerNorm.bias"), self.eps)
