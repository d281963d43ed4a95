"""Shared by the crash and concurrency tests and bench/reliability_trials.py.

A mixed input set (request logs in several formats, provider bucket exports that restate each
other, a file that changes between runs), the CLI run as a real subprocess, and a fingerprint of
everything a store answers (live rows with their values, per-file counts) to compare stores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from llmcost.storage.store import Store

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "ingest"
CLI = [sys.executable, "-c", "from llmcost.cli import main; main()"]
# formats whose fixture inputs go into the mixed set (requests, buckets, costs, a SQLite file)
MIXED_FORMATS = ("claude_code_jsonl", "openai_usage_api_json", "anthropic_cost_report_json",
                 "litellm_spend_logs_json", "aws_cur_bedrock_csv", "simonw_llm_logs_sqlite",
                 "otel_genai_spans_jsonl", "helicone_export_csv")


def openai_line(i: int, prompt: int = 1500, cached: int = 0, out: int = 40) -> str:
    return json.dumps({
        "ts": f"2026-{9 + i % 2:02d}-{1 + i % 28:02d}T10:{i % 60:02d}:00Z", "session_id": f"c{i % 7}",
        "user": f"user-{i % 5}",
        "response": {"id": f"chatcmpl-{i}", "object": "chat.completion", "created": 1790000000 + i,
                     "model": "gpt-4o-2024-08-06",
                     "usage": {"prompt_tokens": prompt + i % 900, "completion_tokens": out + i % 50,
                               "prompt_tokens_details": {"cached_tokens": cached if i % 3 else 0}}},
    })


def build_inputs(root: Path, request_files: int = 8, lines_per_file: int = 600) -> Path:
    """A directory of mixed inputs; overlapping request files so duplicates occur across files."""
    logs = root / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    for k in range(request_files):
        lines = [openai_line(i, cached=1024) for i in range(k * lines_per_file, (k + 1) * lines_per_file + 60)]
        lines.insert(7, "{broken json")  # one quarantined line per file
        (logs / f"app-{k}.jsonl").write_text("\n".join(lines) + "\n")
    for name in MIXED_FORMATS:
        dest = logs / name
        dest.mkdir()
        for p in (FIXTURES / name).iterdir():
            if p.name != "expected.jsonl":
                shutil.copy(p, dest / p.name)
    return logs


def change_inputs(logs: Path) -> None:
    """What changes between two runs: a log grows (replaced), a new log appears."""
    grown = logs / "app-0.jsonl"
    grown.write_text(grown.read_text() + "\n".join(openai_line(90000 + i) for i in range(40)) + "\n")
    (logs / "app-new.jsonl").write_text("\n".join(openai_line(95000 + i) for i in range(300)) + "\n")


def cli(*args: str, **kw: Any) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NO_COLOR": "1"}, **kw)


def run_cli(*args: str, timeout: float = 300) -> tuple[int, str, str, float]:
    t = time.monotonic()
    p = cli(*args)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err, time.monotonic() - t


def fingerprint(store: Path) -> dict[str, Any]:
    """Everything a reader sees: live rows (values hashed), totals, per-file counts."""
    s = Store.open(store)
    m = s.read_manifest()
    con = s.connect(m)
    usage = con.execute(
        """SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
                  bit_xor(hash(event_id, source_file, source_line, ts, input_tokens, output_tokens,
                                   cache_read_tokens, model))
           FROM usage"""
    ).fetchone()
    costs = con.execute("SELECT count(*), sum(cost_usd), bit_xor(hash(event_id, source_file, cost_usd)) FROM costs"
                        ).fetchone()
    con.close()
    files = {k: (f.ingestor, f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined)
             for k, f in m.files.items()}
    return {"usage": tuple(usage), "costs": tuple(str(x) for x in costs), "files": files}
