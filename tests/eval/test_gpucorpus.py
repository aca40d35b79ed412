"""The timing corpus of eval.gpu_build: real sentences, the sources' lengths, the same texts from the same seed."""

from eval.gpucorpus import digest, replicate, sentences

SOURCES = [
    "根室市 第6章 > コンビニ交付\n住民票をコンビニで交付します。印鑑登録証明書も対象です。",
    "東御市 基本目標1\nテレワークを推進する。市役所の手続をオンライン化する。",
    "各務原市 第4章\nマイナンバーカードの普及を進めます。図書館カードとしても使えます。出張申請も行います。",
]


def test_sources_come_first_then_recombinations_of_their_sentences():
    texts = replicate(SOURCES, 50, seed=3)
    assert texts[:3] == SOURCES and len(texts) == 50
    heads = {s.split("\n")[0] for s in SOURCES}
    pool = {x for s in SOURCES for x in sentences(s.split("\n", 1)[1])}
    for text in texts[3:]:
        head, body = text.split("\n", 1)
        assert head in heads
        assert len(text) in {len(s) for s in SOURCES}
        whole = sentences(body)[:-1]  # the last one may be cut at the length
        assert all(s in pool for s in whole)


def test_same_seed_same_texts_and_a_smaller_n_is_a_prefix():
    big = replicate(SOURCES, 40, seed=1)
    assert replicate(SOURCES, 40, seed=1) == big and digest(big) == digest(replicate(SOURCES, 40, seed=1))
    assert replicate(SOURCES, 17, seed=1) == big[:17]
    assert replicate(SOURCES, 40, seed=2) != big
    assert replicate(SOURCES, 2, seed=1) == SOURCES[:2]
