"""The Qdrant backend (being built): the index published into a Qdrant collection."""

from __future__ import annotations

from pathlib import Path

from corpus.errors import IndexStateError


def open_qdrant(folder: Path, url: str | None = None, path: str | None = None, api_key: str | None = None):
    raise IndexStateError("the Qdrant backend is not available in this version: use --backend local")
