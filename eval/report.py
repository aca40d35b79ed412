"""Present eval results: text tables, side-by-side comparison, TREC files."""

from __future__ import annotations

from pathlib import Path

from eval.questions import Judge, Question
from eval.run import QueryResult
from index.search import Index

COLUMNS = ("R@1", "R@5", "R@10", "MRR@10", "nDCG@10")
ANSWER_COLUMNS = ("cross_city_precision", "cross_city_recall", "cross_city_f1", "abstention_accuracy", "false_abstention_rate", "cited_gold_rate")


def _row(label: str, metrics: dict, columns=COLUMNS) -> str:
    cells = "".join(f"{metrics[c]:>9.3f}" if c in metrics else f"{'-':>9}" for c in columns)
    return f"{label:<22}{cells}{metrics.get('n', ''):>6}"


def format_summary(summary: dict, title: str) -> str:
    """One block per method: all questions, then one line per kind."""
    lines = [title, f"{'':<22}" + "".join(f"{c:>9}" for c in COLUMNS) + f"{'n':>6}"]
    for method, block in summary.items():
        lines.append(_row(method, block["all"]))
        for kind, metrics in block["by_kind"].items():
            lines.append(_row(f"  {kind}", metrics))
            if "cities@5" in metrics:
                lines.append(f"{'    cities found @5/@10':<22}{metrics['cities@5']:>9.3f}{metrics['cities@10']:>9.3f}")
    return "\n".join(lines)


def format_answers(answers: dict) -> str:
    lines = ["answers (assistant ask)"]
    lines += [f"  {name:<24}{answers[name]:.3f}" for name in ANSWER_COLUMNS if name in answers]
    return "\n".join(lines)


def format_compare(a: dict, b: dict, names: tuple[str, str]) -> str:
    """Two summaries side by side: each metric as ``a / b (b - a)``."""
    lines = [f"compare  A = {names[0]}   B = {names[1]}",
             f"{'':<22}" + "".join(f"{c:>24}" for c in COLUMNS)]
    for method in a:
        if method not in b:
            continue
        for label, ma, mb in [(method, a[method]["all"], b[method]["all"])] + [
            (f"  {kind}", a[method]["by_kind"][kind], b[method]["by_kind"].get(kind, {})) for kind in a[method]["by_kind"]
        ]:
            cells = "".join(f"{ma[c]:>8.3f} /{mb.get(c, float('nan')):>6.3f} ({mb.get(c, float('nan')) - ma[c]:+.3f})" for c in COLUMNS)
            lines.append(f"{label:<22}{cells}")
    return "\n".join(lines)


def misses_text(misses: list[dict]) -> str:
    lines = [f"misses (not every gold answer in the top 5): {len(misses)}"]
    for m in misses:
        rank = m["first_relevant_rank"] or ">10"
        lines.append(f"  {m['method']:<7}{m['id']:<17}first hit @{rank:<4}{m['found']}/{m['gold']}  {m['question']}")
    return "\n".join(lines)


def write_run(results: list[QueryResult], path: Path, tag: str) -> None:
    """TREC run format: ``qid Q0 docno rank score tag``."""
    with path.open("w", encoding="utf-8") as f:
        for r in results:
            for rank, (item, score) in enumerate(r.ranking, 1):
                f.write(f"{r.qid} Q0 {item} {rank} {score:.6f} {tag}\n")


def chunk_qrels(index: Index, questions: list[Question], judge: Judge) -> list[str]:
    """TREC qrels at chunk level for this index: every chunk whose span holds a gold evidence string."""
    lines = []
    for q in questions:
        for c in index.chunks:
            if judge.supports(q, c.doc_id, c.city, c.start, c.end):
                lines.append(f"{q.id} 0 {c.chunk_id} 1")
    return lines


def doc_qrels(questions: list[Question]) -> list[str]:
    return [f"{q.id} 0 {a.doc} 1" for q in questions for a in q.answers]


def write_trec(results: list[QueryResult], qrels: list[str], out: Path, prefix: str = "") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for method in dict.fromkeys(r.method for r in results):
        path = out / f"{prefix}run.{method}.trec"
        write_run([r for r in results if r.method == method], path, method)
        written.append(path)
    path = out / f"{prefix}qrels.trec"
    path.write_text("\n".join(qrels) + "\n", encoding="utf-8")
    return written + [path]
