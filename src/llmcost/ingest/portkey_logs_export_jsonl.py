"""Portkey logs export, JSON lines (Portkey app -> Exports -> Request Data, or `POST /v1/logs/exports`).

Why: teams that route every provider through the Portkey gateway have their request history, with
Portkey's own cost, only in Portkey; the export is how it leaves.

Field mapping (Portkey docs "Logs Export": JSONL, one request per line, columns `created_at,
request.body, response.body, is_success, ai_org, ai_model, req_units` ("number of tokens in the
request"), `res_units` ("in the response"), `total_units, cost` ("cost of the request in cents
(USD)"), `cost_currency, request_url, request_method, response_status_code, response_time,
cache_status` (SEMANTIC HIT, HIT, MISS, DISABLED) ...; the export API's `requested_data` enum adds
`id, trace_id, mode, config, prompt_slug, metadata` (portkey.ai/docs API reference "Create a Log
Export"; portkey-ai node SDK `src/apis/logsExport.ts`)):

- id -> event_id (a line without one is identified by its file and line); created_at -> ts.
- ai_org -> provider (azure-openai -> azure, bedrock -> aws, google / vertex-ai -> google, else as
  written); ai_model -> model; trace_id -> conversation_id (Portkey's `x-portkey-trace-id`: one
  trace per request unless the client sets it); `metadata._user` (the user key of Portkey's docs "Metadata")
  -> user_id.
- Token convention: Portkey documents only request and response token totals, with no cache
  split, so req_units is taken as the input as stated, res_units as the output (reasoning, where
  the provider counts it, is inside it but not broken out: reasoning_tokens = 0), and
  cache_known = false (cache reads and writes may be inside req_units; the bodies, when
  exported, are not parsed here).
- cost is in cents: reported_cost_usd = cost / 100 when cost_currency is USD or absent, else NULL
  (currency kept in extra).
- cache_status HIT or SEMANTIC HIT: Portkey answered from its own cache -> response_cache_hit.
  is_success, response_status_code, mode and prompt_slug -> extra.
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
from llmcost.ingest._exports import dec, exact_div

FIELDS = {
    "id": "$.id",
    "created": "$.created_at",
    "ai_org": "$.ai_org",
    "ai_model": "$.ai_model",
    "trace_id": "$.trace_id",
    "user": "$.metadata._user",
    "req_units": "$.req_units",
    "res_units": "$.res_units",
    "cost": "$.cost",
    "cost_currency": "$.cost_currency",
    "cache_status": "$.cache_status",
    "is_success": "$.is_success",
    "status": "$.response_status_code",
    "mode": "$.mode",
    "prompt_slug": "$.prompt_slug",
}



@register
class PortkeyLogsExportJsonl(Ingestor):
    name = "portkey_logs_export_jsonl"
    title = "Portkey logs export (JSONL; request/response token totals, cost in cents)"
    obtain = ("Portkey app -> Exports -> Request Data (choose id, trace_id, created_at, ai_org, ai_model, "
              "req_units, res_units, cost, cost_currency, cache_status, metadata), then download; or "
              "`POST /v1/logs/exports` + `GET /v1/logs/exports/{id}/download`.")

    def sniff(self, head: bytes, name: str) -> bool:
        objs = json_lines(head, limit=1)
        return bool(objs) and {"ai_model", "req_units", "created_at"} <= objs[0].keys()

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        lines = json_lines_sql(f, FIELDS)
        bad = " OR ".join([is_bad_count("req_units"), is_bad_count("res_units"), is_bad_number("cost")])
        usd = "upper(coalesce(cost_currency, 'USD')) = 'USD'"
        return f"""
        SELECT source_line, raw,
          CASE WHEN NOT _json_ok THEN 'not valid JSON'
               WHEN {ts_sql('created')} IS NULL THEN 'created_at missing or not a time'
               WHEN {bad} THEN 'non-numeric or non-integer req_units or res_units, or non-numeric cost'
               WHEN req_units IS NULL AND res_units IS NULL THEN 'no token counts'
               ELSE {unreported_count_sql('req_units', 'res_units', 'req_units', 'res_units', output_required=False)}
          END AS error,
          nullif(id, '') AS event_id,
          'request' AS grain,
          {ts_sql('created')} AS ts,
          {gateway_provider_sql('ai_org')} AS provider,
          nullif(ai_model, '') AS model,
          nullif("user", '') AS user_id,
          nullif(trace_id, '') AS conversation_id,
          1 AS request_count,
          coalesce({int_sql('req_units')}, 0) AS input_tokens,
          0 AS cache_read_tokens,
          0 AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          coalesce({int_sql('res_units')}, 0) AS output_tokens,
          0 AS reasoning_tokens,
          false AS cache_known,
          false AS batch,
          CASE WHEN {usd} THEN {exact_div(dec('cost'), "'100'")} END AS reported_cost_usd,
          upper(coalesce(cache_status, '')) IN ('HIT', 'SEMANTIC HIT') AS response_cache_hit,
          json_object('is_success', is_success, 'status', {int_sql('status')}, 'cache_status', cache_status,
                      'mode', mode, 'prompt_slug', prompt_slug, 'cost_currency', cost_currency) AS extra
        FROM ({lines})
        """
