"""The plain baseline: fixed character windows with overlap, no structure at all.

What a generic retrieval pipeline does with a document (400-character windows,
100 overlapping): ``assistant eval --baseline window`` indexes the same
documents this way, with the same tokenizer and model, so that every run shows
whether section chunking beats it.
"""

from __future__ import annotations

from corpus.documents import Document
from corpus.normalize import normalize


def window_chunks(doc: Document, size: int = 400, overlap: int = 100) -> list:
    """``doc.text`` cut every ``size - overlap`` characters into ``size``-character windows."""
    from corpus.chunk import Chunk  # corpus.chunk imports this module

    if size <= overlap:
        raise ValueError("a window must be longer than its overlap")
    chunks, text = [], doc.text
    for start in range(0, max(len(text) - overlap, 1), size - overlap):
        end = min(len(text), start + size)
        body = normalize(text[start:end])
        if body:
            chunks.append(Chunk(f"{doc.doc_id}:{start}-{end}", doc.doc_id, doc.city, doc.title, (), body, start, end,
                                "window", doc.page_of(start), doc.page_of(end - 1)))
    return chunks
