"""Check the external-documents eval draft (standard library only).

Verifies that every evidence string occurs in its document after NFKC and
removal of all whitespace (the form eval/questions.py compares in), that ids
are unique, that the fields and kinds are well formed, and prints the count per
kind. Exit status 0 when everything passes, 1 otherwise.

    python eval/drafts/external/check.py [--root /work/shared/external] [questions.jsonl]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_ROOT = Path("/work/shared/external")
KINDS = ("fact", "faq", "cross_doc", "unanswerable")
MINIMUM = {"fact": 20, "faq": 10, "cross_doc": 5, "unanswerable": 5}
MIN_TOTAL = 40
EVIDENCE_CHARS = (10, 60)  # length of the evidence string as written
MANY_PLACES = 3  # warn when an evidence string occurs more often than this in its document


def squash(text: str) -> str:
    """NFKC, then drop all whitespace (same as eval/questions.py)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def check(path: Path, root: Path) -> tuple[list[str], list[str], Counter]:
    errors: list[str] = []
    warnings: list[str] = []
    kinds: Counter = Counter()
    seen: set[str] = set()
    docs: dict[str, str | None] = {}

    def doc_text(doc: str) -> str | None:
        if doc not in docs:
            f = root / doc
            docs[doc] = squash(f.read_text(encoding="utf-8")) if f.is_file() else None
        return docs[doc]

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        return [f"cannot read {path}: {exc}"], warnings, kinds

    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: not JSON ({exc.msg})")
            continue
        missing = [k for k in ("id", "kind", "question", "answers", "note") if k not in row]
        if missing:
            errors.append(f"{where}: missing field(s) {', '.join(missing)}")
            continue
        qid, kind, answers = str(row["id"]), row["kind"], row["answers"]
        where = f"{where} {qid}"
        if qid in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(qid)
        if kind not in KINDS:
            errors.append(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        kinds[kind] += 1
        if not str(row["question"]).strip():
            errors.append(f"{where}: empty question")
        if not str(row["note"]).strip():
            errors.append(f"{where}: empty note")
        if not isinstance(answers, list):
            errors.append(f"{where}: answers must be a list")
            continue
        if (kind == "unanswerable") != (not answers):
            errors.append(f"{where}: unanswerable questions have no answers, all others at least one")
        if kind == "cross_doc" and len({a.get("doc") for a in answers if isinstance(a, dict)}) < 2:
            errors.append(f"{where}: cross_doc needs answers in two or more documents")
        for a in answers:
            if not isinstance(a, dict) or not {"doc", "city", "evidence"} <= set(a):
                errors.append(f"{where}: each answer needs doc, city, evidence")
                continue
            doc, evidence = a["doc"], a["evidence"]
            if a["city"] != "-":
                errors.append(f"{where}: city must be '-' (got {a['city']!r})")
            text = doc_text(doc)
            if text is None:
                errors.append(f"{where}: unknown document {doc}")
                continue
            if not isinstance(evidence, list) or not 1 <= len(evidence) <= 3:
                errors.append(f"{where}: {doc}: give 1-3 evidence strings")
                continue
            for e in evidence:
                lo, hi = EVIDENCE_CHARS
                if not lo <= len(e) <= hi:
                    errors.append(f"{where}: evidence is {len(e)} characters, not {lo}-{hi}: {e}")
                s = squash(e)
                count = text.count(s)
                if count == 0:
                    errors.append(f"{where}: evidence not in {doc}: {e}")
                elif count > MANY_PLACES:
                    warnings.append(f"{where}: evidence occurs {count} times in {doc}: {e}")
    return errors, warnings, kinds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("questions", nargs="?", default=HERE / "questions.jsonl", type=Path)
    p.add_argument("--root", default=DEFAULT_ROOT, type=Path, help="folder the doc paths are relative to")
    args = p.parse_args(argv)

    errors, warnings, kinds = check(args.questions, args.root)
    total = sum(kinds.values())
    for kind in KINDS:
        need = MINIMUM[kind]
        flag = "" if kinds[kind] >= need else f"  (need >= {need})"
        print(f"{kind:13s} {kinds[kind]:3d}{flag}")
        if kinds[kind] < need:
            errors.append(f"too few {kind} questions: {kinds[kind]} < {need}")
    print(f"{'total':13s} {total:3d}")
    if total < MIN_TOTAL:
        errors.append(f"too few questions: {total} < {MIN_TOTAL}")
    for w in warnings:
        print(f"warning: {w}")
    for e in errors:
        print(f"error: {e}")
    print("FAIL" if errors else "OK: all evidence found, ids unique")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
