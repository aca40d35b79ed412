"""Answers as safe HTML, chat text and CSV. Pure functions: no Gradio here.

Source passages contain HTML fragments from the PDF conversion, and users
type anything; every piece of text is escaped before it reaches the page,
and only the markup written here (``<mark>``, ``<details>`` …) is live.
The chat renders Markdown, so text going there is escaped for Markdown too
(``md_text``); CSV cells that a spreadsheet would run as a formula are
neutralised (``csv_cell``).
"""

from __future__ import annotations

import csv
import html
import io
import re
import string

from assistant.sheets import FORMULA_START, csv_cell  # the formula guard, shared with `assistant compare --csv`

STATUS_LABELS = {"implemented": "実施済", "planned": "計画", "under_study": "検討中", "not_introduced": "未導入"}
CONTEXT_CHARS = 400  # source characters shown on each side of a passage in "read in context"


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


# HTML's five as entities; every other ASCII punctuation mark backslash-escaped, which CommonMark
# allows for all of them: no image, link, emphasis, list, heading, table or LaTeX can start, and
# "http\://" or "a\@b\.jp" is no longer a bare URL or e-mail address that GFM would turn into a link.
_MD_ESCAPES = {ord(c): "\\" + c for c in string.punctuation} | {
    ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&#x27;"}


def md_text(text: str) -> str:
    """``text`` as literal text inside a Markdown message (the chat): it renders as typed, nothing is live."""
    return (text or "").translate(_MD_ESCAPES)


def highlight(text: str, terms: list[str]) -> str:
    """Escaped ``text`` with each occurrence of a question term wrapped in ``<mark>``."""
    terms = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not terms:
        return esc(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out, pos = [], 0
    for m in pattern.finditer(text):
        out += [esc(text[pos:m.start()]), f"<mark>{esc(m.group(0))}</mark>"]
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def _lines(text: str) -> str:
    return "<br>".join(esc(line) for line in text.split("\n"))


def answer_html(answer: dict) -> str:
    css = "answer-found" if answer["found"] else "answer-none"
    notices = "".join(f'<p class="notice">{esc(n)}</p>' for n in answer.get("notices", []))
    return f'<div class="answer {css}" id="answer">{_lines(answer["answer"])}{notices}</div>'


def message_html(message: str, kind: str = "notice") -> str:
    return f'<div class="answer answer-{kind}" id="answer">{esc(message)}</div>'


def status_rows(answer: dict) -> list[list[str]]:
    """City × status × evidence, one row per listed city."""
    rows = []
    for city in answer["cities"]:
        status = city.get("status_label") or "記載なし"
        first = city["citations"][0] if city["citations"] else {}
        rows.append([city["city"], status, city["summary"], first.get("section", "")])
    return rows


def readable(text: str) -> str:
    """Source text as a person reads it: HTML tags, Markdown marks and PDF spaces gone, line by line.

    Plans converted from PDF carry ``<p>``, ``**`` and ``|`` fragments; "read in context" shows the
    normalized text (``corpus.normalize``), never raw markup. Blank-line runs shrink to one.
    """
    from corpus.normalize import normalize_line

    lines = [normalize_line(line) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def page_label(citation: dict) -> str:
    """「p. 12」 or 「p. 12–13」 for a PDF passage; empty for other formats."""
    first, last = citation.get("page"), citation.get("page_end")
    if not first:
        return ""
    return f"p. {first}" if not last or last == first else f"p. {first}–{last}"


def page_link(citation: dict) -> str:
    """「p. 12」 as a link that opens the plan's PDF at that page (``ui.plan_files``); empty for text formats."""
    label = page_label(citation)
    if not label:
        return ""
    from ui.plan_files import pdf_link

    href = pdf_link(citation["doc_id"], citation.get("page"))
    return f' <a class="page" href="{esc(href)}" target="_blank" rel="noopener" title="PDFをこのページで開く">{esc(label)}</a>'


def context_of(source: str, start: int, end: int, terms: list[str]) -> str:
    """The passage inside its surrounding source text (made readable), the passage itself marked."""
    lo, hi = max(0, start - CONTEXT_CHARS), min(len(source), end + CONTEXT_CHARS)
    before, body, after = (readable(source[lo:start]), readable(source[start:end]), readable(source[end:hi]))
    return (f'<pre class="context">{"…" if lo else ""}{esc(before)}<span class="passage">{highlight(body, terms)}</span>'
            f'{esc(after)}{"…" if hi < len(source) else ""}</pre>')


def citations_html(answer: dict, sources: dict[str, str], terms: list[str]) -> str:
    if not answer["citations"]:
        return ""
    parts = []
    for n, c in enumerate(answer["citations"], 1):
        quotes = "".join(f"<li>「{highlight(q['text'], terms)}」</li>" for q in c.get("quotes", []))
        status = f' <span class="status">{esc(STATUS_LABELS.get(c["status"], c["status"]))}</span>' if c.get("status") else ""
        parts.append(
            f'<div class="citation" data-city="{esc(c["city"])}">'
            f'<div class="cite-head">[{n}] <b>{esc(c["city"])}</b>{status} {esc(c["doc_title"])}'
            f'{page_link(c)}</div>'
            f'<div class="cite-path">{esc(c["section"])}</div>'
            f'<ul class="quotes">{quotes}</ul>'
            f'<div class="passage-text">{highlight(c["text"], terms)}</div>'
            f"<details><summary>前後の文脈を読む（{esc(c['doc_id'])} {c['start']}–{c['end']}文字目）</summary>"
            f'{context_of(sources.get(c["doc_id"], ""), c["start"], c["end"], terms)}</details></div>'
        )
    return '<div class="citations">' + "".join(parts) + "</div>"


CSV_HEADER = ["question", "found", "city", "status", "doc_title", "section", "doc_id", "start", "end", "quotes", "text"]


def answer_csv(answer: dict) -> str:
    """One row per citation (or one row saying nothing was found); Excel-friendly with a BOM added by the writer.

    Questions, plan text and city names are anyone's words: no cell may run as a formula.
    """
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_HEADER)
    rows = [[answer["question"], answer["found"], c["city"], c.get("status") or "", c["doc_title"], c["section"],
             c["doc_id"], c["start"], c["end"], " / ".join(q["text"] for q in c.get("quotes", [])), c["text"]]
            for c in answer["citations"]]
    if not answer["citations"]:
        rows = [[answer["question"], answer["found"], "", "", "", "", "", "", "", "", answer["answer"]]]
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buf.getvalue()


def chat_text(text: str) -> str:
    """Plan or user text for the chat: on one line (a plan's line breaks would end a list item) and inert."""
    return md_text(" ".join((text or "").split()))


CITIZEN_STATUS = {"implemented": "実施済み", "planned": "計画中", "under_study": "検討中", "not_introduced": "未導入"}
NO_STATUS, NOT_FOUND = "状況の記載なし", "記載なし"
DISCLAIMER = "※ 計画書に書かれている内容です。実際のサービスの状況は市役所でご確認ください。"


def status_word(status: str | None) -> str:
    """The status in a resident's words: 実施済み / 計画中 / 検討中 / 未導入, or 状況の記載なし."""
    return CITIZEN_STATUS.get(status or "", NO_STATUS)


def _citizen_quotes(citations: list[dict], shown: list) -> list[tuple[dict, object]]:
    """(citation, quote) pairs not shown yet (``quotes.distinct``: same text or overlapping span), sentences first."""
    from assistant.quotes import Quote, distinct, is_sentence

    pairs = [(c, Quote(q["text"], q["start"], q["end"], q.get("page"))) for c in citations for q in c.get("quotes", [])]
    if not pairs:
        pairs = [(c, Quote(c["text"][:120], c["start"], c["end"], c.get("page"))) for c in citations]
    doc = {id(q): c["doc_id"] for c, q in pairs} | {id(q): d for d, q in shown}
    kept = distinct([q for _, q in shown] + [q for _, q in pairs], lambda q: doc[id(q)])[len(shown):]
    owner = {id(q): c for c, q in pairs}
    return sorted(((owner[id(q)], q) for q in kept), key=lambda cq: not is_sentence(cq[1].text))


def _source(c: dict, page) -> str:
    where = f"（p. {page}）" if page else ""
    return f"{chat_text(c['city'])}『{chat_text(c['doc_title'])}』{chat_text(c['section'])}{where}"


def _city_block(city: dict, single: bool, shown: list, sources: list[str]) -> list[str]:
    """A city's lines: its status in plain words and the sentences that explain it (context passages only as such)."""
    from assistant import context

    own = [c for c in city["citations"] if not context.kind(c["section"], c["text"])]
    related = [c for c in city["citations"] if c not in own]
    pairs = _citizen_quotes(own or related, shown)[: 2 if single else (1 if own else 0)]
    shown += [(c["doc_id"], q) for c, q in pairs]
    for c, q in pairs:
        entry = _source(c, q.page)
        if entry not in sources:
            sources.append(entry)
    name = f"**{chat_text(city['city'])}**"
    kinds = "・".join(dict.fromkeys(context.LABELS[context.kind(c["section"], c["text"])] for c in related))
    previous = city.get("previous_status")
    before = f"（前計画では{status_word(previous)}）" if previous and previous != city.get("status") else ""
    word = status_word(city.get("status")) if own else NOT_FOUND
    quotes = [f"「{chat_text(q.text)}」" for _, q in pairs]
    if not single:
        said = "：" + "　".join(quotes) if own else f"：市の取り組みとしての記述はなく、関連する記述は{kinds}のみです。"
        return [f"- {name}（{word}）{before}{said}"]
    if not own:
        head = f"{name}の計画書には、市の取り組みとしての記述は見つかりませんでした（{NOT_FOUND}）。関連する記述（{kinds}）："
    elif city.get("status"):
        head = f"{name}の計画書では、この取り組みは「**{word}**」と書かれています{before}。計画書の記述："
    else:
        head = f"{name}の計画書はこの取り組みに触れていますが、状況（実施済み・計画中・検討中）は書かれていません（{NO_STATUS}）。計画書の記述："
    return [head, "", *(f"- {q}" for q in quotes)]


def chat_reply(answer: dict, cities: list[str] | None = None, max_cities: int = 3) -> str:
    """A short reply in plain Japanese for residents (Markdown for the chat).

    ``cities``: the resident's city (chosen or named in the question). For each city: its status in plain
    words (実施済み / 計画中 / 検討中 / 未導入, 状況の記載なし, or 記載なし), the sentences that explain it
    rather than the heading alone, and the sources; no quote or source appears twice. Only the Markdown
    written here is live; every piece of plan text goes through ``chat_text``.
    """
    notices = [f"※ {chat_text(n)}" for n in answer.get("notices", [])]
    named = "・".join(f"**{chat_text(c)}**" for c in cities or [])
    if not answer["found"]:
        where = f"{named}の計画書には、このご質問に当たる記述が見つかりませんでした（{NOT_FOUND}）。" if named else \
            "申し訳ありません。市の計画書には、このご質問に当たる記述が見つかりませんでした。"
        return "\n\n".join([where + "くわしくは市役所の担当窓口にお問い合わせください。", *notices])
    entries = answer["cities"][:max_cities]
    single = len(entries) == 1
    shown: list = []
    sources: list[str] = []
    lines = [] if single else ["市の計画書には、次のように書かれています。", ""]
    for city in entries:
        lines += _city_block(city, single, shown, sources)
    lines += (["", "出典：" + "、".join(sources)] if sources else []) + ["", DISCLAIMER, *notices]
    return "\n".join(lines)
