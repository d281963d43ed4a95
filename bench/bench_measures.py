"""Benchmark: every measure (compute_measures) over 10 million synthetic canonical requests.

    .venv/bin/python bench/bench_measures.py [--rows N] [--dir DIR] [--by-query]

The last lines give the peak RSS and a digest of every answer: two trees (or two commits) agree
on the results when their digests agree (the bench's store is the same: see --dir).

With --dir the store is kept there and reused by the next run with the same --rows (its
generation is not timed anyway). --by-query adds each query's wall and CPU time. CPU time
(user + sys of the process, DuckDB's threads included) is printed beside the wall time: on a
shared machine it moves much less with the load than the wall time does.

Generates the rows with DuckDB range(), writes them as a Parquet store (manifest + monthly parts,
as the loader would), opens it with Store.connect() and times compute_measures, which prices the
rows (attach_costs), copies them once and runs every registered measure's queries. The figures go
into docs/benchmarks.md ("Measures at 10M").
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

import llmcost.measures.registry
from llmcost.measures.registry import compute_measures
from llmcost.storage.schema import INTERNAL_COLUMNS, USAGE_COLUMNS
from llmcost.storage.store import FileEntry, Manifest, Store, now_iso

MODELS = [
    ("openai", "gpt-4o-2024-08-06"),
    ("openai", "gpt-4.1"),
    ("openai", "gpt-5-mini"),
    ("anthropic", "claude-sonnet-4-20250514"),
    ("anthropic", "claude-sonnet-4-5"),
    ("google", "gemini-2.5-pro"),
    ("deepseek", "deepseek-chat"),
    ("acme", "in-house-llm"),  # unpriced on purpose
]


def make_store(root: Path, rows: int) -> Store:
    """A store of `rows` requests over 90 days: 5-turn conversations, 1,000 users, 20 projects."""
    values = ", ".join(f"({i}, '{p}', '{m}')" for i, (p, m) in enumerate(MODELS))
    exprs = {c.name: f"CAST(NULL AS {c.duckdb})" for c in USAGE_COLUMNS + INTERNAL_COLUMNS}
    step_us = 90 * 86_400_000_000 // rows
    exprs.update(
        event_id="CAST(r.i AS VARCHAR)",
        source="'bench'",
        source_file="'bench.jsonl'",
        source_line="r.i + 1",
        grain="'request'",
        ts=f"make_timestamptz(CAST(1735689600000000 + r.i * {step_us} AS BIGINT))",
        provider="m.provider",
        model="m.model",
        project="'project-' || CAST(r.i % 20 AS VARCHAR)",
        api_key="'key-' || CAST(r.i % 50 AS VARCHAR)",
        user_id="'user-' || CAST((r.i // 5) % 1000 AS VARCHAR)",
        conversation_id="'c' || CAST(r.i // 5 AS VARCHAR)",
        conversation_inferred="false",
        turn="CAST(r.i % 5 + 1 AS INTEGER)",
        request_count="1",
        input_tokens="(r.i * 7919) % 6000 + 200 * (r.i % 5)",
        cache_read_tokens="CASE WHEN r.i % 5 > 0 AND r.i % 3 > 0 THEN (r.i * 104729) % 8000 ELSE 0 END",
        cache_write_tokens="CASE WHEN r.i % 5 = 0 THEN (r.i * 13) % 3000 ELSE 0 END",
        cache_write_1h_tokens="0",
        output_tokens="(r.i * 31) % 2500",
        reasoning_tokens="CASE WHEN r.i % 11 = 0 THEN (r.i * 17) % 3000 ELSE 0 END",
        cache_known="r.i % 10 <> 0",
        batch="false",
        service_tier="'default'",
        tool_calls="CAST(r.i % 4 AS INTEGER)",
        label="CASE WHEN r.i % 50 = 0 THEN 'complex' END",
        _seq="1",
        _dup="false",
    )
    select = ", ".join(f"{e} AS {name}" for name, e in exprs.items())
    store = Store.open(root, create=True)
    con = duckdb.connect()
    part_dir = root / "usage"
    con.execute(
        f"""COPY (
            WITH m(k, provider, model) AS (VALUES {values})
            SELECT {select}, strftime(ts, '%Y-%m') AS month
            FROM range({rows}) r(i) JOIN m ON m.k = r.i % {len(MODELS)}
        ) TO '{part_dir}' (FORMAT parquet, PARTITION_BY (month), FILENAME_PATTERN 'bench_{{i}}')"""
    )
    parts = sorted(p.relative_to(root).as_posix() for p in part_dir.rglob("*.parquet"))
    entry = FileEntry(
        path="bench.jsonl", size=0, sha256="0" * 64, ingestor="bench", table="usage", seq=1,
        ingested_at=now_iso(), rows_read=rows, rows_stored=rows, parts=parts,
    )
    store.write_manifest(Manifest(files={"bench.jsonl": entry}, next_seq=2))
    return store


def cpu_seconds() -> float:
    """User + system CPU time of this process so far (every DuckDB thread included)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_queries() -> dict[str, tuple[float, float]]:
    """Wrap the measures' query runner so that each query's wall and CPU seconds are recorded."""
    times: dict[str, tuple[float, float]] = {}
    run = llmcost.measures.registry._fetch

    def timed(con: duckdb.DuckDBPyConnection, name: str, **kw: object) -> list[dict[str, object]]:
        w, c = time.perf_counter(), cpu_seconds()
        out = run(con, name, **kw)
        times[name] = (time.perf_counter() - w, cpu_seconds() - c)
        return out

    llmcost.measures.registry._fetch = timed  # type: ignore[assignment]
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--dir", type=Path, default=None,
                    help="store directory, kept and reused with the same --rows (default: a temp dir, removed)")
    ap.add_argument("--by-query", action="store_true", help="print each query's wall and CPU time")
    args = ap.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="llmcost-bench-measures-"))
    try:
        t0 = time.perf_counter()
        marker = root / f"rows-{args.rows}"
        if marker.exists():
            store = Store.open(root / "store")
        else:
            shutil.rmtree(root / "store", ignore_errors=True)
            store = make_store(root / "store", args.rows)
            if args.dir is not None:
                marker.touch()
        t1 = time.perf_counter()
        con = store.connect()
        times = time_queries() if args.by_query else {}
        t2, c2 = time.perf_counter(), cpu_seconds()
        m = compute_measures(con)
        t3, c3 = time.perf_counter(), cpu_seconds()
        totals = m["spend"]["totals"]
        print(f"rows                   {totals['n_rows']:,}")
        print(f"generate store         {t1 - t0:.2f} s (not counted)")
        print(f"connect                {t2 - t1:.2f} s")
        print(f"compute_measures       {t3 - t2:.2f} s wall, {c3 - c2:.2f} s CPU (pricing, copy, every query)")
        for name, (wall, cpu) in sorted(times.items(), key=lambda kv: -kv[1][1]):
            print(f"  {name:32s} {wall:6.2f} s wall {cpu:6.2f} s CPU")
        print(f"priced spend           {totals['cost_usd']} USD")
        print(f"unpriced requests      {totals['unpriced_requests']:,}")
        # every answer (Decimal and float reprs included): equal digests = equal results
        print(f"peak RSS               {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
        print(f"results sha256         {hashlib.sha256(repr(m).encode()).hexdigest()[:16]}")
    finally:
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
