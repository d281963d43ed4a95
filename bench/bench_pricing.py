"""Benchmark: price 10 million canonical usage rows (generated in DuckDB) and print elapsed seconds.

    .venv/bin/python bench/bench_pricing.py [--rows N]

Measures attach_costs (key scan, Python price resolution, price table) plus one full pass over the
priced view that sums every money column, i.e. the cost of pricing every row once.
"""

from __future__ import annotations

import argparse
import time

import duckdb

from llmcost.pricing import attach_costs, load_catalog
from llmcost.storage.schema import USAGE_COLUMNS

MODELS = [
    ("openai", "gpt-4o-2024-08-06"),
    ("openai", "gpt-4.1"),
    ("openai", "gpt-5-mini"),
    ("openai", "o3"),
    ("anthropic", "claude-sonnet-4-20250514"),
    ("anthropic", "claude-sonnet-4-5"),
    ("aws", "us.anthropic.claude-sonnet-4-20250514-v1:0"),
    ("google", "gemini-2.5-pro"),
    ("deepseek", "deepseek-chat"),
    ("acme", "in-house-llm"),
]


def make_usage(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    values = ", ".join(f"({i}, '{p}', '{m}')" for i, (p, m) in enumerate(MODELS))
    exprs = {c.name: f"CAST(NULL AS {c.duckdb})" for c in USAGE_COLUMNS}
    exprs.update(
        event_id="CAST(r.i AS VARCHAR)",
        source="'bench'",
        grain="'request'",
        ts="TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds(CAST(r.i % 31536000 AS BIGINT))",
        provider="m.provider",
        model="m.model",
        request_count="1",
        input_tokens="(r.i * 7919) % 20000",
        cache_read_tokens="(r.i * 104729) % 250000",
        cache_write_tokens="(r.i * 13) % 3000",
        cache_write_1h_tokens="(r.i * 13) % 1000",
        output_tokens="(r.i * 31) % 4000",
        reasoning_tokens="0",
        cache_known="true",
        batch="r.i % 10 = 0",
        service_tier="CASE r.i % 7 WHEN 0 THEN 'flex' WHEN 1 THEN 'priority' ELSE 'default' END",
    )
    select = ", ".join(f"{e} AS {name}" for name, e in exprs.items())
    con.execute(
        f"""CREATE TABLE usage AS
        WITH m(k, provider, model) AS (VALUES {values})
        SELECT {select} FROM range({rows}) r(i) JOIN m ON m.k = r.i % {len(MODELS)}"""
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    args = ap.parse_args()
    con = duckdb.connect()
    t0 = time.perf_counter()
    make_usage(con, args.rows)
    t1 = time.perf_counter()
    catalog = load_catalog()
    t2 = time.perf_counter()
    summary = attach_costs(con, catalog)
    t3 = time.perf_counter()
    total, n = con.execute(
        "SELECT sum(cost_usd) + sum(cache_read_saving_usd) + sum(cache_write_premium_usd), count(*) "
        "FROM priced_usage"
    ).fetchone()
    t4 = time.perf_counter()
    print(f"rows                  {n:,}")
    print(f"generate rows         {t1 - t0:.2f} s (not counted)")
    print(f"load catalog          {t2 - t1:.2f} s")
    print(f"attach_costs          {t3 - t2:.2f} s ({summary.price_keys:,} price keys)")
    print(f"full pass over view   {t4 - t3:.2f} s (checksum {total})")
    print(f"pricing elapsed       {t4 - t1:.2f} s")
    print(f"unpriced rows         {summary.unpriced_rows:,} ({summary.unpriced_token_share:.2%} of tokens)")


if __name__ == "__main__":
    main()
