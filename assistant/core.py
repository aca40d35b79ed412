"""The library's front door: ``Assistant.load().search(...)``."""

from __future__ import annotations

import os
from pathlib import Path

from corpus.chunk import ChunkerConfig
from corpus.documents import BUNDLED_DIR, load_folder
from corpus.errors import QueryError
from index.build import BuildReport, build_index
from index.search import Hit, Index

INDEX_ENV = "ASSISTANT_INDEX_DIR"
DEFAULT_INDEX = Path("var/index")
MAX_QUERY_CHARS = 2000  # longer questions are cut (e5 reads 512 tokens anyway)


def index_dir(folder: str | Path | None = None) -> Path:
    return Path(folder or os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


def build(corpus: str | Path | None = None, folder: str | Path | None = None, model: str | None = None,
          chunker: ChunkerConfig = ChunkerConfig(), progress: bool = False) -> BuildReport:
    """Index the plans in ``corpus`` (default: the bundled five) into ``folder``."""
    docs = load_folder(Path(corpus) if corpus else BUNDLED_DIR)
    return build_index(docs, index_dir(folder), model=model, chunker=chunker, progress=progress)


class Assistant:
    """Search (and later answer questions) over an index of municipal plans."""

    def __init__(self, index: Index):
        self.index = index

    @classmethod
    def load(cls, folder: str | Path | None = None, model: str | None = None) -> "Assistant":
        return cls(Index.load(index_dir(folder), model=model))

    @property
    def cities(self) -> list[str]:
        return self.index.cities

    def resolve_cities(self, cities: list[str] | str | None) -> list[str] | None:
        """Accept "根室市", "根室" or "根室市,東御市"; unknown names raise QueryError listing the known ones."""
        if not cities:
            return None
        if isinstance(cities, str):
            cities = [cities]
        names = [n.strip() for c in cities for n in c.replace("、", ",").split(",") if n.strip()]
        out = []
        for name in names:
            match = [c for c in self.cities if c == name] or [c for c in self.cities if c.startswith(name)]
            if len(match) != 1:
                raise QueryError(f"unknown city {name!r}; the index holds: {', '.join(self.cities)}")
            out.append(match[0])
        return out or None

    def search(self, query: str, k: int = 10, method: str = "hybrid", city: list[str] | str | None = None) -> list[Hit]:
        if not isinstance(query, str) or not query.strip():
            raise QueryError("the question is empty: type a few words about what you are looking for")
        return self.index.search(query.strip()[:MAX_QUERY_CHARS], k=k, method=method, cities=self.resolve_cities(city))
