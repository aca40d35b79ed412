"""Quote choice: the explanatory sentence first, the heading that carries the status next, nothing twice."""

import numpy as np

from assistant.evidence import Scorer
from assistant.quotes import Quote, distinct, is_sentence, pick_quotes, same

HEADING = "住民票等の「コンビニ交付サービス」の構築【継続】"
SENTENCE = "コンビニ交付サービスの導入により、住民票を最寄りのコンビニエンスストアで取得することができるようにします。"
SOURCE = f"{HEADING}\n施策の概要\t{SENTENCE}\n期待される効果\t市民の利便性が向上します。\n"
SCORER = Scorer("住民票はコンビニで取れる？", np.array([1.0]), {"住民": 0})


def _texts(quotes):
    return [q.text for q in quotes]


def test_the_sentence_comes_first_and_the_heading_with_its_status_next():
    quotes = pick_quotes(SOURCE, 0, len(SOURCE), SCORER)
    assert quotes[0].text.endswith("取得することができるようにします。")
    assert quotes[1].text == HEADING
    for q in quotes:
        assert SOURCE[q.start:q.end].replace("\t", " / ").endswith(q.text.split(" / ")[-1])


def test_a_heading_that_covers_much_more_stays_first():
    source = f"{HEADING}\n市民の利便性が向上します。\n"
    assert pick_quotes(source, 0, len(source), SCORER)[0].text == HEADING


def test_a_repeated_line_is_quoted_once():
    source = f"{HEADING}\n{HEADING}\n"
    assert _texts(pick_quotes(source, 0, len(source), SCORER)) == [HEADING]


def test_nothing_covered_gives_the_first_segment_that_says_something():
    scorer = Scorer("テレワーク", np.array([1.0]), {})
    source = "5\tはじめに\n本計画の目的を示します。\n次の段落です。\n"  # not the bare number or label
    assert _texts(pick_quotes(source, 0, len(source), scorer)) == ["本計画の目的を示します。"]
    source = "5\nはじめに\n"  # nothing longer: the first segment still
    assert _texts(pick_quotes(source, 0, len(source), scorer)) == ["5"]


def test_sentences_and_labels():
    assert is_sentence(SENTENCE) and is_sentence("システムを導入している") and is_sentence("検討します」")
    assert not is_sentence(HEADING) and not is_sentence("ICT-BCPの策定 / 実施済") and not is_sentence("施策の概要")


def test_distinct_by_text_and_by_overlapping_span():
    a, b = Quote(HEADING, 10, 34), Quote(HEADING + "。", 500, 525)  # the same line from two chunks
    c, d = Quote("別の文です。", 20, 40), Quote("別の文です。", 20, 40)
    assert same(a, b) and same(a, c, "000", "000") and not same(a, c, "000", "001")
    docs = {id(a): "000", id(b): "000", id(c): "001", id(d): "002"}
    assert distinct([a, b, c, d], lambda q: docs[id(q)]) == [a, c]
