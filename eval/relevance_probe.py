"""Probe: can a reader trained here tell whether a sentence speaks of the thing a question asks?

    python -m eval.relevance_probe [--questions eval/questions.jsonl eval/questions_holdout*.jsonl]
                                   [--labels eval/relevance_labels/candidates.jsonl] [--share 1.0]

An experiment, not part of the assistant (README *Evaluation* says what it found and why nothing
of it is shipped). It trains multilingual-e5-small — the bundled model, ``index.encoder.resolve``
— as a cross-encoder (「query: 質問」「passage: 文」 read together), with low-rank adapters on the
query, value, attention-output and feed-forward layers of every layer and a linear head on the
mean of the last layer, and scores it out of fold (two folds by ``eval.questions.half``).

Pairs come from cross-city questions and the assistant's own answers (its status reader as
shipped):

- positives: the plan sentence holding each evidence string of a gold answer or mention, and the
  candidate sentences (those of a listed city's cited passages that hold a searched term) that
  hold one;
- negatives: the candidate sentences of listed cities that are neither answers nor mentions, and
  the sentences of the traps' evidence;
- the other candidate sentences of right cities are unlabelled, unless ``--labels`` gives a
  reading of them (``eval/relevance_labels/``: AI helpers' judgements, how they were made is
  written there).

Printed: sentence AUC, city AUC (a listed city's best candidate sentence against whether it is a
gold answer), and the cross-city F1 / abstention a gate at each threshold would give, re-scored
from the recorded answers. About 25 minutes on two cores.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import time
from collections import defaultdict

from eval.metrics import mean, set_scores
from eval.questions import squash

RANK, ALPHA, MAX_LENGTH = 8, 16.0, 160  # adapter rank and scale (ALPHA / RANK); tokens of a question + sentence
SENTENCE_CHARS = 200
TARGETS = ("attention.self.query", "attention.self.value", "attention.output.dense", "intermediate.dense",
           "output.dense")


def sentences(text: str) -> list[str]:
    """A passage's sentences: its lines split after 。, fragments under 6 characters dropped, 200 at most."""
    out = []
    for line in text.split("\n"):
        for piece in re.split(r"(?<=。)", line):
            piece = piece.strip()
            if len(piece) >= 6:
                out.append(piece[:SENTENCE_CHARS])
    return out


def candidates(passages: list[str], terms: list[str]) -> list[str]:
    """The sentences of ``passages`` that hold a searched term (``terms`` as an answer shows them:
    a group's variants joined by ・), each once, in passage order."""
    words = [squash(t) for group in terms for t in group.split("・") if t.strip()]
    out: list[str] = []
    for passage in passages:
        for s in sentences(passage):
            flat = squash(s)
            if s not in out and any(w in flat for w in words):
                out.append(s)
    return out


def sentence_of(source: str, evidence: str) -> str:
    """The line or sentence of ``source`` that holds ``evidence`` (the evidence itself when not found)."""
    k = source.find(evidence)
    if k < 0:
        return evidence
    lo = max(source.rfind("\n", 0, k), source.rfind("。", 0, k)) + 1
    ends = [x for x in (source.find("\n", k + len(evidence)), source.find("。", k + len(evidence))) if x >= 0]
    s = source[lo:(min(ends) + 1 if ends else len(source))].strip()
    return s[:200] if len(s) <= 200 else evidence


def build(assistant, questions) -> tuple[list[dict], list[dict]]:
    """(pairs: qid, half, q, city, s, y (1, 0, or -1 unlabelled), candidate; answers: what was listed, per question)."""
    from eval.questions import half

    pairs, answers = [], []
    sources = assistant.index.sources
    for q in questions:
        answer = assistant.ask(q.question).to_dict()
        good = set(q.cities) | set(q.mention_cities)
        rows: list[tuple[str, str, int]] = []
        for g in (*q.answers, *q.mentions):
            rows += [(g.city, sentence_of(sources.get(g.doc, ""), e), 1) for e in g.evidence]
        rows += [(t.city, sentence_of(sources.get(t.doc, ""), e), 0) for t in q.traps if t.city not in good
                 for e in t.evidence]
        shown = set()
        evidence = {g.city: [squash(e) for e in g.evidence] for g in (*q.answers, *q.mentions)}
        for city in answer["cities"]:
            for s in candidates([c["text"] for c in city["citations"]], answer["terms"]):
                shown.add((city["city"], s))
                if city["city"] not in good:
                    rows.append((city["city"], s, 0))
                else:
                    flat = squash(s)
                    holds = any(e in flat or (len(flat) >= 10 and flat in e) or (len(e) >= 12 and e[:12] in flat)
                                for e in evidence.get(city["city"], []))
                    rows.append((city["city"], s, 1 if holds else -1))
        seen = set()
        for city, s, y in rows:
            if (city, s) not in seen:
                seen.add((city, s))
                pairs.append({"qid": q.id, "half": half(q.id), "q": q.question, "city": city, "s": s, "y": y,
                              "candidate": (city, s) in shown})
        answers.append({"qid": q.id, "half": half(q.id), "kind": q.kind, "gold": list(q.cities),
                        "listed": [c["city"] for c in answer["cities"] if c.get("matches_status", True)]})
    return pairs, answers


def train(rows: list[dict], epochs: int = 3, batch: int = 16, lr: float = 5e-4, seed: int = 0):
    """(tokenizer, encoder with trained adapters, head) from labelled pairs (``q``, ``s``, ``y``)."""
    import torch

    torch.manual_seed(seed)
    random.seed(seed)
    tokenizer, encoder, head = _fresh()
    params = [p for p in encoder.parameters() if p.requires_grad] + list(head.parameters())
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = epochs * math.ceil(len(rows) / batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda i: min(1.0, (i + 1) / 20) * max(0.0, 1 - i / steps))
    rows = list(rows)
    encoder.train()
    for epoch in range(epochs):
        random.shuffle(rows)
        started, total = time.time(), 0.0
        for i in range(0, len(rows), batch):
            part = rows[i:i + batch]
            y = torch.tensor([float(r["y"]) for r in part])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                _logits(tokenizer, encoder, head, [r["q"] for r in part], [r["s"] for r in part]), y)
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += loss.item() * len(part)
        print(f"  epoch {epoch + 1}/{epochs}: loss {total / len(rows):.4f} ({time.time() - started:.0f} s)", flush=True)
    encoder.eval()
    return tokenizer, encoder, head


def score(trained, rows: list[dict], batch: int = 32) -> list[float]:
    import torch

    tokenizer, encoder, head = trained
    out: list[float] = []
    with torch.inference_mode():
        for i in range(0, len(rows), batch):
            part = rows[i:i + batch]
            out += torch.sigmoid(_logits(tokenizer, encoder, head, [r["q"] for r in part], [r["s"] for r in part])).tolist()
    return out


def _fresh():
    """(tokenizer, the bundled e5 encoder in float32, frozen, with low-rank adapters on every targeted
    linear layer — B starts at zero, so it reads as before —, a fresh linear head)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from index.encoder import resolve

    folder = resolve()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    encoder = AutoModel.from_pretrained(folder, dtype=torch.float32).float()
    for p in encoder.parameters():
        p.requires_grad = False

    class LoRA(torch.nn.Module):
        def __init__(self, base):
            super().__init__()
            self.base = base
            self.A = torch.nn.Parameter(torch.randn(RANK, base.in_features) * 0.01)
            self.B = torch.nn.Parameter(torch.zeros(base.out_features, RANK))

        def forward(self, x):
            return self.base(x) + (x @ self.A.T @ self.B.T) * (ALPHA / RANK)

    for layer in encoder.encoder.layer:
        for target in TARGETS:
            owner, name = target.rsplit(".", 1)
            module = layer.get_submodule(owner)
            setattr(module, name, LoRA(getattr(module, name)))
    return tokenizer, encoder, torch.nn.Linear(encoder.config.hidden_size, 1)


def _logits(tokenizer, encoder, head, questions: list[str], texts: list[str]):
    """The head's logit on the mean of the last layer, for 「query: 質問」「passage: 文」 read together."""
    batch = tokenizer([f"query: {q}" for q in questions], [f"passage: {t}" for t in texts], padding=True,
                      truncation="only_second", max_length=MAX_LENGTH, return_tensors="pt")
    hidden = encoder(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    return head((hidden * mask).sum(1) / mask.sum(1)).squeeze(-1)


def auc(positives: list[float], negatives: list[float]) -> float:
    if not positives or not negatives:
        return float("nan")
    ranked = sorted([(p, 1) for p in positives] + [(n, 0) for n in negatives])
    # rank-sum with ties averaged
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        rank_sum += sum(1 for k in range(i, j) if ranked[k][1]) * (i + j + 1) / 2
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)


def report(pairs: list[dict], answers: list[dict], thresholds=THRESHOLDS) -> dict:
    """Sentence and city AUC out of fold, and what a gate on the listed cities would give: cross-city
    F1, abstention on unanswerable questions, answerable questions left with no city."""
    labelled = [p for p in pairs if p["y"] >= 0 and "p" in p]
    out = {"sentence_auc": auc([p["p"] for p in labelled if p["y"] == 1], [p["p"] for p in labelled if p["y"] == 0]),
           "candidate_sentence_auc": auc([p["p"] for p in labelled if p["y"] == 1 and p["candidate"]],
                                         [p["p"] for p in labelled if p["y"] == 0 and p["candidate"]])}
    best: dict[tuple[str, str], float] = defaultdict(float)
    for p in pairs:
        if p["candidate"] and "p" in p:
            best[(p["qid"], p["city"])] = max(best[(p["qid"], p["city"])], p["p"])
    right, wrong = [], []
    for a in answers:
        if a["kind"] == "cross_city":
            for city in a["listed"]:
                if (a["qid"], city) in best:
                    (right if city in a["gold"] else wrong).append(best[(a["qid"], city)])
    out["city_auc"] = auc(right, wrong)
    for tau in (0.0, *thresholds):
        f1, abstained, emptied = [], [], []
        for a in answers:
            kept = {c for c in a["listed"] if best.get((a["qid"], c), 1.0) >= tau}
            if a["kind"] == "unanswerable":
                abstained.append(float(not kept))
            elif a["kind"] == "cross_city":
                f1.append(set_scores(kept, set(a["gold"]))[2])
                emptied.append(float(bool(a["gold"]) and bool(a["listed"]) and not kept))
        out[f"gate {tau}"] = {"f1": round(mean(f1), 4), "abstention": round(mean(abstained), 4),
                              "false_abstention": round(mean(emptied), 4)}
    return out


def choose(figures: dict) -> float:
    """The threshold with the best mean of F1 and abstention among those that keep F1 and false
    abstention at least as good as without the gate (0.0: no gate)."""
    plain = figures["gate 0.0"]
    ok = [(v["f1"] + v["abstention"], -float(k.split()[1]), float(k.split()[1])) for k, v in figures.items()
          if k.startswith("gate ") and v["f1"] >= plain["f1"] and v["false_abstention"] <= max(plain["false_abstention"], 0.03)]
    return max(ok)[2] if ok else 0.0


def main(argv: list[str] | None = None) -> int:
    import glob
    import hashlib
    import json

    from assistant.core import Assistant
    from eval.questions import load_questions

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", nargs="+",
                        default=["eval/questions.jsonl"] + sorted(glob.glob("eval/questions_holdout*.jsonl")))
    parser.add_argument("--exclude", nargs="*", default=["eval/questions_holdout11.jsonl", "eval/questions_holdout12.jsonl"],
                        help="sets left out (default: the sealed ones, reported on, never trained on)")
    parser.add_argument("--labels", default="eval/relevance_labels/candidates.jsonl")
    parser.add_argument("--share", type=float, default=1.0, help="share of each fold's questions trained on (a learning curve)")
    parser.add_argument("--index", default="var/index")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args(argv)
    assistant = Assistant.load(args.index)
    questions = [q for path in args.questions if path not in args.exclude
                 for q in load_questions(path) if q.kind in ("cross_city", "unanswerable")]
    pairs, answers = build(assistant, questions)
    try:
        read = {(r["qid"], r["city"], r["sentence"]): int(r["label"])
                for r in map(json.loads, open(args.labels, encoding="utf-8"))}
    except OSError:
        read = {}
    for p in pairs:
        if p["y"] == -1 and (p["qid"], p["city"], p["s"]) in read:
            p["y"] = read[(p["qid"], p["city"], p["s"])]
    print(f"{len(questions)} questions, {len(pairs)} pairs: {sum(p['y'] == 1 for p in pairs)} positive, "
          f"{sum(p['y'] == 0 for p in pairs)} negative, {sum(p['y'] == -1 for p in pairs)} unlabelled", flush=True)
    for fold in ("dev", "test"):
        keep = [p for p in pairs if p["half"] == fold and p["y"] >= 0
                and hashlib.sha256(p["qid"].encode()).digest()[1] / 256 < args.share]
        print(f"fold: train on the {fold} half ({len(keep)} pairs), score the other", flush=True)
        trained = train(keep, epochs=args.epochs)
        other = [p for p in pairs if p["half"] != fold]
        for p, s in zip(other, score(trained, other)):
            p["p"] = s
    figures = {part: report([p for p in pairs if p["half"] == part], [a for a in answers if a["half"] == part])
               for part in ("dev", "test")}
    print(json.dumps({"threshold chosen on dev (0.0: no gate)": choose(figures["dev"]), **figures}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
