"""Read plan files (UTF-8 or Shift_JIS/CP932) and their manifest metadata."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import CorpusError

BUNDLED_DIR = Path(__file__).resolve().parent / "plans"
MANIFEST_NAME = "manifest.json"
SUFFIXES = (".txt", ".md")
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


def make_document(path: Path, meta: dict | None = None) -> Document:
    text = read_text(path)
    meta = meta or {}
    title = meta.get("title") or detect_title(text)
    city = meta.get("city") or detect_city(text) or path.stem
    return Document(
        doc_id=path.name, text=text, city=city, title=title,
        prefecture=meta.get("prefecture", ""), period=meta.get("period", ""), path=str(path),
    )


def plan_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def load_folder(folder: Path = BUNDLED_DIR) -> list[Document]:
    """Every plan in ``folder`` (sorted by file name), with manifest metadata where present."""
    if not folder.is_dir():
        raise CorpusError(f"{folder}: no such corpus folder")
    manifest = load_manifest(folder)
    return [make_document(p, manifest.get(p.name)) for p in plan_files(folder)]
