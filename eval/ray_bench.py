"""Ray build throughput: chunks/s of `assistant index build`, plain and with --ray auto --workers N.

    python -m eval.ray_bench [--corpus DIR] [--workers 1,2] [--repeat 1] [--json]

Every build is its own `assistant` process writing a fresh index folder, so each one embeds every
chunk. "wall" is the whole process (imports, model loads, Ray's start); "build" is the build's own
time (``BuildReport.seconds``: chunk, tokenize, embed, write; for Ray also Ray's start and the
workers' model loads, which happen when the first shard is due). The 1-minute load average before
each run is printed: on a shared machine it says how much of the CPU the build had. "cpu s" (user +
system time of every process of the build's session, Ray's workers included, sampled every 0.1 s)
does not depend on that, so chunks per CPU-second compares the builds where the wall clock cannot.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def session_cpu(sid: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each process of session ``sid``."""
    tick, found = os.sysconf("SC_CLK_TCK"), {}
    for stat in os.scandir("/proc"):
        if not stat.name.isdigit():
            continue
        try:
            with open(f"/proc/{stat.name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # after the name: state ppid pgrp session ... utime(11) stime(12)
            found[int(stat.name)] = (int(fields[11]) + int(fields[12])) / tick
    return found


def run_build(extra: list[str], corpus: str | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="ray-bench-") as tmp:
        command = [sys.executable, "-m", "assistant", "index", "build", "--index", tmp, "--quiet", "--json",
                   "--device", "cpu", *extra, *(["--corpus", corpus] if corpus else [])]
        load = os.getloadavg()[0]
        started = time.perf_counter()
        with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
            proc = subprocess.Popen(command, stdout=stdout, stderr=stderr, text=True, start_new_session=True)
            seen: dict[int, float] = {}
            while proc.poll() is None:
                seen.update(session_cpu(proc.pid))
                time.sleep(0.1)
            wall = time.perf_counter() - started
            stdout.seek(0), stderr.seek(0)
            out = subprocess.CompletedProcess(command, proc.returncode, stdout.read(), stderr.read())
        cpu = sum(seen.values())
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{out.stderr[-2000:]}")
    report = json.loads(out.stdout)
    return {"chunks": report["chunks"], "encoded": report["encoded"], "wall_s": round(wall, 1),
            "build_s": round(report["seconds"], 1), "chunks_per_s_wall": round(report["encoded"] / wall, 1),
            "chunks_per_s_build": round(report["encoded"] / report["seconds"], 1), "cpu_s": round(cpu, 1),
            "chunks_per_cpu_s": round(report["encoded"] / cpu, 2), "load_before": round(load, 2)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="folder of plans (default: the bundled five)")
    ap.add_argument("--workers", default="1,2", help="Ray worker counts to measure (default 1,2)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each configuration (default 1)")
    ap.add_argument("--json", action="store_true", help="one JSON object per run")
    args = ap.parse_args(argv)
    configs = [("plain", [])] + [(f"ray, {n} worker{'s' * (n > 1)}", ["--ray", "auto", "--workers", str(n)])
                                 for n in map(int, args.workers.split(","))]
    print(f"{os.cpu_count()} CPUs; build of {args.corpus or 'the bundled plans'}", file=sys.stderr)
    if not args.json:
        print(f"| {'build':<16} | chunks | wall s | build s | chunks/s (wall) | chunks/s (build) | cpu s "
              "| chunks/cpu-s | load before |")
        print(f"|{'-' * 18}|-------:|-------:|--------:|----------------:|-----------------:|------:|-------------:"
              "|------------:|")
    for _ in range(args.repeat):
        for name, extra in configs:
            row = run_build(extra, args.corpus)
            if args.json:
                print(json.dumps({"build": name, **row}), flush=True)
            else:
                print(f"| {name:<16} | {row['chunks']:>6} | {row['wall_s']:>6} | {row['build_s']:>7} | "
                      f"{row['chunks_per_s_wall']:>15} | {row['chunks_per_s_build']:>16} | {row['cpu_s']:>5} | "
                      f"{row['chunks_per_cpu_s']:>12} | {row['load_before']:>11} |",
                      flush=True)


if __name__ == "__main__":
    main()
