"""Real plan text to compose generated plans from, read at generation time where it lies.

Sources: the five bundled plans (``corpus/plans``, read with the project's readers) and, when
the shared folder is present, the Digital Agency guidebooks and the open-data report (Markdown)
and municipal bulletin articles (CSV) of ``../shared/external``. JSQuAD and JaQuAD are left out:
they are Wikipedia paragraphs, no municipality writes a plan like that.

Each document is cut into chapters and sections at its headings (``corpus.headings``). A
section keeps its paragraphs (one per line, whole sentences, at most ``MAX_UNIT`` characters)
that mention no benchmark topic (``topics.mentions_any``), so a topic appears in a generated
plan only where the generator states it. The source municipality's names are replaced by
placeholders, filled per generated plan (``fill``): its name (根室市, 根室, ねむろ, 「根 室 市」
on a title page), its prefecture, and in the municipalities' own texts the words that say what
kind of municipality speaks (本市, 市民, 市役所 …), so a 町 says 本町 and 町民.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from corpus.documents import BUNDLED_DIR, decode_text, load_folder
from corpus.headings import RANK_UNNUMBERED, Heading, classify
from corpus.readers import reader_for
from corpus.toc import toc_lines
from eval.national.codes import Municipality
from eval.national.topics import mentions_any

EXTERNAL = Path(__file__).resolve().parents[2].parent / "shared" / "external"
MAX_UNIT = 450  # characters: a section of a few units stays one chunk (the chunker's limit is 500)
TABLE_ROW = 1000  # characters: longer rows are left out (tables are kept from plans only, a unit stands alone)
MIN_SECTION = 120  # characters of text: shorter sections would be merged into their neighbours
NAME, STEM, KIND, OFFICE, PREF, HIRA, KATA = (chr(c) for c in range(1, 8))  # placeholders, see fill()

# (folder, glob, licence, kind) of the external texts; the licences as SOURCES.md there states them
EXTERNAL_SOURCES = (
    ("gov-guidebooks", "4*.md", "CC0 1.0 (Digital Agency, JDA-DM/GIF)", "guidebook"),
    ("opendata-report", "*.md", "CC BY-SA 4.0 (c-3lab/opendata-dataops-document)", "report"),
    ("municipal-bulletins", "*.csv", "CC BY 4.0 (Mitsuo-Koikawa/Municipal-Bulletin)", "bulletin"),
)
BUNDLED_LICENCE = "published municipal plans bundled with this project (corpus/plans/manifest.json)"
# bulletin categories that read like a plan's account of its own work, and the chapter title for each
BULLETIN_CHAPTERS = {"くらし": "暮らしに関する取組", "子育て": "子育て支援の取組", "健康": "健康づくりの取組",
                     "しごと": "産業・しごとの取組"}
_SKIP_TITLE = re.compile(r"目\s*次|改訂履歴|用語|アンケート|パブリックコメント|別表|実施状況|出典|出展|図表|凡例")
_TAGS = (("intro", r"策定|趣旨|はじめに|位置付け|位置づけ|計画期間|背景|概要"), ("trend", r"動向|国の|県の|社会"),
         ("current", r"現状|課題"), ("system", r"推進体制|進行管理|推進に向けて"),
         ("measure", r"施策|取組|取り組み|基本方針|基本目標|目標|展開|方針"))
_MARKER = re.compile(r"^[●■◆○□◇・※.．\s]+")
_BRACKETED = re.compile(r"^【([^】]*)】$")
_SENTENCE = re.compile(r"(?<=。)")


@dataclass(frozen=True)
class Section:
    title: str
    units: tuple[str, ...]  # paragraphs with placeholders, one line each


@dataclass(frozen=True)
class Chapter:
    title: str
    tag: str  # intro | trend | current | system | measure | other
    source: str  # file name
    sections: tuple[Section, ...]
    kind: str = "plan"  # of the source: plan | guidebook | report | bulletin


@dataclass(frozen=True)
class Source:
    name: str  # file name
    kind: str  # plan | guidebook | report | bulletin
    licence: str
    municipality: str = ""  # the municipality that wrote it, whose names are replaced


@dataclass(frozen=True)
class Pool:
    chapters: tuple[Chapter, ...]
    glossary: tuple[tuple[str, str], ...]  # (term, definition) rows of the plans' own glossaries
    sources: tuple[Source, ...]
    replaced: tuple[str, ...]  # names of the source municipalities, which never reach a generated plan

    def tagged(self, tag: str) -> list[int]:
        return [i for i, c in enumerate(self.chapters) if c.tag == tag]


def kana_stem(m: Municipality) -> str:
    """The reading of the name without its 市/町/村/区 (ネムロシ -> ネムロ)."""
    for suffix in {"市": ("シ",), "町": ("マチ", "チョウ"), "村": ("ムラ", "ソン"), "区": ("ク",)}.get(m.kind, ()):
        if m.kana.endswith(suffix) and len(m.kana) > len(suffix):
            return m.kana[: -len(suffix)]
    return m.kana


def hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def fill_table(m: Municipality) -> dict[int, str]:
    """What each placeholder becomes in the plan of ``m``."""
    office = {"市": "市役所", "区": "区役所"}.get(m.kind, m.kind + "役場")
    stem = m.name[:-1]
    kata = kana_stem(m)
    return {ord(NAME): m.name, ord(STEM): stem, ord(KIND): m.kind, ord(OFFICE): office, ord(PREF): m.prefecture,
            ord(HIRA): hiragana(kata), ord(KATA): kata}


def fill(text: str, table: dict[int, str]) -> str:
    return text.translate(table)


def templater(m: Municipality | None, municipal: bool) -> Callable[[str], str]:
    """A function putting placeholders for ``m``'s names (and, in a municipality's own text, 本市 …)."""
    rules: list[tuple[re.Pattern, str]] = []
    if m is not None:
        stem, kata = m.name[:-1], kana_stem(m)
        spaced = r"\s*".join(map(re.escape, m.name))
        rules += [(re.compile(spaced + "役所"), STEM + OFFICE), (re.compile(spaced), NAME),
                  (re.compile(re.escape(stem)), STEM), (re.compile(re.escape(hiragana(kata))), HIRA),
                  (re.compile(re.escape(kata)), KATA), (re.compile(re.escape(m.prefecture)), PREF)]
    if municipal:
        # 日本市場, 都市内 are no 本市 or 市内; a bare 市 only as a subject or object (「市が」「市の」)
        rules += [(re.compile(r"(?<![都日])(市ホームページ|市役所|市職員|市議会|本市|当市|全市|市民|市内|市外|市長|市政|市HP)"),
                   "GENERIC"),
                  (re.compile(r"(?<![\u4e00-\u9fff\u30a0-\u30ff])市(?=[がはのをにへとでも、]|公式|庁舎|立|営|主催)"), KIND)]
    generic = {"市ホームページ": KIND + "ホームページ", "市役所": OFFICE, "市職員": KIND + "職員", "市議会": KIND + "議会",
               "本市": "本" + KIND, "当市": "当" + KIND, "全市": "全" + KIND, "市民": KIND + "民", "市内": KIND + "内",
               "市外": KIND + "外", "市長": KIND + "長", "市政": KIND + "政", "市HP": KIND + "HP"}

    def apply(text: str) -> str:
        for pattern, repl in rules:
            if repl == "GENERIC":
                text = pattern.sub(lambda mt: generic[mt.group(1)], text)
            else:
                text = pattern.sub(repl, text)
        return text

    return apply


def _units(line: str, min_chars: int) -> list[str]:
    """The paragraph pieces of one source line worth keeping: prose or list items, whole sentences."""
    line = line.strip()
    if (not line or "\t" in line or any(s in line for s in ("<", "|", "http", "![", "](", "{", "}", "\x00"))
            or line.startswith("#") or classify(line) is not None):
        return []
    if not (line.endswith("。") or (line.startswith(("- ", "・")) and len(line) >= 15)):
        return []
    if len(line) < min_chars or mentions_any(line):
        return []
    if len(line) <= MAX_UNIT:
        return [line]
    out, current = [], ""
    for sentence in _SENTENCE.split(line):
        if len(sentence) > MAX_UNIT:
            continue
        if current and len(current) + len(sentence) > MAX_UNIT:
            out.append(current)
            current = ""
        current += sentence
    return out + ([current] if current else [])


def _table_units(rows: list[str]) -> list[str]:
    """A table (header row first) as units of its header and up to 3 rows mentioning no topic, the header
    repeated as plans repeat it on every page; none when the header names a topic."""
    header, body = rows[0], [r for r in rows[1:] if not mentions_any(r) and len(r) <= TABLE_ROW
                             and not any(s in r for s in ("<", "|", "http", "\x00"))]
    if mentions_any(header) or len(header) > TABLE_ROW or len(rows) < 2:
        return []
    return ["\n".join([header, *body[i:i + 3]]) for i in range(0, len(body), 3)]


def _title(raw: str, rank: float) -> str:
    title = raw.split(" ", 1)[1] if rank < RANK_UNNUMBERED and " " in raw else raw
    title = _MARKER.sub("", title.replace("**", "")).strip()
    return _BRACKETED.sub(r"\1", title)


def _usable_title(title: str) -> bool:
    return (2 <= len(title) <= 40 and not re.search(r"[。．ですま]$", title) and not _SKIP_TITLE.search(title)
            and not mentions_any(title) and "\t" not in title)


def _tag(title: str) -> str:
    return next((tag for tag, words in _TAGS if re.search(words, title)), "other")


def split_document(text: str, name: str, kind: str, template: Callable[[str], str], min_chars: int = 20):
    """(chapters, glossary rows) of one document's canonical text."""
    lines = text.split("\n")
    skip = toc_lines(lines)
    found = [(i, classify(line)) for i, line in enumerate(lines) if i not in skip]
    headings = {i: h for i, h in found if h is not None}
    ranks = [h.rank for h in headings.values()]
    top = min((r for r in set(ranks) if ranks.count(r) >= 2), default=None)
    if top is None:  # no chapters (a plan that is one table): the document is one chapter under its title
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        headings, top = {first: Heading(0, lines[first].strip())}, 0
    chapters: list[Chapter] = []
    glossary: list[tuple[str, str]] = []
    chapter: tuple[str, bool] | None = None  # (title, kept)
    sections: list[Section] = []
    section: tuple[str, list[str]] | None = None
    in_glossary = False
    table: list[str] = []

    def close_table():
        if section is not None and table and kind == "plan":
            section[1].extend(template(u) for u in _table_units(table))
        table.clear()

    def close_section():
        nonlocal section
        close_table()
        if section and sum(len(u) for u in section[1]) >= MIN_SECTION:
            sections.append(Section(section[0], tuple(section[1])))
        section = None

    def close_chapter():
        nonlocal sections
        close_section()
        if chapter and chapter[1] and sections:
            chapters.append(Chapter(chapter[0], _tag(chapter[0]), name, tuple(sections), kind))
        sections = []

    for i, line in enumerate(lines):
        if i in skip:
            continue
        heading = headings.get(i)
        if heading is not None and top is not None:
            title = template(_title(heading.title, heading.rank))
            in_glossary = "用語" in title
            if heading.rank <= top:
                close_chapter()
                chapter = (title, _usable_title(title))
                section = ("概要", []) if chapter[1] else None
            elif chapter and chapter[1]:
                close_section()
                section = (title, []) if _usable_title(title) else None
            continue
        if not line.strip():
            continue  # blank lines neither end a table nor make a paragraph
        if "\t" not in line or in_glossary:
            close_table()
        if in_glossary and line.count("\t") == 1:
            term, definition = (template(c.strip()) for c in line.split("\t"))
            if term not in ("用語", "") and 10 <= len(definition) <= 200 and len(term) <= 40 \
                    and not mentions_any(term + definition):
                glossary.append((term, definition))
            continue
        if "\t" in line:
            table.append(line)
        elif section is not None:
            section[1].extend(template(u) for u in _units(line, min_chars))
    close_chapter()
    return chapters, glossary


def _bulletin_chapters(path: Path, municipalities: dict[tuple[str, str], Municipality]):
    """Chapters of a bulletin CSV: one per category of BULLETIN_CHAPTERS, one section per article."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    by_category: dict[str, list[Section]] = {}
    author = None
    for row in rows:
        place = row["自治体名"]
        author = next((m for (p, n), m in municipalities.items() if place == p + n), author)
        template = templater(author, municipal=True)
        title = template(re.sub(r"^【[^】]*】\s*", "", row["記事タイトル"]).strip())
        if row["カテゴリ"] not in BULLETIN_CHAPTERS or not _usable_title(title):
            continue
        units = [template(u) for line in row["記事本文"].split("\n") for u in _units(line, 40)
                 if not re.search(r"[A-Za-z]{4,}|問合せ|【電話】", u)]
        if sum(len(u) for u in units) >= MIN_SECTION:
            by_category.setdefault(row["カテゴリ"], []).append(Section(title, tuple(units)))
    chapters = [Chapter(BULLETIN_CHAPTERS[c], "other", path.name, tuple(s), "bulletin") for c, s in by_category.items()]
    return chapters, author


@lru_cache(maxsize=2)
def load_pool(municipalities: tuple[Municipality, ...], external: Path | None = EXTERNAL) -> Pool:
    """Chapters, glossary rows and sources of the bundled plans and (when present) the external texts."""
    index = {(m.prefecture, m.name): m for m in municipalities}
    chapters: list[Chapter] = []
    glossary: list[tuple[str, str]] = []
    sources: list[Source] = []
    authors: list[Municipality] = []
    for doc in load_folder(BUNDLED_DIR):
        author = index.get((doc.prefecture, doc.city))
        found, rows = split_document(doc.text, doc.doc_id, "plan", templater(author, municipal=True))
        chapters += found
        glossary += rows
        sources.append(Source(f"corpus/plans/{doc.doc_id}", "plan", BUNDLED_LICENCE, doc.city))
        authors += [author] if author else []
    if external is not None and external.is_dir():
        for folder, pattern, licence, kind in EXTERNAL_SOURCES:
            for path in sorted((external / folder).glob(pattern)):
                if kind == "bulletin":
                    found, author = _bulletin_chapters(path, index)
                    authors += [author] if author else []
                else:
                    read, _ = reader_for(path.suffix)
                    text = read(decode_text(path.read_bytes(), path.name), path.name).text
                    found, _rows = split_document(text, path.name, kind, templater(None, municipal=False))
                    author = None
                chapters += found
                sources.append(Source(f"{folder}/{path.name}", kind, licence, author.name if author else ""))
    replaced = tuple(dict.fromkeys(m.name for m in authors))
    return Pool(tuple(_clean(chapters, authors)), tuple(dict.fromkeys(glossary)), tuple(sources), replaced)


def _clean(chapters: list[Chapter], authors: list[Municipality]) -> list[Chapter]:
    """Chapters with every paragraph kept once, and none still naming a source municipality."""
    names = {n for m in authors for n in (m.name, m.name[:-1], hiragana(kana_stem(m)), kana_stem(m))}
    seen: set[str] = set()
    out = []
    for chapter in chapters:
        sections = []
        for section in chapter.sections:
            units = []
            for unit in section.units:
                if unit not in seen and not any(n in unit for n in names):
                    seen.add(unit)
                    units.append(unit)
            if sum(len(u) for u in units) >= MIN_SECTION and not any(n in section.title for n in names):
                sections.append(Section(section.title, tuple(units)))
        if sections and not any(n in chapter.title for n in names):
            out.append(Chapter(chapter.title, chapter.tag, chapter.source, tuple(sections), chapter.kind))
    return out
