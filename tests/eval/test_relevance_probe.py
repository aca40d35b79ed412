"""The relevance probe's parts: sentences and candidates as the answers show them, AUC, the gate report,
and adapters that start as the bundled model itself (the probe's 25-minute run is not a test)."""

import json
from pathlib import Path

import pytest

from eval.relevance_probe import auc, candidates, choose, report, sentence_of, sentences

LABELS = Path(__file__).resolve().parents[2] / "eval" / "relevance_labels" / "candidates.jsonl"


def test_sentences_split_after_the_full_stop_and_drop_fragments():
    assert sentences("テレワークを導入しました。今後は拡充します。\n短い\n公衆無線LANの整備") == [
        "テレワークを導入しました。", "今後は拡充します。", "公衆無線LANの整備"]


def test_candidates_hold_a_searched_term_in_any_of_its_variants_once():
    passages = ["在宅勤務の環境を整えました。庁舎を改修します。", "在宅勤務の環境を整えました。"]
    assert candidates(passages, ["テレワーク・在宅勤務"]) == ["在宅勤務の環境を整えました。"]
    assert candidates(passages, ["ブロックチェーン"]) == []


def test_the_sentence_of_an_evidence_string_is_its_line_or_sentence():
    source = "第1章\n本市では令和3年度にAI-OCRを導入しました。今後は拡大します。\n"
    assert sentence_of(source, "AI-OCRを導入") == "本市では令和3年度にAI-OCRを導入しました。"
    assert sentence_of(source, "どこにもない") == "どこにもない"


def test_auc_counts_ties_as_half():
    assert auc([0.9, 0.8], [0.1, 0.85]) == 0.75
    assert auc([0.5], [0.5]) == 0.5


def test_the_gate_report_drops_cities_below_the_threshold():
    pairs = [{"qid": "a", "city": "X市", "s": "…", "y": 1, "candidate": True, "p": 0.9},
             {"qid": "a", "city": "Y市", "s": "…", "y": 0, "candidate": True, "p": 0.15},
             {"qid": "u", "city": "Y市", "s": "…", "y": 0, "candidate": True, "p": 0.05}]
    answers = [{"qid": "a", "kind": "cross_city", "gold": ["X市"], "listed": ["X市", "Y市"]},
               {"qid": "u", "kind": "unanswerable", "gold": [], "listed": ["Y市"]}]
    out = report(pairs, answers, thresholds=(0.1, 0.2, 0.95))
    assert out["city_auc"] == 1.0
    assert out["gate 0.0"] == {"f1": pytest.approx(0.6667, abs=1e-4), "abstention": 0.0, "false_abstention": 0.0}
    assert out["gate 0.1"] == {"f1": pytest.approx(0.6667, abs=1e-4), "abstention": 1.0, "false_abstention": 0.0}
    assert out["gate 0.2"] == {"f1": 1.0, "abstention": 1.0, "false_abstention": 0.0}
    assert out["gate 0.95"] == {"f1": 0.0, "abstention": 1.0, "false_abstention": 1.0}  # the right city went too
    assert choose(out) == 0.2  # the best F1 + abstention among the thresholds that lose no F1


def test_no_gate_is_chosen_when_every_threshold_costs_f1():
    figures = {"gate 0.0": {"f1": 0.73, "abstention": 0.5, "false_abstention": 0.0},
               "gate 0.1": {"f1": 0.727, "abstention": 0.5, "false_abstention": 0.0065},
               "gate 0.2": {"f1": 0.701, "abstention": 0.53, "false_abstention": 0.0455}}
    assert choose(figures) == 0.0


def test_the_labels_are_well_formed_and_point_at_opened_questions():
    from eval.questions import load_questions

    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1430 and {r["label"] for r in rows} == {0, 1} and {r["batch"] for r in rows} == {1, 2, 3}
    assert len({(r["qid"], r["city"], r["sentence"]) for r in rows}) == len(rows)
    sealed = {q.id for q in load_questions(LABELS.parents[1] / "questions_holdout12.jsonl")}
    assert not sealed & {r["qid"] for r in rows}  # nothing of the sealed set was read


def test_adapters_start_as_the_bundled_model_and_only_they_train():
    import torch

    from eval.relevance_probe import _fresh, _logits

    tokenizer, encoder, head = _fresh()
    trained = {n for n, p in encoder.named_parameters() if p.requires_grad}
    assert trained and all(n.endswith((".A", ".B")) for n in trained)
    assert sum(encoder.get_parameter(n).numel() for n in trained) == 589_824
    batch = tokenizer(["query: テレワーク"], ["passage: 在宅勤務を導入しました。"], return_tensors="pt")
    from transformers import AutoModel

    from index.encoder import resolve

    plain = AutoModel.from_pretrained(resolve(), dtype=torch.float32).float().eval()
    with torch.inference_mode():
        adapted = encoder.eval()(**batch).last_hidden_state
        # B starts at zero: before training, the adapted encoder reads exactly as the bundled model
        assert torch.allclose(adapted, plain(**batch).last_hidden_state, atol=1e-5)
        assert _logits(tokenizer, encoder, head, ["テレワーク"], ["在宅勤務を導入しました。"]).shape == (1,)
