import pytest

from corpus.documents import decode, detect_city, load_folder, make_document
from corpus.errors import CorpusError

TEXT = "# 第2次〇〇市地域情報化計画\n\n## 第1章 計画の策定にあたって\nマイナンバーカードの普及を進めます。\n"


def test_bundled_manifest_covers_the_five_plans(docs):
    assert [d.city for d in docs] == ["根室市", "東御市", "各務原市", "新発田市", "苫小牧市"]
    assert all(d.title and d.prefecture and d.period for d in docs)
    assert docs[0].doc_id == "000_cd99eabcda383157.txt"


def test_utf8_and_cp932_files_decode_the_same(tmp_path):
    (tmp_path / "a.txt").write_bytes(TEXT.encode("utf-8"))
    (tmp_path / "b.md").write_bytes(TEXT.encode("cp932"))
    (tmp_path / "c.txt").write_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    docs = load_folder(tmp_path)
    assert [d.text for d in docs] == [TEXT, TEXT, TEXT]


def test_undecodable_file_names_itself(tmp_path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x82\xa0\xff\xfe\x81")
    with pytest.raises(CorpusError, match="broken.txt"):
        load_folder(tmp_path)


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
