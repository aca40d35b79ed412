"""Read plan files of any supported format (``corpus.readers``) and their manifest metadata."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from corpus.errors import CorpusError
from corpus.intake import MAX_PLAN_BYTES, folder_entries, max_plan_bytes, read_bytes
from corpus.readers import Extracted, reader_for
from corpus.readers.cache import cached
from corpus.readers.text import front_matter  # noqa: F401 - part of this module's API since v1

BUNDLED_DIR = Path(__file__).resolve().parent / "plans"
MANIFEST_NAME = "manifest.json"
MAX_META_CHARS = 200  # a title (or city, period …) longer than this is cut: it is copied into every answer
ENCODINGS = ("utf-8-sig", "cp932")


@dataclass(frozen=True)
class Document:
    """One plan: its decoded source text and what we know about it."""

    doc_id: str  # the source file name: citations point into this file's decoded text
    text: str
    city: str
    title: str
    prefecture: str = ""
    period: str = ""
    path: str = ""
    pages: tuple[int, ...] = ()  # PDF: offset in ``text`` where each page starts (corpus.readers.Extracted)
    source_map: tuple[tuple[int, int, int, int], ...] = ()  # text spans -> spans of the original file

    def page_of(self, offset: int) -> int | None:
        """The 1-based page holding ``offset`` of the text; None for formats without pages."""
        return Extracted(self.text, (), self.pages).page_of(offset) if self.pages else None


def distinct_cities(docs: list[Document]) -> list[Document]:
    """Plans of different municipalities that share a name (伊達市 in 北海道 and in 福島県: 25 names
    are shared by 57 of Japan's 1,741 municipalities) are told apart by their prefecture's name in
    front (北海道伊達市, 福島県伊達市), as official lists write them. Other cities keep their names."""
    def bare(doc: Document) -> str:
        pref = doc.prefecture
        return doc.city[len(pref):] if pref and doc.city.startswith(pref) and len(doc.city) > len(pref) else doc.city

    prefectures: dict[str, set[str]] = {}
    for doc in docs:
        if doc.city:
            prefectures.setdefault(bare(doc), set()).add(doc.prefecture)
    shared = {name for name, prefs in prefectures.items() if len(prefs) > 1}
    return [replace(d, city=d.prefecture + bare(d)) if d.prefecture and bare(d) in shared else d for d in docs]


def decode(raw: bytes, name: str) -> str:
    """Decode bytes as UTF-8 (with or without BOM), else CP932; raise CorpusError naming the file."""
    for enc in ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise CorpusError(f"{name}: cannot decode the file as UTF-8 or Shift_JIS/CP932; save it as UTF-8 and try again")


def decode_text(raw: bytes, name: str) -> str:
    """Decoded text with newlines normalized, so that spans index the same text on every platform."""
    return decode(raw, name).replace("\r\n", "\n").replace("\r", "\n")


def load_manifest(folder: Path) -> dict[str, dict]:
    """Rows of ``manifest.json`` keyed by file name; {} when there is none."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["documents"]
        return {row["doc_id"]: row for row in rows}
    except (ValueError, KeyError, TypeError) as exc:
        raise CorpusError(f"{path}: not a valid manifest ({exc}); expected {{\"documents\": [{{\"doc_id\", \"city\", ...}}]}}") from exc


_CITY = re.compile(r"^([\u4e00-\u9fff\u3041-\u30ff]{1,5}?[市町村])(?![町村場民長])")
_EDITION = re.compile(r"^(第\d+次|令和\d*年?度?|平成\d*年?度?)")


def cap(value: str, limit: int = MAX_META_CHARS) -> str:
    """Metadata cut to ``limit`` characters (with …), whitespace runs collapsed."""
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def detect_title(text: str) -> str:
    """The first non-empty line, with markdown/HTML markup removed, at most MAX_META_CHARS long."""
    for line in text.splitlines():
        clean = re.sub(r"<[^>]+>|^#+\s*|\*\*", "", line[: MAX_META_CHARS * 4]).strip()
        if clean:
            return cap(unicodedata.normalize("NFKC", clean))
    return ""


def detect_city(text: str) -> str:
    """Guess the municipality from a title-page line that starts with its name."""
    for line in unicodedata.normalize("NFKC", text[:3000]).splitlines()[:40]:
        line = _EDITION.sub("", re.sub(r"<[^>]+>|^#+|\s", "", line))
        match = _CITY.match(line)
        if match:
            return match.group(1)
    return ""


def make_document(path: Path, meta: dict | None = None, max_bytes: int | None = None) -> Document:
    """A plan file as a Document, read by its format's reader (``corpus.readers``).

    Metadata: ``meta`` (command line, manifest) over what the file says (front matter, HTML title,
    PDF metadata) over its title page; CorpusError when its municipality cannot be told.
    """
    path = Path(path)
    raw = read_bytes(path, max_bytes)
    read, takes = reader_for(path.suffix)
    if takes == "bytes":  # PDFs: extraction takes seconds, so it is kept per file hash
        extracted = cached(read, raw, path.name)
    else:
        extracted = read(decode_text(raw, str(path)), path.name)
    text = extracted.text
    if not text.strip():
        raise CorpusError(f"{path.name}: the file is empty" + (" (no text could be read from it)" if raw.strip() else ""))
    meta = {**{k: v for k, v in extracted.meta.items() if v}, **{k: v for k, v in (meta or {}).items() if v}}
    title = cap(meta.get("title") or detect_title(text))
    city = cap(meta.get("city") or detect_city(text), 50)
    if not city:
        raise CorpusError(f"{path.name}: cannot tell which municipality this plan belongs to (no 市町村 name on its "
                          "title page); give it with --city (or `city:` in front matter or the folder's manifest.json)")
    return Document(
        doc_id=path.name, text=text, city=city, title=title,
        prefecture=cap(meta.get("prefecture", ""), 50), period=cap(meta.get("period", ""), 50), path=str(path),
        pages=extracted.pages, source_map=extracted.source_map,
    )


def read_plan(path: Path, meta: dict | None = None, max_bytes: int | None = None) -> Document:
    """One plan file as a Document; CorpusError naming the file when it cannot be used (``corpus.intake``)."""
    return make_document(Path(path), meta, max_bytes or max_plan_bytes())


@dataclass(frozen=True)
class Skipped:
    """A file left out of the corpus, and why (shown to the user as ``name: reason``)."""

    path: str
    reason: str

    def __str__(self) -> str:
        return self.reason


def scan_folder(folder: Path = BUNDLED_DIR, max_bytes: int = MAX_PLAN_BYTES) -> tuple[list[Document], list[Skipped]]:
    """Every readable plan in ``folder`` (sorted by file name) and the files left out, each with a reason.

    One bad file never stops the others: undecodable, empty, oversized and duplicate files are skipped.
    """
    if not folder.is_dir():
        raise CorpusError(f"{folder}: no such corpus folder")
    manifest = load_manifest(folder)
    files, left_out = folder_entries(folder, ignore=(MANIFEST_NAME,))
    skipped = [Skipped(str(path), reason) for path, reason in left_out]
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            doc = read_plan(path, manifest.get(path.name), max_bytes)
        except CorpusError as exc:
            skipped.append(Skipped(str(path), str(exc)))
            continue
        key = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        if key in seen:
            skipped.append(Skipped(str(path), f"{path.name}: same text as {seen[key]}, indexed once"))
            continue
        seen[key] = path.name
        docs.append(doc)
    return docs, skipped


def load_folder(folder: Path = BUNDLED_DIR, max_bytes: int | None = None) -> list[Document]:
    """The readable plans of ``folder``; raises CorpusError only when none can be read."""
    docs, skipped = scan_folder(folder, max_bytes or max_plan_bytes())
    if not docs:
        reasons = "; ".join(str(s) for s in skipped) or "no .txt or .md files"
        raise CorpusError(f"{folder}: no plan could be read ({reasons})")
    return docs
