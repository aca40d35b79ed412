"""Gradio app: a staff tab (answers, evidence by city, context, CSV), a citizen FAQ chat for one city
or all, and a comparison matrix tab (topics × cities, coloured statuses, evidence per cell, CSV and Excel).

The assistant (index and model) is loaded once by ``serve`` and shared by all
requests; Gradio's queue serves concurrent users. Handlers never raise:
library errors become friendly messages, anything else is logged and reported
as an internal error, so no traceback reaches the page. The served assistant
follows the index folder (``ui.live``), temporary files stay in the app's own
folder (``ui.files``), and ``ui.auth`` guards every route.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from assistant.core import MAX_QUERY_CHARS
from assistant.matrix import default_topics
from corpus.errors import AssistantError, IndexStateError, QueryError
from ui import matrix_view, national_view, render
from ui.auth import AUTH_ENV, Guard, LoginAttempts, Throttle, parse_auth
from ui.files import TempFiles, default_root
from ui.live import DEFAULT_POLL_S, LiveAssistant
from ui.plan_files import PlanFiles

__all__ = ["AUTH_ENV", "CSS", "EMPTY", "Handlers", "build_app", "launch", "parse_auth", "serve"]

log = logging.getLogger("assistant.ui")

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
ALL_CITIES = ("指定しない（すべての市）", "")  # the citizen's city dropdown: no city chosen
NO_TOPICS = "テーマを1つ以上選ぶか入力してください（例：テレワーク）。"
EMPTY = "質問を入力してください（例：「コンビニ交付を計画している市は？」）。"
INTERNAL = "内部エラーが発生しました。時間をおいてもう一度お試しください。問題が続く場合は管理者に連絡してください。"
UPDATED = "索引が更新されました"
MAX_HISTORY = 40  # chat messages a request carries back; older ones are dropped, so no request grows without bound
CSS = """
.answer { padding: 12px 16px; border-radius: 8px; line-height: 1.7; }
.answer-found { background: #eef6ee; } .answer-none, .answer-notice { background: #fff5e6; }
.answer-error { background: #fdecea; } .notice { color: #8a5a00; font-size: 90%; }
.citation { border: 1px solid #ddd; border-radius: 8px; padding: 10px 14px; margin: 10px 0; }
.cite-path { color: #555; font-size: 90%; } .status { background: #e3ecfa; border-radius: 4px; padding: 0 6px; }
.passage-text { margin-top: 6px; white-space: pre-wrap; } .context { white-space: pre-wrap; font-size: 90%; }
.passage { background: #fffbd6; } mark { background: #ffe066; }
""" + matrix_view.CSS + national_view.CSS


def bounded(question) -> str:
    """The question as the handlers see it: text, stripped, at most one character over MAX_QUERY_CHARS.

    Cut before any other work (a 350,000-character question sent through the API cost
    seconds of CPU and a megabytes-large CSV). The one extra character makes the library
    cut to MAX_QUERY_CHARS itself and add its own notice, so page and CLI say the same.
    """
    if not isinstance(question, str):
        return ""
    return question.strip()[:MAX_QUERY_CHARS + 1]


def _friendly(exc: AssistantError) -> str:
    """Library errors in the page's language where we know them; the library's own words otherwise."""
    text = str(exc)
    if isinstance(exc, QueryError) and "empty" in text:
        return EMPTY
    if isinstance(exc, IndexStateError):
        return "検索用の索引が読み込めません。管理者に連絡してください（" + text + "）"
    return text


class Handlers:
    """The app's request handlers (plain methods: testable without a browser).

    ``source`` is an Assistant or a ``LiveAssistant``; each request reads the assistant
    once and uses only that one, so an index swapped in meanwhile never mixes with it.
    """

    def __init__(self, source, files: TempFiles | Path | None = None):
        self.live = source if isinstance(source, LiveAssistant) else LiveAssistant(source)
        if files is None:
            files = TempFiles(default_root(self.live.current.index.folder))
        self.files = files if isinstance(files, TempFiles) else TempFiles(files)
        self.summaries = national_view.NationalView(self.files)  # national answers' summaries, for the view under them

    @property
    def assistant(self):
        return self.live.current

    @staticmethod
    def terms(assistant, question: str) -> list[str]:
        from assistant.evidence import name_terms, question_terms

        drop = name_terms(assistant.cities)
        return [t for t in question_terms(question) if t not in drop]

    def staff(self, question: str, cities: list[str] | None, method: str):
        """-> (answer html, city×status rows, citations html, csv path or None)."""
        question = bounded(question)
        if not question:
            return render.message_html(EMPTY), [], "", None
        assistant = self.assistant
        try:
            result = assistant.ask(question, city=cities or None, method=method or "hybrid")
            self.summaries.keep(assistant, question, cities, method, result)
            answer = result.to_dict()
        except AssistantError as exc:
            return render.message_html(_friendly(exc), "error"), [], "", None
        except Exception:  # noqa: BLE001 - the page must never show a traceback
            log.exception("staff request failed")
            return render.message_html(INTERNAL, "error"), [], "", None
        answer["question"] = answer["question"][:MAX_QUERY_CHARS]  # what was searched (see ``bounded``)
        terms = self.terms(assistant, answer["question"])
        try:
            path = str(self.files.write_csv(render.answer_csv(answer)))
        except OSError:  # a full disk costs the download, not the answer
            log.exception("writing the CSV failed")
            path = None
        return (render.answer_html(answer), render.status_rows(answer),
                render.citations_html(answer, assistant.index.sources, terms), path)

    def national(self, question: str, cities: list[str] | None, method: str, sort: str | None = None):
        """-> the national view (``national_view.Shown``) of the staff answer just given, or None."""
        return self.summaries.show(self.assistant, bounded(question), cities, method, sort)

    @staticmethod
    def citizen_cities(assistant, message: str, city: str | None) -> list[str]:
        """The cities a resident asks about: those named in the question, else the one chosen, else none (all)."""
        from assistant.intent import named_cities

        named = list(named_cities(message, assistant.cities))
        return named or ([city] if city in assistant.cities else [])

    def chat(self, message: str, history: list[dict] | None, city: str | None = None):
        """-> (updated history, cleared textbox). ``city``: the resident's city (「お住まいの市」), or none.

        The user's words are escaped before display."""
        history = list(history or [])[-MAX_HISTORY:]
        message = bounded(message)
        if not message:
            return history + [{"role": "assistant", "content": EMPTY}], ""
        shown = render.md_text(message if len(message) <= 300 else message[:300] + "…")
        try:
            assistant = self.assistant
            chosen = self.citizen_cities(assistant, message, city)
            reply = render.chat_reply(assistant.ask(message, city=chosen or None).to_dict(), chosen)
        except AssistantError as exc:
            reply = render.md_text(_friendly(exc))
        except Exception:  # noqa: BLE001
            log.exception("chat request failed")
            reply = INTERNAL
        return history + [{"role": "user", "content": shown}, {"role": "assistant", "content": reply}], ""

    def matrix(self, topics, cities: list[str] | None, status_only: bool = False):
        """-> (matrix html, CSV path, .xlsx path). ``topics``: a list (the multiselect) or lines of text; None: the defaults."""
        from assistant import sheets
        from assistant.compare import compare

        if isinstance(topics, str):
            topics = [t for line in topics.splitlines() for t in line.replace("、", ",").split(",")]
        if topics is not None and not [t for t in topics if isinstance(t, str) and t.strip()]:
            return render.message_html(NO_TOPICS), None, None
        assistant = self.assistant
        try:
            matrix = compare(assistant.index, topics, assistant.resolve_cities(cities), "hybrid", bool(status_only))
        except AssistantError as exc:
            return render.message_html(_friendly(exc), "error"), None, None
        except Exception:  # noqa: BLE001 - the page must never show a traceback
            log.exception("matrix request failed")
            return render.message_html(INTERNAL, "error"), None, None
        try:
            files = [str(self.files.write_bytes(sheets.csv_bytes(matrix), "matrix", ".csv")),
                     str(self.files.write_bytes(sheets.xlsx_bytes(matrix), "matrix", ".xlsx"))]
        except OSError:  # a full disk costs the downloads, not the table
            log.exception("writing the matrix files failed")
            files = [None, None]
        return matrix_view.matrix_html(matrix.to_dict()), *files

    def index_view(self, page_build: str | None, selected: list[str] | None):
        """-> (city choices, selection still valid, notice html, build name) for a page that last saw ``page_build``.

        A page loaded before ``assistant index add`` learns the new list of cities, and is told.
        """
        assistant = self.assistant
        cities = list(assistant.cities)
        build = assistant.index.build_name
        kept = [c for c in (selected or []) if c in cities]
        notice = ""
        if page_build is not None and build != page_build:
            notice = render.message_html(f"{UPDATED}（{len(cities)}市の計画：{'、'.join(cities)}）")
        return cities, kept, notice, build


def build_app(source, files: TempFiles | None = None):
    """The Blocks app over an Assistant or a LiveAssistant; its temporary files go to ``files``.

    ``files`` (default: ``ui-tmp`` next to the index) becomes Gradio's cache too, and
    Gradio removes what it handed out after ``files.ttl_s``.
    """
    import gradio as gr

    handlers = Handlers(source, files)
    handlers.files.use_for_gradio()  # before any component exists: each reads it when created

    def refresh(page_build, selected):
        cities, kept, notice, build = handlers.index_view(page_build, selected)
        return gr.update(choices=cities, value=kept), notice, build

    def refresh_choices(matrix_selected, citizen_selected):
        """The matrix's and the citizen tab's city choices, after an index update."""
        cities = list(handlers.assistant.cities)
        kept = [c for c in (matrix_selected or []) if c in cities]
        home = citizen_selected if citizen_selected in cities else ""
        return gr.update(choices=cities, value=kept), gr.update(choices=[ALL_CITIES, *((c, c) for c in cities)], value=home)

    with gr.Blocks(title="自治体計画 検索・Q&A", analytics_enabled=False, delete_cache=handlers.files.delete_cache) as app:
        gr.Markdown("# 自治体計画 検索・Q&A\n地域情報化計画・DX推進計画の本文から、出典つきで答えます。")
        page_build = gr.State(None)  # the index build this page last saw
        with gr.Tab("職員向け（横断検索）", id="staff"):
            with gr.Row():
                question = gr.Textbox(label="質問", placeholder=STAFF_EXAMPLES[0], scale=4, elem_id="staff-question",
                                      max_length=MAX_QUERY_CHARS)
                ask_btn = gr.Button("検索", variant="primary", scale=1, elem_id="staff-ask")
            with gr.Row():
                cities = gr.Dropdown(handlers.assistant.cities, multiselect=True, label="市で絞り込む（空欄＝すべて）",
                                     elem_id="staff-cities")
                method = gr.Radio(METHODS, value="hybrid", label="検索方式", elem_id="staff-method")
            index_notice = gr.HTML(elem_id="index-notice")
            gr.Examples(STAFF_EXAMPLES, inputs=question, label="質問の例")
            answer = gr.HTML(elem_id="staff-answer")
            national = national_view.Panel(handlers)  # map, counts by prefecture, the full list (hidden until then)
            table = gr.Dataframe(headers=["市", "状況", "根拠（要約）", "節"], label="市ごとの状況と根拠",
                                 interactive=False, wrap=True, elem_id="staff-table")
            evidence = gr.HTML(elem_id="staff-citations")
            csv_file = gr.File(label="結果をCSVでダウンロード", elem_id="staff-csv")
            outputs = [answer, table, evidence, csv_file]
            view = ([page_build, cities], [cities, index_notice, page_build])
            for event in (ask_btn.click(handlers.staff, [question, cities, method], outputs, api_name="staff"),
                          question.submit(handlers.staff, [question, cities, method], outputs, api_visibility="private")):
                event.then(refresh, *view, api_visibility="private")
                national.follow(event, question, cities, method)
        with gr.Tab("市民向けFAQ", id="citizen"):
            gr.Markdown("市の計画について、ふだんの言葉で質問できます。答えには出典（計画書の該当箇所）がつきます。"
                        "お住まいの市を選ぶと（または質問に市の名前を入れると）、その市の計画書から答えます。")
            home = gr.Dropdown([ALL_CITIES, *((c, c) for c in handlers.assistant.cities)], value="",
                               label="お住まいの市", elem_id="citizen-city")
            # Replies carry plan text, escaped by render.md_text; no HTML tag is let through either.
            chatbot = gr.Chatbot(label="FAQチャット", elem_id="citizen-chat", height=420, sanitize_html=True,
                                 allow_tags=False, allow_file_downloads=False)
            with gr.Row():
                message = gr.Textbox(label="質問", placeholder=CITIZEN_EXAMPLES[0], scale=4, elem_id="citizen-message",
                                     max_length=MAX_QUERY_CHARS)
                send = gr.Button("送信", variant="primary", scale=1, elem_id="citizen-send")
            gr.Examples(CITIZEN_EXAMPLES, inputs=message, label="質問の例")
            # /chat keeps its two inputs (question, history) for API clients written before the city choice;
            # registered first, so that no event below takes the name "chat" from the handler's name
            gr.Button(visible=False).click(handlers.chat, [message, chatbot], [chatbot, message], api_name="chat")
            send.click(handlers.chat, [message, chatbot, home], [chatbot, message], api_name="citizen")
            message.submit(handlers.chat, [message, chatbot, home], [chatbot, message], api_visibility="private")
        with gr.Tab("比較表", id="matrix"):
            gr.Markdown("テーマごとに、各市の計画書に書かれた状況（実施済・計画・検討中・未導入）を一覧にします。"
                        "セルを開くと根拠（引用・節・位置）が出ます。空欄のセルには、近い記述とそれでは足りない理由が出ます。")
            with gr.Row():
                topics = gr.Dropdown([t.label for t in default_topics()], value=[t.label for t in default_topics()],
                                     multiselect=True, allow_custom_value=True, label="テーマ（選ぶか、入力して Enter）",
                                     elem_id="matrix-topics", scale=3)
                matrix_cities = gr.Dropdown(handlers.assistant.cities, multiselect=True, label="市（空欄＝すべて）",
                                            elem_id="matrix-cities", scale=2)
            with gr.Row():
                status_only = gr.Checkbox(label="状況の書かれたセルだけ", elem_id="matrix-status-only")
                build = gr.Button("比較表を作る", variant="primary", elem_id="matrix-build")
            table_html = gr.HTML(elem_id="matrix-table")
            with gr.Row():
                matrix_csv = gr.File(label="CSVでダウンロード", elem_id="matrix-csv")
                matrix_xlsx = gr.File(label="Excelでダウンロード", elem_id="matrix-xlsx")
            build.click(handlers.matrix, [topics, matrix_cities, status_only], [table_html, matrix_csv, matrix_xlsx],
                        api_name="compare")
        app.load(refresh, *view, api_visibility="private")  # a page opened after an index update gets its cities
        app.load(refresh_choices, [matrix_cities, home], [matrix_cities, home], api_visibility="private")
    app.assistant_source = lambda: handlers.assistant  # for launch(): the PDFs of the index serving now
    return app


def launch(app, host: str = "127.0.0.1", port: int = 7860, auth: list[tuple[str, str]] | None = None,
           concurrency: int = 4, block: bool = True, throttle: Throttle = Throttle(), quiet: bool = False):
    """Serve ``app`` behind ``ui.auth.Guard`` (login on every route when ``auth`` is set; no uploads)."""
    from starlette.middleware import Middleware

    app.queue(default_concurrency_limit=concurrency)
    app.launch(server_name=host, server_port=port, auth=auth, css=CSS, prevent_thread_lock=not block,
               show_error=False, quiet=quiet, max_file_size=1,  # bytes: uploads are refused anyway (Guard)
               state_session_capacity=1000,  # the app keeps no gr.State; Gradio's default 10,000 sessions × ~27 KB
               app_kwargs={"middleware": [Middleware(Guard, logins=LoginAttempts(throttle)),
                                          Middleware(PlanFiles, source=getattr(app, "assistant_source", None))]})
    return app


def serve(host: str = "127.0.0.1", port: int = 7860, index: str | None = None, model: str | None = None,
          concurrency: int = 4, block: bool = True, poll_s: float = DEFAULT_POLL_S, backend: str | None = None,
          qdrant_url: str | None = None, qdrant_path: str | None = None):
    """Load the assistant once, then serve the app (localhost unless told otherwise).

    ``backend``: where the index is searched (``index.backends``); with Qdrant at a URL, replicas
    share the index and several can serve behind a load balancer — with sticky sessions, since
    Gradio keeps each session's queue and login in the process that served it (deploy/nginx.conf)."""
    from assistant.core import Assistant

    auth = parse_auth(os.environ.get(AUTH_ENV))  # a malformed setting fails before the model loads
    assistant = Assistant.load(index, model=model, backend=backend, qdrant_url=qdrant_url, qdrant_path=qdrant_path)
    assistant.index.query_vector("ウォームアップ")  # load the model now, not on the first user's request
    live = LiveAssistant(assistant, poll_s).start()
    app = build_app(live, TempFiles(default_root(assistant.index.folder)))
    return launch(app, host, port, auth, concurrency, block)
