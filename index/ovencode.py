"""Passage embeddings on the CPU through OpenVINO: the same weights, several times PyTorch's speed.

PyTorch embedded ~13.5 plan chunks/s on the 2 cores here, so a build's embedding stage is most
of its time. OpenVINO runs the same transformer, converted once from the model's PyTorch
module (``openvino.convert_model``) and kept as an IR (``model.xml`` + ``model.bin``, plain
files, weights in float32) in the model cache under the model's fingerprint. On a CPU with
bfloat16 instructions (AVX-512 BF16, AMX) OpenVINO computes in bfloat16 by default; elsewhere
in float32. Tokens come from the model's own ``tokenizer.json`` with its prompt and length
limit (``index.npbert``'s tokenizer), texts are batched by length, and the token vectors are
mean-pooled and normalized here, as the sentence-transformers modules of the models this runs
(BERT, mean pooling, normalize: ``npbert.supported``) do.

Measured on the 419 chunks of the five plans (2 cores, nothing else running): PyTorch fp32
31.4 s, OpenVINO bf16 7.6 s (4.1×), every vector at cosine ≥ 0.99998 to PyTorch's (README
"Cold start and embedding speed").
``ASSISTANT_PASSAGE_BACKEND=torch`` keeps PyTorch.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from corpus.errors import ModelError
from index.progress import progress_bar

BACKEND_ENV = "ASSISTANT_PASSAGE_BACKEND"  # "openvino" (default where it is installed and the model allows) | "torch"
BATCH = 16
IR = "model.xml"


def wanted() -> str:
    value = (os.environ.get(BACKEND_ENV) or "openvino").strip().lower()
    if value not in ("openvino", "torch"):
        raise ModelError(f"{BACKEND_ENV} must be openvino or torch, not {value!r}")
    return value


def available() -> bool:
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def label() -> str:
    """The backend an index records: OpenVINO computes in bfloat16 where the CPU has it."""
    import openvino as ov

    capabilities = ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    return f"openvino-cpu-{'bf16' if 'BF16' in capabilities else 'fp32'}"


class OpenVinoPassages:
    """Embeds passages with an OpenVINO-compiled copy of a sentence-transformers model's transformer."""

    def __init__(self, folder: Path, tokens, torch_module: Callable[[], object], threads: int | None = None):
        """``tokens``: the model's ``npbert.NumpyEncoder`` (tokenizer, prompts, limit); ``torch_module``
        gives the PyTorch transformer to convert when no IR is cached at ``folder``."""
        import openvino as ov

        self.tokens = tokens
        xml = Path(folder) / IR
        if not xml.is_file():
            _convert(torch_module(), tokens, xml)
        core = ov.Core()
        try:
            options = {"INFERENCE_NUM_THREADS": int(threads)} if threads else {}
            self.compiled = core.compile_model(core.read_model(str(xml)), "CPU", options)
        except Exception as exc:  # a damaged cache: convert again
            shutil.rmtree(xml.parent, ignore_errors=True)
            raise ModelError(f"the OpenVINO copy of the model at {xml.parent} could not be read ({exc}); "
                             "it was removed and is made again on the next build") from exc
        self.inputs = [i.get_any_name() for i in self.compiled.inputs]
        self.backend = label()
        pad = tokens.tokenizer.token_to_id("<pad>")
        self.pad = 0 if pad is None else int(pad)

    def encode(self, texts: list[str], prompt_name: str = "document", progress: bool = False) -> np.ndarray:
        prompt = self.tokens.prompts.get(prompt_name, "")
        out = np.zeros((len(texts), self.tokens.dim), np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self.tokens.tokenizer.encode_batch([prompt + t for t in texts])]
        order = np.argsort([len(i) for i in ids], kind="stable")
        batches = [order[b:b + BATCH] for b in range(0, len(order), BATCH)]
        bar = progress_bar(None, "embed", progress, "chunk", total=len(texts))  # None when not asked for
        for batch in batches:
            out[batch] = self._batch([ids[i] for i in batch])
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()
        return out

    def _batch(self, ids: list[list[int]]) -> np.ndarray:
        width = max(len(i) for i in ids)
        input_ids = np.full((len(ids), width), self.pad, np.int64)
        mask = np.zeros((len(ids), width), np.int64)
        for row, seq in enumerate(ids):
            input_ids[row, :len(seq)] = seq
            mask[row, :len(seq)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        hidden = np.asarray(self.compiled({name: feed[name] for name in self.inputs})[0], dtype=np.float32)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1.0)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def _convert(module, tokens, xml: Path) -> None:
    """Convert the PyTorch transformer to an IR at ``xml``, written into a temporary folder and renamed."""
    import openvino as ov
    import torch

    # the example is a padded batch, so that the traced graph is the one that masks padding
    long, short = (tokens.tokenizer.encode(t).ids for t in ("passage: 住民票のコンビニ交付を開始しました。", "passage: 例"))
    ids = torch.ones(2, len(long), dtype=torch.long)
    ids[0], ids[1, :len(short)] = torch.tensor(long), torch.tensor(short)
    mask = torch.zeros(2, len(long), dtype=torch.long)
    mask[0], mask[1, :len(short)] = 1, 1
    tmp = xml.parent.with_name(f".{xml.parent.name}.{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on shape-dependent branches
            model = ov.convert_model(module.eval(), example_input={"input_ids": ids, "attention_mask": mask})
        ov.save_model(model, str(tmp / IR), compress_to_fp16=False)  # keep the float32 weights
        if xml.parent.exists() and not xml.is_file():
            shutil.rmtree(xml.parent, ignore_errors=True)  # left incomplete by hand: make it again
        try:
            os.replace(tmp, xml.parent)
        except OSError:
            if not xml.is_file():  # another process converted it meanwhile: keep theirs
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
