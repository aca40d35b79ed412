"""The library's front door: ``Assistant.load().search(...)``."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from assistant.answer import Answer
from corpus.chunk import ChunkerConfig
from corpus.documents import BUNDLED_DIR, Document, max_plan_bytes, read_plan, scan_folder
from corpus.errors import CorpusError, QueryError
from index import store
from index.build import BuildReport, build_index
from index.fuse import DEFAULT_FUSION
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
    """Index the plans in ``corpus`` (default: the bundled five) into ``folder``.

    Files that cannot be used are left out and listed in ``BuildReport.skipped``; the build fails
    only when no file can be read.
    """
    corpus_dir = Path(corpus) if corpus else BUNDLED_DIR
    docs, skipped = scan_folder(corpus_dir, max_plan_bytes())
    if not docs:
        raise CorpusError(f"{corpus_dir}: no plan could be read ({'; '.join(map(str, skipped)) or 'no .txt or .md files'})")
    report = build_index(docs, index_dir(folder), model=model, chunker=chunker, progress=progress)
    return replace(report, skipped=tuple(map(str, skipped)))


def indexed_documents(folder: str | Path | None = None) -> tuple[list[Document], dict]:
    """The plans held by the live index at ``folder`` (text and metadata), and its config."""
    live = store.live_dir(index_dir(folder))
    config = store.read_config(live)
    meta = {d["doc_id"]: d for d in config.get("documents", [])}
    docs = []
    for row in store.read_jsonl(live / "sources.jsonl"):
        m = meta.get(row["doc_id"], {})
        docs.append(Document(row["doc_id"], row["text"], m.get("city", ""), m.get("title", ""),
                             m.get("prefecture", ""), m.get("period", "")))
    return docs, config


def _rebuild(docs: list[Document], config: dict, folder, model: str | None, progress: bool, skipped=()) -> BuildReport:
    chunker = ChunkerConfig(**config.get("chunker", {}))
    report = build_index(docs, index_dir(folder), model=model or config["model"]["name"], chunker=chunker, progress=progress)
    return replace(report, skipped=tuple(map(str, skipped)))


def add_plans(files: list[str | Path], folder: str | Path | None = None, model: str | None = None,
              progress: bool = False) -> BuildReport:
    """Add (or replace, by file name) plans in the live index; only their chunks are embedded."""
    docs, config = indexed_documents(folder)
    by_id = {d.doc_id: d for d in docs}
    skipped, added = [], 0
    for file in map(Path, files):
        try:
            doc = read_plan(file)
        except CorpusError as exc:
            skipped.append(str(exc))
            continue
        by_id[doc.doc_id] = doc
        added += 1
    if not added:
        raise CorpusError("no plan was added: " + "; ".join(skipped))
    return _rebuild(list(by_id.values()), config, folder, model, progress, skipped)


def remove_plans(names: list[str], folder: str | Path | None = None, model: str | None = None,
                 progress: bool = False) -> BuildReport:
    """Remove plans by file name or city from the live index."""
    docs, config = indexed_documents(folder)
    unknown = [n for n in names if not any(n in (d.doc_id, d.city) for d in docs)]
    if unknown:
        held = ", ".join(f"{d.doc_id} ({d.city})" for d in docs)
        raise QueryError(f"not in the index: {', '.join(unknown)}; it holds {held}")
    keep = [d for d in docs if d.doc_id not in names and d.city not in names]
    if not keep:
        raise QueryError("that would remove every plan; build a new index instead (`assistant index build --corpus DIR`)")
    return _rebuild(keep, config, folder, model, progress)


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

    def search(self, query: str, k: int = 10, method: str = "hybrid", city: list[str] | str | None = None,
               fusion: str = DEFAULT_FUSION) -> list[Hit]:
        return self.index.search(clean_query(query), k=k, method=method, cities=self.resolve_cities(city), fusion=fusion)

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
