"""`make bench`: speed and memory of ingest against a bare DuckDB COPY, side by side in one run.

1. Generate a JSONL request log of --size-mb MB, for each shape: OpenAI bodies in an app
   envelope, and bare bodies (one API reply a line).
2. Baselines: DuckDB alone, `COPY (SELECT <the same fields> FROM read_json(file)) TO 'x.parquet'`
   and `COPY (SELECT * ...)`.
3. Ours: `llmcost.ingest.loader.load` of the same file into a fresh store (parse, validate, quarantine,
   dedupe, mask, partition, commit).
Each runs in its own process so peak memory (max RSS from wait4) is per run. Then the other
benches (pricing, measures, forecast, FOCUS export) run if present. Figures go to stdout as Markdown; copy them
into docs/benchmarks.md with the date and machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from gen_jsonl import SHAPES  # noqa: E402  (bench/ is not a package)

BASELINE = {
    "envelope": """
import duckdb, sys
con = duckdb.connect(config={{"threads": {threads}}})
con.execute('''COPY (SELECT ts, conversation_id, "user", response.id AS id, response.model AS model,
  response.usage.prompt_tokens AS prompt_tokens, response.usage.completion_tokens AS completion_tokens,
  response.usage.prompt_tokens_details.cached_tokens AS cached_tokens,
  response.usage.completion_tokens_details.reasoning_tokens AS reasoning_tokens, response.service_tier AS tier
  FROM read_json('{src}')) TO '{out}' (FORMAT parquet)''')
""",
    # a bare body has no envelope: the time is `created` (epoch seconds), no conversation or user
    "bare": """
import duckdb, sys
con = duckdb.connect(config={{"threads": {threads}}})
con.execute('''COPY (SELECT to_timestamp(created) AS ts, id, model,
  usage.prompt_tokens AS prompt_tokens, usage.completion_tokens AS completion_tokens,
  usage.prompt_tokens_details.cached_tokens AS cached_tokens,
  usage.completion_tokens_details.reasoning_tokens AS reasoning_tokens, service_tier AS tier
  FROM read_json('{src}')) TO '{out}' (FORMAT parquet)''')
""",
}
"""The same fields ingest extracts (ids, time, model, usage counts, tier), per shape."""

BASELINE_ALL = """
import duckdb
con = duckdb.connect(config={{"threads": {threads}}})
con.execute("COPY (SELECT * FROM read_json('{src}')) TO '{out}' (FORMAT parquet)")
"""

OURS = """
from pathlib import Path
from llmcost.ingest.loader import load
r = load([Path('{src}')], Path('{out}'))
f = r.files[0]
print(f.status, f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined)
"""


def timed(code: str) -> tuple[float, int, str, float]:
    """(seconds, peak RSS in bytes, stdout, CPU seconds: user + system) of `python -c code` in a
    child process. The CPU time moves far less than the wall time when other work shares the cores."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    secs = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed ({proc.returncode})")
    return secs, usage.ru_maxrss * 1024, out.strip(), usage.ru_utime + usage.ru_stime


def ingest_vs_copy(work: Path, shape: str, size_mb: float, rounds: int) -> None:
    """Generate a log of `shape`, time the two COPYs and ingest in interleaved rounds, print the table."""
    from gen_jsonl import generate

    src = work / f"requests-{shape}.jsonl"
    t = time.perf_counter()
    n = generate(src, size_mb, shape=shape)
    size = src.stat().st_size
    print(f"\n### {shape} bodies\n")
    print(f"generated {n:,} requests, {size / 1e6:,.0f} MB in {time.perf_counter() - t:.1f}s")
    threads = os.cpu_count() or 2
    # Interleaved rounds, best time of each: a shared machine's noise hits all three alike.
    best: dict[str, tuple[float, int, str, float]] = {}
    cpu: dict[str, float] = {}  # the least CPU time of each run over the rounds
    for _ in range(rounds):
        for key, code in (
            ("all", BASELINE_ALL.format(src=src, out=work / "all.parquet", threads=threads)),
            ("same", BASELINE[shape].format(src=src, out=work / "base.parquet", threads=threads)),
            ("ours", OURS.format(src=src, out=work / "store")),
        ):
            shutil.rmtree(work / "store", ignore_errors=True)
            got = timed(code)
            if key not in best or got[0] < best[key][0]:
                best[key] = got
            cpu[key] = min(cpu.get(key, got[3]), got[3])
    (a_secs, a_rss, _, _), (b_secs, b_rss, _, _), (o_secs, o_rss, o_out, _) = best["all"], best["same"], best["ours"]
    print(f"best of {rounds} interleaved rounds each; load average {os.getloadavg()[0]:.1f} at the end")
    print()
    print("| run | seconds | CPU seconds | MB/s | rows/s | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|")
    runs = (
        ("bare DuckDB COPY, whole records (SELECT *)", a_secs, cpu["all"], a_rss),
        ("bare DuckDB COPY, the same fields", b_secs, cpu["same"], b_rss),
        ("llmcost-forecast ingest", o_secs, cpu["ours"], o_rss),
    )
    for name, s, c, r in runs:
        print(f"| {name} | {s:.1f} | {c:.1f} | {size / 1e6 / s:,.0f} | {n / s:,.0f} | {r / 2**20:,.0f} MiB |")
    print()
    print(
        f"ratio ingest / COPY of whole records: {o_secs / a_secs:.2f}x; "
        f"ingest / COPY of the same fields: {o_secs / b_secs:.2f}x (target <= 1.5x); "
        f"in CPU time: {cpu['ours'] / cpu['all']:.2f}x and {cpu['ours'] / cpu['same']:.2f}x"
    )
    print(f"ingest result (status, read, stored, duplicate, quarantined): {o_out}")
    print(f"peak memory of ingest: {o_rss / 2**30:.2f} GiB (target < 1.5 GB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size-mb", type=float, default=1000)
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--ingest-only", action="store_true", help="skip the pricing, measures and forecast benches")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best time of each run counts")
    ap.add_argument("--shape", choices=("both", *SHAPES), default="both", help="which log shape(s) to time")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="llmcost-bench-"))
    for shape in SHAPES if args.shape == "both" else (args.shape,):
        ingest_vs_copy(work, shape, args.size_mb, args.rounds)
    extras = ("bench_pricing.py", "bench_measures.py", "bench_forecast.py", "bench_scenarios.py",
              "bench_focus_export.py")
    for extra in () if args.ingest_only else extras:
        path = HERE / extra
        if path.exists():
            print(f"\n## {extra}")
            subprocess.run([sys.executable, str(path)], check=False)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
