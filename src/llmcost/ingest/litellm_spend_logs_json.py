"""LiteLLM proxy spend logs as returned by its API (`GET /spend/logs`, `/spend/logs/v2`).

Field mapping (formats-request-logs.md section 1; BerriAI/litellm `schema.prisma`,
`litellm/proxy/spend_tracking/spend_tracking_utils.py`, `SpendLogsMetadata` in
`litellm/proxy/_types.py`):

- `prompt_tokens` is LiteLLM's OpenAI-style count; in current code it INCLUDES cache reads and
  (Anthropic) cache writes, so uncached input = prompt_tokens - cache read - cache write, with the
  cache counts recomputed from `metadata.additional_usage_values` (`cache_read_input_tokens`,
  `cache_creation_input_tokens`, `prompt_tokens_details.cached_tokens`), falling back to
  `metadata.usage_object`. An older revision added only the read: when subtracting both would go
  negative, only the read is subtracted. A `prompt_tokens` smaller than the cache read cannot hold
  it: it is the uncached input alone, Anthropic's convention, which LiteLLM's `anthropic_messages`
  rows and some revisions write (BerriAI/litellm PR 23342; issue 15056 shows prompt_tokens 31
  beside a cache write of 1,253), and is kept as the input (it became 0). A negative
  `prompt_tokens` stays negative (the loader quarantines it; it became 0), and a row stating one
  of `prompt_tokens` / `completion_tokens` and not the other is quarantined as not reported (it
  became 0 tokens, priced $0).
- `completion_tokens` includes `completion_tokens_details.reasoning_tokens`.
- `end_user` (the request's `user`, the customer) is the user; `user` is the key owner and goes to
  `extra.key_owner` (it is only the user when `end_user` is empty).
- `cache_hit = "True"` is LiteLLM's own response cache: the row is kept with its tokens as logged
  and flagged `response_cache_hit = true` (no provider call, `spend` 0).
- `session_id` is the conversation (a random UUID per request unless the client sends
  `litellm_session_id`); `spend` is `reported_cost_usd` (LiteLLM's price map, not the invoice).
- `startTime` is UTC (timestamp without zone in Postgres).
- The user's tags go to `extra.tags` (llmcost.ingest._tags): `request_tags` (jsonb list of tags) as
  bare tags, and the scalar keys of `metadata.spend_logs_metadata` ("free k/v passed by the client",
  `SpendLogsMetadata`) as key/value tags, which win over a bare tag of the same name. The other
  metadata keys are LiteLLM's own (key, team, usage), not tags.
"""

from __future__ import annotations

from typing import Any

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    first_json,
    int_sql,
    is_bad_count,
    is_bad_number,
    register,
    sql_str,
    ts_sql,
    unreported_count_sql,
)
from llmcost.ingest import _records as records
from llmcost.ingest._tags import bare_sql, merge_sql, object_sql, with_tags

COLUMNS = [
    "request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
    "startTime", "model", "model_group", "custom_llm_provider", "user", "end_user", "team_id",
    "metadata", "cache_hit", "session_id", "status", "request_tags",
]


def mapping_sql(src: str, ctx: IngestContext, *, keep: str = "", no_tokens: str = "not a spend log row",
                cost: str = "spend") -> str:
    """Canonical columns from a relation holding COLUMNS as VARCHAR (`metadata` as JSON text), and
    `_json_ok` and `_cut` (`_records`). The other LiteLLM formats that log the same request
    (litellm_standard_payload_json) rename their fields to COLUMNS and give: `keep`, select items
    passed through (`batch_cols`, text columns, each followed by a comma); `no_tokens`, what a record
    with neither token count is; `cost`, their name for the `spend` column in quarantine reasons."""
    aux = "json_extract(CASE WHEN json_valid(metadata) THEN metadata END, '$.additional_usage_values')"
    uo = "json_extract(CASE WHEN json_valid(metadata) THEN metadata END, '$.usage_object')"

    def pick(*paths: str) -> str:
        return "coalesce(" + ", ".join(f"{obj} ->> '{p}'" for obj in (aux, uo) for p in paths) + ")"

    read = pick("$.cache_read_input_tokens", "$.prompt_tokens_details.cached_tokens")
    write = pick("$.cache_creation_input_tokens", "$.prompt_tokens_details.cache_creation_tokens")
    reasoning = pick("$.completion_tokens_details.reasoning_tokens")
    not_counts = "non-numeric or non-integer prompt_tokens or completion_tokens"
    bad = " OR ".join([is_bad_count("prompt_tokens"), is_bad_count("completion_tokens"), is_bad_number("spend")])
    client_kv = "json_extract(CASE WHEN json_valid(metadata) THEN metadata END, '$.spend_logs_metadata')"
    tags = merge_sql(bare_sql("request_tags"), object_sql(client_kv))
    extra = with_tags(
        """json_object('key_owner', nullif("user", ''), 'model_group', nullif(model_group, ''), """
        "'call_type', call_type, 'status', status)",
        tags,
    )
    return f"""
    SELECT source_line, raw, {keep}
      CASE WHEN NOT _json_ok THEN 'not valid JSON'
           WHEN _cut THEN {sql_str(records.CUT)}
           WHEN prompt_tokens IS NULL AND completion_tokens IS NULL
             THEN {sql_str(f"no token counts ({no_tokens})")}
           WHEN {bad} THEN {sql_str(f"{not_counts}, or non-numeric {cost}")}
           ELSE {unreported_count_sql('prompt_tokens', 'completion_tokens', 'prompt_tokens', 'completion_tokens')}
      END AS error,
      request_id AS event_id,
      'request' AS grain,
      {ts_sql('"startTime"')} AS ts,
      nullif(custom_llm_provider, '') AS provider,
      model,
      nullif(team_id, '') AS project,
      api_key,
      coalesce(nullif(end_user, ''), nullif("user", '')) AS user_id,
      nullif(session_id, '') AS conversation_id,
      1 AS request_count,
      CASE WHEN {int_sql('prompt_tokens')} < 0 THEN {int_sql('prompt_tokens')}
           WHEN {int_sql('prompt_tokens')} - _r - _w >= 0 THEN {int_sql('prompt_tokens')} - _r - _w
           WHEN {int_sql('prompt_tokens')} - _r >= 0 THEN {int_sql('prompt_tokens')} - _r
           ELSE {int_sql('prompt_tokens')} END AS input_tokens,
      _r AS cache_read_tokens,
      _w AS cache_write_tokens,
      0 AS cache_write_1h_tokens,
      {int_sql('completion_tokens')} AS output_tokens,
      coalesce({int_sql(reasoning)}, 0) AS reasoning_tokens,
      {aux} IS NOT NULL OR {uo} IS NOT NULL AS cache_known,
      false AS batch,
      TRY_CAST(trim(spend) AS DECIMAL(38, 12)) AS reported_cost_usd,
      lower(coalesce(cache_hit, '')) = 'true' AS response_cache_hit,
      {extra} AS extra
    FROM (SELECT *, coalesce({int_sql(read)}, 0) AS _r, coalesce({int_sql(write)}, 0) AS _w FROM ({src}))
    """


def is_row(obj: Any) -> bool:
    return isinstance(obj, dict) and {"request_id", "startTime", "spend"} <= obj.keys() and "call_type" in obj


def _first_record(head: bytes) -> Any:
    obj = first_json(head)
    if isinstance(obj, list):
        return obj[0] if obj else None
    if isinstance(obj, dict) and isinstance(obj.get("data"), list):
        return obj["data"][0] if obj["data"] else None
    if isinstance(obj, str):  # a document cut by the head limit: look for the keys
        return {"request_id": 1, "startTime": 1, "spend": 1, "call_type": 1} if all(
            f'"{k}"' in obj[:8192] for k in ("request_id", "startTime", "spend", "call_type", "cache_hit")
        ) else None
    return obj


@register
class LiteLLMSpendLogsJson(Ingestor):
    name = "litellm_spend_logs_json"
    title = "LiteLLM proxy spend logs from its API (/spend/logs array or /spend/logs/v2 pages)"
    obtain = (
        "`curl -H 'Authorization: Bearer $KEY' "
        "'$PROXY/spend/logs/v2?start_date=...&end_date=...&page_size=100'`"
        " (save each page; a bare `/spend/logs` array works too)."
    )

    def sniff(self, head: bytes, name: str) -> bool:
        return is_row(_first_record(head))

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        fields = {c: f"$.{c}" for c in COLUMNS}
        return mapping_sql(records.json_records_sql(f, fields), ctx)
