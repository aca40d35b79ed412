"""Cross-city answers over a generated national corpus, scored against its truth.

For each topic of the corpus and each way of asking (any mention, implemented, planned,
under study) one question is asked of the whole index (``Assistant.ask``). The municipalities
it lists with the status asked (``matches_status``) are compared with the truth: for "any", every
municipality whose plan states the topic (traps — glossaries, national policy, surveys — do not
count); for a status, those whose statement has that status. A listed municipality is known by
the file its citation comes from, so municipalities sharing a name are not confused.

Precision and recall are pooled over all questions of a kind (every listed and every true
municipality counts once per question), with each question's own figures in ``questions``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from eval.national.topics import TOPICS

ANY, STATUSES = "any", ("implemented", "planned", "under_study")
# one question per way of asking; each is a cross-city question with that status cue (assistant.intent)
WORDING = {
    ANY: "{topic}に取り組んでいる自治体は？",
    "implemented": "{topic}をすでに導入している自治体は？",
    "planned": "{topic}の導入を予定している自治体は？",
    "under_study": "{topic}を検討している自治体は？",
}


def read_truth(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (Path(folder) / "truth.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def expected(truth: list[dict], topic: str, asked: str) -> set[str]:
    """Files (doc ids) of the plans that satisfy the question."""
    rows = [r for r in truth if r["topic"] == topic and r["status"] != "absent"]
    return {r["doc"] for r in rows if asked == ANY or r["status"] == asked}


def listed(answer) -> set[str]:
    """Files of the municipalities an answer lists with the status asked."""
    return {c.citations[0].hit.doc_id for c in answer.cities if c.matches_status and c.citations}


def score(assistant, truth: list[dict], topics: list[str] | None = None, asks: tuple[str, ...] = (ANY, *STATUSES)) -> dict:
    """Pooled precision / recall per way of asking, answer latency, and each question's figures."""
    topics = topics or [t.label for t in TOPICS if any(r["topic"] == t.label for r in truth)]
    rows, seconds = [], []
    for topic in topics:
        for asked in asks:
            question = WORDING[asked].format(topic=topic)
            started = time.perf_counter()
            answer = assistant.ask(question)
            seconds.append(time.perf_counter() - started)
            got, want = listed(answer), expected(truth, topic, asked)
            rows.append({"topic": topic, "asked": asked, "question": question, "asked_status": answer.asked_status,
                         "listed": len(got), "true": len(want), "right": len(got & want),
                         "wrong": sorted(got - want)[:20], "missed": sorted(want - got)[:20]})
    by_kind = {}
    for asked in asks:
        mine = [r for r in rows if r["asked"] == asked]
        listed_n, true_n, right = (sum(r[k] for r in mine) for k in ("listed", "true", "right"))
        by_kind[asked] = {"questions": len(mine), "precision": round(right / listed_n, 4) if listed_n else None,
                          "recall": round(right / true_n, 4) if true_n else None}
    return {"by_status": by_kind, "answer_p50_s": round(float(np.percentile(seconds, 50)), 3),
            "answer_p95_s": round(float(np.percentile(seconds, 95)), 3), "questions": rows}
