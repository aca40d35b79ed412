"""The matrix as table, CSV and .xlsx, on a matrix made by hand (no model): formulas stay text."""

import csv
import io

import pytest
from openpyxl import load_workbook

from assistant.matrix import COLOURS, Cell, Matrix, Ref, check_topics, default_topics
from assistant.sheets import CSV_HEADER, check_writable, csv_bytes, table_text, write, xlsx_bytes
from corpus.errors import AssistantError, QueryError

REF = Ref("000_x.txt", "第3次計画", "第6章 > テレワークの推進【新規】", 120, 150, "職員向けテレワークを実施しました。", 4, 4, 100, 300)
CELLS = (
    Cell("テレワーク", "根室市", "implemented", "実施済", "職員向けテレワークを実施しました。", citation=REF),
    Cell("テレワーク", "東御市", "empty", "", "テレワーク / 働き方のこと。", nearest=REF, reason="用語の説明のみで、市の取組の記述ではない"),
    Cell("=HYPERLINK(\"http://x\")", "根室市", "unknown", "記載なし（状況不明）", "-1+2", citation=REF),
    Cell("=HYPERLINK(\"http://x\")", "東御市", "empty", "", ""),
)
MATRIX = Matrix(("テレワーク", "=HYPERLINK(\"http://x\")"), ("根室市", "東御市"), CELLS, (("テレワーク",), ("hyperlink",)))


def test_default_topics_are_data_with_sources():
    topics = default_topics()
    labels = [t.label for t in topics]
    for wanted in ("書かない窓口", "マイナンバーカード", "コンビニ交付", "行政手続のオンライン化", "情報システム標準化・ガバメントクラウド",
                   "AI・RPA", "テレワーク", "ペーパーレス", "公衆無線LAN", "オープンデータ", "情報セキュリティ", "デジタルデバイド対策"):
        assert wanted in labels
    assert len(labels) > 12 and all(t.note for t in topics)
    assert check_topics(None) == labels and check_topics([" テレワーク ", "テレワーク", ""]) == ["テレワーク"]


@pytest.mark.parametrize("topics", [[" "], ["あ" * 61], [f"t{n}" for n in range(41)]])
def test_bad_topics_are_refused(topics):
    with pytest.raises(QueryError):
        check_topics(topics)


def test_table_shows_a_short_status_per_cell():
    text = table_text(MATRIX)
    assert text.splitlines()[0].split() == ["テーマ", "根室市", "東御市"]
    assert "実施済" in text and "状況不明" in text and "—" in text


def test_csv_has_a_bom_a_row_per_cell_and_no_formula():
    data = csv_bytes(MATRIX)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == CSV_HEADER and len(rows) == 1 + len(CELLS)
    assert rows[1][CSV_HEADER.index("doc_id")] == "000_x.txt" and rows[1][CSV_HEADER.index("page")] == "4"
    assert rows[2][CSV_HEADER.index("basis")] == "nearest" and rows[2][CSV_HEADER.index("reason")].startswith("用語")
    assert rows[3][0] == "'=HYPERLINK(\"http://x\")" and rows[3][CSV_HEADER.index("evidence")] == "'-1+2"


def test_xlsx_grid_is_coloured_with_citations_and_formulas_stay_text():
    wb = load_workbook(io.BytesIO(xlsx_bytes(MATRIX)))
    grid, rows = wb["比較表"], wb["根拠"]
    assert [c.value for c in grid[1]][:3] == ["テーマ", "根室市", "東御市"]
    assert grid["B2"].value == "実施済" and grid["B2"].fill.start_color.rgb.endswith(COLOURS["implemented"])
    assert "000_x.txt [120:150] p. 4" in grid["B2"].comment.text
    assert "近い記述" in grid["C2"].comment.text
    assert grid["A3"].value == "=HYPERLINK(\"http://x\")" and grid["A3"].data_type == "s"
    assert rows.max_row == 1 + len(CELLS) and rows["A4"].data_type == "s"


def test_unwritable_paths_say_why(tmp_path):
    with pytest.raises(AssistantError, match="does not exist"):
        check_writable(tmp_path / "no" / "m.csv")
    with pytest.raises(AssistantError, match="is a folder"):
        check_writable(tmp_path)
    assert write(tmp_path / "m.csv", b"x").read_bytes() == b"x"
