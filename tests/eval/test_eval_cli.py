"""`assistant eval` on the real index of the five plans, end to end."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow
METRICS = {"R@1", "R@5", "R@10", "MRR@10", "nDCG@10", "n"}


def _eval(built_index, *args):
    out = subprocess.run([sys.executable, "-m", "assistant", "eval", "--quiet", "--index", str(built_index[0]), *args],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    return out


@pytest.fixture(scope="module")
def report(built_index, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("eval-out")
    data = json.loads(_eval(built_index, "--json", "--out", str(out_dir)).stdout)
    return data, out_dir


def test_every_method_and_kind_is_measured(report):
    data, _ = report
    assert set(data["retrieval"]) == {"bm25", "dense", "hybrid"}
    for block in data["retrieval"].values():
        assert set(block["all"]) >= METRICS
        assert set(block["by_kind"]) == {"cross_city", "fact", "faq"}  # unanswerable ones have nothing to retrieve
        assert {"cities@5", "cities@10"} <= set(block["by_kind"]["cross_city"])
    assert data["kinds"]["unanswerable"] >= 10


def test_quality_does_not_regress(report):
    """Floors well under the current figures (README): a guard against breakage, not a target."""
    data, _ = report
    hybrid = data["retrieval"]["hybrid"]["all"]
    assert hybrid["R@5"] >= 0.80 and hybrid["MRR@10"] >= 0.75
    answers = data["answers"]
    assert answers["abstention_accuracy"] >= 0.8 and answers["false_abstention_rate"] <= 0.15
    # the set holds status-constrained, neighbour and glossary questions since the cross-city issue:
    # a city counts only with the status asked (README: cross-city answers)
    assert answers["cross_city_f1"] >= 0.6 and answers["trap_errors"] <= 8
    assert set(answers["halves"]) == {"dev", "test"} and "status_accuracy" in answers["halves"]["test"]


def test_misses_carry_their_ranks(report):
    data, _ = report
    for miss in data["misses"]:
        assert miss["first_relevant_rank"] is None or 1 <= miss["first_relevant_rank"] <= 10
        assert miss["found"] < miss["gold"]


def test_trec_files(report):
    data, out_dir = report
    names = {p.name for p in out_dir.iterdir()}
    assert names == {"run.bm25.trec", "run.dense.trec", "run.hybrid.trec", "qrels.trec"}
    run = (out_dir / "run.hybrid.trec").read_text(encoding="utf-8").splitlines()
    qid, q0, docno, rank, score, tag = run[0].split(" ")
    assert q0 == "Q0" and rank == "1" and tag == "hybrid" and ":" in docno
    float(score)
    qrels = [line.split(" ") for line in (out_dir / "qrels.trec").read_text(encoding="utf-8").splitlines()]
    assert all(len(row) == 4 and row[3] == "1" for row in qrels)


def test_compare_mode_side_by_side(built_index):
    out = _eval(built_index, "--methods", "bm25", "--no-answers", "--compare", str(built_index[0]))
    assert "compare" in out.stdout and "(+0.000)" in out.stdout


def test_unknown_method_is_a_clear_error(built_index):
    out = subprocess.run([sys.executable, "-m", "assistant", "eval", "--methods", "bm26", "--index", str(built_index[0])],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "bm26" in out.stderr and "Traceback" not in out.stderr
