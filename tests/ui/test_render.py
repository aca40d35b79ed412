"""Rendering is escaped everywhere: source HTML fragments and user input stay text."""

import csv
import io

from ui.render import answer_csv, answer_html, chat_reply, citations_html, context_of, highlight, status_rows

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
