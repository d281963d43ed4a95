"""Benchmark: the report's first-screen measures on DuckDB and on Spark local[1] and local[2].

    .venv/bin/python bench/bench_spark.py [--rows 10000000] [--dir DIR] [--engines duckdb,local[1],local[2]]
                                          [--report]

Generates the 10M-row store of bench/bench_measures.py (make_store; kept with --dir, reused when
DIR/store exists), then times, each engine in its own process (a JVM keeps its first master):
pricing every live row once (the money basis and the pricing join) and the measures of
FIRST_SCREEN_QUERIES over the window. Spark's session start is timed apart. Prints
one JSON line per engine, with the load average before and after; docs/scale.md has the figures.

With --report, times the whole report instead (analysis.build_report, forecast, scenarios and
what-ifs included, as `report --engine duckdb|spark` builds it; Spark's session start included):
the priced spend and the forecast's median are printed to check the engines agree.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FIRST_SCREEN_QUERIES = (
    "spend_totals", "spend_unpriced_models", "spend_by_period", "report_by_day", "report_by_project",
    "report_daily", "report_cache_daily", "report_totals", "report_by_provider_model",
)
"""The queries of sql/ behind the report's first screen and its daily series: what the first-screen
timing runs on each engine (the whole report is timed with --report)."""


def run_duckdb(store_dir: Path) -> dict[str, object]:
    from llmcost.document.analysis import open_store
    from llmcost.document.priced_rows import price_once
    from llmcost.engine.spark import spark_sql_file
    from llmcost.measures import queries
    from llmcost.pricing import load_catalog

    out: dict[str, object] = {"engine": "duckdb"}
    t0 = time.perf_counter()
    with open_store(store_dir) as (_, _, con):
        t1 = time.perf_counter()
        rows = price_once(con, load_catalog(None), "UTC")
        rows.view(con, "priced_usage")  # the whole store: the relation the queries read by default
        t2 = time.perf_counter()
        cost = None
        for name in FIRST_SCREEN_QUERIES:
            hand = spark_sql_file(name)
            if hand is not None:  # the two hand-written files are portable SQL: DuckDB runs them as they are
                res = con.execute(queries.parse_query(hand).sql).fetchall()
            else:
                tz = {"tz": "UTC"} if "tz" in queries.get_query(name).params else {}
                res = queries.rows(con, name, **tz)  # type: ignore[assignment]
            if name == "spend_totals":
                cost = str(res[0]["cost_usd"])  # type: ignore[call-overload]
        t3 = time.perf_counter()
    out.update(open_s=round(t1 - t0, 2), price_s=round(t2 - t1, 2), measures_s=round(t3 - t2, 2),
               total_s=round(t3 - t0, 2), cost_usd=cost)
    return out


def run_spark(store_dir: Path, master: str) -> dict[str, object]:
    from llmcost.engine import spark as S
    from llmcost.pricing import load_catalog
    from llmcost.storage.store import Store

    out: dict[str, object] = {"engine": f"spark {master}"}
    t0 = time.perf_counter()
    spark = S.session(master, app="llmcost-bench")
    t1 = time.perf_counter()
    st = Store.open(store_dir)
    S.register_store(spark, st.root, st.checked_manifest())
    priced = S.price_once(spark, load_catalog(None), "UTC")  # materialised (count) inside
    S.window_view(spark, priced, None, None)
    t2 = time.perf_counter()
    cost = None
    for name in FIRST_SCREEN_QUERIES:
        res = S.measure(spark, name, tz="UTC")
        if name == "spend_totals":
            cost = str(res[0]["cost_usd"])
    t3 = time.perf_counter()
    spark.stop()
    out.update(session_s=round(t1 - t0, 2), price_s=round(t2 - t1, 2), measures_s=round(t3 - t2, 2),
               total_s=round(t3 - t1, 2), cost_usd=cost, version=spark.version)
    return out


def run_report(store_dir: Path, engine: str) -> dict[str, object]:
    from llmcost.document.analysis import ReportOptions, build_report
    from llmcost.engine.spark import MASTER_ENV

    if engine != "duckdb":
        os.environ[MASTER_ENV] = engine
    t0 = time.perf_counter()
    doc = build_report(ReportOptions(store=store_dir, engine="duckdb" if engine == "duckdb" else "spark"))
    wall = time.perf_counter() - t0
    fc = doc.get("forecast") or {}
    return {"engine": engine, "what": "report", "report_s": round(wall, 2), "cost_usd": str(doc["totals"]["cost_usd"]),
            "forecast_p50_usd": str(fc.get("p50_usd")), "rows": doc["spend"]["totals"]["n_rows"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--dir", type=Path, default=None, help="work directory (default: a temp dir, removed)")
    ap.add_argument("--engines", default="duckdb,local[1],local[2]")
    ap.add_argument("--report", action="store_true", help="time the whole report (build_report) per engine")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # internal: run one engine here
    args = ap.parse_args()
    if args.one:
        store = args.dir / "store"
        if args.report:
            res = run_report(store, args.one)
        else:
            res = run_duckdb(store) if args.one == "duckdb" else run_spark(store, args.one)
        print(json.dumps(res))
        return
    root = args.dir or Path(tempfile.mkdtemp(prefix="llmcost-bench-spark-"))
    try:
        if not (root / "store" / "manifest.json").exists():
            sys.path.insert(0, str(ROOT / "bench"))
            from bench_measures import make_store

            t = time.perf_counter()
            make_store(root / "store", args.rows)
            print(json.dumps({"generated_rows": args.rows, "generate_s": round(time.perf_counter() - t, 1)}))
        for engine in args.engines.split(","):
            before = os.getloadavg()[0]
            proc = subprocess.run([sys.executable, __file__, "--dir", str(root), "--one", engine,
                                   *(["--report"] if args.report else [])],
                                  capture_output=True, text=True, check=False)
            line = (proc.stdout.strip().splitlines() or ["{}"])[-1]
            res = json.loads(line) if proc.returncode == 0 else {"engine": engine, "failed": proc.stderr[-2000:]}
            res["load_before"], res["load_after"] = round(before, 2), round(os.getloadavg()[0], 2)
            print(json.dumps(res), flush=True)
    finally:
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
