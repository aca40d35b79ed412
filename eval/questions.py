"""The eval set: questions with chunking-independent gold labels.

A gold answer names a city, its plan file and evidence strings copied from
that file. A retrieved passage is relevant to the answer when it comes from
the same city and its source span ``[start, end)`` contains one of the
evidence strings, both compared after NFKC with all whitespace removed (the
PDF conversions insert spaces inside words). Re-chunking the corpus never
invalidates the labels.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import AssistantError

KINDS = ("cross_city", "cross_doc", "fact", "faq", "unanswerable")
DEFAULT_QUESTIONS = Path(__file__).with_name("questions.jsonl")


class EvalError(AssistantError):
    """An eval set cannot be read or does not match the corpus."""


ASKED = ("implemented", "planned", "under_study", "any")
STATUSES = ("implemented", "planned", "under_study", "not_introduced", "unspecified")


@dataclass(frozen=True)
class Gold:
    doc: str
    city: str
    evidence: tuple[str, ...]
    status: str | None = None  # the status the plan states, where the question asks for one


@dataclass(frozen=True)
class Trap:
    """A passage that must not list its city (a topic neighbour, a glossary entry …), with the reason."""

    city: str
    reason: str
    doc: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """``answers``: the cities that satisfy the question (the status asked, if any); ``mentions``: cities
    whose plans cover the topic with another status (cross-city questions that ask for one)."""

    id: str
    kind: str
    question: str
    answers: tuple[Gold, ...]
    asked_status: str | None = None
    mentions: tuple[Gold, ...] = ()
    traps: tuple[Trap, ...] = ()
    trap: str | None = None  # "neighbour" | "glossary" for questions written as traps

    @property
    def cities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.city for a in self.answers))

    @property
    def mention_cities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.city for a in self.mentions))


def squash(text: str) -> str:
    """NFKC, then drop all whitespace: the form evidence is compared in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _gold(a: dict) -> Gold:
    return Gold(a["doc"], a["city"], tuple(a["evidence"]), a.get("status"))


def _question(row: dict, where: str) -> Question:
    try:
        answers = tuple(_gold(a) for a in row.get("answers", []))
        mentions = tuple(_gold(a) for a in row.get("mentions", []))
        traps = tuple(Trap(t["city"], t.get("reason", ""), t.get("doc", ""), tuple(t.get("evidence", ())))
                      for t in row.get("not", []))
        q = Question(str(row["id"]), row["kind"], row["question"], answers, row.get("asked_status"), mentions, traps,
                     row.get("trap"))
    except (KeyError, TypeError) as exc:
        raise EvalError(f"{where}: expected id, kind, question, answers[doc, city, evidence] ({exc!r} missing or wrong)") from exc
    if q.kind not in KINDS:
        raise EvalError(f"{where}: kind {q.kind!r} is not one of {', '.join(KINDS)}")
    if q.asked_status is not None and q.asked_status not in ASKED:
        raise EvalError(f"{where}: asked_status {q.asked_status!r} is not one of {', '.join(ASKED)}")
    if any(a.status is not None and a.status not in STATUSES for a in q.answers + q.mentions):
        raise EvalError(f"{where}: an answer's status is not one of {', '.join(STATUSES)}")
    # a cross-city question may have no city with the status asked, as long as some plan mentions the topic
    if q.kind == "unanswerable" and (q.answers or q.mentions):
        raise EvalError(f"{where}: unanswerable questions have no answers")
    if q.kind != "unanswerable" and not q.answers and not (q.kind == "cross_city" and q.mentions):
        raise EvalError(f"{where}: every question but an unanswerable one needs at least one answer "
                        "(a cross-city one may have only mentions)")
    if any(not a.evidence for a in q.answers + q.mentions):
        raise EvalError(f"{where}: every answer needs at least one evidence string")
    return q


def half(question_id: str) -> str:
    """"dev" or "test", fixed by a hash of the id: thresholds are chosen on dev and reported on test."""
    import hashlib

    return "dev" if hashlib.sha256(question_id.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def load_questions(path: str | Path = DEFAULT_QUESTIONS) -> list[Question]:
    """Read a JSON Lines eval set; raises EvalError naming the bad line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalError(f"cannot read the eval set {path}: {exc.strerror or exc}") from exc
    out, seen = [], set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalError(f"{path}:{n}: not JSON ({exc.msg})") from exc
        q = _question(row, f"{path}:{n}")
        if q.id in seen:
            raise EvalError(f"{path}:{n}: duplicate id {q.id!r}")
        seen.add(q.id)
        out.append(q)
    if not out:
        raise EvalError(f"the eval set {path} holds no questions")
    return out


def missing_evidence(questions: list[Question], sources: dict[str, str]) -> list[str]:
    """Evidence strings that do not occur in their file (empty list: all good)."""
    squashed = {doc: squash(text) for doc, text in sources.items()}
    problems = []
    for q in questions:
        for a in q.answers:
            if a.doc not in squashed:
                problems.append(f"{q.id}: unknown document {a.doc}")
                continue
            problems += [f"{q.id}: {a.city} evidence not in {a.doc}: {e}" for e in a.evidence if squash(e) not in squashed[a.doc]]
        for a in (*q.mentions, *q.traps):
            if a.doc and a.doc not in squashed:
                problems.append(f"{q.id}: unknown document {a.doc}")
                continue
            problems += [f"{q.id}: {a.city} evidence not in {a.doc}: {e}" for e in a.evidence
                         if a.doc and squash(e) not in squashed[a.doc]]
    return problems


class Judge:
    """Decides which gold answers a passage supports, caching squashed spans."""

    def __init__(self, sources: dict[str, str]):
        self.sources = sources
        self._spans: dict[tuple[str, int, int], str] = {}

    def span(self, doc: str, start: int, end: int) -> str:
        key = (doc, start, end)
        if key not in self._spans:
            self._spans[key] = squash(self.sources.get(doc, "")[start:end])
        return self._spans[key]

    def supports(self, question: Question, doc: str, city: str, start: int, end: int) -> frozenset[int]:
        """Indexes of the question's gold answers that this passage supports."""
        text = None
        found = set()
        for i, a in enumerate(question.answers):
            if a.city != city:
                continue
            text = text if text is not None else self.span(doc, start, end)
            if any(squash(e) in text for e in a.evidence):
                found.add(i)
        return frozenset(found)
