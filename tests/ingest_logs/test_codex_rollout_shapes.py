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


def _usage(i: int, c: int, w: int, o: int, r: int) -> dict[str, int]:
    return {"input_tokens": i, "cached_input_tokens": c, "cache_write_input_tokens": w, "output_tokens": o,
            "reasoning_output_tokens": r, "total_tokens": i + o}


def _line(ts: str, kind: str, payload: dict) -> dict:
    return {"timestamp": f"2026-11-10T09:00:{ts}Z", "type": kind, "payload": payload}


def _count(ts: str, last: dict[str, int], total: dict[str, int]) -> dict:
    info = {"last_token_usage": last, "total_token_usage": total}
    return _line(ts, "event_msg", {"type": "token_count", "info": info})


def test_usage_records_cache_writes_and_the_service_tier_of_a_2026_rollout(tmp_path: Path) -> None:
    # A rollout as Codex writes it since mid-2026 (shapes from third-party readers of real rollouts,
    # documented in ingest/codex_rollout_jsonl.py): a token_usage_record per model response beside
    # the token_count of the same call, cache writes as a part of input_tokens, and the service tier
    # set for the thread (thread_settings_applied) or stated with the usage. The session was begun
    # by an older Codex (one token_count, no record), then resumed by a new one.
    lines = [
        _line("00", "session_meta", {"id": "s-new", "cwd": "/w/app", "cli_version": "0.159.2"}),
        _line("01", "turn_context", {"cwd": "/w/app", "model": "gpt-5.6-terra"}),
        _line("02", "event_msg", {"type": "user_message", "message": "hi"}),
        _line("03", "event_msg", {"type": "thread_settings_applied",
                                  "thread_settings": {"model": "gpt-5.6-terra", "service_tier": "priority"}}),
        # A: the older Codex's call, a token_count only
        _count("04", _usage(1000, 200, 100, 50, 10), _usage(1000, 200, 100, 50, 10)),
        # B: a record, then the token_count of the same call (not read: it would count B twice)
        _line("05", "token_usage_record", {"response_id": "resp_b", "usage": _usage(3000, 1000, 500, 200, 80),
                                           "thread_token_usage": _usage(4000, 1200, 600, 250, 90)}),
        _count("05", _usage(3000, 1000, 500, 200, 80), _usage(4000, 1200, 600, 250, 90)),
        # the thread back at the standard tier: a settings snapshot without a tier
        _line("06", "event_msg", {"type": "thread_settings_applied", "thread_settings": {"model": "gpt-5.6-terra"}}),
        # C: its own tier, stated with the usage, wins over the thread's setting
        _line("07", "token_usage_record", {"response_id": "resp_c", "service_tier": "fast",
                                           "usage": _usage(2000, 1500, 0, 100, 0)}),
        # D: a record without usage: quarantined, never a request of 0 tokens
        _line("08", "token_usage_record", {"response_id": "resp_d"}),
        # a compaction embeds a copy of C's record: never read
        _line("09", "compacted", {"message": "summary", "latest_token_usage_record": {
            "response_id": "resp_c", "usage": _usage(2000, 1500, 0, 100, 0)}}),
        # E: at the thread's (standard) tier; then E written again (a duplicate)
        _line("10", "token_usage_record", {"response_id": "resp_e", "usage": _usage(100, 0, 0, 10, 0)}),
        _line("11", "token_usage_record", {"response_id": "resp_e", "usage": _usage(100, 0, 0, 10, 0)}),
    ]
    f = tmp_path / "rollout-2026-11-10T09-00-00-s-new.jsonl"
    f.write_text("".join(json.dumps(x) + "\n" for x in lines))
    load([f], tmp_path / "store")
    got = _rows(tmp_path / "store", "SELECT source_line, service_tier, input_tokens, cache_read_tokens, "
                                    "cache_write_tokens, output_tokens, reasoning_tokens FROM usage ORDER BY 1")
    # by hand: uncached input = input - cached - cache writes
    assert got == [
        (5, "priority", 1000 - 200 - 100, 200, 100, 50, 10),
        (6, "priority", 3000 - 1000 - 500, 1000, 500, 200, 80),
        (9, "fast", 2000 - 1500, 1500, 0, 100, 0),
        (12, "default", 100, 0, 0, 10, 0),
    ]
    quarantined = [json.loads(x) for q in sorted((tmp_path / "store" / "quarantine").glob("*.jsonl"))
                   for x in q.read_text().splitlines()]
    assert [(q["line"], q["reason"]) for q in quarantined] == [(10, "token_usage_record without usage")]

    # Priced by hand. gpt-5.6-terra per 1M tokens (OpenAI's API pricing page, as quoted in
    # tokscale#1347): input $2, output $12; GPT-5.6 cache reads 0.1x and writes 1.25x the input
    # price, Fast (priority) mode 2x every kind (shared reference pricing-caching-routing.md):
    # standard 2 / 0.2 / 2.5 / 12, fast 4 / 0.4 / 5 / 24. Reasoning is a part of the output.
    a = 700 * 4 + 200 * 0.4 + 100 * 5 + 50 * 24          # 4,580
    b = 1500 * 4 + 1000 * 0.4 + 500 * 5 + 200 * 24       # 13,700
    c = 500 * 4 + 1500 * 0.4 + 100 * 24                  # 5,000
    e = 100 * 2 + 10 * 12                                # 320
    from decimal import Decimal

    from llmcost.pricing import attach_costs, load_catalog

    con = Store.open(tmp_path / "store").connect()
    attach_costs(con, load_catalog(), source="usage", target="priced")
    total = con.execute("SELECT sum(cost_usd) FROM priced").fetchone()[0]
    assert total == Decimal(str(round(a + b + c + e))) / 1_000_000  # $0.0236


def test_a_token_count_written_before_its_usage_record_is_not_counted_twice(tmp_path: Path) -> None:
    # the other order: the call's token_count, then its record; the record's running thread total
    # is the token_count's, so they are one call (a token_count of an earlier call, with another
    # total, is still read)
    lines = [
        _line("00", "session_meta", {"id": "s-order"}),
        _line("01", "turn_context", {"model": "gpt-5.6-terra"}),
        _count("02", _usage(400, 0, 0, 40, 0), _usage(400, 0, 0, 40, 0)),
        _count("03", _usage(900, 300, 0, 60, 0), _usage(1300, 300, 0, 100, 0)),
        _line("04", "token_usage_record", {"response_id": "r2", "usage": _usage(900, 300, 0, 60, 0),
                                           "thread_token_usage": _usage(1300, 300, 0, 100, 0)}),
    ]
    f = tmp_path / "rollout-2026-11-10T09-00-00-s-order.jsonl"
    f.write_text("".join(json.dumps(x) + "\n" for x in lines))
    load([f], tmp_path / "store")
    assert _rows(tmp_path / "store", "SELECT source_line, input_tokens, cache_read_tokens, output_tokens "
                                     "FROM usage ORDER BY 1") == [(3, 400, 0, 40), (5, 600, 300, 60)]
