"""Randomized concurrent-writer runs against a copy of an index (``python -m eval.faults``).

Each run copies the index, then starts 2–4 real ``assistant index add`` /
``remove`` processes at random moments within a second, so they overlap. The
writers change distinct plans, so whatever order the lock gives them, the final
index must hold exactly the plans it started with, plus those added, minus
those removed. A run fails when a plan is lost (or comes back), when a writer
exits non-zero, or when the index does not verify. Prints one line per run and
a summary (target: 0 plans lost and a loadable index after 50 runs).

    python -m eval.faults --runs 50 [--index var/index] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from index import snapshot
from index.verify import verify

CLI = [sys.executable, "-m", "assistant"]


@dataclass(frozen=True)
class Run:
    run: int
    writers: int
    waited: int  # writers that found the lock taken and waited
    failed_writers: int
    lost: list[str]
    unexpected: list[str]
    verified: bool
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.failed_writers and not self.lost and not self.unexpected and self.verified


def _plan(city: str, n: int) -> str:
    return f"---\ncity: {city}\n---\n# 第1章 はじめに\n{city}は施策{n}として窓口のオンライン化を進めます。\n"


def _cities(folder: Path) -> set[str]:
    return {row["city"] for row in snapshot.load(folder).documents.values()}


def one_run(n: int, source: Path, work: Path, rng: random.Random) -> Run:
    folder = work / f"run{n}"
    shutil.copytree(source, folder)
    started = time.perf_counter()
    before = _cities(folder)
    jobs, expected = [], set(before)
    for i in range(rng.randint(2, 3)):
        city = f"試験{n}{i}町"
        path = work / f"run{n}_{i}.md"
        path.write_text(_plan(city, i), encoding="utf-8")
        jobs.append(["index", "add", str(path)])
        expected.add(city)
    removable = sorted(c for c in before if c.startswith("試験"))
    if removable and rng.random() < 0.5:
        gone = rng.choice(removable)
        jobs.append(["index", "remove", gone])
        expected.discard(gone)
    rng.shuffle(jobs)
    procs = []
    for job in jobs:
        time.sleep(rng.uniform(0, 1.0 / len(jobs)))
        procs.append(subprocess.Popen([*CLI, *job, "--index", str(folder), "--quiet"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True))
    errors = [p.communicate(timeout=900)[1] for p in procs]
    after = _cities(folder)
    report = verify(folder)
    run = Run(n, len(jobs), sum("waiting: another writer" in e for e in errors), sum(p.returncode != 0 for p in procs),
              sorted(expected - after), sorted(after - expected), report.ok, round(time.perf_counter() - started, 1))
    # the next run starts from this run's result, so removes find plans added earlier
    if run.ok:
        shutil.rmtree(source)
        shutil.move(str(folder), source)
    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.faults", description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--index", default="var/index", help="index to copy (it is never written)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    runs = []
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        work = Path(tmp)
        source = work / "source"
        shutil.copytree(args.index, source)
        for n in range(1, args.runs + 1):
            run = one_run(n, source, work, rng)
            runs.append(run)
            print(f"run {n:>3}: {run.writers} writers ({run.waited} waited)  lost {len(run.lost)}  "
                  f"{'ok' if run.ok else 'FAILED ' + json.dumps(asdict(run), ensure_ascii=False)}  {run.seconds}s",
                  file=sys.stderr, flush=True)
    summary = {"runs": len(runs), "writers": sum(r.writers for r in runs), "overlapping_writers": sum(r.waited for r in runs),
               "plans_lost": sum(len(r.lost) for r in runs), "failed_writers": sum(r.failed_writers for r in runs),
               "verified": sum(r.verified for r in runs), "failed_runs": sum(not r.ok for r in runs)}
    print(json.dumps(summary, ensure_ascii=False) if args.json else
          f"{summary['runs']} runs, {summary['writers']} writers ({summary['overlapping_writers']} waited for another): "
          f"{summary['plans_lost']} plans lost, {summary['failed_writers']} writers failed, "
          f"{summary['verified']}/{summary['runs']} indexes verified")
    return 0 if summary["failed_runs"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
