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
    statuses: tuple[Status, ...] = ()  # every status the passage states about the topic (``status`` first)

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
    matches_status: bool = True  # its evidence has the status the question asks for (always, when it asks none)

    def to_dict(self) -> dict:
        return {
            "city": self.city,
            "status": self.status.status if self.status else None,
            "summary": self.summary,
            "citations": [c.to_dict() for c in self.citations],
            "status_label": self.status.label if self.status else None,
            "status_marker": self.status.marker if self.status else None,
            "previous_status": self.previous_status.status if self.previous_status else None,
            "matches_status": self.matches_status,
        }


@dataclass(frozen=True)
class Absent:
    """A searched city that is not listed: the passage that came nearest, and why it was not enough."""

    city: str
    nearest: Citation | None
    reason: str

    def to_dict(self) -> dict:
        return {"city": self.city, "nearest": self.nearest.to_dict() if self.nearest else None, "reason": self.reason}


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
    asked_status: str = "any"  # implemented | planned | under_study | any, read from the wording
    absent: tuple[Absent, ...] = ()  # searched cities not listed (cross-city questions)
    terms: tuple[str, ...] = ()  # the topic terms searched for, each with its dictionary variants

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
            "asked_status": self.asked_status,
            "absent": [a.to_dict() for a in self.absent],
            "terms": list(self.terms),
        }
