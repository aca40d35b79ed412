"""A corpus folder mixing .txt, .md, .html and .pdf: every file indexed, PDF citations on the right page."""

import json
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest


pytestmark = pytest.mark.slow
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
PDF = SHARED / "external" / "opendata-report" / "opendata_dataops_2023.pdf"
if not PDF.is_file():
    pytest.skip(f"the external documents are not at {PDF.parent} (../shared beside the repo)", allow_module_level=True)

MARKDOWN = """{{first:2021-09-06}}
# 議案第47号 甲府市手数料条例の一部改正について

<legend><h2>ポイント</h2></legend>
住民票の写しのコンビニ交付手数料を、窓口より100円安くします。[第47号](./gian-47.md) を参照。
詳細は https://example.invalid/very/long/url/that/should/not/stay を見てください。
"""
HTML = """<html><head><title>広報みなと市 4月号</title></head><body>
<nav><a href="/">トップ</a> | <a href="/kurashi">くらし</a></nav>
<header>みなと市役所</header>
<h1>みなと市 図書館の電子書籍サービス</h1>
<p>みなと市立図書館は、令和7年4月から<b>電子書籍の貸出</b>を始めます。<a href="https://example.invalid/x">申込み</a></p>
<table><tr><th>サービス</th><th>開始</th></tr><tr><td>電子書籍</td><td>令和7年4月</td></tr></table>
<footer>© みなと市</footer><script>alert(1)</script>
</body></html>"""
TEXT = "第1次山田市DX推進計画\n\n第1章 計画の概要\n山田市は公共施設の予約をオンライン化します。\n"


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _pdf_page_of(sentence: str) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(PDF.read_bytes())
    pages = [n + 1 for n in range(len(doc)) if _squash(sentence) in _squash(doc[n].get_textpage().get_text_range())]
    assert len(pages) == 1, pages
    return pages[0]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """(index folder, build report) of a four-format corpus, built through the CLI."""
    corpus = tmp_path_factory.mktemp("mixed")
    (corpus / "kofu.md").write_text(MARKDOWN, encoding="utf-8")
    (corpus / "minato.html").write_text(HTML, encoding="utf-8")
    (corpus / "yamada.txt").write_text(TEXT, encoding="utf-8")
    shutil.copy(PDF, corpus / "opendata_2023.pdf")
    (corpus / "manifest.json").write_text(json.dumps({"documents": [
        {"doc_id": "kofu.md", "city": "甲府市"}, {"doc_id": "opendata_2023.pdf", "city": "デジタル庁"}]},
        ensure_ascii=False), encoding="utf-8")
    folder = tmp_path_factory.mktemp("index") / "index"
    out = subprocess.run([sys.executable, "-m", "assistant", "index", "build", "--corpus", str(corpus), "--index",
                          str(folder), "--json", "--quiet"], capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    return folder, json.loads(out.stdout)


@pytest.fixture(scope="module")
def mixed_assistant(mixed):
    from assistant import Assistant
    from index.encoder import Encoder
    from index.search import Index

    return Assistant(Index.load(mixed[0], encoder=Encoder()))


def test_every_format_is_indexed(mixed, mixed_assistant):
    _, report = mixed
    assert report["documents"] == 4 and report["skipped"] == []
    assert set(mixed_assistant.cities) == {"甲府市", "みなと市", "山田市", "デジタル庁"}


def test_markup_never_reaches_the_chunks(mixed_assistant):
    for chunk in mixed_assistant.index.chunks:
        for bad in ("](", "<a ", "<p>", "http://", "https://", "{{", "alert(", "トップ | "):
            assert bad not in chunk.text, (chunk.doc_id, bad, chunk.text)


def test_markdown_and_html_headings_give_paths(mixed_assistant):
    hit = mixed_assistant.search("コンビニ交付手数料 100円安く", k=1, city="甲府市")[0]
    assert hit.section.endswith("ポイント") and hit.doc_title.startswith("議案第47号")  # the title is the plan's, not a section
    hit = mixed_assistant.search("電子書籍の貸出", k=1, city="みなと市")[0]
    # a page's h1 is its title (the <title> names the site): shown as the plan's title, like a plan's first line
    assert hit.doc_title == "みなと市 図書館の電子書籍サービス" and hit.page is None


@pytest.mark.parametrize("sentence", [
    "この提案の有効性については検証中であり、有効性の確認の為、イベントを行うこととした。",
    "日本の総合順位が36ヵ国中4位",  # wrapped over two lines in the PDF
    "DataOpsプロセスの活用により、アクセシビリティの評価改善となるか否かを確認する。",
    "しかし、以下のような課題がまだ残っている為、今後もさらに検討を進める必要がある",
])
def test_a_pdf_citation_names_the_page_its_text_stands_on(mixed_assistant, sentence):
    page = _pdf_page_of(sentence)
    hits = [h for h in mixed_assistant.search(sentence, k=10, city="デジタル庁", method="bm25")
            if _squash(sentence) in _squash(h.text)]
    assert hits, f"no passage holds {sentence!r}"
    hit = hits[0]
    assert hit.page is not None and hit.page <= page <= hit.page_end
    source = mixed_assistant.index.sources[hit.doc_id]
    offset = source.find(sentence, hit.start, hit.end)
    if offset >= 0:
        assert mixed_assistant.index.page_of(hit.doc_id, offset) == page


def test_search_json_has_pages_for_pdf_and_null_for_text(mixed):
    folder, _ = mixed
    out = subprocess.run([sys.executable, "-m", "assistant", "search", "公共施設の予約", "--index", str(folder), "--json",
                          "-k", "20"], capture_output=True, text=True, timeout=300)
    hits = json.loads(out.stdout)["hits"]
    assert all("page" in h and "page_end" in h for h in hits)
    assert all(h["page"] is None for h in hits if not h["doc_id"].endswith(".pdf"))
    assert any(h["page"] for h in hits if h["doc_id"].endswith(".pdf"))


def test_a_plan_with_no_city_is_refused_naming_city(tmp_path, mixed):
    from index import snapshot

    folder, _ = mixed
    plain = tmp_path / "report.md"
    plain.write_text("# 年次報告\n本文です。\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "assistant", "index", "add", str(plain), "--index", str(folder)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "--city" in out.stderr and "Traceback" not in out.stderr
    assert "report" not in {row["city"] for row in snapshot.load(folder).documents.values()}


def test_the_ui_serves_the_cited_pdf_and_links_its_page(mixed_assistant, tmp_path):
    """「p. N」 links to the plan's own PDF at ``#page=N``; only PDFs of the index are served."""
    pytest.importorskip("gradio")
    import socket
    import httpx

    from ui import render
    from ui.app import build_app, launch
    from ui.files import TempFiles

    answer = mixed_assistant.ask("日本の総合順位は何位", city="デジタル庁").to_dict()
    cited = [c for c in answer["citations"] if c["page"]]
    assert cited
    html = render.citations_html(answer, mixed_assistant.index.sources, [])
    assert f'href="plan-pdf/opendata_2023.pdf#page={cited[0]["page"]}"' in html

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = build_app(mixed_assistant, TempFiles(tmp_path / "ui-tmp"))
    launch(app, "127.0.0.1", port, block=False, quiet=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            pdf = client.get("/plan-pdf/opendata_2023.pdf")
            assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
            assert pdf.content == PDF.read_bytes()
            assert pdf.headers["content-disposition"].startswith("inline")
            for refused in ("/plan-pdf/yamada.txt", "/plan-pdf/..%2F..%2Fetc%2Fpasswd", "/plan-pdf/nothing.pdf"):
                assert client.get(refused).status_code == 404, refused
            assert client.post("/plan-pdf/opendata_2023.pdf").status_code == 405
    finally:
        app.close()
