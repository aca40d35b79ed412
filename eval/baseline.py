"""The window baseline beside our pipeline: the same documents, tokenizer and model, 400-character windows.

``baseline_index`` builds (or refreshes: unchanged windows keep their vectors)
a window index of the given documents in a folder of its own, so that a second
``assistant eval --baseline window`` embeds nothing.
"""

from __future__ import annotations

from pathlib import Path

from corpus.chunk import ChunkerConfig
from corpus.documents import Document
from index.build import build_index
from index.search import Index

WINDOW = ChunkerConfig(window=400, overlap=100)
NAME = "window 400/100"


def baseline_index(docs: list[Document], folder: Path, encoder, progress: bool = False) -> Index:
    build_index(docs, folder, encoder=encoder, chunker=WINDOW, progress=progress)
    return Index.load(folder, encoder=encoder)
