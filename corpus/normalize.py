"""Text normalization for indexing: NFKC, markup dropped, PDF-inserted spaces removed.

Normalization never changes what a chunk points at: chunks keep their span in
the source file, and only their indexed text goes through here.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Japanese script: kana, CJK ideographs and the full-width punctuation used in plans.
_JA = r"\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_JA_CHAR = re.compile(f"[{_JA}]")
# a run of spaces with Japanese on at least one side: PDF conversion artefacts
_SPACE_JA = re.compile(rf"(?<=[{_JA}])[ \t\u00a0]+|[ \t\u00a0]+(?=[{_JA}])")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)[^<>]*>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_BLOCK_TAGS = {"p", "br", "li", "ul", "ol", "div", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
_MD_MARKUP = re.compile(r"^\s{0,3}#{1,6}\s+|\*\*|__|^\s*[-*+]\s+(?=\S)|^\s*>\s?|^\s*\|?\s*:?-{3,}.*$", re.MULTILINE)
_PIPE = re.compile(r"\s*\|\s*")
_BLANKS = re.compile(r"[ \t\u00a0]{2,}")
_MAX_PASSES = 8


def strip_tags(text: str) -> str:
    """Drop HTML tags, keep their text; block tags become line breaks."""

    def repl(match: re.Match) -> str:
        return "\n" if match.group(2).lower() in _BLOCK_TAGS else ""

    return html.unescape(_TAG.sub(repl, _COMMENT.sub("", text)))


def remove_ja_spaces(text: str) -> str:
    """`マイナンバー カードの` -> `マイナンバーカードの`; spaces between Latin words stay."""
    return _SPACE_JA.sub("", text)


def normalize_line(line: str) -> str:
    """Normalize one line of text (no line breaks in the result)."""
    text = unicodedata.normalize("NFKC", strip_tags(line)).replace("\n", " ")
    text = text.replace("\t", " ")
    text = _MD_MARKUP.sub("", text)
    text = _PIPE.sub(" ", text) if "|" in text else text
    return remove_ja_spaces(_BLANKS.sub(" ", text)).strip()


def _normalize_once(text: str) -> str:
    lines = (normalize_line(line) for line in strip_tags(text).split("\n"))
    return "\n".join(line for line in lines if line)


def normalize(text: str) -> str:
    """Normalize a block of text: each line normalized, empty lines dropped.

    Idempotent: ``normalize(normalize(t)) == normalize(t)``. One pass can expose
    new markup (``&amp;lt;b&amp;gt;``, ``<<b>b>``), so passes repeat to a fixed point.
    """
    for _ in range(_MAX_PASSES):
        out = _normalize_once(text)
        if out == text:
            break
        text = out
    return text


def has_japanese(text: str) -> bool:
    return bool(_JA_CHAR.search(text))
