"""The inverted-file index (IVF + SQ8, exact re-scoring) used from dense.ANN_FROM vectors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from corpus.errors import IndexStateError
from index import dense, snapshot
from index.search import Index

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def question_vectors(encoder):
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return encoder.encode_queries([r["question"] for r in rows])


def test_the_inverted_file_returns_the_exact_top_ten_for_most_questions(assistant, question_vectors, tmp_path):
    """Real passage and question vectors; candidates by quantized score, re-scored exactly."""
    flat = assistant.index.retriever.faiss
    assert flat.kind == "flat"
    ivf = dense.build_faiss(dense.all_vectors(flat), kind="ivf-sq8")
    dense.save_faiss(ivf, tmp_path / "dense.faiss")
    loaded = dense.load_faiss(tmp_path / "dense.faiss")
    assert loaded.kind == "ivf-sq8" and isinstance(loaded.exact, np.memmap)
    recall, same_scores = [], []
    for q in question_vectors:
        exact_ids, exact_scores = dense.search(flat, q, 10)
        ids, scores = dense.search(loaded, q, 10)
        recall.append(len(set(exact_ids) & set(ids)) / 10)
        common = [i for i in ids if i in set(exact_ids)]
        same_scores.append(np.allclose([scores[list(ids).index(i)] for i in common],
                                       [exact_scores[list(exact_ids).index(i)] for i in common], atol=2e-3))
    print(f"recall@10 {np.mean(recall):.3f}")
    assert np.mean(recall) >= 0.95 and np.mean([r == 1.0 for r in recall]) >= 0.8
    assert all(same_scores)  # scores are the exact ones (float16 vectors), not the quantized ones
    allowed = np.arange(100, 180)
    vectors = dense.all_vectors(flat)
    for q in question_vectors[:20]:  # restricted: every allowed vector scored (float16), so the same ten up to ties
        got, _ = dense.search(loaded, q, 10, allowed)
        want, want_scores = dense.search(flat, q, 10, allowed)
        assert set(got) <= set(allowed.tolist()) and len(got) == 10
        assert np.allclose(np.sort(vectors[got] @ q)[::-1], want_scores, atol=2e-3)


def test_a_build_past_the_threshold_writes_and_loads_an_inverted_file(docs, encoder, built_index, monkeypatch, tmp_path):
    import shutil

    from index.build import build_index

    folder = tmp_path / "ivf"
    shutil.copytree(built_index[0], folder)  # its vectors are reused: nothing is embedded again
    monkeypatch.setenv("ASSISTANT_ANN_FROM", "1")
    report = build_index(docs, folder, encoder=encoder)
    assert report.encoded == 0
    index = Index.load(folder, encoder=encoder)
    assert index.config["dense"]["kind"] == "ivf-sq8" and index.retriever.faiss.kind == "ivf-sq8"
    assert (folder / index.build_name / dense.EXACT_FILE).is_file()
    assert snapshot.deep_problems(snapshot.load(folder)) == []
    hits = index.search("コンビニ交付", k=5, method="dense")
    assert len(hits) == 5 and all(h.dense_score is not None for h in hits)
    (folder / index.build_name / dense.EXACT_FILE).unlink()
    with pytest.raises(IndexStateError, match="vectors.f16.npy"):
        Index.load(folder, encoder=encoder)
