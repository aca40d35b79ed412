"""Cross-city answers summarized by prefecture (assistant.summary): the five real plans span 4 prefectures."""

import csv
import io
from dataclasses import replace

import pytest

from assistant.answer import Answer, CityAnswer
from assistant.summary import (LIST_HEADER, PREFECTURES, UNKNOWN, Summary, canonical, csv_bytes, list_csv, summarize,
                               xlsx_bytes)
from corpus.errors import QueryError

# the bundled plans' prefectures (corpus/plans/manifest.json)
PREFECTURE_OF = {"根室市": "北海道", "苫小牧市": "北海道", "新発田市": "新潟県", "東御市": "長野県", "各務原市": "岐阜県"}


def test_prefectures_are_the_jis_list_the_map_draws():
    japanmap = pytest.importorskip("japanmap")
    assert PREFECTURES == tuple(japanmap.pref_names[1:]) and len(PREFECTURES) == 47


def test_canonical_names():
    assert canonical("東京") == "東京都" and canonical("京都") == "京都府" and canonical("北海道") == "北海道"
    assert canonical(" 大阪府 ") == "大阪府" and canonical("") == UNKNOWN and canonical("ルリタニア") == "ルリタニア"


@pytest.mark.slow
def test_counts_by_prefecture_of_a_real_answer(assistant):
    answer = assistant.ask("コンビニ交付に取り組んでいる自治体は？")
    summary = summarize(answer, assistant.index)
    assert [r.prefecture for r in summary.rows] == list(PREFECTURES)  # all 47, JIS order; no other name
    assert [(r.prefecture, r.with_plans) for r in summary.present] == [
        ("北海道", 2), ("新潟県", 1), ("長野県", 1), ("岐阜県", 1)]
    assert summary.spans == 4
    listed = {c.city for c in answer.cities}
    assert listed and answer.asked_status == "any"
    for row in summary.present:
        mine = [c for c, p in PREFECTURE_OF.items() if p == row.prefecture]
        assert row.listed == len([c for c in mine if c in listed]) and row.other == 0
        assert row.share == row.listed / row.with_plans
    total = summary.total()
    assert (total.with_plans, total.listed, total.other) == (5, len(listed), 0)


@pytest.mark.slow
def test_the_full_list_cites_exact_spans_in_prefecture_order(assistant):
    answer = assistant.ask("コンビニ交付に取り組んでいる自治体は？")
    summary = summarize(answer, assistant.index)
    assert {r.municipality for r in summary.listed} == {c.city for c in answer.cities}
    order = [(PREFECTURES.index(r.prefecture), r.municipality) for r in summary.listed]
    assert order == sorted(order)
    for row in summary.listed:
        assert row.prefecture == PREFECTURE_OF[row.municipality]
        assert assistant.index.documents[row.doc_id]["city"] == row.municipality
        span = assistant.index.sources[row.doc_id][row.start:row.end]
        assert "".join(row.quote.split()) in "".join(span.split())  # the plan's own text (quotes drop list marks)
        assert row.section and row.label and row.matches_status


@pytest.mark.slow
def test_a_status_asked_splits_listed_and_other(assistant):
    answer = assistant.ask("コンビニ交付を計画している市は？")
    assert answer.asked_status == "planned"
    summary = summarize(answer, assistant.index)
    matching = [c.city for c in answer.cities if c.matches_status]
    others = [c.city for c in answer.cities if not c.matches_status]
    assert summary.total().listed == len(matching) and summary.total().other == len(others)
    for row in summary.present:
        assert row.listed == len([c for c in matching if PREFECTURE_OF[c] == row.prefecture])
        assert row.other == len([c for c in others if PREFECTURE_OF[c] == row.prefecture])
    assert {r.municipality for r in summary.listed if not r.matches_status} == set(others)


@pytest.mark.slow
def test_a_limited_question_counts_only_the_cities_searched(assistant):
    answer = assistant.ask("コンビニ交付に取り組んでいる自治体は？", city=["根室市", "東御市"])
    summary = summarize(answer, assistant.index)
    assert [(r.prefecture, r.with_plans) for r in summary.present] == [("北海道", 1), ("長野県", 1)]


@pytest.mark.slow
def test_other_answers_are_refused(assistant):
    with pytest.raises(QueryError, match="cross-city"):
        summarize(assistant.ask("根室市のコンビニ交付の取り組みは？"), assistant.index)


class FakeIndex:
    """What ``summarize`` reads of an index: the plans' rows and the cities."""

    def __init__(self, rows: dict[str, dict]):
        self.documents = rows
        self.cities = list(dict.fromkeys(r["city"] for r in rows.values()))


def _answer(cities: list[CityAnswer], searched: list[str]) -> Answer:
    return Answer("q", True, "…", tuple(cities), (), "cross_city", tuple(searched))


def test_prefecture_from_the_plans_rows_unknown_last():
    index = FakeIndex({"a.txt": {"city": "甲市", "prefecture": ""}, "a2.txt": {"city": "甲市", "prefecture": "沖縄"},
                       "b.txt": {"city": "乙町", "prefecture": ""}, "c.txt": {"city": "丙村", "prefecture": "北海道"}})
    listed = [CityAnswer("乙町", None, "=1+1 で住民票", ()), CityAnswer("甲市", None, "コンビニ交付", (), matches_status=False)]
    summary = summarize(_answer(listed, index.cities), index)
    assert [r.prefecture for r in summary.rows][-1] == UNKNOWN and len(summary.rows) == 48
    assert [(r.prefecture, r.with_plans, r.listed, r.other) for r in summary.present] == [
        ("北海道", 1, 0, 0), ("沖縄県", 1, 0, 1), (UNKNOWN, 1, 1, 0)]  # 甲市: its second plan names the prefecture
    assert [r.municipality for r in summary.listed] == ["甲市", "乙町"]
    assert [r.label for r in summary.listed] == ["状況の記載なし"] * 2
    assert [r.prefecture for r in summary.by_share()] == [UNKNOWN, "北海道", "沖縄県"]
    assert summary.counts() == {"北海道": (0, 1), "沖縄県": (0, 1), UNKNOWN: (1, 1)}


def _summary() -> Summary:
    index = FakeIndex({"a.txt": {"city": "=HYPERLINK(1)", "prefecture": "青森県"}, "b.txt": {"city": "乙町", "prefecture": "北海道"}})
    listed = [CityAnswer(c, None, "@SUM(1)", ()) for c in index.cities]
    return summarize(_answer(listed, index.cities), index)


def test_csv_holds_every_listed_municipality_and_no_formula():
    data = csv_bytes(_summary())
    assert data.startswith("\ufeffprefecture,municipality".encode())
    rows = list(csv.reader(io.StringIO(list_csv(_summary()))))
    assert rows[0] == LIST_HEADER and len(rows) == 3
    assert [r[1] for r in rows[1:]] == ["乙町", "'=HYPERLINK(1)"]  # JIS order: 北海道, then 青森県
    assert all(r[LIST_HEADER.index("quote")] == "'@SUM(1)" for r in rows[1:])


def test_xlsx_has_the_list_and_the_counts():
    from openpyxl import load_workbook

    summary = replace(_summary(), question="q")
    book = load_workbook(io.BytesIO(xlsx_bytes(summary)))
    assert book.sheetnames == ["一覧", "都道府県別"]
    items = [[c.value for c in row] for row in book["一覧"].iter_rows()]
    assert items[0] == LIST_HEADER and [r[1] for r in items[1:]] == ["乙町", "=HYPERLINK(1)"]
    assert book["一覧"].cell(row=3, column=2).data_type == "s"  # text, never a formula
    counts = [[c.value for c in row] for row in book["都道府県別"].iter_rows()]
    assert counts[1] == ["北海道", 1, 1, 1, 0, 1.0] and counts[-1] == ["合計", None, 2, 2, 0, 1.0]
