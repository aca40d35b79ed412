"""Build an index directory from plan documents (re-embedding only what changed)."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from corpus.chunk import Chunk, ChunkerConfig, chunk_documents
from corpus.documents import Document, distinct_cities
from corpus.errors import CorpusError, IndexStateError
from corpus.legend import legend
from index import columns, dense, shards, snapshot, store
from index.bm25 import build_bm25
from index.chars import bigrams
from index.device import resolve_device
from index.encoder import Encoder
from index.lock import WriterLock
from index.progress import progress_bar
from index.snapshot import CHARS_FIELD
from index.tokenize import tokenize_many


@dataclass(frozen=True)
class BuildReport:
    folder: str
    documents: int
    chunks: int
    encoded: int  # chunks embedded by this build
    reused: int  # chunks whose vectors came from the previous index (or from an interrupted build's shards)
    seconds: float
    skipped: tuple[str, ...] = ()  # files left out, each "name: reason"
    resumed: int = 0  # of the reused: chunks whose vectors came from an interrupted build's shards (index.shards)
    stages: tuple[tuple[str, float], ...] = ()  # seconds per stage: chunk, tokenize, embed, index (dense), write


@dataclass(frozen=True)
class Embedded:
    vectors: np.ndarray  # one row per text
    encoded: int  # distinct texts embedded now
    resumed: int  # distinct texts taken from the shards of an interrupted build
    backend: str | None  # what embedded them (None: nothing was embedded)


def index_text(chunk: Chunk) -> str:
    """What BM25 and the encoder see: city and heading path give a passage its context."""
    return f"{chunk.city} {chunk.section}\n{chunk.text}".strip()


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def corpus_fingerprint(docs: list[Document], chunker: ChunkerConfig) -> str:
    digest = hashlib.sha256(json.dumps(asdict(chunker), sort_keys=True).encode())
    for doc in sorted(docs, key=lambda d: d.doc_id):
        digest.update(f"{doc.doc_id}\0{doc.city}\0{doc.title}\0".encode())
        digest.update(hashlib.sha256(doc.text.encode("utf-8")).digest())
    return digest.hexdigest()[:16]


def previous_vectors(folder: Path, model_fingerprint: str) -> dict[str, np.ndarray]:
    """Vectors of the live index at ``folder`` by text key, if it was built with this model (any format version)."""
    try:
        build = store.live_dir(folder) if (folder / store.POINTER).exists() else None
        if build is None:
            return {}
        config = json.loads((build / store.CONFIG).read_text(encoding="utf-8"))
        if config["model"]["fingerprint"] != model_fingerprint:
            return {}
        # the table's keys when it has them: at a million chunks, parsing chunks.jsonl took GBs
        keys = columns.embed_keys(build / columns.TABLE)
        if keys is None:
            keys = [row["embed_key"] for row in store.read_jsonl(build / "chunks.jsonl")]
        vectors = dense.all_vectors(dense.load_faiss(build / "dense.faiss"))
    except (IndexStateError, KeyError, TypeError, ValueError, RuntimeError, OSError):
        return {}
    if len(keys) != len(vectors) or not np.isfinite(vectors).all():
        return {}
    return dict(zip(keys, vectors))


def embed(chunks_text: list[str], encoder: Encoder, reuse: dict[str, np.ndarray], progress: bool,
          folder: Path | None = None, runner: shards.Runner | None = None) -> Embedded:
    """Vectors for every text, encoding only texts whose key is not in ``reuse`` (each once).

    With ``folder`` (an index directory whose writer lock the caller holds), they are embedded in
    resumable shards there (``index.shards``) by ``runner`` (default: ``encoder`` in this process).
    """
    keys = [text_key(t) for t in chunks_text]
    todo = sorted({k: i for i, k in enumerate(keys) if k not in reuse}.values())
    vectors = {k: reuse[k] for k in keys if k in reuse}
    resumed, backend = 0, None
    if todo:
        texts = [chunks_text[i] for i in todo]
        if folder is None:
            fresh, backend = encoder.encode_passages(texts, progress=progress), encoder.backend
        else:
            runner = runner or shards.LocalRunner(encoder)
            fresh, resumed = shards.embed_resumable(folder, texts, [keys[i] for i in todo], encoder.fingerprint,
                                                    runner, progress)
            backend = runner.backend
        vectors.update({keys[i]: fresh[j] for j, i in enumerate(todo)})
    dim = len(next(iter(vectors.values()))) if vectors else encoder.dim
    matrix = np.stack([vectors[k] for k in keys]) if keys else np.zeros((0, dim), np.float32)
    return Embedded(matrix.astype(np.float32), len(todo) - resumed, resumed, backend)


def chunk_row(chunk: Chunk, key: str) -> dict:
    """A chunks.jsonl row: its document's title and city live once in documents.jsonl."""
    row = asdict(chunk)
    del row["doc_title"], row["city"]
    if row["page"] is None:  # text formats have no pages: keep their rows as they were
        del row["page"], row["page_end"]
    row["path"] = list(chunk.path)
    row["embed_key"] = key
    return row


def document_row(doc: Document) -> dict:
    return {"doc_id": doc.doc_id, "city": doc.city, "title": doc.title, "prefecture": doc.prefecture,
            "period": doc.period, "chars": len(doc.text), "sha256": hashlib.sha256(doc.text.encode("utf-8")).hexdigest(),
            "path": doc.path, "format": Path(doc.doc_id).suffix.lower().lstrip("."),
            "pages": list(doc.pages), "source_map": [list(s) for s in doc.source_map], "legend": legend(doc.text)}


def build_index(
    docs: list[Document], folder: Path, model: str | None = None,
    chunker: ChunkerConfig = ChunkerConfig(), progress: bool = False, encoder: Encoder | None = None,
    lock: WriterLock | None = None, wait: bool = True, on_wait: Callable[[str], None] | None = None,
    device: str | None = None, runner: shards.Runner | None = None,
) -> BuildReport:
    """Chunk, tokenize, embed and write an index directory atomically.

    Holds the folder's writer lock throughout (``lock`` if the caller already holds it; else one is
    taken, waiting for another writer when ``wait``, calling ``on_wait`` with a message first).
    ``device``: where passages are embedded ("auto", "cpu", "cuda"; ``index.device``).
    ``runner``: what embeds the shards instead (e.g. Ray actors: ``index.distributed.ray_build``).
    The vectors are embedded in resumable shards (``index.shards``): a killed build run again
    embeds only what it had not finished.
    """
    folder = Path(folder)
    if lock is None or not lock.held:
        if encoder is None and runner is None:
            resolve_device(device)  # "cuda" without a GPU fails before the folder is made and locked
        with WriterLock(folder, wait=wait, on_wait=on_wait) as own:
            return build_index(docs, folder, model, chunker, progress, encoder, lock=own, device=device, runner=runner)
    started = time.perf_counter()
    repeated = sorted(doc_id for doc_id, n in Counter(d.doc_id for d in docs).items() if n > 1)
    if repeated:
        raise CorpusError(f"two plans have the same file name ({', '.join(repeated)}): rename one of them")
    docs = distinct_cities(docs)  # 伊達市 of 北海道 and of 福島県 stay two cities
    encoder = encoder or Encoder(model, device=device)
    backend = encoder.backend if runner is None else None
    clock = _Clock()
    chunks = chunk_documents(docs, chunker)
    texts = [index_text(c) for c in chunks]
    clock.lap("chunk")
    bm25 = build_bm25(progress_bar(tokenize_many(texts), "tokenize", progress, "chunk", total=len(texts)))
    bm25_chars = build_bm25(bigrams(t) for t in texts)
    clock.lap("tokenize")
    embedded = embed(texts, encoder, previous_vectors(folder, encoder.fingerprint), progress, folder, runner)
    vectors, encoded, backend = embedded.vectors, embedded.encoded, embedded.backend or backend or encoder.backend
    counts = snapshot.counts(docs, docs, chunks, bm25.n_docs, len(vectors))
    clock.lap("embed")
    vectors_index = dense.build_faiss(vectors)  # exact, or an inverted file from dense.ANN_FROM vectors
    clock.lap("index")
    config = {
        "format_version": store.FORMAT_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": {"name": encoder.name, "fingerprint": encoder.fingerprint, "dim": int(vectors.shape[1]) if len(vectors) else encoder.dim,
                  "backend": backend},
        "chunker": asdict(chunker),
        "dense": {"kind": vectors_index.kind, "nprobe": vectors_index.nprobe if vectors_index.kind != "flat" else None},
        "corpus_fingerprint": corpus_fingerprint(docs, chunker),
        "counts": counts,
        "n_chunks": len(chunks),
    }

    def write(build: Path) -> None:
        store.write_jsonl(build / "documents.jsonl", (document_row(d) for d in docs))
        store.write_jsonl(build / "sources.jsonl", ({"doc_id": d.doc_id, "text": d.text} for d in docs))
        store.write_jsonl(build / "chunks.jsonl", (chunk_row(c, text_key(t)) for c, t in zip(chunks, texts)))
        columns.write_table(build / columns.TABLE, [d.doc_id for d in docs], (d.text for d in docs), chunks,
                            (text_key(t) for t in texts))
        bm25.save(build / "bm25")
        bm25_chars.save(build / CHARS_FIELD)
        dense.save_faiss(vectors_index, build / "dense.faiss")
        (build / store.CONFIG).write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")

    store.write_atomically(folder, write, lock=lock, counts=lambda: counts)
    shards.remove_stale(folder, {text_key(t) for t in texts})  # this build's shards, and abandoned ones
    clock.lap("write")
    return BuildReport(str(folder), len(docs), len(chunks), encoded, len(chunks) - encoded, time.perf_counter() - started,
                       resumed=embedded.resumed, stages=tuple(clock.laps))


class _Clock:
    """Seconds per build stage (``BuildReport.stages``)."""

    def __init__(self):
        self.laps: list[tuple[str, float]] = []
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, round(now - self._last, 3)))
        self._last = now
