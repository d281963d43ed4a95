"""Anthropic Messages API bodies, logged by an app as JSON lines inside its envelope.

Field mapping (formats-request-logs.md 5d; anthropics/anthropic-sdk-python `types/usage.py`):
`usage.input_tokens` EXCLUDES cache reads and writes, which come separately as
`cache_read_input_tokens` and `cache_creation_input_tokens`; the write split by lifetime is
`cache_creation.ephemeral_5m_input_tokens` / `ephemeral_1h_input_tokens`. `output_tokens`
includes thinking (`output_tokens_details.thinking_tokens`, May 2026). The body has no timestamp
and no conversation id: both come from the app's envelope, and a row without a timestamp is
quarantined with that reason. Server tools (formats-provider-exports.md 2.5;
`types/server_tool_usage.py`): `usage.server_tool_use.web_search_requests` -> web_search_calls
(billed per search, https://docs.anthropic.com/en/docs/about-claude/pricing#web-search-tool);
`web_fetch_requests` -> extra only (web fetch has no per-call fee, only the fetched tokens:
https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-fetch-tool#usage-and-pricing).
Fast mode (`usage.speed = "fast"`) -> service_tier 'fast' (`anthropic_tier_sql`), priced at its own price.
"""

from __future__ import annotations

from typing import Any, ClassVar

from llmcost.ingest import (
    FAST_MODE_CHANGE,
    GEO_CHANGE,
    IngestContext,
    InputFile,
    anthropic_geo_sql,
    anthropic_tier_sql,
    anthropic_token_sql,
    batch_cols,
    int_sql,
    is_bad_count,
    register,
    text_cols_sql,
    ts_sql,
)
from llmcost.ingest import _envelope as envelope
from llmcost.ingest._body_log import BodyLog, no_usage_sql


def is_body(obj: Any) -> bool:
    """An Anthropic Messages body (llmcost.ingest._mixed_bodies reads files that mix it with OpenAI's and Gemini's)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("usage"), dict):
        return False
    usage = obj["usage"]
    return (
        (obj.get("type") == "message" or str(obj.get("id", "")).startswith("msg_"))
        and "input_tokens" in usage
        and "output_tokens" in usage
        and "model" in obj
    )


BODY_FIELDS = {
    "id": ".id",
    "model": ".model",
    "input_tokens": ".usage.input_tokens",
    "cache_read": ".usage.cache_read_input_tokens",
    "cache_write": ".usage.cache_creation_input_tokens",
    "write_5m": ".usage.cache_creation.ephemeral_5m_input_tokens",
    "write_1h": ".usage.cache_creation.ephemeral_1h_input_tokens",
    "output_tokens": ".usage.output_tokens",
    "thinking": ".usage.output_tokens_details.thinking_tokens",
    "service_tier": ".usage.service_tier",
    "speed": ".usage.speed",
    "geo": ".usage.inference_geo",
    "web_search": ".usage.server_tool_use.web_search_requests",
    "web_fetch": ".usage.server_tool_use.web_fetch_requests",
    "content": ".content",
}


@register
class AnthropicMessageJsonl(BodyLog):
    name = "anthropic_message_jsonl"
    # rows of files already stored that change (Ingestor.reader_changes: such a file is read again)
    reader_changes: ClassVar[dict[int, str]] = {
        2: "an OpenAI body among Anthropic bodies is read by OpenAI's cache rules (or quarantined past the "
           "head); before, it was quarantined as no usage, or a Responses body read as an Anthropic one",
        3: "a Gemini generateContent body among Anthropic bodies is read by Gemini's rules (or quarantined past "
           "the head with what it is); before, it was quarantined as no usage object",
        4: envelope.NOT_AN_ENVELOPE,
        5: FAST_MODE_CHANGE,
        6: GEO_CHANGE,
    }
    title = "Anthropic Messages API bodies (JSONL in an app envelope with a timestamp)"
    obtain = (
        "Log each `message.model_dump_json()` inside {ts, session_id, user, response}; "
        "the body has no time of its own."
    )

    fast_json = True  # every body carries its own id

    def sniff(self, head: bytes, name: str) -> bool:
        env = envelope.find(head, is_body)
        # Claude Code and batch results also carry message bodies; they have their own formats.
        return env is not None and b'"sessionId"' not in head[:4096] and b'"custom_id"' not in head[:4096]


def rows_sql(lines: str, f: InputFile, ctx: IngestContext, checks: str = "", carry: tuple[str, ...] = (),
             strays: str = "") -> str:
    """The canonical rows of `lines`, records holding the BODY_FIELDS columns of one Messages body
    each (bare or in an envelope, a streamed message's events, llmcost.ingest.anthropic_stream_jsonl,
    or batch results, llmcost.ingest.anthropic_batch_results_jsonl).
    `checks`: more `WHEN ... THEN 'reason'` quarantine clauses, tried after the JSON check; `carry`:
    columns of `lines` passed through as they are, for the caller to use and drop; `strays`: more
    clauses tried only on a record with neither count (what else it is: llmcost.ingest._mixed_bodies)."""
    toks = ("input_tokens", "cache_read", "cache_write", "write_1h", "output_tokens", "thinking", "web_search",
            "web_fetch")
    bad = " OR ".join(is_bad_count(x) for x in toks)
    no_usage = no_usage_sql("no usage object (not an Anthropic message)", strays)
    text_cols = text_cols_sql(ctx, "env_request", "content")
    return f"""
    SELECT source_line, raw, {batch_cols(f)}{"".join(c + ", " for c in carry)}
      CASE WHEN NOT _json_ok THEN 'not valid JSON'
           {checks}
           WHEN input_tokens IS NULL AND output_tokens IS NULL THEN {no_usage}
           WHEN {bad} THEN 'non-numeric or non-integer token count in usage'
           WHEN env_ts IS NULL THEN 'missing timestamp: Anthropic bodies carry none, log one in the envelope (ts)'
      END AS error,
      id AS event_id,
      'request' AS grain,
      {ts_sql("env_ts")} AS ts,
      coalesce(env_provider, 'anthropic') AS provider,
      model,
      env_project AS project,
      env_api_key AS api_key,
      env_user AS user_id,
      env_conversation AS conversation_id,
      {int_sql("env_turn")} AS turn,
      1 AS request_count,
      {anthropic_token_sql()}
      cache_read IS NOT NULL OR cache_write IS NOT NULL AS cache_known,
      service_tier = 'batch' AS batch,
      {anthropic_tier_sql("speed", "service_tier")} AS service_tier,
      {anthropic_geo_sql("geo")} AS inference_geo,
      {int_sql("web_search")} AS web_search_calls,
      CASE WHEN geo IS NOT NULL OR web_search IS NOT NULL OR web_fetch IS NOT NULL
           THEN json_object('inference_geo', geo, 'web_search_requests', {int_sql("web_search")},
                            'web_fetch_requests', {int_sql("web_fetch")}) END AS extra,
      {text_cols}
    FROM ({lines})
    """
