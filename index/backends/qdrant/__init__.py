"""The Qdrant backend: an index directory's live build, published into Qdrant and searched there.

- ``publish(folder, url=|path=)``: the local live build becomes a new collection, made live by
  an atomic alias switch (``publish``); ``assistant index build|add|remove|upgrade --backend
  qdrant`` call it after writing the index directory, which stays the source of truth.
- ``open_qdrant(folder, url=|path=)``: the live collection's ``Catalog`` and ``QdrantRetriever``
  (``retriever``), read from Qdrant alone: a UI replica needs only the URL.
- ``check(folder, ...)``: the live collection against the local live build (``verify``).

``url``: a server or cluster (``QdrantClient(url=..., api_key=...)``); else ``path``: the
in-process engine (``QdrantClient(path=...)``, default ``<index folder>/qdrant``), which one
process at a time may open. qdrant-client is imported only when a function here is called;
without it, each says `pip install '.[qdrant]'`.
"""

from __future__ import annotations

from index.backends.qdrant.engine import QdrantUnavailable
from index.backends.qdrant.publish import PublishReport, publish
from index.backends.qdrant.retriever import QdrantRetriever, open_qdrant
from index.backends.qdrant.verify import QdrantCheck, check

__all__ = ["PublishReport", "QdrantCheck", "QdrantRetriever", "QdrantUnavailable", "check", "open_qdrant", "publish"]
