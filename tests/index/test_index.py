"""Index directories on the real plans: round trip, incremental rebuild, refusal of bad state."""

import json
import shutil

import pytest

from corpus.errors import IndexStateError
from index import columns, store
from index.build import build_index
from index.search import Index

pytestmark = pytest.mark.slow
QUERIES = ["コンビニで住民票を取れるようにする計画", "テレワークの推進", "オープンデータ", "防災情報の配信"]


def test_first_build_embeds_every_distinct_chunk(built_index):
    folder, report = built_index
    assert report.chunks > 300 and report.encoded >= report.chunks - 5
    build = store.live_dir(folder)
    config = json.loads((build / "config.json").read_text())
    assert config["format_version"] == store.FORMAT_VERSION
    assert config["model"]["name"] == "intfloat/multilingual-e5-small" and config["model"]["fingerprint"]
    assert {p.name for p in build.iterdir()} == {"config.json", "documents.jsonl", "chunks.jsonl", "sources.jsonl", "bm25",
                                                 "bm25_chars", "dense.faiss", "files.json", "table"}
    assert config["counts"] == {"documents": 5, "sources": 5, "chunks": report.chunks, "chunk_documents": 5,
                                "bm25_documents": report.chunks, "vectors": report.chunks}
    assert "doc_title" not in (build / "chunks.jsonl").read_text(encoding="utf-8").splitlines()[0]
    assert not list(folder.rglob("*.pkl")) and not list(folder.rglob("*.pickle"))
    # each plan's legend of its 【】 marks is kept with its row, read once at indexing
    rows = {r["doc_id"]: r for r in map(json.loads, (build / "documents.jsonl").read_text(encoding="utf-8").splitlines())}
    assert rows["000_cd99eabcda383157.txt"]["legend"]["拡充"] == "前計画から実施しており、継続・拡充する施策"
    assert rows["002_3a8372cf3b1720a0.txt"]["legend"] == {}


def test_rebuild_of_an_unchanged_corpus_encodes_nothing_and_keeps_hits(built_index, docs, encoder, tmp_path):
    folder, _ = built_index
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    before = Index.load(copy, encoder=encoder)
    hits_before = {q: before.search(q, k=10) for q in QUERIES}
    report = build_index(docs, copy, encoder=encoder)
    assert report.encoded == 0 and report.reused == report.chunks
    after = Index.load(copy, encoder=encoder)
    for q in QUERIES:
        assert after.search(q, k=10) == hits_before[q]


def test_save_load_round_trip_keeps_vectors_and_hits(assistant, built_index, encoder):
    from index import dense

    index = assistant.index
    again = Index.load(built_index[0], encoder=encoder)
    for q in QUERIES:
        for method in ("bm25", "dense", "hybrid"):
            assert index.search(q, k=10, method=method) == again.search(q, k=10, method=method)
    stored = dense.all_vectors(index.retriever.faiss)[:5]
    fresh = encoder.encode_passages([t for t in (_index_text(c) for c in index.chunks[:5])])
    assert (stored * fresh).sum(1).min() > 0.9999


def _index_text(chunk):
    from index.build import index_text

    return index_text(chunk)


def test_adding_a_plan_embeds_only_its_chunks(built_index, docs, encoder, tmp_path):
    from corpus.documents import Document

    copy = tmp_path / "grow"
    shutil.copytree(built_index[0], copy)
    extra = Document("new.md", "# 第2次山田市DX推進計画\n\n## 第1章 計画の概要\n山田市は住民票のコンビニ交付を令和6年度に開始します。\n",
                     "山田市", "第2次山田市DX推進計画")
    report = build_index(docs + [extra], copy, encoder=encoder)
    assert 1 <= report.encoded <= 2
    hits = Index.load(copy, encoder=encoder).search("山田市 コンビニ交付", k=3)
    assert hits[0].city == "山田市"


def test_missing_index_says_what_to_run(tmp_path, encoder):
    with pytest.raises(IndexStateError, match="assistant index build"):
        Index.load(tmp_path / "nothing", encoder=encoder)


def _broken_copy(built_index, tmp_path, damage):
    copy = tmp_path / "broken"
    shutil.copytree(built_index[0], copy)
    damage(store.live_dir(copy))
    return copy


def test_old_format_version_is_refused(built_index, tmp_path, encoder):
    def damage(build):
        config = json.loads((build / "config.json").read_text())
        config["format_version"] = 0
        (build / "config.json").write_text(json.dumps(config))

    with pytest.raises(IndexStateError, match="format version 0.*assistant index build"):
        Index.load(_broken_copy(built_index, tmp_path, damage), encoder=encoder)


def _reseal(build):
    """Seal a changed build again, so that the check under test (not the seal) is what refuses it."""
    from index import integrity

    counts = json.loads((build / integrity.SEAL).read_text())["counts"]
    integrity.seal(build, counts)


def test_other_model_is_refused(built_index, tmp_path, encoder):
    def damage(build):
        config = json.loads((build / "config.json").read_text())
        config["model"]["fingerprint"] = "0000"
        (build / "config.json").write_text(json.dumps(config))
        _reseal(build)

    with pytest.raises(IndexStateError, match="built with model"):
        Index.load(_broken_copy(built_index, tmp_path, damage), encoder=encoder)


def test_truncated_faiss_file_is_refused(built_index, tmp_path, encoder):
    def damage(build):
        data = (build / "dense.faiss").read_bytes()
        (build / "dense.faiss").write_bytes(data[: len(data) // 2])

    with pytest.raises(IndexStateError, match="assistant index build"):
        Index.load(_broken_copy(built_index, tmp_path, damage), encoder=encoder)


def test_chunk_vector_count_mismatch_is_refused(built_index, tmp_path, encoder):
    def damage(build):  # a build from before the chunk table: the load reads chunks.jsonl
        shutil.rmtree(build / columns.TABLE)
        lines = (build / "chunks.jsonl").read_text().splitlines()
        (build / "chunks.jsonl").write_text("\n".join(lines[:-1]) + "\n")
        _reseal(build)

    with pytest.raises(IndexStateError, match="inconsistent"):
        Index.load(_broken_copy(built_index, tmp_path, damage), encoder=encoder)


def test_a_chunk_table_short_of_a_chunk_is_refused(built_index, tmp_path, encoder):
    from index import snapshot

    def damage(build):
        snap = snapshot.load_build(build.parent, build, checksums=False)
        shutil.rmtree(build / columns.TABLE)
        columns.write_table(build / columns.TABLE, list(snap.sources), [snap.sources[d] for d in snap.sources],
                            list(snap.chunks)[:-1])
        _reseal(build)

    broken = _broken_copy(built_index, tmp_path, damage)
    with pytest.raises(IndexStateError, match="inconsistent"):
        Index.load(broken, encoder=encoder)


def test_an_index_loads_its_chunks_from_the_table_as_chunks_jsonl_records_them(built_index):
    from index import snapshot

    snap = snapshot.load(built_index[0])
    assert isinstance(snap.chunks, columns.ChunkTable) and isinstance(snap.sources, columns.TableSources)
    rows = [json.loads(line) for line in (snap.build / "chunks.jsonl").read_text().splitlines()]
    assert [c.chunk_id for c in snap.chunks] == [r["chunk_id"] for r in rows]
    assert [c.text for c in snap.chunks] == [r["text"] for r in rows]
    assert [list(c.path) for c in snap.chunks] == [r["path"] for r in rows]
    assert columns.embed_keys(snap.build / columns.TABLE) == [r["embed_key"] for r in rows]  # what a rebuild reuses by
    assert snap.chunks[-1] == list(snap.chunks)[-1] and snap.chunks[1:3] == list(snap.chunks)[1:3]
    for chunk in snap.chunks:
        assert snap.sources[chunk.doc_id][chunk.start:chunk.end].strip()
    assert snapshot.deep_problems(snap) == []


def test_a_failed_build_leaves_the_previous_index_live(built_index, docs, encoder, tmp_path):
    copy = tmp_path / "keep"
    shutil.copytree(built_index[0], copy)
    live = store.live_dir(copy)

    def explode(build):
        (build / "partial").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.write_atomically(copy, explode)
    assert store.live_dir(copy) == live
    assert [p.name for p in copy.iterdir() if p.name.startswith("build-")] == [live.name]


def test_the_character_bigram_field_finds_what_tokens_split(built_index, assistant):
    """unidic keeps コンビニエンスストア as one token: BM25 cannot match コンビニ inside it, the bigram field can."""
    from index.chars import bigrams
    from index.snapshot import CHARS_FIELD

    folder, _ = built_index
    index = assistant.index
    assert index.retriever.has_field("chars") and index.retriever.fields["chars"].n_docs == len(index.chunks)
    assert (folder / index.build_name / CHARS_FIELD / "vocab.json").is_file()
    assert bigrams("コンビニ 交付") == ["コン", "ンビ", "ビニ", "ニ交", "交付"] and bigrams("a") == ["a"]
    ids, scores = index.chars_ranking("コンビニ", None, 50)
    texts = [index.chunks[i].text for i in ids]
    assert any("コンビニエンスストア" in t and "コンビニ交付" not in t and "コンビニ納付" not in t for t in texts)
    assert all(scores[i] > 0 for i in ids)


def test_verify_reports_a_chunks_jsonl_that_the_table_does_not_match(built_index, tmp_path):
    from index import snapshot

    def damage(build):
        lines = (build / "chunks.jsonl").read_text().splitlines()
        (build / "chunks.jsonl").write_text("\n".join(lines[:-1]) + "\n")
        _reseal(build)

    snap = snapshot.load(_broken_copy(built_index, tmp_path, damage))  # the load reads the table
    assert any("chunks.jsonl" in p for p in snapshot.deep_problems(snap))


def test_the_table_serves_plan_texts_to_many_threads_at_once(built_index):
    from concurrent.futures import ThreadPoolExecutor

    from index import snapshot

    snap = snapshot.load(built_index[0])
    wanted = {d: t for d, t in (json.loads(line).values() for line in
                                (snap.build / "sources.jsonl").read_text(encoding="utf-8").splitlines())}
    ids = list(wanted) * 50
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(snap.sources.__getitem__, ids))
    assert got == [wanted[d] for d in ids]
