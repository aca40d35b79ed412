"""Check the draft eval files in this folder against the corpus (standard library only).

Verifies that
  * every evidence string in status_questions.jsonl (answers, mentions, not) and
    matrix_cells.jsonl occurs in its plan file after NFKC + removal of all whitespace
    (the same comparison eval/questions.py uses);
  * each entry's doc exists and its city matches corpus/plans/manifest.json;
  * question ids are unique, and do not reuse an id of eval/questions.jsonl;
  * the extra fields are well formed (asked_status, mentions[].status, trap, not[].reason,
    matrix status and the "evidence empty iff none" rule);
  * no city is both an answer and a mention / a "not" entry of the same question;
  * synonyms.tsv has three non-empty tab-separated columns per line.

Usage:  python eval/drafts/check_drafts.py     (exit status 1 when a problem is found)
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PLANS = ROOT / "corpus" / "plans"

ASKED = {"implemented", "planned", "under_study", "any"}
MENTION_STATUS = {"implemented", "planned", "under_study", "not_introduced", "unspecified"}
MATRIX_STATUS = {"implemented", "planned", "under_study", "not_introduced", "none"}
TRAPS = {"neighbour", "glossary"}


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def load_jsonl(path: Path, problems: list[str]) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(f"{path.name}:{n}: not JSON ({exc.msg})")
    return rows


def main() -> int:
    problems: list[str] = []
    manifest = json.loads((PLANS / "manifest.json").read_text(encoding="utf-8"))
    city_of = {d["doc_id"]: d["city"] for d in manifest["documents"]}
    text = {doc: squash((PLANS / doc).read_text(encoding="utf-8")) for doc in city_of}
    n_evidence = 0

    def check_entry(where: str, e: dict, need_evidence: bool = True) -> None:
        nonlocal n_evidence
        doc, city = e.get("doc"), e.get("city")
        if doc not in text:
            problems.append(f"{where}: unknown doc {doc!r}")
            return
        if city != city_of[doc]:
            problems.append(f"{where}: city {city!r} does not match {doc} ({city_of[doc]})")
        ev = e.get("evidence")
        if not isinstance(ev, list) or (need_evidence and not ev):
            problems.append(f"{where}: evidence must be a non-empty list")
            return
        for s in ev:
            n_evidence += 1
            if not isinstance(s, str) or not squash(s) or squash(s) not in text[doc]:
                problems.append(f"{where}: evidence not in {doc}: {s!r}")

    # ---- questions ----
    qpath = HERE / "status_questions.jsonl"
    questions = load_jsonl(qpath, problems)
    existing_ids = set()
    existing_q = set()
    main_set = ROOT / "eval" / "questions.jsonl"
    if main_set.exists():
        for row in load_jsonl(main_set, problems):
            existing_ids.add(row.get("id"))
            existing_q.add(squash(row.get("question", "")))
    ids = Counter(q.get("id") for q in questions)
    problems += [f"{qpath.name}: duplicate id {i!r}" for i, c in ids.items() if c > 1]
    problems += [f"{qpath.name}: id {i!r} already used in eval/questions.jsonl" for i in ids if i in existing_ids]
    kinds = Counter()
    for q in questions:
        qid = q.get("id", "?")
        for field in ("id", "kind", "question", "answers", "note"):
            if field not in q:
                problems.append(f"{qid}: missing field {field!r}")
        if q.get("kind") != "cross_city":
            problems.append(f"{qid}: kind should be 'cross_city'")
        if squash(q.get("question", "")) in existing_q:
            problems.append(f"{qid}: same question text as in eval/questions.jsonl")
        answer_cities = set()
        for k, e in enumerate(q.get("answers", [])):
            check_entry(f"{qid} answers[{k}]", e)
            answer_cities.add(e.get("city"))
        if len(answer_cities) != len(q.get("answers", [])):
            problems.append(f"{qid}: a city appears twice in answers")
        if qid.startswith("status-"):
            kinds["status"] += 1
            if q.get("asked_status") not in ASKED:
                problems.append(f"{qid}: asked_status {q.get('asked_status')!r} not in {sorted(ASKED)}")
            if not q.get("answers"):
                problems.append(f"{qid}: status questions need at least one answer")
            if "mentions" not in q:
                problems.append(f"{qid}: missing field 'mentions'")
            for k, e in enumerate(q.get("mentions", [])):
                check_entry(f"{qid} mentions[{k}]", e)
                if e.get("status") not in MENTION_STATUS:
                    problems.append(f"{qid} mentions[{k}]: status {e.get('status')!r} not in {sorted(MENTION_STATUS)}")
                elif q.get("asked_status") != "any" and e.get("status") == q.get("asked_status"):
                    problems.append(f"{qid} mentions[{k}]: mention has the asked status; it belongs in answers")
                if e.get("city") in answer_cities:
                    problems.append(f"{qid} mentions[{k}]: {e.get('city')} is also an answer")
        elif qid.startswith("trap-"):
            kinds["trap-" + str(q.get("trap"))] += 1
            if q.get("trap") not in TRAPS:
                problems.append(f"{qid}: trap {q.get('trap')!r} not in {sorted(TRAPS)}")
            expected = {"neighbour": "trap-n-", "glossary": "trap-g-"}.get(q.get("trap"), "")
            if expected and not qid.startswith(expected):
                problems.append(f"{qid}: id prefix does not match trap kind {q.get('trap')!r}")
            if not q.get("not"):
                problems.append(f"{qid}: traps need a non-empty 'not' list")
            for k, e in enumerate(q.get("not", [])):
                check_entry(f"{qid} not[{k}]", e)
                if not e.get("reason"):
                    problems.append(f"{qid} not[{k}]: missing reason")
                if e.get("city") in answer_cities:
                    problems.append(f"{qid} not[{k}]: {e.get('city')} is also an answer")
        else:
            problems.append(f"{qid}: id must start with status- or trap-")

    # ---- matrix ----
    mpath = HERE / "matrix_cells.jsonl"
    cells = load_jsonl(mpath, problems)
    seen_cells = Counter((c.get("topic"), c.get("city")) for c in cells)
    problems += [f"{mpath.name}: duplicate cell {k}" for k, c in seen_cells.items() if c > 1]
    mstatus = Counter()
    for k, c in enumerate(cells):
        where = f"{mpath.name}[{k}] {c.get('topic')}/{c.get('city')}"
        for field in ("topic", "city", "doc", "status", "evidence", "note"):
            if field not in c:
                problems.append(f"{where}: missing field {field!r}")
        st = c.get("status")
        mstatus[st] += 1
        if st not in MATRIX_STATUS:
            problems.append(f"{where}: status {st!r} not in {sorted(MATRIX_STATUS)}")
        if st == "none":
            if c.get("evidence"):
                problems.append(f"{where}: status none must have empty evidence")
            check_entry(where, c, need_evidence=False)
        else:
            check_entry(where, c)

    # ---- synonyms ----
    spath = HERE / "synonyms.tsv"
    groups = 0
    if not spath.exists():
        problems.append("synonyms.tsv missing")
    else:
        canon = Counter()
        for n, line in enumerate(spath.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 3 or not all(c.strip() for c in cols):
                problems.append(f"synonyms.tsv:{n}: expected canonical<TAB>variants<TAB>source")
                continue
            if not all(v.strip() for v in cols[1].split("|")):
                problems.append(f"synonyms.tsv:{n}: empty variant")
            canon[cols[0]] += 1
            groups += 1
        problems += [f"synonyms.tsv: canonical {c!r} repeated" for c, k in canon.items() if k > 1]

    print(f"questions: {len(questions)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
    print(f"matrix cells: {len(cells)} ({', '.join(f'{k} {v}' for k, v in sorted(mstatus.items(), key=lambda x: str(x[0])))})")
    print(f"synonym groups: {groups}")
    print(f"evidence strings checked: {n_evidence}")
    if problems:
        print(f"{len(problems)} problem(s):")
        for p in problems:
            print("  " + p)
        return 1
    print("OK: all evidence found, ids unique")
    return 0


if __name__ == "__main__":
    sys.exit(main())
