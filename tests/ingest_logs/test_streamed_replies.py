"""Streamed replies logged chunk by chunk (openai_stream_jsonl, anthropic_stream_jsonl): a stream
log that grows between runs ends with the final counts, a re-run changes no total, and a short
stream whose usage line is among its first lines is still read as a stream, not as bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmcost import ingest
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

MODEL = "gpt-4.1-mini-2025-04-14"


def _chunk(rid: str, usage: dict[str, Any] | None = None, text: str = "x") -> dict[str, Any]:
    return {"id": rid, "object": "chat.completion.chunk", "created": 1790000000, "model": MODEL,
            "choices": [] if usage else [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
            "usage": usage}


def _write(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def _totals(store: Path) -> tuple[int, int, int, int]:
    con = Store.open(store).connect()
    n, inp, cached, out = con.execute(
        "SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(output_tokens) FROM usage").fetchall()[0]
    return n, inp, cached, out


def test_an_openai_stream_that_grows_between_runs_ends_with_its_usage(tmp_path: Path) -> None:
    log, store = tmp_path / "logs" / "stream.jsonl", tmp_path / "store"
    log.parent.mkdir()
    # run 1: the reply is still streaming (no usage chunk yet): tokens unknown, quarantined, not 0
    _write(log, [_chunk("chatcmpl-1"), _chunk("chatcmpl-1")])
    first = load([log.parent], store).files[0]
    assert (first.ingestor, first.rows_read, first.rows_stored, first.rows_quarantined) == \
        ("openai_stream_jsonl", 1, 0, 1)
    # run 2: the usage chunk arrived: prompt 2,000 with 1,536 cached -> input 2,000 - 1,536 = 464
    _write(log, [_chunk("chatcmpl-1"), _chunk("chatcmpl-1"), _chunk("chatcmpl-1", {
        "prompt_tokens": 2000, "completion_tokens": 75, "total_tokens": 2075,
        "prompt_tokens_details": {"cached_tokens": 1536}})])
    second = load([log.parent], store).files[0]
    assert (second.status, second.rows_read, second.rows_stored, second.rows_quarantined) == ("replaced", 1, 1, 0)
    assert _totals(store) == (1, 464, 1536, 75)
    # run 3: nothing changed: no total moves
    assert load([log.parent], store).files[0].status == "unchanged"
    assert _totals(store) == (1, 464, 1536, 75)


def _event(ts: str, event: dict[str, Any]) -> dict[str, Any]:
    return {"ts": ts, "session_id": "s-1", "data": event}


START = {"type": "message_start", "message": {
    "id": "msg_9", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": [],
    "usage": {"input_tokens": 40, "cache_read_input_tokens": 3000, "cache_creation_input_tokens": 0,
              "output_tokens": 1}}}


def test_an_anthropic_stream_cut_off_then_completed_takes_the_final_output(tmp_path: Path) -> None:
    log, store = tmp_path / "logs" / "events.jsonl", tmp_path / "store"
    log.parent.mkdir()
    head = [_event("2026-10-05T10:00:00Z", START),
            _event("2026-10-05T10:00:01Z", {"type": "content_block_delta", "index": 0,
                                            "delta": {"type": "text_delta", "text": "Hi"}})]
    _write(log, head)
    # run 1: only the start: the request is stored with what the start states (output 1, a lower bound)
    assert load([log.parent], store).files[0].ingestor == "anthropic_stream_jsonl"
    assert _totals(store) == (1, 40, 3000, 1)
    # run 2: the delta states the cumulative output, 321: the stored request takes it
    _write(log, [*head, _event("2026-10-05T10:00:09Z", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                                     "usage": {"output_tokens": 321}}),
                 _event("2026-10-05T10:00:09Z", {"type": "message_stop"})])
    second = load([log.parent], store).files[0]
    assert (second.status, second.rows_read, second.rows_stored, second.rows_duplicate) == ("replaced", 2, 1, 1)
    assert _totals(store) == (1, 40, 3000, 321)


def test_an_anthropic_stream_whose_start_states_no_input_is_quarantined_whole(tmp_path: Path) -> None:
    from llmcost.ingest import INPUT_NOT_REPORTED
    from llmcost.ingest.anthropic_stream_jsonl import DELTA_INPUT_NOT_REPORTED

    log, store = tmp_path / "logs" / "events.jsonl", tmp_path / "store"
    log.parent.mkdir()
    no_input = json.loads(json.dumps(START))
    del no_input["message"]["usage"]["input_tokens"]
    restated = json.loads(json.dumps(no_input))
    restated["message"]["id"] = "msg_10"
    delta = {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 321}}
    # msg_9: the start has no input and the delta restates none: both lines quarantined (the delta
    # alone was stored with input 0 and cache read 0). msg_10: the delta restates input 40 and
    # cache read 3,000 (newer API versions do): stored with them and its output 77.
    _write(log, [_event("2026-10-05T10:00:00Z", no_input), _event("2026-10-05T10:00:09Z", delta),
                 _event("2026-10-05T10:00:09Z", {"type": "message_stop"}),
                 _event("2026-10-05T10:01:00Z", restated),
                 _event("2026-10-05T10:01:09Z", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                                 "usage": {"input_tokens": 40, "cache_read_input_tokens": 3000,
                                                           "output_tokens": 77}})])
    [f] = load([log.parent], store).files
    assert (f.ingestor, f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined) == \
        ("anthropic_stream_jsonl", 4, 1, 0, 3)
    reasons = {e["line"]: e["reason"] for q in sorted((store / "quarantine").glob("*.jsonl"))
               for e in map(json.loads, q.read_text().splitlines())}
    assert reasons == {1: INPUT_NOT_REPORTED, 2: DELTA_INPUT_NOT_REPORTED, 4: INPUT_NOT_REPORTED}
    assert _totals(store) == (1, 40, 3000, 77)


def _responses(rid: str) -> list[dict[str, Any]]:
    """A short Responses stream: created, in progress, completed (whose `response` is a whole body)."""
    return [{"type": t, "sequence_number": i, "response": {
        "id": rid, "object": "response", "created_at": 1790000000, "model": "gpt-5-mini", "output": [],
        "usage": ({"input_tokens": 10, "output_tokens": 2, "total_tokens": 12} if t == "response.completed" else None)}}
        for i, t in enumerate(("response.created", "response.in_progress", "response.completed"))]


USAGE = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}


@pytest.mark.parametrize("lines", [
    # two replies of a role chunk and a usage chunk: the first usage chunk, a body by itself, is on
    # the second line, among the lines detection reads (all but the last of the head)
    [_chunk("chatcmpl-2", text=""), _chunk("chatcmpl-2", USAGE), _chunk("chatcmpl-3", text=""),
     _chunk("chatcmpl-3", USAGE)],
    [*_responses("resp_1"), *_responses("resp_2")],
])
def test_a_short_stream_is_read_as_a_stream(tmp_path: Path, lines: list[dict[str, Any]]) -> None:
    log = tmp_path / "stream.jsonl"
    _write(log, lines)
    assert [i.name for i in ingest.detect(log.read_bytes(), str(log))] == ["openai_stream_jsonl"]
    f = load([log], tmp_path / "store").files[0]
    # two requests of 10 input and 2 output tokens each; the streams' other lines are not rows
    assert (f.rows_read, f.rows_stored, f.rows_quarantined) == (2, 2, 0)
    assert _totals(tmp_path / "store") == (2, 20, 0, 4)


def test_a_gemini_stream_takes_its_last_chunks_counts(tmp_path: Path) -> None:
    """streamGenerateContent chunks logged one per line: each states the usage so far
    (python-genai#1204), candidatesTokenCount on the later chunks only; they share the reply's
    responseId."""
    log = tmp_path / "gemini.jsonl"
    chunks = [({"promptTokenCount": 21, "totalTokenCount": 21}, "r-1"),
              ({"promptTokenCount": 21, "candidatesTokenCount": 625, "thoughtsTokenCount": 90}, "r-1"),
              ({"promptTokenCount": 21, "candidatesTokenCount": 650, "thoughtsTokenCount": 90}, "r-1"),
              ({"promptTokenCount": 5, "candidatesTokenCount": 3, "totalTokenCount": 8}, "r-2")]
    _write(log, [{"ts": f"2026-10-06T12:00:0{i}Z", "response": {
        "candidates": [], "usageMetadata": usage, "modelVersion": "gemini-2.5-pro", "responseId": rid}}
        for i, (usage, rid) in enumerate(chunks)])
    f = load([log], tmp_path / "store").files[0]
    assert (f.ingestor, f.rows_read, f.rows_stored, f.rows_duplicate) == ("gemini_generate_content_jsonl", 4, 2, 2)
    # r-1: output = candidates + thoughts = 650 + 90 = 740 (formats-request-logs.md 5e), not the first
    # chunk's 0; r-2: 3. Input: 21 + 5 = 26.
    assert _totals(tmp_path / "store") == (2, 26, 0, 743)


def _gemini_chunk(text: str, usage: dict[str, int], finish: str | None = None) -> dict[str, Any]:
    """One streamGenerateContent chunk (a GenerateContentResponse) of a reply without `responseId`
    (older API versions and some proxies write none): the finishReason is on the last chunk only."""
    candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": "gemini-2.5-flash"}


# Reply A: 3 chunks, prompt 120 throughout, candidates 10 then 42 (the last chunk's are the final counts)
REPLY_A = [_gemini_chunk("Hel", {"promptTokenCount": 120, "totalTokenCount": 120}),
           _gemini_chunk("lo ", {"promptTokenCount": 120, "candidatesTokenCount": 10, "totalTokenCount": 130}),
           _gemini_chunk("world", {"promptTokenCount": 120, "candidatesTokenCount": 42, "totalTokenCount": 162},
                         "STOP")]
# Reply B: 2 chunks, prompt 300 of which 256 cached, final candidates 7 + thoughts 20
REPLY_B = [_gemini_chunk("A", {"promptTokenCount": 300, "cachedContentTokenCount": 256, "totalTokenCount": 300}),
           _gemini_chunk("B", {"promptTokenCount": 300, "cachedContentTokenCount": 256, "candidatesTokenCount": 7,
                               "thoughtsTokenCount": 20, "totalTokenCount": 327}, "MAX_TOKENS")]
# A whole (not streamed) reply without responseId: prompt 10, candidates 2
WHOLE = _gemini_chunk("ok", {"promptTokenCount": 10, "candidatesTokenCount": 2, "totalTokenCount": 12}, "STOP")


def _reasoning(store: Path) -> int:
    return int(Store.open(store).connect().execute("SELECT sum(reasoning_tokens) FROM usage").fetchone()[0])


def test_gemini_stream_chunks_without_response_id_are_one_request(tmp_path: Path) -> None:
    """The chunks of one reply that have no responseId were stored once per chunk: 6 requests,
    input 120 x 3 + 44 x 2 + 10 = 458, cache 256 x 2 = 512. The consecutive chunks up to the one
    with a finishReason are one reply; the stored request takes its final counts."""
    log, store = tmp_path / "logs" / "gemini.jsonl", tmp_path / "store"
    log.parent.mkdir()
    lines = [{"ts": f"2026-10-06T12:00:0{i}Z", "session_id": "s-1", "response": c}
             for i, c in enumerate([*REPLY_A, *REPLY_B, WHOLE])]
    # run 1: the log stops inside reply A (its first two chunks): one request with the counts so far
    _write(log, lines[:2])
    f = load([log.parent], store).files[0]
    assert (f.ingestor, f.rows_read, f.rows_stored, f.rows_duplicate) == ("gemini_generate_content_jsonl", 2, 1, 1)
    assert _totals(store) == (1, 120, 0, 10)
    # run 2: the whole log. A: input 120, output 42. B: input 300 - 256 = 44, cache 256, output
    # 7 + 20 = 27 (formats-request-logs.md 5e), reasoning 20. WHOLE: input 10, output 2.
    _write(log, lines)
    f = load([log.parent], store).files[0]
    assert (f.status, f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined) == ("replaced", 6, 3, 3, 0)
    assert _totals(store) == (3, 120 + 44 + 10, 256, 42 + 27 + 2)
    assert _reasoning(store) == 20


def test_gemini_stream_chunks_without_response_id_in_an_sse_capture(tmp_path: Path) -> None:
    """The same two replies saved as server-sent events (`streamGenerateContent?alt=sse`), from
    Vertex AI, whose chunks state `createTime` (the bare Gemini API's state no time at all)."""
    log, store = tmp_path / "logs" / "reply.sse", tmp_path / "store"
    log.parent.mkdir()
    chunks = [dict(c, createTime="2026-10-06T12:00:00.123456Z") for c in [*REPLY_A, *REPLY_B]]
    log.write_text("".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks))
    f = load([log.parent], store).files[0]
    assert (f.ingestor, f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined) == \
        ("gemini_generate_content_jsonl", 5, 2, 3, 0)
    assert _totals(store) == (2, 120 + 44, 256, 42 + 27)
    assert _reasoning(store) == 20
