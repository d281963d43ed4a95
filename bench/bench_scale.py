"""Scale benchmark: a large directory of logs, and many small files, ingested with bounded memory.

Two modes, each run under `/usr/bin/time -v` (wall time and peak RSS of the whole process):

- `big`: write `--gb` GB of OpenAI request logs (the `bench/gen_jsonl.py` line shape) as
  `--piece-gb` GB files with distinct ids spread over 2026, ingest the directory with the CLI,
  run the report (JSON), re-run the ingest (every file unchanged: the hash-only path), then delete
  the data. Checks free disk space first and does as much as fits.
- `many`: write `--files` Claude Code session files (the `bench/bench_claude_code.py` generator),
  ingest them into a fresh store, then time one more batch of `--extra` new files into the full
  store (the per-file cost as the store grows).

Figures go to stdout as JSON; docs/reliability.md records a run.

Usage:
    .venv/bin/python bench/bench_scale.py big --gb 20 --piece-gb 1 --work /tmp/llmcost-scale
    .venv/bin/python bench/bench_scale.py many --files 3000 --work /tmp/llmcost-many
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from gen_jsonl import LINE_BYTES, write_range  # noqa: E402  one generator for every bench

CLI = [sys.executable, "-c", "from llmcost.cli import main; main()"]



def timed(cmd: list[str]) -> dict[str, object]:
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return {"exit": proc.returncode, "wall_s": round(wall, 1),
            "peak_rss_mib": round(int(rss.group(1)) / 1024, 1) if rss else None,
            "stdout_tail": proc.stdout.strip()[-400:],
            # the program's own stderr (without /usr/bin/time's block) whenever it did not exit 0
            "stderr_tail": "" if proc.returncode == 0 else proc.stderr.split("\tCommand being timed")[0][-1500:]}


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def big(args: argparse.Namespace) -> dict[str, object]:
    work: Path = args.work
    logs, store = work / "logs", work / "store"
    shutil.rmtree(work, ignore_errors=True)
    logs.mkdir(parents=True)
    free_gb = shutil.disk_usage(work).free / 1e9
    # the logs, the store (about 1/6 of the logs) and DuckDB spill, with 5 GB to spare
    fits = max(1, int((free_gb - 5) / (args.piece_gb * 1.4)))
    pieces = min(int(args.gb / args.piece_gb), fits)
    out: dict[str, object] = {"requested_gb": args.gb, "free_gb_before": round(free_gb, 1), "pieces": pieces}
    per_piece = int(args.piece_gb * 1e9 / LINE_BYTES)
    total = per_piece * pieces
    con = duckdb.connect(config={"memory_limit": "2GB"})
    t0 = time.perf_counter()
    for k in range(pieces):
        write_range(con, logs / f"app-{k:03d}.jsonl", k * per_piece, (k + 1) * per_piece, total,
                    span_seconds=300 * 86400, origin="2026-01-01")
    con.close()
    out["generate_s"] = round(time.perf_counter() - t0, 1)
    out["input_bytes"] = du(logs)
    out["lines"] = total
    out["ingest"] = timed([*CLI, "ingest", str(logs), "--store", str(store), "--quiet"])
    out["store_bytes"] = du(store)
    out["report"] = timed([*CLI, "report", "--store", str(store), "--format", "json",
                           "--out", str(work / "report.json"), "--quiet"])
    if (work / "report.json").exists():
        doc = json.loads((work / "report.json").read_text())
        out["report_totals"] = doc.get("totals") or doc.get("summary")
    out["reingest_unchanged"] = timed([*CLI, "ingest", str(logs), "--store", str(store)])
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        out["deleted"] = True
    return out


def many(args: argparse.Namespace) -> dict[str, object]:
    sys.path.insert(0, str(REPO / "bench"))
    from bench_claude_code import LINE_BYTES as CC_LINE
    from bench_claude_code import generate

    work: Path = args.work
    shutil.rmtree(work, ignore_errors=True)
    per_session = args.replies_per_file
    size_mb = (args.files + args.extra) * per_session * CC_LINE * 3.5 / 1024 / 1024
    t0 = time.perf_counter()
    generate(work / "claude", int(size_mb) + 1, per_session=per_session)
    files = sorted((work / "claude" / "projects").rglob("*.jsonl"))
    first, extra = work / "first", work / "extra"
    first.mkdir()
    extra.mkdir()
    for i, f in enumerate(files):
        f.rename((first if i < args.files else extra) / f"session-{i:05d}.jsonl")
    out: dict[str, object] = {"generate_s": round(time.perf_counter() - t0, 1),
                              "files": min(len(files), args.files), "extra_files": max(0, len(files) - args.files),
                              "bytes": du(first), "mean_file_kb": round(du(first) / max(1, args.files) / 1024, 1)}
    store = work / "store"
    out["ingest"] = timed([*CLI, "ingest", str(first), "--store", str(store), "--quiet"])
    out["ingest_ms_per_file"] = round(float(out["ingest"]["wall_s"]) * 1000 / max(1, args.files), 1)  # type: ignore[index]
    if out["extra_files"]:
        out["extra_ingest"] = timed([*CLI, "ingest", str(extra), "--store", str(store), "--quiet"])
        out["extra_ms_per_file"] = round(
            float(out["extra_ingest"]["wall_s"]) * 1000 / int(out["extra_files"]), 1)  # type: ignore[index,arg-type]
    out["report"] = timed([*CLI, "report", "--store", str(store), "--format", "json",
                           "--out", str(work / "report.json"), "--quiet"])
    out["store_bytes"] = du(store)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        out["deleted"] = True
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("big")
    b.add_argument("--gb", type=float, default=20)
    b.add_argument("--piece-gb", type=float, default=1)
    b.add_argument("--work", type=Path, default=Path("/tmp/llmcost-scale"))
    b.add_argument("--keep", action="store_true")
    m = sub.add_parser("many")
    m.add_argument("--files", type=int, default=3000)
    m.add_argument("--extra", type=int, default=200)
    m.add_argument("--replies-per-file", type=int, default=40)
    m.add_argument("--work", type=Path, default=Path("/tmp/llmcost-many"))
    m.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    print(json.dumps(big(args) if args.mode == "big" else many(args), indent=2))


if __name__ == "__main__":
    main()
