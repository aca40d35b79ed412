"""Answer metrics: what ``assistant ask`` says, judged against the eval set.

- cross_city_precision / recall / f1: the cities an answer lists versus the gold
  cities, averaged over cross-city questions;
- abstention_accuracy: share of unanswerable questions answered ``found: false``;
- false_abstention_rate: share of answerable questions answered ``found: false``;
- cited_gold_rate: share of answered, answerable questions where a citation
  supports a gold answer (the answer cites the right passage, not just any).
"""

from __future__ import annotations

from eval.metrics import mean, set_scores
from eval.questions import Judge, Question
from index.progress import progress_bar


def answer_metrics(assistant, questions: list[Question], progress: bool = False) -> dict:
    judge = Judge(assistant.index.sources)
    prf, abstain_ok, false_abstain, cited_gold, problems = [], [], [], [], []
    for q in progress_bar(questions, "eval ask", progress, "q"):
        answer = assistant.ask(q.question)
        if q.kind == "unanswerable":
            abstain_ok.append(not answer.found)
            if answer.found:
                problems.append({"id": q.id, "problem": "answered an unanswerable question",
                                 "cities": [c.city for c in answer.cities]})
            continue
        false_abstain.append(not answer.found)
        if not answer.found:
            problems.append({"id": q.id, "problem": "said not found"})
            continue
        cited_gold.append(any(judge.supports(q, c.hit.doc_id, c.hit.city, c.hit.start, c.hit.end) for c in answer.citations))
        if q.kind == "cross_city":
            predicted, gold = {c.city for c in answer.cities}, set(q.cities)
            prf.append(set_scores(predicted, gold))
            if predicted != gold:
                problems.append({"id": q.id, "problem": "cities differ", "extra": sorted(predicted - gold),
                                 "missing": sorted(gold - predicted)})
    cross = [q for q in questions if q.kind == "cross_city"]
    # a cross-city question wrongly answered "not found" scores 0 on all three
    prf += [(0.0, 0.0, 0.0)] * (len(cross) - len(prf))
    return {
        "cross_city_precision": round(mean([p for p, _, _ in prf]), 4),
        "cross_city_recall": round(mean([r for _, r, _ in prf]), 4),
        "cross_city_f1": round(mean([f for _, _, f in prf]), 4),
        "abstention_accuracy": round(mean([float(x) for x in abstain_ok]), 4),
        "false_abstention_rate": round(mean([float(x) for x in false_abstain]), 4),
        "cited_gold_rate": round(mean([float(x) for x in cited_gold]), 4),
        "problems": problems,
    }

