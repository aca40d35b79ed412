"""Where passages are embedded: "auto" (CUDA when PyTorch sees a GPU), "cpu" or "cuda"."""

from __future__ import annotations

import os

from corpus.errors import ModelError

DEVICE_ENV = "ASSISTANT_DEVICE"
DEVICES = ("auto", "cpu", "cuda")
BACKENDS = {"cpu": "torch-cpu-fp32", "cuda": "torch-cuda-fp16"}  # recorded in an index's config as model.backend


def resolve_device(device: str | None = None) -> str:
    """"cpu" or "cuda" for a requested "auto", "cpu" or "cuda" (default ``$ASSISTANT_DEVICE``, else "auto").

    Raises:
        ModelError: an unknown name, or "cuda" where PyTorch sees no GPU.
    """
    device = device or os.environ.get(DEVICE_ENV) or "auto"
    if device not in DEVICES:
        raise ModelError(f"unknown device {device!r}: use one of {', '.join(DEVICES)}")
    if device == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
        raise ModelError(f"--device cuda was asked for, but PyTorch {torch.__version__} ({build}) sees no CUDA GPU: "
                         "install a CUDA build of torch on a machine with an NVIDIA GPU, or use --device cpu")
    return "cpu"
