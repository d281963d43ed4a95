"""Langfuse usageDetails keys written by Langfuse's other mappers. Every detail key is subtracted
from `input` / `output` when Langfuse maps it (langfuse `packages/shared/src/server/ingestion/types.ts`
for OpenAI usage: each `completion_tokens_details` key becomes `output_<key>` and leaves `output`;
langfuse-python `langchain/CallbackHandler.py` `_parse_usage_model` for LangChain's usage_metadata:
`output_token_details.reasoning` -> `output_reasoning`, `input_token_details.audio` -> `input_audio`,
both subtracted), so each billed part has to be added back. Before, LangChain's `output_reasoning`
and `input_audio` and OpenAI's predicted-output counts (`output_accepted_prediction_tokens`,
`output_rejected_prediction_tokens`, billed as completion tokens) were dropped: output and input
were undercounted."""

from __future__ import annotations

import json
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _obs(oid: str, model: str, usage: dict[str, int]) -> dict[str, object]:
    return {"id": oid, "traceId": "t-" + oid, "startTime": "2026-10-12T15:31:46.402Z", "type": "GENERATION",
            "name": "gen", "level": "DEFAULT", "model": model, "usageDetails": usage, "costDetails": {},
            "totalCost": None, "traceName": "turn", "traceTags": [], "userId": None, "metadata": {}}


def test_langchain_and_predicted_output_detail_keys_are_added_back(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    rows = [
        # LangChain (o3): usage_metadata input 100 of which cache_read 30, audio 0; output 500 of which
        # reasoning 450 -> Langfuse input 70, input_cache_read 30, output 50, output_reasoning 450
        _obs("a", "o3-2025-04-16", {"input": 70, "input_cache_read": 30, "output": 50, "output_reasoning": 450,
                                     "total": 600}),
        # LangChain (gpt-4o audio): input 100 of which audio 25 -> input 75, input_audio 25; output 10
        _obs("b", "gpt-4o-audio-preview", {"input": 75, "input_audio": 25, "output": 10, "total": 110}),
        # OpenAI Predicted Outputs: completion_tokens 200 = 100 + accepted 60 + rejected 40, no reasoning
        _obs("c", "gpt-4o-2024-08-06", {"input": 1000, "input_cached_tokens": 0, "output": 100,
                                         "output_reasoning_tokens": 0, "output_accepted_prediction_tokens": 60,
                                         "output_rejected_prediction_tokens": 40, "total": 1200}),
    ]
    (logs / "observations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = load([logs], tmp_path / "store")
    assert [f.ingestor for f in result.files] == ["langfuse_observations_jsonl"]
    got = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, input_tokens, cache_read_tokens, output_tokens, reasoning_tokens FROM usage "
        "ORDER BY event_id").fetchall()
    assert got == [
        ("a", 70, 30, 500, 450),  # before: output 50, reasoning 0
        ("b", 100, 0, 10, 0),  # before: input 75
        ("c", 1000, 0, 200, 0),  # before: output 100
    ]


def test_langchain_anthropic_one_hour_cache_writes_keep_their_lifetime(tmp_path: Path) -> None:
    # langfuse-python `_parse_usage_model`, Anthropic's nested `cache_creation`: each lifetime becomes
    # `cache_creation_<key>` and their sum `cache_creation_input_tokens` (setdefault). Before, the
    # 1-hour part was not read: 3,000 written, of which 2,000 for an hour, stored as 0 for an hour
    # (priced at the 5-minute rate, 1.25x input instead of 2x).
    logs = tmp_path / "logs"
    logs.mkdir()
    row = _obs("d", "claude-sonnet-4-5", {"input": 12, "output": 400, "cache_read_input_tokens": 5000,
                                          "cache_creation_input_tokens": 3000,
                                          "cache_creation_ephemeral_5m_input_tokens": 1000,
                                          "cache_creation_ephemeral_1h_input_tokens": 2000})
    (logs / "observations.jsonl").write_text(json.dumps(row) + "\n")
    load([logs], tmp_path / "store")
    got = Store.open(tmp_path / "store").connect().execute(
        "SELECT input_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens "
        "FROM usage").fetchall()
    assert got == [(12, 5000, 3000, 2000, 400)]
