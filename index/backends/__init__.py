"""Where an index's rankings come from: one module (or folder) per backend.

- ``local`` (the default): the plain files of an index directory, BM25 postings in numpy
  and the vectors in FAISS, loaded into this process (``index.backends.local``).
- ``qdrant``: the same index published into a Qdrant collection, searched in the engine
  (its in-process mode, a server, or a cluster; ``index.backends.qdrant``).

Every backend answers the same questions (``index.backends.base.Retriever``); the chunks,
plans and term statistics around them form the ``Catalog`` that ``index.search.Index`` wraps,
so `search --json` and `ask --json` read the same whichever backend serves them.
"""

from __future__ import annotations

import os

from corpus.errors import QueryError

LOCAL, QDRANT = "local", "qdrant"
BACKENDS = (LOCAL, QDRANT)
BACKEND_ENV = "ASSISTANT_BACKEND"
QDRANT_URL_ENV = "ASSISTANT_QDRANT_URL"  # a server or cluster, e.g. http://qdrant-0:6333
QDRANT_KEY_ENV = "ASSISTANT_QDRANT_API_KEY"  # read from the environment only, never from a flag
QDRANT_PATH_ENV = "ASSISTANT_QDRANT_PATH"  # the in-process engine's folder


def backend_name(name: str | None = None) -> str:
    """The backend asked for (argument, else ``ASSISTANT_BACKEND``, else local), checked."""
    chosen = (name or os.environ.get(BACKEND_ENV) or LOCAL).strip().lower()
    if chosen not in BACKENDS:
        raise QueryError(f"unknown index backend {chosen!r}; choose one of {', '.join(BACKENDS)}")
    return chosen


def backend_options(name: str, url: str | None = None, path: str | None = None) -> dict:
    """The options ``index.search.Index.load`` passes to a backend: for Qdrant, where the engine is.

    A URL (flag, else ``ASSISTANT_QDRANT_URL``) names a server or cluster, with the API key from
    ``ASSISTANT_QDRANT_API_KEY``; else a folder for the in-process engine (flag, else
    ``ASSISTANT_QDRANT_PATH``, else the backend's default inside the index directory).
    """
    if name != QDRANT:
        if url or path:
            raise QueryError("--qdrant-url and --qdrant-path apply only with --backend qdrant")
        return {}
    url = url or os.environ.get(QDRANT_URL_ENV) or None
    path = path or os.environ.get(QDRANT_PATH_ENV) or None
    if url and path:
        raise QueryError("give either a Qdrant URL (a server) or a path (the in-process engine), not both")
    return {"url": url, "path": path, "api_key": os.environ.get(QDRANT_KEY_ENV) or None}
