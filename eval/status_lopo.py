"""Cross-city answer metrics with each plan's statuses read by a model that never saw that plan.

    python -m eval.status_lopo [--questions eval/questions.jsonl …] [--index var/index] [--reader learned|rules]

The shipped status model (``assistant.status_model``) was trained on pieces of all five bundled
plans, the plans the eval questions are about: its figures on them flatter it. Here, a passage of
plan P is read by a model trained on the other four plans' pieces (leave one plan out), which is
what a plan from a new city meets. ``--reader rules`` gives the hand-written reader's figures
on the same questions, for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
from contextlib import contextmanager

from assistant import status
from assistant.status_model import StatusModel, default
from eval import status_train


def fold_models() -> dict[str, StatusModel]:
    """{plan doc id: the model trained on every other plan's labelled pieces}, with the shipped thresholds."""
    rows = status_train.load_plans(status_train.LABELS)
    gold = [status_train.gold_of(r) for r in rows]
    thresholds = default().thresholds
    out = {}
    for doc in sorted({r["doc"] for r in rows}):
        keep = [i for i, r in enumerate(rows) if r["doc"] != doc]
        weights = status_train.fit([rows[i]["text"] for i in keep], [gold[i] for i in keep])
        out[doc] = status_train.model_of(weights, thresholds)
    return out


@contextmanager
def leave_one_plan_out(index, models: dict[str, StatusModel]):
    """Within the block, a passage is read by the model of its plan's fold (found by its text)."""
    import assistant.ask
    import assistant.national

    by_text = {c.text: c.doc_id for c in index.chunks}
    shipped = default()
    current = {"model": shipped}
    read_statuses, model_of = status.read_statuses, status.status_model

    def fold_statuses(section, lines, mentions, start=None, tags=None):
        current["model"] = models.get(by_text.get("\n".join(lines)), shipped)
        return read_statuses(section, lines, mentions, start, tags)

    patched = [(status, "read_statuses"), (assistant.ask, "read_statuses"), (assistant.national, "read_statuses")]
    saved = [getattr(m, name) for m, name in patched]
    try:
        for m, name in patched:
            setattr(m, name, fold_statuses)
        status.status_model = lambda: current["model"]
        yield
    finally:
        for (m, name), value in zip(patched, saved):
            setattr(m, name, value)
        status.status_model = model_of


def main(argv: list[str] | None = None) -> int:
    from assistant.core import Assistant
    from eval.answers import answer_metrics
    from eval.questions import load_questions

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", nargs="+", default=["eval/questions.jsonl"])
    parser.add_argument("--index", default="var/index")
    parser.add_argument("--reader", choices=status.READERS, default="learned")
    parser.add_argument("--json", action="store_true", help="print every figure and problem as JSON")
    args = parser.parse_args(argv)
    os.environ["ASSISTANT_STATUS_READER"] = args.reader
    assistant = Assistant.load(args.index)
    keys = ("cross_city_precision", "cross_city_recall", "cross_city_f1", "status_accuracy", "trap_errors",
            "abstention_accuracy", "false_abstention_rate")
    models = fold_models() if args.reader == "learned" else {}
    for path in args.questions:
        questions = [q for q in load_questions(path) if q.kind in ("cross_city", "unanswerable")]
        with leave_one_plan_out(assistant.index, models):
            m = answer_metrics(assistant, questions)
        if args.json:
            print(json.dumps({"questions": path, "reader": args.reader, **m}, ensure_ascii=False))
            continue
        for part, figures in (("dev", m["halves"]["dev"]), ("test", m["halves"]["test"]), ("all", m)):
            print(f"{path} {args.reader} {part:4s} n={figures['n']:3d} "
                  + " ".join(f"{k.replace('cross_city_', '')}={figures[k]}" for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
