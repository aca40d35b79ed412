"""The UI's handlers on the real index: every input gets a message, never an exception."""

import pytest

from ui.app import EMPTY, Handlers, parse_auth
from corpus.errors import AssistantError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def handlers(assistant, tmp_path_factory):
    return Handlers(assistant, tmp_path_factory.mktemp("csv"))


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
    assert "先頭の2000文字" in answer


def test_chat_escapes_what_the_user_typed(handlers):
    history, _ = handlers.chat("<img src=x onerror=alert(1)>", [])
    assert history[0]["content"] == "&lt;img src=x onerror=alert(1)&gt;"


def test_auth_setting():
    assert parse_auth("staff:secret,admin:pw") == [("staff", "secret"), ("admin", "pw")]
    assert parse_auth("") is None
    with pytest.raises(AssistantError, match="user:password"):
        parse_auth("nopassword")
