"""Japanese morphological tokens for BM25 (fugashi + unidic-lite).

Content words only: nouns (numbers and Latin words included), verbs, adjectives,
adjectival nouns, prefixes and suffixes; particles, auxiliaries, symbols and a
short list of function-like words are dropped. Verbs and adjectives are reduced
to their dictionary form, so 取れる / 取れない / 取れた meet in one term.
"""

from __future__ import annotations

import threading
import unicodedata

from corpus.normalize import normalize

KEEP_POS = {"名詞", "動詞", "形容詞", "形状詞", "接頭辞", "接尾辞"}
INFLECTING = {"動詞", "形容詞"}
STOPWORDS = frozenset(
    ["する", "ある", "いる", "なる", "できる", "れる", "られる", "せる", "させる", "おる", "こと", "もの", "ため", "よう", "これ", "それ", "あれ", "どれ", "ここ", "そこ", "どこ", "など", "等", "とき", "ところ", "方", "的", "上", "中", "際", "ほか", "他", "について", "における", "及び", "並びに"]
)

_local = threading.local()


def _tagger():
    # one tagger per thread: MeCab taggers are not safe to share across threads
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        import fugashi

        tagger = _local.tagger = fugashi.Tagger()
    return tagger


def _term(word) -> str | None:
    feature = word.feature
    pos = feature.pos1
    if pos not in KEEP_POS or feature.pos2 in ("助動詞語幹", "非自立可能") and pos != "名詞":
        return None
    base = feature.orthBase if pos in INFLECTING and feature.orthBase else word.surface
    term = unicodedata.normalize("NFKC", base).lower().strip()
    if not term or term in STOPWORDS:
        return None
    return term


def tokenize(text: str) -> list[str]:
    """BM25 terms of ``text`` (normalized first, so PDF spaces do not split words)."""
    clean = normalize(text)
    if not clean:
        return []
    return [t for t in (_term(w) for w in _tagger()(clean)) if t]
