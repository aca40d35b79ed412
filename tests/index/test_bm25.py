import math

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from index.bm25 import K1, B, BM25Index, build_bm25, lucene_idf

DOCS = [["市", "コンビニ", "交付"], ["市", "テレワーク"], ["市", "コンビニ", "コンビニ", "納付"], ["町", "窓口"]]


def test_scores_match_a_hand_computation():
    index = build_bm25(DOCS)
    avgdl = (3 + 2 + 4 + 2) / 4
    # "コンビニ" is in 2 of 4 documents
    idf = math.log(1 + (4 - 2 + 0.5) / (2 + 0.5))
    tf_norm = lambda tf, dl: tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl))
    expected = [idf * tf_norm(1, 3), 0.0, idf * tf_norm(2, 4), 0.0]
    assert np.allclose(index.scores(["コンビニ"]), expected, rtol=1e-6)


class LuceneOkapi(BM25Okapi):
    """rank-bm25's Okapi with Lucene's idf: the reference our postings scorer must reproduce."""

    def _calc_idf(self, nd):
        for word, freq in nd.items():
            self.idf[word] = math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))


def test_matches_rank_bm25_with_lucene_idf_on_real_chunks(docs):
    from corpus.chunk import chunk_documents
    from index.build import index_text
    from index.tokenize import tokenize

    tokenized = [tokenize(index_text(c)) for c in chunk_documents(docs[:2])]
    ours, reference = build_bm25(tokenized), LuceneOkapi(tokenized, k1=K1, b=B)
    for query in ["コンビニ交付を計画している市は", "テレワークの推進", "マイナンバーカード 普及"]:
        terms = tokenize(query)
        assert np.allclose(ours.scores(terms), reference.get_scores(terms), rtol=1e-4, atol=1e-5)


def test_rank_bm25_okapi_trap_does_not_bite_us():
    # a term in exactly half the documents: BM25Okapi's idf is log(1) = 0, so it cannot rank
    docs = [["計画", "市"], ["計画", "町"], ["市"], ["町"]]
    okapi = BM25Okapi(docs)
    assert okapi.get_scores(["計画"]).tolist() == [0.0, 0.0, 0.0, 0.0]
    ours = build_bm25(docs).scores(["計画"])
    assert ours[0] > 0 and ours[1] > 0 and ours[2] == ours[3] == 0
    # a term in most documents keeps a small positive weight instead of a floor or a negative
    assert lucene_idf(4, np.array([3.0]))[0] > 0


def test_unknown_and_empty_queries_score_zero():
    index = build_bm25(DOCS)
    assert not index.scores(["存在しない語"]).any()
    assert not index.scores([]).any()
    assert build_bm25([]).scores(["市"]).shape == (0,)


def test_save_load_round_trip(tmp_path):
    index = build_bm25(DOCS)
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert loaded.vocab == index.vocab
    for q in (["市"], ["コンビニ", "交付"], ["窓口"]):
        assert np.array_equal(loaded.scores(q), index.scores(q))
    assert not list(tmp_path.rglob("*.pkl"))


def test_damaged_arrays_are_refused(tmp_path):
    build_bm25(DOCS).save(tmp_path)
    np.save(tmp_path / "ptr.npy", np.array([0, 1], dtype=np.int64))
    with pytest.raises(ValueError):
        BM25Index.load(tmp_path)


def test_postings_are_built_from_a_stream_grouped_by_term_in_document_order():
    docs = [[], *DOCS, []]  # documents without terms keep their places
    index = build_bm25(iter(docs))  # a generator: the build reads one document at a time
    assert index.n_docs == len(docs) and list(index.doc_len) == [len(d) for d in docs]
    assert list(index.vocab) == sorted({t for d in docs for t in d})
    for term, t in index.vocab.items():
        lo, hi = index.ptr[t], index.ptr[t + 1]
        held = [d for d, terms in enumerate(docs) if term in terms]
        assert index.doc_ids[lo:hi].tolist() == held
        assert index.tfs[lo:hi].tolist() == [docs[d].count(term) for d in held]


def test_a_mapped_load_scores_as_a_read_one(tmp_path):
    index = build_bm25(DOCS)
    index.save(tmp_path / "bm25")
    mapped = BM25Index.load(tmp_path / "bm25", mmap=True)
    assert isinstance(mapped.doc_ids, np.memmap) and not mapped.doc_ids.flags.writeable
    assert np.array_equal(mapped.scores(["コンビニ", "市"]), index.scores(["コンビニ", "市"]))
