"""Pipelined passage encoding, for GPU builds: keep the accelerator busy from texts to vectors.

``SentenceTransformer.encode`` tokenizes each batch just before its forward pass, on the thread
that drives the GPU, and copies every batch back before the next one starts: on one H100 it ran
~2,000 plan chunks/s end to end where the forward pass alone did ~26,000. Here:

1. worker processes tokenize slices of texts ahead of the GPU (``index.tokenpool``);
2. each window of tokenized texts is sorted by length and cut into batches by a token budget,
   each padded only to its own longest text, rounded up to a multiple of 8 (``plan_batches``);
3. every batch (ids, lengths, positions) is one pinned host buffer, copied on a side stream while
   the previous batch computes; the model runs in fp16;
4. mean pooling and L2 normalization run on the device, in fp32, and write each vector into its
   input position of one device matrix that is copied back once at the end.

The vectors are those of ``Encoder.encode_passages`` (same prompt, truncation, pooling), up to
the precision of the model's dtype.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.tokenpool import Piece, TokenizerSpec, default_workers, pieces

PAD_MULTIPLE = 8  # fp16 tensor cores want shapes in multiples of 8
WINDOW = 8192  # texts sorted together: enough for tight buckets, few enough that the GPU starts early


@dataclass(frozen=True)
class Timings:
    """One ``PassagePipeline.encode`` call: sizes and seconds (``busy`` is device time inside the forward passes)."""

    texts: int
    tokens: int
    padded_tokens: int
    batches: int
    tokenize_s: float  # until the last tokenized slice was taken (tokenizing overlaps the forward passes)
    tokenizer_cpu_s: float  # summed over the workers
    busy_s: float  # forward + pooling, device time (CUDA events) or wall time on the CPU
    total_s: float  # texts in, vectors in host memory

    @property
    def per_second(self) -> float:
        return self.texts / self.total_s if self.total_s else 0.0


def padded_length(n: int, multiple: int = PAD_MULTIPLE) -> int:
    return -(-n // multiple) * multiple


def plan_batches(lengths: np.ndarray, token_budget: int, max_batch: int) -> list[np.ndarray]:
    """Positions of ``lengths`` in batches, longest first, each within ``token_budget`` padded tokens.

    A batch's rows are padded to its first (longest) row, rounded up to ``PAD_MULTIPLE``; a row
    longer than the budget goes alone.
    """
    order = np.argsort(-np.asarray(lengths), kind="stable")
    batches, start = [], 0
    while start < len(order):
        width = padded_length(int(lengths[order[start]]))
        rows = max(1, min(max_batch, token_budget // width))
        batches.append(order[start : start + rows])
        start += rows
    return batches


def pack(piece: Piece, offsets: np.ndarray, rows: np.ndarray, pad_id: int) -> np.ndarray:
    """One batch as one int32 buffer: padded ids (rows × width), then lengths, then input positions."""
    lengths = piece.lengths[rows]
    width = padded_length(int(lengths.max()))
    cols = np.arange(width)
    inside = cols[None, :] < lengths[:, None]
    source = np.minimum(offsets[rows][:, None] + cols[None, :], len(piece.ids) - 1)
    ids = np.where(inside, piece.ids[source], pad_id)
    return np.concatenate([ids.ravel(), lengths, (piece.start + rows)]).astype(np.int32)


def merge(parts: list[Piece]) -> Piece:
    """Consecutive slices as one."""
    if len(parts) == 1:
        return parts[0]
    return Piece(parts[0].start, np.concatenate([p.lengths for p in parts]), np.concatenate([p.ids for p in parts]),
                 sum(p.seconds for p in parts))


class PassagePipeline:
    """Encodes passages with ``model`` (a transformers encoder already on ``device`` in its dtype).

    Args:
        model: called as ``model(input_ids=, attention_mask=)``, returns ``.last_hidden_state``.
        spec: the tokenizer file, prompt and truncation length.
        pad_id: the tokenizer's padding id.
    """

    def __init__(self, model, spec: TokenizerSpec, device: str, pad_id: int, token_budget: int | None = None,
                 max_batch: int = 1024, workers: int | None = None, window: int = WINDOW):
        import torch

        self.model, self.spec, self.pad_id = model, spec, pad_id
        self.device = torch.device(device)
        self.cuda = self.device.type == "cuda"
        self.token_budget = token_budget or (65536 if self.cuda else 4096)
        self.max_batch, self.window = max_batch, window
        self.workers = default_workers() if workers is None else workers
        self.dim = int(model.config.hidden_size)

    def encode(self, texts: Sequence[str]) -> tuple[np.ndarray, Timings]:
        """Unit vectors (float32, input order) and how long each stage took."""
        import torch

        began = time.perf_counter()
        texts = [t.strip() for t in texts]
        out = torch.zeros((len(texts), self.dim), dtype=torch.float32, device=self.device)
        stager = _CudaStager(self.device) if self.cuda else _HostStager()
        sizes = {"tokens": 0, "padded": 0, "batches": 0, "cpu": 0.0, "busy": 0.0}
        pending: list[Piece] = []
        tokenized_at = began
        with torch.inference_mode():
            for piece in pieces(texts, self.spec, self.workers):
                pending.append(piece)
                if sum(len(p.lengths) for p in pending) >= self.window:
                    self._window(merge(pending), out, stager, sizes)
                    pending = []
            tokenized_at = time.perf_counter()
            if pending:
                self._window(merge(pending), out, stager, sizes)
            sizes["busy"] += stager.busy()
            vectors = out.cpu().numpy()  # waits for the device
        timings = Timings(len(texts), sizes["tokens"], sizes["padded"], sizes["batches"], tokenized_at - began,
                          sizes["cpu"], sizes["busy"], time.perf_counter() - began)
        return vectors, timings

    def _window(self, piece: Piece, out, stager, sizes: dict) -> None:
        offsets = np.concatenate([[0], np.cumsum(piece.lengths, dtype=np.int64)[:-1]])
        batches = plan_batches(piece.lengths, self.token_budget, self.max_batch)
        sizes["tokens"] += int(piece.lengths.sum())
        sizes["padded"] += sum(len(b) * padded_length(int(piece.lengths[b[0]])) for b in batches)
        sizes["batches"] += len(batches)
        sizes["cpu"] += piece.seconds
        ahead = None
        for rows in batches:  # the next batch's copy is issued before this one's forward pass
            staged = stager.put(pack(piece, offsets, rows, self.pad_id), len(rows))
            if ahead is not None:
                sizes["busy"] += self._forward(stager, ahead, out)
            ahead = staged
        if ahead is not None:
            sizes["busy"] += self._forward(stager, ahead, out)

    def _forward(self, stager, staged, out) -> float:
        import torch
        import torch.nn.functional as F

        flat, rows, mark = stager.take(staged), staged[1], stager.start()
        width = (flat.numel() - 2 * rows) // rows
        ids = flat[: rows * width].view(rows, width).long()
        lengths = flat[rows * width : rows * width + rows]
        mask = torch.arange(width, device=flat.device)[None, :] < lengths[:, None]
        hidden = self.model(input_ids=ids, attention_mask=mask.long()).last_hidden_state
        summed = (hidden.float() * mask[:, :, None]).sum(dim=1)  # mean pooling in fp32, as the CPU model does
        vectors = F.normalize(summed / lengths[:, None].float(), p=2, dim=1)
        out.index_copy_(0, flat[rows * width + rows :].long(), vectors)
        return stager.stop(mark)


class _HostStager:
    """CPU: batches are used where they are; busy time is wall time."""

    def put(self, host: np.ndarray, rows: int):
        import torch

        return torch.from_numpy(host), rows

    def take(self, staged):
        return staged[0]

    def start(self) -> float:
        return time.perf_counter()

    def stop(self, mark: float) -> float:
        return time.perf_counter() - mark

    def busy(self) -> float:
        return 0.0


class _CudaStager:
    """CUDA: pinned host buffers copied on a side stream; CUDA events time the forward passes."""

    def __init__(self, device):
        import torch

        self.device, self.copies, self.events = device, torch.cuda.Stream(device), []

    def put(self, host: np.ndarray, rows: int):
        import torch

        pinned = torch.from_numpy(host).pin_memory()  # the caching host allocator keeps it until the copy is done
        with torch.cuda.stream(self.copies):
            on_device = pinned.to(self.device, non_blocking=True)
            ready = torch.cuda.Event()
            ready.record(self.copies)
        return on_device, rows, ready

    def take(self, staged):
        import torch

        on_device, _, ready = staged
        compute = torch.cuda.current_stream(self.device)
        compute.wait_event(ready)
        on_device.record_stream(compute)  # allocated on the copy stream, used on this one
        return on_device

    def start(self):
        import torch

        begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        begin.record()
        self.events.append((begin, end))
        return end

    def stop(self, end) -> float:
        end.record()
        return 0.0  # read once at the end (``busy``): reading an event here would wait for the device

    def busy(self) -> float:
        import torch

        torch.cuda.synchronize(self.device)
        seconds = sum(b.elapsed_time(e) for b, e in self.events) / 1000
        self.events = []
        return seconds


def from_sentence_transformer(model, folder, name: str, device: str = "cuda", **options) -> PassagePipeline:
    """The pipeline over an fp16 copy of a loaded SentenceTransformer's transformer (the CPU model stays as it is).

    Raises:
        ModelError: the model is not Transformer → mean pooling → Normalize with a tokenizer.json.
    """
    import copy
    from pathlib import Path

    import torch

    from corpus.errors import ModelError

    tokenizer = _tokenizer_file(Path(folder))
    if not _mean_pooled(model) or tokenizer is None:
        raise ModelError(f"the GPU pipeline takes mean-pooled, normalized models with a tokenizer.json; {name} is not "
                         "one: use --device cpu")
    dtype = torch.float16 if torch.device(device).type == "cuda" else torch.float32
    body = copy.deepcopy(model[0].auto_model).to(device=device, dtype=dtype).eval()
    spec = TokenizerSpec(str(tokenizer), model.prompts.get("document", ""), int(model.max_seq_length))
    return PassagePipeline(body, spec, device, pad_id=int(model[0].tokenizer.pad_token_id), **options)


def _mean_pooled(model) -> bool:
    """Transformer → mean pooling (prompt tokens included) → Normalize: what ``PassagePipeline`` computes."""
    kinds = [type(m).__name__ for m in model]
    pooling = model[1].get_config_dict() if len(kinds) == 3 else {}
    return (kinds == ["Transformer", "Pooling", "Normalize"] and hasattr(model[0], "auto_model")
            and pooling.get("pooling_mode") == "mean" and bool(pooling.get("include_prompt", True)))


def _tokenizer_file(folder):
    """The transformer module's tokenizer.json (modules.json names the module's folder)."""
    import json

    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        path = folder / modules[0].get("path", "") / "tokenizer.json"
    except (OSError, ValueError, IndexError, KeyError, AttributeError):
        return None
    return path if path.is_file() else None
