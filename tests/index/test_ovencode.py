"""Passages embedded through OpenVINO (index.ovencode) against PyTorch, with the real model and plans."""

import numpy as np
import pytest

from corpus.chunk import chunk_documents
from corpus.errors import ModelError
from index import ovencode
from index.build import index_text
from index.encoder import Encoder

pytestmark = pytest.mark.skipif(not ovencode.available(), reason="openvino is not installed")


@pytest.fixture(scope="module")
def texts(docs):
    chunks = chunk_documents(docs)
    return [index_text(c) for c in chunks[::20]]  # every plan, short and long chunks, tables


def test_openvino_vectors_are_pytorch_vectors(encoder, texts):
    assert encoder.passages is not None and encoder.backend.startswith("openvino-cpu-")
    fast = encoder.encode_passages(texts)
    exact = encoder._encode([t.strip() for t in texts], "document", progress=False)  # sentence-transformers, fp32
    assert fast.shape == exact.shape and fast.dtype == np.float32
    assert np.allclose(np.linalg.norm(fast, axis=1), 1, atol=1e-5)
    assert (fast * exact).sum(1).min() >= 0.999


def test_the_environment_chooses_pytorch_or_refuses_a_typo(monkeypatch, texts):
    monkeypatch.setenv(ovencode.BACKEND_ENV, "torch")
    plain = Encoder()
    assert plain.passages is None and plain.backend == "torch-cpu-fp32"
    monkeypatch.setenv(ovencode.BACKEND_ENV, "onnx")
    with pytest.raises(ModelError, match="openvino or torch"):
        Encoder().encode_passages(texts[:1])
