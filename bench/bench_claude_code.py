"""Benchmark: a heavy Claude Code user's folder, our `--logs` run vs ccusage 20, time and peak RSS.

Generates a `~/.claude/projects`-shaped folder with DuckDB (bulk COPY, no per-line Python):

- 3,000 sessions (`<project>/<sessionId>.jsonl`), 72% of them with a sub-agent transcript
  (`<project>/<sessionId>/subagents/agent-<id>.jsonl`, `isSidechain: true`);
- 20 API replies per session (13 in the main file and 7 in the sub-agent's where there is one),
  each preceded by a user line, over 60 days;
- compact JSON lines (no spaces), as Claude Code writes them;
- each reply written as 3 lines with the same `message.id` and `requestId`: current versions
  (6 sessions in 7) stream growing snapshots (`output_tokens` 1, then a third, then the final
  count with `stop_reason`); older versions (1 session in 7) write the full count first and
  small deltas (3, then 2) after; input and cache counts repeat on every line;
- 1-hour cache writes on one reply in four (`cache_creation.ephemeral_1h_input_tokens`).

Then it times, interleaved (ccusage and ours alternate which goes first) and each under
`/usr/bin/time -v` (wall time, maximum resident set size):

- `ccusage daily --json --offline --timezone UTC` (CLAUDE_CONFIG_DIR=DIR; the native binary of
  ccusage 20, reported as `ccusage_binary`);
- ours, first run: `llmcost-forecast --logs DIR/projects --store S --format json` on a new store;
- both again after one new session file is added (ours: the same store, a re-run);
- ours, report only: `llmcost-forecast --store S --format json` over the resulting store;
- the floor (`FLOOR`), first run and re-run: the least any Python tool on this stack must do;

and checks the totals (requests, input, output, cache read, cache write) against an independent
count (plain DuckDB over the files: per-field maximum per (message.id, requestId), `message.id`
alone where there is no requestId) and ccusage's daily totals.

Usage:
    .venv/bin/python bench/bench_claude_code.py [--sessions 3000] [--reps 2] [--ccusage PATH]
Figures go to stdout as JSON; docs/benchmarks-claude-code.md records a run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "llmcost-forecast")
CCUSAGE = "/tmp/ccu20/node_modules/@ccusage/ccusage-linux-x64/bin/ccusage"
"""ccusage 20's native binary itself (what its launcher, node_modules/.bin/ccusage, runs after
starting Node): the faster of the two, so the ratios below are the less flattering ones for us."""
REPLIES_PER_SESSION = 20
MAIN_REPLIES = 13

GEN_SQL = """
COPY (
  WITH replies AS (
    SELECT i, i // {per} AS sess, (i % {per}) >= {main} AND (i // {per}) % 25 < 18 AS side,
           (i // {per}) % 7 = 0 AS old_version,
           TIMESTAMP '2026-08-01 08:00:00' + to_days(CAST(((i // {per}) * 60) // {sessions} AS INTEGER))
             + to_seconds(CAST((i % {per}) * 97 + ((i // {per}) % 300) * 60 AS BIGINT)) AS t,
           1 + (hash(i) % 20)::BIGINT AS inp,
           (hash(i + 1) % 4000)::BIGINT AS cw,
           (hash(i + 2) % 90000)::BIGINT AS cr,
           20 + (hash(i + 3) % 1500)::BIGINT AS outp,
           i % 4 = 0 AS one_hour
    FROM range({start}, {stop}) r(i)
  ),
  lines AS (
    SELECT r.*, k,
           CASE WHEN k = 0 THEN NULL
                WHEN old_version THEN CASE k WHEN 1 THEN outp WHEN 2 THEN 3 ELSE 2 END
                ELSE CASE k WHEN 1 THEN 1 WHEN 2 THEN outp // 3 ELSE outp END END AS out_k,
           sess * 2 + CASE WHEN side THEN 1 ELSE 0 END AS f
    FROM replies r, (SELECT unnest(range(0, 4)) AS k) c
  )
  SELECT
    CASE WHEN k = 0 AND i % {per} = 0 THEN NULL ELSE printf('%08x-u%d-%d', sess, i, k - 1) END AS "parentUuid",
    side AS "isSidechain",
    'external' AS "userType",
    '/home/dev/project-' || (sess % 17) AS cwd,
    printf('%08x-0000-4000-8000-%012x', sess, sess) AS "sessionId",
    CASE WHEN old_version THEN '1.0.30' ELSE '2.1.3' END AS version,
    'main' AS "gitBranch",
    CASE WHEN side THEN printf('a%07x', sess) END AS "agentId",
    CASE WHEN k = 0 THEN {{'role': 'user', 'content': repeat('please look at the failing test ', 8)}}::JSON
    ELSE {{
      'id': printf('msg_01%016x', i), 'type': 'message', 'role': 'assistant',
      'model': CASE WHEN i % 3 = 0 THEN 'claude-opus-4-1-20250805' ELSE 'claude-sonnet-4-5-20250929' END,
      'content': [{{'type': 'text', 'text': repeat('lorem ipsum dolor sit amet ', 12)}}],
      'stop_reason': CASE WHEN k = 3 AND NOT old_version THEN 'end_turn' END,
      'usage': {{'input_tokens': inp, 'cache_creation_input_tokens': cw, 'cache_read_input_tokens': cr,
                'cache_creation': {{'ephemeral_5m_input_tokens': CASE WHEN one_hour THEN 0 ELSE cw END,
                                   'ephemeral_1h_input_tokens': CASE WHEN one_hour THEN cw ELSE 0 END}},
                'output_tokens': out_k, 'service_tier': 'standard'}}
    }}::JSON END AS message,
    CASE WHEN k = 0 THEN NULL ELSE printf('req_011C%016x', i) END AS "requestId",
    CASE WHEN k = 0 THEN 'user' ELSE 'assistant' END AS type,
    printf('%08x-u%d-%d', sess, i, k) AS uuid,
    strftime(t + to_milliseconds(k * 150), '%Y-%m-%dT%H:%M:%S.%gZ') AS timestamp,
    f
  FROM lines ORDER BY i, k
) TO '{out}' (FORMAT json, PARTITION_BY (f), OVERWRITE_OR_IGNORE)
"""


def session_path(projects: Path, f: int) -> Path:
    sess, side = divmod(f, 2)
    sid = f"{sess:08x}-0000-4000-8000-{sess:012x}"
    project = projects / f"-home-dev-project-{sess % 17}"
    if side:
        return project / sid / "subagents" / f"agent-a{sess:07x}.jsonl"
    return project / f"{sid}.jsonl"


def generate(home: Path, sessions: int, start_session: int = 0) -> int:
    """Write `sessions` sessions (from `start_session`) under home/projects; return the files written."""
    projects = home / "projects"
    raw = home / f"raw-{start_session}"
    shutil.rmtree(raw, ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"memory_limit": "1GB"})
    con.execute("SET preserve_insertion_order = true")
    per = REPLIES_PER_SESSION
    con.execute(GEN_SQL.format(per=per, main=MAIN_REPLIES, sessions=max(sessions, 3000), start=start_session * per,
                               stop=(start_session + sessions) * per, out=str(raw)))
    con.close()
    n = 0
    for part in sorted(raw.glob("f=*/*.json")):
        dest = session_path(projects, int(part.parent.name.split("=", 1)[1]))
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, dest)
        n += 1
    shutil.rmtree(raw, ignore_errors=True)
    return n


def independent(projects: Path) -> dict[str, int]:
    """Totals by plain DuckDB over the files: one request per (message.id, requestId), the
    per-field maximum of its lines (`message.id` alone where requestId is missing)."""
    con = duckdb.connect(config={"memory_limit": "1GB"})
    row = con.execute(
        """SELECT count(*), sum(i), sum(o), sum(cr), sum(cw), sum(w1h) FROM (
             SELECT max(u.input_tokens) i, max(u.output_tokens) o, max(u.cache_read_input_tokens) cr,
                    max(u.cache_creation_input_tokens) cw, max(u.cache_creation.ephemeral_1h_input_tokens) w1h
             FROM (SELECT message.id AS mid, "requestId" AS rid, message.usage AS u
                   FROM read_json(?, format='newline_delimited', columns={
                     'type': 'VARCHAR', 'requestId': 'VARCHAR',
                     'message': 'STRUCT(id VARCHAR, usage STRUCT(input_tokens BIGINT, output_tokens BIGINT,
                        cache_read_input_tokens BIGINT, cache_creation_input_tokens BIGINT,
                        cache_creation STRUCT(ephemeral_1h_input_tokens BIGINT)))'}))
             WHERE u IS NOT NULL GROUP BY mid, coalesce(rid, ''))""",
        [str(projects / "**" / "*.jsonl")],
    ).fetchone()
    con.close()
    assert row is not None
    return dict(zip(("requests", "input", "output", "cache_read", "cache_write", "cache_write_1h"),
                    map(int, row), strict=True))


FLOOR = """
import os, sys
import duckdb  # what any tool on this stack imports: DuckDB, and statsmodels for the forecast
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
projects, new = sys.argv[1], sys.argv[2]
if new:  # a re-run: find the changed file (a stat of every file), read it alone
    files = [os.path.join(d, n) for d, _, ns in os.walk(projects) for n in ns if n.endswith(".jsonl")]
    sizes = [os.stat(f).st_size for f in files]
    src = new
else:
    src = os.path.join(projects, "**", "*.jsonl")
spec = ("{'message': 'STRUCT(id VARCHAR, usage STRUCT(input_tokens BIGINT, output_tokens BIGINT, "
        "cache_read_input_tokens BIGINT, cache_creation_input_tokens BIGINT))', "
        "'requestId': 'VARCHAR', 'timestamp': 'VARCHAR'}")
rows = duckdb.connect().execute(
    "SELECT day, sum(o) FROM (SELECT any_value(CAST(timestamp AS DATE)) AS day, "
    "max(message.usage.output_tokens) AS o "
    f"FROM read_json('{src}', format='newline_delimited', columns={spec}) "
    "WHERE message.usage IS NOT NULL GROUP BY message.id, requestId) GROUP BY day ORDER BY day").fetchall()
y = [float(r[1]) + 1.0 for r in rows]
y = (y * 60)[:60]  # a re-run fits the whole history again: 60 days either way
ETSModel(y, error="add", trend="add").fit(disp=False)
"""
"""The floor: the least a `--logs` run written in Python on this project's stack (DuckDB, statsmodels)
must do, with nothing else: start Python, import DuckDB and statsmodels' ETS, read every reply's
counts with one DuckDB scan (the re-run: stat every file and read the new one), keep the largest
snapshot per (message.id, requestId), total by day and fit one ETS model to 60 days. No
validation, no pricing, no store, no report. Timed beside ccusage in the same rounds, it says how
close to ccusage any implementation on this stack could come (docs/benchmarks-claude-code.md)."""


def floor(projects: Path, new: Path | None) -> dict[str, object]:
    return timed([sys.executable, "-c", FLOOR, str(projects), str(new or "")])


def timed(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(int(rss.group(1)) / 1024, 1) if rss else None,
            "stdout": proc.stdout}


def ours(args: list[str]) -> dict[str, object]:
    return timed([CLI, *args, "--format", "json"])


def ccusage(binary: str, home: Path) -> dict[str, object]:
    env = {**os.environ, "CLAUDE_CONFIG_DIR": str(home), "TZ": "UTC"}
    return timed([binary, "daily", "--json", "--offline", "--timezone", "UTC"], env=env)


def store_totals(store: Path) -> dict[str, int]:
    sys.path.insert(0, str(REPO / "src"))
    from llmcost.storage.store import Store

    con = Store.open(store).connect()
    row = con.execute(
        """SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens),
                  sum(cache_write_1h_tokens) FROM usage"""
    ).fetchone()
    parts = len(Store(store).read_manifest().parts("usage"))
    con.close()
    assert row is not None
    out = dict(zip(("requests", "input", "output", "cache_read", "cache_write", "cache_write_1h"),
                   map(int, row), strict=True))
    return out | {"usage_parts": parts}


def ccusage_totals(stdout: str) -> dict[str, int]:
    days = json.loads(stdout)["daily"]
    return {"input": sum(d["inputTokens"] for d in days), "output": sum(d["outputTokens"] for d in days),
            "cache_read": sum(d["cacheReadTokens"] for d in days),
            "cache_write": sum(d["cacheCreationTokens"] for d in days)}


def native_binary(launcher: str) -> str:
    """The native binary ccusage 20's launcher runs (its optional dependency), or the launcher."""
    root = Path(launcher).resolve().parents[1]  # node_modules/ccusage/src/cli.js -> node_modules/ccusage
    for cand in (root.parent / "@ccusage").glob("ccusage-linux-*/bin/ccusage"):
        return str(cand)
    return launcher


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=3000)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/llmcost-bench-claude20"))
    ap.add_argument("--ccusage", default=os.environ.get("CCUSAGE", CCUSAGE))
    args = ap.parse_args()

    out: dict[str, object] = {}
    # the bytecode of the checkout as it is now: where PYTHONDONTWRITEBYTECODE is set (this
    # project's build machine), a module edited since the last `make dev` would otherwise be
    # compiled again in every timed run (llmcost.precompile)
    subprocess.run([sys.executable, "-m", "llmcost.precompile"], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})
    home = args.work / "claude"
    projects = home / "projects"
    if not projects.exists():
        t0 = time.perf_counter()
        out["files_written"] = generate(home, args.sessions)
        out["generate_s"] = round(time.perf_counter() - t0, 1)
    extra = session_path(projects, args.sessions * 2)  # the new session of the re-run
    extra.unlink(missing_ok=True)
    shutil.rmtree(extra.parent / extra.stem, ignore_errors=True)
    files = list(projects.rglob("*.jsonl"))
    out["files"] = len(files)
    out["bytes"] = sum(f.stat().st_size for f in files)
    out["independent"] = independent(projects)

    have_cc = Path(args.ccusage).exists() or shutil.which(args.ccusage) is not None
    if have_cc:
        version = subprocess.run([args.ccusage, "--version"], capture_output=True, text=True).stdout.strip()
        out["ccusage_version"] = version
        out["ccusage_binary"] = native_binary(args.ccusage)
    runs: dict[str, list[dict[str, object]]] = {k: [] for k in
                                                 ("ccusage_first", "ours_first", "floor_first", "ccusage_rerun",
                                                  "ours_rerun", "floor_rerun", "ours_report")}
    for rep in range(args.reps):
        store = args.work / f"store-{rep}"
        shutil.rmtree(store, ignore_errors=True)
        extra.unlink(missing_ok=True)
        order = ["ccusage", "ours"] if rep % 2 == 0 else ["ours", "ccusage"]
        for who in order:
            if who == "ccusage" and have_cc:
                runs["ccusage_first"].append(ccusage(args.ccusage, home))
            elif who == "ours":
                runs["ours_first"].append(ours(["--logs", str(projects), "--store", str(store)]))
        runs["floor_first"].append(floor(projects, None))
        if rep == 0:
            out["ours_totals_first"] = store_totals(store)
            if have_cc:
                out["ccusage_totals_first"] = ccusage_totals(str(runs["ccusage_first"][0]["stdout"]))
        generate(home, 1, start_session=args.sessions)  # one new session file (without its sub-agent)
        shutil.rmtree(extra.parent / extra.stem, ignore_errors=True)
        for who in order:
            if who == "ccusage" and have_cc:
                runs["ccusage_rerun"].append(ccusage(args.ccusage, home))
            elif who == "ours":
                runs["ours_rerun"].append(ours(["--logs", str(projects), "--store", str(store)]))
        runs["floor_rerun"].append(floor(projects, extra))
        runs["ours_report"].append(ours(["--store", str(store)]))
        if rep == 0:
            out["ours_totals_rerun"] = store_totals(store)
            out["independent_rerun"] = independent(projects)
        extra.unlink(missing_ok=True)
    for name, rs in runs.items():
        if rs:
            out[name] = {"wall_s": [r["wall_s"] for r in rs], "peak_rss_mb": [r["peak_rss_mb"] for r in rs],
                         "median_wall_s": round(statistics.median(float(str(r["wall_s"])) for r in rs), 2)}
    indep = out["independent"]
    assert isinstance(indep, dict)
    first = out["ours_totals_first"]
    assert isinstance(first, dict)
    out["ours_equal_independent"] = all(first[k] == indep[k] for k in indep)
    if have_cc:
        cc = out["ccusage_totals_first"]
        assert isinstance(cc, dict)
        out["ccusage_equal_independent"] = all(cc[k] == indep[k] for k in cc)
        c1 = out["ccusage_first"]["median_wall_s"]  # type: ignore[index]
        c2 = out["ccusage_rerun"]["median_wall_s"]  # type: ignore[index]
        out["ratio_first"] = round(out["ours_first"]["median_wall_s"] / c1, 2)  # type: ignore[index]
        out["ratio_rerun"] = round(out["ours_rerun"]["median_wall_s"] / c2, 2)  # type: ignore[index]
        out["ratio_floor_first"] = round(out["floor_first"]["median_wall_s"] / c1, 2)  # type: ignore[index]
        out["ratio_floor_rerun"] = round(out["floor_rerun"]["median_wall_s"] / c2, 2)  # type: ignore[index]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
