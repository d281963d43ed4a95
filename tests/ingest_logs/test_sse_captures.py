"""Streamed replies saved as the server-sent events they came as (`curl -N ... > reply.sse`, a proxy's
capture): each payload on a `data: ` line, blank lines between events, `event: ` lines before the
Responses API's payloads, and OpenAI's `data: [DONE]` terminator (formats-request-logs.md 5a: a
Chat Completions stream ends with `data: [DONE]`; SSE fields per the WHATWG HTML "Server-sent
events" spec: `data`, `event`, `id`, `retry`, and `:` comment lines). Before, such a file was
'no known format', and forced with --source every line was quarantined as not valid JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

MODEL = "gpt-4.1-mini-2025-04-14"


def _chunk(rid: str, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": rid, "object": "chat.completion.chunk", "created": 1790000000, "model": MODEL,
            "choices": [] if usage else [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}],
            "usage": usage}


def _sse(events: list[tuple[str | None, str]]) -> str:
    return "".join((f"event: {name}\n" if name else "") + f"data: {data}\n\n" for name, data in events)


def _usage(store: Path) -> list[tuple[Any, ...]]:
    return Store.open(store).connect().execute(
        "SELECT event_id, input_tokens, cache_read_tokens, output_tokens, reasoning_tokens FROM usage "
        "ORDER BY event_id").fetchall()


def test_a_chat_completions_sse_capture_is_read(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    usage = {"prompt_tokens": 1200, "completion_tokens": 30, "total_tokens": 1230,
             "prompt_tokens_details": {"cached_tokens": 1024}, "completion_tokens_details": {"reasoning_tokens": 0}}
    (logs / "reply.sse").write_text(": keep-alive\n\n" + _sse([
        (None, json.dumps(_chunk("chatcmpl-1"))), (None, json.dumps(_chunk("chatcmpl-1"))),
        (None, json.dumps(_chunk("chatcmpl-1", usage))), (None, "[DONE]")]))
    result = load([logs], tmp_path / "store")
    f = result.files[0]
    assert (f.ingestor, f.status) == ("openai_stream_jsonl", "ingested"), f.message
    # 1,200 prompt of which 1,024 cached: 176 uncached; the comment, blank and [DONE] lines are no rows
    assert _usage(tmp_path / "store") == [("chatcmpl-1", 176, 1024, 30, 0)]
    assert f.rows_quarantined == 0


def test_a_responses_api_sse_capture_with_event_lines_is_read(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    resp = {"id": "resp_1", "object": "response", "created_at": 1790000000, "model": "o4-mini", "output": [],
            "usage": None}
    done = dict(resp, status="completed", usage={
        "input_tokens": 900, "input_tokens_details": {"cached_tokens": 512}, "output_tokens": 700,
        "output_tokens_details": {"reasoning_tokens": 640}, "total_tokens": 1600})
    (logs / "reply.sse").write_text(_sse([
        ("response.created", json.dumps({"type": "response.created", "sequence_number": 0, "response": resp})),
        ("response.output_text.delta", json.dumps({"type": "response.output_text.delta", "sequence_number": 1,
                                                   "item_id": "m", "output_index": 0, "content_index": 0,
                                                   "delta": "hi"})),
        ("response.completed", json.dumps({"type": "response.completed", "sequence_number": 2, "response": done})),
    ]))
    result = load([logs], tmp_path / "store")
    f = result.files[0]
    assert (f.ingestor, f.status) == ("openai_stream_jsonl", "ingested"), f.message
    # 900 input of which 512 cached: 388 uncached; 700 output of which 640 reasoning
    assert _usage(tmp_path / "store") == [("resp_1", 388, 512, 700, 640)]
    assert f.rows_quarantined == 0
