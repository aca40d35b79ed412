"""External retrieval sets: the loader on a hand-made set, then the real JSQuAD and JaQuAD."""

import json
import os
from pathlib import Path

import pytest

from eval.external import doc_labeler, evaluate_external
from eval.questions import EvalError, Gold, Question
from index.search import Hit

EXTERNAL = Path(os.environ.get("ASSISTANT_EXTERNAL_DIR") or Path(__file__).resolve().parents[3] / "shared" / "external")


def _write_set(folder: Path) -> None:
    docs = [("d1", "梅雨", "梅雨は東アジアで5月から7月にかけて雨が多い時期のことである。"),
            ("d2", "富士山", "富士山は静岡県と山梨県にまたがる活火山で、標高は3776メートルである。"),
            ("d3", "将棋", "将棋は二人で行うボードゲームで、相手の玉将を詰ませると勝ちとなる。")]
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps({"doc_id": d, "title": t, "text": x}, ensure_ascii=False) for d, t, x in docs), encoding="utf-8")
    queries = [("q1", "富士山の標高は何メートルか"), ("q2", "梅雨は何月ごろか"), ("q3", "将棋で勝つにはどうするか")]
    (folder / "queries.jsonl").write_text("\n".join(json.dumps({"query_id": q, "question": x}, ensure_ascii=False) for q, x in queries), encoding="utf-8")
    (folder / "qrels.tsv").write_text("query_id\tdoc_id\trelevance\nq1\td2\t1\nq2\td1\t1\nq3\td3\t1\n", encoding="utf-8")


def test_hand_made_set_end_to_end(tmp_path, encoder):
    _write_set(tmp_path)
    results, info = evaluate_external(tmp_path, ["bm25", "dense", "hybrid"], encoder=encoder)
    assert info["documents"] == 3 and info["questions"] == 3
    for r in results:  # three distinct topics: every method puts the right paragraph first
        assert r.first_rank == 1, (r.method, r.qid, r.ranking)


def test_chunks_roll_up_to_documents():
    def hit(doc, score):
        return Hit(1, score, f"{doc}:0-1", doc, "", "", "", 0, 1, None, None)

    q = Question("q", "external", "?", (Gold("b", "", ()),))
    labels, ranking = doc_labeler(10)(q, [hit("a", 0.9), hit("a", 0.8), hit("b", 0.7), hit("c", 0.6)])
    assert [d for d, _ in ranking] == ["a", "b", "c"]
    assert labels == [frozenset(), frozenset({0}), frozenset()]


def test_not_a_retrieval_set(tmp_path):
    with pytest.raises(EvalError, match="corpus.jsonl"):
        evaluate_external(tmp_path, ["bm25"])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["jsquad", "jaquad"])
def test_real_sets_sampled(name, encoder):
    folder = EXTERNAL / name
    if not (folder / "corpus.jsonl").is_file():
        pytest.skip(f"{folder} is not present (the shared data folder sits next to the repository)")
    results, info = evaluate_external(folder, ["bm25", "dense", "hybrid"], sample=1000, seed=0, encoder=encoder)
    assert info["questions"] == 1000
    by_method = {m: [r for r in results if r.method == m] for m in ("bm25", "dense", "hybrid")}
    recall5 = {m: sum(r.metrics()["R@5"] for r in rs) / len(rs) for m, rs in by_method.items()}
    # hybrid is not worse than the better single method by more than noise
    assert recall5["hybrid"] >= max(recall5["bm25"], recall5["dense"]) - 0.02, recall5
    assert recall5["hybrid"] >= 0.85, recall5
