"""OpenAI Chat Completions and Responses API bodies, logged by an app as JSON lines.

Field mapping (formats-request-logs.md 5a/5b; openai/openai-python `types/completion_usage.py`
and `types/responses/response_usage.py`):

- Chat Completions: `usage.prompt_tokens` INCLUDES `prompt_tokens_details.cached_tokens`, so
  uncached input = prompt_tokens - cached_tokens - cache_write_tokens (the 2026 SDK field).
  `completion_tokens` includes `completion_tokens_details.reasoning_tokens`.
  DeepSeek's OpenAI-compatible API states its cache as `prompt_cache_hit_tokens` (+
  `prompt_cache_miss_tokens` = prompt_tokens; newer replies add `cached_tokens` too,
  reference/pricing-caching-routing.md, DeepSeek): the hit count is the cached count where
  `cached_tokens` is absent (a body with it alone was all uncached input, cache unknown).
- Responses: `usage.input_tokens` includes `input_tokens_details.cached_tokens`;
  `output_tokens` includes `output_tokens_details.reasoning_tokens`.
- Time: the envelope's timestamp when the app wrote one, else `created` / `created_at` (Unix s).
  An offset no time zone has (`+25:00`) is quarantined, not moved to another day.
- Counts: a count that is not a whole number (`1000.7`) is quarantined, never rounded; a main
  count that is null or missing while the other is stated (`"prompt_tokens": null`) is
  quarantined as not reported, never 0 (an embeddings body, `object` "list", states only
  prompt_tokens and is kept).
- Conversation: the envelope's id, else the Responses API's `conversation.id`.
- Provider: the envelope's `provider` when the app wrote one; else Google for bodies from
  Gemini's OpenAI-compatible endpoint, known by the model (`gemini-...`, `models/gemini-...`, or
  Vertex AI's `google/gemini-...`; ai.google.dev "OpenAI compatibility", Vertex AI "Using OpenAI
  libraries") or by the endpoint the envelope records (`base_url`, `api_base`, `endpoint`, `url` on
  generativelanguage.googleapis.com or aiplatform.googleapis.com); else OpenAI. pydantic-ai's
  recorded bodies hold two such Gemini replies (real-samples/openai_responses, issue 20). Gemini
  names lose the API's `models/` prefix. That endpoint's `completion_tokens` leaves thinking out
  (formats-request-logs.md 5e): the body does not say how much, so output is what it states.
  OpenRouter's bodies (ids `gen-...` with `usage.cost`, or the envelope's endpoint on openrouter.ai)
  are provider `openrouter`, the account billed, as its activity export (openrouter_activity_csv),
  whatever the model (`google/gemini-...` too), and `usage.cost` (credits, USD; openrouter.ai/docs
  "Usage Accounting", in every response) is `reported_cost_usd`. They were `openai` (or `google`)
  with no stated cost.
- Server tools: each Responses `output` item of type `web_search_call` is one web search tool call
  (openai-python `types/responses/response_function_web_search.py`), billed per call
  (https://platform.openai.com/docs/pricing, "Built-in tools": web search $10.00 / 1k calls) ->
  web_search_calls; each item of type `file_search_call` is one file search tool call
  (openai-python `types/responses/response_file_search_tool_call.py`), billed per call
  (https://platform.openai.com/docs/pricing, "Built-in tools": file search $2.50 / 1k tool calls;
  genai-prices `storage_searches_kcount` = 2.5 on OpenAI models) -> file_search_calls; both null
  for Chat Completions bodies (no such items).
"""

from __future__ import annotations

from typing import Any, ClassVar

from llmcost.ingest import (
    IngestContext,
    InputFile,
    bad_offset_sql,
    batch_cols,
    google_model_sql,
    int_sql,
    register,
    text_cols_sql,
    ts_sql,
)
from llmcost.ingest import _envelope as envelope
from llmcost.ingest._body_log import BodyLog, no_usage_sql


def is_body(obj: Any) -> bool:
    """An OpenAI Chat Completions or Responses body (no Anthropic one: llmcost.ingest._mixed_bodies)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("usage"), dict):
        return False
    usage = obj["usage"]
    kind = obj.get("object")
    if kind == "chat.completion" or ("prompt_tokens" in usage and "completion_tokens" in usage):
        return "model" in obj and "cache_read_input_tokens" not in usage
    if kind == "response" or str(obj.get("id", "")).startswith("resp_"):
        return "input_tokens" in usage and "output_tokens" in usage and "model" in obj
    return False


def is_stream_part(obj: Any) -> bool:
    """A record of a streamed reply as an app logs it chunk by chunk (formats-request-logs.md 5a:
    usage "only in the last chunk and only with stream_options.include_usage"): a Chat Completions
    chunk (`object` "chat.completion.chunk"), or a Responses API stream event (`type` "response.*"
    with its `sequence_number`; openai-python `types/responses/response_stream_event.py`)."""
    if not isinstance(obj, dict):
        return False
    if obj.get("object") == "chat.completion.chunk":
        return "id" in obj
    kind = obj.get("type")
    return isinstance(kind, str) and kind.startswith("response.") and "sequence_number" in obj


BODY_FIELDS = {
    "id": ".id",
    "object": ".object",
    "created": ".created",
    "created_at": ".created_at",
    "model": ".model",
    "service_tier": ".service_tier",
    "prompt_tokens": ".usage.prompt_tokens",
    "resp_input_tokens": ".usage.input_tokens",
    "cached_chat": ".usage.prompt_tokens_details.cached_tokens",
    "cached_resp": ".usage.input_tokens_details.cached_tokens",
    "cached_ds": ".usage.prompt_cache_hit_tokens",
    "cwrite_chat": ".usage.prompt_tokens_details.cache_write_tokens",
    "cwrite_resp": ".usage.input_tokens_details.cache_write_tokens",
    "completion_tokens": ".usage.completion_tokens",
    "resp_output_tokens": ".usage.output_tokens",
    "reasoning_chat": ".usage.completion_tokens_details.reasoning_tokens",
    "reasoning_resp": ".usage.output_tokens_details.reasoning_tokens",
    "conversation_obj": ".conversation.id",
    "or_cost": ".usage.cost",
    "body_user": ".user",
    "tool_calls": ".choices[0].message.tool_calls",
    "content": ".choices[0].message.content",
    "output_text": ".output_text",
    "output_items": ".output",
}


@register
class OpenAIResponseJsonl(BodyLog):
    name = "openai_response_jsonl"
    # rows of files already stored that change (Ingestor.reader_changes: such a file is read again)
    reader_changes: ClassVar[dict[int, str]] = {
        2: "an Anthropic Messages body among OpenAI bodies is read by Anthropic's cache rules (or quarantined "
           "past the head); before, it was read as a Responses body, its cache reads and writes dropped",
        3: "a Gemini generateContent body among OpenAI bodies is read by Gemini's rules (or quarantined past "
           "the head with what it is); before, it was quarantined as no usage object",
        4: envelope.NOT_AN_ENVELOPE,
    }
    title = "OpenAI Chat Completions / Responses API bodies (JSONL, bare or in an app envelope)"
    obtain = (
        "Log `response.model_dump_json()` (or the raw HTTP body) one per line, optionally inside "
        "{ts, session_id, user, response}."
    )

    fast_json = True  # every body carries its own id

    def sniff(self, head: bytes, name: str) -> bool:
        # a stream's usage chunk or final event is a body too: a stream log is openai_stream_jsonl's
        return envelope.find(head, is_body) is not None and envelope.find(head, is_stream_part) is None


def rows_sql(lines: str, f: InputFile, ctx: IngestContext,
             no_usage: str = "no usage object (not an OpenAI response body)", checks: str = "",
             strays: str = "") -> str:
    """The canonical rows of `lines`, records holding the BODY_FIELDS columns of one response body
    each (a Chat Completions or Responses body, however it was logged: bare, in an envelope, or as
    the usage chunk or final event of a stream, llmcost.ingest.openai_stream_jsonl). `no_usage`:
    the quarantine reason of a record with neither main count; `checks`: more `WHEN ... THEN
    'reason'` quarantine clauses, tried after the JSON check; `strays`: such clauses tried only on a
    record with neither main count (what else it is: llmcost.ingest._mixed_bodies)."""
    text_cols = text_cols_sql(ctx, "env_request", "coalesce(content, output_text)")
    raw_tok = {
        "prompt": "coalesce(prompt_tokens, resp_input_tokens)",
        "output": "coalesce(completion_tokens, resp_output_tokens)",
        "cached": "coalesce(cached_chat, cached_resp, cached_ds)",
        "cwrite": "coalesce(cwrite_chat, cwrite_resp)",
        "reasoning": "coalesce(reasoning_chat, reasoning_resp)",
    }
    ints = ", ".join(f"{int_sql(e)} AS n_{k}, {e} AS s_{k}" for k, e in raw_tok.items())
    url = "lower(coalesce(env_url, ''))"
    google = (
        "(regexp_matches(lower(coalesce(model, '')), '^(models/|google/)?gemini') "
        f"OR {url} LIKE '%generativelanguage.googleapis.com%' OR {url} LIKE '%aiplatform.googleapis.com%')"
    )
    # OpenRouter states its charge in every body (`usage.cost`) and names replies `gen-...`; its
    # `google/gemini-...` models are OpenRouter's to bill, so it is tested first
    openrouter = (f"({url} LIKE '%openrouter.ai%' "
                  "OR (starts_with(coalesce(id, ''), 'gen-') AND or_cost IS NOT NULL))")
    bad = " OR ".join(f"(s_{k} IS NOT NULL AND n_{k} IS NULL)" for k in raw_tok)
    # A main count that is null or missing while the other is stated is not reported (openai-python
    # types both as required integers): quarantined, never stored as 0. An embeddings body
    # (`object` "list") states prompt_tokens alone, and keeps it as before.
    stated_null = ("(s_prompt IS NULL AND s_output IS NOT NULL) OR (s_output IS NULL AND s_prompt IS NOT NULL "
                   "AND object IN ('chat.completion', 'response'))")
    null_name = ("CASE WHEN s_prompt IS NULL THEN CASE WHEN completion_tokens IS NOT NULL THEN 'prompt_tokens' "
                 "ELSE 'input_tokens' END WHEN prompt_tokens IS NOT NULL THEN 'completion_tokens' "
                 "ELSE 'output_tokens' END")
    return f"""
    SELECT source_line, raw, {batch_cols(f)}
      CASE WHEN NOT _json_ok THEN 'not valid JSON'
           {checks}
           WHEN s_prompt IS NULL AND s_output IS NULL THEN {no_usage_sql(no_usage, strays)}
           WHEN {bad} THEN 'non-numeric or non-integer token count in usage'
           WHEN {stated_null}
             THEN 'usage.' || {null_name}
                  || ' is null or missing (not reported): the request''s tokens are unknown, not 0'
           WHEN {bad_offset_sql("trim(env_ts)")}
             THEN 'timestamp with an impossible UTC offset: ' || left(env_ts, 40)
           WHEN n_prompt < 0 THEN 'negative prompt tokens: ' || s_prompt
           WHEN {openrouter} AND or_cost IS NOT NULL AND TRY_CAST(or_cost AS DECIMAL(38, 12)) IS NULL
             THEN 'non-numeric usage.cost: ' || left(or_cost, 40)
           WHEN coalesce(n_cached, 0) + coalesce(n_cwrite, 0) > n_prompt
             THEN 'cached tokens exceed prompt tokens'
      END AS error,
      id AS event_id,
      'request' AS grain,
      coalesce({ts_sql("env_ts")}, {ts_sql("coalesce(created, created_at)")}) AS ts,
      coalesce(env_provider, CASE WHEN {openrouter} THEN 'openrouter' WHEN {google} THEN 'google'
                                  ELSE 'openai' END) AS provider,
      CASE WHEN {openrouter} THEN model WHEN {google} THEN {google_model_sql("model")} ELSE model END AS model,
      env_project AS project,
      env_api_key AS api_key,
      coalesce(env_user, body_user) AS user_id,
      coalesce(env_conversation, conversation_obj) AS conversation_id,
      {int_sql("env_turn")} AS turn,
      1 AS request_count,
      n_prompt - coalesce(n_cached, 0) - coalesce(n_cwrite, 0) AS input_tokens,
      coalesce(n_cached, 0) AS cache_read_tokens,
      coalesce(n_cwrite, 0) AS cache_write_tokens,
      0 AS cache_write_1h_tokens,
      n_output AS output_tokens,
      coalesce(n_reasoning, 0) AS reasoning_tokens,
      s_cached IS NOT NULL AS cache_known,
      CASE WHEN {openrouter} THEN TRY_CAST(or_cost AS DECIMAL(38, 12)) END AS reported_cost_usd,
      service_tier = 'batch' AS batch,
      service_tier,
      CASE WHEN tool_calls IS NOT NULL AND json_valid(tool_calls)
           THEN json_array_length(tool_calls) END AS tool_calls,
      CASE WHEN output_items IS NOT NULL AND json_valid(output_items) AND json_type(output_items) = 'ARRAY'
           THEN len(list_filter(json_extract_string(output_items, '$[*].type'),
                                lambda t: t = 'web_search_call')) END AS web_search_calls,
      CASE WHEN output_items IS NOT NULL AND json_valid(output_items) AND json_type(output_items) = 'ARRAY'
           THEN len(list_filter(json_extract_string(output_items, '$[*].type'),
                                lambda t: t = 'file_search_call')) END AS file_search_calls,
      {text_cols}
    FROM (SELECT *, {ints} FROM ({lines}))
    """
