"""Claude Code transcripts: daily totals as ccusage computes them, streamed duplicates, sidechains."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ingest" / "claude_code_jsonl"
SESSION = "5f1c2a9e-0000-4000-8000-000000000001"
CCUSAGE = os.environ.get("CCUSAGE", shutil.which("ccusage") or "/tmp/ccu20/node_modules/.bin/ccusage")

# Worked out by hand from the fixture lines (one row per (message.id, requestId), the per-field
# maximum of its lines: here its lines repeat the same counts; the malformed line 7 and the
# <synthetic> API-error line 11 count for no tokens; days in UTC):
# 2026-10-06: msg_A (4 in, 120 out, 0 read, 5200 write) + msg_B (6, 310, 5200, 800)
#             + sub-agent msg_S1 (10, 450, 0, 2000)
# 2026-10-07: msg_C (3, 900, 6000, 1500)
HAND_DAILY = {
    "2026-10-06": {"input": 20, "output": 880, "cache_read": 5200, "cache_write": 8000},
    "2026-10-07": {"input": 3, "output": 900, "cache_read": 6000, "cache_write": 1500},
}


def _claude_home(tmp: Path) -> Path:
    """A CLAUDE_CONFIG_DIR laid out like the real one: projects/<project>/<session>.jsonl + subagents."""
    proj = tmp / "claude" / "projects" / "-home-dev-shop"
    (proj / SESSION / "subagents").mkdir(parents=True)
    shutil.copy(FIXTURE / "input_session.jsonl", proj / f"{SESSION}.jsonl")
    shutil.copy(FIXTURE / "input_subagent.jsonl", proj / SESSION / "subagents" / "agent-a1b2c3.jsonl")
    return tmp / "claude"


def _our_daily(store: Path) -> dict[str, dict[str, int]]:
    con = Store.open(store).connect()
    rows = con.execute(
        """SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d') AS day, sum(input_tokens), sum(output_tokens),
                  sum(cache_read_tokens), sum(cache_write_tokens)
           FROM usage GROUP BY day ORDER BY day"""
    ).fetchall()
    return {d: {"input": i, "output": o, "cache_read": r, "cache_write": w} for d, i, o, r, w in rows}


def test_daily_totals_by_hand(tmp_path: Path) -> None:
    home = _claude_home(tmp_path)
    result = load([home / "projects"], tmp_path / "store")
    assert [f.status for f in result.files] == ["ingested", "ingested"]
    assert sum(f.rows_duplicate for f in result.files) == 3
    assert sum(f.rows_quarantined for f in result.files) == 1
    assert sum(f.rows_skipped for f in result.files) == 1  # the <synthetic> reply: read, not a request
    assert _our_daily(tmp_path / "store") == HAND_DAILY


def test_reingest_and_split_files_do_not_double_count(tmp_path: Path) -> None:
    home = _claude_home(tmp_path)
    load([home / "projects"], tmp_path / "store")
    # a resumed session copies earlier replies into a new file: same (message.id, requestId)
    copy = home / "projects" / "-home-dev-shop" / "resumed.jsonl"
    copy.write_text((FIXTURE / "input_session.jsonl").read_text().split("\n", 6)[-1].split("\n", 1)[1])
    load([home / "projects"], tmp_path / "store")
    assert _our_daily(tmp_path / "store") == HAND_DAILY


def test_sidechain_kept_apart(tmp_path: Path) -> None:
    home = _claude_home(tmp_path)
    load([home / "projects"], tmp_path / "store")
    con = Store.open(tmp_path / "store").connect()
    rows = con.execute("SELECT conversation_id, extra FROM usage ORDER BY ts").fetchall()
    side = [(c, json.loads(e)) for c, e in rows if e]
    assert side == [(f"{SESSION}:sidechain:a1b2c3", {
        "sidechain": True, "agent_id": "a1b2c3", "speed": None, "api_error": False, "version": "2.1.3"})]
    assert sum(1 for c, _ in rows if c == SESSION) == 3


def test_non_usage_lines_are_not_rows(tmp_path: Path) -> None:
    f = tmp_path / "projects" / "p" / "s.jsonl"
    f.parent.mkdir(parents=True)
    f.write_text(
        '{"type":"summary","summary":"x","leafUuid":"u1"}\n'
        '{"parentUuid":null,"isSidechain":false,"sessionId":"s","type":"user","message":{"role":"user",'
        '"content":"hi"},"uuid":"u1","timestamp":"2026-10-06T08:00:00Z"}\n'
    )
    result = load([tmp_path / "projects"], tmp_path / "store")
    assert [(r.status, r.rows_read, r.rows_quarantined) for r in result.files] == [("ingested", 0, 0)]


_PRECHECK_LINES = (
    # valid user line, no usage: dropped, not read
    '{"parentUuid":null,"sessionId":"s","type":"user","message":{"role":"user","content":"hi"},'
    '"uuid":"u1","timestamp":"2026-10-06T08:00:00Z"}\n'
    # a user line cut short (not valid JSON, no "usage" in it): read and quarantined
    '{"parentUuid":"u1","sessionId":"s","type":"user","message":{"role":"user","content":"h\n'
    # a JSON line that is not an object: quarantined
    '["not", "an", "object"]\n'
    # a reply whose "usage" key is spelled with a \\u escape (valid JSON): read, 7 in and 11 out
    '{"sessionId":"s","type":"assistant","requestId":"r1","timestamp":"2026-10-06T08:00:01Z",'
    '"message":{"id":"m1","model":"claude-sonnet-4-5-20250929","\\u0075sage":{"input_tokens":7,'
    '"output_tokens":11}}}\n'
    # a plain reply: read, 5 in and 13 out
    '{"sessionId":"s","type":"assistant","requestId":"r2","timestamp":"2026-10-06T08:00:02Z",'
    '"message":{"id":"m2","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":5,'
    '"output_tokens":13}}}\n'
)


@pytest.mark.parametrize("files", [1, 2])
def test_lines_that_cannot_be_replies_are_checked_not_extracted(tmp_path: Path, files: int) -> None:
    """The substring pre-check (claude_code_jsonl.CANDIDATE) changes no count: valid non-reply lines
    are dropped, invalid ones quarantined, a key spelled with an escape still read; one file (the
    single-file path) and two (one batch scan)."""
    for i in range(files):
        f = tmp_path / "projects" / "p" / f"s{i}.jsonl"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(_PRECHECK_LINES.replace('"s"', f'"s{i}"').replace('"id":"m', f'"id":"m{i}'))
    result = load([tmp_path / "projects"], tmp_path / "store")
    assert [(r.status, r.rows_read, r.rows_stored, r.rows_quarantined) for r in result.files] == [
        ("ingested", 4, 2, 2)
    ] * files
    con = Store.open(tmp_path / "store").connect()
    assert con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens) FROM usage").fetchone() == (
        2 * files, 12 * files, 24 * files
    )


def _ccusage_ok() -> bool:
    """Installed and runnable (its native binary is an optional npm package that may be missing)."""
    if not (Path(CCUSAGE).exists() or shutil.which(CCUSAGE)):
        return False
    try:
        return subprocess.run([CCUSAGE, "--version"], capture_output=True, timeout=30).returncode == 0
    except OSError:
        return False


@pytest.mark.skipif(
    not _ccusage_ok(),
    reason="ccusage 20 not installed (npm i --prefix /tmp/ccu20 ccusage@20.0.24 "
    "@ccusage/ccusage-linux-x64@20.0.24, or set CCUSAGE); .ci/run installs it",
)
def test_daily_totals_match_ccusage(tmp_path: Path) -> None:
    home = _claude_home(tmp_path)
    env = {**os.environ, "CLAUDE_CONFIG_DIR": str(home), "TZ": "UTC"}
    out = subprocess.run(
        [CCUSAGE, "daily", "--json", "--offline", "--timezone", "UTC"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout
    theirs = {
        d.get("period", d.get("date")): {"input": d["inputTokens"], "output": d["outputTokens"],
                    "cache_read": d["cacheReadTokens"], "cache_write": d["cacheCreationTokens"]}
        for d in json.loads(out)["daily"]
    }
    load([home / "projects"], tmp_path / "store")
    assert _our_daily(tmp_path / "store") == theirs == HAND_DAILY


def test_cli_logs_home_claude_projects_just_works(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from llmcost.cli import app

    home = Path(os.environ["HOME"])  # a temp dir (tests/conftest.py)
    shutil.copytree(_claude_home(tmp_path) / "projects", home / ".claude" / "projects")
    result = CliRunner().invoke(app, ["--logs", "~/.claude/projects"])
    assert result.exit_code == 0, result.output
    assert "9 rows read = 4 stored + 3 duplicate + 1 skipped + 1 quarantined" in result.output


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=1, max_value=11))
def test_split_session_file_gives_same_totals(tmp_path_factory: pytest.TempPathFactory, cut: int) -> None:
    tmp = tmp_path_factory.mktemp("split")
    lines = (FIXTURE / "input_session.jsonl").read_text().splitlines(keepends=True)
    proj = tmp / "projects" / "p"
    proj.mkdir(parents=True)
    (proj / "a.jsonl").write_text("".join(lines[:cut]))
    (proj / "b.jsonl").write_text(lines[0] + "".join(lines[cut:]))  # a resumed file starts with a summary
    shutil.copy(FIXTURE / "input_subagent.jsonl", proj / "agent-a1b2c3.jsonl")
    result = load([tmp / "projects"], tmp / "store")
    assert all(f.status == "ingested" for f in result.files)
    assert _our_daily(tmp / "store") == HAND_DAILY
