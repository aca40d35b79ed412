"""A cross-city answer summarized by prefecture: counts, shares, and the full list as CSV and .xlsx.

Over hundreds of municipalities a list of names no longer reads; a person asks "how many, where".
``summarize(answer, index)`` counts, per prefecture, the searched municipalities (those with a plan
in the index), those listed with the status the question asks for and those listed with another
status; ``share`` is the first count over the municipalities with plans. A municipality's
prefecture comes from its plans' rows in ``Index.documents``. Prefectures come in JIS X 0401
order (01 北海道 … 47 沖縄県), then any other name a plan gave, then plans that named none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from assistant.answer import Answer, CityAnswer
from assistant.crosscity import label as status_label
from assistant.intent import CROSS
from assistant.sheets import csv_text, excel_bytes, put_table, saved  # the formula guards of `assistant compare --csv/--xlsx`
from corpus.errors import QueryError
from index.search import Index

# JIS X 0401 prefecture codes 01–47 (the order of ``japanmap.pref_names``, which the UI's map draws)
PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)
UNKNOWN = "都道府県不明"  # plans that name no prefecture
_BY_STEM = {p.rstrip("都道府県"): p for p in PREFECTURES}  # 「東京」「京都」 -> 東京都, 京都府
LIST_HEADER = ["prefecture", "municipality", "status", "label", "matches_status", "doc_id", "doc_title", "section",
               "page", "start", "end", "quote"]
PREFECTURE_HEADER = ["prefecture", "code", "with_plans", "listed", "listed_other_status", "share"]


def canonical(name: str) -> str:
    """The prefecture's full name (「東京」 -> 東京都); an unknown name as given; no name: ``UNKNOWN``."""
    name = (name or "").strip()
    if not name:
        return UNKNOWN
    return name if name in PREFECTURES else _BY_STEM.get(name.rstrip("都道府県"), name)


def code_of(prefecture: str) -> int:
    """The JIS X 0401 code (1–47); 0 for a name outside the list."""
    return PREFECTURES.index(prefecture) + 1 if prefecture in PREFECTURES else 0


@dataclass(frozen=True)
class PrefectureRow:
    prefecture: str
    code: int  # JIS X 0401, 1–47; 0 for any other name
    with_plans: int  # searched municipalities with a plan in the index
    listed: int  # listed with the status the question asks for (any status, when it asks none)
    other: int  # listed, but with another status

    @property
    def share(self) -> float:
        """Listed with the status asked, over the municipalities with plans (0–1)."""
        return self.listed / self.with_plans if self.with_plans else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "share": self.share}


@dataclass(frozen=True)
class ListedRow:
    """One listed municipality with its first citation: the file, section and quote that list it."""

    municipality: str
    prefecture: str
    status: str | None  # implemented | planned | under_study | not_introduced | None (no status stated)
    label: str  # the status in words, e.g. 計画（継続）, 状況の記載なし
    matches_status: bool
    doc_id: str
    doc_title: str
    section: str
    quote: str
    start: int
    end: int
    page: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Summary:
    question: str
    asked_status: str
    rows: tuple[PrefectureRow, ...]  # all 47 prefectures in JIS order, then other names
    listed: tuple[ListedRow, ...]  # by prefecture (the same order), then name

    @property
    def present(self) -> tuple[PrefectureRow, ...]:
        """The prefectures with at least one searched plan."""
        return tuple(r for r in self.rows if r.with_plans)

    @property
    def spans(self) -> int:
        """How many prefectures the searched plans span."""
        return len(self.present)

    def total(self) -> PrefectureRow:
        """The whole country as one row (``code`` 0)."""
        rows = self.present
        return PrefectureRow("合計", 0, sum(r.with_plans for r in rows), sum(r.listed for r in rows),
                             sum(r.other for r in rows))

    def by_share(self) -> tuple[PrefectureRow, ...]:
        """The prefectures with plans, highest share first (then more listed, then JIS order)."""
        return tuple(sorted(self.present, key=lambda r: (-r.share, -r.listed, r.code or 99, r.prefecture)))

    def counts(self) -> dict[str, tuple[int, int]]:
        """Prefecture -> (listed with the status asked, with plans), for the map."""
        return {r.prefecture: (r.listed, r.with_plans) for r in self.present}

    def to_dict(self) -> dict:
        return {"question": self.question, "asked_status": self.asked_status,
                "prefectures": [r.to_dict() for r in self.present], "listed": [r.to_dict() for r in self.listed]}


def prefecture_of(index: Index) -> dict[str, str]:
    """Municipality -> its prefecture's full name, from the first of its plans that names one."""
    out: dict[str, str] = {}
    for row in index.documents.values():
        city = row.get("city")
        if city and (city not in out or out[city] == UNKNOWN):
            out[city] = canonical(row.get("prefecture") or "")
    return out


def _order(prefecture: str) -> tuple[int, str]:
    code = code_of(prefecture)
    return (code, "") if code else (len(PREFECTURES) + (2 if prefecture == UNKNOWN else 1), prefecture)


def _listed_row(city: CityAnswer, prefecture: str) -> ListedRow:
    words = (city.city, prefecture, city.status.status if city.status else None, status_label(city.status),
             city.matches_status)
    if not city.citations:  # not made by ``ask`` (every listed city has evidence); counted all the same
        return ListedRow(*words, "", "", "", city.summary, 0, 0)
    best = city.citations[0]
    quote = best.quotes[0] if best.quotes else None
    hit = best.hit
    return ListedRow(*words, hit.doc_id, hit.doc_title, hit.section or hit.doc_title,
                     quote.text if quote else " ".join(hit.text.split()), quote.start if quote else hit.start,
                     quote.end if quote else hit.end, (quote.page if quote else None) or hit.page)


def summarize(answer: Answer, index: Index) -> Summary:
    """Counts by prefecture and the full list of a cross-city ``answer`` over ``index``.

    The municipalities counted are those the answer searched (every city in the index unless
    the question was limited). Raises QueryError for an answer that is not cross-city.
    """
    if answer.intent != CROSS:
        raise QueryError(f"a summary by prefecture needs a cross-city answer, not {answer.intent!r}: "
                         "ask which municipalities do something (「…している自治体は？」)")
    where = prefecture_of(index)
    searched = list(dict.fromkeys(answer.searched or index.cities))
    for city in answer.cities:  # a listed city is always counted among those with plans
        if city.city not in searched:
            searched.append(city.city)
    totals: dict[str, list[int]] = {p: [0, 0, 0] for p in PREFECTURES}
    for city in searched:
        totals.setdefault(where.get(city, UNKNOWN), [0, 0, 0])[0] += 1
    for city in answer.cities:
        totals[where.get(city.city, UNKNOWN)][1 if city.matches_status else 2] += 1
    rows = tuple(PrefectureRow(p, code_of(p), *totals[p]) for p in sorted(totals, key=_order))
    listed = sorted((_listed_row(c, where.get(c.city, UNKNOWN)) for c in answer.cities),
                    key=lambda r: (_order(r.prefecture), r.municipality))
    return Summary(answer.question, answer.asked_status, rows, tuple(listed))


# -- files ----------------------------------------------------------------------------
def list_csv(summary: Summary) -> str:
    """The full list, one row per listed municipality (``LIST_HEADER``); no cell runs as a formula."""
    return csv_text(LIST_HEADER, (_list_values(r) for r in summary.listed))


def csv_bytes(summary: Summary) -> bytes:
    return excel_bytes(list_csv(summary))


def _list_values(row: ListedRow) -> list:
    return [row.prefecture, row.municipality, row.status or "", row.label, row.matches_status, row.doc_id,
            row.doc_title, row.section, row.page or "", row.start, row.end, row.quote]


def xlsx_bytes(summary: Summary) -> bytes:
    """Sheet 一覧: the full list; sheet 都道府県別: the counts and shares (JIS order, a total row last)."""
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.title = "一覧"
    put_table(sheet, LIST_HEADER, (_list_values(row) for row in summary.listed))
    for letter, width in zip("ABCDEFGHIJKL", (10, 14, 12, 14, 8, 16, 30, 30, 6, 8, 8, 80)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "C2"

    counts = wb.create_sheet("都道府県別")
    totals = [*summary.present, summary.total()]
    put_table(counts, PREFECTURE_HEADER, ([r.prefecture, r.code or "", r.with_plans, r.listed, r.other] for r in totals))
    for n, row in enumerate(totals, 2):
        counts.cell(row=n, column=6, value=round(row.share, 4)).number_format = "0.0%"
    counts.freeze_panes = "B2"
    return saved(wb)


__all__ = ["LIST_HEADER", "PREFECTURES", "ListedRow", "PrefectureRow", "Summary", "csv_bytes", "list_csv",
           "summarize", "xlsx_bytes"]
