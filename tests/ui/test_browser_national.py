"""A national answer in a real browser: the map of Japan, counts by prefecture, the paged list and its CSV.

The corpus is generated (``python -m eval.national generate --municipalities 50 --sections 8``: 50
municipalities covering all 47 prefectures, ~630 chunks) and indexed with the real model. The page
holds 10 rows here (50 in the app) so that three pages exist. The screenshot goes to
``var/test-artifacts/national.png`` (env ASSISTANT_ARTIFACTS; ``ASSISTANT_ARTIFACTS=docs/screenshots``
refreshes the README's).
"""

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
pytest.importorskip("japanmap")
ARTIFACTS = Path(os.environ.get("ASSISTANT_ARTIFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"))
QUESTION = "コンビニ交付に取り組んでいる自治体は？"
ROWS = 10


@pytest.fixture(scope="module")
def national(tmp_path_factory, encoder):
    """(Assistant over the generated corpus, its folder)."""
    from assistant import Assistant
    from corpus.documents import load_folder
    from eval.national.__main__ import main as generate
    from index.build import build_index
    from index.search import Index

    out = tmp_path_factory.mktemp("national")
    assert generate(["generate", "--municipalities", "50", "--sections", "8", "--out", str(out / "corpus"), "--quiet"]) == 0
    build_index(load_folder(out / "corpus" / "plans"), out / "index", encoder=encoder)
    return Assistant(Index.load(out / "index", encoder=encoder)), out / "corpus"


@pytest.fixture(scope="module")
def url(national, serve, tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("ui.national_view.PAGE_ROWS", ROWS)
        yield serve(national[0], tmp_path_factory.mktemp("ui-tmp"))


@pytest.fixture
def page(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page.goto(url)
    yield page
    page.close()


def _rows(page, selector: str) -> list[dict]:
    return page.locator(selector).evaluate_all("rows => rows.map(r => Object.assign({}, r.dataset))")


def test_national_answer_shows_map_prefecture_table_pages_and_csv(page, national):
    from assistant.summary import summarize

    assistant, corpus = national
    answer = assistant.ask(QUESTION)
    expected = summarize(answer, assistant.index)
    listed = [c.city for c in answer.cities]
    assert answer.intent == "cross_city" and len(assistant.index.cities) == 50 and len(listed) > 2 * ROWS

    assert not page.locator("#national").is_visible()  # hidden until a national answer
    page.locator("#staff-question textarea").fill(QUESTION)
    page.locator("#staff-ask").click()
    page.locator("#national-map svg.japan-map").wait_for(timeout=240_000)

    # the map: 47 prefectures, each coloured by its share, grey for none
    shapes = _rows(page, "#national-map svg path")
    assert len(shapes) == 47 and {s["pref"] for s in shapes} == {r.prefecture for r in expected.rows}
    share = {s["pref"]: s["share"] for s in shapes}
    assert all(share[r.prefecture] == f"{r.share:.4f}" for r in expected.present)

    # the prefecture table agrees with the answer: every prefecture, its plans and its listed municipalities
    table = _rows(page, "#pref-table tbody tr")
    assert len(table) == 47 == expected.spans
    assert sum(int(r["with"]) for r in table) == 50 and sum(int(r["listed"]) for r in table) == len(listed)
    by_pref = {r.prefecture: r.listed for r in expected.present}
    assert {r["pref"]: int(r["listed"]) for r in table} == by_pref
    shares = [int(r["listed"]) / int(r["with"]) for r in table]
    assert shares == sorted(shares, reverse=True)  # highest share first
    head = page.locator("#national-head").inner_text()
    assert f"{len(listed)}" in head and "47都道府県" in head
    assert re.search(rf"(?<!\d){len(listed)}(?!\d)", page.locator("#staff-answer").inner_text())  # the answer's count
    truth = {(r["municipality"], r["prefecture"]) for r in map(json.loads, (corpus / "truth.jsonl").open(encoding="utf-8"))}
    assert all((r["city"], r["pref"]) in truth for r in _rows(page, "#muni-table tbody tr"))  # the generator's prefectures

    page.get_by_label("都道府県コード順").check()
    page.wait_for_function("document.querySelector('#pref-table caption').innerText.includes('コード順')")
    assert _rows(page, "#pref-table tbody tr")[0]["pref"] == "北海道"

    # the list, paged: ten rows a page here, prefecture order
    pages = -(-len(listed) // ROWS)
    pager = page.locator("#national-pager")
    assert pager.get_attribute("data-page") == "1" and pager.get_attribute("data-pages") == str(pages)
    first = [r["city"] for r in _rows(page, "#muni-table tbody tr")]
    assert first == [r.municipality for r in expected.listed[:ROWS]]
    page.locator("#national-next").click()
    page.wait_for_function("document.querySelector('#national-pager').dataset.page === '2'")
    assert [r["city"] for r in _rows(page, "#muni-table tbody tr")] == [r.municipality for r in expected.listed[ROWS:2 * ROWS]]
    page.locator("#national-prev").click()
    page.wait_for_function("document.querySelector('#national-pager').dataset.page === '1'")
    box = page.locator("#national-page input")
    box.fill(str(pages + 5))
    box.press("Enter")  # past the end: the last page
    page.wait_for_function(f"document.querySelector('#national-pager').dataset.page === '{pages}'")
    assert box.input_value() == str(pages)
    assert len(_rows(page, "#muni-table tbody tr")) == len(listed) - (pages - 1) * ROWS

    # the CSV holds every listed municipality (not only a page); the Excel file is offered too
    link = page.locator("#national-csv a[href]").first
    link.wait_for(timeout=60_000)
    with page.expect_download() as download:
        link.click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith("\ufeffprefecture,municipality".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert sorted(r["municipality"] for r in rows) == sorted(listed)
    assert all(r["quote"] and r["doc_id"] for r in rows)
    assert page.locator("#national-xlsx a[href]").first.is_visible()

    page.locator("#national-prev").click()  # page 2 of 3 for the picture, sorted by share again
    page.get_by_label("割合の高い順").check()
    page.wait_for_function("document.querySelector('#pref-table caption').innerText.includes('割合')")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#national").screenshot(path=str(ARTIFACTS / "national.png"))
