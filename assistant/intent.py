"""What kind of question is this: across cities, about one city, or general?

Only the wording of the question is used, never the corpus: "which cities"
phrasings are the same for any set of Japanese municipal plans.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CROSS, CITY, GENERAL = "cross_city", "city", "general"

_PLACE = r"(?:市|区|町|村|自治体|市町村|都市|まち)"
_CROSS_PATTERNS = [
    rf"(?:どの|どこの|いずれの|各|全ての|すべての|複数の){_PLACE}",
    rf"{_PLACE}(?:は|が|を|で)?(?:どこ|何市|いくつ|挙げ|教え|一覧|比較|ありますか)",
    rf"{_PLACE}(?:は|が)?\s*[?？]\s*$",
    rf"(?:している|する|した|予定の|予定している|がある|のある|を持つ){_PLACE}",
    r"\b(?:which|what)\s+(?:cities|city|municipalit(?:y|ies)|towns?)\b",
    r"\bcompare\b",
    r"市ごと|自治体ごと|それぞれの市|横断",
]
_CROSS = re.compile("|".join(_CROSS_PATTERNS), re.IGNORECASE)


# The status a question asks for, read from its wording alone (any topic). Each cue names one status;
# a question naming two (「導入・検討している」「導入している、または予定している」) asks for any.
IMPLEMENTED, PLANNED, UNDER_STUDY, ANY = "implemented", "planned", "under_study", "any"
_STATUS_CUES: tuple[tuple[str, re.Pattern], ...] = (
    (IMPLEMENTED, re.compile(
        r"(?:導入|実施|整備|設置|開設|対応|策定|運用|移行|構築)済み?|すでに|既に|もう|始めて(?:いる|います)|始めた|開始して|開始した|運用中|稼働中|運用して(?:いる|います)|稼働して"
        r"|(?:導入|実施|提供|設置|開設|運行|整備|採用|利用|活用|使用|配信|公開)して(?:いる|います|いた)|(?:導入|実施|設置|開設|整備)した"
        r"|使って(?:いる|います)|受け付けて(?:いる|います)|行って(?:いる|います)|やって(?:いる|います)|開いて(?:いる|います)"
        r"|でき(?:る|ます)(?:市|自治体|まち|[?？]|$)|取れる")),
    (UNDER_STUDY, re.compile(r"検討|調査・?研究|研究して")),
    (PLANNED, re.compile(r"計画(?:して|がある|中|に(?:ある|入って|盛り込))|予定|目指|これから|今後|(?:導入|実施|構築|開始|開設)する(?!こと)")),
)
_ANY_CUES = re.compile(r"触れ|書いて|書かれ|記載|言及|取り組|取組|進めて")


def asked_status(question: str) -> str:
    """implemented | planned | under_study | any: the status the wording asks for, for any topic."""
    text = unicodedata.normalize("NFKC", question)
    found = [status for status, cue in _STATUS_CUES if cue.search(text)]
    if len(found) == 1 and not re.search(r"または|もしくは|あるいは|(?:導入|実施|整備|活用)[・、](?:検討|予定|計画)", text):
        return found[0]
    return ANY


@dataclass(frozen=True)
class Intent:
    kind: str  # cross_city | city | general
    cities: tuple[str, ...] = ()  # cities named in the question (or chosen with --city)
    status: str = ANY  # the status asked for (``asked_status``)


def _stem(city: str) -> str:
    """根室市 -> 根室: residents drop the suffix (「根室に住んでる」)."""
    return city[:-1] if len(city) > 2 and city[-1] in "市区町村" else city


def named_cities(question: str, known: list[str]) -> tuple[str, ...]:
    """Known cities the question names, with or without their 市/町/村 suffix, in order of mention."""
    text = unicodedata.normalize("NFKC", question)
    found = []
    for city in known:
        pos = text.find(city)
        if pos < 0:
            pos = text.find(_stem(city))
        if pos >= 0:
            found.append((pos, city))
    return tuple(c for _, c in sorted(found))


def parse(question: str, known: list[str], chosen: list[str] | None = None) -> Intent:
    """Chosen cities (``--city``) win; then cities named in the text; then the question's phrasing."""
    text = unicodedata.normalize("NFKC", question)
    cities = tuple(chosen) if chosen else named_cities(text, known)
    wants_many = bool(_CROSS.search(text))
    status = asked_status(text)
    if cities and (len(cities) == 1 or not wants_many):
        return Intent(CITY, cities, status)
    if wants_many:
        return Intent(CROSS, cities, status)
    return Intent(GENERAL, cities, status)
