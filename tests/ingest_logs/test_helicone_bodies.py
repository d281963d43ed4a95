"""Helicone JSONL exports with `--include-body` whose response body is an OpenAI Responses API body
(`usage.input_tokens` INCLUDES `input_tokens_details.cached_tokens`; `output_tokens` includes
`output_tokens_details.reasoning_tokens`: openai-python `types/responses/response_usage.py`).
Before, any body with `usage.input_tokens` was read as Anthropic's (input excludes the cache), so
the cached tokens were counted twice over as uncached input and the cache read was 0."""

from __future__ import annotations

import json
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _row(rid: str, body: dict) -> dict:
    return {"request_id": rid, "request_created_at": "2026-10-11 09:10:00.000", "request_user_id": "u1",
            "request_properties": {"Helicone-Session-Id": "s1"}, "provider": "OPENAI",
            "request_model": body["model"], "prompt_tokens": 0, "completion_tokens": 0,
            "prompt_cache_read_tokens": 0, "prompt_cache_write_tokens": 0, "cost": 0.001,
            "response_status": 200, "response_body": body}


def test_responses_api_body_subtracts_its_cached_tokens(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    rows = [
        # Responses API: 1,200 input of which 1,000 cached; 300 output of which 100 reasoning
        _row("h-1", {"id": "resp_1", "object": "response", "model": "gpt-4.1-mini", "output": [],
                     "usage": {"input_tokens": 1200, "input_tokens_details": {"cached_tokens": 1000},
                               "output_tokens": 300, "output_tokens_details": {"reasoning_tokens": 100},
                               "total_tokens": 1500}}),
        # Anthropic Messages: input 12 excludes the 5,000 read and 3,000 written; output 400
        _row("h-2", {"id": "msg_1", "type": "message", "model": "claude-sonnet-4-5",
                     "usage": {"input_tokens": 12, "cache_read_input_tokens": 5000,
                               "cache_creation_input_tokens": 3000, "output_tokens": 400}}),
    ]
    (logs / "export.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = load([logs], tmp_path / "store")
    assert [f.ingestor for f in result.files] == ["helicone_export_jsonl"]
    got = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, "
        "cache_known FROM usage ORDER BY event_id").fetchall()
    assert got == [
        ("h-1", 200, 1000, 0, 300, 100, True),  # 1,200 - 1,000 uncached (before: 1,200 uncached, 0 read, 0 reasoning)
        ("h-2", 12, 5000, 3000, 400, 0, True),
    ]
