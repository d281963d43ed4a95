"""Third-party agent logs in ../shared/real-samples/ give the totals stated in its SOURCES.md.

Those figures were counted by hand (small scripts reading the files), independently of this code.
They are restated here, each next to the sentence of SOURCES.md it comes from; the first test
checks that every such sentence is still in SOURCES.md, so the two cannot drift apart. The files
are read in place, never copied into the repository.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.ingest.loader import load
from llmcost.ingest.results import FileResult
from llmcost.storage.store import Store
from tests.conftest import REAL_SAMPLES, requires_real_samples

pytestmark = requires_real_samples()

CLAUDE = REAL_SAMPLES / "claude_code"
CODEX = REAL_SAMPLES / "codex"

# The sentences of SOURCES.md the figures below restate (whitespace aside).
CITED = [
    "Expected (unique message.id+requestId): 15 requests; input 1,441; cache 0/0; output 1,158.",
    "claude-3-sonnet-20240229: 9 req, 558 in, 830 out ($0.014124); claude-sonnet-4: 6 req, 883 in, 328 out "
    "($0.007569).",
    "a copy of todowrite_examples' msg_004/req_004 line.",
    "Expected: 5 requests; input 730; cache_read 110; cache_write 90; output 310; costUSD stated 1.09.",
    'Models claude-sonnet-4-20250514 (2), claude-opus-4-20250514 (1, speed "fast"), claude-haiku-4-5-20251001 (2).',
    "expected 2 usage lines that cannot be placed in time (in 3000, out 150, cw 300, cr 1300).",
    "No usage fields: expected 0 rows.",
    "Expected: 2 requests; input 3,500 incl. 750 cached -> uncached 2,750; cache_read 750; output 425 "
    "(reasoning 275). Event 2 carries `info.model = gpt-5.3-codex` (turn_context says gpt-5.2-codex).",
    "Expected (history counted once): input 1,600 incl. 300 cached -> uncached 1,300; cache_read 300; "
    "output 450 (reasoning 40); the replayed snapshot is a duplicate.",
]


def _totals(store: Path) -> dict[str, object]:
    con = Store.open(store).connect()
    row = con.execute(
        """SELECT coalesce(sum(request_count), 0), coalesce(sum(input_tokens), 0), coalesce(sum(cache_read_tokens), 0),
                  coalesce(sum(cache_write_tokens), 0), coalesce(sum(output_tokens), 0),
                  coalesce(sum(reasoning_tokens), 0), sum(reported_cost_usd) FROM usage"""
    ).fetchone()
    con.close()
    assert row is not None
    keys = ("requests", "input", "cache_read", "cache_write", "output", "reasoning", "reported_cost_usd")
    return dict(zip(keys, row, strict=True))


def _by_model(store: Path) -> dict[str, tuple[int, int, int]]:
    con = Store.open(store).connect()
    rows = con.execute(
        "SELECT model, count(*), sum(input_tokens), sum(output_tokens) FROM usage GROUP BY model"
    ).fetchall()
    con.close()
    return {m: (n, i, o) for m, n, i, o in rows}


def _counts(files: list[FileResult]) -> tuple[int, ...]:
    """(read, stored, duplicate, skipped, quarantined) over the run's files."""
    keys = ("rows_read", "rows_stored", "rows_duplicate", "rows_skipped", "rows_quarantined")
    return tuple(sum(getattr(f, k) for f in files) for k in keys)


def test_the_figures_below_are_those_of_sources_md() -> None:
    text = " ".join((REAL_SAMPLES / "SOURCES.md").read_text(encoding="utf-8").split())
    for sentence in CITED:
        assert sentence in text, sentence


def test_claude_code_log(tmp_path: Path) -> None:
    result = load([CLAUDE / "claude-code-log"], tmp_path / "s")
    assert {f.status for f in result.files} == {"ingested"}
    # SOURCES.md: 15 requests; input 1,441; cache 0/0; output 1,158
    assert _totals(tmp_path / "s") == {"requests": 15, "input": 1441, "cache_read": 0, "cache_write": 0,
                                       "output": 1158, "reasoning": 0, "reported_cost_usd": None}
    # SOURCES.md: claude-3-sonnet-20240229: 9 req, 558 in, 830 out; claude-sonnet-4: 6 req, 883 in, 328 out
    assert _by_model(tmp_path / "s") == {"claude-3-sonnet-20240229": (9, 558, 830), "claude-sonnet-4": (6, 883, 328)}
    # SOURCES.md: edge_cases.jsonl repeats todowrite_examples' msg_004/req_004 line: one duplicate
    assert _counts(result.files)[2] == 1


def test_claude_code_log_costs(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    res = CliRunner().invoke(app, ["--logs", str(CLAUDE / "claude-code-log"), "--store", str(tmp_path / "s"),
                                   "--format", "json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    # SOURCES.md: ($0.014124) and ($0.007569)
    assert {m["model"]: Decimal(m["cost_usd"]) for m in doc["by_provider_model"]} == {
        "claude-3-sonnet-20240229": Decimal("0.014124"), "claude-sonnet-4": Decimal("0.007569")}


def test_ccusage_fixtures_without_type_are_read(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["ingest", str(CLAUDE / "ccusage"), "--store", str(tmp_path / "s")])
    assert res.exit_code == 0, res.output
    assert "2 ingested" in res.output and "5 rows read = 5 stored + 0 duplicate + 0 quarantined" in res.output
    # SOURCES.md: 5 requests; input 730; cache_read 110; cache_write 90; output 310; costUSD stated 1.09
    assert _totals(tmp_path / "s") == {"requests": 5, "input": 730, "cache_read": 110, "cache_write": 90,
                                       "output": 310, "reasoning": 0, "reported_cost_usd": Decimal("1.09")}
    # SOURCES.md: claude-sonnet-4-20250514 (2), claude-opus-4-20250514 (1, speed "fast"), claude-haiku-4-5-20251001 (2)
    con = Store.open(tmp_path / "s").connect()
    models = dict(con.execute("SELECT model, count(*) FROM usage GROUP BY model").fetchall())
    speeds = con.execute("SELECT model, extra ->> 'speed' FROM usage WHERE extra IS NOT NULL").fetchall()
    con.close()
    assert models == {"claude-sonnet-4-20250514": 2, "claude-opus-4-20250514": 1, "claude-haiku-4-5-20251001": 2}
    assert speeds == [("claude-opus-4-20250514", "fast")]


def test_ccusage_transcript_lines_without_time_are_quarantined(tmp_path: Path) -> None:
    result = load([CLAUDE / "ccusage_transcript"], tmp_path / "s", keep_text=True)  # the quarantine keeps records
    # SOURCES.md: 2 usage lines that cannot be placed in time (in 3000, out 150, cw 300, cr 1300)
    assert [f.status for f in result.files] == ["ingested"]
    assert _counts(result.files) == (2, 0, 0, 0, 2)
    quarantined = [json.loads(line) for p in (tmp_path / "s" / "quarantine").glob("*.jsonl")
                   for line in p.read_text().splitlines()]
    assert {q["reason"] for q in quarantined} == {"missing or unparseable timestamp"}
    usages = [json.loads(q["raw"])["message"]["usage"] for q in quarantined]
    assert [sum(u[k] for u in usages) for k in ("input_tokens", "output_tokens", "cache_creation_input_tokens",
                                                "cache_read_input_tokens")] == [3000, 150, 300, 1300]


def test_claude_code_transcripts_without_usage(tmp_path: Path) -> None:
    result = load([CLAUDE / "claude-code-transcripts"], tmp_path / "s")
    # SOURCES.md: No usage fields: expected 0 rows
    assert [f.status for f in result.files] == ["ingested"] and _counts(result.files) == (0, 0, 0, 0, 0)


def test_whole_claude_code_folder(tmp_path: Path) -> None:
    result = load([CLAUDE], tmp_path / "s")
    assert {f.status for f in result.files} == {"ingested"}
    # the sums of the folders' SOURCES.md figures: claude-code-log 15 requests (1,441 in, 1,158 out)
    # + ccusage 5 (730 in, 110 read, 90 write, 310 out); the others add no requests
    assert _totals(tmp_path / "s") == {"requests": 20, "input": 2171, "cache_read": 110, "cache_write": 90,
                                       "output": 1468, "reasoning": 0, "reported_cost_usd": Decimal("1.09")}


def test_codex_sessions_use_the_event_model(tmp_path: Path) -> None:
    load([CODEX / "ccusage" / "sessions"], tmp_path / "s")
    # SOURCES.md: 2 requests; uncached 2,750; cache_read 750; output 425 (reasoning 275)
    assert _totals(tmp_path / "s") == {"requests": 2, "input": 2750, "cache_read": 750, "cache_write": 0,
                                       "output": 425, "reasoning": 275, "reported_cost_usd": None}
    # SOURCES.md: event 2 carries info.model = gpt-5.3-codex (turn_context says gpt-5.2-codex)
    con = Store.open(tmp_path / "s").connect()
    models = [m for (m,) in con.execute("SELECT model FROM usage ORDER BY ts").fetchall()]
    con.close()
    assert models == ["gpt-5.2-codex", "gpt-5.3-codex"]


def test_codex_branch_history_counted_once(tmp_path: Path) -> None:
    result = load([CODEX / "ccusage" / "branch-history"], tmp_path / "s")
    # SOURCES.md: uncached 1,300; cache_read 300; output 450 (reasoning 40); the replayed snapshot is
    # a duplicate (so 2 requests: the parent's call and the branch's new one)
    assert _totals(tmp_path / "s") == {"requests": 2, "input": 1300, "cache_read": 300, "cache_write": 0,
                                       "output": 450, "reasoning": 40, "reported_cost_usd": None}
    assert _counts(result.files) == (3, 2, 1, 0, 0)


def test_whole_codex_folder(tmp_path: Path) -> None:
    load([CODEX], tmp_path / "s")
    # the sums of the two SOURCES.md entries above
    assert _totals(tmp_path / "s") == {"requests": 4, "input": 4050, "cache_read": 1050, "cache_write": 0,
                                       "output": 875, "reasoning": 315, "reported_cost_usd": None}
