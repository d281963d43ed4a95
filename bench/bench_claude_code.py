"""Benchmark: Claude Code transcripts, our ingest vs `ccusage daily`, time and peak RSS.

Generates Claude Code projects directories with DuckDB (bulk COPY, no per-line Python): each API
reply is written as 2 or 3 lines with the same message.id and requestId (the streamed
duplicates), with user lines and some sidechain lines in between, as Claude Code writes them.
Then runs, each under `/usr/bin/time -v`:

- `llmcost-forecast ingest DIR` (the loader: detect, parse, validate, dedupe, Parquet store);
- `ccusage daily --json --offline --timezone UTC` (ccusage@18, CLAUDE_CONFIG_DIR=DIR);

and checks that both give the same daily token totals. With `--single-gb N` it also writes one
N GB file and ingests it alone, to show memory stays bounded on a single large file (DuckDB
memory_limit=1GB in the loader).

Usage:
    .venv/bin/python bench/bench_claude_code.py --size-mb 500 [--single-gb 2] [--ccusage PATH]
Figures go to stdout as JSON; docs/benchmarks-claude-code.md records a run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
LINE_BYTES = 1150  # approximate size of one generated line (content text included)

GEN_SQL = """
COPY (
  WITH replies AS (
    SELECT i, i // {per_session} AS sess, (i % 7) = 0 AS side,
           TIMESTAMP '2026-09-01' + to_seconds(i * 13) AS t,
           1 + (hash(i) % 20)::BIGINT AS inp,
           (hash(i + 1) % 4000)::BIGINT AS cw,
           (hash(i + 2) % 90000)::BIGINT AS cr,
           (hash(i + 3) % 1500)::BIGINT AS outp,
           2 + (hash(i + 4) % 2)::INT AS copies
    FROM range({start}, {stop}) r(i)
  ),
  lines AS (
    SELECT r.*, c.k FROM replies r, LATERAL (SELECT unnest(range(0, r.copies + 1)) AS k) c
  )
  SELECT
    printf('u-%d-%d', i, k - 1) AS "parentUuid",
    side AS "isSidechain",
    'external' AS "userType",
    '/home/dev/project-' || (sess % 5) AS cwd,
    printf('%08x-0000-4000-8000-%012x', sess, sess) AS "sessionId",
    '2.1.3' AS version,
    'main' AS "gitBranch",
    CASE WHEN side THEN 'agent-' || (sess % 97) END AS "agentId",
    CASE WHEN k = 0 THEN NULL ELSE {{
      'id': printf('msg_%016x', i), 'type': 'message', 'role': 'assistant',
      'model': CASE WHEN i % 3 = 0 THEN 'claude-opus-4-1-20250805' ELSE 'claude-sonnet-4-5-20250929' END,
      'content': [{{'type': 'text', 'text': repeat('lorem ipsum dolor sit amet ', 30)}}],
      'stop_reason': NULL,
      'usage': {{'input_tokens': inp, 'cache_creation_input_tokens': cw, 'cache_read_input_tokens': cr,
                'cache_creation': {{'ephemeral_5m_input_tokens': cw, 'ephemeral_1h_input_tokens': 0}},
                'output_tokens': outp, 'service_tier': 'standard'}}
    }} END AS message,
    CASE WHEN k = 0 THEN NULL ELSE printf('req_%016x', i) END AS "requestId",
    CASE WHEN k = 0 THEN 'user' ELSE 'assistant' END AS type,
    printf('u-%d-%d', i, k) AS uuid,
    strftime(t + to_milliseconds(k * 150), '%Y-%m-%dT%H:%M:%S.%gZ') AS timestamp,
    {part} AS p
  FROM lines ORDER BY i, k
) TO '{out}' (FORMAT json{partition})
"""


def generate(out: Path, size_mb: int, sessions_per_file: bool = True, per_session: int = 400) -> int:
    """Write about size_mb of transcripts under out (one file per session unless single file)."""
    replies = int(size_mb * 1024 * 1024 / (LINE_BYTES * 3.5))
    con = duckdb.connect(config={"memory_limit": "2GB"})
    con.execute("SET preserve_insertion_order = true")
    if sessions_per_file:
        target = out / "projects" / "-home-dev-project"
        target.mkdir(parents=True, exist_ok=True)
        sql = GEN_SQL.format(start=0, stop=replies, per_session=per_session, part="sess", out=str(target),
                             partition=", PARTITION_BY (p), FILE_EXTENSION 'jsonl', OVERWRITE_OR_IGNORE")
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        sql = GEN_SQL.format(start=0, stop=replies, per_session=per_session, part="0", out=str(out),
                             partition="")
    con.execute(sql)
    con.close()
    return replies


def timed(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(int(rss.group(1)) / 1024, 1) if rss else None,
            "stdout": proc.stdout}


def our_ingest(paths: list[Path], store: Path) -> dict[str, object]:
    shutil.rmtree(store, ignore_errors=True)
    code = (
        "import sys; from pathlib import Path; from llmcost.load import load; "
        "r = load([Path(p) for p in sys.argv[2:]], Path(sys.argv[1])); "
        "print(sum(f.rows_read for f in r.files), sum(f.rows_stored for f in r.files), "
        "sum(f.rows_duplicate for f in r.files), sum(f.rows_quarantined for f in r.files), "
        "sorted({f.status for f in r.files}))"
    )
    return timed([PY, "-c", code, str(store), *map(str, paths)])


def our_daily(store: Path) -> dict[str, list[int]]:
    from llmcost.store import Store

    con = Store.open(store).connect()
    rows = con.execute(
        """SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d'), sum(input_tokens), sum(output_tokens),
                  sum(cache_read_tokens), sum(cache_write_tokens) FROM usage GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    return {d: [int(a), int(b), int(c), int(e)] for d, a, b, c, e in rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=500)
    ap.add_argument("--single-gb", type=float, default=0)
    ap.add_argument("--replies-per-session", type=int, default=400,
                    help="API replies per session file (the loader has a per-file cost; see the doc)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/llmcost-bench-claude"))
    ap.add_argument("--ccusage", default=os.environ.get("CCUSAGE", "/tmp/ccu/node_modules/.bin/ccusage"))
    args = ap.parse_args()

    out: dict[str, object] = {}
    home = args.work / "claude"
    if not (home / "projects").exists():
        t0 = time.perf_counter()
        out["replies"] = generate(home, args.size_mb, per_session=args.replies_per_session)
        out["generate_s"] = round(time.perf_counter() - t0, 1)
    files = list((home / "projects").rglob("*.jsonl"))
    out["files"] = len(files)
    out["bytes"] = sum(f.stat().st_size for f in files)

    ours = our_ingest([home / "projects"], args.work / "store")
    out["ours"] = {k: v for k, v in ours.items() if k != "stdout"} | {"counts": str(ours["stdout"]).strip()}
    mine = our_daily(args.work / "store")

    if Path(args.ccusage).exists() or shutil.which(args.ccusage):
        env = {**os.environ, "CLAUDE_CONFIG_DIR": str(home), "TZ": "UTC"}
        theirs_run = timed([args.ccusage, "daily", "--json", "--offline", "--timezone", "UTC"], env=env)
        out["ccusage"] = {k: v for k, v in theirs_run.items() if k != "stdout"}
        theirs = {
            d["date"]: [d["inputTokens"], d["outputTokens"], d["cacheReadTokens"], d["cacheCreationTokens"]]
            for d in json.loads(str(theirs_run["stdout"]))["daily"]
        }
        out["daily_totals_equal"] = mine == theirs
        out["days"] = len(mine)
    else:
        out["ccusage"] = "not installed"

    if args.single_gb:
        single = args.work / "single" / "big-session.jsonl"
        if not single.exists():
            generate(single, int(args.single_gb * 1024), sessions_per_file=False)
        out["single_file_bytes"] = single.stat().st_size
        big = our_ingest([single], args.work / "store-single")
        out["single_file_ours"] = {k: v for k, v in big.items() if k != "stdout"} | {
            "counts": str(big["stdout"]).strip()}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
