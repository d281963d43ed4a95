"""One day's usage of one Anthropic model as the Console's usage CSV and the Admin API's usage
report write it (formats-provider-exports.md), for the tests that price an option of Anthropic's
usage (fast mode, data residency) from either export."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from llmcost.cli import app

DAY = "2026-11-10"


def console_usage_csv(folder: Path, model: str, uncached: int, output: int, *, geo: str, speed: str) -> Path:
    """`claude_api_tokens_<day>_to_<day>.csv` in `folder` (made), one standard-tier row, no cache."""
    folder.mkdir(parents=True)
    day = DAY.replace("-", "_")
    f = folder / f"claude_api_tokens_{day}_to_{day}.csv"
    f.write_text(
        "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,"
        "usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,"
        "usage_output_tokens,web_search_count,inference_geo,speed\n"
        f"{DAY},{model},prod-key,Default,standard,all,{uncached},0,0,0,{output},0,{geo},{speed}\n"
    )
    return f


def usage_report_json(folder: Path, model: str, uncached: int, output: int, *, geo: str, speed: str | None) -> Path:
    """`usage_report.json` in `folder` (made): one page, one daily bucket, one grouped result."""
    folder.mkdir(parents=True)
    f = folder / "usage_report.json"
    f.write_text(json.dumps({"data": [{
        "starting_at": f"{DAY}T00:00:00Z", "ending_at": "2026-11-11T00:00:00Z",
        "results": [{"uncached_input_tokens": uncached, "cache_read_input_tokens": 0, "output_tokens": output,
                     "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                     "api_key_id": "apikey_01", "workspace_id": None, "model": model,
                     "service_tier": "standard", "context_window": "0-1m", "inference_geo": geo,
                     "speed": speed}]}], "has_more": False, "next_page": None}))
    return f


def claude_code_reply(msg: str, model: str, usage: dict[str, object], ts: str, session: str) -> str:
    """One Claude Code transcript line of an assistant reply (compact JSON, as Claude Code writes it)."""
    return json.dumps({
        "parentUuid": None, "isSidechain": False, "cwd": "/home/dev/app", "sessionId": session, "version": "2.1.200",
        "type": "assistant", "uuid": f"u-{msg}", "timestamp": ts, "requestId": f"req_{msg}",
        "message": {"id": msg, "type": "message", "role": "assistant", "model": model,
                    "content": [], "stop_reason": "end_turn", "usage": usage},
    }, separators=(",", ":"))


def json_report(args: list[str]) -> dict:
    """The JSON report of a CLI run with `args` (no forecast), which must exit 0."""
    res = CliRunner().invoke(app, [*args, "--format", "json", "--no-forecast"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)
