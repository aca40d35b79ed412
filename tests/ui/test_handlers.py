"""The UI's handlers on the real index: every input gets a message, never an exception."""

import csv
import os
import stat
import time

import pytest

from assistant.core import MAX_QUERY_CHARS
from corpus.errors import AssistantError
from ui.app import EMPTY, MAX_HISTORY, Handlers, parse_auth
from ui.files import MARKER, TempFiles

pytestmark = pytest.mark.slow
LONG_NOTICE = f"先頭の{MAX_QUERY_CHARS}文字"


@pytest.fixture(scope="module")
def handlers(assistant, tmp_path_factory):
    return Handlers(assistant, tmp_path_factory.mktemp("ui-tmp"))


def test_staff_answer_with_table_citations_and_csv(handlers):
    answer, rows, citations, path = handlers.staff("コンビニ交付を計画している市は？", [], "hybrid")
    assert "根室市" in answer and any(r[0] == "根室市" for r in rows)
    assert "<mark>" in citations and "前後の文脈を読む" in citations
    assert path and open(path, encoding="utf-8-sig").read().startswith("question,found,city")


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01\x02", "！？。、", "🙂🙂🙂", "SELECT * FROM plans; DROP TABLE x;--",
                                      "<script>alert(1)</script>", "What is the plan for open data?", "あ" * 12000])
def test_odd_input_gets_a_message(handlers, question):
    answer, rows, citations, path = handlers.staff(question, None, "hybrid")
    assert answer.startswith('<div class="answer')
    assert "<script>" not in answer + citations
    history, cleared = handlers.chat(question, [])
    assert history[-1]["role"] == "assistant" and history[-1]["content"] and cleared == ""


def test_empty_input_asks_for_a_question(handlers):
    assert EMPTY in handlers.staff("", None, "hybrid")[0]
    assert handlers.chat("", [])[0][-1]["content"] == EMPTY
    assert EMPTY in handlers.staff("\x00\u200b", None, "hybrid")[0]  # empty once cleaned: same message


def test_long_input_is_cut_with_a_notice(handlers):
    answer = handlers.staff("テレワーク" * 1000, None, "hybrid")[0]
    assert LONG_NOTICE in answer


def test_huge_input_through_the_api_is_cut_before_any_work(handlers):
    """350,000 characters: the handlers work on the first MAX_QUERY_CHARS only (the CSV holds no more)."""
    huge = "テレワーク" * 70_000
    answer, rows, citations, path = handlers.staff(huge, None, "hybrid")
    assert LONG_NOTICE in answer
    with open(path, encoding="utf-8-sig", newline="") as fh:
        questions = {row[0] for row in list(csv.reader(fh))[1:]}
    assert questions == {huge[:MAX_QUERY_CHARS]}
    assert os.path.getsize(path) < 200_000  # was 2.1 MB (a copy of the question per row)
    history, _ = handlers.chat(huge, [])
    assert LONG_NOTICE in history[-1]["content"] and len(history[0]["content"]) < 1000


def test_chat_escapes_what_the_user_typed(handlers):
    history, _ = handlers.chat("<img src=x onerror=alert(1)>", [])
    assert history[0]["content"] == r"&lt;img src\=x onerror\=alert\(1\)&gt;"  # HTML and Markdown both inert


def _files(root):
    """The files the app left in its folder (its marker aside)."""
    return [os.path.join(d, n) for d, _, names in os.walk(root) for n in names if n != MARKER]


def test_csv_files_are_private_and_bounded(assistant, tmp_path):
    files = TempFiles(tmp_path / "ui-tmp", ttl_s=600)
    handlers = Handlers(assistant, files)
    paths = [handlers.staff("コンビニ交付を計画している市は？", None, "hybrid")[3] for _ in range(5)]
    assert len(set(paths)) == 1 and len(_files(files.root)) == 1  # the same answer is one file, not five
    for n in range(4):
        handlers.staff(f"テレワーク {n}", None, "bm25")
    assert len(_files(files.root)) == 5
    assert stat.S_IMODE(os.stat(files.root).st_mode) == 0o700 and stat.S_IMODE(os.stat(files.csv_dir).st_mode) == 0o700
    assert {stat.S_IMODE(os.stat(p).st_mode) for p in _files(files.root)} == {0o600}
    old = time.time() - 3600  # as if written an hour ago: past the time-to-live
    for p in _files(files.root):
        os.utime(p, (old, old))
    assert files.sweep(force=True) == 5 and _files(files.root) == []


def test_the_temporary_folder_must_be_the_apps_own(tmp_path):
    (tmp_path / "someone-elses.txt").write_text("keep me")
    with pytest.raises(AssistantError, match="new or empty folder"):
        TempFiles(tmp_path)  # e.g. ASSISTANT_UI_TMP=/tmp: its files must never be swept
    assert (tmp_path / "someone-elses.txt").read_text() == "keep me"


def test_chat_history_sent_back_is_bounded(handlers):
    long_history = [{"role": "user", "content": f"質問{n}"} for n in range(500)]
    history, _ = handlers.chat("コンビニで住民票はとれますか", long_history)
    assert len(history) <= MAX_HISTORY + 2 and history[-2]["content"].startswith("コンビニ")


def test_auth_setting():
    assert parse_auth("staff:secret,admin:pw") == [("staff", "secret"), ("admin", "pw")]
    assert parse_auth("") is None
    with pytest.raises(AssistantError, match="user:password"):
        parse_auth("nopassword")


STATUS_WORDS = ("実施済み", "計画中", "検討中", "未導入", "状況の記載なし", "記載なし")


def test_citizen_chat_answers_for_the_chosen_city(handlers):
    reply = handlers.chat("住民票はコンビニで取れる？", [], "根室市")[0][-1]["content"]
    assert reply.startswith("**根室市**") and any(w in reply.splitlines()[0] for w in STATUS_WORDS)
    assert "取得することができるようにします。」" in reply  # the sentence that explains the service, not the heading alone
    lines = [line for line in reply.splitlines() if line.strip()]
    assert len(lines) == len(set(lines))
    named = handlers.chat("東御市で住民票はコンビニで取れる？", [], "根室市")[0][-1]["content"]
    assert named.startswith("**東御市**") and "記載なし" in named  # the city named in the question wins
    assert handlers.chat("住民票はコンビニで取れる？", [], "架空市")[0][-1]["content"]  # an unknown choice: all cities


def test_matrix_tab_builds_the_table_and_both_downloads(handlers):
    from openpyxl import load_workbook

    html, csv_path, xlsx_path = handlers.matrix(["テレワーク", "コンビニ交付"], ["根室市", "東御市"], False)
    assert html.count('<td class="cell st-') == 4 and "<details>" in html
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["topic", "city", "listed"] and len(rows) == 5
    assert load_workbook(xlsx_path)["比較表"]["B2"].value
    assert {stat.S_IMODE(os.stat(p).st_mode) for p in (csv_path, xlsx_path)} == {0o600}
    assert handlers.matrix("テレワーク\nコンビニ交付", None)[0].count("<tr>") == 3  # lines of text work too
    assert "テーマを1つ以上" in handlers.matrix([], None)[0]
    error, *files = handlers.matrix(["テレワーク"], ["大阪"])
    assert "unknown city" in error and "根室市" in error and files == [None, None]
