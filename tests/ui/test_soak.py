"""What the soak (tests/ui/test_load.py) guards against, checked at the causes found in issue 14.

1. fugashi never frees a Tagger (no ``mecab_destroy``), so a tagger per thread kept ~130 MB of
   dictionary mappings for every worker thread the server ever started: one tagger, shared.
2. Each new query length left a cached oneDNN primitive pinning freed heap (+207 MB over
   lengths 1..200): queries are padded to power-of-two lengths, a handful of shapes.
"""

import threading
from pathlib import Path

import numpy as np
import pytest

from index.encoder import bucket
from index.tokenize import tokenize

MAPS = Path("/proc/self/maps")


def _dictionary_mappings() -> int:
    """How many times MeCab's connection matrix is mapped into this process (once per Tagger ever made)."""
    return sum(1 for line in MAPS.read_text().splitlines() if line.endswith("matrix.bin"))


@pytest.mark.skipif(not MAPS.exists(), reason="counts mappings in /proc/self/maps")
def test_threads_share_one_tagger():
    tokenize("ウォームアップ")
    before = _dictionary_mappings()
    results = []
    threads = [threading.Thread(target=lambda: results.append(tokenize("住民票をコンビニで取れるようにする"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _dictionary_mappings() == before == 1
    assert len(results) == 8 and results[0] and all(r == results[0] for r in results)


def test_concurrent_tokenizing_gives_the_same_terms_as_one_thread():
    texts = ["コンビニ交付を計画している市は？", "テレワークに取り組む自治体", "マイナンバーカードの利活用を進める"] * 20
    expected = [tokenize(t) for t in texts]
    got: dict[int, list[str]] = {}

    def work(offset: int) -> None:
        for i in range(offset, len(texts), 4):
            got[i] = tokenize(texts[i])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [got[i] for i in range(len(texts))] == expected


def test_query_lengths_fall_into_power_of_two_buckets():
    assert [bucket(n, 512) for n in (1, 16, 17, 32, 33, 100, 129, 257, 512, 4000)] == [16, 16, 32, 32, 64, 128, 256, 512, 512, 512]
    assert bucket(20, 8192) == 32 and bucket(5000, 8192) == 8192
    assert bucket(20, 514) is None and bucket(600, 514) == 514  # 514 is no multiple of 32: no padding


@pytest.mark.slow
def test_queries_of_every_length_make_few_shapes_and_the_same_vectors(encoder):
    model = encoder.model
    shapes = []
    hook = model[0].register_forward_pre_hook(lambda module, args: shapes.append(args[0]["input_ids"].shape[1]))
    try:
        queries = ["計画" * n for n in range(1, 41)] + ["コンビニ交付を計画している市は？"]
        vectors = np.stack([encoder.encode_queries([q])[0] for q in queries])
    finally:
        hook.remove()
    assert set(shapes) <= {16, 32, 64, 128}
    plain = model.encode(queries, prompt_name="query", normalize_embeddings=True, batch_size=1)
    assert np.abs(vectors - plain).max() < 1e-5
