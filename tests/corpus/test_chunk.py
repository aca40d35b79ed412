import re

import pytest

from corpus.chunk import ChunkerConfig, chunk_document, chunk_documents
from corpus.documents import Document
from corpus.normalize import normalize


@pytest.fixture(scope="module")
def chunks(docs):
    return chunk_documents(docs)


def _find(chunks, city, needle):
    found = [c for c in chunks if c.city == city and needle in c.text]
    assert found, f"no {city} chunk contains {needle!r}"
    return found[0]


@pytest.mark.parametrize("city, needle, path", [
    ("根室市", "コンビニ交付サービスの導入により",
     ("第6章 情報化施策の体系と概要", "基本目標3 ICTを活用した便利な行政サービスの推進", "住民票等の「コンビニ交付サービス」の構築【継続】")),
    ("根室市", "国は令和元年12月、デジタル技術を活用し",
     ("第2章 情報化の現状と動向", "1. 国の情報化政策の動向", "(2) デジタル化の推進")),
    ("東御市", "夜間や休日、自宅やオフィス等で",
     ("5 情報化の基本方針と取組事項", "(1) 市民の利便性向上に関する取組事項", "1-① 行政手続のオンライン化【重点取組】")),
    ("東御市", "官民データの活用を推進します",
     ("1 計画の策定にあたって", "(2) 本計画の位置づけ", "イ 市町村官民データ活用推進計画としての位置付け")),
    ("各務原市", "マイナンバーカードの普及促進のため、マイナンバーカードの利便性",
     ("第6章 各取組施策について", "1. 市民生活の利便性向上", "(2) マイナンバーカードの普及促進(第2.0版追加)【重点】")),
    ("苫小牧市", "体育施設の空室状況等をホームページに掲載",
     ("第3章 情報化施策の展開", "第1節 行政情報と行政手続のオンライン化", "1 公共施設利用申込みシステムの推進")),
])
def test_known_sections_have_their_heading_paths(chunks, city, needle, path):
    assert _find(chunks, city, needle).path == path


def test_every_plan_yields_chunks_with_city_and_document(chunks, docs):
    for doc in docs:
        mine = [c for c in chunks if c.doc_id == doc.doc_id]
        assert len(mine) >= 20, doc.doc_id
        assert {c.city for c in mine} == {doc.city}


TOC_LINE = re.compile(r"(\.\s*){3,}\d+$|\t\d+$")


def test_no_chunk_is_made_of_table_of_contents_lines(chunks, docs):
    sources = {d.doc_id: d.text for d in docs}
    for c in chunks:
        lines = [ln for ln in sources[c.doc_id][c.start:c.end].split("\n") if ln.strip()]
        toc = [ln for ln in lines if TOC_LINE.search(ln.strip())]
        assert len(toc) < max(2, len(lines) // 2), (c.chunk_id, toc[:3])
        assert not c.text.startswith("目次")


def test_every_row_of_the_shibata_kpi_table_is_its_own_chunk(chunks, doc_by_city):
    source = doc_by_city["新発田市"].text
    data_rows = [ln for ln in source.split("\n") if re.match(r"^\d+", ln)]
    assert len(data_rows) == 43
    rows = [c for c in chunks if c.city == "新発田市" and c.kind == "row"]
    assert len(rows) == len(data_rows)
    for row, line in zip(rows, data_rows):
        assert source[row.start:row.end] == line
        for header in ("区分:", "施策分野:", "具体的な取組:", "取組方針:", "K P I:"):
            assert header in row.text
    assert "実績値(KPI) 令和4年度末: 68.3%" in _find(rows, "新発田市", "マイナンバーカードの取得率").text


def _squash(text: str) -> str:
    return "".join(normalize(text).split())


def test_source_span_contains_the_chunk_text(chunks, docs):
    sources = {d.doc_id: d.text for d in docs}
    for c in chunks:
        span = sources[c.doc_id][c.start:c.end]
        assert 0 <= c.start < c.end <= len(sources[c.doc_id])
        assert c.chunk_id == f"{c.doc_id}:{c.start}-{c.end}"
        # every line of the chunk comes from its span (table rows drop their header labels)
        for line in c.text.split("\n"):
            if _squash(line) in _squash(span):
                continue
            for value in (v.split(": ", 1)[-1] for v in line.split(" / ")):  # a table row as "header: value"
                assert _squash(value) in _squash(span), (c.chunk_id, value)


def test_chunks_respect_the_size_budget(chunks):
    config = ChunkerConfig()
    for c in chunks:
        if c.kind == "text":
            assert len(c.text) <= config.max_chars + 40, c.chunk_id
    assert sum(len(c.text) < 40 for c in chunks) <= 5


def test_a_plan_without_headings_still_chunks():
    text = "。".join(f"市民サービスの向上に取り組みます{i}" for i in range(200))
    doc = Document("flat.txt", text, "某市", "flat")
    chunks = chunk_document(doc)
    assert len(chunks) > 1
    assert all(c.path == () for c in chunks)
    assert all(text[c.start:c.end] for c in chunks)


def test_running_page_headers_do_not_split_an_initiative(chunks):
    # 根室市 repeats "基本目標3 …" at the top of each page; the initiative blocks stay under it
    conv = [c for c in chunks if c.city == "根室市" and c.path[-1:] == ("住民票等の「コンビニ交付サービス」の構築【継続】",)]
    assert conv and all(c.path[1].startswith("基本目標3") for c in conv)


def test_dotted_numbers_nest_by_their_parts():
    from corpus.chunk import chunk_document
    from corpus.documents import Document

    body = "ここに本文が入ります。" * 10
    text = (f"# ガイドブック\n## 1. 概要\n{body}\n### 1.1. 目的\n{body}\n### 1.2. 範囲\n{body}\n"
            f"12. 一覧の項目\n{body}\n## 2. 実装\n{body}\n#### 2.1.3. 詳細\n{body}\n<!-- omit in toc -->\n")
    chunks = chunk_document(Document("g.md", text, "某市", "ガイドブック"), ChunkerConfig(max_chars=200, min_chars=10))
    paths = [c.path for c in chunks]
    assert ("1. 概要", "1.1. 目的") in paths and ("1. 概要", "1.2. 範囲") in paths
    assert ("2. 実装",) in paths  # a marked-up heading is trusted although a list item "12." came before
    assert ("2. 実装", "2.1.3. 詳細") in paths
    assert all("omit" not in c.text for c in chunks)
