"""Azure OpenAI streams open with a content-filter annotation chunk that is no part of any reply:
`{"id": "", "object": "", "created": 0, "model": "", "choices": [], "prompt_filter_results": [...]}`
(Azure "Content filtering" docs, streaming; Azure/azure-sdk-for-go#21086, microsoft/autogen#6465),
and with annotations on, more such chunks with `choices[].content_filter_results`. Such a chunk
holds no usage and names no reply; it is no record, as a text delta is not. Before, the chunks of
every reply with the empty id were read as one reply "without usage" and quarantined."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FILTER = {"id": "", "object": "", "created": 0, "model": "", "choices": [], "usage": None,
          "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {
              "hate": {"filtered": False, "severity": "safe"}}}]}


def _chunk(rid: str, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": rid, "object": "chat.completion.chunk", "created": 1790000000, "model": "gpt-4o-2024-11-20",
            "choices": [] if usage else [{"index": 0, "delta": {"content": "x"}, "finish_reason": None,
                                          "content_filter_results": {}}],
            "usage": usage}


def test_azure_filter_chunks_are_no_replies(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    usage = {"prompt_tokens": 500, "completion_tokens": 40, "total_tokens": 540,
             "prompt_tokens_details": {"cached_tokens": 0}}
    records = [FILTER, _chunk("chatcmpl-a"), _chunk("chatcmpl-a", usage),
               FILTER, _chunk("chatcmpl-b"), _chunk("chatcmpl-b", dict(usage, completion_tokens=60))]
    (logs / "azure_stream.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    f = load([logs], tmp_path / "store").files[0]
    assert f.ingestor == "openai_stream_jsonl"
    assert (f.rows_stored, f.rows_quarantined) == (2, 0)
    got = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, input_tokens, output_tokens FROM usage ORDER BY event_id").fetchall()
    assert got == [("chatcmpl-a", 500, 40), ("chatcmpl-b", 500, 60)]
