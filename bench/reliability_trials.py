"""The long reliability runs whose figures docs/reliability.md records (not run by `make test`).

- `kill`: N kill -9 trials at random moments of an ingest (tests/reliability/crash.py): after each,
  the store is the old state or the committed one, and after a re-run it equals a clean run.
- `fuzz`: the fuzz suite's loader cases at a larger budget (tests/reliability/test_fuzz.py).

Usage:
    .venv/bin/python bench/reliability_trials.py kill --trials 100 --seed 1
    .venv/bin/python bench/reliability_trials.py fuzz --per-format 600 --seed 1
Prints JSON figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def kill(args: argparse.Namespace) -> dict[str, object]:
    from tests.reliability.crash import run_trials

    work = Path(tempfile.mkdtemp(prefix="llmcost-kill-"))
    t0 = time.perf_counter()
    try:
        s, stats = run_trials(work, args.trials, args.seed)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"trials": stats.trials, "killed_mid_run": stats.killed_mid_run,
            "finished_before_kill": stats.finished_before_kill,
            "after_kill_old_state": stats.left_as_before, "after_kill_committed": stats.left_committed,
            "differences": stats.differences, "clean_ingest_s": round(s.clean_seconds, 2),
            "wall_s": round(time.perf_counter() - t0, 1), "seed": args.seed}


def fuzz(args: argparse.Namespace) -> dict[str, object]:
    from tests.reliability.test_fuzz import FORMATS, fuzz_format

    cases, problems, statuses = 0, [], {}
    t0 = time.perf_counter()
    for name in FORMATS:
        for batch in range(max(1, args.per_format // 100)):
            work = Path(tempfile.mkdtemp(prefix="llmcost-fuzz-"))
            try:
                n, found, st = fuzz_format(name, min(100, args.per_format), args.seed + batch, work)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            cases += n
            problems += found
            for k, v in st.items():
                statuses[k] = statuses.get(k, 0) + v
    return {"formats": len(FORMATS), "cases": cases, "statuses": statuses, "problems": problems[:50],
            "wall_s": round(time.perf_counter() - t0, 1), "seed": args.seed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    k = sub.add_parser("kill")
    k.add_argument("--trials", type=int, default=100)
    k.add_argument("--seed", type=int, default=1)
    f = sub.add_parser("fuzz")
    f.add_argument("--per-format", type=int, default=600)
    f.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(json.dumps(kill(args) if args.mode == "kill" else fuzz(args), indent=2))


if __name__ == "__main__":
    main()
