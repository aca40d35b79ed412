"""Character bigrams: the index field beside the morphological one.

unidic-lite keeps コンビニエンスストア as one token (so a query's コンビニ does not match it)
and splits 住民票 into 住民 + 票; overlapping character bigrams of the folded text
(NFKC, lower case, no whitespace) match any substring of two characters or more, as
pg_bigm and Lucene's CJK bigram analyzer do. Hybrid search fuses this BM25 field with
the morphological BM25 and the dense ranking (``index.fuse``).
"""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """NFKC, lower case, whitespace removed: the form characters are compared in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of the folded text (a one-character text is its own term)."""
    folded = fold(text)
    if len(folded) < 2:
        return [folded] if folded else []
    return [folded[i : i + 2] for i in range(len(folded) - 1)]
