"""Search on the real index of the five plans."""

import json
import subprocess
import sys

import pytest

from corpus.errors import QueryError

pytestmark = pytest.mark.slow
HIT_FIELDS = {"rank", "score", "chunk_id", "doc_id", "city", "section", "text", "start", "end", "bm25_rank", "dense_rank"}


def test_convenience_store_certificates_find_nemuro(assistant):
    hits = assistant.search("コンビニで住民票を取れるようにする計画", k=3, method="hybrid")
    top = [(h.city, h.section) for h in hits]
    assert any(city == "根室市" and "コンビニ交付" in section for city, section in top), top


@pytest.mark.parametrize("method", ["bm25", "dense", "hybrid"])
def test_each_method_ranks_and_reports_its_ranks(assistant, method):
    hits = assistant.search("テレワークの推進", k=5, method=method)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert all(h.score >= hits[-1].score for h in hits)
    if method == "bm25":
        assert all(h.bm25_rank and h.dense_rank is None for h in hits)
    if method == "dense":
        assert all(h.dense_rank and h.bm25_rank is None for h in hits)


def test_hits_point_back_into_their_source(assistant):
    for hit in assistant.search("オープンデータの推進", k=10):
        source = assistant.index.sources[hit.doc_id]
        assert source[hit.start:hit.end].strip()
        assert set(hit.to_dict()) >= HIT_FIELDS


def test_city_filter(assistant):
    hits = assistant.search("マイナンバーカード", k=10, city="東御")
    assert hits and {h.city for h in hits} == {"東御市"}
    with pytest.raises(QueryError, match="根室市"):
        assistant.search("マイナンバーカード", city="大阪市")


def test_empty_query_is_refused(assistant):
    with pytest.raises(QueryError):
        assistant.search("   ")


def _cli(args, built_index, stdin=None):
    env_index = str(built_index[0])
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args, "--index", env_index],
        input=stdin, capture_output=True, text=True, timeout=300,
    )


def test_cli_search_json(built_index):
    out = _cli(["search", "コンビニ交付", "-k", "3", "--json"], built_index)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["query"] == "コンビニ交付" and len(result["hits"]) == 3
    assert set(result["hits"][0]) >= HIT_FIELDS


def test_cli_search_stdin_json_lines(built_index):
    out = _cli(["search", "-", "--json", "-k", "2", "--city", "根室市"], built_index,
               stdin="コンビニ交付\n\nテレワーク\n")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["query"] for r in lines] == ["コンビニ交付", "テレワーク"]
    assert all(len(r["hits"]) == 2 and {h["city"] for h in r["hits"]} == {"根室市"} for r in lines)


def test_cli_errors_are_one_line_messages(built_index):
    out = _cli(["search", "x", "--city", "大阪市"], built_index)
    assert out.returncode == 2
    assert out.stderr.startswith("error: unknown city") and "Traceback" not in out.stderr


def test_a_cross_city_search_groups_each_citys_best_passages(assistant):
    """「…している市は？」 shows every city's best passage first (cities by their best score), then the seconds."""
    question = "テレワークを導入している市は？"
    assert assistant.per_city(question) == 2 and assistant.per_city("根室市のテレワークは？") == 0
    hits = assistant.search(question, k=10)
    first = [h.city for h in hits[: len(assistant.cities)]]
    assert sorted(first) == sorted(assistant.cities)  # one per city, every city
    best = {}
    for hit in assistant.index.search(question, k=1000):
        best.setdefault(hit.city, hit.score)
    assert first == sorted(first, key=lambda city: -best[city])  # cities in the order of their best passage
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert sum(h.city == first[0] for h in hits) == 2
    plain = assistant.search(question, k=10, per_city=0)
    assert [h.chunk_id for h in plain] == [h.chunk_id for h in assistant.index.search(question, k=10)]


def test_a_grouped_search_puts_first_the_passage_that_states_the_status_asked(assistant):
    from assistant.status import read_statuses

    question = "ドローンをすでに導入して活用している市は？"
    first = {}
    for hit in assistant.search(question, k=10):
        first.setdefault(hit.city, hit)
    # 各務原市 plans to widen its use of drones and says elsewhere it has had them since 令和3年度:
    # the passage that says it has them comes first
    hit = first["各務原市"]
    said = read_statuses(hit.section, hit.text.split("\n"), lambda line: "ドローン" in line)
    assert "implemented" in {s.status for s in said}


def test_search_json_reports_the_grouping(built_index):
    def run(*args):
        out = subprocess.run([sys.executable, "-m", "assistant", "search", *args, "--index", str(built_index[0]), "--json"],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    grouped = run("コンビニ交付を計画している市は？", "-k", "5")
    assert grouped["grouping"] == {"per_city": 2} and len({h["city"] for h in grouped["hits"]}) == 5
    assert run("コンビニ交付を計画している市は？", "--per-city", "0")["grouping"] is None
    assert run("根室市のコンビニ交付", "--per-city", "1", "-k", "3")["grouping"] == {"per_city": 1}
