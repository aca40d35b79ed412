"""PDF reader: pdfium's characters, re-assembled into the canonical text by layout rules.

pdfium gives characters in content-stream order with their boxes and fonts, and
breaks them into visual lines. From there, on the whole document at once:

1. ruled tables (thin filled rectangles drawn as cell borders) become a grid;
   their characters become tab-separated rows, header row first, spanning
   cells written in their first slot (as ``corpus.tables.merge_headers`` reads);
2. running headers/footers (the same text at the same height on many pages)
   and bare page numbers in the top/bottom bands are dropped;
3. a line is joined to the next when the next line's first word (or first
   character, with the characters Japanese line breaking keeps off a line
   start) would have fitted at its end: the line was wrapped by the layout,
   not ended by the writer;
4. headings come from font size (larger sizes ranked into levels), from a bold
   first word, or from a short body-size line set apart by extra space above and
   below (and for smaller sizes, only the latter); numbered lines with nothing
   of that stay plain lines, for the chunker's numbering rules.

Reading order is pdfium's stream order: right for single-column and most
two-column exports, wrong where a file draws its columns out of order.
"""

from __future__ import annotations

import ctypes
import re
import statistics
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

from corpus.errors import CorpusError
from corpus.headings import MAX_HEADING_CHARS, numbered
from corpus.normalize import has_japanese
from corpus.readers import Extracted

__all__ = ["read"]

_BAND = 0.1  # headers/footers live in the top and bottom tenth of a page
_RULE = 2.0  # a filled rectangle thinner than this (points) is a table border
_MAX_RULES = 1500  # more thin shapes than this on a page: a map or a chart, not tables (and pairing them is quadratic)
_KINSOKU_START = set("、。，．,.)）」』】〕〉》ゝゞ々ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ・：；！？!?%％")
_OPENERS = set("(（「『【〔〈《")
_MARKER = re.compile(r"^(?:[・●○◯■□◆◇▪•※＊*]|[-–—]\s|[0-9０-９]{1,2}[.．)）](?![0-9０-９])|[(（][0-9０-９a-zA-Zア-ン]{1,2}[)）]|[\u2460-\u2473])")
_PAGE_NUMBER = re.compile(r"^[-‐－—–ー~〜(（\s]*(?:[pP]\.?\s*)?[0-9０-９ivxlcIVXLC]{1,4}(?:\s*[/／]\s*[0-9０-９]{1,4})?[-‐－—–ー~〜)）\s]*$")
_SENTENCE_END = re.compile(r"[。．！？]$")
_URL = re.compile(r" https?://[!-~]+|https?://[!-~]+ ?")  # the contract keeps URLs out of the text
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|-w[6-9]\b", re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    """One visual line (or one table row, when ``cells`` is set), in top-down page coordinates."""

    page: int  # 0-based
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float = 0.0  # the font size most of its characters use
    bold: bool = False  # begins with a bold run
    lead: float = 0.0  # width of its first word (first character and what may not start a line)
    em: float = 0.0  # width of a full-width character at its size
    cells: tuple[str, ...] | None = None


def read(data: bytes, name: str = "") -> Extracted:
    """The canonical text of a PDF, with page offsets and its Title metadata.

    Raises:
        CorpusError: the file is not a PDF pdfium can open, is password-protected,
            or has no text layer (a scan).
    """
    name = name or "PDF"
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise CorpusError(f"{name}: reading PDFs needs pypdfium2; install it (pip install pypdfium2)") from exc
    doc = _open(pdfium, data, name)
    try:
        pages = [_page_lines(doc, i) for i in range(len(doc))]
        height = max(doc.get_page_size(i)[1] for i in range(len(doc)))
        title = (doc.get_metadata_value("Title") or "").strip()
    except pdfium.PdfiumError as exc:
        raise CorpusError(f"{name}: pdfium cannot read the page contents ({exc}); re-export or print the file to a new PDF") from exc
    finally:
        doc.close()
    if not any(line.text.strip() for page in pages for line in page):
        raise CorpusError(f"{name}: the PDF has no text layer (a scanned document?); run OCR on it first (e.g. ocrmypdf) and add the result")
    lines = [line for page in drop_furniture(pages, height) for line in page]
    text, starts = render(lines, len(pages))
    return Extracted(text, pages=starts, meta={"title": title} if title else {})


def _open(pdfium, data: bytes, name: str):
    try:
        return pdfium.PdfDocument(bytes(data))
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium.raw.FPDF_ERR_PASSWORD:
            raise CorpusError(f"{name}: the PDF is password-protected; save an unprotected copy and add that") from exc
        if code == pdfium.raw.FPDF_ERR_SECURITY:
            raise CorpusError(f"{name}: the PDF uses an unsupported encryption; save an unprotected copy and add that") from exc
        raise CorpusError(f"{name}: not a readable PDF (pdfium: {_PDFIUM_ERRORS.get(code, exc)}); "
                          "the file may be truncated or damaged: download or export it again") from exc


_PDFIUM_ERRORS = {1: "unknown error", 2: "file not found or unreadable", 3: "not a PDF, or a damaged one", 5: "page not found"}


# -- characters, tables and lines of one page ---------------------------------------------------
@dataclass(frozen=True)
class _Char:
    text: str
    box: tuple[float, float, float, float] | None  # x0, top, x1, bottom
    size: float = 0.0
    bold: bool = False
    generated: bool = False


_BREAK = _Char("\n", None)


def _chars(textpage, height: float) -> list[_Char]:
    from pypdfium2 import raw

    tp, rect = textpage.raw, raw.FS_RECTF()
    buf, flags = ctypes.create_string_buffer(128), ctypes.c_int()
    n, out, i = raw.FPDFText_CountChars(tp), [], 0
    bold_names: dict[bytes, bool] = {}
    while i < n:
        code, width = raw.FPDFText_GetUnicode(tp, i), 1
        low = raw.FPDFText_GetUnicode(tp, i + 1) if 0xD800 <= code < 0xDC00 and i + 1 < n else 0
        if 0xDC00 <= low < 0xE000:  # a surrogate pair: one character
            code, width = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), 2
        text = _clean(code)
        if text in ("\r", "\n"):
            out.append(_BREAK)
        elif text:
            box = None
            if raw.FPDFText_GetLooseCharBox(tp, i, rect) and rect.right > rect.left:
                box = (rect.left, height - rect.top, rect.right, height - rect.bottom)
            raw.FPDFText_GetFontInfo(tp, i, buf, len(buf), flags)
            if buf.value not in bold_names:
                bold_names[buf.value] = bool(_BOLD_NAME.search(buf.value.decode("latin-1")))
            bold = bold_names[buf.value] or 600 <= raw.FPDFText_GetFontWeight(tp, i) <= 1000
            out.append(_Char(text, box, round(raw.FPDFText_GetFontSize(tp, i), 1), bold, bool(raw.FPDFText_IsGenerated(tp, i))))
        i += width
    return out


def _clean(code: int) -> str:
    """A character as text: controls and non-characters dropped, Kangxi radicals (⾃) as ideographs (自)."""
    if code in (0x0A, 0x0D):
        return chr(code)
    if code == 0x02:  # pdfium's mark for a hyphen ending a line: keep it, it may be a real one (ckanext-feedback)
        return "-"
    ch = chr(code) if code < 0x110000 else ""
    if not ch or code in (0xFFFE, 0xFFFF) or unicodedata.category(ch) in ("Cc", "Cs", "Co"):
        return " " if ch == "\t" else ""
    return unicodedata.normalize("NFKC", ch) if 0x2E80 <= code <= 0x2FDF else ch


@dataclass(frozen=True)
class _Grid:
    """A ruled table: column and row boundaries, and each slot's merged cell (its top-left slot)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    anchor: dict

    def slot(self, box) -> tuple[int, int] | None:
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if not (self.xs[0] < cx < self.xs[-1] and self.ys[0] < cy < self.ys[-1]):
            return None
        return self.anchor[(bisect_right(self.ys, cy) - 1, bisect_right(self.xs, cx) - 1)]


def _rules(page, height: float) -> tuple[list, list]:
    """Horizontal (y, x0, x1) and vertical (x, top, bottom) table borders: thin filled shapes."""
    from pypdfium2 import raw

    hs, vs = [], []
    for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_PATH,), max_depth=4):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if h <= _RULE < w:
            hs.append(((height - top + height - bottom) / 2, left, right))
        elif w <= _RULE < h:
            vs.append(((left + right) / 2, height - top, height - bottom))
    return hs, vs


def _cluster(values: list[float], tol: float = _RULE) -> tuple[float, ...]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return tuple(out)


def grids(hs: list, vs: list) -> list[_Grid]:
    """Tables from border segments: connected groups of rules with at least 2 x 2 cells' worth of lines."""
    rules = [("h", r) for r in hs] + [("v", r) for r in vs]
    parent = list(range(len(rules)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (ki, ri) in enumerate(rules):
        for j in range(i + 1, len(rules)):
            if _touch(ki, ri, *rules[j]):
                parent[find(i)] = find(j)
    groups: dict[int, list] = {}
    for i, rule in enumerate(rules):
        groups.setdefault(find(i), []).append(rule)
    out = []
    for group in groups.values():
        gh, gv = [r for k, r in group if k == "h"], [r for k, r in group if k == "v"]
        xs, ys = _cluster([r[0] for r in gv]), _cluster([r[0] for r in gh])
        if len(xs) >= 2 and len(ys) >= 2 and (len(xs) - 1) * (len(ys) - 1) >= 2:
            out.append(_Grid(xs, ys, _merge_slots(xs, ys, gh, gv)))
    return out


def _touch(k1: str, r1: tuple, k2: str, r2: tuple, tol: float = _RULE) -> bool:
    if k1 == k2:  # parallel: collinear and overlapping
        return abs(r1[0] - r2[0]) <= tol and r1[1] <= r2[2] + tol and r2[1] <= r1[2] + tol
    h, v = (r1, r2) if k1 == "h" else (r2, r1)
    return h[1] - tol <= v[0] <= h[2] + tol and v[1] - tol <= h[0] <= v[2] + tol


def _merge_slots(xs, ys, hs, vs) -> dict:
    """Slots with no border between them form one cell (colspan/rowspan)."""

    def ruled(rules, at, mid) -> bool:
        return any(abs(r[0] - at) <= _RULE and r[1] - _RULE <= mid <= r[2] + _RULE for r in rules)

    anchor = {}
    for i in range(len(ys) - 1):
        ymid = (ys[i] + ys[i + 1]) / 2
        for j in range(len(xs) - 1):
            xmid = (xs[j] + xs[j + 1]) / 2
            if j and not ruled(vs, xs[j], ymid):
                anchor[(i, j)] = anchor[(i, j - 1)]
            elif i and not ruled(hs, ys[i], xmid):
                anchor[(i, j)] = anchor[(i - 1, j)]
            else:
                anchor[(i, j)] = (i, j)
    return anchor


def _page_lines(doc, index: int) -> list[Line]:
    """The page's lines and table rows in stream order (a table where its first character is)."""
    page = doc[index]
    try:
        height = page.get_height()
        textpage = page.get_textpage()
        try:
            chars = _chars(textpage, height)
        finally:
            textpage.close()
        hs, vs = _rules(page, height)
    finally:
        page.close()
    tables = grids(hs, vs) if len(hs) + len(vs) <= _MAX_RULES else []
    items: list = []  # Line, or the index of a table
    cells: dict[int, dict] = {}  # table -> slot -> [(pdfium line number, char)]
    current: list[_Char] = []
    row = 0
    for ch in chars + [_BREAK]:
        found = _find_slot(tables, ch)
        if found:
            t, slot = found
            if t not in cells:
                cells[t] = {}
                items.append(t)
            cells[t].setdefault(slot, []).append((row, ch))
        elif ch is _BREAK:
            row += 1
            line = _line(current, index)
            if line:
                items.append(line)
            current = []
        else:
            current.append(ch)
    out: list[Line] = []
    for item in items:
        out.extend([item] if isinstance(item, Line) else _table_rows(tables[item], cells[item], index))
    return out


def _find_slot(tables: list[_Grid], ch: _Char) -> tuple[int, tuple[int, int]] | None:
    for t, grid in enumerate(tables):
        slot = grid.slot(ch.box) if ch.box else None
        if slot:
            return t, slot
    return None


def _line(chars: list[_Char], page: int) -> Line | None:
    text = _join_chars(chars)
    boxed = [c for c in chars if c.box and c.text.strip()]
    if not text or not boxed:
        return None
    sizes = statistics.multimode(c.size for c in boxed)
    wide = [c.box[2] - c.box[0] for c in boxed if _wide(c.text)]
    height = statistics.median(c.box[3] - c.box[1] for c in boxed)
    return Line(page, text, min(c.box[0] for c in boxed), min(c.box[1] for c in boxed),
                max(c.box[2] for c in boxed), max(c.box[3] for c in boxed), max(sizes),
                all(c.bold for c in boxed[:2]) or sum(c.bold for c in boxed) * 2 > len(boxed),
                _lead(boxed), statistics.median(wide) if wide else 0.9 * height)


def _lead(boxed: list[_Char]) -> float:
    """Width of the first unit that line breaking would have moved: a Latin word, or a character and its kinsoku followers."""
    k = 1
    if not _wide(boxed[0].text):  # a word or a number: "54.6％(950団体" breaks before 団 at the earliest
        while k < len(boxed) and not _wide(boxed[k].text) and boxed[k].box[0] - boxed[k - 1].box[2] < 1:
            k += 1
    while k < len(boxed) and boxed[k].text in _KINSOKU_START:
        k += 1
    return boxed[k - 1].box[2] - boxed[0].box[0]


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _join_chars(chars: list[_Char]) -> str:
    """A line's text: pdfium's inserted spaces between Japanese characters dropped, spaces folded."""
    out = []
    for k, c in enumerate(chars):
        if c.generated and c.text == " " and 0 < k < len(chars) - 1 and _ja(chars[k - 1].text) and _ja(chars[k + 1].text):
            continue
        out.append(c.text)
    return " ".join("".join(out).split())


def _ja(text: str) -> bool:
    return bool(text) and has_japanese(text)


def _table_rows(grid: _Grid, cells: dict, page: int) -> list[Line]:
    rows = []
    for i in range(len(grid.ys) - 1):
        texts = tuple(_cell_text(cells.get((i, j), [])) if grid.anchor[(i, j)] == (i, j) else ""
                      for j in range(len(grid.xs) - 1))
        if any(texts):
            rows.append(Line(page, "\t".join(texts) if len(texts) > 1 else texts[0], grid.xs[0], grid.ys[i],
                             grid.xs[-1], grid.ys[i + 1], cells=texts))
    return rows


def _cell_text(chars: list[tuple[int, _Char]]) -> str:
    """A cell's lines joined into one (vertical text comes one character a line)."""
    lines: dict[int, list[_Char]] = {}
    for row, ch in chars:
        lines.setdefault(row, []).append(ch)
    return _joined([t for t in (_join_chars(cs) for cs in lines.values()) if t])[0]


def _joined(parts: list[str]) -> tuple[str, list[int]]:
    """Lines joined into one: no space where either side is Japanese; and where each part starts."""
    out, starts = "", []
    for part in parts:
        if out and not (_ja(out[-1]) or _ja(part[0])) and not out.endswith(("-", "/")) and not _URL.search(out.split(" ")[-1]):
            out += " "
        starts.append(len(out))
        out += part
    return out, starts


# -- running headers, footers and page numbers --------------------------------------------------
def drop_furniture(pages: list[list[Line]], page_height: float) -> list[list[Line]]:
    """Pages without their running headers/footers (same text and height on many pages) and page numbers."""

    def key(line: Line) -> tuple[str, bool]:  # page numbers inside a header vary: "第3章 … 12"
        return re.sub(r"[0-9０-９]+", "#", "".join(line.text.split())), line.top < page_height / 2

    def in_band(line: Line) -> bool:
        return line.cells is None and (line.top < page_height * _BAND or line.bottom > page_height * (1 - _BAND))

    counts: dict[tuple[str, bool], int] = {}
    for page in pages:
        for k in {key(l) for l in page if in_band(l)}:
            counts[k] = counts.get(k, 0) + 1
    min_pages = max(2, round(0.3 * len(pages)))
    return [[l for l in page if not (in_band(l) and (counts[key(l)] >= min_pages or _PAGE_NUMBER.match(l.text)))]
            for page in pages]


# -- layout statistics --------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    body: float  # the body font size
    pitch: dict  # font size -> baseline distance of wrapped lines
    gap: float  # white space between body paragraphs (0: the layout does not space them)
    edges: tuple  # (x0, x1) spans of all text lines, for column right edges
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def edge(self, line: Line) -> float:
        """The right edge of ``line``'s column: lines spanning its left end, 90th percentile of their ends."""
        at = round(line.x0 + line.em)
        if at not in self._cache:
            ends = sorted(x1 for x0, x1 in self.edges if x0 <= at <= x1)
            # too few lines to tell the column: the widest line of the document
            self._cache[at] = ends[int(0.9 * (len(ends) - 1))] if len(ends) >= 3 else max(x1 for _, x1 in self.edges)
        return self._cache[at]


def measure(lines: list[Line]) -> Layout:
    text = [l for l in lines if l.cells is None]
    weights: dict[float, int] = {}
    for l in text:
        weights[l.size] = weights.get(l.size, 0) + len(l.text)
    body = max(weights, key=weights.get, default=0.0)
    steps: dict[float, list[float]] = {}
    spaces = []
    for a, b in zip(text, text[1:]):
        if a.page == b.page and a.size == b.size and b.top > a.top:
            steps.setdefault(a.size, []).append(b.bottom - a.bottom)
            if a.size == body:
                spaces.append(b.top - a.bottom)
    pitch = {size: _low_cluster(v) for size, v in steps.items()}
    height = statistics.median([l.bottom - l.top for l in text if l.size == body] or [0])
    line_space = pitch.get(body, 0.0) - height
    paragraphs = [s for s in spaces if line_space + 0.25 * height < s < 4 * (pitch.get(body) or 1)]
    gap = statistics.median(paragraphs) if len(paragraphs) >= 5 else 0.0
    return Layout(body, pitch, gap, tuple((l.x0, l.x1) for l in text))


def _low_cluster(values: list[float]) -> float:
    """The usual distance of consecutive lines inside a paragraph: the low cluster of distances."""
    values = sorted(values)
    low = values[len(values) // 10]
    return statistics.median([v for v in values if v <= low * 1.25])


# -- paragraphs and headings --------------------------------------------------------------------
def wrapped(a: Line, b: Line, layout: Layout) -> bool:
    """Does ``b`` continue the paragraph of ``a`` (a layout wrap, not a break the writer made)?"""
    if a.cells is not None or b.cells is not None or abs(a.size - b.size) > 0.6 or _MARKER.match(b.text):
        return False
    if b.page == a.page:
        pitch = layout.pitch.get(a.size, 1.3 * (a.bottom - a.top))
        if not 0 < b.bottom - a.bottom <= pitch * 1.3:
            return False
    elif b.page != a.page + 1:
        return False
    if _SENTENCE_END.search(a.text) and b.x0 > a.x0 + 0.5 * a.em or b.x0 < a.x0 - 1.5 * a.em:
        return False  # an indented first line starts a new paragraph; an outdented one ends a list item
    if a.text[-1] in _OPENERS:
        return True  # nobody ends a line with 「 on purpose
    if b.x0 > a.x0 + 2.5 * a.em:
        return False  # a nested item, or another column
    return a.x1 + b.lead > layout.edge(a) + 0.2 * a.em


@dataclass(frozen=True)
class Block:
    lines: tuple[Line, ...]

    @property
    def text(self) -> str:
        return _joined([l.text for l in self.lines])[0]


def blocks(lines: list[Line], layout: Layout) -> list[Block]:
    out: list[list[Line]] = []
    for line in lines:
        if out and wrapped(out[-1][-1], line, layout):
            out[-1].append(line)
        else:
            out.append([line])
    return [Block(tuple(b)) for b in out]


def heading_levels(blks: list[Block], layout: Layout) -> list[int]:
    """0 for body text, else the heading level: larger sizes first, then bold or set-apart body lines, then smaller sizes."""
    kinds = [_heading_kind(blks, k, layout) for k in range(len(blks))]
    big = sorted({s for kind, s in kinds if kind == "big"}, reverse=True)
    small = sorted({s for kind, s in kinds if kind == "small"}, reverse=True)
    level = {("big", s): i + 1 for i, s in enumerate(big)}
    level.update({("body", s): len(big) + 1 for kind, s in kinds if kind == "body"})
    level.update({("small", s): len(big) + 2 + i for i, s in enumerate(small)})
    return [min(6, level[k]) if k[0] else 0 for k in kinds]


def _heading_kind(blks: list[Block], k: int, layout: Layout) -> tuple[str, float]:
    first, text = blks[k].lines[0], blks[k].text
    if first.cells is not None or len(text) > MAX_HEADING_CHARS or _SENTENCE_END.search(text) or not re.search(r"[^\W\d_]", text):
        return "", 0.0
    if first.size > layout.body * 1.12:
        return "big", first.size
    apart = len(blks[k].lines) == 1 and _set_apart(blks, k, layout)
    if first.size >= layout.body * 0.95:
        plain = numbered(text) is not None or _MARKER.match(text)
        single = len(blks[k].lines) == 1
        return ("body", layout.body) if single and (first.bold or apart and not plain) else ("", 0.0)
    return ("small", first.size) if apart and not numbered(text) else ("", 0.0)


def _set_apart(blks: list[Block], k: int, layout: Layout) -> bool:
    """More white space above and below than between paragraphs: a heading in a body font."""
    if not layout.gap:
        return False
    line, need = blks[k].lines[0], layout.gap + 0.12 * (blks[k].lines[0].bottom - blks[k].lines[0].top)
    above = blks[k - 1].lines[-1] if k else None
    below = blks[k + 1].lines[0] if k + 1 < len(blks) else None
    ok_above = above is None or above.page != line.page or line.top - above.bottom >= need
    ok_below = below is None or below.page != line.page or below.top - line.bottom >= need
    return ok_above and ok_below


# -- output -------------------------------------------------------------------------------------
def _drop_repeated_headers(blks: list[Block]) -> list[Block]:
    """A table going on over a page break repeats its header rows there: keep the first ones only."""
    out: list[Block] = []
    head: list[tuple[str, ...]] = []  # the first rows of the table being written
    for block in blks:
        row, prev = block.lines[0], out[-1].lines[0] if out else None
        same_table = prev is not None and row.cells is not None and prev.cells is not None and len(prev.cells) == len(row.cells)
        if same_table and prev.page < row.page and row.cells in head:
            continue
        head = head if same_table else []
        if row.cells is not None and len(head) < 3:
            head.append(row.cells)
        out.append(block)
    return out


def render(lines: list[Line], n_pages: int) -> tuple[str, tuple[int, ...]]:
    """The canonical text and the offset where each page starts."""
    layout = measure(lines)
    blks = _drop_repeated_headers(blocks(lines, layout))
    levels = heading_levels(blks, layout)
    out: list[str] = []
    starts: list[int | None] = [None] * n_pages
    pos = 0
    for block, level in zip(blks, levels):
        prefix = "#" * level + " " if level else ""
        text, offsets = _strip_urls(*_joined([line.text for line in block.lines]))
        if not text:
            continue
        for line, offset in zip(block.lines, offsets):
            if starts[line.page] is None:
                starts[line.page] = pos + len(prefix) + offset
        out.append(prefix + text)
        pos += len(prefix) + len(text) + 1
    return "\n".join(out), _fill(starts, pos)


def _strip_urls(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """``text`` without URLs, and ``offsets`` moved to where their characters now are."""
    spans = [m.span() for m in _URL.finditer(text)]
    if not spans:
        return text, offsets
    kept = "".join(text[e0:s1] for (_, e0), (s1, _) in zip([(0, 0)] + spans, spans + [(len(text), len(text))]))
    return kept, [o - sum(min(e, o) - s for s, e in spans if s < o) for o in offsets]


def _fill(starts: list[int | None], end: int) -> tuple[int, ...]:
    """Pages without text start where the next page with text starts."""
    out, nxt = [], max(0, end - 1)
    for s in reversed(starts):
        nxt = s if s is not None else nxt
        out.append(nxt)
    return tuple(reversed(out))
