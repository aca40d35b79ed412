"""Pieces of text whose status is labelled by reading (``eval/status_labels``): the units
``assistant.status.read_statuses`` reads — one sentence, one table row, one rendered field.

The plans' pieces are stored with their text (the plans are in this repository); the external
documents' pieces are stored by id only and re-read from ``../shared/external`` (never copied
into git): ``external_pieces`` rebuilds them with the same split and the same ids.
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

from assistant.status import _PIECE

_JAPANESE = re.compile(r"[ぁ-んァ-ヶ一-龥]")
# external pieces worth labelling end in a predicate (a bulletin is mostly dates, places, phone numbers)
_PREDICATE = re.compile(r"(ます|ました|です|でした|た|る|いる|ない|済|予定|検討|中)[。．)）」]?$")


def piece_id(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def pieces(text: str) -> list[str]:
    """The pieces of ``text`` as the status reader splits them (a table row whole, prose by sentence
    and rendered field), 6–400 characters holding Japanese."""
    out = []
    for line in text.split("\n"):
        for piece in [line] if "\t" in line else _PIECE.split(line):
            piece = piece.strip()
            if 6 <= len(piece) <= 400 and _JAPANESE.search(piece):
                out.append(piece)
    return out


def external_pieces(root: str | Path) -> dict[str, dict]:
    """{id: {id, doc, text}} for the municipal bulletins' articles and the open-data report under ``root``
    (``../shared/external``), every piece ending in a predicate."""
    root = Path(root)
    found: dict[str, dict] = {}

    def keep(doc: str, text: str) -> None:
        for piece in pieces(text):
            if len(piece) >= 15 and _PREDICATE.search(piece):
                found.setdefault(piece_id(piece), {"id": piece_id(piece), "doc": doc, "text": piece})

    for path in sorted(root.glob("municipal-bulletins/*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                keep(path.name, " ".join(v for k, v in row.items() if k and v and len(v) > 40).replace("\r", "\n"))
    for path in sorted(root.glob("opendata-report/*.md")):
        keep(path.name, "\n".join(line for line in path.read_text(encoding="utf-8").split("\n") if not line.startswith("#")))
    return found
