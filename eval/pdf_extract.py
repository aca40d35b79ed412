"""How well PDF text comes out: raw pypdfium2 ``get_text_range()`` against ``corpus.readers.pdf``.

The reference is the Markdown twin of the same report. Both texts are compared
after ``squash`` (NFKC, URLs, markup and all white space removed):

- ``12-gram``: share of the Markdown's 12-character sequences (every position)
  found anywhere in the extracted text;
- ``bigram F1``: F1 of the two multisets of character bigrams;
- ``ja-spaces/1k``: spaces between two Japanese characters per 1,000 characters
  of the extracted text (PDF artefacts: ``マイナンバー カード``);
- ``breaks/1k``: line breaks per 1,000 characters (wrapped lines left unjoined);
- ``seconds``: extraction time, best of three.

Usage: ``python -m eval.pdf_extract [--pdf FILE --md FILE] [--json]``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

from corpus.normalize import strip_tags

REPORT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "external" / "opendata-report"
PDF = REPORT_DIR / "opendata_dataops_2023.pdf"
MARKDOWN = REPORT_DIR / "opendata_dataops_2023.md"

_JA = r"\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff0f\uff1a-\uff20"
_JA_SPACE = re.compile(rf"(?<=[{_JA}])[ \u00a0]+(?=[{_JA}])")
_URL = re.compile(r"https?://[!-~]+")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_LINE = re.compile(r"^\s{0,3}#{1,6}\s+|^\s*[-*+]\s+", re.MULTILINE)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*$", re.MULTILINE)


def markdown_text(md: str) -> str:
    """The Markdown's visible text: images dropped, links reduced to their text, tags and markup removed."""
    text = _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", md))
    return _MD_LINE.sub("", strip_tags(text)).replace("**", "")


def squash(text: str) -> str:
    """NFKC, URLs and heading marks removed, no white space at all: the form both sides are compared in."""
    text = _URL.sub("", unicodedata.normalize("NFKC", text))
    text = re.sub(r"^#{1,6} ", "", text, flags=re.MULTILINE)
    return "".join(text.split())


def markdown_headings(md: str) -> list[str]:
    """The titles of the Markdown's ``#`` headings, squashed."""
    return [squash(markdown_text(m.group(1))) for m in _MD_HEADING.finditer(md)]


def bigram_f1(text: str, reference: str) -> float:
    """F1 of the character-bigram multisets of two squashed texts."""
    a, b = Counter(zip(text, text[1:])), Counter(zip(reference, reference[1:]))
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def ngram_share(text: str, reference: str, n: int = 12) -> float:
    """Share of the reference's n-character sequences found in ``text`` (both squashed)."""
    seen = {text[i : i + n] for i in range(len(text) - n + 1)}
    grams = [reference[i : i + n] for i in range(len(reference) - n + 1)]
    return sum(g in seen for g in grams) / len(grams) if grams else 0.0


def per_1000(count: int, text: str) -> float:
    return 1000 * count / max(1, len(text))


def ja_spaces(text: str) -> int:
    return len(_JA_SPACE.findall(text))


def raw_text(data: bytes) -> str:
    """Baseline: pypdfium2's own text, page after page."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))).replace("\r\n", "\n")
    finally:
        doc.close()


def reader_text(data: bytes) -> str:
    from corpus.readers.pdf import read

    return read(data, PDF.name).text


def measure(name: str, extract, data: bytes, md: str) -> dict:
    seconds, text = [], ""
    for _ in range(3):
        t0 = time.perf_counter()
        text = extract(data)
        seconds.append(time.perf_counter() - t0)
    got, ref = squash(text), squash(markdown_text(md))
    return {
        "extractor": name,
        "12-gram": round(ngram_share(got, ref), 4),
        "bigram F1": round(bigram_f1(got, ref), 4),
        "ja-spaces/1k": round(per_1000(ja_spaces(text), text), 2),
        "breaks/1k": round(per_1000(text.count("\n"), text), 1),
        "seconds": round(min(seconds), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", type=Path, default=PDF)
    parser.add_argument("--md", type=Path, default=MARKDOWN)
    parser.add_argument("--json", action="store_true", help="JSON Lines instead of a table")
    args = parser.parse_args(argv)
    try:
        data, md = args.pdf.read_bytes(), args.md.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"cannot read the report: {exc}", file=sys.stderr)
        return 2
    rows = [measure("pypdfium2 get_text_range", raw_text, data, md),
            measure("corpus.readers.pdf", reader_text, data, md)]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    keys = list(rows[0])
    print(" | ".join(keys))
    print(" | ".join("---" for _ in keys))
    for row in rows:
        print(" | ".join(str(row[k]) for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
