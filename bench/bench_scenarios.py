"""Benchmark: `forecast_section` (forecast + all scenarios + all alternatives) on two years of daily history.

Builds an in-memory `usage` table (and an empty `costs` table) of synthetic request rows with DuckDB
`range()`: 730 days, ~150-330 requests a day with weekly pattern and growth, three models on two
providers, 4-turn conversations with growing prompts and cache reads (~160k rows). Then times
`forecast_section` with the packaged scenario file (3 scenarios, 5 alternatives incl. two cache
simulations), 1000 paths. Target: under 5 s after import on 2 cores.

    .venv/bin/python bench/bench_scenarios.py
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
t_start = time.perf_counter()
from datetime import date, timedelta  # noqa: E402

import duckdb  # noqa: E402

from llmcost.pricing import load_catalog  # noqa: E402
from llmcost.scenarios import forecast_section  # noqa: E402
from llmcost.storage.schema import duckdb_types  # noqa: E402

N_DAYS = 730
AS_OF = date(2026, 11, 23)


def build() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    first = AS_OF - timedelta(days=N_DAYS - 1)
    types = duckdb_types("usage")
    con.execute("CREATE TABLE costs (" + ", ".join(f"{c} {t}" for c, t in duckdb_types("costs").items()) + ")")
    con.execute("SELECT setseed(0.42)").fetchall()
    con.execute(f"""
        CREATE TABLE gen AS
        WITH days AS (
            SELECT d, DATE '{first}' + CAST(d AS INTEGER) AS day,
                   CAST(greatest(20, round(150 * (1 + 0.0015 * d)
                        * (CASE WHEN dayofweek(DATE '{first}' + CAST(d AS INTEGER)) IN (0, 6) THEN 0.6 ELSE 1 END)
                        * (0.85 + 0.3 * random()))) AS INTEGER) AS n
            FROM range({N_DAYS}) t(d)
        ),
        r AS (SELECT d, day, n, unnest(range(n)) AS i FROM days)
        SELECT d, day, n, i, CAST(i % 4 + 1 AS INTEGER) AS turn,
               CASE WHEN (i // 4) % 10 < 6 THEN 'openai' WHEN (i // 4) % 10 < 9 THEN 'openai' ELSE 'anthropic' END
                   AS provider,
               CASE WHEN (i // 4) % 10 < 6 THEN 'gpt-4.1-mini' WHEN (i // 4) % 10 < 9 THEN 'gpt-4o'
                    ELSE 'claude-sonnet-4-5' END AS model,
               CAST(200 + 600 * random() AS BIGINT) AS question,
               CAST(100 + 500 * random() AS BIGINT) AS answer
        FROM r""")
    cols = {
        "event_id": "'e' || d || '-' || i", "source": "'bench'", "source_file": "'bench'",
        "source_line": "CAST(d * 100000 + i AS BIGINT)", "grain": "'request'",
        "ts": "CAST(day AS TIMESTAMP) + to_seconds(CAST(floor(i * 86400.0 / n) AS BIGINT))",
        "provider": "provider", "model": "model", "project": "'app'", "conversation_id": "'c' || d || '-' || (i // 4)",
        "turn": "turn", "request_count": "1",
        "input_tokens": "question + CASE WHEN turn = 1 THEN 1200 ELSE 0 END",
        "cache_read_tokens": "CASE WHEN turn > 1 THEN 1200 + 500 * (turn - 1) ELSE 0 END",
        "cache_write_tokens": "CASE WHEN provider = 'anthropic' THEN question ELSE 0 END",
        "cache_write_1h_tokens": "0", "output_tokens": "answer", "reasoning_tokens": "0", "cache_known": "true",
        "batch": "false", "service_tier": "'default'",
    }
    select = ", ".join(f"CAST({cols.get(c, 'NULL')} AS {t}) AS {c}" for c, t in types.items())
    con.execute(f"CREATE TABLE usage AS SELECT {select} FROM gen")
    con.execute("DROP TABLE gen")
    return con


def main() -> None:
    t_import = time.perf_counter() - t_start
    t_sm = time.perf_counter()
    import statsmodels.tsa.exponential_smoothing.ets
    import statsmodels.tsa.seasonal  # noqa: F401

    t_sm = time.perf_counter() - t_sm
    t0 = time.perf_counter()
    con = build()
    n_rows = con.execute("SELECT count(*) FROM usage").fetchall()[0][0]
    t_build = time.perf_counter() - t0
    catalog = load_catalog()
    t1, c1 = time.perf_counter(), time.process_time()
    doc = forecast_section(con, catalog, as_of=AS_OF, tz="UTC", scenarios_file=None, n_paths=1000, seed=0)
    wall, cpu = time.perf_counter() - t1, time.process_time() - c1
    f = doc["forecast"]
    print(f"history: {n_rows:,} request rows over {N_DAYS} days; series fitted: {len(f['drivers'])}")
    for p in f["periods"]:
        print(f"  {p['period']:<8} p50 ${p['p50_usd']:>10,}  80% [${p['lo_80_usd']:,}, ${p['hi_80_usd']:,}]")
    for r in doc["scenarios"] + doc["alternatives"]:
        m = r.get("measured", {})
        extra = f" hit rate {m['simulated_hit_rate']:.1%}" if m.get("simulated_hit_rate") is not None else ""
        print(f"  {r['name']:<28} ${r['monthly_cost_usd']:>10,}  savings ${r['savings_vs_baseline_usd']:>9,}{extra}")
    print(f"import (duckdb, llmcost.scenarios, pricing): {t_import:.2f} s")
    print(f"import statsmodels (cold, paid once at the first fit): {t_sm:.2f} s")
    print(f"building the synthetic table (not counted): {t_build:.2f} s")
    print(f"TOTAL forecast_section (forecast + {len(doc['scenarios'])} scenarios + {len(doc['alternatives'])} "
          f"alternatives): {wall:.2f} s wall, {cpu:.2f} s CPU (target < 5 s)")


if __name__ == "__main__":
    main()
