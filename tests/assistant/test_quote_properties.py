"""Quotes stay inside their span for any text; front matter keeps offsets (hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.evidence import Scorer
from assistant.intent import parse
from assistant.quotes import pick_quotes, segments
from corpus.documents import front_matter

PIECES = st.sampled_from(["コンビニ交付", "。", "\n", "\t", "<p>", "</p>", " ", "【継続】", "未導入", "住民票", "ＩＣＴ"])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=15)), max_size=50).map("".join)
SCORER = Scorer("コンビニ交付 住民票", np.array([1.0, 2.0]), {"コンビニ": 0, "交付": 1})


@settings(max_examples=150, deadline=None)
@given(TEXT, st.data())
def test_quotes_lie_inside_the_span(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    for lo, hi in segments(text, start, end):
        assert start <= lo < hi <= end
    for quote in pick_quotes(text, start, end, SCORER):
        assert start <= quote.start < quote.end <= end and quote.text


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40), TEXT)
def test_front_matter_keeps_length_and_body(meta, body):
    text = f"---\ncity: {meta.replace(chr(10), ' ')}\n---\n{body}"
    _, blanked = front_matter(text)
    assert len(blanked) == len(text) and blanked.endswith(body)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_intent_parse_never_fails(question):
    intent = parse(question, ["根室市", "東御市"])
    assert intent.kind in ("cross_city", "city", "general")
