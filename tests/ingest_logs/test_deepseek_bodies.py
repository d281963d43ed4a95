"""Chat Completions bodies from DeepSeek's OpenAI-compatible API, which states its prompt cache as
`usage.prompt_cache_hit_tokens` + `prompt_cache_miss_tokens` (= `prompt_tokens`; newer replies add
OpenAI's `prompt_tokens_details.cached_tokens` too: /work/shared/reference/pricing-caching-routing.md,
DeepSeek row; api-docs.deepseek.com "Context Caching"). Before, a body with the hit count alone was
read as 10,000 uncached input with the cache unknown; a hit costs about 2-3% of a miss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _body(rid: str, usage: dict[str, object]) -> dict[str, object]:
    return {"ts": "2026-12-05T09:00:00Z", "response": {
        "id": rid, "object": "chat.completion", "created": 1764925200, "model": "deepseek-chat",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": usage}}


@pytest.mark.parametrize(("usage", "expected"), [
    # hit/miss only: 10,000 = 9,000 hit + 1,000 miss
    ({"prompt_tokens": 10000, "completion_tokens": 100, "total_tokens": 10100,
      "prompt_cache_hit_tokens": 9000, "prompt_cache_miss_tokens": 1000}, (1000, 9000, 100, True)),
    # both spellings, agreeing: read once
    ({"prompt_tokens": 2000, "completion_tokens": 50, "total_tokens": 2050, "prompt_cache_hit_tokens": 1920,
      "prompt_cache_miss_tokens": 80, "prompt_tokens_details": {"cached_tokens": 1920}}, (80, 1920, 50, True)),
    # a body without either (OpenAI's own, no details): as before, cache unknown
    ({"prompt_tokens": 300, "completion_tokens": 20, "total_tokens": 320}, (300, 0, 20, False)),
])
def test_deepseek_cache_hits_are_cache_reads(usage: dict, expected: tuple, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "bodies.jsonl").write_text(json.dumps(_body("ds-1", usage)) + "\n")
    result = load([logs], tmp_path / "store")
    assert [f.ingestor for f in result.files] == ["openai_response_jsonl"]
    got = Store.open(tmp_path / "store").connect().execute(
        "SELECT input_tokens, cache_read_tokens, output_tokens, cache_known FROM usage").fetchall()
    assert got == [expected]
