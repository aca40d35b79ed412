"""How far two careful readers agree: a second reading of a question file, scored as if it were an answer.

    python -m eval.agreement [eval/second_readings/holdout5.jsonl …] [--json]

A second reader was given only the questions of a held-out set (not its answers), read the five
plans in full and wrote, per question, the cities that do the thing asked with the status asked
(``answers``), those that discuss it with another status (``mentions``), or ``unanswerable``. Each
such reading is scored against the set's first reading with the metrics the assistant is scored
with (``eval.answers``): its figures are the ceiling the labels allow — where two readers agree
at 0.96, a target of 0.95 asks the assistant to read as well as a person reading carefully.

A reading ``second_readings/<name>.jsonl`` is scored against ``questions_<name>.jsonl`` beside
``second_readings/`` (``--questions`` to name another). Both readers were AI helpers, not people:
they may share blind spots that two people would not.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from eval.answers import judge_answer, summarize
from eval.questions import EvalError, Judge, Question, load_questions

HERE = Path(__file__).resolve().parent
READINGS = HERE / "second_readings"
KEYS = ("cross_city_precision", "cross_city_recall", "cross_city_f1", "status_accuracy", "trap_errors",
        "abstention_accuracy", "false_abstention_rate")


def load_reading(path: Path) -> dict[str, dict]:
    """{question id: the second reader's row}; rows need an id and, unless unanswerable, cities."""
    rows: dict[str, dict] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"{path}: cannot read it ({exc})") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            cities = [a["city"] for a in row.get("answers", []) + row.get("mentions", [])]
            rows[str(row["id"])] = row
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise EvalError(f"{path}:{number}: expected a JSON object with id, answers[city] ({exc!r})") from exc
        if row.get("kind") != "unanswerable" and not cities:
            raise EvalError(f"{path}:{number}: a question not marked unanswerable names no city")
    return rows


def as_answer(row: dict) -> dict:
    """A reading's row in the shape of ``ask --json``: its answers match the status asked, its mentions do not."""
    cities = [{"city": a["city"], "status": a.get("status"), "matches_status": True} for a in row.get("answers", [])]
    named = {c["city"] for c in cities}
    cities += [{"city": a["city"], "status": a.get("status"), "matches_status": False}
               for a in row.get("mentions", []) if a["city"] not in named]
    return {"found": bool(cities), "cities": cities, "citations": []}


def questions_for(reading: Path) -> Path:
    return reading.parent.parent / f"questions_{reading.stem}.jsonl"


def agreement(questions: list[Question], reading: dict[str, dict]) -> dict:
    """The answer metrics of ``reading`` against ``questions`` (cross-city and unanswerable ones)."""
    asked = [q for q in questions if q.kind in ("cross_city", "unanswerable")]
    missing = [q.id for q in asked if q.id not in reading]
    if missing:
        raise EvalError(f"the second reading has no row for {', '.join(missing[:5])}"
                        + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""))
    judge = Judge({})  # a reading has no citations to check
    verdicts = [judge_answer(q, as_answer(reading[q.id]), judge) for q in asked]
    out = summarize(verdicts)
    out["asked_status_agreement"] = round(
        sum(reading[q.id].get("asked_status") == q.asked_status for q in asked if q.kind == "cross_city")
        / max(1, sum(q.kind == "cross_city" for q in asked)), 4)
    out["verdicts"] = verdicts
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.agreement", description=__doc__.split("\n\n")[0])
    parser.add_argument("readings", nargs="*", type=Path, help="second readings (default: all in eval/second_readings)")
    parser.add_argument("--questions", type=Path, help="the question file (with one reading only)")
    parser.add_argument("--json", action="store_true", help="print every figure and problem as JSON")
    args = parser.parse_args(argv)
    readings = args.readings or sorted(READINGS.glob("*.jsonl"))
    if args.questions and len(readings) != 1:
        parser.error("--questions goes with one reading")
    pooled: list[dict] = []
    try:
        for path in readings:
            result = agreement(load_questions(args.questions or questions_for(path)), load_reading(path))
            pooled += result.pop("verdicts")
            if args.json:
                print(json.dumps({"reading": str(path), **result}, ensure_ascii=False))
            else:
                print(f"{path.name:16s} n={result['n']:3d} asked_status={result['asked_status_agreement']} "
                      + " ".join(f"{k.replace('cross_city_', '')}={result[k]}" for k in KEYS))
    except EvalError as exc:
        parser.exit(2, f"error: {exc}\n")
    if len(readings) > 1 and not args.json:
        both = summarize(pooled)
        print(f"{'pooled':16s} n={both['n']:3d} " + " ".join(f"{k.replace('cross_city_', '')}={both[k]}" for k in KEYS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
