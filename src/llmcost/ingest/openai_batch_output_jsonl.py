"""OpenAI Batch API output files (one result per line; `batch = true`, about half price).

Field mapping (formats-request-logs.md 5c; OpenAI Batch API "output file" format):
`{"id": "batch_req_...", "custom_id": ..., "response": {"status_code", "request_id", "body"},
"error": null}`. The body is a Chat Completions (or Responses) object mapped as in
`openai_response_jsonl` (5a/5b): prompt/input tokens INCLUDE `cached_tokens`, completion/output
tokens include reasoning; GPT-5.6's `cache_write_tokens` (in `prompt_tokens_details` or
`input_tokens_details`) are a part of them too (pricing-caching-routing.md: ordinary = input -
cached - write). The only time is `body.created` / `body.created_at` (Unix s).
`custom_id` is the caller's own key, not a conversation: kept in `extra.custom_id`.
Error records (`response: null` or a non-2xx status, from the batch's error file) made no billed
call and are not usage rows.
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    int_sql,
    is_bad_count,
    json_lines,
    json_lines_sql,
    register,
    text_fields,
    ts_sql,
)

FIELDS = {
    "id": "$.id",
    "custom_id": "$.custom_id",
    "status_code": "$.response.status_code",
    "request_id": "$.response.request_id",
    "body_id": "$.response.body.id",
    "created": "$.response.body.created",
    "created_at": "$.response.body.created_at",
    "model": "$.response.body.model",
    "service_tier": "$.response.body.service_tier",
    "prompt_tokens": "$.response.body.usage.prompt_tokens",
    "resp_input": "$.response.body.usage.input_tokens",
    "cached_chat": "$.response.body.usage.prompt_tokens_details.cached_tokens",
    "cached_resp": "$.response.body.usage.input_tokens_details.cached_tokens",
    "cwrite_chat": "$.response.body.usage.prompt_tokens_details.cache_write_tokens",
    "cwrite_resp": "$.response.body.usage.input_tokens_details.cache_write_tokens",
    "completion_tokens": "$.response.body.usage.completion_tokens",
    "resp_output": "$.response.body.usage.output_tokens",
    "reasoning_chat": "$.response.body.usage.completion_tokens_details.reasoning_tokens",
    "reasoning_resp": "$.response.body.usage.output_tokens_details.reasoning_tokens",
    "tool_calls": "$.response.body.choices[0].message.tool_calls",
    "content": "$.response.body.choices[0].message.content",
    "error_obj": "$.error",
}


@register
class OpenAIBatchOutputJsonl(Ingestor):
    name = "openai_batch_output_jsonl"
    reader_changes: ClassVar[dict[int, str]] = {
        2: "GPT-5.6 cache writes (usage `cache_write_tokens`) are read apart from the uncached input; before, "
           "they were priced as uncached input"}
    title = "OpenAI Batch API output file (JSONL of batch_req results)"
    obtain = (
        "`client.files.content(batch.output_file_id)` (or Dashboard > Batches > download output), "
        "saved as .jsonl."
    )

    def sniff(self, head: bytes, name: str) -> bool:
        objs = json_lines(head, limit=1)
        return bool(objs) and "custom_id" in objs[0] and "response" in objs[0] and (
            str(objs[0].get("id", "")).startswith("batch_req") or "error" in objs[0]
        )

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        lines = json_lines_sql(f, text_fields(FIELDS, ctx))
        prompt, output = "coalesce(prompt_tokens, resp_input)", "coalesce(completion_tokens, resp_output)"
        cached, reasoning = "coalesce(cached_chat, cached_resp)", "coalesce(reasoning_chat, reasoning_resp)"
        cwrite = "coalesce(cwrite_chat, cwrite_resp)"
        bad = " OR ".join(is_bad_count(x) for x in (prompt, output, cached, reasoning, cwrite))
        text_cols = "content AS response_text" if ctx.keep_text else "NULL AS response_text"
        return f"""
        SELECT source_line, raw,
          CASE WHEN NOT _json_ok THEN 'not valid JSON'
               WHEN {prompt} IS NULL AND {output} IS NULL THEN 'no usage in response.body'
               WHEN {bad} THEN 'non-numeric or non-integer token count in usage'
               WHEN coalesce({int_sql(cached)}, 0) + coalesce({int_sql(cwrite)}, 0) > {int_sql(prompt)}
                 THEN 'cached tokens exceed prompt tokens'
          END AS error,
          coalesce(id, body_id) AS event_id,
          'request' AS grain,
          {ts_sql('coalesce(created, created_at)')} AS ts,
          'openai' AS provider,
          model,
          1 AS request_count,
          {int_sql(prompt)} - coalesce({int_sql(cached)}, 0) - coalesce({int_sql(cwrite)}, 0) AS input_tokens,
          coalesce({int_sql(cached)}, 0) AS cache_read_tokens,
          coalesce({int_sql(cwrite)}, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          {int_sql(output)} AS output_tokens,
          coalesce({int_sql(reasoning)}, 0) AS reasoning_tokens,
          {cached} IS NOT NULL AS cache_known,
          true AS batch,
          coalesce(service_tier, 'batch') AS service_tier,
          CASE WHEN tool_calls IS NOT NULL AND json_valid(tool_calls)
               THEN json_array_length(tool_calls) END AS tool_calls,
          json_object('custom_id', custom_id, 'request_id', request_id) AS extra,
          NULL AS prompt_text,
          {text_cols}
        FROM ({lines})
        WHERE NOT _json_ok
           OR (coalesce(TRY_CAST(status_code AS INTEGER), 200) BETWEEN 200 AND 299
               AND (error_obj IS NULL OR error_obj = 'null') AND status_code IS NOT NULL)
        """
