"""Codex rollouts shaped as users have them beyond the shared fixture: legacy running totals with
a broken line among them, the session's working folder."""

from __future__ import annotations

import json
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _rows(store: Path, sql: str) -> list[tuple]:
    return Store.open(store).connect().execute(sql).fetchall()


def _total(ts: str, i: int, c: int, o: int, r: int) -> str:
    usage = {"input_tokens": i, "cached_input_tokens": c, "output_tokens": o, "reasoning_output_tokens": r,
             "total_tokens": i + o}
    return json.dumps({"timestamp": ts, "type": "event_msg",
                       "payload": {"type": "token_count", "info": {"total_token_usage": usage}}})


def test_legacy_running_totals_after_a_broken_line_are_still_differenced(tmp_path: Path) -> None:
    # a legacy rollout (running totals only) with a line cut short between two calls, as a crash
    # leaves it before a resumed session appends to the same file
    lines = [
        json.dumps({"timestamp": "2026-10-08T10:00:00Z", "type": "session_meta", "payload": {"id": "leg"}}),
        _total("2026-10-08T10:00:01Z", 1000, 0, 100, 10),
        '{"timestamp":"2026-10-08T10:00:03Z","type":"event_msg","payload":{"type":"token_co',
        _total("2026-10-08T10:00:05Z", 2300, 896, 150, 10),
    ]
    f = tmp_path / "rollout-2026-10-08T10-00-00-leg.jsonl"
    f.write_text("\n".join(lines) + "\n")
    load([f], tmp_path / "store")
    got = _rows(tmp_path / "store", "SELECT source_line, input_tokens, cache_read_tokens, output_tokens, "
                                    "reasoning_tokens FROM usage ORDER BY source_line")
    # by hand: call 2 = its totals minus call 1's (the broken line between them is no call):
    # input 2300 - 1000 = 1300 of which 896 cached -> 404 uncached; output 50; reasoning 0
    assert got == [(2, 1000, 0, 100, 10), (4, 404, 896, 50, 0)]
    quarantined = [json.loads(x) for q in sorted((tmp_path / "store" / "quarantine").glob("*.jsonl"))
                   for x in q.read_text().splitlines()]
    assert [(q["line"], q["reason"]) for q in quarantined] == [(3, "not valid JSON")]


def test_project_is_the_sessions_working_folder(tmp_path: Path) -> None:
    # session_meta and every turn_context name the folder Codex ran in (`cwd`), as Claude Code,
    # Copilot CLI and OpenCode lines do: it is the project, so by_project does not lump every
    # Codex session under "(none)"
    usage = {"input_tokens": 500, "cached_input_tokens": 100, "output_tokens": 20, "reasoning_output_tokens": 0,
             "total_tokens": 520}
    lines = [
        {"timestamp": "2026-11-03T09:00:00Z", "type": "session_meta",
         "payload": {"id": "s-cwd", "cwd": "/home/jo/proj x", "originator": "codex_cli_rs", "cli_version": "0.46.0"}},
        {"timestamp": "2026-11-03T09:00:01Z", "type": "turn_context",
         "payload": {"cwd": "/home/jo/proj x", "model": "gpt-5-codex"}},
        {"timestamp": "2026-11-03T09:00:02Z", "type": "event_msg",
         "payload": {"type": "token_count", "info": {"total_token_usage": usage, "last_token_usage": usage}}},
    ]
    f = tmp_path / "rollout-2026-11-03T09-00-00-s-cwd.jsonl"
    f.write_text("".join(json.dumps(x) + "\n" for x in lines))
    load([f], tmp_path / "store")
    assert _rows(tmp_path / "store", "SELECT project, input_tokens, cache_read_tokens FROM usage") == [
        ("/home/jo/proj x", 400, 100)]


def test_project_from_turn_context_when_session_meta_has_none(tmp_path: Path) -> None:
    usage = {"input_tokens": 10, "cached_input_tokens": 0, "output_tokens": 1, "total_tokens": 11}
    lines = [
        {"timestamp": "2026-11-03T09:00:00Z", "type": "session_meta", "payload": {"id": "s-ctx"}},
        {"timestamp": "2026-11-03T09:00:01Z", "type": "turn_context", "payload": {"cwd": "/w/a", "model": "gpt-5"}},
        {"timestamp": "2026-11-03T09:00:02Z", "type": "event_msg",
         "payload": {"type": "token_count", "info": {"total_token_usage": usage, "last_token_usage": usage}}},
    ]
    f = tmp_path / "rollout-2026-11-03T09-00-00-s-ctx.jsonl"
    f.write_text("".join(json.dumps(x) + "\n" for x in lines))
    load([f], tmp_path / "store")
    assert _rows(tmp_path / "store", "SELECT project FROM usage") == [("/w/a",)]


def test_rollout_from_before_event_lines_is_read_with_no_usage(tmp_path: Path) -> None:
    # Codex CLI before the {timestamp, type, payload} lines (mid-2025) wrote a session header
    # {id, timestamp, instructions, git}, `{"record_type": "state"}` lines and bare response items:
    # no token counts at all. Such files sit in every older ~/.codex/sessions; they are Codex
    # rollouts with nothing to count, not unknown files that fail the run
    day = tmp_path / "sessions" / "2025" / "07" / "14"
    day.mkdir(parents=True)
    lines = [
        {"id": "5f0c1a2e-7d3b-4c1e-9a8f-2b6d4e0c9a11", "timestamp": "2025-07-14T09:12:03.412Z",
         "instructions": None, "git": {"commit_hash": "ab12cd3", "branch": "main"}},
        {"record_type": "state"},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix the test"}]},
        {"record_type": "state"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "done"}]},
    ]
    f = day / "rollout-2025-07-14T09-12-03-5f0c1a2e-7d3b-4c1e-9a8f-2b6d4e0c9a11.jsonl"
    f.write_text("".join(json.dumps(x) + "\n" for x in lines))
    result = load([tmp_path / "sessions"], tmp_path / "store")
    assert [(r.status, r.ingestor) for r in result.files] == [("ingested", "codex_rollout_jsonl")]
    assert _rows(tmp_path / "store", "SELECT count(*) FROM usage") == [(0,)]
