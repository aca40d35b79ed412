"""The national view's values (ui.national_view) over a hand-made answer: no model, no browser."""

import re

import pytest
from lxml import html as lhtml

from assistant.answer import Answer, Citation, CityAnswer
from assistant.quotes import Quote
from assistant.status import Status
from index.search import Hit
from ui.files import TempFiles
from ui.national_view import PAGE_ROWS, SORTS, NationalView, listing_html, table_html

pytest.importorskip("japanmap")
PREFS = ["北海道", "東京都", "沖縄県"]


class FakeIndex:
    build_name = "b1"

    def __init__(self, n: int):
        self.documents = {f"{i:03d}.txt": {"city": f"市{i:03d}", "prefecture": PREFS[i % 3]} for i in range(n)}
        self.cities = [r["city"] for r in self.documents.values()]


class FakeAssistant:
    """Answers one cross-city question: 市000–市119 listed (every fourth with another status), 30 more searched."""

    def __init__(self):
        self.index, self.asked = FakeIndex(150), []

    def ask(self, question, city=None, method="hybrid"):
        self.asked.append(question)
        if "市民" in question:
            return Answer(question, False, "…", (), (), "general")
        cities = []
        for i in range(120):
            doc = f"{i:03d}.txt"
            hit = Hit(1, 1.0, f"{doc}#0", doc, f"市{i:03d}", "第2章 > 窓口", "<b>コンビニ交付</b>を実施する。", 10, 40, 1, 1, "計画")
            status = Status("planned", "計画", "予定") if i % 4 else Status("implemented", "実施済", "済")
            cite = Citation(hit, (Quote("<b>コンビニ交付</b>を実施する。", 10, 30),), 0.9, status, (status,))
            cities.append(CityAnswer(f"市{i:03d}", status, "…", (cite,), matches_status=bool(i % 4)))
        return Answer(question, True, "…", tuple(cities), (), "cross_city", tuple(self.index.cities), asked_status="planned")


@pytest.fixture
def view(tmp_path):
    return NationalView(TempFiles(tmp_path / "ui-tmp"), kept=2)


def test_show_draws_map_table_first_page_and_files(view):
    assistant = FakeAssistant()
    shown = view.show(assistant, "コンビニ交付を計画している自治体は？", [], "hybrid")
    assert shown.page == 1 and shown.asked == ("コンビニ交付を計画している自治体は？", (), "hybrid")
    assert shown.map.count("<path ") == 47 and 'data-listed="90"' in shown.map  # 120 listed, 30 with another status
    rows = lhtml.fromstring(shown.table).xpath("//tbody/tr")
    assert [(r.get("data-pref"), r.get("data-with"), r.get("data-listed"), r.get("data-other")) for r in rows] == [
        ("北海道", "50", "30", "10"), ("東京都", "50", "30", "10"), ("沖縄県", "50", "30", "10")]
    listing = lhtml.fromstring(shown.listing)
    assert len(listing.xpath("//tbody/tr")) == PAGE_ROWS and "<b>" not in shown.listing  # plan text is escaped
    assert listing.xpath("//tbody/tr")[0].get("data-pref") == "北海道"
    assert shown.csv.endswith(".csv") and shown.xlsx.endswith(".xlsx")
    with open(shown.csv, encoding="utf-8-sig") as fh:
        assert len(fh.read().splitlines()) == 121
    assert len(assistant.asked) == 1  # not held yet: asked once


def test_pages_turn_and_clamp_without_asking_again(view):
    assistant = FakeAssistant()
    answer = assistant.ask("q")
    view.keep(assistant, "q", None, "hybrid", answer)
    asked = ("q", (), "hybrid")
    listing, page = view.page(assistant, asked, 1, 1)
    assert page == 2 and 'data-page="2"' in listing and "51–100件" in listing
    listing, page = view.page(assistant, asked, 3, 1)
    assert page == 3 and len(lhtml.fromstring(listing).xpath("//tbody/tr")) == 20  # 120 = 50 + 50 + 20
    assert view.page(assistant, asked, 1, -1)[1] == 1 and view.page(assistant, asked, "x")[1] == 1
    assert view.page(assistant, None, 2) == ("", 1)
    assert assistant.asked == ["q"]  # every page from the held summary


def test_a_summary_pushed_out_is_made_again_and_others_show_nothing(view):
    assistant = FakeAssistant()
    for q in ("a", "b", "c"):
        view.keep(assistant, q, [], "hybrid", assistant.ask(q))
    assert view.page(assistant, ("a", (), "hybrid"), 2)[1] == 2 and assistant.asked == ["a", "b", "c", "a"]
    assert view.show(assistant, "市民の質問", [], "hybrid") is None  # not cross-city
    assert view.show(assistant, "", [], "hybrid") is None


def test_prefecture_table_sorts_by_share_or_jis(view):
    assistant = FakeAssistant()
    summary = view.keep(assistant, "q", [], "hybrid", assistant.ask("q"))
    skewed = summary.__class__(summary.question, summary.asked_status,
                               tuple(r.__class__(r.prefecture, r.code, r.with_plans, r.listed - (5 if r.code == 1 else 0), r.other)
                                     for r in summary.rows), summary.listed)
    by_share = [r.get("data-pref") for r in lhtml.fromstring(table_html(skewed, SORTS[0])).xpath("//tbody/tr")]
    jis = [r.get("data-pref") for r in lhtml.fromstring(table_html(skewed, SORTS[1])).xpath("//tbody/tr")]
    assert by_share == ["東京都", "沖縄県", "北海道"] and jis == PREFS
    assert re.search(r"<tfoot>.*合計.*</tfoot>", table_html(skewed))
    assert "別の状況" in table_html(skewed)  # a status was asked: the other column shows
    assert "（問いと別の状況）" in listing_html(summary, 1)
