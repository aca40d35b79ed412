"""Train and measure the learned status reader (``assistant.status_model``).

    python -m eval.status_train [--labels eval/status_labels] [--external ../shared/external]
                                [--out assistant/data/status_model] [--no-save]

1. reads the plans' labelled pieces (``plans.jsonl``: text, labels by reading);
2. leave-one-plan-out: for each plan, a model trained on the other four reads it; each class's
   threshold is chosen on these out-of-fold probabilities (best F1);
3. prints, per status, precision / recall / F1 of the hand-written reader (``assistant.status``),
   the model, and the two together (explicit markers by rule, wording by the model) — on the
   plans out of fold, and on the external documents' pieces (``external.tsv``), which no rule and
   no model was fitted to;
4. trains on all five plans and writes the model (plain files, no pickle).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from assistant import status as rules
from assistant.status_model import StatusModel, features

CLASSES = (rules.IMPLEMENTED, rules.PLANNED, rules.UNDER_STUDY, rules.NOT_INTRODUCED)
DIM = 1 << 16
TAIL = 12
C = 16.0  # inverse regularisation of each class's logistic regression
LABELS = Path(__file__).with_name("status_labels")
def load_plans(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "plans.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def load_external(folder: Path, root: Path) -> list[dict]:
    from eval.status_pieces import external_pieces

    path = folder / "external.tsv"
    if not path.exists() or not root.exists():
        return []
    found = external_pieces(root)
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        pid, doc, labels, main = (line.split("\t") + [""])[:4]
        if pid in found:
            rows.append({**found[pid], "labels": labels, "main": main or None})
    return rows


def label_set(labels: str) -> set[str]:
    return {x.strip() for x in labels.split(",") if x.strip() in CLASSES}


def gold_of(row: dict, target: str = "main") -> set[str]:
    """A piece's labels: ``main``, the one status of what it is about (the reader is trained on it), or
    ``labels``, every status it states (a first pass, kept for comparison)."""
    return label_set(row.get(target) or "" if target == "main" else row["labels"])


def matrix(texts: list[str]):
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for n, text in enumerate(texts):
        for slot, value in features(text, DIM, TAIL).items():
            rows.append(n)
            cols.append(slot)
            vals.append(value)
    return csr_matrix((vals, (rows, cols)), shape=(len(texts), DIM), dtype=np.float32)


def fit(texts: list[str], labels: list[set[str]]) -> np.ndarray:
    """classes × (DIM + 1) weights, one L2 logistic regression per class."""
    from sklearn.linear_model import LogisticRegression

    x = matrix(texts)
    weights = np.zeros((len(CLASSES), DIM + 1), dtype=np.float32)
    for k, name in enumerate(CLASSES):
        y = np.array([name in s for s in labels])
        if y.all() or not y.any():
            weights[k, -1] = 10.0 if y.all() else -10.0
            continue
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit(x, y)
        weights[k, :DIM] = model.coef_[0]
        weights[k, -1] = model.intercept_[0]
    return weights


def model_of(weights: np.ndarray, thresholds=(0.5,) * len(CLASSES)) -> StatusModel:
    return StatusModel(CLASSES, weights, tuple(thresholds), DIM, TAIL)


def rule_reading(text: str) -> list[str]:
    """The hand-written reader's status of one piece (``ASSISTANT_STATUS_READER=rules``)."""
    found = rules.ruled(text)
    return [found[0].status] if found else []


def shipped_reading(text: str, model: StatusModel) -> list[str]:
    """The status the answers read (``status.read_piece`` with the learned reader): the rules' explicit
    markers and words of study, the model where it is sure another status is meant or no rule reads."""
    return [s.status for s in rules.read_piece(text, model=model)]


def scores(predicted: list[set[str]], gold: list[set[str]]) -> dict[str, tuple[float, float, float]]:
    out = {}
    for name in CLASSES + ("all",):
        tp = fp = fn = 0
        for p, g in zip(predicted, gold):
            p = p if name == "all" else p & {name}
            g = g if name == "all" else g & {name}
            tp, fp, fn = tp + len(p & g), fp + len(p - g), fn + len(g - p)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        out[name] = (prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return out


def first_right(predicted: list[list[str]], gold: list[set[str]]) -> float:
    """One status per piece, as the answer shows it: the first read is among the labels (or none for none)."""
    right = [(p[0] in g) if p else not g for p, g in zip(predicted, gold)]
    return sum(right) / len(right) if right else 0.0


def readings(rows: list[dict], model: StatusModel) -> dict[str, list[list[str]]]:
    return {"rules": [rule_reading(r["text"]) for r in rows],
            "model": [[c for c, _ in model.statuses(r["text"])[:1]] for r in rows],
            "together": [shipped_reading(r["text"], model) for r in rows]}


def table(title: str, predicted: dict[str, list[list[str]]], gold: list[set[str]]) -> None:
    """Each reader's precision / recall / F1 per status and in all, and how often its first status is right."""
    print(f"\n{title}: {len(gold)} pieces, {sum(1 for g in gold if g)} stating a status")
    print(f"{'reader':10s} " + " ".join(f"{c[:12]:>18s}" for c in CLASSES + ('all',)) + "   first-right")
    for name, read in predicted.items():
        s = scores([set(p) for p in read], gold)
        cells = " ".join(f"{p:.2f}/{r:.2f}/{f:.2f}".rjust(18) for p, r, f in s.values())
        print(f"{name:10s} {cells}   {first_right(read, gold):.3f}")


def best_thresholds(probs: np.ndarray, gold: list[set[str]]) -> list[float]:
    out = []
    for k, name in enumerate(CLASSES):
        y = np.array([name in g for g in gold])
        best = (0.0, 0.5)
        for t in np.arange(0.2, 0.81, 0.05):
            p = probs[:, k] >= t
            tp = float((p & y).sum())
            f = 2 * tp / (p.sum() + y.sum()) if p.sum() + y.sum() else 0.0
            best = max(best, (f, round(float(t), 2)))
        out.append(best[1])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", default=str(LABELS))
    parser.add_argument("--external", default=str(Path(__file__).resolve().parents[2] / "shared" / "external"))
    parser.add_argument("--out", default=None, help="where to write the model (default: the package's data)")
    parser.add_argument("--target", choices=("main", "labels"), default="main",
                        help="train and score on each piece's one status (main) or all it states (labels)")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    rows = load_plans(Path(args.labels))
    gold = [gold_of(r, args.target) for r in rows]
    docs = sorted({r["doc"] for r in rows})
    probs = np.zeros((len(rows), len(CLASSES)))
    weights = {}
    for doc in docs:
        train = [i for i, r in enumerate(rows) if r["doc"] != doc]
        weights[doc] = fit([rows[i]["text"] for i in train], [gold[i] for i in train])
        model = model_of(weights[doc])
        for i in (i for i, r in enumerate(rows) if r["doc"] == doc):
            p = model.probabilities(rows[i]["text"])
            probs[i] = [p[c] for c in CLASSES]
    thresholds = best_thresholds(probs, gold)
    print("thresholds (best F1 out of fold):", dict(zip(CLASSES, thresholds)))
    # out-of-fold readings: each plan read by the model that never saw it
    folds = {doc: model_of(w, thresholds) for doc, w in weights.items()}
    oof: dict[str, list[list[str]]] = {"rules": [], "model": [], "together": []}
    for row in rows:
        for name, predicted in readings([row], folds[row["doc"]]).items():
            oof[name] += predicted
    table("plans, each read by a model trained on the other four", oof, gold)
    final = model_of(fit([r["text"] for r in rows], gold), thresholds)
    external = load_external(Path(args.labels), Path(args.external))
    if external:
        table("external documents (bulletins, open-data report), model trained on the five plans",
              readings(external, final), [gold_of(r, args.target) for r in external])
    if not args.no_save:
        out = Path(args.out) if args.out else None
        from assistant.status_model import DEFAULT_DIR

        final.save(out or DEFAULT_DIR, {"pieces": len(rows), "plans": docs, "C": C, "target": args.target})
        print(f"\nwrote {out or DEFAULT_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
