"""A second reader's answers load, point into the real plans, and are scored with the answer metrics."""

import json

import pytest

from eval.agreement import READINGS, agreement, as_answer, load_reading, main, questions_for
from eval.questions import EvalError, load_questions, squash


def _readings():
    return sorted(READINGS.glob("*.jsonl"))


def test_every_reading_answers_its_set_with_evidence_in_the_plans(docs):
    texts = {d.doc_id: squash(d.text) for d in docs}
    assert len(_readings()) >= 2
    for path in _readings():
        reading = load_reading(path)
        questions = load_questions(questions_for(path))
        assert {q.id for q in questions} == set(reading), path.name
        for row in reading.values():
            for a in row.get("answers", []) + row.get("mentions", []):
                assert a["evidence"] and all(squash(e) in texts[a["doc"]] for e in a["evidence"]), (path.name, row["id"])


def test_the_first_reading_agrees_with_itself_and_a_wrong_one_is_scored_down():
    questions = load_questions(questions_for(_readings()[0]))
    itself = {q.id: {"id": q.id, "kind": q.kind, "asked_status": q.asked_status,
                     "answers": [{"city": a.city, "status": a.status} for a in q.answers],
                     "mentions": [{"city": a.city, "status": a.status} for a in q.mentions]} for q in questions}
    same = agreement(questions, itself)
    assert same["cross_city_f1"] == 1.0 and same["abstention_accuracy"] == 1.0 and same["asked_status_agreement"] == 1.0
    assert same["status_accuracy"] == 1.0
    # one more city on every answerable question, and every unanswerable one answered
    wrong = {i: {**row, "kind": "cross_city", "answers": row["answers"] + [{"city": "どこでもない市", "status": "planned"}]}
             for i, row in itself.items()}
    worse = agreement(questions, wrong)
    assert worse["cross_city_precision"] < 1.0 and worse["cross_city_recall"] == 1.0 and worse["abstention_accuracy"] == 0.0


def test_a_mention_is_listed_without_the_status_asked():
    answer = as_answer({"answers": [{"city": "根室市", "status": "implemented"}],
                        "mentions": [{"city": "根室市"}, {"city": "東御市", "status": "planned"}]})
    assert answer["found"] and [(c["city"], c["matches_status"]) for c in answer["cities"]] == [("根室市", True), ("東御市", False)]
    assert not as_answer({"kind": "unanswerable", "answers": []})["found"]


def test_bad_readings_stop_with_a_message(tmp_path, capsys):
    broken = tmp_path / "holdout5.jsonl"
    broken.write_text('{"id": "x", "answers": [}\n', encoding="utf-8")
    with pytest.raises(EvalError, match="holdout5.jsonl:1"):
        load_reading(broken)
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"id": "x", "kind": "cross_city", "answers": []}) + "\n", encoding="utf-8")
    with pytest.raises(EvalError, match="names no city"):
        load_reading(empty)
    short = tmp_path / "short.jsonl"
    short.write_text(json.dumps({"id": "x", "kind": "unanswerable", "answers": []}) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        main([str(short), "--questions", str(questions_for(_readings()[0]))])
    assert stopped.value.code == 2 and "has no row for" in capsys.readouterr().err
