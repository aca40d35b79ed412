"""Markup inside a plan reaches the page as text: in a real browser, nothing in it is fetched or clickable.

A plan holding a Markdown image, a Markdown link, an HTML image and bare URLs, all pointing at a
local server that counts its hits, is indexed and asked about in the citizen chat and the staff tab.
"""

import http.server
import threading

import pytest

from corpus.documents import Document

pytestmark = pytest.mark.slow


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def bait():
    """A local server: every request that reaches it is a failure of the test."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Counter.hits
    server.shutdown()


def _plan(base: str) -> str:
    return f"""罠市スマート農業推進計画 ![x]({base}/b.png) [link]({base}/x) <img src={base}/c.png>

第1章 計画の概要
罠市は、農業の担い手不足に対応するため、スマート農業を推進します。

第2章 施策
1. 担い手対策 ![h]({base}/h.png)
農家が農業用ドローンを購入する費用を市が補助します ![z]({base}/z.png) 詳しくは [案内]({base}/guide) を参照 <img src={base}/i.png> 資料 {base}/d.png
農薬散布の講習会を開催します ![y]({base}/e.png)
"""


@pytest.fixture(scope="module")
def markup_url(bait, encoder, serve, tmp_path_factory):
    from assistant import Assistant
    from index.build import build_index
    from index.search import Index

    folder = tmp_path_factory.mktemp("markup-index")
    build_index([Document("trap.md", _plan(bait[0]), "罠市", "罠市スマート農業推進計画")], folder, encoder=encoder)
    return serve(Assistant(Index.load(folder, encoder=encoder)), tmp_path_factory.mktemp("ui-tmp"))


@pytest.fixture
def page(browser, markup_url, bait):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.goto(markup_url)
    yield page
    page.close()


def _assert_nothing_from_the_plan_is_live(page, base, hits, where):
    page.wait_for_timeout(1500)  # time for any image the page would load
    assert [u for u in page.requested if u.startswith(base)] == [] and hits == []
    assert page.locator(f'{where} img[src^="{base}"], {where} a[href^="{base}"]').count() == 0
    assert page.locator(f"{where} img").count() == 0 and page.locator(f"{where} a[href^='http']").count() == 0


def test_plan_markup_in_the_chat_is_text(page, bait):
    base, hits = bait
    page.get_by_role("tab", name="市民向けFAQ").click()
    page.locator("#citizen-message textarea").fill("農業用ドローンを買う費用の補助はありますか")
    page.locator("#citizen-send").click()
    page.wait_for_function("document.querySelector('#citizen-chat').innerText.includes('出典')", timeout=120_000)
    text = page.locator("#citizen-chat").inner_text()
    # Shown as written (the index keeps a plan's text, not its HTML tags: <img> itself never gets here).
    assert "罠市" in text and "![" in text and f"]({base}/" in text
    _assert_nothing_from_the_plan_is_live(page, base, hits, "#citizen-chat")


def test_plan_markup_in_the_staff_tab_is_text(page, bait):
    base, hits = bait
    page.locator("#staff-question textarea").fill("農業用ドローンを買う費用を補助している市は？")
    page.locator("#staff-ask").click()
    page.wait_for_selector("#staff-citations .citation", timeout=120_000)
    page.locator("#staff-citations summary").first.click()  # the context view shows more of the plan
    shown = page.locator("#staff-citations").inner_text()
    # Markdown shows as the words it is; HTML tags are dropped from what is shown (read in context: normalized text)
    assert f"![z]({base}/z.png)" in shown and "<img" not in shown and "農家が農業用ドローンを購入する費用" in shown
    for where in ("#staff-answer", "#staff-table", "#staff-citations"):
        _assert_nothing_from_the_plan_is_live(page, base, hits, where)
