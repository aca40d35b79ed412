"""The pipelined passage encoder: batching by hand, and the real model's vectors in input order."""

import json

import numpy as np
import pytest

from corpus.chunk import chunk_documents
from corpus.errors import ModelError
from index.build import build_index, index_text
from index.device import resolve_device
from index.fastencode import from_sentence_transformer, pack, padded_length, plan_batches
from index.tokenpool import Piece


def test_batches_are_sorted_by_length_and_kept_within_the_token_budget():
    lengths = np.array([5, 17, 9, 16, 3])
    batches = plan_batches(lengths, token_budget=48, max_batch=10)
    # 17 pads to 24: two rows fit 48; then 9 pads to 16: three rows
    assert [b.tolist() for b in batches] == [[1, 3], [2, 0, 4]]
    assert [b.tolist() for b in plan_batches(lengths, token_budget=48, max_batch=2)] == [[1, 3], [2, 0], [4]]
    assert [b.tolist() for b in plan_batches(np.array([600, 2]), token_budget=512, max_batch=8)] == [[0], [1]]


def test_random_lengths_cover_every_position_once_within_budget():
    lengths = np.random.default_rng(7).integers(3, 513, 5000)
    batches = plan_batches(lengths, token_budget=8192, max_batch=256)
    assert sorted(np.concatenate(batches).tolist()) == list(range(5000))
    for rows in batches:
        width = padded_length(int(lengths[rows].max()))
        assert len(rows) <= 256 and len(rows) * width <= 8192 and width % 8 == 0
        assert lengths[rows[0]] == lengths[rows].max()


def test_a_batch_is_padded_ids_then_lengths_then_positions():
    piece = Piece(start=100, lengths=np.array([2, 3, 1], np.int32), ids=np.array([7, 8, 4, 5, 6, 9], np.int32), seconds=0)
    offsets = np.array([0, 2, 5])
    flat = pack(piece, offsets, np.array([1, 0]), pad_id=1)
    assert flat.dtype == np.int32
    assert flat.tolist() == [4, 5, 6, 1, 1, 1, 1, 1,  7, 8, 1, 1, 1, 1, 1, 1,  3, 2,  101, 100]


def test_devices(monkeypatch):
    monkeypatch.delenv("ASSISTANT_DEVICE", raising=False)
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(ModelError, match="auto, cpu, cuda"):
        resolve_device("gpu")
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert resolve_device() == resolve_device("auto") == "cpu"
    with pytest.raises(ModelError, match="--device cpu"):
        resolve_device("cuda")
    monkeypatch.setenv("ASSISTANT_DEVICE", "cuda")
    with pytest.raises(ModelError):
        resolve_device()


def test_a_cuda_build_without_a_gpu_fails_before_making_the_folder(tmp_path, docs):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ModelError, match="sees no CUDA GPU"):
        build_index(docs, tmp_path / "index", device="cuda")
    assert not (tmp_path / "index").exists()


@pytest.fixture(scope="module")
def plan_texts(docs):
    texts = [index_text(c) for c in chunk_documents(docs)]
    sample = texts[::9]  # every plan, short and long chunks
    sample.append("\n".join(texts[:12]))  # over 512 tokens: truncated like sentence-transformers truncates
    return sample


@pytest.mark.slow
@pytest.mark.parametrize("workers", [0, 2])
def test_pipeline_gives_the_vectors_of_encode_passages_in_input_order(encoder, plan_texts, workers):
    # small windows and budgets, so that many batches are sorted apart and put back
    pipeline = from_sentence_transformer(encoder.model, encoder.folder, encoder.name, "cpu",
                                         workers=workers, token_budget=2048, window=16)
    vectors, timings = pipeline.encode(plan_texts)
    expected = encoder.encode_passages(plan_texts)
    cosines = np.sum(vectors * expected, axis=1)
    assert vectors.shape == expected.shape and vectors.dtype == np.float32
    assert cosines.min() >= 0.9999, cosines.min()
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert timings.texts == len(plan_texts) and timings.batches > 3
    assert timings.tokens <= timings.padded_tokens
    tokens = len(encoder.model.tokenizer("passage: " + plan_texts[-1])["input_ids"])
    assert tokens > 512 and timings.tokens < sum(encoder.token_count(t) for t in plan_texts)


@pytest.mark.slow
def test_the_index_config_records_the_backend(built_index):
    folder, _ = built_index
    from index import store

    config = json.loads((store.live_dir(folder) / store.CONFIG).read_text(encoding="utf-8"))
    from index.encoder import Encoder

    # on the CPU: OpenVINO where it is installed (index.ovencode), else PyTorch
    assert config["model"]["backend"] == Encoder().backend in ("openvino-cpu-bf16", "openvino-cpu-fp32", "torch-cpu-fp32")
