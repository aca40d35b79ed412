import pytest

from pathlib import Path

from corpus.documents import decode, detect_city, load_folder, make_document, scan_folder
from corpus.errors import CorpusError

TEXT = "# 第2次山田市地域情報化計画\n\n## 第1章 計画の策定にあたって\nマイナンバーカードの普及を進めます。\n"


def test_bundled_manifest_covers_the_five_plans(docs):
    assert [d.city for d in docs] == ["根室市", "東御市", "各務原市", "新発田市", "苫小牧市"]
    assert all(d.title and d.prefecture and d.period for d in docs)
    assert docs[0].doc_id == "000_cd99eabcda383157.txt"


def test_utf8_and_cp932_files_decode_the_same(tmp_path):
    (tmp_path / "a.txt").write_bytes(TEXT.encode("utf-8"))
    (tmp_path / "b.txt").write_bytes(TEXT.encode("cp932"))
    (tmp_path / "c.txt").write_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    assert [make_document(tmp_path / n).text for n in ("a.txt", "b.txt", "c.txt")] == [TEXT, TEXT, TEXT]
    (tmp_path / "d.md").write_bytes(TEXT.encode("cp932"))
    assert "マイナンバーカードの普及を進めます。" in make_document(tmp_path / "d.md").text  # Markdown is parsed: same words


def test_undecodable_file_names_itself(tmp_path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x82\xa0\xff\xfe\x81")
    with pytest.raises(CorpusError, match="broken.txt"):
        load_folder(tmp_path)  # nothing readable at all: an error naming the file


def test_bad_files_are_skipped_with_a_reason_and_the_rest_is_read(tmp_path):
    (tmp_path / "good.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "broken.txt").write_bytes(b"\x82\xa0\xff\xfe\x81")
    (tmp_path / "empty.md").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "copy.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "huge.txt").write_bytes(("計画" * 10).encode() * 200_000)  # 12 MB
    (tmp_path / "plain.txt").write_text("山田市では" + "見出しのない文章だけのファイルです。" * 50, encoding="utf-8")
    (tmp_path / "nocity.txt").write_text("どの自治体の計画か書かれていない文章です。" * 5, encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4")  # a PDF cut short
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    docs, skipped = scan_folder(tmp_path)
    assert [d.doc_id for d in docs] == ["copy.txt", "plain.txt"]  # files are read in name order
    reasons = {Path(s.path).name: str(s) for s in skipped}
    assert set(reasons) == {"broken.txt", "empty.md", "huge.txt", "good.txt", "nocity.txt", "scan.pdf", "notes.docx"}
    assert "UTF-8" in reasons["broken.txt"] and "empty" in reasons["empty.md"] and "MB" in reasons["huge.txt"]
    assert "--city" in reasons["nocity.txt"] and "PDF" in reasons["scan.pdf"] and ".docx" in reasons["notes.docx"]
    assert "same text as copy.txt" in reasons["good.txt"]
    assert all(name in reason for name, reason in reasons.items())


def test_markdown_front_matter_gives_metadata_and_a_map_back_to_the_file(tmp_path):
    text = "---\ncity: 架空市\ntitle: \"架空市DX推進計画\"\n---\n# 第1章 はじめに\n架空市ではドローンを使います。\n"
    (tmp_path / "plan.md").write_text(text, encoding="utf-8")
    doc = make_document(tmp_path / "plan.md")
    assert (doc.city, doc.title) == ("架空市", "架空市DX推進計画")
    assert "city:" not in doc.text
    from corpus.chunk import chunk_document
    from corpus.readers import Extracted

    chunks = chunk_document(doc)
    assert chunks[0].path == ("第1章 はじめに",)
    assert doc.text[chunks[0].start:chunks[0].end].strip().endswith("使います。")
    start, end = Extracted(doc.text, doc.source_map).source_span(chunks[0].start, chunks[0].end)
    assert "架空市ではドローンを使います。" in text[start:end] and "city:" not in text[start:end]


def test_text_front_matter_is_blanked_in_place(tmp_path):
    text = "---\ncity: 架空市\n---\n第1章 はじめに\n架空市ではドローンを使います。\n"
    (tmp_path / "plan.txt").write_text(text, encoding="utf-8")
    doc = make_document(tmp_path / "plan.txt")
    assert doc.city == "架空市" and len(doc.text) == len(text) and doc.text.index("架空市では") == text.index("架空市では")


def test_crlf_files_are_read_with_lf_newlines(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(TEXT.replace("\n", "\r\n").encode("utf-8"))
    assert make_document(path).text == TEXT


def test_decode_prefers_utf8():
    assert decode("根室市".encode(), "x") == "根室市"
    assert decode("根室市".encode("cp932"), "x") == "根室市"


def test_new_plan_metadata_is_detected_from_its_title(tmp_path):
    path = tmp_path / "new.md"
    path.write_text("# 第2次山田市DX推進計画\n\n令和5年度～令和9年度\n", encoding="utf-8")
    doc = make_document(path)
    assert doc.city == "山田市"
    assert doc.title == "第2次山田市DX推進計画"
    assert doc.doc_id == "new.md"


@pytest.mark.parametrize("head, city", [
    ("各務原市\n第3次\nICT 基本計画", "各務原市"),
    ("# 第3次根室市地域情報化計画", "根室市"),
    ("東 御 市 情報化推進計画", "東御市"),
    ("データ人材管理実践ガイドブック", ""),
])
def test_detect_city(head, city):
    assert detect_city(head) == city
