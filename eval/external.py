"""External retrieval sets in the common corpus/queries/qrels layout.

A folder holds ``corpus.jsonl`` (``doc_id, title, text``), ``queries.jsonl``
(``query_id, question``) and ``qrels.tsv`` (``query_id, doc_id, relevance``
with a header line). The corpus goes through the same pipeline as the plans
(chunking, BM25, embeddings, fusion) into a temporary index; hits are rolled
up to documents (a document ranks where its best chunk ranks) and scored
with the same metrics, each relevant document being one gold answer.
"""

from __future__ import annotations

import csv
import json
import random
import tempfile
from pathlib import Path

from corpus.documents import Document
from eval.questions import EvalError, Gold, Question
from eval.run import Labeler, QueryResult, evaluate
from index.build import build_index
from index.encoder import Encoder
from index.fuse import DEFAULT_FUSION
from index.search import Hit, Index

CHUNKS_PER_DOC = 5  # chunks fetched per wanted document, so that 10 distinct documents come back


def _jsonl(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except OSError as exc:
        raise EvalError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise EvalError(f"{path} is not JSON Lines ({exc.msg})") from exc


def load_corpus(folder: Path) -> list[Document]:
    """Each paragraph becomes a document; its title stands where a plan has its city."""
    rows = _jsonl(folder / "corpus.jsonl")
    try:
        return [Document(str(r["doc_id"]), r["text"], r.get("title") or "", r.get("title") or "") for r in rows]
    except KeyError as exc:
        raise EvalError(f"{folder / 'corpus.jsonl'}: every line needs doc_id and text") from exc


def load_qrels(folder: Path) -> dict[str, list[str]]:
    path = folder / "qrels.tsv"
    try:
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f, delimiter="\t"))
    except OSError as exc:
        raise EvalError(f"cannot read {path}: {exc.strerror or exc}") from exc
    out: dict[str, list[str]] = {}
    for row in rows[1:] if rows and not rows[0][-1].strip().lstrip("-").isdigit() else rows:
        if len(row) >= 3 and int(row[2]) > 0:
            out.setdefault(row[0], []).append(row[1])
    return out


def load_queries(folder: Path, sample: int | None = None, seed: int = 0) -> list[Question]:
    """Questions with their relevant documents as gold answers; ``sample`` draws a seeded subset."""
    qrels = load_qrels(folder)
    rows = [r for r in _jsonl(folder / "queries.jsonl") if str(r.get("query_id")) in qrels]
    if not rows:
        raise EvalError(f"{folder}: no query in queries.jsonl has a relevant document in qrels.tsv")
    if sample and sample < len(rows):
        rows = random.Random(seed).sample(rows, sample)
    return [
        Question(str(r["query_id"]), "external", r["question"], tuple(Gold(d, "", ()) for d in qrels[str(r["query_id"])]))
        for r in rows
    ]


def doc_labeler(depth: int) -> Labeler:
    """Roll chunk hits up to documents; a document is relevant when it is one of the qrels documents."""

    def label(question: Question, hits: list[Hit]):
        gold = {a.doc: i for i, a in enumerate(question.answers)}
        ranking: dict[str, float] = {}
        for h in hits:
            ranking.setdefault(h.doc_id, h.score)
            if len(ranking) == depth:
                break
        items = list(ranking.items())
        return [frozenset({gold[d]}) if d in gold else frozenset() for d, _ in items], items

    return label


def evaluate_external(folder: str | Path, methods: list[str], sample: int | None = None, seed: int = 0,
                      depth: int = 10, model: str | None = None, encoder: Encoder | None = None,
                      progress: bool = False, fusion: str = DEFAULT_FUSION) -> tuple[list[QueryResult], dict]:
    """Index ``folder``'s corpus in a temporary directory and evaluate its queries at document level."""
    folder = Path(folder)
    if not (folder / "corpus.jsonl").is_file():
        raise EvalError(f"{folder} is not a retrieval set: expected corpus.jsonl, queries.jsonl and qrels.tsv")
    docs = load_corpus(folder)
    questions = load_queries(folder, sample, seed)
    encoder = encoder or Encoder(model)
    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        report = build_index(docs, Path(tmp) / "index", encoder=encoder, progress=progress)
        index = Index.load(Path(tmp) / "index", encoder=encoder)
        results = evaluate(index, questions, methods, doc_labeler(depth), depth=depth,
                           fetch=depth * CHUNKS_PER_DOC, progress=progress, fusion=fusion)
    info = {"set": folder.name, "documents": len(docs), "chunks": report.chunks, "questions": len(questions),
            "sample": sample, "seed": seed, "index_seconds": round(report.seconds, 1)}
    return results, info
