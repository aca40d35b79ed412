"""The window baseline and the documents eval (`assistant eval --baseline window`, `--docs`)."""

import json
from pathlib import Path

import pytest

from corpus.chunk import ChunkerConfig, chunk_document
from corpus.documents import Document

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "external"


def test_windows_cover_the_text_with_the_overlap(doc_by_city):
    doc = doc_by_city["東御市"]
    chunks = chunk_document(doc, ChunkerConfig(window=400, overlap=100))
    assert all(c.kind == "window" and c.path == () and c.end - c.start <= 400 for c in chunks)
    assert all(b.start - a.start == 300 for a, b in zip(chunks, chunks[1:]))
    assert chunks[0].start == 0 and chunks[-1].end == len(doc.text)


def test_windows_of_a_pdf_know_their_pages():
    doc = Document("x.pdf", "一" * 1000, "某市", "t", pages=(0, 500))
    pages = [(c.page, c.page_end) for c in chunk_document(doc, ChunkerConfig(window=400, overlap=100))]
    assert pages == [(1, 1), (1, 2), (2, 2)]


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/external is not beside the repo")
def test_docs_eval_reports_both_pipelines(tmp_path, encoder):
    from eval.docs import run_docs
    from eval.suite import docs_text

    rows = [json.loads(line) for line in Path("eval/questions_docs.jsonl").read_text(encoding="utf-8").splitlines()]
    mine = [r for r in rows if all(a["doc"].endswith("opendata_dataops_2023.md") for a in r["answers"]) and r["answers"]]
    assert len(mine) >= 3
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in mine[:4]), encoding="utf-8")
    result = run_docs([str(SHARED / "opendata-report" / "opendata_dataops_2023.md")], questions, ["bm25", "hybrid"],
                      encoder=encoder, baseline=True)
    assert result["baseline"]["name"] == "window 400/100" and result["missing_documents"] == []
    for summary in (result["retrieval"], result["baseline"]["retrieval"]):
        assert summary["hybrid"]["all"]["n"] == 4 and 0 <= summary["hybrid"]["all"]["MRR@10"] <= 1
    assert "window 400/100" in docs_text(result)
