"""Benchmark: `export-focus` (FOCUS 1.2 CSV with the scenario rows) on a synthetic Parquet store.

    .venv/bin/python bench/bench_focus_export.py [--rows N] [--dir DIR]

Builds the store of bench/bench_measures.py (default 10,000,000 requests over 90 days, 8 models,
one unpriced) and times `llmcost.document.focus_export.export_focus` once, in this process: the one pricing
pass, the window's actual rows and the forecast and scenarios section. The day is fixed (the
store's data ends 2025-03-31), so the forecast does not depend on today's date. Figures go into
docs/benchmarks.md ("FOCUS export at 10M"); `make bench` runs it (about a minute on a quiet
machine: 20 s to build the store, 43 s to export). The memory limit is 8 GB unless
LLMCOST_MEMORY_LIMIT says otherwise.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_measures import make_store

from llmcost.document.analysis import ReportOptions
from llmcost.document.focus_export import export_focus
from llmcost.pricing.engine import pricing_passes


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--dir", type=Path, default=None, help="store directory (default: a temp dir, removed)")
    args = ap.parse_args()
    os.environ.setdefault("LLMCOST_MEMORY_LIMIT", "8GB")
    root = args.dir or Path(tempfile.mkdtemp(prefix="llmcost-bench-focus-"))
    try:
        store = root / "store"
        t0 = time.perf_counter()
        if not (store / "manifest.json").exists():
            make_store(store, args.rows)
        t1 = time.perf_counter()
        passes = pricing_passes()
        n, unpriced = export_focus(ReportOptions(store=store, today=date(2025, 4, 15)), root / "focus.csv")
        t2 = time.perf_counter()
        print(f"rows in the store      {args.rows:,}")
        print(f"generate store         {t1 - t0:.2f} s (not counted)")
        print(f"export_focus           {t2 - t1:.2f} s ({n:,} CSV rows, {unpriced:,} unpriced requests left out)")
        print(f"pricing passes         {pricing_passes() - passes}")
        print(f"peak RSS               {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:,.0f} MiB")
    finally:
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
