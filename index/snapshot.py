"""Read one build of an index directory, checked: the plain data behind a loaded ``Index``.

Every load checks each file's size against the build's seal and that the
counts agree (documents, sources, chunks, the documents the chunks name, BM25
documents, vectors); small builds also have their checksums checked. A damaged
build raises IndexStateError with one line saying what is wrong and what to
run, never a traceback. ``deep_problems`` adds what ``assistant index verify``
checks on top: spans inside their sources, texts matching their recorded
hashes, finite unit vectors, BM25 postings in range.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.chunk import Chunk
from corpus.errors import IndexStateError
from index import columns, dense, integrity, store
from index.bm25 import BM25Index

CHARS_FIELD = "bm25_chars"  # the character-bigram BM25 field's folder in a build (index.chars)
LOAD_ATTEMPTS = 3  # a writer may swap CURRENT (and remove an old build) while we read


@dataclass(frozen=True)
class Snapshot:
    folder: Path
    build: Path
    config: dict
    seal: dict
    documents: dict[str, dict]  # doc_id -> documents.jsonl row
    sources: Mapping[str, str]  # a dict, or the table's texts decoded when read (index.columns)
    chunks: Sequence[Chunk]  # a list, or the table's chunks made when read
    bm25: BM25Index
    faiss: object
    bm25_chars: BM25Index | None = None  # the character-bigram field (builds before it have none)

    def counts(self) -> dict[str, int]:
        return counts(self.documents, self.sources, self.chunks, self.bm25.n_docs, self.faiss.ntotal)


def counts(documents, sources, chunks, bm25_docs: int, vectors: int) -> dict[str, int]:
    return {"documents": len(documents), "sources": len(sources), "chunks": len(chunks),
            "chunk_documents": columns.document_count(chunks), "bm25_documents": int(bm25_docs),
            "vectors": int(vectors)}


class DamagedBuild(IndexStateError):
    """A build whose files or counts do not agree with its seal; ``problems`` lists what is wrong."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.problems = tuple(problems)


def _damaged(folder: Path, build: Path, what: str | list[str]) -> DamagedBuild:
    problems = [what] if isinstance(what, str) else what
    return DamagedBuild(f"the index at {folder} is damaged (build {build.name}: {'; '.join(problems)}): "
                        f"{store.hint(folder)}", problems)


def read_documents(folder: Path, build: Path, record: dict | None = None) -> tuple[dict[str, dict], dict[str, str]]:
    """The plans of a build (metadata rows and texts), their files checked in full against the seal.

    Used by ``index add`` / ``remove``, which rebuild from these: a short or changed file is refused,
    so a damaged build can never silently drop plans.
    """
    record = record or integrity.read_seal(build, store.hint(folder))
    wanted = {k: v for k, v in record["files"].items() if k in ("documents.jsonl", "sources.jsonl")}
    problems = integrity.size_problems(build, {"files": wanted}) or integrity.checksum_problems(build, {"files": wanted})
    if problems:
        raise _damaged(folder, build, problems)
    return _documents(folder, build, record)[:2]


def _documents(folder: Path, build: Path, record: dict,
               table: bool = False) -> tuple[dict[str, dict], Mapping[str, str], columns.ChunkTable | None]:
    """The plans' metadata rows and texts; with ``table``, also the chunk table, whose plan texts are
    read from ``table/`` when asked for."""
    hint = store.hint(folder)
    documents = {row.get("doc_id"): row for row in store.read_jsonl(build / "documents.jsonl", hint)}
    chunks = None
    if table:
        try:
            chunks = columns.ChunkTable(build / columns.TABLE, documents)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise _damaged(folder, build, f"{columns.TABLE}: {exc}") from exc
        sources = chunks.sources
    else:
        sources = {row.get("doc_id"): row.get("text") for row in store.read_jsonl(build / "sources.jsonl", hint)}
    texts_ok = isinstance(sources, columns.TableSources) or all(isinstance(t, str) for t in sources.values())
    if set(documents) != set(sources) or not texts_ok:
        raise _damaged(folder, build, f"{len(documents)} documents but {len(sources)} source texts, not the same plans")
    expected = record.get("counts", {})
    problems = integrity.count_problems(expected, {"documents": len(documents), "sources": len(sources)})
    if problems:
        raise _damaged(folder, build, problems)
    return documents, sources, chunks


def _chunk(row: dict, documents: dict[str, dict]) -> Chunk:
    doc = documents[row["doc_id"]]
    return Chunk(row["chunk_id"], row["doc_id"], doc["city"], doc.get("title", ""), tuple(row["path"]),
                 row["text"], row["start"], row["end"], row.get("kind", "text"), row.get("page"), row.get("page_end"))


def load(folder: Path, checksums: bool | None = None) -> Snapshot:
    """The live build of ``folder``, checked (see the module docstring).

    Args:
        checksums: check every file's checksum (None: only when the build is at most
            ``integrity.CHECKSUM_ON_LOAD_BYTES``).
    """
    folder = Path(folder)
    for attempt in range(LOAD_ATTEMPTS):
        name = store.current_build_name(folder)
        try:
            return load_build(folder, store.live_dir(folder), checksums)
        except IndexStateError:
            if attempt + 1 < LOAD_ATTEMPTS and store.current_build_name(folder) != name:
                continue  # a writer made another build live while we read this one: read that one
            raise
    raise AssertionError("unreachable")


def load_build(folder: Path, build: Path, checksums: bool | None) -> Snapshot:
    config = store.read_config(build)
    record = integrity.read_seal(build, store.hint(folder))
    problems = integrity.size_problems(build, record)
    if not problems and (checksums or (checksums is None and integrity.total_bytes(record) <= integrity.CHECKSUM_ON_LOAD_BYTES)):
        problems = integrity.checksum_problems(build, record)
    if problems:
        raise _damaged(folder, build, problems)
    table = (build / columns.TABLE / columns.META).is_file()  # builds before the table load from the JSON lines
    documents, sources, chunks = _documents(folder, build, record, table)
    if chunks is None:
        rows = store.read_jsonl(build / "chunks.jsonl", store.hint(folder))
        try:
            chunks = [_chunk(row, documents) for row in rows]
        except (KeyError, TypeError) as exc:
            raise _damaged(folder, build, f"chunks.jsonl: a chunk lacks {exc}") from exc
    try:
        bm25 = BM25Index.load(build / "bm25", mmap=True)
        bm25_chars = BM25Index.load(build / CHARS_FIELD, mmap=True) if (build / CHARS_FIELD).is_dir() else None
        faiss_index = dense.load_faiss(build / "dense.faiss")
    except (OSError, ValueError, RuntimeError, EOFError, KeyError, TypeError) as exc:
        raise _damaged(folder, build, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    snapshot = Snapshot(folder, build, config, record, documents, sources, chunks, bm25, faiss_index, bm25_chars)
    problems = integrity.count_problems(record.get("counts", {}), snapshot.counts())
    if bm25_chars is not None and bm25_chars.n_docs != bm25.n_docs:
        problems.append(f"inconsistent: {bm25_chars.n_docs} character-bigram documents, {bm25.n_docs} BM25 documents")
    if len({len(chunks), bm25.n_docs, faiss_index.ntotal}) != 1:
        problems.insert(0, f"inconsistent: {len(chunks)} chunks, {bm25.n_docs} BM25 documents, {faiss_index.ntotal} vectors")
    if faiss_index.d != config["model"]["dim"]:
        problems.append(f"{faiss_index.d}-d vectors, not {config['model']['dim']}")
    if problems:
        raise _damaged(folder, build, problems)
    return snapshot


def deep_problems(snapshot: Snapshot) -> list[str]:
    """What ``assistant index verify`` checks beyond a load: every file's checksum and the data itself."""
    problems = integrity.checksum_problems(snapshot.build, snapshot.seal)
    for doc_id, row in snapshot.documents.items():
        text = snapshot.sources[doc_id]
        if row.get("sha256") and hashlib.sha256(text.encode("utf-8")).hexdigest() != row["sha256"]:
            problems.append(f"the text of {doc_id} does not match its recorded hash")
    bad_spans = [c.chunk_id for c in snapshot.chunks if not 0 <= c.start < c.end <= len(snapshot.sources[c.doc_id])]
    if bad_spans:
        problems.append(f"{len(bad_spans)} chunk spans lie outside their source (first: {bad_spans[0]})")
    if isinstance(snapshot.chunks, columns.ChunkTable):
        problems += _table_problems(snapshot)
    problems += _vector_problems(dense.all_vectors(snapshot.faiss))
    problems += _bm25_problems(snapshot.bm25)
    if snapshot.bm25_chars is not None:
        problems += [f"character bigrams: {p}" for p in _bm25_problems(snapshot.bm25_chars)]
    return problems


def _table_problems(snapshot: Snapshot) -> list[str]:
    """Whether ``table/`` says what chunks.jsonl and sources.jsonl say (the load reads the table)."""
    hint = store.hint(snapshot.folder)
    try:
        rows = store.read_jsonl(snapshot.build / "chunks.jsonl", hint)
        texts = {r.get("doc_id"): r.get("text") for r in store.read_jsonl(snapshot.build / "sources.jsonl", hint)}
        listed = [_chunk(row, snapshot.documents) for row in rows]
    except (IndexStateError, KeyError, TypeError) as exc:
        return [f"chunks.jsonl or sources.jsonl cannot be read ({exc})"]
    problems = []
    if len(listed) != len(snapshot.chunks):
        problems.append(f"{columns.TABLE} holds {len(snapshot.chunks)} chunks, chunks.jsonl {len(listed)}")
    else:
        differ = [c.chunk_id for c, t in zip(listed, snapshot.chunks) if c != t]
        if differ:
            problems.append(f"{len(differ)} chunks of {columns.TABLE} differ from chunks.jsonl (first: {differ[0]})")
    keys = columns.embed_keys(snapshot.build / columns.TABLE)
    if keys is not None and keys != [row.get("embed_key") for row in rows]:
        problems.append(f"the embedding keys of {columns.TABLE} differ from chunks.jsonl")
    if texts != dict(snapshot.sources.items()):
        problems.append(f"the plan texts of {columns.TABLE} differ from sources.jsonl")
    return problems


def _vector_problems(vectors: np.ndarray) -> list[str]:
    if not len(vectors):
        return []
    if not np.isfinite(vectors).all():
        return [f"{int((~np.isfinite(vectors).all(1)).sum())} vectors hold NaN or infinite values"]
    norms = np.linalg.norm(vectors, axis=1)
    off = np.flatnonzero(np.abs(norms - 1) > 1e-3)
    return [f"{len(off)} vectors are not unit length (first: chunk #{off[0]})"] if len(off) else []


def _bm25_problems(bm25: BM25Index) -> list[str]:
    problems = []
    if (np.diff(bm25.ptr) < 0).any() or bm25.ptr[0] != 0:
        problems.append("BM25 postings pointers are not increasing")
    if len(bm25.doc_ids) and (bm25.doc_ids.min() < 0 or bm25.doc_ids.max() >= bm25.n_docs):
        problems.append("BM25 postings name documents that do not exist")
    if (bm25.tfs <= 0).any() or (bm25.doc_len < 0).any() or not np.isfinite(bm25.doc_len).all():
        problems.append("BM25 term frequencies or document lengths are out of range")
    return problems
