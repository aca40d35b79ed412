"""Where the collections live: one client per engine, the names of collections and aliases, errors.

An index's builds are collections named ``<prefix>-<build name>`` (each with its catalog,
``<prefix>-<build name>-catalog``); the alias ``<prefix>-live`` names the build being served
and ``<prefix>-previous`` the one before it, as ``CURRENT`` and ``PREVIOUS`` do in an index
directory. The prefix names the index (env ``ASSISTANT_QDRANT_COLLECTION``, default ``plans``),
so one server can hold several.

The in-process engine (``QdrantClient(path=...)``) locks its folder for one client at a time,
even within a process, so clients are shared per folder (and per URL) here.
"""

from __future__ import annotations

import atexit
import os
import re
import threading
from pathlib import Path

from corpus.errors import IndexStateError

PREFIX_ENV = "ASSISTANT_QDRANT_COLLECTION"
DEFAULT_PREFIX = "plans"
DEFAULT_PATH = "qdrant"  # the in-process engine's folder inside the index directory
LIVE, PREVIOUS = "live", "previous"
CATALOG_SUFFIX = "-catalog"
TIMEOUT_S = 10
_PREFIX = re.compile(r"^[A-Za-z0-9_]{1,64}$")
INSTALL_HINT = "the Qdrant backend needs qdrant-client: pip install '.[qdrant]'"


class QdrantUnavailable(IndexStateError):
    """qdrant-client is missing, or the engine does not answer (or refuses us)."""


def models():
    """``qdrant_client.models``, or one line saying what to install."""
    try:
        from qdrant_client import models as qmodels
    except ImportError as exc:
        raise QdrantUnavailable(INSTALL_HINT) from exc
    return qmodels


def prefix() -> str:
    name = os.environ.get(PREFIX_ENV) or DEFAULT_PREFIX
    if not _PREFIX.match(name):
        raise IndexStateError(f"{PREFIX_ENV}={name!r}: use 1-64 letters, digits or _ "
                              "(it names the index's collections)")
    return name


def collection_name(index_prefix: str, build: str) -> str:
    return f"{index_prefix}-{build}"


def alias(index_prefix: str, which: str) -> str:
    return f"{index_prefix}-{which}"


def transport_errors() -> tuple[type[BaseException], ...]:
    """What a client raises when the engine is down or refuses a request (HTTP and gRPC)."""
    from qdrant_client.http.exceptions import ApiException

    errors: list[type[BaseException]] = [ApiException, ConnectionError, TimeoutError]
    try:
        import httpx

        errors.append(httpx.HTTPError)
    except ImportError:
        pass
    try:
        import grpc

        errors.append(grpc.RpcError)
    except ImportError:
        pass
    return tuple(errors)


class Engine:
    """A client of one Qdrant (a server or cluster by URL, or the in-process engine in a folder)."""

    def __init__(self, client, where: str, remote: bool):
        self.client, self.where, self.remote = client, where, remote
        self.prefix = prefix()

    def call(self, what: str, fn, *args, **kwargs):
        """``fn(*args, **kwargs)``; a transport failure becomes one line naming the engine and what to do."""
        try:
            return fn(*args, **kwargs)
        except transport_errors() as exc:
            raise unavailable(self.where, exc, what) from exc

    # -- aliases ----------------------------------------------------------
    def aliases(self) -> dict[str, str]:
        found = self.call("list aliases", self.client.get_aliases).aliases
        return {a.alias_name: a.collection_name for a in found}

    def target(self, which: str) -> str | None:
        """The collection ``<prefix>-live`` (or ``-previous``) names now."""
        return self.aliases().get(alias(self.prefix, which))

    def build_of(self, collection: str | None) -> str | None:
        head = f"{self.prefix}-"
        return collection[len(head):] if collection and collection.startswith(head) else None

    # -- collections --------------------------------------------------------
    def collections(self) -> list[str]:
        return [c.name for c in self.call("list collections", self.client.get_collections).collections]

    def metadata(self, name: str) -> dict | None:
        """The collection's metadata, or None when there is no such collection."""
        if not self.call("look up a collection", self.client.collection_exists, name):
            return None
        info = self.call("read a collection", self.client.get_collection, name)
        return dict(info.config.metadata or {})

    def drop(self, name: str) -> None:
        for each in (name, name + CATALOG_SUFFIX):
            if self.call("look up a collection", self.client.collection_exists, each):
                self.call("delete a collection", self.client.delete_collection, each)


_clients: dict[tuple, Engine] = {}
_lock = threading.Lock()


def engine_for(folder: Path, url: str | None = None, path: str | None = None, api_key: str | None = None,
               create: bool = False) -> Engine:
    """The engine at ``url`` (a server) or ``path`` (in-process; default ``<folder>/qdrant``), shared per process.

    ``create``: the in-process engine may be made where there is none yet (publishing); readers
    get a one-line error instead.
    """
    models()  # qdrant-client installed?
    if url:
        key: tuple = ("url", url.rstrip("/"), api_key)
    else:
        where = Path(path) if path else Path(folder) / DEFAULT_PATH
        key = ("path", str(where.resolve()))
        if not create and not (where / "meta.json").is_file():
            raise IndexStateError(f"no Qdrant index at {where}: run `assistant index build --backend qdrant "
                                  f"--qdrant-path {where}` (or `assistant index publish`) first")
    with _lock:
        engine = _clients.get(key)
        if engine is None or getattr(engine.client, "closed", False) is True:
            engine = _clients[key] = _connect(key, api_key)
    return engine


def _connect(key: tuple, api_key: str | None) -> Engine:
    from qdrant_client import QdrantClient

    if key[0] == "url":
        url = key[1]
        client = QdrantClient(url=url, api_key=api_key, timeout=TIMEOUT_S, check_compatibility=False)
        engine = Engine(client, url, remote=True)
        engine.aliases()  # does it answer? (the client connects lazily)
        return engine
    where = key[1]
    try:
        client = QdrantClient(path=where)
    except RuntimeError as exc:  # its folder lock: another process has it open
        raise QdrantUnavailable(
            f"the in-process Qdrant engine at {where} is open in another process (a running `assistant ui`?): "
            "stop that process first, or serve the index from a Qdrant server (--qdrant-url)") from exc
    return Engine(client, where, remote=False)


def unavailable(where: str, exc: BaseException, what: str) -> QdrantUnavailable:
    status = getattr(exc, "status_code", None)
    if status in (401, 403):
        return QdrantUnavailable(f"Qdrant at {where} refused to {what} ({status}): "
                                 "set its API key in ASSISTANT_QDRANT_API_KEY")
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return QdrantUnavailable(f"Qdrant at {where} does not answer ({what}: {reason}): start it, or check "
                             "--qdrant-url / ASSISTANT_QDRANT_URL")


@atexit.register
def close_all() -> None:
    """Close every shared client (the in-process engine releases its folder lock); runs at exit."""
    with _lock:
        while _clients:
            _clients.popitem()[1].client.close()
