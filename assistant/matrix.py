"""The comparison matrix's records: topics × cities, each cell a status with its evidence.

A cell is **listed** when the cross-city answer lists its city for the topic (``assistant.crosscity``):
it then shows the status read from the evidence (or 「記載なし（状況不明）」 when the evidence states
none) and cites the quoted words. An **empty** cell keeps the passage that came nearest and why it
was not enough, so a "no" can be checked as easily as a "yes". Every citation is a span of the
plan's source text: ``index.sources[doc_id][start:end]``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from corpus.errors import QueryError

TOPICS = Path(__file__).with_name("data") / "topics.tsv"
UNKNOWN, EMPTY = "unknown", "empty"  # listed without a status; not listed
KINDS = ("implemented", "planned", "under_study", "not_introduced", UNKNOWN, EMPTY)
SHORT = {"implemented": "実施済", "planned": "計画", "under_study": "検討中", "not_introduced": "未導入",
         UNKNOWN: "記載なし（状況不明）", EMPTY: "—"}
# cell fills, shared by the UI and the .xlsx (Excel's own good / neutral / bad fills where they fit)
COLOURS = {"implemented": "C6EFCE", "planned": "DDEBF7", "under_study": "FFEB9C", "not_introduced": "F8CBAD",
           UNKNOWN: "E7E6E6", EMPTY: "FFFFFF"}
MAX_TOPICS = 40  # topics in one matrix (each is one cross-city search of every chosen plan)
MAX_TOPIC_CHARS = 60


@dataclass(frozen=True)
class Topic:
    label: str
    note: str = ""  # where the topic comes from (topics.tsv's source column)


def default_topics(path: Path = TOPICS) -> list[Topic]:
    """The default rows: ``assistant/data/topics.tsv`` (topic, source; ``#`` starts a comment)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, _, note = line.partition("\t")
            rows.append(Topic(label.strip(), note.strip()))
    return rows


def check_topics(topics: list[str] | None) -> list[str]:
    """Topics as given (stripped, each once); none given: the default list. Raises QueryError on bad input."""
    if not topics:
        return [t.label for t in default_topics()]
    out = list(dict.fromkeys(t.strip() for t in topics if isinstance(t, str) and t.strip()))
    if not out:
        raise QueryError("no topic given: name one or more topics (e.g. テレワーク), or none for the default list")
    if len(out) > MAX_TOPICS:
        raise QueryError(f"{len(out)} topics: compare at most {MAX_TOPICS} at a time")
    long = [t for t in out if len(t) > MAX_TOPIC_CHARS]
    if long:
        raise QueryError(f"a topic is a few words (at most {MAX_TOPIC_CHARS} characters): {long[0][:30]}…")
    return out


@dataclass(frozen=True)
class Ref:
    """The words a cell rests on: ``source[start:end]`` of plan ``doc_id`` (the quote), inside its passage."""

    doc_id: str
    doc_title: str
    section: str
    start: int
    end: int
    quote: str  # the normalized text of source[start:end]
    page: int | None = None  # PDF plans: the page the quote starts on
    page_end: int | None = None
    passage_start: int = 0
    passage_end: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Cell:
    topic: str
    city: str
    kind: str  # implemented | planned | under_study | not_introduced | unknown (listed, no status) | empty
    label: str  # the status as the plan words it (計画（継続）), 記載なし（状況不明）, or "" when empty
    evidence: str  # one line: the quote (listed) or the nearest passage (empty)
    citation: Ref | None = None  # listed cells: the quoted evidence
    nearest: Ref | None = None  # empty cells: the passage that came nearest
    reason: str = ""  # empty cells: why the nearest passage is not enough
    previous: str = ""  # the previous plan's status, where the evidence gives one (前計画では未導入)

    @property
    def listed(self) -> bool:
        return self.kind != EMPTY

    @property
    def status(self) -> str | None:
        return self.kind if self.kind in KINDS[:4] else None

    def to_dict(self) -> dict:
        return {"topic": self.topic, "city": self.city, "listed": self.listed, "status": self.status,
                "kind": self.kind, "label": self.label, "evidence": self.evidence,
                "citation": self.citation.to_dict() if self.citation else None,
                "nearest": self.nearest.to_dict() if self.nearest else None, "reason": self.reason,
                "previous": self.previous}


@dataclass(frozen=True)
class Matrix:
    topics: tuple[str, ...]
    cities: tuple[str, ...]
    cells: tuple[Cell, ...]  # topic by topic, each in the order of ``cities``
    terms: tuple[tuple[str, ...], ...] = ()  # per topic: what was searched (terms with their dictionary variants)
    status_only: bool = False  # cells listed without a status were left empty (``--status``)

    def cell(self, topic: str, city: str) -> Cell:
        return self.cells[self.topics.index(topic) * len(self.cities) + self.cities.index(city)]

    def rows(self) -> list[tuple[str, tuple[Cell, ...]]]:
        n = len(self.cities)
        return [(t, self.cells[i * n:(i + 1) * n]) for i, t in enumerate(self.topics)]

    def to_dict(self) -> dict:
        return {"topics": list(self.topics), "cities": list(self.cities), "status_only": self.status_only,
                "terms": {t: list(terms) for t, terms in zip(self.topics, self.terms)},
                "cells": [c.to_dict() for c in self.cells]}
