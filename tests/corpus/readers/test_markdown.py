"""The Markdown reader: canonical text, source map and meta, on hand-made and real documents."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from test_reader_properties import check_reading, squash

from corpus.chunk import chunk_document
from corpus.documents import Document
from corpus.normalize import has_japanese
from corpus.readers import Extracted
from corpus.readers.markdown import read

EXTERNAL = Path(__file__).resolve().parents[3].parent / "shared" / "external"
REAL = sorted([*EXTERNAL.glob("gov-guidebooks/*.md"), *EXTERNAL.glob("opendata-report/*.md")])
needs_shared = pytest.mark.skipif(not REAL, reason=f"no real documents under {EXTERNAL} (the shared data folder)")

URL = "https://www.city.example.lg.jp/gikai/teireikai/2021/09/gian-47-tesuryo-jorei-kaisei-shosai.html?page=2#riyu"
GIAN = f"""{{{{first:2021-09-06}}}}
# 議案第47号 某市手数料条例の一部を改正する条例について

<legend><h2>ポイント</h2></legend>
マイナンバーカードの再交付手数料を新設し、住民票の写しの交付手数料を改定します。
施行日は令和4年4月1日とし、施行日前に申請されたものについては従前の例によります。
詳細は[第47号](./gian-47.md)をご覧ください {URL}

## 提案理由

手数料の見直しにより、受益者負担の適正化を図るため提案するものです。
なお、手数料の額は近隣市の状況及び事務に要する経費を勘案して定めており、
改定後も窓口での支払のほか、キャッシュレス決済による支払を選べるようにします。
"""


def lines(text: str) -> list[str]:
    return read(text).text.split("\n")


def test_a_template_tag_line_and_a_legend_heading_give_the_summary_its_heading():
    ex = read(GIAN)
    out = ex.text.split("\n")
    assert out[0] == "# 議案第47号 某市手数料条例の一部を改正する条例について"
    summary = next(i for i, line in enumerate(out) if "再交付手数料を新設" in line)
    assert out[summary - 1] == "## ポイント"
    assert out[summary].endswith("詳細は第47号をご覧ください")
    assert "{{" not in ex.text and "http" not in ex.text and "](" not in ex.text
    chunks = chunk_document(Document("gian.md", ex.text, "某市", "議案第47号"))
    found = next(c for c in chunks if "再交付手数料を新設" in c.text)
    assert "ポイント" in found.path


@pytest.mark.parametrize("legend", [
    "<legend><h2>ポイント</h2></legend>\n\n",  # the summary as its own paragraph
    "<fieldset>\n<legend><h2>ポイント</h2></legend>\n\n",  # inside a fieldset
    "<legend>ポイント</legend>\n",  # no heading inside: one level below the last heading
])
def test_the_legend_heading_holds_whatever_the_blank_lines(legend):
    out = lines(f"# 議案第47号\n\n{legend}再交付手数料を新設します。\n")
    assert out[1] == "## ポイント" and out[2] == "再交付手数料を新設します。"


def test_links_keep_their_text_and_urls_vanish():
    text = (f"詳細は[第47号](./gian-47.md)、[市HP][hp]、<{URL}>、{URL} と ![図1 体系図](media/image1.png) を参照。\n"
            f"\n[hp]: {URL}\n\n[{URL}]({URL})\n")
    assert lines(text) == ["詳細は第47号、市HP、、と 図1 体系図 を参照。"]


def test_headings_of_every_level_and_style():
    text = ("# 一\n## 二 ##\n### 三 <!-- omit in toc -->\n#### 四\n##### 五\n###### 六\n\n"
            "設定見出し\n=====\n\n下位見出し\n-----\n\n# <!-- 空 -->\n\n####### 七は段落\n")
    assert lines(text) == ["# 一", "## 二", "### 三", "#### 四", "##### 五", "###### 六",
                           "# 設定見出し", "## 下位見出し", "####### 七は段落"]


def test_a_body_line_never_reads_as_a_heading():
    text = "\\# 見出しではない\n\n```\n# コメント\n\tタブ\n```\n\n    # 字下げコード\n"
    assert lines(text) == ["＃ 見出しではない", "＃ コメント", "タブ", "＃ 字下げコード"]


def test_lists_become_dash_lines_and_ordered_items_keep_their_number():
    text = "- 一\n  - 二\n    - 三\n- 四\n\n  四の続き\n\n1. 手順\n2) 確認\n\n- \n"
    assert lines(text) == ["- 一", "- 二", "- 三", "- 四", "四の続き", "- 1. 手順", "- 2) 確認"]


def test_tables_are_tab_separated_rows_header_first():
    text = ("| 指標 | 現状値 | 目標値 |\n|:--|--:|:-:|\n| [利用率](x.md) | 10%<br>(R3) | 50% |\n| | | |\n"
            "| 件数 \\| 累計 | | 3 |\n\n| 単独 |\n|---|\n| 行 |\n\n|調査項目|\n|---|\n|重要性| 緊急性\n")
    assert lines(text) == ["指標\t現状値\t目標値", "利用率\t10% (R3)\t50%", "件数 | 累計\t\t3",
                           "単独\t", "行\t", "調査項目\t", "重要性\t緊急性"]


def test_tab_separated_lines_in_a_paragraph_are_rows():
    text = "表1 指標\n区分\t現状値\t[目標値](x.md)\n\t10%\t**50%**\n利用率は\n向上した\n"
    assert lines(text) == ["表1 指標", "区分\t現状値\t目標値", "\t10%\t50%", "利用率は向上した"]


def test_inline_html_keeps_its_text_and_html_blocks_go_through_the_html_reader():
    text = ("本文に<ins>追加</ins>と<span style=\"color:red\">強調</span>、<img src=\"a.png\" alt=\"図2\">。"
            "<script>alert(1)</script>終わり<br>次の行\n\n"
            "<div class=\"note\">\n<p>注意事項</p>\n<nav>メニュー</nav>\n</div>\n\n"
            "<table><tr><th>区分</th><th>内容</th></tr><tr><td>A</td><td>説明</td></tr></table>\n\n"
            "<!-- コメント -->\n\n<details><summary>詳細</summary>中身</details>\n")
    assert lines(text) == ["本文に追加と強調、図2。終わり", "次の行", "注意事項", "区分\t内容", "A\t説明", "詳細", "中身"]


def test_soft_wraps_join_without_a_space_between_japanese_and_hard_breaks_split():
    text = "日本語の\n文章です。\nOpen\nData と\nAPI\nを使う。\n\n一行目  \n二行目\\\n三行目\n"
    assert lines(text) == ["日本語の文章です。Open Data とAPIを使う。", "一行目", "二行目", "三行目"]


def test_front_matter_goes_to_meta_and_not_to_the_text():
    text = "---\ncity: 某市\ntitle: '某市DX推進計画'\nprefecture: 某県\nperiod: 令和6年度～令和10年度\nauthor: x\n---\n# 第1章 総論\n"
    ex = read(text)
    assert ex.meta == {"city": "某市", "title": "某市DX推進計画", "prefecture": "某県", "period": "令和6年度～令和10年度"}
    assert ex.text == "# 第1章 総論"
    assert text[slice(*ex.source_span(0, len(ex.text)))] == "# 第1章 総論"


def test_footnotes_stay_where_they_are_written():
    text = "本文[^1]です。\n\n[^1]: 注記の本文 https://x.jp\n\n[^9]: 引かれていない注\n\n[注1]: 参照定義の形の説明文\n[hp]: https://x.jp\n"
    assert lines(text) == ["本文です。", "[1] 注記の本文", "[9] 引かれていない注", "[注1]: 参照定義の形の説明文"]


def test_each_block_maps_to_its_own_source_lines():
    text = "# 見出し\r\n\r\n一行目  \r\n二行目\r\n\r\n- 項目\r\n\r\n| a | b |\r\n|---|---|\r\n| 1 | 2 |\r\n"
    ex = read(text)
    got = {ex.text[t0:t1]: text[s0:s1].rstrip("\r") for t0, t1, s0, s1 in ex.source_map}
    assert got == {"# 見出し": "# 見出し", "一行目": "一行目  ", "二行目": "二行目", "- 項目": "- 項目",
                   "a\tb": "| a | b |", "1\t2": "| 1 | 2 |"}


def test_empty_and_odd_inputs():
    assert read("") == Extracted("")
    assert read(" \n\n\t\n") == Extracted("")
    assert read("\ufeff# 見出し").text == "# 見出し"
    assert read(">" * 60 + " 深い引用の本文").text == "深い引用の本文"  # markdown-it's default nesting limit is 20
    assert read("<!-- だけ -->\n{{template}}\n").text == ""


# -- the real documents ------------------------------------------------------------
@pytest.fixture(scope="module", params=REAL, ids=[p.name for p in REAL])
def real(request):
    source = request.param.read_text(encoding="utf-8")
    return source, read(source)


@needs_shared
def test_real_documents_chunk_within_the_invariants(real):
    source, ex = real
    figures = check_reading(source, ex)
    assert figures["all"] >= 0.99 and figures["body"] >= 0.99, figures
    assert figures["raw"] >= 0.97, figures  # headings of empty sections and table header rows are not spans


@needs_shared
def test_real_documents_lose_no_japanese_text(real):
    source, ex = real
    # what a reader sees: table-of-contents anchors "(#1-背景と目的)" and comments are not text
    visible = re.sub(r"\]\(#[^)]*\)|<!--.*?-->", "]", source, flags=re.S)
    wanted = Counter(c for c in visible if has_japanese(c) and not c.isspace())
    got = Counter(c for c in ex.text if has_japanese(c))
    assert not wanted - got, (wanted - got).most_common(10)


@needs_shared
def test_real_documents_keep_their_structure(real):
    source, ex = real
    out = ex.text.split("\n")
    assert sum(line.startswith("#") for line in out) >= 0.8 * len(re.findall(r"(?m)^#{1,6} ", source))
    assert sum("\t" in line for line in out) >= 0.9 * len(re.findall(r"(?m)^\|(?!\s*:?-{3})", source))
    assert squash(ex.text)  # and the text is not empty
