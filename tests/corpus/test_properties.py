"""Property tests over random Unicode: no exceptions, valid spans, idempotent normalization."""

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.chunk import ChunkerConfig, chunk_document
from corpus.documents import Document
from corpus.normalize import normalize
from index.tokenize import tokenize

# plan-like lines: Japanese, headings, tabs, markup, plus arbitrary Unicode
PIECES = st.sampled_from([
    "第1章 計画", "1. 概要", "(2) 推進", "ア 方針", "① 取組", "施策名\tコンビニ交付", "目次", "<b>太字</b>",
    "## 見出し", "。", "\t", "\n", " ", "　", "ＩＣＴ", "<ul><li>", "&amp;", ". . . . .\t3", "|---|", "**",
])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=60).map("".join)


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_chunk_spans_are_valid(text):
    doc = Document("p.txt", text, "某市", "p")
    for chunk in chunk_document(doc, ChunkerConfig(max_chars=60, min_chars=10)):
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert text[chunk.start:chunk.end].strip()
        assert chunk.text.strip()


@settings(max_examples=100, deadline=None)
@given(TEXT)
def test_tokenize_never_fails(text):
    terms = tokenize(text)
    assert all(isinstance(t, str) and t and t == t.strip() for t in terms)
