"""The library's front door: ``Assistant.load().search(...)``."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from assistant.answer import Answer
from corpus.chunk import ChunkerConfig
from corpus.documents import BUNDLED_DIR, load_folder
from corpus.errors import QueryError
from index.build import BuildReport, build_index
from index.search import Hit, Index

INDEX_ENV = "ASSISTANT_INDEX_DIR"
DEFAULT_INDEX = Path("var/index")
MAX_QUERY_CHARS = 2000  # longer questions are cut (e5 reads 512 tokens anyway)


def clean_query(query) -> str:
    """The question as searched: stripped, control characters removed, cut to MAX_QUERY_CHARS."""
    if not isinstance(query, str):
        raise QueryError("the question must be text")
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in query).strip()
    if not text:
        raise QueryError("the question is empty: type a few words about what you are looking for")
    return text[:MAX_QUERY_CHARS]


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
    def load(cls, folder: str | Path | None = None, model: str | None = None) -> Assistant:
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
        return self.index.search(clean_query(query), k=k, method=method, cities=self.resolve_cities(city))

    def ask(self, question: str, city: list[str] | str | None = None, method: str = "hybrid", generator=None) -> Answer:
        """Answer from the plans with citations; ``found`` is False when the plans do not cover it.

        ``generator``: an optional answer writer (see ``assistant.generator``); by default the one
        configured by ``ASSISTANT_LLM_URL``, if any.
        """
        from assistant.ask import ask
        from assistant.generator import from_env

        cleaned = clean_query(question)
        answer = ask(self.index, cleaned, self.resolve_cities(city), method, generator or from_env())
        if len(question.strip()) > MAX_QUERY_CHARS:
            answer = replace(answer, question=question, notices=(*answer.notices, f"質問が長いため、先頭の{MAX_QUERY_CHARS}文字だけで検索しました"))
        return answer
