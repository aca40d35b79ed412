"""Answer records. Field names are a stable interface (``assistant ask --json``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.quotes import Quote
from assistant.status import Status
from index.search import Hit


@dataclass(frozen=True)
class Citation:
    """A retrieved passage used as evidence: the search hit, the quotes cut from it, and how well it supports."""

    hit: Hit
    quotes: tuple[Quote, ...]
    support: float
    status: Status | None = None

    def to_dict(self) -> dict:
        out = self.hit.to_dict()
        out["quotes"] = [q.to_dict() for q in self.quotes]
        out["support"] = self.support
        out["status"] = self.status.status if self.status else None
        return out


@dataclass(frozen=True)
class CityAnswer:
    city: str
    status: Status | None
    summary: str
    citations: tuple[Citation, ...]
    previous_status: Status | None = None

    def to_dict(self) -> dict:
        return {
            "city": self.city,
            "status": self.status.status if self.status else None,
            "summary": self.summary,
            "citations": [c.to_dict() for c in self.citations],
            "status_label": self.status.label if self.status else None,
            "status_marker": self.status.marker if self.status else None,
            "previous_status": self.previous_status.status if self.previous_status else None,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    found: bool
    answer: str
    cities: tuple[CityAnswer, ...]
    citations: tuple[Citation, ...]
    intent: str = "general"
    searched: tuple[str, ...] = ()
    writer: str = "extractive"
    notices: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "found": self.found,
            "answer": self.answer,
            "cities": [c.to_dict() for c in self.cities],
            "citations": [c.to_dict() for c in self.citations],
            "intent": self.intent,
            "searched": list(self.searched),
            "writer": self.writer,
            "notices": list(self.notices),
        }
