"""Tokenize passages ahead of the encoder: slices of texts through the model's Rust tokenizer.

With ``workers > 0`` each slice goes to a worker process (one tokenizer thread each), so
tokenizing runs beside the GPU instead of before it; converting a batch's Encoding objects to
ids holds the GIL, which kept one process near 12,000 passages/s. ``workers == 0`` tokenizes
in this process (the Rust tokenizer's own threads, if TOKENIZERS_PARALLELISM allows).
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from corpus.errors import ModelError

SLICE = 1024  # texts per task: large enough that pickling is cheap, small enough that the GPU starts early


@dataclass(frozen=True)
class TokenizerSpec:
    path: str  # the model's tokenizer.json
    prompt: str  # prepended to every text, as sentence-transformers does ("passage: " for e5)
    max_length: int  # truncation, special tokens included (the model's max_seq_length)


@dataclass(frozen=True)
class Piece:
    """One slice of texts, tokenized: ``ids[offsets[i]:offsets[i+1]]`` are text ``start + i``'s ids."""

    start: int
    lengths: np.ndarray  # int32, tokens per text
    ids: np.ndarray  # int32, all texts' ids end to end
    seconds: float  # time the tokenizer took


def load_tokenizer(spec: TokenizerSpec):
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(spec.path)
    except Exception as exc:
        raise ModelError(f"cannot read the tokenizer {spec.path}: {exc}") from exc
    tokenizer.enable_truncation(spec.max_length)
    tokenizer.no_padding()
    return tokenizer


def tokenize(tokenizer, spec: TokenizerSpec, start: int, texts: Sequence[str]) -> Piece:
    """Tokenize one slice of texts (``start``: the index of its first text)."""
    began = time.perf_counter()
    encodings = tokenizer.encode_batch([spec.prompt + t for t in texts])
    lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int32, count=len(encodings))
    ids = np.fromiter(itertools.chain.from_iterable(e.ids for e in encodings), dtype=np.int32, count=int(lengths.sum()))
    return Piece(start, lengths, ids, time.perf_counter() - began)


_WORKER: dict = {}


def _init(spec: TokenizerSpec) -> None:
    os.environ["TOKENIZERS_PARALLELISM"] = "false"  # one thread per worker: the workers are the parallelism
    _WORKER.update(spec=spec, tokenizer=load_tokenizer(spec))


def _work(task: tuple[int, list[str]]) -> Piece:
    start, texts = task
    return tokenize(_WORKER["tokenizer"], _WORKER["spec"], start, texts)


def default_workers() -> int:
    """All cores but one (that one drives the GPU), at most 32."""
    return max(1, min(32, (os.cpu_count() or 2) - 1))


def pieces(texts: Sequence[str], spec: TokenizerSpec, workers: int, size: int = SLICE) -> Iterator[Piece]:
    """Tokenized slices of ``texts`` in order, produced ahead of the consumer when ``workers > 0``."""
    tasks = ((i, list(texts[i : i + size])) for i in range(0, len(texts), size))
    if workers <= 0:
        tokenizer = load_tokenizer(spec)
        for start, chunk in tasks:
            yield tokenize(tokenizer, spec, start, chunk)
        return
    import multiprocessing

    # spawn, not fork: the parent may already hold a CUDA context, which a forked child must not touch
    with multiprocessing.get_context("spawn").Pool(workers, initializer=_init, initargs=(spec,)) as pool:
        yield from pool.imap(_work, tasks)
