"""Chat Completions bodies from OpenRouter's OpenAI-compatible API. OpenRouter bills them (its
activity export is provider `openrouter`, openrouter_activity_csv) and states the charge in every
body's `usage.cost` (credits, USD: openrouter.ai/docs "Usage Accounting": "Full usage details are
now always included automatically in every response"; ids `gen-...`). Before, such a body was
provider `openai` (or `google` for a `google/gemini-...` model) with no stated cost, so it
neither grouped nor reconciled with the OpenRouter export."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _body(rid: str, model: str, cost: float | None) -> dict[str, object]:
    usage: dict[str, object] = {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100,
                                "prompt_tokens_details": {"cached_tokens": 800, "audio_tokens": 0},
                                "completion_tokens_details": {"reasoning_tokens": 0}}
    if cost is not None:
        usage.update(cost=cost, is_byok=False, cost_details={"upstream_inference_cost": None})
    return {"id": rid, "provider": "Anthropic", "model": model, "object": "chat.completion", "created": 1764925200,
            "choices": [], "usage": usage}


def test_openrouter_bodies_are_provider_openrouter_with_their_cost(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    lines = [
        {"ts": "2026-12-05T09:00:00Z", "response": _body("gen-1764925200-a", "anthropic/claude-sonnet-4", 0.0045)},
        {"ts": "2026-12-05T09:01:00Z", "response": _body("gen-1764925260-b", "google/gemini-2.5-pro", 0.0021)},
        # an OpenAI body: no cost, OpenAI's id
        {"ts": "2026-12-05T09:02:00Z", "response": _body("chatcmpl-c", "gpt-4o-2024-08-06", None)},
    ]
    (logs / "app.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    load([logs], tmp_path / "store")
    got = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, provider, model, input_tokens, cache_read_tokens, reported_cost_usd FROM usage "
        "ORDER BY event_id").fetchall()
    assert got == [
        ("chatcmpl-c", "openai", "gpt-4o-2024-08-06", 200, 800, None),
        ("gen-1764925200-a", "openrouter", "anthropic/claude-sonnet-4", 200, 800, Decimal("0.0045")),
        ("gen-1764925260-b", "openrouter", "google/gemini-2.5-pro", 200, 800, Decimal("0.0021")),
    ]
