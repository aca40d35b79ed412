"""The real app in a real browser: Debian's Chromium driven by Playwright.

Screenshots of both tabs are saved under ``var/test-artifacts`` (env ASSISTANT_ARTIFACTS).
"""

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ARTIFACTS = Path(os.environ.get("ASSISTANT_ARTIFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"))


@pytest.fixture
def page(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(app_url)
    yield page
    page.close()


def _staff_ask(page, question):
    page.locator("#staff-question textarea").fill(question)
    page.locator("#staff-ask").click()
    page.wait_for_selector("#staff-answer .answer", timeout=120_000)


def test_staff_example_question_shows_nemuro_with_a_citation(page):
    _staff_ask(page, "コンビニ交付を計画している市は？")
    assert "根室市" in page.locator("#staff-answer").inner_text()
    nemuro = page.locator('#staff-citations .citation[data-city="根室市"]').first
    assert "コンビニ交付" in nemuro.inner_text()
    assert "根室市" in page.locator("#staff-table").inner_text()
    nemuro.locator("summary").click()  # read in context
    assert nemuro.locator("pre.context").is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff.png"), full_page=True)


def test_citizen_chat_round_trip(page):
    page.get_by_role("tab", name="市民向けFAQ").click()
    page.locator("#citizen-message textarea").fill("市役所に行かずに手続きできますか")
    page.locator("#citizen-send").click()
    bot = page.locator("#citizen-chat .bot, #citizen-chat [data-testid='bot']").last
    bot.wait_for(timeout=120_000)
    page.wait_for_function("document.querySelector('#citizen-chat').innerText.includes('出典')", timeout=120_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "citizen.png"), full_page=True)


def test_markup_in_input_is_shown_as_text_and_runs_nothing(page):
    attack = "<img src=x onerror=alert(1)>"
    _staff_ask(page, attack)
    page.get_by_role("tab", name="市民向けFAQ").click()
    page.locator("#citizen-message textarea").fill(attack)
    page.locator("#citizen-send").click()
    page.wait_for_function("document.querySelector('#citizen-chat').innerText.includes('onerror')", timeout=120_000)
    assert attack in page.locator("#citizen-chat").inner_text()
    assert page.locator("#citizen-chat img[src='x'], #staff-answer img, #staff-citations img").count() == 0
    page.wait_for_timeout(500)
    assert page.dialogs == []


def test_login_page_works_behind_the_guard(browser, assistant, serve, tmp_path_factory):
    url = serve(assistant, tmp_path_factory.mktemp("ui-tmp"), auth=[("staff", "s3cret-pw")])
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        page.goto(url)
        page.locator("input[type=password]").wait_for(timeout=60_000)
        assert page.locator("#staff-question").count() == 0  # nothing of the app before the login
        page.locator("input[type=text], input:not([type])").first.fill("staff")
        page.locator("input[type=password]").fill("s3cret-pw")
        page.get_by_role("button", name="Login").click()
        _staff_ask(page, "コンビニ交付を計画している市は？")
        assert "根室市" in page.locator("#staff-answer").inner_text()
    finally:
        page.close()
