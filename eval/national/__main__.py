"""python -m eval.national generate --municipalities N --out DIR [--seed S] [--sections K] [--force]"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from corpus.errors import AssistantError
from eval.national.generate import DEFAULT_SECTIONS, generate
from eval.national.sources import EXTERNAL


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m eval.national",
                                 description="Synthetic national benchmark corpus of municipal plans, with ground truth.")
    sub = ap.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="write plans/, truth.jsonl and README.txt for N municipalities")
    g.add_argument("--municipalities", "-n", type=int, required=True, metavar="N",
                   help="how many municipalities (1–1741; 47 or more covers every prefecture)")
    g.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder (new or empty)")
    g.add_argument("--seed", type=int, default=0, help="random seed (default 0): same seed, same bytes")
    g.add_argument("--sections", type=int, default=DEFAULT_SECTIONS, metavar="K",
                   help=f"sections per plan, about one chunk each (default {DEFAULT_SECTIONS}; "
                        "630 gives about 1 M chunks at 1,741 municipalities)")
    g.add_argument("--external", type=Path, metavar="DIR",
                   help="shared external texts (default ../shared/external, left out when it is missing)")
    g.add_argument("--force", action="store_true", help="replace a corpus generated in DIR before")
    g.add_argument("--json", action="store_true", help="print the summary as JSON")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from tqdm import tqdm

    if args.external is not None and not args.external.is_dir():
        print(f"error: --external {args.external}: no such folder", file=sys.stderr)
        return 2
    external = args.external or (EXTERNAL if EXTERNAL.is_dir() else None)
    bar = None

    def progress(n: int) -> None:  # the bar starts with the first plan, after the arguments were checked
        nonlocal bar
        if bar is None:
            bar = tqdm(total=args.municipalities, unit="plan", desc="plans", file=sys.stderr, disable=args.quiet)
        bar.update(n)

    try:
        summary = generate(args.out, args.municipalities, args.seed, args.sections, external, args.force, progress)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if bar is not None:
            bar.close()
    print(json.dumps(asdict(summary), ensure_ascii=False) if args.json else summary.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
