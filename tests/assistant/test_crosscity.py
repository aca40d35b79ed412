"""Cross-city answers staff can sign off on: the status asked, the specific thing, no glossary, evidence of absence."""

import pytest

from assistant import context
from assistant.topic import fold

pytestmark = pytest.mark.slow


def listed(answer, matching=True):
    return {c.city for c in answer.cities if c.matches_status == matching}


def test_telework_already_introduced_lists_introduced_cities_and_separates_the_others(assistant):
    answer = assistant.ask("テレワークを導入済みの市はどこ？")
    assert answer.asked_status == "implemented"
    assert {"根室市", "各務原市"} <= listed(answer)
    for city in answer.cities:
        for c in city.citations:  # a definition never lists a city
            assert context.kind(c.hit.section, c.hit.text) is None, (city.city, c.hit.section)
        assert city.matches_status == (city.status is not None and city.status.status == "implemented")
    assert "東御市" in listed(answer, matching=False)  # it studies telework: the second list
    assert "とは書かれていない市" in answer.answer


def test_a_glossary_entry_alone_lists_no_city(assistant):
    answer = assistant.ask("ガバメントクラウドへの移行を計画している市は？")
    assert answer.asked_status == "planned"
    for city in answer.cities:
        assert any("ガバメントクラウド" in fold(c.hit.text) or "gov" in fold(c.hit.text) for c in city.citations)
        assert all(context.kind(c.hit.section, c.hit.text) is None for c in city.citations)


def test_electronic_bidding_is_not_electronic_approval(assistant):
    answer = assistant.ask("電子入札を導入している市は？")
    for city in answer.cities:
        assert any("入札" in c.hit.text for c in city.citations), city.city
    absent = {a.city: a for a in answer.absent}
    # 各務原市 has 電子決裁 only: not listed, and the answer says why, with the passage that came nearest
    assert "各務原市" in absent and "電子入札" in absent["各務原市"].reason
    assert absent["各務原市"].nearest is not None


def test_a_word_no_plan_holds_lists_no_city_for_its_neighbour(assistant):
    # 根室市's previous-plan row on 当日投票システム is about voting, not about blockchain
    answer = assistant.ask("ブロックチェーンを使った投票を計画している市は？")
    assert not answer.cities and not answer.found
    assert all(a.reason == "「ブロックチェーン」はどの計画にも書かれていない" for a in answer.absent)
    assert len(answer.absent) == len(answer.searched)


def test_ask_json_adds_status_and_absence_fields(assistant):
    data = assistant.ask("コンビニ交付をすでに始めている市は？").to_dict()
    assert data["asked_status"] == "implemented" and data["intent"] == "cross_city"
    assert all(isinstance(c["matches_status"], bool) for c in data["cities"])
    assert {a["city"] for a in data["absent"]} | {c["city"] for c in data["cities"]} == set(data["searched"])
    for a in data["absent"]:
        assert a["reason"] and (a["nearest"] is None or a["nearest"]["city"] == a["city"])
    assert any("コンビニ" in t for t in data["terms"])
    # the old fields stay
    assert {"question", "found", "answer", "cities", "citations", "intent", "searched", "writer", "notices"} <= set(data)


def test_a_plan_in_the_future_voice_answers_a_question_about_plans():
    """A city that says it will extend what it runs plans it: 「…を計画している市は？」 lists it, while the
    status it shows for any other question is the most explicit one (its record of what is done)."""
    from assistant.answer import Citation
    from assistant.crosscity import city_status
    from assistant.status import read_piece

    sentences = ("本市では統合型GISを平成25年度に稼働させました。", "市民公開GISによる地図情報の提供を拡充します。")
    citations = [Citation(None, (), 0.0, said[0], tuple(said)) for said in map(read_piece, sentences)]
    assert [c.status.weak for c in citations] == [False, True]  # the second is the plan's own future voice
    status, matches = city_status(citations, "planned")
    assert matches and status.status == "planned"
    status, matches = city_status(citations, "implemented")
    assert matches and status.status == "implemented"
    status, matches = city_status(citations, "under_study")
    assert not matches and status.status == "implemented"
    status, matches = city_status(citations, "any")
    assert matches and status.status == "implemented"
