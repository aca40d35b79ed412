"""Odd questions through the library and the CLI: a clear answer or message, never a crash."""

import json
import subprocess
import sys

import pytest

from assistant.core import MAX_QUERY_CHARS
from corpus.errors import QueryError

pytestmark = pytest.mark.slow
ODD = [
    "\x00\x07\x1b[31m制御文字\x7f",
    "🙂🏛️📄✨",
    "！？。、・…",
    "What is the plan for open data?",
    "'; DROP TABLE plans; --",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "ｺﾝﾋﾞﾆ交付",
]


@pytest.mark.parametrize("question", ODD)
def test_library_answers_odd_questions(assistant, question):
    answer = assistant.ask(question)
    assert isinstance(answer.found, bool) and answer.answer
    assert isinstance(assistant.search(question, k=3), list)


@pytest.mark.parametrize("question", ["", "   \n\t ", "\u200b\u200b", None, 42])
def test_empty_or_not_text_is_a_query_error(assistant, question):
    with pytest.raises(QueryError):
        assistant.ask(question)
    with pytest.raises(QueryError):
        assistant.search(question)


def test_very_long_question_is_cut_with_a_notice(assistant):
    question = "コンビニ交付を計画している市は？" * 800  # 12,800 characters
    answer = assistant.ask(question)
    # the answer carries the question as searched: a huge one is never copied into JSON, CSV or the page
    assert answer.question == question[:MAX_QUERY_CHARS] and any(str(MAX_QUERY_CHARS) in n for n in answer.notices)
    assert len(assistant.search(question, k=3)) == 3


def test_cli_reports_each_odd_line(built_index):
    lines = [q.replace("\x00", "") for q in ODD] + ["\u200b\u200b", "コンビニ交付を計画している市は？", "x" * 12000]
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", "-", "--index", str(built_index[0])],
                         input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=600)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == len(lines) and "Traceback" not in out.stderr
    assert [("error" in r) for r in rows] == [q == "\u200b\u200b" for q in lines]
    assert out.returncode == 1  # one line failed, and said why
    assert rows[-2]["found"] and rows[-2]["cities"]


def test_cli_empty_question_is_a_message(built_index):
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "   ", "--index", str(built_index[0])],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and out.stderr.startswith("error: the question is empty") and "Traceback" not in out.stderr
