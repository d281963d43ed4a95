"""Gemini `generateContent` responses logged by an app as JSON lines (bare or in an envelope).

Field mapping (formats-request-logs.md 5e; googleapis/python-genai `google/genai/types.py`,
REST `GenerateContentResponse.usageMetadata`):

- `promptTokenCount` INCLUDES `cachedContentTokenCount`: uncached input = prompt - cached, plus
  `toolUsePromptTokenCount` (tool results fed back as prompt, billed as input).
- `thoughtsTokenCount` is NOT inside `candidatesTokenCount`: output = candidates + thoughts,
  reasoning = thoughts (totalTokenCount = prompt + candidates + toolUse + thoughts).
- Gemini omits zero counts (proto3 JSON), so a missing cachedContentTokenCount means 0 cached:
  `cache_known = true`. Python SDK dumps use snake_case; both spellings are read.
- Streaming: the chunks of one reply share its `responseId` and each states the usage so far;
  the request is the per-field maximum over them (a snapshot format), the other chunks duplicates.
  Chunks without `responseId` (API versions before it, proxies that drop it) are one reply from
  the chunk after the previous reply's end up to the first chunk with a `finishReason` (the API
  sets it on a candidate's last chunk only: REST `Candidate.finishReason`, "if empty, the model
  has not stopped generating"; python-genai `types.py` `Candidate.finish_reason`) or a
  `promptFeedback.blockReason` (a blocked prompt is answered with one chunk and no candidates),
  in one file (and one envelope session): consecutive lines of a JSONL log or `data:` payloads of
  a saved `?alt=sse` stream. A chunk with an id, or a line that is no Gemini body, ends the reply
  before it too. A reply of one line (a whole, not streamed, response) keeps the identity of a
  row without id (its file and line, llmcost.ingest.validate). Streams of one session that
  interleave in one file without ids cannot be told apart.
- Time: the envelope's timestamp, else `createTime` (Vertex only); id `responseId`; model
  `modelVersion`, without the API's `models/` resource prefix (`models/gemini-2.5-pro` is
  `gemini-2.5-pro`; seen in pydantic-ai's recorded bodies, real-samples/gemini_generate_content).
- A log that also holds OpenAI or Anthropic bodies (an app calling several providers) is read row
  by row, each body by its own reader's rules: llmcost.ingest._mixed_bodies.
"""

from __future__ import annotations

from typing import Any, ClassVar

from llmcost.ingest import (
    INPUT_NOT_REPORTED,
    IngestContext,
    InputFile,
    batch_cols,
    google_model_sql,
    int_sql,
    is_bad_count,
    register,
    sql_str,
    text_cols_sql,
    ts_sql,
)
from llmcost.ingest import _envelope as envelope
from llmcost.ingest._body_log import BodyLog, no_usage_sql
from llmcost.ingest.qwen_code_chat_jsonl import is_qwen_record


def is_body(obj: Any) -> bool:
    """A Gemini generateContent body (llmcost.ingest._mixed_bodies reads files that mix it with
    OpenAI's and Anthropic's)."""
    if not isinstance(obj, dict) or is_qwen_record(obj):  # a Qwen Code chat record holds one too
        return False
    usage = obj.get("usageMetadata", obj.get("usage_metadata"))
    return isinstance(usage, dict) and any(
        k in usage for k in ("promptTokenCount", "prompt_token_count", "totalTokenCount", "total_token_count")
    )


USAGE = {
    "prompt": ("promptTokenCount", "prompt_token_count"),
    "cached": ("cachedContentTokenCount", "cached_content_token_count"),
    "candidates": ("candidatesTokenCount", "candidates_token_count"),
    "thoughts": ("thoughtsTokenCount", "thoughts_token_count"),
    "tool_prompt": ("toolUsePromptTokenCount", "tool_use_prompt_token_count"),
    "total": ("totalTokenCount", "total_token_count"),
}
BODY_FIELDS = {
    **{f"{k}_c": f".usageMetadata.{c}" for k, (c, _s) in USAGE.items()},
    **{f"{k}_s": f".usage_metadata.{s}" for k, (_c, s) in USAGE.items()},
    "response_id": ".responseId",
    "response_id_s": ".response_id",
    "model": ".modelVersion",
    "model_s": ".model_version",
    "create_time": ".createTime",
    "create_time_s": ".create_time",
    "traffic_type": ".usageMetadata.trafficType",
    "candidates": ".candidates",
    "finish_reason": ".candidates[0].finishReason",
    "finish_reason_s": ".candidates[0].finish_reason",
    "block_reason": ".promptFeedback.blockReason",
    "block_reason_s": ".prompt_feedback.block_reason",
}


def _replies_sql(lines: str, f: InputFile, has_usage: str) -> str:
    """`lines` with `reply_id`: the id of the streamed reply an id-less chunk belongs to (see the
    module docstring), NULL for a line that is a reply by itself or has its own responseId.

    A line is in the reply of the id-less chunks before it unless one of them ended it (a
    finishReason or blockReason) or the line is other (an id, no Gemini body): `_reply` counts
    the ends before a line. The id is the format's, the file's and the reply's first line, so a log
    that grows while the reply streams keeps it, and the reply's rows replace themselves."""
    other = f"(NOT _json_ok OR coalesce(response_id, response_id_s) IS NOT NULL OR NOT ({has_usage}))"
    ends = f"({other} OR coalesce(finish_reason, finish_reason_s, block_reason, block_reason_s) IS NOT NULL)"
    part = f"PARTITION BY {f.name_sql()}, env_conversation"
    return f"""
        SELECT * EXCLUDE (_reply, _other),
          CASE WHEN NOT _other AND count(*) OVER reply > 1
               THEN md5({sql_str(GeminiGenerateContentJsonl.name)} || chr(31) || {f.name_sql()} || chr(31)
                        || CAST(min(source_line) OVER reply AS VARCHAR) || chr(31) || 'reply') END AS reply_id
        FROM (
          SELECT *, {other} AS _other,
            coalesce(sum(CASE WHEN {ends} THEN 1 ELSE 0 END) OVER ({part} ORDER BY source_line
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
            + sum(CASE WHEN {other} THEN 1 ELSE 0 END) OVER ({part} ORDER BY source_line
                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS _reply
          FROM ({lines}))
        WINDOW reply AS ({part}, _reply)
    """


@register
class GeminiGenerateContentJsonl(BodyLog):
    name = "gemini_generate_content_jsonl"
    # rows of files already stored that change (Ingestor.reader_changes: such a file is read again)
    reader_changes: ClassVar[dict[int, str]] = {
        2: "stream chunks without a responseId are one request up to the chunk with a finishReason; "
           "before, each chunk was a request",
        3: "an OpenAI or Anthropic body among Gemini bodies is read by its own provider's cache rules (or "
           "quarantined past the head with what it is); before, it was quarantined as no usageMetadata",
        4: envelope.NOT_AN_ENVELOPE,
    }
    title = "Gemini generateContent responses (JSONL; REST or SDK spelling; bare or in an envelope)"
    obtain = (
        "Log each response (`response.model_dump_json()` or the REST body) one per line, "
        "optionally inside {ts, session_id, user, response}."
    )

    # A streamed reply (streamGenerateContent) logged chunk by chunk: every chunk has the reply's
    # responseId and its usageMetadata so far, cumulative, the last one final (python-genai#1204;
    # some models state candidatesTokenCount on the last chunk only). The stored request takes the
    # per-field maximum over its chunks (ingest/dedupe.py), not the first chunk's near-empty counts.
    snapshots = True

    def sniff(self, head: bytes, name: str) -> bool:
        return envelope.find(head, is_body) is not None


def has_usage_sql(prefix: str = "") -> str:
    """SQL: the record (BODY_FIELDS columns, named with `prefix`) states a Gemini usage count."""
    return f"coalesce({prefix}prompt_c, {prefix}prompt_s, {prefix}total_c, {prefix}total_s) IS NOT NULL"


def rows_sql(lines: str, f: InputFile, ctx: IngestContext, checks: str = "", strays: str = "",
             carry: tuple[str, ...] = ()) -> str:
    """The canonical rows of `lines`, records holding the BODY_FIELDS columns of one Gemini body
    each (bare or in an envelope), id-less stream chunks merged into their reply (`_replies_sql`,
    over every line of `lines`: a line that is no Gemini body ends a reply). `checks`: more
    `WHEN ... THEN 'reason'` quarantine clauses, tried after the JSON check; `strays`: such clauses
    tried only on a record without usageMetadata (what else it is: llmcost.ingest._mixed_bodies);
    `carry`: columns of `lines` passed through as they are, for the caller to use and drop."""
    u = {k: f"coalesce({k}_c, {k}_s)" for k in USAGE}
    bad = " OR ".join(is_bad_count(x) for x in u.values())
    n = {k: f"coalesce({int_sql(v)}, 0)" for k, v in u.items()}
    no_usage = no_usage_sql("no usageMetadata (not a Gemini response)", strays)
    text_cols = text_cols_sql(ctx, "env_request", "candidates")
    return f"""
    SELECT source_line, raw, {batch_cols(f)}{"".join(c + ", " for c in carry)}
      CASE WHEN NOT _json_ok THEN 'not valid JSON'
           {checks}
           WHEN {u['prompt']} IS NULL AND {u['total']} IS NULL THEN {no_usage}
           WHEN {bad} THEN 'non-numeric or non-integer token count in usageMetadata'
           WHEN {n['cached']} > {n['prompt']} THEN 'cachedContentTokenCount exceeds promptTokenCount'
           WHEN {u['prompt']} IS NULL THEN {sql_str(INPUT_NOT_REPORTED)}
      END AS error,
      coalesce(response_id, response_id_s, reply_id) AS event_id,
      'request' AS grain,
      coalesce({ts_sql('env_ts')}, {ts_sql('coalesce(create_time, create_time_s)')}) AS ts,
      coalesce(env_provider, 'google') AS provider,
      {google_model_sql("coalesce(model, model_s)")} AS model,
      env_project AS project,
      env_api_key AS api_key,
      env_user AS user_id,
      env_conversation AS conversation_id,
      {int_sql('env_turn')} AS turn,
      1 AS request_count,
      {n['prompt']} - {n['cached']} + {n['tool_prompt']} AS input_tokens,
      {n['cached']} AS cache_read_tokens,
      0 AS cache_write_tokens,
      0 AS cache_write_1h_tokens,
      {n['candidates']} + {n['thoughts']} AS output_tokens,
      {n['thoughts']} AS reasoning_tokens,
      true AS cache_known,
      false AS batch,
      CASE WHEN traffic_type IS NOT NULL THEN json_object('traffic_type', traffic_type) END AS extra,
      {text_cols}
    FROM ({_replies_sql(lines, f, has_usage_sql())})
    """
