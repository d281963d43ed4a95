"""LiteLLM's StandardLoggingPayload: one JSON object per request, as its bucket and custom loggers
write it (formats-request-logs.md section 1b).

Teams that send LiteLLM's logs to a bucket (`s3` / `s3_v2`, `gcs_bucket`) or to their own callback
get one such object per request, usually one small file each: the `s3` loggers name it
`[<s3_path>/][<team alias>/]<YYYY-MM-DD>/time-<HH-MM-SS-ffffff>_<id>.json`
(`litellm/integrations/s3.py`, `get_s3_object_key`; `litellm/utils.py`, `get_logging_id`), the
`gcs_bucket` logger `<YYYY-MM-DD>/<response id>` or `<YYYY-MM-DD>/failure-<hex>`, with no extension
(`litellm/integrations/gcs_bucket/gcs_bucket.py`, `_get_object_name`). Each file is the object on
one line (`safe_dumps`, `json.dumps` without indent); a callback that appends them gives JSON lines.
Both are read line by line, and many small files in one scan (`batchable`).

The request is the one LiteLLM's proxy writes to its spend logs (the spend log row is built from
this payload: `litellm/proxy/spend_tracking/spend_tracking_utils.py`), so the fields are renamed to
the spend log's and mapped by `litellm_spend_logs_json.mapping_sql`: the same token arithmetic
(cache counts from `metadata.usage_object`, subtracted from the cache-inclusive `prompt_tokens`),
user, conversation, response-cache and tag rules. Field by field (BerriAI/litellm
`litellm/types/utils.py`, `StandardLoggingPayload`, `StandardLoggingMetadata`;
`litellm/litellm_core_utils/litellm_logging.py`, `get_standard_logging_object_payload`):

- `id` -> `request_id` (the event id): the response id, else `litellm_call_id`; a LiteLLM cache
  hit's is `<id>_cache_hit<time>`, so it is never the original's;
- `startTime` -> `startTime`: epoch seconds as a float, UTC (`cleanup_timestamps`);
- `response_cost` -> `spend` (`reported_cost_usd`, LiteLLM's price map: 0 for a cache hit);
- `trace_id` -> `session_id` (the conversation): the spend log's `session_id` IS this `trace_id`
  (`_get_session_id_for_spend_log`), `litellm_trace_id` / `litellm_session_id` when the client
  sends one, else a fresh uuid per call;
- `end_user` -> `end_user` (`""` when none); `metadata.user_api_key_user_id` -> `user` (the key
  owner); `metadata.user_api_key_team_id` -> `team_id` (the project);
  `metadata.user_api_key_hash` -> `api_key` (the spend log's `api_key` is that hash);
- `cache_hit` is a JSON boolean here (the spend log's is the text "True"): both read as 'true';
- `status` "failure" rows are kept as the spend log keeps them (`extra.status`; their counts are
  the 0 LiteLLM writes when the call returned no usage: `usage_dict.get("prompt_tokens", 0)`);
- `prompt_tokens`, `completion_tokens`, `call_type`, `model`, `model_group`,
  `custom_llm_provider`, `request_tags`, `metadata` (`usage_object`, `spend_logs_metadata`) keep
  their names;
- `messages` (the prompt) and `response` (the reply: its `choices[0].message.content`, else the
  whole of it) are the text, stored only with --keep-text (masked like every text column).
"""

from __future__ import annotations

from typing import Any

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    batch_cols,
    json_lines,
    json_lines_sql,
    register,
    text,
)
from llmcost.ingest.litellm_spend_logs_json import mapping_sql

FIELDS = (
    "id", "call_type", "response_cost", "total_tokens", "prompt_tokens", "completion_tokens", "startTime",
    "model", "model_group", "custom_llm_provider", "end_user", "metadata", "cache_hit", "trace_id", "status",
    "request_tags",
)
"""The payload's top-level fields read (each one a column, so DuckDB parses a line once)."""

_META = "CASE WHEN json_valid(metadata) THEN metadata END"


def is_payload(obj: Any) -> bool:
    """A StandardLoggingPayload: the request's id, call type, start time and cost, and the
    payload's own `hidden_params` or `model_parameters`; no `request_id` (a spend log row's id)."""
    return (isinstance(obj, dict) and {"id", "call_type", "startTime", "response_cost"} <= obj.keys()
            and ("hidden_params" in obj or "model_parameters" in obj) and "request_id" not in obj)


@register
class LiteLLMStandardPayloadJson(Ingestor):
    name = "litellm_standard_payload_json"
    title = "LiteLLM StandardLoggingPayload objects (s3 / gcs_bucket / custom callback logs), one per line or file"
    obtain = ("Sync the bucket LiteLLM's `s3_v2` or `gcs_bucket` callback writes to (`aws s3 sync "
              "s3://BUCKET/PATH logs/`, `gcloud storage cp -r gs://BUCKET logs/`), or save each "
              "`kwargs['standard_logging_object']` of a custom callback as one JSON line.")
    batchable = True  # a bucket holds one small file per request: new ones are read in one scan

    def sniff(self, head: bytes, name: str) -> bool:
        objs = json_lines(head, limit=1)
        if objs:
            return is_payload(objs[0])
        # one object longer than the head (a long prompt in `messages`): its first keys, in the
        # order get_standard_logging_object_payload builds it; `saved_cache_cost` is the payload's
        # own (a spend log row has none)
        s = text(head).lstrip()
        return (s.startswith("{") and "\n" not in s and "\"request_id\"" not in s
                and all(f'"{k}"' in s for k in ("id", "call_type", "startTime", "saved_cache_cost")))

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        fields = {c: f"$.{c}" for c in FIELDS}
        if ctx.keep_text:
            fields |= {"messages": "$.messages", "response": "$.response"}
        reply = ("coalesce(CASE WHEN json_valid(response) THEN response ->> '$.choices[0].message.content' END, "
                 "response)")
        keep = batch_cols(f) + (f"messages AS prompt_text, {reply} AS response_text, " if ctx.keep_text else "")
        src = (
            "SELECT *, false AS _cut, id AS request_id, response_cost AS spend, trace_id AS session_id, "
            f"{_META} ->> '$.user_api_key_hash' AS api_key, {_META} ->> '$.user_api_key_user_id' AS \"user\", "
            f"{_META} ->> '$.user_api_key_team_id' AS team_id FROM ({json_lines_sql(f, fields)})"
        )
        return mapping_sql(src, ctx, keep=keep, no_tokens="prompt_tokens and completion_tokens missing or null",
                           cost="response_cost")
