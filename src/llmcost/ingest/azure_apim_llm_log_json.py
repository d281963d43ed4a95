"""Azure API Management AI gateway log (Log Analytics table `ApiManagementGatewayLlmLog`) as the JSON
array `az monitor log-analytics query ... -o json` prints; `azure_apim_llm_log_csv` reads the portal's
CSV export with the same mapping (`mapping_sql`, here).

The only first-party per-request token log on Azure OpenAI (formats-provider-exports.md 5.2).
Columns (learn.microsoft.com/azure/azure-monitor/reference/tables/apimanagementgatewayllmlog):
`TimeGenerated`, `CorrelationId` ("unique ID matching the same field in ApiManagementGatewayLogs"),
`RequestId` (the language model's request id), `DeploymentName`, `ModelName`, `OperationName`,
`ApiVersion`, `Region`, `IsStreamCompletion`, `PromptTokens`, `CompletionTokens`, `TotalTokens`,
`SequenceNumber` ("index of this item in the message exchange"), `RequestMessages`,
`ResponseMessages`, `_ResourceId`, and Log Analytics' own (`TenantId`, `Type`, `_BilledSize`, ...).

One request, several records (the rule): "Large requests and responses split into multiple log
entries with sequence numbers for later reconstruction"; "messages larger than 32 KB are split and
logged in 32 KB chunks with sequence numbers"; "requests and responses (including chunked messages)
appear in separate log entries that you can correlate by using the CorrelationId field"
(MicrosoftDocs/azure-docs `articles/api-management/api-management-howto-llm-logs.md`). So a request
is its CorrelationId (else its RequestId), counted once: one row per request, each token count the
largest its records state (a chunk states none, or the same count again), never their sum. The row
is read from the request's first record that states valid counts (lowest SequenceNumber, then line);
its other records are counted as skipped, an exact copy exported twice among them. A record whose
count is not a whole number is quarantined with that reason; a request none of whose records states
a count is quarantined as 'no token counts'. Across files the format is a snapshot format: the same
request in two overlapping exports is stored once, with the per-field maximum.

Mapping: provider `azure`; model = `ModelName` as stated (`gpt-4o`, `gpt-4o-2024-11-20`), else
`DeploymentName` (`extra.model_is_deployment = true`: a deployment name is the customer's choice,
not a model id). input_tokens = `PromptTokens` (it includes cached tokens and the table has no
cached split, so `cache_known = false`: the cache is not reported); output_tokens = `CompletionTokens`.
event_id = CorrelationId, else RequestId. project = the APIM service's name in `_ResourceId`
(`.../providers/microsoft.apimanagement/service/<name>`): one gateway is one cost centre, and the
table names no API. Deployment, region, operation, API version, the stream flag, `TotalTokens` and
how many records the request had go to `extra`. `RequestMessages` / `ResponseMessages` (prompt and
completion text, a request's chunks joined in SequenceNumber order) are stored only with
--keep-text, and are cut out of a record's raw text (what a quarantined record keeps) without it.
TimeGenerated is UTC: ISO with `Z` from `az`; the portal's CSV names it `TimeGenerated [UTC]` and
writes it in the browser's language: en-US `12/1/2026, 9:05:12.123 AM` is read (`time_sql`), another
language's date (`01/12/2026 09:05:12`: day first or month first?) is quarantined (`TIME_REASON`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    first_json,
    register,
    sql_str,
    text_cols_sql,
    ts_sql,
    unreported_count_sql,
)
from llmcost.ingest import _records as records
from llmcost.ingest._exports import bad_count, blank, count

FIELDS = {
    "time_generated": "TimeGenerated",
    "correlation_id": "CorrelationId",
    "request_id": "RequestId",
    "deployment": "DeploymentName",
    "model_name": "ModelName",
    "operation": "OperationName",
    "api_version": "ApiVersion",
    "region": "Region",
    "stream": "IsStreamCompletion",
    "prompt_tokens": "PromptTokens",
    "completion_tokens": "CompletionTokens",
    "total_tokens": "TotalTokens",
    "sequence_number": "SequenceNumber",
    "request_messages": "RequestMessages",
    "response_messages": "ResponseMessages",
    "resource_id": "_ResourceId",
}
"""Our name for each column of the table: the one mapping of both formats."""
SERVICE = "(?i)/providers/microsoft\\.apimanagement/service/([^/]+)"
"""The APIM service's name in `_ResourceId` (an Azure resource id; Log Analytics may upper-case it)."""
PORTAL_TIME = "TimeGenerated [UTC]"
"""The Log Analytics portal's CSV export adds ` [UTC]` to the names of datetime columns."""
TEXT = ("RequestMessages", "ResponseMessages")
NO_TEXT = '{"RequestMessages": null, "ResponseMessages": null}'
"""A JSON merge patch (RFC 7396) taking the TEXT columns out of a record's raw text."""
# a localised portal value, en-US: `12/1/2026, 9:05:12.123 AM`, with or without the comma or the
# fraction. Only the 12-hour form with AM/PM is read: it is month first (en-US); a 24-hour slash date
# (`01/12/2026 09:05:12`, en-GB and others) may be day first, and is quarantined rather than guessed.
PORTAL_SHAPES = ["%m/%d/%Y, %I:%M:%S.%g %p", "%m/%d/%Y, %I:%M:%S %p", "%m/%d/%Y %I:%M:%S.%g %p",
                 "%m/%d/%Y %I:%M:%S %p"]
TIME_REASON = ("TimeGenerated is neither ISO 8601 nor the portal's en-US form (12/1/2026, 9:05:12.123 AM): a "
               "localised date may be day first. Fix: export with the portal's language set to English (United "
               "States), or query with az monitor log-analytics query (ISO times)")


def time_sql(expr: str) -> str:
    """SQL: TimeGenerated as TIMESTAMPTZ (UTC): ISO or epoch (`ts_sql`), else the portal's US-style
    localised value (`PORTAL_SHAPES`), which carries no zone and is UTC (its header says `[UTC]`)."""
    shapes = "[" + ", ".join(sql_str(s) for s in PORTAL_SHAPES) + "]"
    return f"coalesce({ts_sql(expr)}, timezone('UTC', try_strptime(trim({expr}), {shapes})))"


def is_record(obj: Any) -> bool:
    """A record of the table: its distinctive token and deployment columns."""
    return isinstance(obj, dict) and {"PromptTokens", "CompletionTokens"} <= obj.keys() and (
        "DeploymentName" in obj or "CorrelationId" in obj)


def mapping_sql(src: str, ctx: IngestContext) -> str:
    """Canonical rows from a relation with source_line, raw, _json_ok, _cut, `time_portal` and the
    FIELDS by our names, all VARCHAR: one row per request (see the module's doc)."""
    c = {n: blank(n) for n in FIELDS}
    p, o, t = c["prompt_tokens"], c["completion_tokens"], c["total_tokens"]
    key = f"coalesce({c['correlation_id']}, {c['request_id']})"
    seq = count(c["sequence_number"])
    bad = f"({bad_count(p)} OR {bad_count(o)} OR {bad_count(t)})"
    ok = f"(_json_ok AND NOT _cut AND NOT {bad} AND ({p} IS NOT NULL OR {o} IS NOT NULL))"
    part = "PARTITION BY coalesce(_key, 'line ' || source_line)"  # a record without ids is its own request

    def most(expr: str) -> str:
        return f"max(CASE WHEN _ok THEN {count(expr)} END) OVER ({part})"

    text = ""
    order, whole = "ORDER BY _seq, source_line", "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"
    if ctx.keep_text:
        # each chunk once (a record exported twice), joined in order; the chunks are slices of one text
        text = "".join(
            f", string_agg(CASE WHEN _chunk_first THEN nullif({n}, '') END, '') OVER ({part} {order} {whole}) AS _{n}"
            for n in ("request_messages", "response_messages"))
    patched = f"CAST(json_merge_patch(raw, {sql_str(NO_TEXT)}) AS VARCHAR)"
    raw = "raw" if ctx.keep_text else f"CASE WHEN _json_ok THEN {patched} ELSE raw END"
    stream = f"CASE lower({c['stream']}) WHEN 'true' THEN true WHEN 'false' THEN false END"
    project = f"nullif(lower(regexp_extract(_resource, {sql_str(SERVICE)}, 1)), '')"
    reason = sql_str("no token counts (PromptTokens and CompletionTokens empty on every record of the request)")
    counts = "non-numeric or non-integer PromptTokens, CompletionTokens or TotalTokens"
    unreported = unreported_count_sql("_in", "_out", "PromptTokens", "CompletionTokens")
    unreported_embedding = unreported_count_sql("_in", "_out", "PromptTokens", "CompletionTokens",
                                                output_required=False)
    return f"""
    SELECT source_line, raw, error, error IS NULL AND NOT _first AS skip,
      _key AS event_id,
      'request' AS grain,
      {time_sql('_time')} AS ts,
      'azure' AS provider,
      coalesce(_model, _deployment) AS model,
      {project} AS project,
      1 AS request_count,
      _in AS input_tokens,
      0 AS cache_read_tokens,
      0 AS cache_write_tokens,
      _out AS output_tokens,
      false AS cache_known,
      false AS batch,
      {text_cols_sql(ctx, '_request_messages', '_response_messages')},
      json_object('deployment', _deployment, 'model_is_deployment', _model IS NULL AND _deployment IS NOT NULL,
                  'region', _region, 'operation', _operation, 'api_version', _api_version, 'stream', {stream},
                  'total_tokens', _total, 'records', _records) AS extra
    FROM (
      SELECT *,
        CASE WHEN NOT _json_ok THEN 'not valid JSON'
             WHEN _cut THEN {sql_str(records.CUT)}
             WHEN _time IS NOT NULL AND {time_sql('_time')} IS NULL THEN {sql_str(TIME_REASON)}
             WHEN {bad} THEN {sql_str(counts)}
             WHEN NOT _first THEN NULL
             WHEN _in IS NULL AND _out IS NULL THEN {reason}
             WHEN _operation ILIKE '%embedding%' THEN {unreported_embedding}
             ELSE {unreported}
        END AS error
      FROM (
        SELECT * EXCLUDE (raw), {raw} AS raw,
          row_number() OVER ({part} ORDER BY _ok DESC, _seq NULLS FIRST, source_line) = 1 AS _first,
          {most('prompt_tokens')} AS _in, {most('completion_tokens')} AS _out, {most('total_tokens')} AS _total,
          count(*) OVER ({part}) AS _records{text}
        FROM (
          SELECT *, {key} AS _key, {seq} AS _seq, {ok} AS _ok,
            row_number() OVER (PARTITION BY coalesce({key}, 'line ' || source_line), {seq} ORDER BY source_line) = 1
              AS _chunk_first,
            coalesce({c['time_generated']}, {blank('time_portal')}) AS _time,
            {c['model_name']} AS _model, {c['deployment']} AS _deployment, {c['region']} AS _region,
            {c['operation']} AS _operation, {c['api_version']} AS _api_version, {c['resource_id']} AS _resource
          FROM ({src})
        )
      )
    )
    """


def _first_record(head: bytes) -> Any:
    obj = first_json(head)
    if isinstance(obj, list):
        return obj[0] if obj else None
    if isinstance(obj, str):  # a document longer than the head (long messages): look for the keys
        cut = obj[:8192]
        return {k: 1 for k in ("PromptTokens", "CompletionTokens", "DeploymentName", "CorrelationId")
                if f'"{k}"' in cut} if cut.lstrip().startswith("[") else None
    return None


@register
class AzureApimLlmLogJson(Ingestor):
    name = "azure_apim_llm_log_json"
    title = "Azure API Management AI gateway log (ApiManagementGatewayLlmLog) from az CLI, JSON"
    obtain = (
        "`az monitor log-analytics query -w WORKSPACE_ID --analytics-query "
        "'ApiManagementGatewayLlmLog | where TimeGenerated > ago(30d)' -o json > apim_llm_log.json`"
    )
    snapshots: ClassVar[bool] = True  # one request in two overlapping exports: the per-field maximum

    def sniff(self, head: bytes, name: str) -> bool:
        return is_record(_first_record(head))

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        names = {n: c for n, c in FIELDS.items() if ctx.keep_text or c not in TEXT}
        fields = {n: f"$.{c}" for n, c in names.items()} | {"time_portal": f'$."{PORTAL_TIME}"'}
        src = records.json_records_sql(f, fields)
        nulls = "".join(f", NULL::VARCHAR AS {n}" for n in FIELDS if n not in names)
        return mapping_sql(f"SELECT *{nulls} FROM ({src})", ctx)
