"""Read plan files (UTF-8 or Shift_JIS/CP932) and their manifest metadata."""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import CorpusError

BUNDLED_DIR = Path(__file__).resolve().parent / "plans"
MANIFEST_NAME = "manifest.json"
SUFFIXES = (".txt", ".md")
MAX_PLAN_ENV = "ASSISTANT_MAX_PLAN_MB"
MAX_PLAN_BYTES = 5_000_000  # the largest bundled plan is 0.13 MB; a 300-page plan as text is about 1 MB


def max_plan_bytes() -> int:
    try:
        return int(float(os.environ.get(MAX_PLAN_ENV, "")) * 1e6)
    except ValueError:
        return MAX_PLAN_BYTES
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


def decode(raw: bytes, name: str) -> str:
    """Decode bytes as UTF-8 (with or without BOM), else CP932; raise CorpusError naming the file."""
    for enc in ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise CorpusError(f"{name}: cannot decode the file as UTF-8 or Shift_JIS/CP932; save it as UTF-8 and try again")


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the file ({exc.strerror})") from exc
    # newlines are normalized so that spans index the same text on every platform
    return decode(raw, str(path)).replace("\r\n", "\n").replace("\r", "\n")


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


def detect_title(text: str) -> str:
    """The first non-empty line, with markdown/HTML markup removed."""
    for line in text.splitlines():
        clean = re.sub(r"<[^>]+>|^#+\s*|\*\*", "", line).strip()
        if clean:
            return unicodedata.normalize("NFKC", clean)
    return ""


def detect_city(text: str) -> str:
    """Guess the municipality from a title-page line that starts with its name."""
    for line in unicodedata.normalize("NFKC", text[:3000]).splitlines()[:40]:
        line = _EDITION.sub("", re.sub(r"<[^>]+>|^#+|\s", "", line))
        match = _CITY.match(line)
        if match:
            return match.group(1)
    return ""


_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_FRONT_KEYS = ("city", "title", "prefecture", "period")


def front_matter(text: str) -> tuple[dict, str]:
    """Metadata of a leading ``---`` block (``city:``, ``title:`` …) and the text with that block blanked.

    The block is replaced by spaces of the same length, so span offsets still match the file.
    """
    match = _FRONT.match(text)
    if not match:
        return {}, text
    meta = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in _FRONT_KEYS and value.strip():
            meta[key.strip().lower()] = value.strip().strip("'\"")
    blank = re.sub(r"[^\n]", " ", match.group(0))
    return meta, blank + text[match.end():]


def make_document(path: Path, meta: dict | None = None) -> Document:
    front, text = front_matter(read_text(path))
    if not text.strip():
        raise CorpusError(f"{path.name}: the file is empty")
    meta = {**front, **(meta or {})}
    title = meta.get("title") or detect_title(text)
    city = meta.get("city") or detect_city(text) or path.stem
    return Document(
        doc_id=path.name, text=text, city=city, title=title,
        prefecture=meta.get("prefecture", ""), period=meta.get("period", ""), path=str(path),
    )


def plan_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def read_plan(path: Path, meta: dict | None = None, max_bytes: int | None = None) -> Document:
    """One plan file as a Document; CorpusError naming the file when it is missing, too large or unusable."""
    max_bytes = max_bytes or max_plan_bytes()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the file ({exc.strerror})") from exc
    if size > max_bytes:
        raise CorpusError(f"{path.name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit "
                          f"for one plan (set {MAX_PLAN_ENV} to raise it)")
    return make_document(path, meta)


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
    docs: list[Document] = []
    skipped: list[Skipped] = []
    seen: dict[str, str] = {}
    for path in plan_files(folder):
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
