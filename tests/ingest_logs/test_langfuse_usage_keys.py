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


# One Vertex AI call (gemini-2.5-flash): prompt 1,000 text tokens of which 400 cached (implicit
# cache), candidates 200 text tokens, thoughts 50; totalTokenCount 1,250 = prompt + candidates +
# thoughts (formats-request-logs.md 5e). The truth: input 1,000 - 400 = 600, cache read 400,
# output 200 + 50 = 250, reasoning 50. Each row below is what one writer made of it in
# usageDetails. langfuse-python's LangChain handler (`langchain/CallbackHandler.py`
# `_parse_usage_model`, over langchain-google-vertexai's `usage_metadata`, whose modality is the
# proto enum number: 1 = TEXT) renames prompt_token_count -> input, candidates_token_count ->
# output, writes `input_modality_<n>`, `output_modality_<n>`, `cached_modality_<n>` from the
# details lists and keeps cached_content_token_count and thoughts_token_count as they are.
GEMINI_TRUTH = (600, 400, 250, 50)
GEMINI_ROWS = {
    # 2.60.4-2.x (#1181): the modality keys beside the whole counts, nothing subtracted; total_token_count
    # kept as it is, so Langfuse's server made `total` the sum of every key (1000 + 200 + 1250 +
    # 1000 + 200 + 400 + 400 + 50 = 4500)
    "py-2.60": {"input": 1000, "output": 200, "total_token_count": 1250, "input_modality_1": 1000,
                "output_modality_1": 200, "cached_modality_1": 400, "cached_content_token_count": 400,
                "thoughts_token_count": 50, "total": 4500},
    # 3.0.1-3.10.2 (#1197, #1208): each modality subtracted from input / output (clamped at 0),
    # the cached modality from input too, total_token_count -> total
    "py-3.0": {"input": 0, "output": 0, "total": 1250, "input_modality_1": 1000, "output_modality_1": 200,
               "cached_modality_1": 400, "cached_content_token_count": 400, "thoughts_token_count": 50},
    # 3.10.3+ (#1451): the cached modality is also subtracted from input_modality_1
    "py-3.10": {"input": 0, "output": 0, "total": 1250, "input_modality_1": 600, "output_modality_1": 200,
                "cached_modality_1": 400, "cached_content_token_count": 400, "thoughts_token_count": 50},
    # @langfuse/langchain (langfuse-js `packages/langchain/src/CallbackHandler.ts`) over @langchain/google,
    # whose usage_metadata is input_tokens = prompt, output_tokens = candidates + thoughts,
    # input_token_details {text: prompt's TEXT (cached ones included), cache_read},
    # output_token_details {text, reasoning: thoughts}: each detail -> input_<k> / output_<k>,
    # subtracted from input / output (clamped at 0)
    "js": {"input": 0, "output": 0, "total": 1250, "input_text": 1000, "input_cache_read": 400,
           "output_text": 200, "output_reasoning": 50},
    # the app passed the SDK's usage_metadata itself (free-form keys, nothing renamed); no
    # `total` sent, so the server's is the sum of the keys (1000 + 400 + 200 + 50 + 1250)
    "raw": {"prompt_token_count": 1000, "cached_content_token_count": 400, "candidates_token_count": 200,
            "thoughts_token_count": 50, "total_token_count": 1250, "total": 2900},
    # the same from the REST body's usageMetadata (camelCase)
    "raw-camel": {"promptTokenCount": 1000, "cachedContentTokenCount": 400, "candidatesTokenCount": 200,
                  "thoughtsTokenCount": 50, "totalTokenCount": 1250, "total": 2900},
}


def test_gemini_usage_keys_from_every_writer_give_the_same_tokens(tmp_path: Path) -> None:
    """Before: py-2.60 stored input 1,000 (the cached 400 priced as input), output 200 (thoughts
    dropped); py-3.0 and py-3.10 stored 0 tokens; js input 0, output 50 (the 200 candidates
    dropped); raw and raw-camel were quarantined as stating no usage."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "observations.jsonl").write_text(
        "".join(json.dumps(_obs(k, "gemini-2.5-flash", u)) + "\n" for k, u in GEMINI_ROWS.items()))
    [f] = load([logs], tmp_path / "store").files
    assert (f.rows_read, f.rows_stored, f.rows_quarantined) == (6, 6, 0)
    got = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, input_tokens, cache_read_tokens, output_tokens, reasoning_tokens FROM usage "
        "ORDER BY event_id").fetchall()
    assert got == [(k, *GEMINI_TRUTH) for k in sorted(GEMINI_ROWS)]


def test_gemini_usage_keys_with_an_image_and_tool_use(tmp_path: Path) -> None:
    # prompt 1,258 = text 1,000 + image (modality 2) 258, of which 400 text cached; tool-use prompt
    # 30 (billed as input, formats-request-logs.md 5e); candidates 200; thoughts 50; total 1,258 +
    # 30 + 200 + 50 = 1,538. Input = 1,258 - 400 + 30 = 888.
    logs = tmp_path / "logs"
    logs.mkdir()
    rows = {
        "py-3.10": {"input": 0, "output": 0, "total": 1538, "input_modality_1": 600, "input_modality_2": 258,
                    "output_modality_1": 200, "cached_modality_1": 400, "cached_content_token_count": 400,
                    "thoughts_token_count": 50, "tool_use_prompt_token_count": 30},
        "raw": {"prompt_token_count": 1258, "cached_content_token_count": 400, "candidates_token_count": 200,
                "thoughts_token_count": 50, "tool_use_prompt_token_count": 30, "total_token_count": 1538},
    }
    (logs / "observations.jsonl").write_text(
        "".join(json.dumps(_obs(k, "gemini-2.5-flash", u)) + "\n" for k, u in rows.items()))
    load([logs], tmp_path / "store")
    got = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, input_tokens, cache_read_tokens, output_tokens, reasoning_tokens FROM usage "
        "ORDER BY event_id").fetchall()
    assert got == [("py-3.10", 888, 400, 250, 50), ("raw", 888, 400, 250, 50)]


def test_a_gemini_row_caching_more_than_its_prompt_is_quarantined(tmp_path: Path) -> None:
    # Gemini's prompt count includes the cached tokens: 500 cached of a 100-token prompt is no count
    # that can be priced (input would be -400)
    logs = tmp_path / "logs"
    logs.mkdir()
    row = _obs("bad", "gemini-2.5-flash", {"prompt_token_count": 100, "cached_content_token_count": 500,
                                           "candidates_token_count": 5})
    (logs / "observations.jsonl").write_text(json.dumps(row) + "\n")
    [f] = load([logs], tmp_path / "store").files
    assert (f.rows_read, f.rows_stored, f.rows_quarantined) == (1, 0, 1)
    [q] = [json.loads(line) for p in (tmp_path / "store" / "quarantine").glob("*.jsonl")
           for line in p.read_text().splitlines()]
    assert (q["line"], q["reason"]) == (1, "the cached count exceeds prompt_token_count (Gemini's prompt count "
                                           "includes the cached tokens)")
