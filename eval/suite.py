"""What ``assistant eval`` runs: the project set on an index, or external sets."""

from __future__ import annotations

from pathlib import Path

from eval import report
from eval.external import evaluate_external
from eval.questions import (
    DEFAULT_QUESTIONS,
    EvalError,
    Judge,
    load_questions,
    missing_evidence,
)
from eval.run import chunk_labeler, evaluate, misses, summarize
from index.fuse import DEFAULT_FUSION, FUSERS
from index.search import METHODS


def check_fusion(name: str) -> str:
    if name not in FUSERS:
        raise EvalError(f"unknown fusion {name!r}; choose from {', '.join(FUSERS)}")
    return name


def parse_methods(text: str | list[str]) -> list[str]:
    methods = [m.strip() for m in (text.split(",") if isinstance(text, str) else text) if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise EvalError(f"unknown method {', '.join(unknown) or '(none)'}; choose from {', '.join(METHODS)}")
    return methods


def run_baseline(assistant, questions_path: str | Path | None = None, methods=METHODS, depth: int = 10,
                 progress: bool = False, fusion: str = DEFAULT_FUSION, folder: Path | None = None) -> dict:
    """The project set on the window baseline of the same plans (``eval.baseline``)."""
    from eval.baseline import NAME, baseline_index
    from index.update import live_documents

    docs, _ = live_documents(assistant.index.folder)
    folder = folder or assistant.index.folder.parent / f"{assistant.index.folder.name}-baseline-window"
    index = baseline_index(docs, folder, assistant.index.encoder, progress)
    questions = load_questions(Path(questions_path or DEFAULT_QUESTIONS))
    base = type(assistant)(index)  # the same front door over the window index: the same grouping
    results = evaluate(index, questions, methods, chunk_labeler(Judge(index.sources)), depth=depth, progress=progress,
                       fusion=fusion, per_city=base.per_city, search=base.search)
    return {"name": NAME, "index": str(folder), "retrieval": summarize(results)}


def run_project(assistant, questions_path: str | Path | None = None, methods=METHODS, depth: int = 10,
                out: Path | None = None, answers: bool = True, progress: bool = False,
                fusion: str = DEFAULT_FUSION) -> dict:
    """Retrieval metrics per method and kind, misses, answer metrics; TREC files under ``out``."""
    path = Path(questions_path or DEFAULT_QUESTIONS)
    questions = load_questions(path)
    index = assistant.index
    problems = missing_evidence([q for q in questions if all(a.doc in index.sources for a in q.answers)], index.sources)
    if problems:
        raise EvalError(f"{len(problems)} evidence strings are not in the indexed plans, e.g. {problems[0]}")
    judge = Judge(index.sources)
    results = evaluate(index, questions, methods, chunk_labeler(judge), depth=depth, progress=progress, fusion=fusion,
                       per_city=assistant.per_city, search=assistant.search)
    out_report = {
        "questions": str(path), "n_questions": len(questions),
        "kinds": {k: sum(q.kind == k for q in questions) for k in dict.fromkeys(q.kind for q in questions)},
        "index": str(index.folder), "model": index.config["model"]["name"], "chunker": index.config.get("chunker"),
        "fusion": fusion,
        "retrieval": summarize(results), "misses": misses(results),
    }
    if answers:
        from eval.answers import answer_metrics

        out_report["answers"] = answer_metrics(assistant, questions, progress=progress)
    if out is not None:
        files = report.write_trec(results, report.chunk_qrels(index, questions, judge), out)
        out_report["files"] = [str(f) for f in files]
    return out_report


def run_external_sets(folders: list[str], methods=METHODS, sample: int | None = None, seed: int = 0,
                      depth: int = 10, out: Path | None = None, encoder=None, progress: bool = False,
                      fusion: str = DEFAULT_FUSION) -> list[dict]:
    reports = []
    for folder in folders:
        results, info = evaluate_external(folder, list(methods), sample=sample, seed=seed, depth=depth,
                                          encoder=encoder, progress=progress, fusion=fusion)
        entry = {**info, "retrieval": summarize(results)}
        if out is not None:
            questions = {r.qid for r in results}
            from eval.external import load_queries

            qs = [q for q in load_queries(Path(folder)) if q.id in questions]
            entry["files"] = [str(f) for f in report.write_trec(results, report.doc_qrels(qs), out, prefix=f"{info['set']}.")]
        reports.append(entry)
    return reports


def text(result: dict) -> str:
    """Human-readable report of ``run_project``'s result."""
    parts = [report.format_summary(result["retrieval"], f"eval set {result['questions']} ({result['n_questions']} questions: "
                                   + ", ".join(f"{k} {n}" for k, n in result["kinds"].items()) + ")")]
    if "answers" in result:
        parts.append(report.format_answers(result["answers"]))
    if "baseline" in result:
        parts.append(report.format_compare(result["retrieval"], result["baseline"]["retrieval"],
                                           ("sections (this pipeline)", result["baseline"]["name"])))
    parts.append(report.misses_text(result["misses"]))
    if "files" in result:
        parts.append("wrote " + ", ".join(result["files"]))
    return "\n\n".join(parts)


def external_text(entry: dict) -> str:
    title = (f"{entry['set']}: {entry['questions']} questions over {entry['documents']} documents "
             f"({entry['chunks']} chunks, indexed in {entry['index_seconds']}s), document level")
    return report.format_summary(entry["retrieval"], title)


def docs_text(result: dict) -> str:
    """Human-readable report of ``eval.docs.run_docs``."""
    title = (f"documents: {len(result['documents'])} files, {result['chunks']} chunks; {result['questions']} "
             f"({result['n_questions']} questions: " + ", ".join(f"{k} {n}" for k, n in result["kinds"].items()) + ")")
    parts = [report.format_summary(result["retrieval"], title)]
    if result["missing_documents"]:
        parts.append("not given (their questions cannot be answered): " + ", ".join(result["missing_documents"]))
    if "baseline" in result:
        parts.append(report.format_compare(result["retrieval"], result["baseline"]["retrieval"],
                                           ("sections (this pipeline)", result["baseline"]["name"])))
    for name, problems in (("this pipeline", result["unmatched_evidence"]),
                           ("baseline", result.get("baseline", {}).get("unmatched_evidence", []))):
        if problems:
            parts.append(f"{len(problems)} evidence strings are not in the text {name} indexed, e.g. {problems[0]}")
    return "\n\n".join(parts)
