"""Helicone request export as CSV (`npx @helicone/export --format csv`).

Field mapping (formats-request-logs.md section 3, "CSV columns"; Helicone/helicone
`examples/export/typescript/`): 12 fixed columns `response_id, response_created_at,
response_status, request_created_at, request_body, request_properties, request_user_id, model,
prompt_tokens, completion_tokens, latency, cost`. In the exporter source `model` comes out empty
(taken from `request_body.model` instead) and JSON cells are escaped twice (a JSON string holding
JSON text: both forms are read). There are no cache columns, so `prompt_tokens` is taken as the
input as stated and `cache_known = false` (recent Helicone rows are net of cache, older OpenAI
rows were not: prefer the JSONL export with bodies). Session: `Helicone-Session-Id` inside
`request_properties`. Tags (`extra.tags`, llmcost.ingest._tags): the other keys of
`request_properties`, i.e. the custom `Helicone-Property-X` headers Helicone stores as key `X`
(formats-request-logs.md section 3, "Conversation"); Helicone's own `Helicone-*` keys (session id,
path, name) are not tags.
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    csv_has,
    int_sql,
    is_bad_count,
    is_bad_number,
    register,
    sql_str,
    ts_sql,
    unreported_count_sql,
)
from llmcost.ingest import _records as records
from llmcost.ingest._records import csv_changes
from llmcost.ingest._tags import drop_keys_sql, with_tags

COLUMNS = ["response_id", "response_created_at", "response_status", "request_created_at", "request_body",
           "request_properties", "request_user_id", "model", "prompt_tokens", "completion_tokens", "latency",
           "cost"]


def _json_cell(col: str) -> str:
    """The JSON text of a cell that may be JSON, or a JSON string holding JSON (escaped twice)."""
    return f"(CASE WHEN json_valid({col}) THEN json_extract_string({col}, '$') END)"


@register
class HeliconeExportCsv(Ingestor):
    name = "helicone_export_csv"
    reader_changes: ClassVar[dict[int, str]] = csv_changes()
    title = "Helicone request export (@helicone/export, CSV; no cache columns)"
    obtain = "`HELICONE_API_KEY=... npx @helicone/export --start-date ... --end-date ... --format csv`"

    def sniff(self, head: bytes, name: str) -> bool:
        return csv_has(head, "response_id", "request_created_at", "request_properties", "prompt_tokens")

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        src = records.csv_records_sql(f, COLUMNS)
        props, body = _json_cell("request_properties"), _json_cell("request_body")
        model = f"coalesce(nullif(model, ''), json_extract_string({body}, '$.model'))"
        bad = " OR ".join([is_bad_count("prompt_tokens"), is_bad_count("completion_tokens"), is_bad_number("cost")])
        extra = f"""json_object('session_path', json_extract_string({props}, '$."Helicone-Session-Path"'))"""
        return f"""
        SELECT source_line, raw,
          CASE WHEN _cut THEN {sql_str(records.CUT)}
               WHEN {bad} THEN 'non-numeric or non-integer prompt_tokens or completion_tokens, or non-numeric cost'
               WHEN prompt_tokens IS NULL AND completion_tokens IS NULL THEN 'no token counts'
               ELSE {unreported_count_sql('prompt_tokens', 'completion_tokens', 'prompt_tokens', 'completion_tokens',
                                           output_required=False)}
          END AS error,
          response_id AS event_id,
          'request' AS grain,
          {ts_sql('request_created_at')} AS ts,
          CASE WHEN {model} LIKE 'claude%' THEN 'anthropic' WHEN {model} LIKE 'gemini%' THEN 'google'
               WHEN regexp_matches({model}, '^(gpt|o[0-9]|chatgpt|text-embedding)') THEN 'openai'
          END AS provider,
          {model} AS model,
          nullif(request_user_id, '') AS user_id,
          json_extract_string({props}, '$."Helicone-Session-Id"') AS conversation_id,
          1 AS request_count,
          {int_sql('prompt_tokens')} AS input_tokens,
          0 AS cache_read_tokens,
          0 AS cache_write_tokens,
          {int_sql('completion_tokens')} AS output_tokens,
          false AS cache_known,
          false AS batch,
          TRY_CAST(trim(cost) AS DECIMAL(38, 12)) AS reported_cost_usd,
          {with_tags(extra, drop_keys_sql(props, "Helicone-"))} AS extra
        FROM ({src})
        """
