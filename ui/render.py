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


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting so as a formula (OWASP)


def csv_cell(value):
    """A text cell that would start a formula gets a leading ``'``, which makes it text in Excel and LibreOffice."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


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


def chat_reply(answer: dict, max_sources: int = 2) -> str:
    """A short reply in plain Japanese for residents, with its sources (Markdown for the chat).

    Only the Markdown written here is live; every piece of plan text goes through ``chat_text``.
    """
    notices = [f"※ {chat_text(n)}" for n in answer.get("notices", [])]
    if not answer["found"]:
        return "\n\n".join(["申し訳ありません。市の計画書には、このご質問に当たる記述が見つかりませんでした。"
                             "くわしくは市役所の担当窓口にお問い合わせください。", *notices])
    lines = ["市の計画書には、次のように書かれています。", ""]
    for c in answer["citations"][:max_sources]:
        quote = c["quotes"][0]["text"] if c.get("quotes") else c["text"][:120]
        lines.append(f"- **{chat_text(c['city'])}**：「{chat_text(quote)}」")
    lines += ["", "出典：" + "、".join(f"{chat_text(c['city'])}『{chat_text(c['doc_title'])}』{chat_text(c['section'])}"
                                     for c in answer["citations"][:max_sources])]
    lines += ["", "※ 計画書に書かれている内容です。実際のサービスの状況は市役所でご確認ください。", *notices]
    return "\n".join(lines)
