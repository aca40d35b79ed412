"""HTML reader: lxml's lenient parser walked into canonical text (see ``corpus.readers``).

``h1``–``h6`` and ``legend`` become headings, tables and ``dl`` tab-separated rows,
``li`` ``- `` lines, every other block element (``p``, ``div``, ``br`` …) a line
break; navigation, scripts, styles, forms and page headers/footers are dropped.

``source_map`` is at line granularity: lxml only tells the line on which each
start tag ends (``sourceline``), so a block maps to the lines from the tag
before its text to the tag after it. libxml2 stops counting lines at 65535; a
block past that line maps up to the end of the input.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from lxml import etree

from corpus.normalize import has_japanese
from corpus.readers import Extracted

DROPPED = frozenset({
    "head", "nav", "script", "style", "noscript", "template", "iframe", "svg", "math", "object", "embed", "canvas",
    "form", "button", "input", "select", "option", "textarea", "datalist", "rt", "rp", "title",
})
CHROME = frozenset({"header", "footer"})  # page chrome, unless inside the article they head
SECTIONING = frozenset({"article", "section", "main"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins", "kbd",
    "label", "mark", "nobr", "q", "rb", "ruby", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
    "time", "tt", "u", "var", "wbr",
})
MAX_DEPTH = 150  # deeper subtrees are read as flat text: the walk is recursive
MAX_SPAN = 100  # colspan/rowspan beyond this are markup errors
LIBXML_MAX_LINE = 65535

_TEMPLATE = re.compile(r"\{\{(?:(?!\{\{|\}\}).)*\}\}", re.S)
_URL = re.compile(r"(?:(?:https?|ftp|file)://|www\.)[!#-;=?-~]*", re.I)  # printable ASCII but " < >
_CLOSERS = {")": "(", "]": "[", "}": "{"}
# Markdown left as text (inside HTML blocks, which CommonMark does not parse): links keep their text
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")  # bold: the chunker would take a bold line for a title
_MD_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_GAP = "\x00"  # marks where a URL or template was cut (parsers turn a real NUL into U+FFFD)
# brackets a cut emptied: "資料（https://…）" -> "資料"; an empty "(　)" the author wrote stays
_BRACKETS = ("()", "（）", "[]", "［］", "<>", "＜＞", "「」", "【】")
_EMPTY_BRACKETS = re.compile("|".join(rf"{re.escape(a)}\s*\x00[\s\x00]*{re.escape(b)}" for a, b in _BRACKETS))
_GAPS = re.compile(r"[ \t\u00a0]*\x00[\x00 \t\u00a0]*")
_SPACES = re.compile(r"[ \t\n\r\f\v\u00a0\u200b]+")
_EDGE = " \t\n\r\f\v\u00a0\u200b\u3000"
_HEADING_LIKE = re.compile(r"^#{1,6}(?=\s)")
_LONE_CR = re.compile(r"\r(?!\n)")


class Block(NamedTuple):
    """One canonical line and the 0-based source lines ``first``–``last`` (inclusive) it came from."""

    text: str
    first: int
    last: int
    kind: str = "text"  # "text" | "heading" | "row"


# -- text clean-up shared with the Markdown reader -----------------------------
def _drop_url(match: re.Match) -> str:
    """A URL out, the punctuation after it kept: "(https://…)。" leaves "()。" (then dropped)."""
    url, keep = match.group(0), ""
    while url:
        ch = url[-1]
        if not (ch in ".,;:!?'" or ch in _CLOSERS and url.count(ch) > url.count(_CLOSERS[ch])):
            break
        keep, url = ch + keep, url[:-1]
    return _GAP + keep


def _close_gap(match: re.Match) -> str:
    """Where something was cut: one space between Latin words, none next to Japanese."""
    text, start, end = match.string, match.start(), match.end()
    before, after = text[start - 1 : start], text[end : end + 1]
    spaced = bool(match.group(0).strip(_GAP))
    return " " if spaced and before and after and not (has_japanese(before) or has_japanese(after)) else ""


def clean(text: str) -> str:
    """One line of text: template tags, URLs and Markdown link syntax removed, whitespace collapsed."""
    text = _MD_STRONG.sub(r"\2", _MD_LINK.sub(r"\1", text.replace(_GAP, "\ufffd")))
    previous = None
    while previous != text:
        previous, text = text, _TEMPLATE.sub(_GAP, text)
    text = _EMPTY_BRACKETS.sub(_GAP, _URL.sub(_drop_url, text))
    text = _GAPS.sub(_close_gap, text)
    return _SPACES.sub(" ", text).strip(_EDGE)


def join_soft(text: str) -> str:
    """Join soft-wrapped lines: no space where Japanese meets, one between Latin words."""
    out = ""
    for piece in text.split("\n"):
        piece = piece.strip(_EDGE)
        if piece:
            if out and not (has_japanese(out[-1]) or has_japanese(piece[0])):
                out += " "
            out += piece
    return out


def body_line(text: str) -> str:
    """A body line never reads as a heading to the chunker: a leading ``# `` becomes full-width."""
    return _HEADING_LIKE.sub(lambda m: "＃" * len(m.group(0)), text)


def row_text(cells: list[str]) -> str:
    """A table row: cells joined by tabs, trailing empty cells dropped, at least one tab."""
    while len(cells) > 1 and not cells[-1]:
        cells = cells[:-1]
    return "\t".join(cells if len(cells) > 1 else [*cells, ""])


def line_starts(text: str, newline: str = "\n") -> list[int]:
    """Offset of every line of ``text``, lines ending at ``newline`` (a regular expression)."""
    return [0] + [m.end() for m in re.finditer(newline, text)]


def assemble(blocks: list[tuple[str, int, int]]) -> tuple[str, tuple[tuple[int, int, int, int], ...]]:
    """Canonical text and source map from (line, source start, source end) triples."""
    lines, segments, pos = [], [], 0
    for line, start, end in blocks:
        lines.append(line)
        segments.append((pos, pos + len(line), start, end))
        pos += len(line) + 1
    return "\n".join(lines), tuple(segments)


def char_span(starts: list[int], size: int, first: int, last: int) -> tuple[int, int]:
    """Character offsets of 0-based lines ``first``–``last``, the last line's newline excluded."""
    first = min(max(first, 0), len(starts) - 1)
    last = min(max(last, first), len(starts) - 1)
    end = starts[last + 1] - 1 if last + 1 < len(starts) else size
    return starts[first], end


# -- parsing -------------------------------------------------------------------
def _tag(el) -> str | None:
    return el.tag.lower() if isinstance(el.tag, str) else None


def parse(text: str):
    """The root element of ``text`` (a page or a fragment), or None when it holds no markup or text."""
    if not text.strip():
        return None
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        return etree.fromstring(text.encode("utf-8", errors="replace"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


class _Tree:
    """Line bounds (1-based) of text in the parsed tree.

    lxml gives the line on which each start tag ends (``sourceline``): text lies
    between the start tag before it and the one after it, and when an end tag
    follows the text, the line breaks between that end tag and the next start tag
    narrow it further.
    """

    def __init__(self, root, n_lines: int):
        self.els = [el for el in root.iter() if isinstance(el.tag, str)]
        self.pos = {el: i for i, el in enumerate(self.els)}
        self.n_lines = n_lines
        self.size = [1] * len(self.els)  # elements in each subtree, in document order
        for i in range(len(self.els) - 1, -1, -1):
            self.size[i] += sum(self.size[self.pos[c]] for c in self.els[i] if c in self.pos)
        self.lines, last = [], 1
        for el in self.els:
            last = el.sourceline or last
            self.lines.append(last)
        self.after = [0] * len(self.els)  # line breaks from an element's end tag to the next start tag
        for i, el in enumerate(self.els):
            parent = self.pos.get(el.getparent()) if _next_element(el) is None else None
            self.after[i] = (el.tail or "").count("\n") + (self.after[parent] if parent is not None else 0)

    def _upper(self, i: int) -> int:
        if i >= len(self.els) or self.lines[i] >= LIBXML_MAX_LINE:
            return self.n_lines
        return self.lines[i]

    def _closing(self, i: int) -> int:
        """Upper bound for text that runs up to element ``i``'s end tag."""
        return self._upper(i + self.size[i]) - self.after[i]

    def text(self, el) -> tuple[int, int]:
        i = self.pos.get(el, 0)
        hi = self._upper(i + 1) if self.size[i] > 1 else self._closing(i)
        return self.lines[i], max(self.lines[i], hi)

    def tail(self, el) -> tuple[int, int]:
        i = self.pos.get(el)
        if i is None:
            return 1, self.n_lines
        end = i + self.size[i]
        parent = self.pos.get(el.getparent()) if _next_element(el) is None else None
        hi = self._closing(parent) if parent is not None else self._upper(end)
        return self.lines[end - 1], max(self.lines[end - 1], hi)

    def subtree(self, el) -> tuple[int, int]:
        """Everything inside the element."""
        i = self.pos.get(el, 0)
        return self.lines[i], max(self.lines[i], self._closing(i))

    def tag(self, el) -> tuple[int, int]:
        """The element's own start tag (an ``img``'s alt text)."""
        i = self.pos.get(el, 0)
        return (self.lines[i - 1] if i else 1), self._upper(i)

    def dropped(self, el, tag: str) -> bool:
        if tag in DROPPED:
            return True
        return tag in CHROME and not any(_tag(a) in SECTIONING for a in el.iterancestors())


# -- the walk ------------------------------------------------------------------
class _Walker:
    """Walks elements in document order, emitting Blocks.

    ``plain`` collects a cell's or a heading's content: no list markers, no
    headings, nested table rows joined by spaces.
    """

    def __init__(self, tree: _Tree, level: int = 0, plain: bool = False, depth: int = 0):
        self.tree, self.level, self.plain, self.depth = tree, level, plain, depth
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.lo: int | None = None
        self.hi: int | None = None
        self.prefix = ""

    # buffer
    def add(self, text: str | None, bounds: tuple[int, int]) -> None:
        if not text:
            return
        self.parts.append(text)
        body = text.strip()
        if body:  # the line breaks around the text narrow its bounds
            lo = bounds[0] + text[: text.index(body[0])].count("\n")
            hi = max(lo, bounds[1] - text[text.rindex(body[-1]) :].count("\n"))
            self.lo = lo if self.lo is None else min(self.lo, lo)
            self.hi = hi if self.hi is None else max(self.hi, hi)

    def flush(self) -> None:
        line = clean(join_soft("".join(self.parts)))
        if line:
            self.emit(self.prefix + line if self.prefix else body_line(line), self.lo, self.hi)
            self.prefix = ""
        self.parts, self.lo, self.hi = [], None, None

    def emit(self, text: str, lo: int, hi: int, kind: str = "text") -> None:
        self.blocks.append(Block(text, lo - 1, hi - 1, kind))

    # elements
    def flow(self, el) -> None:
        """An element's content: its text, its children and their tails (not its own tail)."""
        self.add(el.text, self.tree.text(el))
        for child in el:
            self.node(child)
            self.add(child.tail, self.tree.tail(child))

    def node(self, el) -> None:
        tag = _tag(el)
        if tag is None or self.tree.dropped(el, tag):
            return
        if self.depth > MAX_DEPTH:
            self.add(" ".join(_flat_text(el, self.tree)), self.tree.subtree(el))
            return
        self.depth += 1
        if tag in HEADINGS or tag == "legend":
            self.heading(el, tag)
        elif tag == "table":
            self.table(el)
        elif tag == "dl":
            self.dl(el)
        elif tag == "li":
            self.flush()
            self.prefix = "" if self.plain else "- "
            self.flow(el)
            self.flush()
            self.prefix = ""
        elif tag == "br":
            self.flush()
        elif tag == "img":
            self.add(el.get("alt", ""), self.tree.tag(el))
        elif tag == "pre":
            self.pre(el)
        elif tag in INLINE:
            self.flow(el)
        else:
            self.flush()
            self.flow(el)
            self.flush()
        self.depth -= 1

    def text_of(self, el) -> tuple[str, int, int]:
        """An element's whole content as one line, with its line bounds."""
        sub = _Walker(self.tree, self.level, plain=True, depth=self.depth)
        sub.flow(el)
        sub.flush()
        lo, hi = self.tree.text(el)
        if not sub.blocks:
            return "", lo, hi
        return (" ".join(b.text for b in sub.blocks), min(lo, *(b.first + 1 for b in sub.blocks)),
                max(b.last + 1 for b in sub.blocks))

    def heading(self, el, tag: str) -> None:
        self.flush()
        if self.plain:
            self.flow(el)
            self.flush()
            return
        text, lo, hi = self.text_of(el)
        inner = el if tag != "legend" else next((d for d in el.iterdescendants() if _tag(d) in HEADINGS), None)
        level = int(inner.tag[1]) if inner is not None else min(6, self.level + 1)
        if text:
            self.emit("#" * level + " " + text, lo, hi, "heading")
        if inner is not None:
            self.level = level
        self.prefix = ""

    def row(self, cells: list[str], lo: int, hi: int) -> None:
        if self.plain:
            self.add(" ".join(c for c in cells if c), (lo, hi))
            self.flush()
        else:
            self.emit(row_text(cells), lo, hi, "row")

    def table(self, el) -> None:
        self.flush()
        head, body, foot = [], [], []  # rows: a tr, or a list of cells broken markup left outside any tr
        self.add(el.text, self.tree.text(el))
        for child in el:
            tag = _tag(child)
            if tag == "caption":
                self.flush()
                text, lo, hi = self.text_of(child)
                self.add(text, (lo, hi))
                self.flush()
            elif tag in ("thead", "tbody", "tfoot"):
                rows = [tr for tr in child if _tag(tr) == "tr"]
                (head if tag == "thead" else foot if tag == "tfoot" else body).extend(rows)
                self.add(child.text, self.tree.text(child))  # text broken markup left between rows
                for tr in rows:
                    self.add(tr.tail, self.tree.tail(tr))
            elif tag == "tr":
                body.append(child)
            elif tag in ("td", "th"):
                if body and isinstance(body[-1], list):
                    body[-1].append(child)
                else:
                    body.append([child])
            elif tag not in (None, "colgroup", "col"):
                self.node(child)
            self.add(child.tail, self.tree.tail(child))
        self.flush()
        grid = self.grid(head + body + foot)
        if any(any(cells) for cells, _, _ in grid):
            for k, (cells, lo, hi) in enumerate(grid):
                if k == 0 or any(cells):  # the header row stays, even empty: it names the columns
                    self.row(cells, lo, hi)

    def grid(self, rows: list) -> list[tuple[list[str], int, int]]:
        """Cell texts per row; a spanned cell leaves empty cells, so columns stay aligned."""
        out, pending = [], {}  # column -> rows still covered by a rowspan from above
        for row in rows:
            cells, col = [], 0
            lo, hi = self.tree.text(row[0] if isinstance(row, list) else row)
            for cell in row:
                tag = _tag(cell)
                if tag is None or self.tree.dropped(cell, tag):
                    continue
                while pending.get(col, 0) > 0:
                    pending[col] -= 1
                    cells.append("")
                    col += 1
                text, c_lo, c_hi = self.text_of(cell)
                if cell.tail and cell.tail.strip():  # text broken markup left after a cell joins it
                    text = " ".join(t for t in (text, clean(join_soft(cell.tail))) if t)
                    c_hi = max(c_hi, self.tree.tail(cell)[1])
                lo, hi = min(lo, c_lo), max(hi, c_hi)
                colspan, rowspan = _span(cell.get("colspan")), _span(cell.get("rowspan"))
                cells += [text] + [""] * (colspan - 1)
                if rowspan > 1:
                    pending.update(dict.fromkeys(range(col, col + colspan), rowspan - 1))
                col += colspan
            while any(v > 0 and c >= col for c, v in pending.items()):
                pending[col] = max(pending.get(col, 0) - 1, 0)
                cells.append("")
                col += 1
            lead = clean(join_soft(row.text or "")) if not isinstance(row, list) else ""
            if lead:  # text before the first cell
                cells = [" ".join(t for t in (lead, *cells[:1]) if t), *cells[1:]]
            out.append((cells, lo, hi))
        return out

    def dl(self, el) -> None:
        """``term<TAB>definition`` rows; a definition under several terms names them all."""
        self.flush()
        self.add(el.text, self.tree.text(el))
        self.flush()
        terms: list[tuple[str, int, int]] = []
        defined = False
        for item in _dl_items(el):
            tag = _tag(item)
            if tag == "dt":
                terms, defined = ([] if defined else terms), False
                terms.append(self.text_of(item))
            elif tag == "dd":
                self.definition(terms, self.text_of(item))
                defined = True
            else:  # other content (broken markup) closes the terms before it
                if terms and not defined:
                    self.definition(terms, ("", terms[0][1], terms[-1][2]))
                terms, defined = [], False
                self.node(item)
            self.add(item.tail, self.tree.tail(item))
            self.flush()
        if terms and not defined:
            self.definition(terms, ("", terms[0][1], terms[-1][2]))

    def definition(self, terms: list[tuple[str, int, int]], dd: tuple[str, int, int]) -> None:
        term = " / ".join(t for t, _, _ in terms if t)
        if term or dd[0]:
            self.row([term, dd[0]], min(x[1] for x in (*terms, dd)), max(x[2] for x in (*terms, dd)))

    def pre(self, el) -> None:
        self.flush()
        for line in "".join(_flat_text(el, self.tree, keep_newlines=True)).split("\n"):
            self.add(line, self.tree.subtree(el))
            self.flush()


def _next_element(el):
    nxt = el.getnext()
    while nxt is not None and not isinstance(nxt.tag, str):
        nxt = nxt.getnext()
    return nxt


def _span(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), MAX_SPAN)
    except ValueError:
        return 1


def _dl_items(el):
    """The ``dt``/``dd`` of a ``dl``, looking through the ``div`` wrappers HTML allows."""
    for child in el:
        if _tag(child) == "div" and any(_tag(c) in ("dt", "dd") for c in child):
            yield from _dl_items(child)
        elif _tag(child) is not None:
            yield child


def _flat_text(root, tree: _Tree, keep_newlines: bool = False) -> list[str]:
    """The text of a subtree without recursion: dropped elements skipped, images as alt text."""
    out: list[str] = []
    stack = [(root, False)]
    while stack:
        el, done = stack.pop()
        if done:
            if el is not root and el.tail:
                out.append(el.tail)
            continue
        tag = _tag(el)
        if el is not root and (tag is None or tree.dropped(el, tag)):
            if el.tail:
                out.append(el.tail)
            continue
        if tag == "br":
            out.append("\n" if keep_newlines else " ")
        elif tag == "img":
            out.append(el.get("alt", ""))
        out.append(el.text or "")
        stack.append((el, True))
        stack.extend((c, False) for c in reversed(el))
    return out


def blocks(text: str, level: int = 0) -> tuple[list[Block], str]:
    """The canonical lines of an HTML page or fragment, and its ``<title>``.

    ``level`` is the heading level around a fragment (a ``legend`` without a
    heading inside becomes one level deeper).
    """
    text = _LONE_CR.sub("\n", text)  # libxml2 counts only \n as a line break; same length
    root = parse(text)
    if root is None:
        return [], ""
    title = root.find(".//title")
    title = clean(" ".join(title.itertext())) if title is not None else ""
    tree = _Tree(root, text.count("\n") + 1)
    walker = _Walker(tree, level)
    walker.flow(root)
    walker.flush()
    return walker.blocks, title


def read(text: str, name: str = "") -> Extracted:
    """An HTML page or fragment as canonical text; its title goes to ``meta["title"]``.

    The title is the page's ``h1`` when it starts with its only one (a ``<title>`` often names
    the site too: 「…｜広報みなと市」), else ``<title>`` (a bulletin of many articles, an
    ``h1`` each). Never raises: broken markup reads as lxml repairs it, and text with no
    markup as one paragraph.
    """
    found, title = blocks(text)
    h1 = [b for b in found if b.kind == "heading" and b.text.startswith("# ")]
    if len(h1) == 1 and found[0] is h1[0]:
        title = h1[0].text[2:].strip()
    starts = line_starts(_LONE_CR.sub("\n", text))
    canonical, source_map = assemble([(b.text, *char_span(starts, len(text), b.first, b.last)) for b in found])
    return Extracted(canonical, source_map, meta={"title": title} if title else {})


__all__ = ["Block", "blocks", "clean", "read"]
