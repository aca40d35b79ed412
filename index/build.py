"""Build an index directory from plan documents (re-embedding only what changed)."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from corpus.chunk import Chunk, ChunkerConfig, chunk_documents
from corpus.documents import Document
from corpus.errors import IndexStateError
from index import dense, store
from index.bm25 import build_bm25
from index.encoder import Encoder
from index.progress import progress_bar
from index.tokenize import tokenize


@dataclass(frozen=True)
class BuildReport:
    folder: str
    documents: int
    chunks: int
    encoded: int  # chunks embedded by this build
    reused: int  # chunks whose vectors came from the previous index
    seconds: float
    skipped: tuple[str, ...] = ()  # files left out, each "name: reason"


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
    """Vectors of the live index at ``folder`` by text key, if it was built with this model."""
    try:
        build = store.live_dir(folder)
        config = store.read_config(build)
        if config["model"]["fingerprint"] != model_fingerprint:
            return {}
        keys = [row["embed_key"] for row in store.read_jsonl(build / "chunks.jsonl")]
        vectors = dense.all_vectors(dense.load_faiss(build / "dense.faiss"))
    except (IndexStateError, KeyError, RuntimeError, OSError):
        return {}
    if len(keys) != len(vectors):
        return {}
    return dict(zip(keys, vectors))


def embed(chunks_text: list[str], encoder: Encoder, reuse: dict[str, np.ndarray], progress: bool) -> tuple[np.ndarray, int]:
    """Vectors for every text, encoding only texts whose key is not in ``reuse`` (each once)."""
    keys = [text_key(t) for t in chunks_text]
    todo = sorted({k: i for i, k in enumerate(keys) if k not in reuse}.values())
    vectors = {k: reuse[k] for k in keys if k in reuse}
    if todo:
        fresh = encoder.encode_passages([chunks_text[i] for i in todo], progress=progress)
        vectors.update({keys[i]: fresh[j] for j, i in enumerate(todo)})
    dim = len(next(iter(vectors.values()))) if vectors else encoder.dim
    matrix = np.stack([vectors[k] for k in keys]) if keys else np.zeros((0, dim), np.float32)
    return matrix.astype(np.float32), len(todo)


def chunk_row(chunk: Chunk, key: str) -> dict:
    row = asdict(chunk)
    row["path"] = list(chunk.path)
    row["embed_key"] = key
    return row


def build_index(
    docs: list[Document], folder: Path, model: str | None = None,
    chunker: ChunkerConfig = ChunkerConfig(), progress: bool = False, encoder: Encoder | None = None,
) -> BuildReport:
    """Chunk, tokenize, embed and write an index directory atomically."""
    started = time.perf_counter()
    encoder = encoder or Encoder(model)
    chunks = chunk_documents(docs, chunker)
    texts = [index_text(c) for c in chunks]
    bm25 = build_bm25([tokenize(t) for t in progress_bar(texts, "tokenize", progress, "chunk")])
    vectors, encoded = embed(texts, encoder, previous_vectors(folder, encoder.fingerprint), progress)
    config = {
        "format_version": store.FORMAT_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": {"name": encoder.name, "fingerprint": encoder.fingerprint, "dim": int(vectors.shape[1]) if len(vectors) else encoder.dim},
        "chunker": asdict(chunker),
        "corpus_fingerprint": corpus_fingerprint(docs, chunker),
        "documents": [
            {"doc_id": d.doc_id, "city": d.city, "title": d.title, "prefecture": d.prefecture, "period": d.period,
             "chars": len(d.text)} for d in docs
        ],
        "n_chunks": len(chunks),
    }

    def write(build: Path) -> None:
        store.write_jsonl(build / "chunks.jsonl", (chunk_row(c, text_key(t)) for c, t in zip(chunks, texts)))
        store.write_jsonl(build / "sources.jsonl", ({"doc_id": d.doc_id, "text": d.text} for d in docs))
        bm25.save(build / "bm25")
        dense.save_faiss(dense.build_faiss(vectors), build / "dense.faiss")
        (build / store.CONFIG).write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")

    store.write_atomically(folder, write)
    return BuildReport(str(folder), len(docs), len(chunks), encoded, len(chunks) - encoded, time.perf_counter() - started)

