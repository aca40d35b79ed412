"""Gradio app: a staff tab (answers, evidence by city, context, CSV) and a citizen FAQ chat.

The assistant (index and model) is loaded once by ``serve`` and shared by all
requests; Gradio's queue serves concurrent users. Handlers never raise:
library errors become friendly messages, anything else is logged and reported
as an internal error, so no traceback reaches the page.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from corpus.errors import AssistantError, IndexStateError, QueryError
from ui import render

log = logging.getLogger("assistant.ui")

AUTH_ENV = "ASSISTANT_UI_AUTH"  # "user:password" or "u1:p1,u2:p2"
STAFF_EXAMPLES = [
    "コンビニ交付を計画している市は？",
    "テレワークに取り組む自治体はどこ？",
    "オープンデータの公開を進めている市は？",
    "新発田市のAIチャットボットの取り組みは？",
]
CITIZEN_EXAMPLES = [
    "市役所に行かずに手続きできますか",
    "コンビニで住民票はとれますか",
    "スマホの使い方を教えてもらえる講座はありますか",
]
METHODS = ["hybrid", "bm25", "dense"]
EMPTY = "質問を入力してください（例：「コンビニ交付を計画している市は？」）。"
INTERNAL = "内部エラーが発生しました。時間をおいてもう一度お試しください。問題が続く場合は管理者に連絡してください。"
CSS = """
.answer { padding: 12px 16px; border-radius: 8px; line-height: 1.7; }
.answer-found { background: #eef6ee; } .answer-none, .answer-notice { background: #fff5e6; }
.answer-error { background: #fdecea; } .notice { color: #8a5a00; font-size: 90%; }
.citation { border: 1px solid #ddd; border-radius: 8px; padding: 10px 14px; margin: 10px 0; }
.cite-path { color: #555; font-size: 90%; } .status { background: #e3ecfa; border-radius: 4px; padding: 0 6px; }
.passage-text { margin-top: 6px; white-space: pre-wrap; } .context { white-space: pre-wrap; font-size: 90%; }
.passage { background: #fffbd6; } mark { background: #ffe066; }
"""


def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """``user:password[,user2:password2]`` -> Gradio's auth list; None when unset."""
    if not value:
        return None
    pairs = []
    for item in value.split(","):
        user, sep, password = item.strip().partition(":")
        if not sep or not user or not password:
            raise AssistantError(f"{AUTH_ENV} must look like user:password (comma-separated for several users)")
        pairs.append((user, password))
    return pairs


def _friendly(exc: AssistantError) -> str:
    """Library errors in the page's language where we know them; the library's own words otherwise."""
    text = str(exc)
    if isinstance(exc, QueryError) and "empty" in text:
        return EMPTY
    if isinstance(exc, IndexStateError):
        return "検索用の索引が読み込めません。管理者に連絡してください（" + text + "）"
    return text


class Handlers:
    """The app's request handlers over one loaded assistant (plain methods: testable without a browser)."""

    def __init__(self, assistant, csv_dir: Path | None = None):
        self.assistant = assistant
        self.csv_dir = csv_dir or Path(tempfile.mkdtemp(prefix="assistant-csv-"))

    def terms(self, question: str) -> list[str]:
        from assistant.evidence import name_terms, question_terms

        drop = name_terms(self.assistant.cities)
        return [t for t in question_terms(question) if t not in drop]

    def staff(self, question: str, cities: list[str] | None, method: str):
        """-> (answer html, city×status rows, citations html, csv path or None)."""
        if not question or not question.strip():
            return render.message_html(EMPTY), [], "", None
        try:
            answer = self.assistant.ask(question, city=cities or None, method=method or "hybrid").to_dict()
        except AssistantError as exc:
            return render.message_html(_friendly(exc), "error"), [], "", None
        except Exception:  # noqa: BLE001 - the page must never show a traceback
            log.exception("staff request failed")
            return render.message_html(INTERNAL, "error"), [], "", None
        terms = self.terms(answer["question"])
        path = self.csv_dir / f"answer-{abs(hash((question, tuple(cities or ()), method))) % 10**10}.csv"
        path.write_text(render.answer_csv(answer), encoding="utf-8-sig")
        return (render.answer_html(answer), render.status_rows(answer),
                render.citations_html(answer, self.assistant.index.sources, terms), str(path))

    def chat(self, message: str, history: list[dict] | None):
        """-> (updated history, cleared textbox). The user's words are escaped before display."""
        history = list(history or [])
        if not message or not message.strip():
            return history + [{"role": "assistant", "content": EMPTY}], ""
        shown = render.esc(message if len(message) <= 300 else message[:300] + "…")
        try:
            reply = render.chat_reply(self.assistant.ask(message).to_dict())
        except AssistantError as exc:
            reply = render.esc(_friendly(exc))
        except Exception:  # noqa: BLE001
            log.exception("chat request failed")
            reply = INTERNAL
        return history + [{"role": "user", "content": shown}, {"role": "assistant", "content": reply}], ""


def build_app(assistant):
    import gradio as gr

    handlers = Handlers(assistant)
    with gr.Blocks(title="自治体計画 検索・Q&A", analytics_enabled=False) as app:
        gr.Markdown("# 自治体計画 検索・Q&A\n地域情報化計画・DX推進計画の本文から、出典つきで答えます。")
        with gr.Tab("職員向け（横断検索）", id="staff"):
            with gr.Row():
                question = gr.Textbox(label="質問", placeholder=STAFF_EXAMPLES[0], scale=4, elem_id="staff-question",
                                      max_length=20000)
                ask_btn = gr.Button("検索", variant="primary", scale=1, elem_id="staff-ask")
            with gr.Row():
                cities = gr.Dropdown(assistant.cities, multiselect=True, label="市で絞り込む（空欄＝すべて）", elem_id="staff-cities")
                method = gr.Radio(METHODS, value="hybrid", label="検索方式", elem_id="staff-method")
            gr.Examples(STAFF_EXAMPLES, inputs=question, label="質問の例")
            answer = gr.HTML(elem_id="staff-answer")
            table = gr.Dataframe(headers=["市", "状況", "根拠（要約）", "節"], label="市ごとの状況と根拠",
                                 interactive=False, wrap=True, elem_id="staff-table")
            evidence = gr.HTML(elem_id="staff-citations")
            csv_file = gr.File(label="結果をCSVでダウンロード", elem_id="staff-csv")
            outputs = [answer, table, evidence, csv_file]
            ask_btn.click(handlers.staff, [question, cities, method], outputs, api_name="staff")
            question.submit(handlers.staff, [question, cities, method], outputs, api_visibility="private")
        with gr.Tab("市民向けFAQ", id="citizen"):
            gr.Markdown("市の計画について、ふだんの言葉で質問できます。答えには出典（計画書の該当箇所）がつきます。")
            chatbot = gr.Chatbot(label="FAQチャット", elem_id="citizen-chat", height=420)
            with gr.Row():
                message = gr.Textbox(label="質問", placeholder=CITIZEN_EXAMPLES[0], scale=4, elem_id="citizen-message",
                                     max_length=20000)
                send = gr.Button("送信", variant="primary", scale=1, elem_id="citizen-send")
            gr.Examples(CITIZEN_EXAMPLES, inputs=message, label="質問の例")
            send.click(handlers.chat, [message, chatbot], [chatbot, message], api_name="chat")
            message.submit(handlers.chat, [message, chatbot], [chatbot, message], api_visibility="private")
    return app


def serve(host: str = "127.0.0.1", port: int = 7860, index: str | None = None, model: str | None = None,
          concurrency: int = 4, block: bool = True):
    """Load the assistant once, then serve the app (localhost unless told otherwise)."""
    from assistant.core import Assistant

    assistant = Assistant.load(index, model=model)
    assistant.index.query_vector("ウォームアップ")  # load the model now, not on the first user's request
    app = build_app(assistant)
    app.queue(default_concurrency_limit=concurrency)
    app.launch(server_name=host, server_port=port, auth=parse_auth(os.environ.get(AUTH_ENV)), css=CSS,
               prevent_thread_lock=not block, show_error=False, quiet=False)
    return app
