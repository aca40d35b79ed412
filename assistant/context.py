"""Passages that describe, not decide: glossary entries, national or prefectural policy,
surveys and residents' wishes. They may be shown as context; they never list a city.

Read from structure and wording every Japanese plan shares, never from the five plans' headings:

- **glossary**: a heading path naming a glossary (用語集・用語解説・用語の説明), or a passage whose
  lines are mostly definitions (「X / …のこと」「X：…をいう」「Xとは、…です」);
- **policy**: a heading about the nation, the prefecture, laws or trends (国の…, 県の…, …法の概要,
  …の動向, 白書, 総務省・デジタル庁・政府), or a passage whose sentences are mostly about the
  nation's actions (「国は…」「政府は…」);
- **survey**: a heading about a questionnaire or its results (アンケート, 調査結果, 意識調査, 回答);
- **wish**: residents' free text, most sentences ending in 〜してほしい。
"""

from __future__ import annotations

import re

GLOSSARY, POLICY, SURVEY, WISH = "glossary", "policy", "survey", "wish"
LABELS = {GLOSSARY: "用語の説明", POLICY: "国・県の施策や動向の紹介", SURVEY: "アンケート・調査の結果", WISH: "市民の意見・要望"}

_SECTION = (
    # a glossary's own headings: 用語集, or its index letters (【あ・か行】, 【A~Z】)
    (GLOSSARY, re.compile(r"用語|キーワード解説|注釈|語句の説明|^【?[あかさたなはまやらわ](?:・[あかさたなはまやらわ])*行】?$"
                          r"|^【?[A-ZＡ-Ｚ]\s*[~〜～－-]\s*[A-ZＡ-Ｚ]】?$")),
    (SURVEY, re.compile(r"アンケート|調査結果|意識調査|市民調査|回答|自由記述|意見募集の結果")),
    (POLICY, re.compile(r"(?<![全各])国(?:の|に|における|、|・|が|で)|政府|総務省|デジタル庁|内閣|県(?:の|における)"
                        r"|[^\s>]{0,12}法(?:案)?の(?:概要|制定|施行|改正)|白書|社会(?:全般|情勢|の動向)|動向|背景|時代の潮流")),
)
# 「テレワーク / 情報通信技術を活用した…働き方のこと」「RPA：…の略」「Xとは、…をいう」
_DEFINITION = re.compile(
    r"^[^。]{1,40}?(?:\s[/／:：]\s?|[/／:：]|とは、?)[^。]*?(?:のこと|をいう|を指す|の略|の総称|を意味する|とされる)(?:です|である)?[。．]?\s*$"
)
_ENTRY = re.compile(r"^[^。、\s]{1,30}\s*[/／]\s*[^。]*(?:のこと|をいう|を指す|の略|の総称)")
_NATIONAL = re.compile(r"^(?:国|政府|総務省|デジタル庁|内閣府?|都道府県|県)"
                       r"(?:は|では|が|において|として|の[^。]{0,30}?(?:では|において|によれば|によると))")
_WISH = re.compile(r"(?:ほしい|欲しい|してください|して下さい|もらいたい|願いたい)(?:です|と思います|と思う)?[。！!]")
_SENTENCE = re.compile(r"[。！？!?]")


def _lines(text: str) -> list[str]:
    return [line.strip(" 　-・●○■◆*#>|\t") for line in text.split("\n") if line.strip()]


_OWN = re.compile(r"本市|当市|市の(?:現状|取組|状況|情報化|課題)|現状|課題|取組状況|沿革|実績|施策|事業|計画の(?:目標|体系)")


def section_kind(section: str) -> str | None:
    """The context kind a heading path states, read from its deepest level up: the first level
    that is about the city itself (本市の…, 現状, 施策 …) or a context kind decides."""
    levels = [level for level in section.split(" > ") if level.strip()] if section else []
    for depth, level in enumerate(reversed(levels)):
        for name, pattern in _SECTION:
            if pattern.search(level):
                if name == POLICY and (_OWN.search(level) or _own_measure(level)):
                    return None  # 「本市の情報化に関する動向」, 「国の標準仕様への対応」: the city's own
                return name
        if _OWN.search(level):
            return None
    return None


def kind(section: str, text: str = "") -> str | None:
    """glossary | policy | survey | wish for a passage that only gives context, else None."""
    found = section_kind(section)
    if found:
        return found
    lines = _lines(text)
    if lines:
        definitions = sum(1 for line in lines if _DEFINITION.match(line))
        # 「テレワーク / …のこと。」: a term, a slash, its definition — a glossary row wherever it was filed
        entry = _ENTRY.match(lines[0]) is not None
        if definitions >= max(2, len(lines) / 2) or (definitions and (len(lines) == 1 or entry)):
            return GLOSSARY
    sentences = [s for s in re.split(r"(?<=[。！？!?])", text) if s.strip()]
    if sentences:
        national = sum(1 for s in sentences if _NATIONAL.match(s.strip(" 　\n-・●○")))
        if national / len(sentences) >= 0.5:
            return POLICY
    return WISH if wishes(text) else None


def wishes(text: str) -> bool:
    """Residents' wishes (survey free text): at least 3 in 10 sentences end in 〜してほしい。"""
    marks = len(_SENTENCE.findall(text))
    return bool(marks) and len(_WISH.findall(text)) / marks >= 0.3


def about_others(text: str, mentions) -> bool:
    """Whether every sentence of ``text`` that speaks of the topic (``mentions(sentence)``) tells what
    the nation or the prefecture does (「国は…を推進している」「国の…計画では…」), wherever it was filed."""
    said = [s.strip(" 　-・●○") for s in re.split(r"(?<=[。！？!?])|\n", text) if s.strip() and mentions(s)]
    return bool(said) and all(_NATIONAL.match(s) for s in said)


def _own_measure(heading: str) -> bool:
    """A heading of the city's own measure that happens to name the nation (「国の標準仕様への対応」)."""
    return bool(re.search(r"(?:対応|推進|導入|移行|整備|活用|実施|構築)(?:【[^】]*】)?$", heading))
