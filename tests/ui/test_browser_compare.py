"""The matrix tab and the citizen chat for one city, in a real browser (Debian's Chromium driven by Playwright).

Screenshots go to ``var/test-artifacts`` (env ASSISTANT_ARTIFACTS; ``ASSISTANT_ARTIFACTS=docs/screenshots``
refreshes the README's ``matrix.png`` and ``citizen-city.png``).
"""

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ARTIFACTS = Path(os.environ.get("ASSISTANT_ARTIFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"))
STATUS_WORDS = ("実施済み", "計画中", "検討中", "未導入", "状況の記載なし", "記載なし")


@pytest.fixture
def page(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.goto(app_url)
    yield page
    page.close()


def _shot(page, name, locator=None):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (locator or page).screenshot(path=str(ARTIFACTS / name))


def test_matrix_tab_builds_coloured_cells_opens_evidence_and_downloads_csv(page):
    page.get_by_role("tab", name="比較表").click()
    page.locator("#matrix-build").click()
    table = page.locator("#matrix-table table.matrix")
    table.wait_for(timeout=180_000)
    assert table.locator("tbody tr").count() >= 12 and table.locator("thead th").count() == 6  # テーマ + five cities
    done = table.locator("td.st-implemented").first
    assert done.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(198, 239, 206)"  # COLOURS["implemented"]
    assert table.locator("td.st-empty").first.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
    cell = table.locator('td[data-topic="コンビニ交付"][data-city="根室市"]')
    cell.locator("summary").click()
    evidence = cell.locator(".evidence")
    assert evidence.is_visible() and "文字目" in evidence.inner_text() and "コンビニ" in evidence.inner_text()
    empty = table.locator('td[data-topic="コンビニ交付"][data-city="東御市"]')
    empty.locator("summary").click()
    assert "理由" in empty.locator(".evidence").inner_text()
    link = page.locator("#matrix-csv a[href]").first
    link.wait_for(timeout=60_000)
    with page.expect_download() as download:
        link.click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith("\ufefftopic,city,listed".encode())
    assert page.locator("#matrix-xlsx a[href]").first.is_visible()
    table.locator('tr:has(th:text-is("テレワーク")) summary').first.click()  # one more open cell for the picture
    _shot(page, "matrix.png", page.locator("#matrix-table"))


def _choose_city(page, city):
    box = page.locator("#citizen-city input")
    box.click()
    page.get_by_role("option", name=city, exact=True).click()
    assert box.input_value() == city


def test_citizen_chat_for_a_chosen_city(page):
    page.get_by_role("tab", name="市民向けFAQ").click()
    _choose_city(page, "根室市")
    page.locator("#citizen-message textarea").fill("住民票はコンビニで取れる？")
    page.locator("#citizen-send").click()
    page.wait_for_function("document.querySelector('#citizen-chat').innerText.includes('出典')", timeout=180_000)
    bot = page.locator("#citizen-chat .bot, #citizen-chat [data-testid='bot']").last
    reply = bot.inner_text()
    first = reply.strip().splitlines()[0]
    assert "根室市" in first and any(word in first for word in STATUS_WORDS)
    assert re.search(r"「[^」]*ようにします。」", reply)  # the sentence that explains the service, quoted
    lines = [line.strip() for line in reply.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), lines
    _shot(page, "citizen-city.png")
