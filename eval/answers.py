"""Answer metrics: what ``assistant ask`` says, judged against the eval set.

- cross_city_precision / recall / f1: the cities an answer lists *with the status asked*
  (``matches_status``; every listed city when the question asks none) versus the gold
  cities that satisfy the question, averaged over cross-city questions;
- mention_recall: share of the gold cities that mention the topic with another status
  which the answer lists in its second list (or its first);
- status_accuracy: over the gold cities of status-constrained questions (both lists),
  the share the answer lists with the same status (unlisted counts as wrong);
- trap_errors: cities an answer lists with the status asked although the question marks
  their passage as a trap (a topic neighbour, a glossary entry, a national policy …);
- abstention_accuracy: share of unanswerable questions answered ``found: false``;
- false_abstention_rate: share of answerable questions answered ``found: false``;
- cited_gold_rate: share of answered, answerable questions where a citation
  supports a gold answer (the answer cites the right passage, not just any).

Every figure is given for all questions and for each half (``eval.questions.half``):
thresholds are chosen on ``dev`` and reported on ``test``.
"""

from __future__ import annotations

from eval.metrics import mean, set_scores
from eval.questions import Judge, Question, half
from index.progress import progress_bar

STATUSED = ("implemented", "planned", "under_study", "not_introduced")


def judge_answer(q: Question, answer: dict, judge: Judge) -> dict:
    """One question's verdict (the numbers the metrics average, and what went wrong)."""
    out: dict = {"id": q.id, "kind": q.kind, "half": half(q.id), "problems": []}
    cities = answer["cities"]
    if q.kind == "unanswerable":
        primary = [c["city"] for c in cities if c.get("matches_status", True)]
        out["abstained"] = not primary
        if primary:
            out["problems"].append({"id": q.id, "problem": "answered an unanswerable question", "cities": primary})
        return out
    out["false_abstain"] = not answer["found"]
    if not answer["found"] and q.answers:
        out["problems"].append({"id": q.id, "problem": "said not found"})
    if answer["found"]:
        out["cited_gold"] = any(judge.supports(q, c["doc_id"], c["city"], c["start"], c["end"]) for c in answer["citations"])
    if q.kind != "cross_city":
        return out
    listed = {c["city"]: c for c in cities}
    predicted = {name for name, c in listed.items() if c.get("matches_status", True)}
    gold = set(q.cities)
    out["prf"] = set_scores(predicted, gold)
    if predicted != gold:
        out["problems"].append({"id": q.id, "problem": "cities differ", "extra": sorted(predicted - gold),
                                "missing": sorted(gold - predicted)})
    if q.mentions:
        out["mentions_found"] = [m in listed for m in q.mention_cities]
    trapped = sorted({t.city for t in q.traps} & predicted - gold)
    out["trap_errors"] = len(trapped)
    if trapped:
        out["problems"].append({"id": q.id, "problem": "listed a trap", "cities": trapped})
    if q.asked_status and q.asked_status != "any":
        checks = []
        for g in q.answers + q.mentions:
            if g.status in STATUSED:
                said = listed.get(g.city, {}).get("status")
                checks.append(said == g.status)
                if said != g.status:
                    out["problems"].append({"id": q.id, "problem": "status differs", "city": g.city,
                                            "gold": g.status, "said": said})
        out["status_checks"] = checks
    return out


def summarize(verdicts: list[dict]) -> dict:
    prf = [v["prf"] for v in verdicts if "prf" in v]
    status = [x for v in verdicts for x in v.get("status_checks", [])]
    mentions = [x for v in verdicts for x in v.get("mentions_found", [])]
    return {
        "cross_city_precision": round(mean([p for p, _, _ in prf]), 4),
        "cross_city_recall": round(mean([r for _, r, _ in prf]), 4),
        "cross_city_f1": round(mean([f for _, _, f in prf]), 4),
        "status_accuracy": round(mean([float(x) for x in status]), 4),
        "mention_recall": round(mean([float(x) for x in mentions]), 4),
        "trap_errors": sum(v.get("trap_errors", 0) for v in verdicts),
        "abstention_accuracy": round(mean([float(v["abstained"]) for v in verdicts if "abstained" in v]), 4),
        "false_abstention_rate": round(mean([float(v["false_abstain"]) for v in verdicts if "false_abstain" in v]), 4),
        "cited_gold_rate": round(mean([float(v["cited_gold"]) for v in verdicts if "cited_gold" in v]), 4),
        "n": len(verdicts),
    }


def answer_metrics(assistant, questions: list[Question], progress: bool = False) -> dict:
    judge = Judge(assistant.index.sources)
    verdicts = [judge_answer(q, assistant.ask(q.question).to_dict(), judge)
                for q in progress_bar(questions, "eval ask", progress, "q")]
    out = summarize(verdicts)
    out["halves"] = {name: summarize([v for v in verdicts if v["half"] == name]) for name in ("dev", "test")}
    out["by_kind"] = {kind: summarize([v for v in verdicts if v["kind"] == kind])
                      for kind in dict.fromkeys(v["kind"] for v in verdicts)}
    out["problems"] = [p for v in verdicts for p in v["problems"]]
    return out
