"""AWS Bedrock model invocation logs (S3 `.json.gz` objects or CloudWatch exports), one request a line.

Why: the only first-party per-request token log on AWS; it explains behaviour (per call, per
caller, per tag) that the CUR only bills in aggregate.

Field mapping (formats-provider-exports.md 4.1; docs.aws.amazon.com/bedrock/latest/userguide/
model-invocation-logging.html):

- schemaType must be `ModelInvocationLog` (other records are quarantined); requestId -> event_id;
  timestamp (ISO 8601 UTC) -> ts; grain 'request', request_count 1.
- input.inputTokenCount is UNCACHED input for caching-capable models -> input_tokens;
  input.cacheReadInputTokenCount -> cache_read_tokens; input.cacheWriteInputTokenCount ->
  cache_write_tokens; the 1h part is only inside an Anthropic response body
  (output.outputBodyJson.usage.cache_creation.ephemeral_1h_input_tokens) -> cache_write_1h_tokens.
- output.outputTokenCount -> output_tokens.
- modelId -> model as logged (a model id, a cross-region profile `us.` / `global.`, or an
  inference-profile / provisioned-model ARN); provider 'aws' (billed by AWS).
- accountId -> project; identity.arn -> user_id; requestMetadata (caller tags) ->
  conversation_id when it has conversation_id / session_id, and to extra with region,
  inferenceRegion and operation. Bodies are never stored.
"""

from __future__ import annotations

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    batch_cols,
    int_sql,
    is_bad_count,
    json_lines,
    json_lines_sql,
    register,
    ts_sql,
)

FIELDS = {
    "schema_type": "$.schemaType",
    "timestamp": "$.timestamp",
    "request_id": "$.requestId",
    "account_id": "$.accountId",
    "region": "$.region",
    "operation": "$.operation",
    "model_id": "$.modelId",
    "arn": "$.identity.arn",
    "input_tokens": "$.input.inputTokenCount",
    "cache_read": "$.input.cacheReadInputTokenCount",
    "cache_write": "$.input.cacheWriteInputTokenCount",
    "output_tokens": "$.output.outputTokenCount",
    "write_1h": "$.output.outputBodyJson.usage.cache_creation.ephemeral_1h_input_tokens",
    "inference_region": "$.inferenceRegion",
    "metadata": "$.requestMetadata",
    "meta_conversation": "$.requestMetadata.conversation_id",
    "meta_session": "$.requestMetadata.session_id",
}


@register
class AwsBedrockInvocationJsonl(Ingestor):
    name = "aws_bedrock_invocation_jsonl"
    title = "AWS Bedrock model invocation logs (JSON lines, optionally gzip)"
    obtain = (
        "Bedrock console -> Settings -> Model invocation logging -> S3; download "
        "`AWSLogs/<account>/BedrockModelInvocationLogs/<region>/...json.gz` (aws s3 sync)."
    )

    # Bedrock writes an S3 object every few minutes (thousands of small .json.gz files a month): new
    # ones are read by one scan over the list of files (ingest/batches.py)
    batchable = True

    def sniff(self, head: bytes, name: str) -> bool:
        rows = json_lines(head, limit=3)
        return any(r.get("schemaType") == "ModelInvocationLog" for r in rows)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        lines = json_lines_sql(f, FIELDS)
        toks = ("input_tokens", "cache_read", "cache_write", "output_tokens", "write_1h")
        bad = " OR ".join(is_bad_count(t) for t in toks)
        return f"""
        SELECT source_line, raw, {batch_cols(f)}
          CASE WHEN NOT _json_ok THEN 'not valid JSON'
               WHEN schema_type IS DISTINCT FROM 'ModelInvocationLog' THEN 'not a ModelInvocationLog record'
               WHEN {bad} THEN 'non-numeric or non-integer token count'
               WHEN input_tokens IS NULL AND output_tokens IS NULL THEN 'no token counts in the record'
          END AS error,
          request_id AS event_id,
          'request' AS grain,
          {ts_sql("timestamp")} AS ts,
          'aws' AS provider,
          model_id AS model,
          account_id AS project,
          arn AS user_id,
          coalesce(meta_conversation, meta_session) AS conversation_id,
          1 AS request_count,
          {int_sql("input_tokens")} AS input_tokens,  -- not stated: unknown, quarantined by validate
          coalesce({int_sql("cache_read")}, 0) AS cache_read_tokens,
          coalesce({int_sql("cache_write")}, 0) AS cache_write_tokens,
          least(coalesce({int_sql("write_1h")}, 0), coalesce({int_sql("cache_write")}, 0))
            AS cache_write_1h_tokens,
          coalesce({int_sql("output_tokens")}, 0) AS output_tokens,
          0 AS reasoning_tokens,
          cache_read IS NOT NULL OR cache_write IS NOT NULL AS cache_known,
          false AS batch,
          json_object('region', region, 'inference_region', inference_region, 'operation', operation,
                      'request_metadata', CASE WHEN json_valid(metadata) THEN json(metadata) END) AS extra
        FROM ({lines})
        """
