"""Status of a measure where the plan states it: implemented, planned, under study, not introduced.

Plans mark measures with bracketed tags (【新規】【継続】【拡充】【完了】【新】)
and status words in tables and sentences (導入済・実施済・未導入・検討 …).
The status is read from the citation's heading path first (施策名 …【継続】,
a table row's label), then from the source lines of the citation that
mention the question's words. Nothing is inferred: no marker, no status.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

IMPLEMENTED, PLANNED, UNDER_STUDY, NOT_INTRODUCED = "implemented", "planned", "under_study", "not_introduced"
LABELS = {IMPLEMENTED: "実施済", PLANNED: "計画", UNDER_STUDY: "検討中", NOT_INTRODUCED: "未導入"}

# (pattern, status); earlier patterns win within one line. Tags in 【】 are explicit and come first.
_MARKERS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"【(完了|実施済み?|導入済み?)】"), IMPLEMENTED),
    (re.compile(r"【(新規|新|拡充|継続|重点|重点取組)】"), PLANNED),
    (re.compile(r"【(検討|調査研究)】"), UNDER_STUDY),
    (re.compile(r"(未導入|未実施|未着手|未整備)"), NOT_INTRODUCED),
    (re.compile(r"(導入済み?|実施済み?|整備済み?|運用中|稼働中|完了|を開始|開始しました|導入しました)"), IMPLEMENTED),
    (re.compile(r"(導入(?:の|を|に向けて)?検討|検討(?:する|します|していきます|を進め)|調査・?研究)"), UNDER_STUDY),
    (re.compile(r"(導入予定|実施予定|予定(?:です|しています)|計画(?:する|します)|推進します|取り組みます|目指します)"), PLANNED),
]
_PAST = re.compile(r"前計画|前期計画|これまで|沿革|実績|取組状況")


@dataclass(frozen=True)
class Status:
    status: str
    label: str  # e.g. "計画（継続）"
    marker: str  # the words in the source, e.g. "【継続】"
    past: bool = False  # read from a section about the previous plan or past record

    def to_dict(self) -> dict:
        return asdict(self)


def from_text(text: str, past: bool = False) -> Status | None:
    """The first status marker in ``text`` by precedence, or None."""
    for pattern, status in _MARKERS:
        match = pattern.search(text)
        if match:
            word = match.group(1)
            tagged = match.group(0).startswith("【") and word not in LABELS[status]
            label = f"{LABELS[status]}（{word}）" if tagged else LABELS[status]
            return Status(status, label, match.group(0), past)
    return None


def read_status(section: str, lines: list[str], terms: list[str]) -> Status | None:
    """Status of one citation: its heading path, then its lines that mention a question word."""
    past = bool(_PAST.search(section))
    last = section.rsplit(" > ", 1)[-1]
    status = from_text(last, past)
    if status:
        return status
    for line in lines:
        if any(t in line for t in terms):
            status = from_text(line, past)
            if status:
                return status
    return None


def combine(statuses: list[Status]) -> tuple[Status | None, Status | None]:
    """(current, previous): the first status from the plan's own measures, and one from its past record."""
    current = next((s for s in statuses if not s.past), None)
    previous = next((s for s in statuses if s.past), None)
    return current or previous, previous if current else None
