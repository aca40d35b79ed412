"""A large, real-text passage corpus for timing embedding builds (``eval.gpu_build``).

Sources are real chunk texts, exactly what ``assistant index build`` embeds (``index_text`` of
``corpus.chunk`` chunks): the five bundled plans, and the external documents in
``../shared/external`` (Digital Agency guidebooks, the open-data report, JSQuAD and JaQuAD
paragraphs, municipal bulletin articles), each chunked with the default chunker.

``replicate`` grows them to any size, deterministically from a seed: the sources come first,
verbatim; every further passage copies the heading line and the length of a source passage
drawn at random, and fills that length with whole sentences drawn at random from all sources
(cut at the length). So the passage lengths follow the real chunks' distribution and every
sentence is real text, though the passages past the sources are recombinations.

Only ``replicate`` and ``read_sources`` run on the accelerator machine (numpy and the standard
library); ``collect_sources`` needs the project's readers.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
from pathlib import Path

import numpy as np

RECIPE = "gpucorpus-1"  # bump when ``replicate`` changes: the carry records it
SENTENCE_END = re.compile(r"(?<=[。！？!?\n])")


def collect_sources(external: Path | None) -> tuple[list[str], dict[str, int]]:
    """Distinct ``index_text`` of every chunk of the plans and external documents, and a count per source."""
    from corpus.chunk import chunk_documents
    from corpus.documents import Document, load_folder, read_plan
    from index.build import index_text

    groups: dict[str, list[Document]] = {"plans": load_folder()}
    if external is not None:
        groups["external-documents"] = [read_plan(p, {"city": "-"}) for p in sorted(external.glob("*/*.md"))]
        groups["external-paragraphs"] = [
            Document(str(r["doc_id"]), r["text"], r.get("title") or "-", r.get("title") or "")
            for name in ("jsquad", "jaquad") for r in _jsonl(external / name / "corpus.jsonl")
        ]
        groups["external-bulletins"] = [_bulletin(p, i, row) for p in sorted(external.glob("municipal-bulletins/*.csv"))
                                        for i, row in enumerate(_csv(p))]
    seen: dict[str, None] = {}
    counts = {}
    for name, docs in groups.items():
        texts = [index_text(c) for c in chunk_documents(docs)]
        counts[name] = len(texts)
        seen.update(dict.fromkeys(texts))
    return list(seen), counts


def _jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [row for row in csv.DictReader(f) if (row.get("記事本文") or "").strip()]


def _bulletin(path: Path, i: int, row: dict):
    from corpus.documents import Document

    text = f"# {row.get('記事タイトル', '')}\n{row['記事本文']}"
    return Document(f"{path.stem}-{i}", text, row.get("自治体名") or "-", row.get("発行号タイトル") or "")


def write_sources(texts: list[str], path: Path) -> None:
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
        for t in texts:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")


def read_sources(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text) if s.strip()]


def replicate(sources: list[str], n: int, seed: int) -> list[str]:
    """``n`` passages: the sources verbatim, then seeded recombinations of their sentences (see module doc)."""
    if n <= len(sources):
        return sources[:n]
    heads, bodies = zip(*(_split_head(t) for t in sources))
    pool = [s for body in bodies for s in sentences(body)]
    out = list(sources)
    draws = _uniform(np.random.default_rng(seed))  # one stream, read in order: a smaller n gives a prefix
    while len(out) < n:
        t = int(next(draws) * len(sources))
        want = len(sources[t])
        parts, size = [heads[t], "\n"], len(heads[t]) + 1
        while size < want:
            s = pool[int(next(draws) * len(pool))]
            parts.append(s)
            size += len(s)
        out.append("".join(parts)[:want].strip())
    return out


def _uniform(rng: np.random.Generator, block: int = 1 << 20):
    while True:
        yield from rng.random(block).tolist()


def _split_head(text: str) -> tuple[str, str]:
    """``index_text`` is "city section" on its first line, then the chunk's text."""
    head, _, body = text.partition("\n")
    return (head, body) if body else ("", head)


def digest(texts: list[str]) -> str:
    """A short hash of a list of texts, so the machine that regenerates them can check it got the same list."""
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]
