"""Choose the cross-city coverage threshold on one half of the eval set; report it on the other.

    python -m eval.tune                      # sweep on the dev half (thresholds are chosen here)
    python -m eval.tune --half test --values 0.3   # the held-out figure for the chosen value

Questions are split by a fixed hash of their id (``eval.questions.half``). Each value is
set through ``ASSISTANT_MIN_COVERAGE`` and the cross-city and unanswerable questions of the
half are asked; the table shows the answer metrics of ``eval.answers``.
"""

from __future__ import annotations

import argparse
import os

from assistant.core import Assistant
from eval.answers import judge_answer, summarize
from eval.questions import Judge, half, load_questions

COLUMNS = ("cross_city_precision", "cross_city_recall", "cross_city_f1", "status_accuracy", "mention_recall",
           "trap_errors", "abstention_accuracy", "false_abstention_rate")


def sweep(assistant, values: list[float], which: str) -> list[dict]:
    judge = Judge(assistant.index.sources)
    questions = [q for q in load_questions() if q.kind in ("cross_city", "unanswerable") and half(q.id) == which]
    rows = []
    for value in values:
        os.environ["ASSISTANT_MIN_COVERAGE"] = str(value)
        verdicts = [judge_answer(q, assistant.ask(q.question).to_dict(), judge) for q in questions]
        rows.append({"min_coverage": value, **summarize(verdicts)})
    os.environ.pop("ASSISTANT_MIN_COVERAGE", None)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=("dev", "test"), default="dev")
    parser.add_argument("--values", default="0.1,0.2,0.3,0.4,0.5,0.6,0.7", help="comma-separated thresholds")
    parser.add_argument("--index", help="index folder (default: var/index)")
    args = parser.parse_args(argv)
    rows = sweep(Assistant.load(args.index), [float(v) for v in args.values.split(",")], args.half)
    print("min_coverage  " + "  ".join(c.replace("cross_city_", "cc_") for c in COLUMNS))
    for row in rows:
        print(f"{row['min_coverage']:<12}  " + "  ".join(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c])
                                                    for c in COLUMNS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
