"""Helicone request export (`npx @helicone/export --format jsonl`), one API row per line.

Field mapping (formats-request-logs.md section 3; Helicone/helicone
`valhalla/jawn/src/lib/stores/request/request.ts`, body processors in
`valhalla/jawn/src/lib/shared/bodyProcessors/`):

- Recent rows store NET prompt tokens: `prompt_tokens` excludes the cache, which comes separately
  as `prompt_cache_read_tokens` / `prompt_cache_write_tokens` (`openaiBodyProcessor.ts`,
  `anthropicBodyProcessor.ts`). Older OpenAI rows stored `prompt_tokens` cache-inclusive with no
  cache columns. So when the export carries the body (`--include-body`), the counts are
  re-derived from `response_body.usage` (OpenAI: prompt - cached_tokens; Anthropic: input_tokens
  plus separate cache read/creation); otherwise the columns are used as net counts. An OpenAI
  Responses API body (`object` "response", or `usage.input_tokens_details`) also states
  `input_tokens`, but INCLUDING `input_tokens_details.cached_tokens`, with `output_tokens` including
  `output_tokens_details.reasoning_tokens` (openai-python `types/responses/response_usage.py`):
  input = input - cached. It was read as Anthropic's, the cached tokens counted as uncached input.
- Conversation: `request_properties["Helicone-Session-Id"]` (path and name go to `extra`); user
  `request_user_id`; `cost` is USD (`reported_cost_usd`); `request_created_at` is UTC
  (`YYYY-MM-DD HH:MM:SS.mmm`, no zone). The file is newest-first: turns are ordered by time.
- Tags (`extra.tags`, llmcost.ingest._tags): the custom properties, i.e. the keys of
  `request_properties` other than Helicone's own `Helicone-*` ones (a `Helicone-Property-X` header is
  stored as key `X`, formats-request-logs.md section 3). The row's `properties` column, which the
  exports seen repeat `request_properties` in, is not read a second time (it doubled the cost of
  reading tags).
- `signed_body_url` is a credential until it expires; it is never copied to a stored column.
"""

from __future__ import annotations

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    gateway_provider_sql,
    int_sql,
    is_bad_count,
    is_bad_number,
    json_lines,
    json_lines_sql,
    register,
    ts_sql,
    unreported_count_sql,
)
from llmcost.ingest._tags import drop_keys_sql, with_tags

FIELDS = {
    "request_id": "$.request_id",
    "created": "$.request_created_at",
    "user_id": "$.request_user_id",
    "session": '$.request_properties."Helicone-Session-Id"',
    "session_path": '$.request_properties."Helicone-Session-Path"',
    "session_name": '$.request_properties."Helicone-Session-Name"',
    "props": "$.request_properties",
    "provider": "$.provider",
    "model": "$.request_model",
    "body_model": "$.response_body.model",
    "prompt_tokens": "$.prompt_tokens",
    "completion_tokens": "$.completion_tokens",
    "cache_read": "$.prompt_cache_read_tokens",
    "cache_write": "$.prompt_cache_write_tokens",
    "cost": "$.cost",
    "status": "$.response_status",
    "b_prompt": "$.response_body.usage.prompt_tokens",
    "b_cached": "$.response_body.usage.prompt_tokens_details.cached_tokens",
    "b_completion": "$.response_body.usage.completion_tokens",
    "b_reasoning": "$.response_body.usage.completion_tokens_details.reasoning_tokens",
    "b_input": "$.response_body.usage.input_tokens",
    "b_read": "$.response_body.usage.cache_read_input_tokens",
    "b_write": "$.response_body.usage.cache_creation_input_tokens",
    "b_output": "$.response_body.usage.output_tokens",
    "b_object": "$.response_body.object",
    "b_resp_cached": "$.response_body.usage.input_tokens_details.cached_tokens",
    "b_resp_reasoning": "$.response_body.usage.output_tokens_details.reasoning_tokens",
}



@register
class HeliconeExportJsonl(Ingestor):
    name = "helicone_export_jsonl"
    title = "Helicone request export (@helicone/export, JSONL)"
    obtain = (
        "`HELICONE_API_KEY=... npx @helicone/export --start-date ... --end-date ... --format jsonl "
        "--include-body` (bodies let token counts be re-derived exactly)."
    )

    def sniff(self, head: bytes, name: str) -> bool:
        objs = json_lines(head, limit=1)
        return bool(objs) and {"request_id", "request_created_at", "prompt_tokens"} <= objs[0].keys() and (
            "request_properties" in objs[0] or "prompt_cache_read_tokens" in objs[0]
        )

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        lines = json_lines_sql(f, FIELDS)
        toks = ("prompt_tokens", "completion_tokens", "cache_read", "cache_write", "b_prompt", "b_cached",
                "b_completion", "b_input", "b_read", "b_write", "b_output", "b_resp_cached", "b_resp_reasoning")
        bad = " OR ".join([*(is_bad_count(x) for x in toks), is_bad_number("cost")])
        oai = "b_prompt IS NOT NULL"
        # a Responses API body states input_tokens too, cache-inclusive; Anthropic's is net of the cache
        resp = (f"(NOT {oai} AND b_input IS NOT NULL "
                "AND (coalesce(b_object = 'response', false) OR b_resp_cached IS NOT NULL))")
        ant = f"(NOT {resp} AND b_input IS NOT NULL)"
        base = f"""CASE WHEN session_path IS NOT NULL OR session_name IS NOT NULL OR status IS NOT NULL
               THEN json_object('session_path', session_path, 'session_name', session_name,
                                'status', {int_sql('status')}) END"""
        tags = drop_keys_sql("props", "Helicone-")
        # the counts a row is read with: the response body's, else the export's columns
        # (a Responses or an Anthropic body: input_tokens / output_tokens)
        msgs = "b_input IS NOT NULL"
        taken_in = f"CASE WHEN {oai} THEN b_prompt WHEN {msgs} THEN b_input ELSE prompt_tokens END"
        taken_out = f"CASE WHEN {oai} THEN b_completion WHEN {msgs} THEN b_output ELSE completion_tokens END"
        return f"""
        SELECT source_line, raw,
          CASE WHEN NOT _json_ok THEN 'not valid JSON'
               WHEN {bad} THEN 'non-numeric or non-integer token count or cost'
               WHEN prompt_tokens IS NULL AND completion_tokens IS NULL THEN 'no token counts'
               ELSE {unreported_count_sql(taken_in, taken_out, 'prompt_tokens', 'completion_tokens',
                                          output_required=False)}
          END AS error,
          request_id AS event_id,
          'request' AS grain,
          {ts_sql('created')} AS ts,
          {gateway_provider_sql('provider')} AS provider,
          coalesce(nullif(model, ''), body_model) AS model,
          nullif(user_id, '') AS user_id,
          session AS conversation_id,
          1 AS request_count,
          CASE WHEN {oai} THEN {int_sql('b_prompt')} - coalesce({int_sql('b_cached')}, 0)
               WHEN {resp} THEN {int_sql('b_input')} - coalesce({int_sql('b_resp_cached')}, 0)
               WHEN {ant} THEN {int_sql('b_input')} ELSE {int_sql('prompt_tokens')} END AS input_tokens,
          CASE WHEN {oai} THEN coalesce({int_sql('b_cached')}, 0)
               WHEN {resp} THEN coalesce({int_sql('b_resp_cached')}, 0)
               WHEN {ant} THEN coalesce({int_sql('b_read')}, 0)
               ELSE coalesce({int_sql('cache_read')}, 0) END AS cache_read_tokens,
          CASE WHEN {ant} THEN coalesce({int_sql('b_write')}, 0)
               ELSE coalesce({int_sql('cache_write')}, 0) END AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          CASE WHEN {oai} THEN {int_sql('b_completion')} WHEN {msgs} THEN {int_sql('b_output')}
               ELSE {int_sql('completion_tokens')} END AS output_tokens,
          CASE WHEN {oai} THEN coalesce({int_sql('b_reasoning')}, 0)
               WHEN {resp} THEN coalesce({int_sql('b_resp_reasoning')}, 0) ELSE 0 END AS reasoning_tokens,
          {oai} OR {msgs} OR cache_read IS NOT NULL OR cache_write IS NOT NULL AS cache_known,
          false AS batch,
          TRY_CAST(trim(cost) AS DECIMAL(38, 12)) AS reported_cost_usd,
          {with_tags(base, tags)} AS extra
        FROM ({lines})
        """
