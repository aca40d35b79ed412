"""The questions every index backend answers, and the catalog around them.

A backend ranks chunk *positions*: the index of a chunk in the build's ``chunks`` list,
which every backend keeps as its point id, so rankings of different backends compare
and fuse the same way (``index.fuse``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from corpus.chunk import Chunk

WORDS, CHARS = "words", "chars"  # the keyword fields: fugashi tokens (index.tokenize), character bigrams (index.chars)
Ranking = tuple[list[int], dict[int, float]]  # positions best first, and their scores


@dataclass(frozen=True)
class Scope:
    """Which chunks a ranking may return: all (every field empty) or those of the named plans.

    ``positions`` are the chunks of those plans, sorted (the local backend filters by them);
    the names are what an engine filters its payload by.
    """

    cities: tuple[str, ...] = ()
    prefectures: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    positions: np.ndarray | None = field(default=None, compare=False)

    @property
    def everything(self) -> bool:
        return not (self.cities or self.prefectures or self.doc_ids)


EVERYTHING = Scope()


class TermStats(Protocol):
    """Document frequencies of the word field, as answers weigh question terms (``assistant.evidence``)."""

    vocab: dict[str, int]

    def idf(self) -> np.ndarray: ...


class Retriever(Protocol):
    """Rankings over one build's chunks."""

    name: str

    def has_field(self, field: str) -> bool:
        """Whether the build holds this keyword field (builds before the bigram field lack ``chars``)."""

    def keyword(self, field: str, terms: list[str], scope: Scope, depth: int) -> Ranking:
        """BM25 over ``field``: the best ``depth`` positions with a score above 0."""

    def nearest(self, vector: np.ndarray, scope: Scope, depth: int) -> Ranking:
        """The ``depth`` positions whose vectors have the highest inner product with ``vector``."""

    def vectors(self, positions: list[int]) -> np.ndarray:
        """The stored vectors of these positions (one row each, in order)."""

    def live_build(self) -> str | None:
        """The build now live where this retriever reads (a server follows it to reload; cheap)."""

    def postings(self, field: str):
        """The field's postings (``index.bm25.BM25Index``) when this process holds them, else None
        (``index.substrings`` then checks every passage)."""


@dataclass(frozen=True)
class Catalog:
    """What a loaded index knows besides its rankings: the build, its plans and chunks."""

    folder: Path
    build_name: str | None
    config: dict
    documents: dict[str, dict]  # doc_id -> documents.jsonl row
    sources: dict[str, str]
    chunks: list[Chunk]
    terms: TermStats
