"""Chunks and plan texts as columns: a large index opens without parsing them.

``chunks.jsonl`` and ``sources.jsonl`` stay the readable record of a build; ``table/`` holds the
same data as numpy arrays and UTF-8 blobs, which a load maps instead of parsing::

    table/meta.json            counts; the documents' order, chunk kinds and heading paths (string tables)
    table/doc.npy              int32 per chunk: its document (position in meta's doc_ids)
    table/start.npy, end.npy   int64 per chunk: its span in its document's text
    table/page.npy, page_end.npy  int32 per chunk (-1: no page, text formats)
    table/kind.npy, path.npy   per chunk: position in meta's kinds / paths
    table/ids.bin, ids.at.npy  chunk ids, UTF-8, and their byte offsets (n + 1)
    table/text.bin, text.at.npy   chunk texts
    table/source.bin, source.at.npy   the plans' texts, in meta's doc_ids order
    table/keys.bin, keys.at.npy       each chunk's embedding key (what the next build reuses vectors by)

A loaded ``ChunkTable`` is a sequence of ``Chunk`` that decodes a chunk when it is read, and
``TableSources`` a mapping that decodes a plan's text when it is read (the last few are kept).
Builds written before the table existed have none and load from the JSON lines as before.
"""

from __future__ import annotations

import json
import mmap
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from corpus.chunk import Chunk

TABLE = "table"
META = "meta.json"
VERSION = 1
SOURCES_KEPT = 32  # decoded plan texts kept in memory (a national answer quotes one plan per city)


def write_table(folder: Path, doc_ids: list[str], texts: Iterable[str], chunks: list[Chunk],
                keys: Iterable[str] | None = None) -> None:
    """Write ``chunks`` and the plans' ``texts`` (in ``doc_ids`` order) as ``folder`` (a new directory);
    ``keys``: the chunks' embedding keys (``keys.bin``: the next build reuses vectors by them)."""
    folder.mkdir()
    order = {d: i for i, d in enumerate(doc_ids)}
    kinds = sorted({c.kind for c in chunks})
    paths: dict[tuple[str, ...], int] = {}
    for c in chunks:
        paths.setdefault(c.path, len(paths))
    kind_of = {k: i for i, k in enumerate(kinds)}
    columns = {
        "doc": np.fromiter((order[c.doc_id] for c in chunks), np.int32, len(chunks)),
        "start": np.fromiter((c.start for c in chunks), np.int64, len(chunks)),
        "end": np.fromiter((c.end for c in chunks), np.int64, len(chunks)),
        "page": np.fromiter((-1 if c.page is None else c.page for c in chunks), np.int32, len(chunks)),
        "page_end": np.fromiter((-1 if c.page_end is None else c.page_end for c in chunks), np.int32, len(chunks)),
        "kind": np.fromiter((kind_of[c.kind] for c in chunks), np.uint8, len(chunks)),
        "path": np.fromiter((paths[c.path] for c in chunks), np.int32, len(chunks)),
    }
    for name, values in columns.items():
        np.save(folder / f"{name}.npy", values, allow_pickle=False)
    _write_blob(folder / "ids", (c.chunk_id for c in chunks))
    _write_blob(folder / "text", (c.text for c in chunks))
    _write_blob(folder / "source", texts)
    if keys is not None:
        _write_blob(folder / "keys", keys)
    meta = {"version": VERSION, "chunks": len(chunks), "doc_ids": list(doc_ids), "kinds": kinds,
            "paths": [list(p) for p in paths]}
    (folder / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _write_blob(stem: Path, texts: Iterable[str]) -> None:
    offsets = [0]
    with stem.with_suffix(".bin").open("wb") as fh:
        for text in texts:
            data = text.encode("utf-8")
            fh.write(data)
            offsets.append(offsets[-1] + len(data))
    np.save(stem.with_suffix(".at.npy"), np.asarray(offsets, dtype=np.int64), allow_pickle=False)


class Blob(Sequence[str]):
    """Strings stored end to end in one UTF-8 file, read through a memory map."""

    def __init__(self, stem: Path):
        self.at = np.load(stem.with_suffix(".at.npy"), allow_pickle=False)
        path = stem.with_suffix(".bin")
        size = path.stat().st_size
        if self.at.ndim != 1 or not len(self.at) or self.at[0] != 0 or int(self.at[-1]) != size or (np.diff(self.at) < 0).any():
            raise ValueError(f"{path.name}: its offsets do not fit the file")
        with path.open("rb") as fh:
            self._data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""

    def __len__(self) -> int:
        return len(self.at) - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        return self._data[int(self.at[i]):int(self.at[i + 1])].decode("utf-8")


class ChunkTable(Sequence[Chunk]):
    """The chunks of a build, read from ``table/``: a ``Chunk`` is made when one is read."""

    def __init__(self, folder: Path, documents: Mapping[str, dict]):
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if meta.get("version") != VERSION:
            raise ValueError(f"{TABLE}/{META}: version {meta.get('version')}, this program reads {VERSION}")
        self.doc_ids: list[str] = meta["doc_ids"]
        missing = [d for d in self.doc_ids if d not in documents]
        if missing:
            raise ValueError(f"{TABLE}: plan {missing[0]} is not in documents.jsonl")
        self.kinds: list[str] = meta["kinds"]
        self.paths = [tuple(p) for p in meta["paths"]]
        columns = {n: np.load(folder / f"{n}.npy", allow_pickle=False)
                   for n in ("doc", "start", "end", "page", "page_end", "kind", "path")}
        self.ids, self.texts = Blob(folder / "ids"), Blob(folder / "text")
        n = meta["chunks"]
        if any(len(c) != n for c in columns.values()) or len(self.ids) != n or len(self.texts) != n:
            raise ValueError(f"{TABLE}: its columns do not all hold {n} chunks")
        if n and (columns["doc"].min() < 0 or columns["doc"].max() >= len(self.doc_ids)
                  or columns["path"].min() < 0 or columns["path"].max() >= len(self.paths)
                  or int(columns["kind"].max()) >= len(self.kinds)):
            raise ValueError(f"{TABLE}: a chunk names a plan, kind or heading path that is not there")
        self.doc, self.start, self.end = columns["doc"], columns["start"], columns["end"]
        self.page, self.page_end, self.kind, self.path = (columns["page"], columns["page_end"], columns["kind"],
                                                          columns["path"])
        self._docs = [(d, documents[d].get("city", ""), documents[d].get("title", "")) for d in self.doc_ids]
        self.sources = TableSources(folder, self.doc_ids)  # the plans' texts, from the same table

    def __len__(self) -> int:
        return len(self.doc)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i = int(i) % len(self)
        doc_id, city, title = self._docs[self.doc[i]]
        page, page_end = int(self.page[i]), int(self.page_end[i])
        return Chunk(self.ids[i], doc_id, city, title, self.paths[self.path[i]], self.texts[i],
                     int(self.start[i]), int(self.end[i]), self.kinds[self.kind[i]],
                     None if page < 0 else page, None if page_end < 0 else page_end)

    def __iter__(self) -> Iterator[Chunk]:
        return (self[i] for i in range(len(self)))

    def cities(self) -> dict[str, np.ndarray]:
        """Each city's chunk positions, in order (from the document column: no chunk is decoded)."""
        city_of_doc = np.asarray([city for _, city, _ in self._docs], dtype=object)
        names, code = np.unique(city_of_doc, return_inverse=True) if len(city_of_doc) else ((), np.zeros(0, int))
        chunk_city = np.asarray(code, dtype=np.int64)[self.doc] if len(self) else np.zeros(0, np.int64)
        by = np.argsort(chunk_city, kind="stable")
        bounds = np.searchsorted(chunk_city[by], np.arange(len(names) + 1))
        held = [(int(by[bounds[k]]), str(name), by[bounds[k]:bounds[k + 1]])
                for k, name in enumerate(names) if bounds[k + 1] > bounds[k]]
        return {name: ids for _, name, ids in sorted(held, key=lambda h: h[0])}  # in order of first appearance

    def document_count(self) -> int:
        """How many plans have chunks."""
        return len(np.unique(self.doc))


class TableSources(Mapping[str, str]):
    """The plans' texts by doc_id, decoded from ``table/source.bin`` when read."""

    def __init__(self, folder: Path, doc_ids: list[str]):
        self.blob = Blob(folder / "source")
        if len(self.blob) != len(doc_ids):
            raise ValueError(f"{TABLE}: {len(self.blob)} plan texts for {len(doc_ids)} plans")
        self._order = {d: i for i, d in enumerate(doc_ids)}
        self._kept: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()  # a server's threads read plans at once

    def __getitem__(self, doc_id: str) -> str:
        with self._lock:
            text = self._kept.get(doc_id)
        if text is None:
            text = self.blob[self._order[doc_id]]  # KeyError for a plan that is not here
            with self._lock:
                self._kept[doc_id] = text
                while len(self._kept) > SOURCES_KEPT:
                    self._kept.popitem(last=False)
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, doc_id) -> bool:
        return doc_id in self._order


def city_positions(chunks: Sequence[Chunk]) -> dict[str, np.ndarray]:
    """Each city's chunk positions: from the table's columns, or by reading a list of chunks."""
    if isinstance(chunks, ChunkTable):
        return chunks.cities()
    by_city: dict[str, list[int]] = {}
    for i, chunk in enumerate(chunks):
        by_city.setdefault(chunk.city, []).append(i)
    return {c: np.asarray(ids, dtype=np.int64) for c, ids in by_city.items()}


def document_count(chunks: Sequence[Chunk]) -> int:
    if isinstance(chunks, ChunkTable):
        return chunks.document_count()
    return len({c.doc_id for c in chunks})


def chunk_ids(chunks: Sequence[Chunk]) -> Sequence[str]:
    """The chunk ids in order (the table's without making chunks)."""
    return chunks.ids if isinstance(chunks, ChunkTable) else [c.chunk_id for c in chunks]


def embed_keys(folder: Path) -> list[str] | None:
    """The chunks' embedding keys from a table at ``folder``, or None when it has none."""
    if not (folder / "keys.bin").is_file():
        return None
    return list(Blob(folder / "keys"))
