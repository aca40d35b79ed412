"""Japanese morphological tokens for BM25 (fugashi + unidic-lite).

Content words only: nouns (numbers and Latin words included), verbs, adjectives,
adjectival nouns, prefixes and suffixes; particles, auxiliaries, symbols and a
short list of function-like words are dropped. Verbs and adjectives are reduced
to their dictionary form, so 取れる / 取れない / 取れた meet in one term.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import unicodedata
from collections.abc import Iterator, Sequence

from corpus.normalize import normalize

KEEP_POS = {"名詞", "動詞", "形容詞", "形状詞", "接頭辞", "接尾辞"}
INFLECTING = {"動詞", "形容詞"}
STOPWORDS = frozenset(
    ["する", "ある", "いる", "なる", "できる", "れる", "られる", "せる", "させる", "おる", "こと", "もの", "ため", "よう", "これ", "それ", "あれ", "どれ", "ここ", "そこ", "どこ", "など", "等", "とき", "ところ", "方", "的", "上", "中", "際", "ほか", "他", "について", "における", "及び", "並びに"]
)

PARALLEL_FROM = 20_000  # texts from which ``tokenize_many`` uses worker processes by default
SLICE = 512  # texts per task sent to a worker

_lock = threading.Lock()
_tagger_instance = None


def _tagger():
    # One tagger for the whole process, never one per thread: fugashi (1.5) never frees a
    # Tagger (it has no mecab_destroy), so each new thread's tagger kept 75-130 MB of
    # dictionary mappings for good, and the UI server's short-lived worker threads grew it
    # without bound (issue 14). Sharing costs nothing: fugashi holds the GIL while it parses.
    # Call with ``_lock`` held.
    global _tagger_instance
    if _tagger_instance is None:
        import fugashi

        _tagger_instance = fugashi.Tagger()
    return _tagger_instance


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
    with _lock:  # MeCab is not thread-safe, and its nodes live only until the tagger's next parse
        return [t for t in (_term(w) for w in _tagger()(clean)) if t]


def words(text: str) -> list[tuple[str, str, str, str]]:
    """(surface, pos1, pos2, pos3) of every morpheme of normalized ``text``, symbols and particles included
    (pos3 tells a noun's use: 副詞可能 「とき」「今後」, 形状詞可能 「自由」, サ変可能 「対応」)."""
    clean = normalize(text)
    if not clean:
        return []
    with _lock:
        return [(unicodedata.normalize("NFKC", w.surface).lower(), w.feature.pos1 or "", w.feature.pos2 or "",
                 w.feature.pos3 or "") for w in _tagger()(clean)]


def tokenize_many(texts: Sequence[str], workers: int | None = None) -> Iterator[list[str]]:
    """``tokenize`` of every text, in order. MeCab parses under the GIL, so a large build (from
    ``PARALLEL_FROM`` texts, ``workers`` None) parses in one worker process per core, each with
    its own tagger, while this process inverts the terms (``index.bm25.build_bm25``)."""
    if workers is None:
        workers = min(len(os.sched_getaffinity(0)), 8) if len(texts) >= PARALLEL_FROM else 0
    if workers <= 1:
        yield from map(tokenize, texts)
        return
    slices = (list(texts[i:i + SLICE]) for i in range(0, len(texts), SLICE))
    # fork: a spawned or forkserver worker imports the caller's __main__ again, and a script
    # without a ``__main__`` guard then starts pools of its own, for ever; the lock and tagger
    # are made anew in each worker (``_in_worker``), whatever other threads held at the fork
    with multiprocessing.get_context("fork").Pool(workers, initializer=_in_worker) as pool:
        for terms in pool.imap(_tokenize_slice, slices):
            yield from terms


def _in_worker() -> None:
    global _lock, _tagger_instance
    _lock, _tagger_instance = threading.Lock(), None
    gc.freeze()  # the parent's objects stay out of the child's collections: their pages stay shared



def _tokenize_slice(texts: list[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]
