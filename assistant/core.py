"""The library's front door: ``Assistant.load().search(...)``."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answer import Answer
from corpus.chunk import ChunkerConfig
from corpus.documents import BUNDLED_DIR, Document, max_plan_bytes, read_plan, scan_folder
from corpus.errors import CorpusError, QueryError
from index.build import BuildReport, build_index
from index.fuse import DEFAULT_FUSION
from index.search import Hit, Index
from index.update import live_documents, update_index

if TYPE_CHECKING:
    from index.backends.qdrant import PublishReport

INDEX_ENV = "ASSISTANT_INDEX_DIR"
DEFAULT_INDEX = Path("var/index")
PER_CITY = 2  # passages per city when a cross-city question's search is grouped
MAX_QUERY_CHARS = 2000  # longer questions are cut (e5 reads 512 tokens anyway)
LONG_QUESTION_NOTICE = f"質問が長いため、先頭の{MAX_QUERY_CHARS}文字だけで検索しました"


def clean_query(query) -> str:
    """The question as searched: stripped, control characters removed, cut to MAX_QUERY_CHARS."""
    if not isinstance(query, str):
        raise QueryError("the question must be text")
    query = query[: MAX_QUERY_CHARS * 2]  # nothing below looks at more than this (control characters may go)
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in query).strip()
    if not text:
        raise QueryError("the question is empty: type a few words about what you are looking for")
    return text[:MAX_QUERY_CHARS]


def index_dir(folder: str | Path | None = None) -> Path:
    return Path(folder or os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


def build(corpus: str | Path | None = None, folder: str | Path | None = None, model: str | None = None,
          chunker: ChunkerConfig = ChunkerConfig(), progress: bool = False, wait: bool = True,
          on_wait: Callable[[str], None] | None = None, device: str | None = None, runner=None,
          backend: str | None = None, qdrant: dict | None = None,
          on_publish: Callable[[PublishReport], None] | None = None) -> BuildReport:
    """Index the plans in ``corpus`` (default: the bundled five) into ``folder``.

    Files that cannot be used are left out and listed in ``BuildReport.skipped``; the build fails
    only when no file can be read. One writer at a time: see ``index.lock``. With ``backend``
    qdrant, the new build is then published (``publish_live``).
    """
    publish = publisher(folder, backend, qdrant, on_publish, wait, on_wait)
    corpus_dir = Path(corpus) if corpus else BUNDLED_DIR
    docs, skipped = scan_folder(corpus_dir, max_plan_bytes())
    if not docs:
        raise CorpusError(f"{corpus_dir}: no plan could be read ({'; '.join(map(str, skipped)) or 'no .txt or .md files'})")
    report = build_index(docs, index_dir(folder), model=model, chunker=chunker, progress=progress, wait=wait,
                         on_wait=on_wait, device=device, runner=runner)
    publish()
    return replace(report, skipped=tuple(map(str, skipped)))


def indexed_documents(folder: str | Path | None = None) -> tuple[list[Document], dict]:
    """The plans held by the live index at ``folder`` (text and metadata, checked), and its config."""
    return live_documents(index_dir(folder))


def add_plans(files: list[str | Path], folder: str | Path | None = None, model: str | None = None,
              progress: bool = False, meta: dict | None = None, wait: bool = True,
              on_wait: Callable[[str], None] | None = None, device: str | None = None,
              backend: str | None = None, qdrant: dict | None = None,
              on_publish: Callable[[PublishReport], None] | None = None) -> BuildReport:
    """Add (or replace, by file name) plans in the live index; only their chunks are embedded.

    ``meta``: city, prefecture, title, period for every file (over front matter and title page).
    """
    publish = publisher(folder, backend, qdrant, on_publish, wait, on_wait)
    docs, skipped = [], []
    for file in map(Path, files):
        try:
            docs.append(read_plan(file, meta))
        except CorpusError as exc:
            skipped.append(str(exc))
    if not docs:
        raise CorpusError("no plan was added: " + "; ".join(skipped))

    def change(live: list[Document]) -> list[Document]:
        by_id = {d.doc_id: d for d in live}
        by_id.update((d.doc_id, d) for d in docs)
        return list(by_id.values())

    report = update_index(index_dir(folder), change, model, progress, wait, on_wait, device=device)
    publish()
    return replace(report, skipped=tuple(skipped))


def remove_plans(names: list[str], folder: str | Path | None = None, model: str | None = None,
                 progress: bool = False, wait: bool = True, on_wait: Callable[[str], None] | None = None,
                 backend: str | None = None, qdrant: dict | None = None,
                 on_publish: Callable[[PublishReport], None] | None = None) -> BuildReport:
    """Remove plans by file name or city from the live index."""
    publish = publisher(folder, backend, qdrant, on_publish, wait, on_wait)

    def change(docs: list[Document]) -> list[Document]:
        unknown = [n for n in names if not any(n in (d.doc_id, d.city) for d in docs)]
        if unknown:
            held = ", ".join(f"{d.doc_id} ({d.city})" for d in docs)
            raise QueryError(f"not in the index: {', '.join(unknown)}; it holds {held}")
        keep = [d for d in docs if d.doc_id not in names and d.city not in names]
        if not keep:
            raise QueryError("that would remove every plan; build a new index instead (`assistant index build --corpus DIR`)")
        return keep

    report = update_index(index_dir(folder), change, model, progress, wait, on_wait)
    publish()
    return report


def upgrade(folder: str | Path | None = None, model: str | None = None, progress: bool = False, wait: bool = True,
            on_wait: Callable[[str], None] | None = None, backend: str | None = None, qdrant: dict | None = None,
            on_publish: Callable[[PublishReport], None] | None = None) -> BuildReport:
    """Rewrite the live index in this program's format with the same plans (vectors are reused)."""
    publish = publisher(folder, backend, qdrant, on_publish, wait, on_wait)
    report = update_index(index_dir(folder), list, model, progress, wait, on_wait)
    publish()
    return report


def publish_live(folder: str | Path | None = None, backend: str | None = None, qdrant: dict | None = None,
                 on_publish: Callable[[PublishReport], None] | None = None, wait: bool = True,
                 on_wait: Callable[[str], None] | None = None) -> PublishReport | None:
    """Publish the live build of ``folder`` into Qdrant when ``backend`` (else ``ASSISTANT_BACKEND``) is qdrant.

    ``qdrant``: ``url`` or ``path`` (else ``ASSISTANT_QDRANT_URL`` / ``_PATH``, else ``<folder>/qdrant``),
    ``shards``, ``replicas``, ``on_batch`` (``index.backends.qdrant.publish``); the API key comes from
    ``ASSISTANT_QDRANT_API_KEY``. Returns None (and does nothing) for the local backend.
    """
    return publisher(folder, backend, qdrant, on_publish, wait, on_wait)()


def publisher(folder: str | Path | None = None, backend: str | None = None, qdrant: dict | None = None,
              on_publish: Callable[[PublishReport], None] | None = None, wait: bool = True,
              on_wait: Callable[[str], None] | None = None) -> Callable[[], PublishReport | None]:
    """``publish_live`` checked now (backend, options, qdrant-client installed), run when called after a write."""
    from index.backends import QDRANT, backend_name, backend_options

    options = dict(qdrant or {})
    name = backend_name(backend)
    where = backend_options(name, options.pop("url", None), options.pop("path", None))
    if name != QDRANT:
        if any(options.get(k) for k in ("shards", "replicas")):
            raise QueryError("--qdrant-shards and --qdrant-replicas apply only with --backend qdrant")
        return lambda: None
    from index.backends.qdrant import QdrantUnavailable, publish
    from index.backends.qdrant.engine import engine_for

    engine_for(index_dir(folder), **where, create=True)  # not installed, or not answering: said before the build

    def run() -> PublishReport:
        try:
            report = publish(index_dir(folder), **where, **options, wait=wait, on_wait=on_wait)
        except QdrantUnavailable as exc:
            raise QdrantUnavailable(f"{exc} (the index directory {index_dir(folder)} holds the new build: "
                                    "`assistant index publish` publishes it)") from exc
        if on_publish is not None:
            on_publish(report)
        return report

    return run


def _listing(names: list[str], limit: int = 30) -> str:
    """Names for an error message: all of a few, the first ``limit`` and a count of many."""
    return ", ".join(names) if len(names) <= limit else f"{', '.join(names[:limit])} … ({len(names)} in all)"


class Assistant:
    """Search (and later answer questions) over an index of municipal plans."""

    def __init__(self, index: Index):
        self.index = index

    @classmethod
    def load(cls, folder: str | Path | None = None, model: str | None = None, backend: str | None = None,
             qdrant_url: str | None = None, qdrant_path: str | None = None) -> Assistant:
        """The live index of ``folder`` served by ``backend`` (``index.backends``: local, or qdrant at a URL or path)."""
        from index.backends import backend_name, backend_options

        name = backend_name(backend)
        return cls(Index.load(index_dir(folder), model=model, backend=name,
                              **backend_options(name, qdrant_url, qdrant_path)))

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
            match = ([c for c in self.cities if c == name] or [c for c in self.cities if c.startswith(name)]
                     or [c for c in self.cities if c.endswith(name)])  # 伊達市 -> 北海道伊達市 (names shared by two prefectures)
            if len(match) > 1:
                raise QueryError(f"{name!r} names {len(match)} cities: {', '.join(match[:10])}; give one of them")
            if not match:
                raise QueryError(f"unknown city {name!r}; the index holds: {_listing(self.cities)}")
            out.append(match[0])
        return out or None

    def per_city(self, query: str, per_city: int | None = None, city: list[str] | str | None = None) -> int:
        """How many passages per city a search shows: ``per_city`` if given; else, for a cross-city
        question (「…している市は？」) over more than one city, ``PER_CITY``; else 0 (the plain ranking)."""
        if per_city is not None:
            return per_city
        from assistant import intent

        chosen = self.resolve_cities(city)
        found = intent.parse(clean_query(query), self.cities, chosen)
        many = len(chosen or found.cities or self.cities) > 1
        return PER_CITY if found.kind == intent.CROSS and many else 0

    def resolve_prefectures(self, prefectures: list[str] | str | None) -> list[str] | None:
        """Accept "新潟県", "新潟" or "新潟県,長野県"; unknown names raise QueryError listing the known ones."""
        if not prefectures:
            return None
        if isinstance(prefectures, str):
            prefectures = [prefectures]
        known = self.index.prefectures
        out = []
        for name in (n.strip() for p in prefectures for n in p.replace("、", ",").split(",") if n.strip()):
            match = [p for p in known if p == name] or [p for p in known if p.startswith(name)]
            if len(match) != 1:
                raise QueryError(f"unknown prefecture {name!r}; the index holds: {', '.join(known) or 'none'}")
            out.append(match[0])
        return out or None

    def search(self, query: str, k: int = 10, method: str = "hybrid", city: list[str] | str | None = None,
               fusion: str = DEFAULT_FUSION, per_city: int | None = None,
               prefecture: list[str] | str | None = None) -> list[Hit]:
        """The top ``k`` passages; grouped by city for cross-city questions (see ``per_city``)."""
        group = self.per_city(query, per_city, city)
        prefer = None
        if group:
            prefer = self._prefer(clean_query(query), city)
        return self.index.search(clean_query(query), k=k, method=method, cities=self.resolve_cities(city), fusion=fusion,
                                 per_city=group, prefer=prefer, prefectures=self.resolve_prefectures(prefecture))

    def _prefer(self, query: str, city: list[str] | str | None):
        """How a grouped search orders each city's passages: those that hold the question's topic (its
        own text, not a glossary) first, and of those, the ones that state the status asked
        (「…をすでに導入している市」: the passage that says it runs, not the one that plans more)."""
        from assistant import crosscity
        from assistant import intent as intents
        from assistant.evidence import name_terms
        from assistant.status import read_statuses

        matcher = crosscity.matcher_for(self.index, query, name_terms(self.cities))
        threshold = crosscity.min_coverage()
        asked = intents.parse(query, self.cities, self.resolve_cities(city)).status

        def prefer(hit: Hit) -> float:
            if not crosscity.judge(matcher, hit).evidence(threshold):
                return 0.0
            if asked == intents.ANY:
                return 1.0
            said = read_statuses(hit.section, hit.text.split("\n"), matcher.mentions, tags=crosscity.tags(self.index, hit.doc_id))
            return 2.0 if any(s.status == asked for s in said) else 1.0

        return prefer

    def ask(self, question: str, city: list[str] | str | None = None, method: str = "hybrid", generator=None,
            prefecture: list[str] | str | None = None) -> Answer:
        """Answer from the plans with citations; ``found`` is False when the plans do not cover it.

        ``prefecture``: answer from the plans of these prefectures (with ``city``: of those cities too).

        ``generator``: an optional answer writer (see ``assistant.generator``); by default the one
        configured by ``ASSISTANT_LLM_URL``, if any.
        """
        from assistant.ask import ask
        from assistant.generator import from_env

        cleaned = clean_query(question)
        cities = self.resolve_cities(city)
        prefectures = self.resolve_prefectures(prefecture)
        if prefectures:
            cities = list(dict.fromkeys([*(cities or ()), *self.index.cities_in(prefectures)]))
        answer = ask(self.index, cleaned, cities, method, generator or from_env())
        if len(question.strip()) > MAX_QUERY_CHARS:
            # the answer carries the question as searched: a huge one is not copied into JSON, CSV or the page
            answer = replace(answer, notices=(*answer.notices, LONG_QUESTION_NOTICE))
        return answer
