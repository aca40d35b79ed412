"""Extracted text kept per file hash, so that rebuilding an index does not extract a PDF again.

The key is the file's SHA-256 with a hash of the reader's own source, so a
changed reader never serves text from its older self. Entries are plain JSON
files written atomically; an unreadable one is ignored and written anew, and a
cache that cannot be written (a read-only home) only costs the time.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from corpus.readers import Extracted

CACHE_ENV = "ASSISTANT_EXTRACT_CACHE"


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "municipal-plan-assistant" / "extracted"
    return Path(os.environ.get(CACHE_ENV) or default)


@lru_cache(maxsize=8)
def _reader_hash(module: str) -> str:
    source = Path(sys.modules[module].__file__).read_bytes()
    return hashlib.sha256(source).hexdigest()[:12]


def cached(read: Callable[[bytes, str], Extracted], data: bytes, name: str) -> Extracted:
    """``read(data, name)``, or what it returned before for the same bytes and the same reader."""
    key = f"{hashlib.sha256(data).hexdigest()}-{_reader_hash(read.__module__)}"
    path = cache_dir() / f"{key}.json"
    try:
        row = json.loads(path.read_text(encoding="utf-8"))
        return Extracted(row["text"], tuple(tuple(s) for s in row["source_map"]), tuple(row["pages"]), row["meta"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    extracted = read(data, name)
    row = {"text": extracted.text, "source_map": extracted.source_map, "pages": extracted.pages, "meta": extracted.meta}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as fh:
            json.dump(row, fh, ensure_ascii=False)
        os.replace(fh.name, path)
    except OSError:
        pass
    return extracted
