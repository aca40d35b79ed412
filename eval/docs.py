"""Retrieval on documents nobody here tuned on (``assistant eval --docs PATH… --questions F``).

The documents (any supported format) go through the readers and the section
chunker into a temporary index, and, with ``--baseline window``, through the
plain pipeline: the file's raw text (a PDF's raw pdfium text) cut into
400-character windows, same tokenizer and model. Both are judged by the same
evidence strings, each in the text its pipeline indexed. The default question
set is ``eval/questions_docs.jsonl``, written from
``../shared/external/gov-guidebooks`` and ``opendata-report``.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from corpus.documents import Document, decode_text, read_plan
from corpus.intake import folder_entries, read_bytes
from eval.questions import Judge, load_questions, missing_evidence
from eval.run import chunk_labeler, evaluate, summarize
from index.build import build_index
from index.encoder import Encoder
from index.fuse import DEFAULT_FUSION
from index.search import METHODS, Index

DEFAULT_DOCS_QUESTIONS = Path(__file__).with_name("questions_docs.jsonl")
CITY = "-"  # these documents are not one municipality's plans


def document_files(paths: list[str]) -> list[Path]:
    files = []
    for path in map(Path, paths):
        files += folder_entries(path)[0] if path.is_dir() else [path]
    return files


def raw_document(path: Path) -> Document:
    """What a plain pipeline reads: the decoded file, markup and all (a PDF: pdfium's page texts)."""
    data = read_bytes(path)
    if path.suffix.lower() == ".pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
        text = "\n".join(pdf[i].get_textpage().get_text_range().replace("\r\n", "\n") for i in range(len(pdf)))
    else:
        text = decode_text(data, str(path))
    return Document(path.name, text, CITY, path.stem)


def _by_file_name(questions):
    """Gold answers name documents by path (``gov-guidebooks/x.md``); indexes know them by file name."""
    return [replace(q, answers=tuple(replace(a, doc=Path(a.doc).name) for a in q.answers)) for q in questions]


def _evaluate(docs, questions, methods, depth, encoder, progress, fusion, chunker=None) -> tuple[dict, list[str], int]:
    from corpus.chunk import ChunkerConfig

    with tempfile.TemporaryDirectory(prefix="assistant-docs-") as tmp:
        report = build_index(docs, Path(tmp) / "index", encoder=encoder, chunker=chunker or ChunkerConfig(),
                             progress=progress)
        index = Index.load(Path(tmp) / "index", encoder=encoder)
        problems = missing_evidence([q for q in questions if q.answers], index.sources)
        results = evaluate(index, questions, methods, chunk_labeler(Judge(index.sources)), depth=depth,
                           progress=progress, fusion=fusion)
    return summarize(results), problems, report.chunks


def run_docs(paths: list[str], questions_path: str | Path | None = None, methods=METHODS, depth: int = 10,
             encoder: Encoder | None = None, model: str | None = None, progress: bool = False,
             fusion: str = DEFAULT_FUSION, baseline: bool = False) -> dict:
    path = Path(questions_path or DEFAULT_DOCS_QUESTIONS)
    questions = _by_file_name(load_questions(path))
    files = document_files(paths)
    wanted = {a.doc for q in questions for a in q.answers}
    encoder = encoder or Encoder(model)
    docs = [read_plan(f, {"city": CITY}) for f in files]
    summary, problems, chunks = _evaluate(docs, questions, methods, depth, encoder, progress, fusion)
    out = {"questions": str(path), "n_questions": len(questions),
           "kinds": {k: sum(q.kind == k for q in questions) for k in dict.fromkeys(q.kind for q in questions)},
           "documents": [f.name for f in files], "missing_documents": sorted(wanted - {f.name for f in files}),
           "chunks": chunks, "fusion": fusion, "retrieval": summary, "unmatched_evidence": problems}
    if baseline:
        from eval.baseline import NAME, WINDOW

        raw = [raw_document(f) for f in files]
        b_summary, b_problems, b_chunks = _evaluate(raw, questions, methods, depth, encoder, progress, fusion, WINDOW)
        out["baseline"] = {"name": NAME, "chunks": b_chunks, "retrieval": b_summary, "unmatched_evidence": b_problems}
    return out
