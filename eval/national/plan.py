"""Compose one municipality's plan from pool sections, with each topic's status stated or left out.

A plan reads like the bundled ones: a title page, chapters (策定の趣旨, 国の動向, 現状と課題,
施策の展開, 推進体制, more chapters of real text up to the size asked), and a 資料編 with a
glossary and survey results. The topics' status sentences go into the 施策 chapter under the
area they belong to; traps go where such sentences stand in real plans (the glossary, the
national-trend chapter, the survey). Everything is drawn from ``random.Random`` seeded by the
corpus seed and the municipality's code, so a plan does not depend on which others are generated.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from eval.national import layout, wording
from eval.national.codes import Municipality
from eval.national.errors import GenerateError
from eval.national.sources import Pool, fill, fill_table
from eval.national.topics import TOPICS, Topic, mentions, normalized
from eval.national.wording import ABSENT, GLOSSARY, IMPLEMENTED, PLANNED, POLICY, SURVEY, UNDER_STUDY

# chance of each status per topic, before a plan-wide lean (some plans cover more than others)
STATUS_WEIGHTS = {IMPLEMENTED: 0.25, PLANNED: 0.25, UNDER_STUDY: 0.15, ABSENT: 0.35}
TRAP_CHANCE = {GLOSSARY: 0.3, POLICY: 0.25, SURVEY: 0.2}
MAX_SECTIONS = 16  # per generated chapter of pool text (numbering styles stop at 20)


@dataclass(frozen=True)
class Span:
    kind: str  # evidence | glossary | policy | survey
    start: int  # character offsets into the file's text
    end: int
    text: str


@dataclass(frozen=True)
class TopicTruth:
    topic: str
    status: str  # implemented | planned | under_study | absent
    evidence: Span | None
    traps: tuple[Span, ...]


@dataclass(frozen=True)
class Plan:
    municipality: Municipality
    doc: str  # file name
    title: str
    period: str
    text: str
    sections: int  # sections written (each about one chunk)
    truth: tuple[TopicTruth, ...]


class _Page:
    """Lines written so far and the offset of the next one."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.pos = 0

    def add(self, line: str = "") -> int:
        start = self.pos
        self.lines.append(line)
        self.pos += len(line) + 1
        return start

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class _Draw:
    """Windows of pool sections for one plan; a paragraph returns only after the whole pool was used."""

    def __init__(self, pool: Pool, rng: random.Random):
        self.pool, self.rng = pool, rng
        self.left: dict[tuple[int, int], list[int]] = {}
        self.full = [sum(len(s.units) for s in c.sections) for c in pool.chapters]
        self.remaining = list(self.full)  # paragraphs left per chapter

    def _left(self, key: tuple[int, int]) -> list[int]:
        if key not in self.left:
            self.left[key] = list(range(len(self.pool.chapters[key[0]].sections[key[1]].units)))
        return self.left[key]

    def available(self, ci: int) -> list[int]:
        return [si for si in range(len(self.pool.chapters[ci].sections)) if self._left((ci, si))]

    def chapter(self, tags: tuple[str, ...], kinds: tuple[str, ...] = ()) -> int:
        """A pool chapter of one of ``tags`` (and source ``kinds``) with text left; else any chapter with
        text left; else one after starting a new pass over the pool."""
        for wanted, of in ((tags, kinds), (tags, ()), (None, ())):
            found = [i for i, c in enumerate(self.pool.chapters)
                     if self.remaining[i] and (wanted is None or c.tag in wanted) and (not of or c.kind in of)]
            if found:
                return self.rng.choice(found)
        self.left.clear()
        self.remaining = list(self.full)
        return self.chapter(tags, kinds)

    def measure(self) -> tuple[int, int]:
        """(chapter, section) for a filler measure: a plan's own measure with a title of its own."""
        for _ in range(20):
            ci = self.chapter(("measure", "current"), ("plan",))
            named = [si for si in self.available(ci) if self.pool.chapters[ci].sections[si].title != "概要"]
            if named:
                return ci, self.rng.choice(named)
        return ci, self.available(ci)[0]

    def window(self, ci: int, si: int) -> list[str]:
        """A run of the section's unused paragraphs (200–460 characters, from a random one on, in order,
        now and then skipping one), as long as the section has text left."""
        units = self.pool.chapters[ci].sections[si].units
        left = self._left((ci, si))
        start, target, size, picked = self.rng.randrange(len(left)), self.rng.randint(200, 460), 0, []
        for j in left[start:] + left[:start]:
            if picked and (size + len(units[j]) > 470 or "\t" in units[j]):
                break
            if picked and self.rng.random() < 0.15:
                continue
            picked.append(j)
            size += len(units[j])
            if size >= target or "\t" in units[j]:  # a table stands alone
                break
        picked.sort()
        for j in picked:
            left.remove(j)
        self.remaining[ci] -= len(picked)
        return [units[j] for j in picked]


def wareki(year: int, western: bool) -> str:
    """A fiscal year as plans write it: 令和5年度 (2023), 平成30年度, or 2023年度."""
    if western:
        return f"{year}年度"
    if year >= 2019:
        return f"令和{'元' if year == 2019 else year - 2018}年度"
    return f"平成{year - 1988}年度"


class _Composer:
    def __init__(self, m: Municipality, pool: Pool, rng: random.Random, sections: int):
        self.m, self.pool, self.rng, self.budget = m, pool, rng, sections
        self.table = fill_table(m)
        self.draw = _Draw(pool, rng)
        self.page = _Page()
        self.style = rng.choice(sorted(layout.STYLES))
        self.people = m.kind + "民"
        self.self_ = "本" + m.kind
        self.start = rng.randint(2020, 2026)
        self.end = self.start + rng.choice((2, 3, 4))
        self.western = rng.random() < 0.25
        self.chapter_no = 0
        self.written = 0
        self.owned: dict[str, list[tuple[int, int]]] = {t.label: [] for t in TOPICS}  # spans allowed to mention it
        self.evidence: dict[str, Span] = {}
        self.traps: dict[str, list[Span]] = {t.label: [] for t in TOPICS}

    # -- small pieces ---------------------------------------------------
    def slots(self, **more) -> dict:
        return {"self": self.self_, "people": self.people, "kind": self.m.kind, "pref": self.m.prefecture,
                "name": self.m.name, **more}

    def period(self) -> str:
        a, b = wareki(self.start, False), wareki(self.end, False)
        if self.western:
            return self.rng.choice((f"{self.start}年度～{self.end}年度", f"{self.start}～{self.end}年度"))
        return self.rng.choice((f"{a}～{b}", f"{a}から{b}まで"))

    def heading(self, level: int, n: int, title: str) -> int:
        self.page.add()
        return self.page.add(layout.heading(self.style, level, n, title))

    def open_chapter(self, title: str) -> None:
        self.chapter_no += 1
        self.heading(1, self.chapter_no, title)

    def section_title(self, ci: int, si: int, chapter: str = "") -> str:
        """A pool section's title; for an untitled one (「概要」) its chapter's, unless that heads this chapter."""
        title = self.pool.chapters[ci].sections[si].title
        if title == "概要" and self.pool.chapters[ci].title != chapter:
            title = self.pool.chapters[ci].title
        return fill(title, self.table)

    def filler(self, units: list[str]) -> None:
        for unit in units:
            self.page.add(fill(unit, self.table))

    def pool_sections(self, tags: tuple[str, ...], n: int) -> None:
        """Write ``n`` numbered sections of pool text, from pool chapters of ``tags`` where there are any."""
        number = 0
        while number < n:
            ci = self.draw.chapter(tags)
            for si in self.draw.available(ci)[: n - number]:
                number += 1
                self.heading(2, number, self.section_title(ci, si))
                self.filler(self.draw.window(ci, si))
                self.written += 1

    # -- topics ---------------------------------------------------------
    def statement(self, topic: Topic, status: str) -> str:
        np, verb = self.rng.choice(topic.objects)
        past = wareki(self.rng.randint(self.start - 4, self.start - 1), self.western)
        future = wareki(self.rng.randint(self.start, self.end), self.western)
        template = self.rng.choice(wording.STATUS_WORDINGS[status])
        return template.format(**self.slots(np=np, v=verb, past=past, future=future))

    def paragraph(self, topic: Topic, status: str) -> None:
        """The topic's status sentence with a background sentence before it and sometimes one after."""
        lead = self.rng.choice(wording.LEADS[topic.area]) if self.rng.random() < 0.85 else ""
        sentence = self.statement(topic, status)
        follow = self.rng.choice(wording.FOLLOWS)
        start = self.page.add(lead + sentence + follow) + len(lead)
        self.evidence[topic.label] = Span("evidence", start, start + len(sentence), sentence)
        self.owned[topic.label].append((start, start + len(sentence)))
        if self.rng.random() < 0.4:  # a paragraph of a real measure's description after it
            self.filler(self.draw.window(*self.draw.measure())[:1])

    def trap(self, topic: Topic, kind: str, start: int, text: str) -> None:
        self.traps[topic.label].append(Span(kind, start, start + len(text), text))
        self.owned[topic.label].append((start, start + len(text)))

    # -- chapters -------------------------------------------------------
    def title_page(self, title: str, period: str) -> None:
        self.page.add(f"# {title}" if self.style.startswith("markdown") else title)
        subtitle = self.rng.choice(wording.SUBTITLES).format(**self.slots())
        if subtitle:
            self.page.add()
            self.page.add(subtitle)
        self.page.add()
        self.page.add(period)
        self.page.add()
        published = wareki(self.start - 1, self.western).replace("年度", "年")
        self.page.add(f"{published}{self.rng.choice((3, 3, 2, 12))}月")
        self.page.add()
        self.page.add(" ".join(self.m.name) if self.rng.random() < 0.3 else self.m.name)

    def fixed(self, tag: str, n: int, period: str = "", policies: list[Topic] = ()) -> None:
        self.open_chapter(self.rng.choice(wording.CHAPTER_TITLES[tag]).format(**self.slots()))
        if period:
            self.page.add()
            self.page.add(f"本計画の計画期間は、{period}とします。")
        self.pool_sections((tag,), n)
        if policies:  # national policy sentences close the chapter's last section
            for topic in policies:
                text = self.rng.choice(wording.POLICY_WORDINGS).format(
                    **self.slots(name=self.rng.choice(topic.names)))
                self.trap(topic, POLICY, self.page.add(text), text)

    def measures(self, statuses: dict[str, str], n_filler: int) -> None:
        self.open_chapter(self.rng.choice(wording.CHAPTER_TITLES["measure"]).format(**self.slots()))
        fillers = [0] * len(wording.AREA_ORDER)
        for _ in range(n_filler):
            fillers[self.rng.randrange(len(fillers))] += 1
        for number, (area, n_fill) in enumerate(zip(wording.AREA_ORDER, fillers), 1):
            self.heading(2, number, self.rng.choice(wording.AREA_TITLES[area]))
            present = [t for t in TOPICS if t.area == area and statuses[t.label] != ABSENT]
            items: list[Topic | None] = present + [None] * min(n_fill, layout.MAX_ITEMS - len(present))
            self.rng.shuffle(items)
            inline = [t for t in items if t is not None and self.rng.random() < 0.2]
            for topic in inline:
                self.page.add()
                self.paragraph(topic, statuses[topic.label])
                self.written += 1
            item_no = 0
            for item in items:
                if item in inline:
                    continue
                item_no += 1
                if item is None:
                    ci, si = self.draw.measure()
                    self.heading(3, item_no, self.section_title(ci, si))
                    self.filler(self.draw.window(ci, si))
                else:
                    named = self.rng.random() < 0.75
                    title = self.rng.choice(item.headings if named else wording.AREA_TITLES[area])
                    start = self.heading(3, item_no, title)
                    if named:
                        self.owned[item.label].append((start, self.page.pos))
                    self.paragraph(item, statuses[item.label])
                self.written += 1

    def extra(self, n: int) -> None:
        """Chapters of pool text, each from one or two pool chapters, until ``n`` sections are written."""
        while n > 0:
            size = min(n, self.rng.randint(6, MAX_SECTIONS))
            ci = self.draw.chapter(("other", "intro", "trend", "current", "measure", "system"))
            title = self.pool.chapters[ci].title
            self.open_chapter(fill(title, self.table))
            number = 0
            while number < size:
                for si in self.draw.available(ci)[: size - number]:
                    number += 1
                    self.heading(2, number, self.section_title(ci, si, title))
                    self.filler(self.draw.window(ci, si))
                    self.written += 1
                ci = self.draw.chapter(("other",))
            n -= size

    def appendix(self, surveys: list[Topic], glossary: list[Topic]) -> None:
        show_survey = bool(surveys) or self.rng.random() < 0.3
        show_glossary = bool(glossary) or self.rng.random() < 0.6
        if not (show_survey or show_glossary):
            return
        self.open_chapter(self.rng.choice(("資料編", "参考資料", "資料")))
        number = 0
        if show_survey:
            number += 1
            self.heading(2, number, self.rng.choice(wording.SURVEY_TITLES).format(**self.slots()))
            lines = [(None, self.rng.choice(wording.SURVEY_LINES)) for _ in range(self.rng.randint(3, 6))]
            lines += [(t, self.rng.choice(wording.SURVEY_WORDINGS)) for t in surveys]
            self.rng.shuffle(lines)
            for topic, template in dict.fromkeys(lines):
                text = template.format(**self.slots(
                    name=self.rng.choice(topic.names) if topic else "", pct=self.rng.randint(5, 60),
                    rate=self.rng.randint(25, 65),
                    n=self.rng.choice((1000, 2000, 3000)), m=self.rng.randint(300, 1400),
                    age=self.rng.choice((40, 50, 60, 70))))
                start = self.page.add(text)
                if topic is not None:
                    self.trap(topic, SURVEY, start, text)
        if show_glossary:
            number += 1
            self.heading(2, number, self.rng.choice(wording.GLOSSARY_TITLES))
            rows = [(None, term, text) for term, text in
                    self.rng.sample(self.pool.glossary, min(len(self.pool.glossary), self.rng.randint(4, 12)))]
            rows += [(t, *self.rng.choice(t.glossary)) for t in glossary]
            rows.sort(key=lambda r: unicodedata.normalize("NFKC", r[1]))
            tabbed = self.rng.random() < 0.5
            if tabbed:
                self.page.add("用語\t説明")
            for topic, term, definition in rows:
                line = fill(f"{term}\t{definition}" if tabbed else f"{term}：{definition}", self.table)
                start = self.page.add(line)
                if topic is not None:
                    self.trap(topic, GLOSSARY, start, line)


def compose(m: Municipality, pool: Pool, seed: int, sections: int) -> Plan:
    """The plan of ``m``: its text and, per topic, the status it states, the evidence span and the traps."""
    rng = random.Random(f"eval.national:{seed}:{m.code}")
    c = _Composer(m, pool, rng, sections)
    lean = rng.uniform(-0.15, 0.15)  # some plans cover more topics than others
    weights = dict(STATUS_WEIGHTS, absent=max(0.05, STATUS_WEIGHTS[ABSENT] + lean))
    statuses = {t.label: rng.choices(list(weights), list(weights.values()))[0] for t in TOPICS}
    traps = {kind: [t for t in TOPICS if rng.random() < chance] for kind, chance in TRAP_CHANCE.items()}

    title = (rng.choice(wording.EDITIONS) + m.name + rng.choice(wording.PLAN_KINDS))
    period = c.period()
    c.page.add("---")
    for key, value in (("city", m.name), ("prefecture", m.prefecture), ("title", title), ("period", period),
                       ("code", m.code), ("source", "synthetic plan (python -m eval.national); see README.txt")):
        c.page.add(f"{key}: {value}")
    c.page.add("---")
    c.title_page(title, period)

    present = sum(s != ABSENT for s in statuses.values())
    rest = max(sections - present, 5)
    share = {"intro": (0.08, 8), "trend": (0.1, 10), "current": (0.08, 8), "measure": (0.15, 20), "system": (0.05, 5)}
    sizes = {tag: min(cap, max(1, round(rest * part))) for tag, (part, cap) in share.items()}
    extra = max(0, rest - sum(sizes.values()))
    before = rng.randint(0, extra)  # pool chapters before the measures, the rest after them
    c.fixed("intro", sizes["intro"], period=period)
    order = ["trend", "current"] if rng.random() < 0.7 else ["current", "trend"]
    for tag in order:
        c.fixed(tag, sizes[tag], policies=traps[POLICY] if tag == "trend" else [])
    c.extra(before)
    c.measures(statuses, sizes["measure"])
    c.extra(extra - before)
    c.fixed("system", sizes["system"])
    c.appendix(traps[SURVEY], traps[GLOSSARY])

    text = c.page.text()
    truth = tuple(TopicTruth(t.label, statuses[t.label], c.evidence.get(t.label), tuple(c.traps[t.label]))
                  for t in TOPICS)
    _check(text, truth, c.owned, m)
    return Plan(m, f"{m.code}.txt", title, period, text, c.written, truth)


def _check(text: str, truth: tuple[TopicTruth, ...], owned: dict[str, list[tuple[int, int]]], m: Municipality) -> None:
    """Every mention of a topic lies in its evidence, its traps or its own measure heading; spans hold their text."""
    norm = normalized(text)
    for row in truth:
        for span in (row.evidence, *row.traps) if row.evidence else row.traps:
            if text[span.start:span.end] != span.text:
                raise GenerateError(f"generator bug: {m.code} {row.topic} span {span.start}-{span.end} "
                                    "does not hold its text")
        topic = next(t for t in TOPICS if t.label == row.topic)
        for start, end in mentions(topic, norm):
            if not any(a <= start and end <= b for a, b in owned[row.topic]):
                raise GenerateError(f"generator bug: {m.code} mentions {row.topic} outside its evidence and traps "
                                    f"at {start}: {text[max(0, start - 30):end + 30]!r}")
