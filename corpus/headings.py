"""Recognize section headings of Japanese municipal plans, whatever their markup.

Markdown levels in PDF conversions are inconsistent (the same 第3章 comes out as
``##`` in one place and ``###`` in the next), so a heading's depth is taken from
its numbering style, the conventional hierarchy of Japanese public documents:
第N章 > 第N節 > 基本目標N > 1. > (1) > ア > ① > 施策名 blocks > unnumbered titles.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from corpus.normalize import remove_ja_spaces, strip_tags

RANK_PART = 0
RANK_CHAPTER = 1
RANK_SECTION = 2
RANK_GOAL = 3
RANK_NUMBER = 4
RANK_PAREN = 5
RANK_KANA = 6
RANK_CIRCLED = 7
RANK_BLOCK = 8
RANK_UNNUMBERED = 10  # + markdown level (or 7 for bold / 【】 titles)
RANK_DOTTED = -1  # placeholder: "4.3.1." gets RANK_NUMBER + 0.2 per level below "4."

MAX_HEADING_CHARS = 60

_NUM = r"[0-9０-９一二三四五六七八九十〇]+"
_PATTERNS: tuple[tuple[int, re.Pattern], ...] = (
    (RANK_CHAPTER, re.compile(rf"^(第{_NUM}[章部編])\s*(.*)$")),
    (RANK_SECTION, re.compile(rf"^(第{_NUM}[節款])\s*(.*)$")),
    (RANK_GOAL, re.compile(rf"^((?:基本|重点|施策|政策)?(?:目標|方針|施策|戦略)\s*{_NUM})(?![0-9年月日%件人])[\s.:：]*(.*)$")),
    (RANK_NUMBER, re.compile(r"^([0-9]{1,2}(?:[.．](?![0-9])|(?=\s)))\s*(?![年月日度%件人名円か])(\S.*)$")),
    (RANK_DOTTED, re.compile(r"^([0-9]{1,2}(?:[.．][0-9]{1,2}){1,4}[.．]?)\s*(?![年月日度%件人名円か])(\S.*)$")),
    (RANK_PAREN, re.compile(r"^([(（][0-9]{1,2}[)）])\s*(\S.*)$")),
    (RANK_KANA, re.compile(r"^([アイウエオカキクケコサシスセソタチツテト]|[(（][アイウエオカキクケコ][)）])(?:[.．、]\s*|\s+)(\S.*)$")),
    (RANK_CIRCLED, re.compile(r"^((?:[0-9]{1,2}-)?[\u2460-\u2473\u2776-\u277f])\s*(\S.*)$")),
    (RANK_PART, re.compile(r"^([\u2160-\u216b])(?:[.．]\s*|\s+)(\S.*)$")),
)
# key-value tables of plans title each initiative with a row such as "施策名<TAB>…"
_BLOCK_KEY = re.compile(r"^(?:施策|事業|取組|取り組み|項目|事務事業)名$")
_MD = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD = re.compile(r"^\s*(?:<b>|\*\*)(.+?)(?:</b>|\*\*)\s*$", re.IGNORECASE)
_BRACKET = re.compile(r"^【[^】]{2,30}】$")
_SPLIT_NUMBER = re.compile(r"^(\d) (\d)(?=[ .．])")  # "1 0 子ども…": PDF split "10"
_SENTENCE_END = re.compile(r"[。．]$|[ですます。]$")


@dataclass(frozen=True)
class Heading:
    """A recognized heading: its depth (smaller is higher) and display title."""

    rank: int
    title: str
    explicit: bool = False  # marked up as a heading (markdown #, bold): trusted even out of sequence


def light_normalize(text: str) -> str:
    """NFKC but keep circled numbers (NFKC turns ① into 1), tags dropped, spaces folded."""
    parts = [c if "\u2460" <= c <= "\u2473" or "\u2776" <= c <= "\u277f" or "\u2160" <= c <= "\u216b"
             else unicodedata.normalize("NFKC", c) for c in strip_tags(text)]
    return " ".join("".join(parts).replace("\u3000", " ").split())


def _title(marker: str, rest: str) -> str:
    marker = light_normalize(marker).replace(" ", "")
    rest = remove_ja_spaces(rest.replace("**", "")).strip()
    return f"{marker} {rest}".strip()


def numbered(text: str) -> Heading | None:
    """Match ``text`` (one line, light-normalized) against the numbering styles."""
    if len(text) > MAX_HEADING_CHARS or _SENTENCE_END.search(text):
        return None
    text = _SPLIT_NUMBER.sub(r"\1\2", text)
    for rank, pattern in _PATTERNS:
        match = pattern.match(text)
        if match:
            if rank == RANK_DOTTED:
                depth = len(dotted_number(match.group(1)) or ())
                rank = RANK_NUMBER + min(0.2 * (depth - 1), 0.8)
            return Heading(rank, _title(match.group(1), match.group(2)))
    return None


def dotted_number(title: str) -> tuple[int, ...] | None:
    """(4, 3, 1) for "4.3.1. …", (4,) for "4. …"; None for other headings."""
    match = re.match(r"^([0-9]{1,2}(?:[.．][0-9]{1,2})*)(?:[.．]|\s|$)", unicodedata.normalize("NFKC", title))
    return tuple(int(n) for n in re.split(r"[.．]", match.group(1))) if match else None


def block_title(cells: list[str]) -> Heading | None:
    """``施策名<TAB>住民票等の…`` -> the initiative's name as a heading."""
    filled = [c for c in cells if c.strip()]
    if len(filled) == 2 and _BLOCK_KEY.match(light_normalize(filled[0]).replace(" ", "")):
        return Heading(RANK_BLOCK, remove_ja_spaces(light_normalize(filled[1])))
    return None


def classify(line: str) -> Heading | None:
    """The heading a source line states, or None for body text."""
    if "\t" in line:
        return block_title(line.split("\t"))
    md = _MD.match(line)
    text = light_normalize(md.group(2) if md else line)
    if not text or len(text) > MAX_HEADING_CHARS * 2:
        return None
    found = numbered(text)
    if found:
        return Heading(found.rank, found.title, explicit=bool(md))
    if md and not _SENTENCE_END.search(text) and len(text) <= MAX_HEADING_CHARS:
        return Heading(RANK_UNNUMBERED + len(md.group(1)), remove_ja_spaces(text.replace("**", "")), explicit=True)
    bold = _BOLD.match(line)
    if bold:
        inner = light_normalize(bold.group(1))
        if inner and len(inner) <= MAX_HEADING_CHARS and not _SENTENCE_END.search(inner):
            return numbered(inner) or Heading(RANK_UNNUMBERED + 7, remove_ja_spaces(inner))
    if _BRACKET.match(text):
        return Heading(RANK_UNNUMBERED + 7, remove_ja_spaces(text))
    return None
