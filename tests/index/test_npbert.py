"""Queries embedded in numpy (index.npbert) equal sentence-transformers' vectors, without importing PyTorch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import npbert
from index.encoder import Encoder

ROOT = Path(__file__).resolve().parents[2]


def _questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows]


@pytest.mark.slow
def test_numpy_queries_equal_pytorch_queries(encoder, monkeypatch):
    questions = _questions() + ["ｺﾝﾋﾞﾆ交付", "Wi-Fi", "行政" * 400]  # half-width kana, Latin, one past 512 tokens
    numpy_vectors = Encoder(encoder.name).encode_queries(questions)
    monkeypatch.setenv("ASSISTANT_QUERY_ENCODER", "torch")
    torch_vectors = Encoder(encoder.name).encode_queries(questions)
    assert numpy_vectors.shape == torch_vectors.shape == (len(questions), 384)
    assert (numpy_vectors * torch_vectors).sum(1).min() > 0.99999
    assert np.abs(np.linalg.norm(numpy_vectors, axis=1) - 1).max() < 1e-5


def test_a_search_process_never_imports_pytorch(built_index):
    """The CLI's cold path: the numpy encoder serves the query; torch and sentence-transformers stay unloaded."""
    folder, _ = built_index
    code = ("import sys, json; from assistant.core import Assistant; a = Assistant.load(sys.argv[1]); "
            "hits = a.search('コンビニ交付', k=3); "
            "print(json.dumps({'hits': len(hits), 'torch': 'torch' in sys.modules, 'st': 'sentence_transformers' in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"hits": 3, "torch": False, "st": False}


def test_other_model_shapes_are_left_to_sentence_transformers(tmp_path, encoder):
    assert npbert.supported(encoder.folder)
    for name in ("modules.json", "config.json", "model.safetensors"):
        (tmp_path / name).write_bytes((encoder.folder / name).read_bytes() if name != "model.safetensors" else b"")
    modules = json.loads((tmp_path / "modules.json").read_text())
    (tmp_path / "modules.json").write_text(json.dumps(modules[:1]))  # no pooling: CLS models and the like
    assert not npbert.supported(tmp_path)
    assert not npbert.supported(tmp_path / "missing")
