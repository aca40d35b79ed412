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


@dataclass(frozen=True)
class Intent:
    kind: str  # cross_city | city | general
    cities: tuple[str, ...] = ()  # cities named in the question (or chosen with --city)


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
    if cities and (len(cities) == 1 or not wants_many):
        return Intent(CITY, cities)
    if wants_many:
        return Intent(CROSS, cities)
    return Intent(GENERAL, cities)
