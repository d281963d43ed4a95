"""OpenAI Batch API output with GPT-5.6's cache writes (pricing-caching-routing.md: GPT-5.6 adds
`input_tokens_details.cache_write_tokens`, a part of the input; ordinary = input - cached - write)."""

from __future__ import annotations

import json
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def test_cache_writes_of_a_batch_result_are_not_priced_as_uncached_input(tmp_path: Path) -> None:
    chat = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1794000000, "model": "gpt-5.6-terra",
            "usage": {"prompt_tokens": 10_000, "completion_tokens": 500,
                      "prompt_tokens_details": {"cached_tokens": 4_000, "cache_write_tokens": 2_000},
                      "completion_tokens_details": {"reasoning_tokens": 100}}}
    resp = {"id": "resp_2", "object": "response", "created_at": 1794000060, "model": "gpt-5.6-terra",
            "usage": {"input_tokens": 3_000, "output_tokens": 40,
                      "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 3_000}}}
    # a write larger than the input left for it is a broken record: quarantined, not stored below 0
    bad = {"id": "chatcmpl-3", "object": "chat.completion", "created": 1794000120, "model": "gpt-5.6-terra",
           "usage": {"prompt_tokens": 100, "completion_tokens": 1,
                     "prompt_tokens_details": {"cached_tokens": 60, "cache_write_tokens": 50}}}
    lines = [{"id": f"batch_req_{i}", "custom_id": f"req-{i}", "error": None,
              "response": {"status_code": 200, "request_id": f"rq{i}", "body": body}}
             for i, body in enumerate((chat, resp, bad))]
    f = tmp_path / "batch_output.jsonl"
    f.write_text("".join(json.dumps(x) + "\n" for x in lines))
    load([f], tmp_path / "store")
    got = Store.open(tmp_path / "store").connect().execute(
        "SELECT source_line, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, "
        "batch FROM usage ORDER BY 1").fetchall()
    # by hand: 10,000 - 4,000 - 2,000 = 4,000 uncached; 3,000 - 0 - 3,000 = 0
    assert got == [(1, 4_000, 4_000, 2_000, 500, 100, True), (2, 0, 0, 3_000, 40, 0, True)]
    quarantined = [json.loads(x) for q in sorted((tmp_path / "store" / "quarantine").glob("*.jsonl"))
                   for x in q.read_text().splitlines()]
    assert [(q["line"], q["reason"]) for q in quarantined] == [(3, "cached tokens exceed prompt tokens")]
