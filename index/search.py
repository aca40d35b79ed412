"""Load an index directory and search it: BM25, dense, or both fused."""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from corpus.chunk import PATH_SEPARATOR, Chunk
from corpus.errors import IndexStateError, QueryError
from corpus.readers import Extracted
from index import columns
from index.backends import LOCAL, backend_name
from index.backends.base import CHARS, EVERYTHING, WORDS, Catalog, Retriever, Scope
from index.backends.local import open_local
from index.chars import bigrams
from index.substrings import SubstringIndex
from index.encoder import Encoder
from index.fuse import DEFAULT_FUSION, FUSERS, fuse
from index.tokenize import tokenize

METHODS = ("bm25", "dense", "hybrid")
CANDIDATES = 100  # depth of each ranking that enters fusion
QUERY_CACHE = 256  # recent query embeddings kept in memory
GROUP_DEPTH = 1000  # candidates grouped by city for a per-city ranking


@dataclass(frozen=True)
class Hit:
    """One search result. Field names are a stable interface (``assistant search --json``)."""

    rank: int
    score: float
    chunk_id: str
    doc_id: str
    city: str
    section: str
    text: str
    start: int
    end: int
    bm25_rank: int | None
    dense_rank: int | None
    doc_title: str = ""
    bm25_score: float | None = None
    dense_score: float | None = None
    page: int | None = None  # PDF plans: the page the passage starts on (1-based); null for text formats
    page_end: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class Index:
    """A loaded index: its catalog (plans, chunks) and a backend's rankings; the model loads on the first dense query."""

    def __init__(self, catalog: Catalog, retriever: Retriever, encoder: Encoder):
        self.catalog, self.retriever, self.encoder = catalog, retriever, encoder
        self.folder, self.config, self.chunks = catalog.folder, catalog.config, catalog.chunks
        self.sources, self.documents, self.build_name = catalog.sources, catalog.documents, catalog.build_name
        self.terms = catalog.terms  # document frequencies of the word field (answers weigh question terms by them)
        self._city_ids = columns.city_positions(self.chunks)
        self._positions: dict[str, int] | None = None  # chunk_id -> position, made when first asked
        self._prefecture_of: dict[str, str] = {}  # city -> its prefecture (the first of its plans that names one)
        for row in self.documents.values():
            if row.get("city") and not self._prefecture_of.get(row["city"]):
                self._prefecture_of[row["city"]] = row.get("prefecture") or ""
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._substrings: SubstringIndex | None = None
        self.load_options: dict = {}  # how ``load`` opened it (backend and its options): a reload opens the same way

    @property
    def substrings(self) -> SubstringIndex:
        """Which passages hold a string (``index.substrings``): from the bigram postings when this process holds them."""
        with self._lock:
            if self._substrings is None:
                self._substrings = SubstringIndex(self.chunks, self.retriever.postings(CHARS))
            return self._substrings

    @property
    def bm25(self):
        """The word field's statistics (``terms``; kept under its old name)."""
        return self.terms

    @property
    def backend(self) -> str:
        return self.retriever.name

    # -- loading ----------------------------------------------------------
    @classmethod
    def load(cls, folder: Path, model: str | None = None, encoder: Encoder | None = None,
             checksums: bool | None = None, backend: str | None = None, **options) -> Index:
        """Load the live build of ``folder`` from ``backend`` (``index.backends``), checked; the model loads on first use.

        ``options`` go to the backend (the Qdrant backend's ``url``, ``path``, ``api_key``).
        """
        name = backend_name(backend)
        if name == LOCAL:
            catalog, retriever = open_local(Path(folder), checksums=checksums)
        else:
            from index.backends.qdrant import open_qdrant

            catalog, retriever = open_qdrant(Path(folder), **options)
        built_with = catalog.config["model"]
        encoder = encoder or Encoder(model or built_with["name"])
        if built_with["fingerprint"] != encoder.fingerprint:
            raise IndexStateError(
                f"the index at {folder} was built with model {built_with['name']} ({built_with['fingerprint']}), "
                f"but {encoder.name} ({encoder.fingerprint}) is selected: run `assistant index build` with this model"
            )
        index = cls(catalog, retriever, encoder)
        index.load_options = {"backend": name, "checksums": checksums, **options}
        # a loaded index is long-lived: out of the collector's generations, its objects are not walked
        # by every full collection (at 108,589 chunks such walks made hybrid p95 0.8 s instead of 64 ms)
        gc.collect()
        gc.freeze()
        return index

    def page_of(self, doc_id: str, offset: int) -> int | None:
        """The 1-based page of a PDF plan holding ``offset`` of its text; None for text formats."""
        pages = self.documents.get(doc_id, {}).get("pages")
        return Extracted("", (), tuple(pages)).page_of(offset) if pages else None

    def paged(self, doc_id: str, quote):
        """``quote`` (anything with ``start`` and a ``page`` field) with its page filled in, for PDF plans."""
        page = self.page_of(doc_id, quote.start)
        return replace(quote, page=page) if page is not None else quote

    # -- search -----------------------------------------------------------
    @property
    def cities(self) -> list[str]:
        """Cities in corpus order."""
        return list(self._city_ids)

    def position(self, chunk_id: str) -> int:
        """Where a chunk lies in ``chunks`` (KeyError for one that is not there)."""
        if self._positions is None:
            with self._lock:
                if self._positions is None:
                    self._positions = {c: i for i, c in enumerate(columns.chunk_ids(self.chunks))}
        return self._positions[chunk_id]

    def city_positions(self, city: str) -> list[int]:
        """Positions (in ``chunks``) of one city's passages, in document order."""
        return [int(i) for i in self._city_ids.get(city, ())]

    def rank_positions(self, query: str, positions: list[int]) -> list[Hit]:
        """Hits for the given chunk positions, ordered by their dense score for ``query``."""
        if not positions:
            return []
        scores = dict(zip(positions, self.dense_scores(query, [self.chunks[i].chunk_id for i in positions])))
        order = sorted(positions, key=lambda i: -scores[i])
        return [self._hit(r, i, scores[i], {}, {}, {}, scores) for r, i in enumerate(order, 1)]

    def scope(self, cities: list[str] | None = None, prefectures: list[str] | None = None) -> Scope:
        """The chunks of these cities' and prefectures' plans (every chunk when both are empty)."""
        if not cities and not prefectures:
            return EVERYTHING
        unknown = [c for c in cities or () if c not in self._city_ids]
        if unknown:
            held = ", ".join(self.cities[:30]) + (f" … ({len(self.cities)} in all)" if len(self.cities) > 30 else "")
            raise QueryError(f"unknown city {', '.join(unknown)}; the index holds: {held}")
        known = self.prefectures
        unknown = [p for p in prefectures or () if p not in known]
        if unknown:
            raise QueryError(f"unknown prefecture {', '.join(unknown)}; the index holds: {', '.join(known) or 'none'}")
        chosen = set(cities or ())
        by_prefecture = set(prefectures or ())
        picked = [c for c in self.cities if c in chosen or self._prefecture_of.get(c) in by_prefecture]
        positions = np.sort(np.concatenate([self._city_ids[c] for c in picked])) if picked else np.zeros(0, np.int64)
        return Scope(tuple(cities or ()), tuple(prefectures or ()), (), positions)

    def cities_in(self, prefectures: list[str]) -> list[str]:
        """Cities whose plans name one of these prefectures, in corpus order."""
        wanted = set(prefectures)
        return [c for c in self.cities if self._prefecture_of.get(c) in wanted]

    @property
    def prefectures(self) -> list[str]:
        """Prefectures of the indexed plans, in corpus order (plans without one are left out)."""
        return list(dict.fromkeys(p for p in self._prefecture_of.values() if p))

    def allowed(self, cities: list[str] | None) -> np.ndarray | None:
        """Positions of these cities' chunks (None: every chunk)."""
        return self.scope(cities).positions

    def bm25_ranking(self, query: str, allowed: Scope | None = None, depth: int = CANDIDATES) -> tuple[list[int], dict[int, float]]:
        return self.retriever.keyword(WORDS, tokenize(query), allowed or EVERYTHING, depth)

    def chars_ranking(self, query: str, allowed: Scope | None = None, depth: int = CANDIDATES) -> tuple[list[int], dict[int, float]]:
        """The character-bigram BM25 ranking (``index.chars``); empty when the build has no such field."""
        return self.retriever.keyword(CHARS, bigrams(query), allowed or EVERYTHING, depth)

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding; recent ones are kept (a question is often searched per city, or asked twice)."""
        with self._lock:
            vector = self._vectors.get(query)
        if vector is None:
            vector = self.encoder.encode_queries([query])[0]
        with self._lock:
            self._vectors[query] = vector
            self._vectors.move_to_end(query)
            while len(self._vectors) > QUERY_CACHE:
                self._vectors.popitem(last=False)
        return vector

    def clear_query_cache(self) -> None:
        with self._lock:
            self._vectors.clear()

    def dense_scores(self, query: str, chunk_ids: list[str]) -> list[float]:
        """Cosine similarity of the query with the given chunks (any chunks, ranked or not)."""
        if not chunk_ids:
            return []
        vector = self.query_vector(query)
        return [float(s) for s in self.retriever.vectors([self.position(c) for c in chunk_ids]) @ vector]

    def dense_ranking(self, query: str, allowed: Scope | None = None, depth: int = CANDIDATES) -> tuple[list[int], dict[int, float]]:
        return self.retriever.nearest(self.query_vector(query), allowed or EVERYTHING, depth)

    def search(self, query: str, k: int = 10, method: str = "hybrid", cities: list[str] | None = None,
               fusion: str = DEFAULT_FUSION, per_city: int = 0, prefer=None,
               prefectures: list[str] | None = None) -> list[Hit]:
        """The top ``k`` passages; with ``per_city`` N, grouped: each city's best N, in tiers (every
        city's best first, cities ordered by their best score, then every city's second …).
        ``prefer(hit)``: a number; within a city, passages it rates higher come first (then rank order)."""
        if per_city < 0:
            raise QueryError("per_city must be 0 (plain ranking) or more")
        if not per_city:
            return self._search(query, k, method, cities, fusion, prefectures)
        pool = self._search(query, max(GROUP_DEPTH, k), method, cities, fusion, prefectures)
        if prefer is not None:
            best = {}
            for hit in pool:
                best.setdefault(hit.city, hit.score)  # a city keeps the place its best passage earned
            pool = sorted(pool, key=lambda h: (-best[h.city], -prefer(h), h.rank))
        by_city: dict[str, list[Hit]] = {}
        for hit in pool:
            mine = by_city.setdefault(hit.city, [])
            if len(mine) < per_city:
                mine.append(hit)
        tiers = [h for tier in range(per_city) for h in (hits[tier] for hits in by_city.values() if len(hits) > tier)]
        return [replace(h, rank=r) for r, h in enumerate(tiers[:k], 1)]

    def _search(self, query: str, k: int, method: str, cities: list[str] | None, fusion: str,
                prefectures: list[str] | None = None) -> list[Hit]:
        if method not in METHODS:
            raise QueryError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
        if fusion not in FUSERS:
            raise QueryError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSERS)}")
        if k < 1:
            raise QueryError("k must be at least 1")
        if not query or not query.strip():
            raise QueryError("the query is empty")
        allowed = self.scope(cities, prefectures)
        depth = max(CANDIDATES, k)
        b_ids, b_scores = self.bm25_ranking(query, allowed, depth) if method != "dense" else ([], {})
        d_ids, d_scores = self.dense_ranking(query, allowed, depth) if method != "bm25" else ([], {})
        if method == "bm25":
            fused = [(i, b_scores[i]) for i in b_ids]
        elif method == "dense":
            fused = [(i, d_scores[i]) for i in d_ids]
        else:
            rankings, score_maps = [b_ids, d_ids], [b_scores, d_scores]
            if self.retriever.has_field(CHARS):
                c_ids, c_scores = self.chars_ranking(query, allowed, depth)
                rankings.append(c_ids)
                score_maps.append(c_scores)
            fused = fuse(fusion, rankings, score_maps)
        b_rank = {i: r for r, i in enumerate(b_ids, 1)}
        d_rank = {i: r for r, i in enumerate(d_ids, 1)}
        return [self._hit(r, i, s, b_rank, d_rank, b_scores, d_scores) for r, (i, s) in enumerate(fused[:k], 1)]

    def _hit(self, rank, i, score, b_rank, d_rank, b_scores, d_scores) -> Hit:
        c = self.chunks[i]
        return Hit(
            rank, round(float(score), 6), c.chunk_id, c.doc_id, c.city, PATH_SEPARATOR.join(c.path), c.text,
            c.start, c.end, b_rank.get(i), d_rank.get(i), c.doc_title,
            round(b_scores[i], 6) if i in b_scores else None, round(d_scores[i], 6) if i in d_scores else None,
            c.page, c.page_end,
        )
