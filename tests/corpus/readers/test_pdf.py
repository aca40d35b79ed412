"""PDF reader: the real 2023 DataOps report against its Markdown twin, and small PDFs built here.

The report (23 pages, Chromium print of the Markdown) lives in ../shared; the
small PDFs are drawn with pdfium itself (standard fonts, so Latin text only).
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import os
from collections import Counter

import pytest

from corpus.errors import CorpusError
from corpus.readers.pdf import Layout, Line, drop_furniture, read, wrapped
from eval.pdf_extract import MARKDOWN, PDF, bigram_f1, ja_spaces, markdown_headings, markdown_text, per_1000, raw_text, squash

pdfium = pytest.importorskip("pypdfium2")
raw = pdfium.raw

W, H = 595, 842


# -- small PDFs drawn with pdfium ----------------------------------------------------------------
def make_pdf(pages: list[list[tuple]], rects: list[tuple] = ()) -> bytes:
    """``pages``: per page ``(x, baseline_from_top, size, text, font)``; ``rects``: ``(page, x0, top, x1, bottom)`` filled black."""
    pdf = pdfium.PdfDocument.new()
    for p, items in enumerate(pages):
        page = pdf.new_page(W, H)
        for x, baseline, size, text, font in items:
            obj = raw.FPDFPageObj_NewTextObj(pdf.raw, font.encode(), ctypes.c_float(size))
            wide = (text + "\0").encode("utf-16-le")
            raw.FPDFText_SetText(obj, ctypes.cast(ctypes.c_char_p(wide), ctypes.POINTER(raw.FPDF_WCHAR)))
            raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, H - baseline)
            raw.FPDFPage_InsertObject(page.raw, obj)
        for rp, x0, top, x1, bottom in rects:
            if rp == p:
                obj = raw.FPDFPageObj_CreateNewRect(x0, H - bottom, x1 - x0, bottom - top)
                raw.FPDFPageObj_SetFillColor(obj, 0, 0, 0, 255)
                raw.FPDFPath_SetDrawMode(obj, raw.FPDF_FILLMODE_WINDING, False)
                raw.FPDFPage_InsertObject(page.raw, obj)
        raw.FPDFPage_GenerateContent(page.raw)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s, j = list(range(256)), 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def encrypted_pdf(user: bytes = b"secret", owner: bytes = b"owner") -> bytes:
    """A one-page PDF under the standard security handler, revision 2 (RC4, 40 bits), user password ``user``."""
    p, file_id = -4, b"0123456789abcdef"
    o = _rc4(hashlib.md5((owner + _PAD)[:32]).digest()[:5], (user + _PAD)[:32])
    key = hashlib.md5((user + _PAD)[:32] + o + p.to_bytes(4, "little", signed=True) + file_id).digest()[:5]
    u = _rc4(key, _PAD)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
               b"<< /Filter /Standard /V 1 /R 2 /O <" + o.hex().encode() + b"> /U <" + u.hex().encode() + b"> /P -4 >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<" % (len(objects) + 1) + file_id.hex().encode()
            + b"> <" + file_id.hex().encode() + b">] >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return bytes(out)


def test_running_headers_footers_and_page_numbers_are_dropped():
    pages = []
    for n in range(1, 5):
        items = [(60, 40, 9, "Riverside City Plan 2024", "Helvetica"), (280, 815, 9, f"- {n} -", "Helvetica")]
        items += [(60, 200 + 14 * k, 10, f"Page {n} line {k} ends here.", "Helvetica") for k in range(3)]
        pages.append(items)
    ex = read(make_pdf(pages), "plan.pdf")
    assert "Riverside" not in ex.text and "- 2 -" not in ex.text
    # lines of one width are all "full": one paragraph running over the page breaks, pages start inside it
    assert ex.text == " ".join(f"Page {n} line {k} ends here." for n in range(1, 5) for k in range(3))
    assert ex.pages == tuple(ex.text.find(f"Page {n} line 0") for n in range(1, 5))


def test_page_number_forms_in_the_bands_only():
    def line(page: int, top: float, text: str) -> Line:
        return Line(page, text, 60, top, 60 + 6 * len(text), top + 10, 10)

    forms = ["12", "- 12 -", "12 / 23", "p. 3", "（3）", "—4—"]
    pages = [[line(i, 400, f"body {i}"), line(i, 820, forms[i]), line(i, 400 + 20, "12")] for i in range(len(forms))]
    kept = drop_furniture(pages, H)
    assert [[l.text for l in page] for page in kept] == [[f"body {i}", "12"] for i in range(len(forms))]


def test_headings_from_font_size_and_weight():
    items = [(60, 100, 20, "Overview", "Helvetica"), (60, 140, 14, "Background", "Helvetica"),
             (60, 170, 10, "Scope", "Helvetica-Bold")]
    items += [(60, 190 + 12 * k, 10, f"Sentence {k} of the body text.", "Helvetica") for k in range(4)]
    ex = read(make_pdf([items]), "h.pdf")
    assert ex.text.split("\n")[:3] == ["# Overview", "## Background", "### Scope"]


def _wrap(words: list[str], width: int) -> list[str]:
    lines = [""]
    for word in words:
        if len(lines[-1]) + len(word) + 1 > width and lines[-1]:
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    return lines


def test_wrapped_lines_join_into_paragraphs_and_short_lines_end_them():
    # Courier is monospaced (0.6 em), so a 60-character column wraps exactly as _wrap does
    first = ("The council reviews the plan every year and publishes the results of each review "
             "together with the budget for the following year").split()
    second = "Residents may comment on the draft at any library.".split()
    lines = _wrap(first, 60) + _wrap(second, 60)
    filler = [(60, 400 + 12 * k, 10, "x" * 60, "Courier") for k in range(3)]  # full lines: the column's right edge
    items = [(60, 100 + 12 * k, 10, text, "Courier") for k, text in enumerate(lines)] + filler
    ex = read(make_pdf([items]), "wrap.pdf")
    assert ex.text.split("\n")[:2] == [" ".join(first), " ".join(second)]


def test_wrapped_decision_on_hand_made_lines():
    layout = Layout(10.5, {10.5: 16.5}, 15.0, tuple((43.0, 547.0) for _ in range(10)))

    def line(text: str, x0: float, x1: float, top: float, lead: float = 10.5) -> Line:
        return Line(0, text, x0, top, x1, top + 12, 10.5, lead=lead, em=10.5)

    full = line("データ利用者が利用できる形で提供・公開を行う為には、その前提となるデータの", 43, 540, 100)
    assert wrapped(full, line("整備が必要である。", 43, 140, 116.5), layout)  # 540 + 10.5 > 547 + 0.2 em
    short = line("必要なデータが探しづらい", 73, 198, 100)
    assert not wrapped(short, line("必要なデータが公開されていない", 73, 229, 116.5), layout)
    assert wrapped(line("…ことを実感できた。これを受けて次の検証を行うことになったのであ", 43, 535, 100),
                   line("る。", 43, 64, 116.5, lead=21.0), layout)  # "る。" moves together: 535 + 21 > 547 + 0.2 em
    assert not wrapped(full, line("・箇条書きの項目", 43, 140, 116.5), layout)
    assert not wrapped(full, line("次の段落", 43, 140, 143.5), layout)  # a paragraph gap, not a line pitch


def _grid_rects(page: int, xs: list[float], ys: list[float], open_v=(), open_h=()) -> list[tuple]:
    """Cell borders as thin rectangles; ``open_v``/``open_h``: (x, row) / (y, column) with no border (spans)."""
    rects = []
    for i in range(len(ys) - 1):
        for x in xs:
            if (x, i) not in open_v:
                rects.append((page, x - 0.4, ys[i], x + 0.4, ys[i + 1]))
    for j in range(len(xs) - 1):
        for y in ys:
            if (y, j) not in open_h:
                rects.append((page, xs[j], y - 0.4, xs[j + 1], y + 0.4))
    return rects


def test_ruled_table_rows_with_spans_and_a_repeated_header():
    xs, ys = [60, 200, 300, 400], [100, 130, 160, 190, 220]
    spans = {"open_v": {(300, 0)}, "open_h": {(130, 0)}}  # "Budget" spans two columns, "Item" two rows

    def cells(rows: list[list[str]]) -> list[tuple]:
        return [(xs[j] + 5, ys[i] + 20, 10, text, "Helvetica") for i, row in enumerate(rows) for j, text in enumerate(row) if text]

    head = [["Item", "Budget", ""], ["", "2023", "2024"]]
    page1 = [(60, 80, 10, "The budget table:", "Helvetica")] + cells(head + [["Parks", "120", "150"], ["Roads", "300", "320"]])
    page2 = cells(head + [["Bridges", "50", "60"]]) + [(60, 260, 10, "Figures in million yen.", "Helvetica")]
    rects = _grid_rects(0, xs, ys, **spans) + _grid_rects(1, xs, ys[:4], **spans)
    ex = read(make_pdf([page1, page2], rects), "table.pdf")
    assert ex.text.split("\n") == ["The budget table:", "Item\tBudget\t", "\t2023\t2024", "Parks\t120\t150",
                                   "Roads\t300\t320", "Bridges\t50\t60", "Figures in million yen."]
    assert ex.page_of(ex.text.find("Bridges")) == 2


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\n", os.urandom(4096)], ids=["empty", "header-only", "random"])
def test_unreadable_bytes_raise_corpus_error_naming_the_file(data):
    with pytest.raises(CorpusError, match=r"^bad\.pdf: not a readable PDF"):
        read(data, "bad.pdf")


def test_password_protected_pdf_is_refused():
    data = encrypted_pdf()
    assert len(pdfium.PdfDocument(data, password="secret")) == 1  # a valid file: only the password is missing
    with pytest.raises(CorpusError, match=r"^locked\.pdf: the PDF is password-protected"):
        read(data, "locked.pdf")


def test_pdf_without_text_layer_asks_for_ocr():
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(W, H)
    out = io.BytesIO()
    pdf.save(out)
    with pytest.raises(CorpusError, match=r"^scan\.pdf: .*no text layer.*OCR"):
        read(out.getvalue(), "scan.pdf")


# -- the real report -----------------------------------------------------------------------------
needs_report = pytest.mark.skipif(not (PDF.is_file() and MARKDOWN.is_file()),
                                  reason=f"the DataOps report and its Markdown twin are not in {PDF.parent} (../shared beside the repo)")


@pytest.fixture(scope="module")
def report():
    data = PDF.read_bytes()
    return read(data, PDF.name), raw_text(data), MARKDOWN.read_text(encoding="utf-8")


@needs_report
def test_report_truncated_is_refused():
    with pytest.raises(CorpusError, match=rf"^{PDF.name}: not a readable PDF"):
        read(PDF.read_bytes()[: PDF.stat().st_size // 2], PDF.name)


@needs_report
def test_report_headings_match_the_markdown(report):
    """Share of the Markdown's ``#`` heading titles (NFKC, white space removed; a multiset, 概要 comes thrice)
    found among the extracted ``#`` lines or numbered lines. Measured: 36 of 36, and no extra ``#`` line."""
    ex, _, md = report
    wanted = Counter(markdown_headings(md))
    lines = [line for line in ex.text.split("\n") if line.strip()]
    marked = Counter(squash(line) for line in lines if line.startswith("#"))
    found = sum((wanted & (marked + Counter(squash(line) for line in lines if not line.startswith("#")))).values())
    assert found / sum(wanted.values()) >= 0.95
    assert sum((marked - wanted).values()) <= 0.1 * sum(wanted.values())  # few headings the Markdown has not


@needs_report
def test_report_text_agrees_with_the_markdown(report):
    """Text agreement = F1 of the multisets of character bigrams of the whole document, both sides squashed
    (NFKC, URLs, Markdown/HTML markup, heading marks and all white space removed). Measured: 1.0 (raw pdfium: 0.985)."""
    ex, raw_pdf, md = report
    reference = squash(markdown_text(md))
    assert bigram_f1(squash(ex.text), reference) >= 0.95
    assert bigram_f1(squash(ex.text), reference) > bigram_f1(squash(raw_pdf), reference)


@needs_report
def test_report_pages_point_at_the_right_page(report):
    ex, _, _ = report
    doc = pdfium.PdfDocument(PDF.read_bytes())
    page_texts = [squash(doc[i].get_textpage().get_text_range()) for i in range(len(doc))]
    assert len(ex.pages) == len(doc) == 23 and list(ex.pages) == sorted(ex.pages)
    sentences = [
        "本報告書は開発イベントで得た成果や課題を元に、有効性を確認する為の改善案をとりまとめたものである。",
        "データ利用者がオープンデータを活用する方法として、データの可視化があげられる。",
        "二次データ提供者の作業プロセスは既存のDataOpsプロセスには存在しない為、以下を想定。",
        "以下総務省のレポート[^9]からも、自治体職員以外の人材に頼らざるを得ない状況と言える。",
        "最終的には、このDataOpsプロセスの概念を普及させることで、日本のオープンデータの改善及び",
    ]
    for sentence in sentences:
        pages = [i + 1 for i, t in enumerate(page_texts) if squash(sentence) in t]
        assert len(pages) == 1, sentence
        assert ex.page_of(ex.text.find(sentence)) == pages[0], sentence
    for i, start in enumerate(ex.pages):  # every page starts with text of that page
        if page_texts[i]:
            assert squash(ex.text[start : start + 12])[:6] in page_texts[i], i + 1


@needs_report
def test_report_text_is_clean(report):
    ex, raw_pdf, _ = report
    lines = ex.text.split("\n")
    assert not [l for l in lines if l.strip().strip("-–—()（） ").isdigit() or "/" in l and l.replace(" ", "").replace("/", "").isdigit()]
    assert per_1000(ja_spaces(ex.text), ex.text) < 0.05  # measured 0.0 (raw pdfium: 0.39)
    assert per_1000(ex.text.count("\n"), ex.text) < 0.5 * per_1000(raw_pdf.count("\n"), raw_pdf)  # measured 20.0 vs 58.3
    assert "http" not in ex.text
    pages_of = {}
    for line in lines:  # no line repeated on many pages: running headers are gone
        if line and not line.startswith("#") and "\t" not in line:
            pages_of.setdefault(line, set()).add(ex.page_of(ex.text.find(line)))
    assert max(len(p) for p in pages_of.values()) < 5


@needs_report
def test_report_chunks_with_the_real_chunker(report):
    from corpus.chunk import chunk_document
    from corpus.documents import Document

    ex, _, _ = report
    chunks = chunk_document(Document("x.pdf", ex.text, "-", "t"))
    assert chunks and all(0 <= c.start < c.end <= len(ex.text) and ex.text[c.start : c.end].strip() for c in chunks)
    assert sum(bool(c.path) for c in chunks) >= 0.8 * len(chunks)  # measured 43 of 47


def test_extracted_text_is_kept_per_file_hash(tmp_path, monkeypatch):
    from corpus.documents import read_plan
    from corpus.readers import cache

    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    if not PDF.is_file():
        pytest.skip(f"no {PDF}")
    plan = tmp_path / "report.pdf"
    plan.write_bytes(PDF.read_bytes())
    first = read_plan(plan, {"city": "某市"})
    entries = list((tmp_path / "cache").glob("*.json"))
    assert len(entries) == 1
    again = read_plan(plan, {"city": "某市"})
    assert (again.text, again.pages) == (first.text, first.pages)
    entries[0].write_text("{damaged", encoding="utf-8")  # a damaged entry is read again, not trusted
    assert read_plan(plan, {"city": "某市"}).text == first.text
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1
