import pytest

from corpus.normalize import normalize, normalize_line


@pytest.mark.parametrize("raw, clean", [
    ("マイナンバー カードの利活用", "マイナンバーカードの利活用"),
    ("時間や場所にと らわれない", "時間や場所にとらわれない"),
    ("Society 5.0で実現する社会", "Society 5.0で実現する社会"),
    ("Google Chromecast", "Google Chromecast"),
    ("令和 3 年 7 月策定", "令和3年7月策定"),
    ("ＩＣＴ（情報通信技術）", "ICT(情報通信技術)"),
    ("<ul style=\"list-style:none\"><li>証明書の<b>コンビニ</b>交付</li></ul>", "証明書のコンビニ交付"),
    ("<p>スケジュール</p>", "スケジュール"),
    ("東 御 市", "東御市"),
    ("### (1) 背景と趣旨", "(1)背景と趣旨"),
    ("- ・ 組織体制の整備  ", "・組織体制の整備"),
])
def test_examples(raw, clean):
    assert normalize(raw) == clean


def test_lines_are_kept_apart_and_blank_lines_dropped():
    assert normalize("第1章\n\n  \n計画の 概要") == "第1章\n計画の概要"


def test_idempotent_on_every_line_of_the_plans(docs):
    for doc in docs:
        for line in doc.text.split("\n"):
            once = normalize_line(line)
            assert normalize_line(once) == once, line
        assert normalize(normalize(doc.text)) == normalize(doc.text)


def test_nested_markup_reaches_a_fixed_point():
    for raw in ["<<b>b>x</b>", "&amp;lt;b&amp;gt;", "a&amp;amp;b"]:
        assert normalize(normalize(raw)) == normalize(raw)
