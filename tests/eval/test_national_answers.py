"""Cross-city answers over a generated national corpus (50 municipalities, 47 prefectures) equal its truth.

The corpus is synthetic (eval/national: real plan sections, real municipality names, seeded
statements with known status, and traps — glossaries, national policy, surveys — that must
not list a municipality). Its answers take the one-pass path (assistant/national.py).
"""

from __future__ import annotations

import pytest

from assistant import national as one_pass
from eval.national.answers import ANY, expected, listed, read_truth, score

pytestmark = pytest.mark.slow
TOPICS = ["コンビニ交付", "書かない窓口", "キャッシュレス決済", "テレワーク", "公衆無線LAN", "オープンデータ"]


def test_which_municipalities_mention_a_topic_equals_the_truth(national):
    corpus, assistant = national
    assert len(assistant.cities) == 50 and len(assistant.index.prefectures) == 47
    assert len(assistant.cities) >= one_pass.ONE_PASS_FROM, "the answers below take the one-pass path"
    truth = read_truth(corpus)
    for topic in TOPICS:
        answer = assistant.ask(f"{topic}に取り組んでいる自治体は？")
        want = expected(truth, topic, ANY)
        assert want, topic
        assert listed(answer) == want, topic  # every municipality whose plan states it, and no trap


def test_status_questions_are_mostly_right(national):
    """The status asked (implemented / planned / under study): pooled over the topics, with the figures printed."""
    corpus, assistant = national
    result = score(assistant, read_truth(corpus), TOPICS, asks=("implemented", "planned", "under_study"))
    print(result["by_status"])
    for asked, figures in result["by_status"].items():
        assert figures["precision"] >= 0.8 and figures["recall"] >= 0.7, (asked, figures)


def test_a_national_answer_counts_instead_of_listing_every_absent_municipality(national):
    from assistant.ask import LIST_LINES, compose_cross

    corpus, assistant = national
    answer = assistant.ask("コンビニ交付に取り組んでいる自治体は？")
    assert answer.answer.startswith("50自治体の計画を調べました。")
    assert len(answer.absent) + len(answer.cities) == 50
    assert {a.reason for a in answer.absent} <= {"計画に「コンビニ交付」の記述がない"} | {a.reason for a in answer.absent if a.nearest}
    # past LIST_LINES absent municipalities, they are counted by reason, not listed one by one
    many = list(answer.absent) * (LIST_LINES // len(answer.absent) + 2)
    text = compose_cross(answer.question, answer.asked_status, list(answer.cities), many, list(answer.terms))
    absent_lines = [line for line in text.splitlines() if line.startswith("・") and "近い記述" in line]
    assert not absent_lines and f"記述が見つからなかった自治体（{len(many)}自治体）：計画に「コンビニ交付」の記述がない" in text


def test_the_cli_writes_a_national_answers_full_list(national, tmp_path, capsys):
    import csv

    from assistant.cli import main

    corpus, assistant = national
    question = "コンビニ交付に取り組んでいる自治体は？"
    out = tmp_path / "list.csv"
    assert main(["ask", question, "--index", str(assistant.index.folder), "--csv", str(out), "--json"]) == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert {r["doc_id"] for r in rows} == expected(read_truth(corpus), "コンビニ交付", ANY)
    assert all(r["prefecture"] and r["quote"] for r in rows)
    assert main(["ask", "根室市のテレワーク", "--index", str(assistant.index.folder), "--csv", str(out)]) == 2
    assert "needs a cross-city answer" in capsys.readouterr().err
