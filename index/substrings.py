"""Which passages hold a string, without scanning every passage.

Cross-city answers list a city only when one of its passages holds the question's head
term (``assistant.crosscity``), and weigh topic terms by how many passages hold them
(``assistant.topic.Salience``). Scanning every passage's text costs a second at a million
chunks; instead, the character-bigram postings (``index.chars``) give the passages that
hold every bigram of the string, and only those are checked, on their folded text
(heading path and body, as the answer reads them). Folded texts are made on demand and the
most recent are kept.

A build without the bigram field (older builds), a one-character string, or a backend that
keeps no postings here falls back to checking every passage.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import reduce

import numpy as np

from corpus.chunk import Chunk
from index.bm25 import BM25Index
from index.chars import bigrams, fold

KEEP_FOLDED = 200_000  # folded passage texts kept (a few hundred MB at most)
KEEP_POSITIONS = 20_000_000  # positions kept for recent strings, all together (160 MB)


def passage_text(chunk: Chunk) -> str:
    """What a passage is matched on: its heading path and text, folded."""
    return fold(f"{' '.join(chunk.path)}\n{chunk.text}")


class SubstringIndex:
    """Positions of the passages whose folded text holds a string."""

    def __init__(self, chunks: list[Chunk], chars: BM25Index | None):
        self.chunks, self.chars = chunks, chars
        self._folded: OrderedDict[int, str] = OrderedDict()
        self._found: OrderedDict[str, np.ndarray] = OrderedDict()
        self._kept = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.chunks)

    def folded(self, position: int) -> str:
        with self._lock:
            text = self._folded.get(position)
            if text is not None:
                self._folded.move_to_end(position)
                return text
        text = passage_text(self.chunks[position])
        with self._lock:
            self._folded[position] = text
            while len(self._folded) > KEEP_FOLDED:
                self._folded.popitem(last=False)
        return text

    def holding(self, string: str) -> np.ndarray:
        """Sorted positions of the passages whose folded text contains ``string`` (folded)."""
        string = fold(string)
        with self._lock:
            found = self._found.get(string)
            if found is not None:
                self._found.move_to_end(string)
                return found
        found = np.asarray([i for i in self._candidates(string) if string in self.folded(int(i))], dtype=np.int64)
        with self._lock:
            if string not in self._found:
                self._found[string] = found
                self._kept += len(found)
            while self._kept > KEEP_POSITIONS and len(self._found) > 1:
                self._kept -= len(self._found.popitem(last=False)[1])
        return found

    def _candidates(self, string: str) -> np.ndarray:
        grams = sorted(set(bigrams(string)))
        if not string:
            return np.zeros(0, np.int64)
        if self.chars is None or len(string) < 2:
            return np.arange(len(self.chunks), dtype=np.int64)
        lists = []
        for gram in grams:
            t = self.chars.vocab.get(gram)
            if t is None:
                return np.zeros(0, np.int64)
            lists.append(self.chars.doc_ids[self.chars.ptr[t] : self.chars.ptr[t + 1]])
        lists.sort(key=len)  # intersect from the rarest bigram up
        return reduce(lambda a, b: np.intersect1d(a, b, assume_unique=True), lists).astype(np.int64)
