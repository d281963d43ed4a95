"""Azure OpenAI token metrics from Azure Monitor (platform metrics of a
`Microsoft.CognitiveServices/accounts` resource), saved as JSON.

Why: the resource-wide token volumes per deployment and model, hour by hour, including traffic no
app logs; the Azure cost export only has daily meters per resource.

Obtained with `az monitor metrics list --resource ID --metric ProcessedPromptTokens GeneratedTokens
AzureOpenAIRequests --interval PT1H --dimension ModelDeploymentName ModelName --aggregation Total
-o json > metrics.json`, or `GET {resource}/providers/Microsoft.Insights/metrics?metricnames=...
&interval=PT1H&aggregation=Total&$filter=ModelDeploymentName eq '*' and ModelName eq '*'`.

Response shape (formats-provider-exports.md 5.2; Azure Monitor REST `Metrics - List` response
`Response {cost, timespan, interval, namespace, resourceregion, value: [Metric]}`, `Metric {id,
type, name: {value, localizedValue}, unit, timeseries: [TimeSeriesElement]}`, `TimeSeriesElement
{metadatavalues: [{name: {value, localizedValue}, value}], data: [MetricValue]}`, `MetricValue
{timeStamp, average, minimum, maximum, total, count}`: learn.microsoft.com "Metrics - List" and the
SDK models `MetricValue` / `TimeSeriesElement` of azure-monitor-query and azure-resourcemanager-
monitor). Dimension names come back lower-cased (`modeldeploymentname`), so every name is compared
lower-cased; so are metric names.

Metrics (learn.microsoft.com "Azure OpenAI monitoring data reference" and "Supported metrics for
Microsoft.CognitiveServices/accounts"):

- `ProcessedPromptTokens` "Processed Prompt Tokens": prompt (input) tokens -> input_tokens. It
  counts the whole prompt, cached tokens included (MicrosoftDocs/azure-ai-docs, provisioned
  throughput guidance: these metrics "do not account for benefits from prompt caching"), and no
  metric counts cached tokens: cache_read_tokens = 0 with cache_known = false, as the formats
  that cannot split input state it (goose_sessions_sqlite, focus_csv), so the input is priced
  whole, not as uncached input that was measured.
- `GeneratedTokens` "Generated Completion Tokens": output tokens -> output_tokens (reasoning
  inside, not broken out).
- `AzureOpenAIRequests` "Azure OpenAI Requests": calls to the API (every status code unless the
  export was split or filtered by StatusCode) -> request_count. A file without this metric states
  no request count: request_count = 0, requests_known = false.
- `TokenTransaction` "Processed Inference Tokens" = prompt + generated tokens: not read (it would
  count both again); `AzureOpenAIContextTokensCacheMatchRate` "Prompt Token Cache Match Rate" is a
  percentage, not a count: not read; latency metrics (time to response, tokens per second, ...)
  are not read. A file holding only such metrics is still claimed (it is this export, fetched
  with other --metric names) and gives no rows, as an OpenAI usage page with empty buckets does.

Mapping: one `bucket` row per (resource, timeStamp, ModelDeploymentName, ModelName): ts = timeStamp
(UTC, the interval's start), bucket_end = ts + the response's `interval` (PT1M, PT5M, PT15M, PT30M,
PT1H, PT6H, PT12H, P1D; another value, such as FULL, is quarantined). provider 'azure'; model = the
ModelName dimension, else the deployment name (extra.model_is_deployment, as the APIM log says it:
priced only if the deployment is named after a model); a series without dimensions (metrics listed
without --dimension: one total per metric) has no model and stays unpriced, marked extra.org_total
(the resource's total: grouped rows of the same time from another file replace it, storage.store
USAGE_SHADOWED_VIEW). A series of a grouped request whose dimension values are blank (usage without
that dimension) is a share of its own, not a total: no model, not marked, and an event apart from
the ungrouped total of the same hour. project = '<account>/<deployment>' (the account is the
resource id's last segment; the account alone for an ungrouped series). A data point without `total`
(no data in that interval) gives no row; an hour with requests and no token total (every call
failed) is a row of requests with 0 tokens. Series split by more dimensions (StatusCode, ApiName,
ModelVersion, Region) are added up per deployment and model.

event_id = md5('azure', 'monitor_metrics', resource id (lower-cased), bucket start, width,
deployment, model name): the same hour in two exports is one event, and (grain 'bucket') the
latest export of it wins, so two files covering the same hours are stored once. Several responses
in one file (a JSON array, or one per line) holding the same hour: the last one's value is taken.
"""

from __future__ import annotations

from llmcost.ingest import IngestContext, Ingestor, InputFile, register, text
from llmcost.ingest._exports import bad_count, blank, count, json_docs_sql, key_hash

INPUT, OUTPUT, REQUESTS = "processedprompttokens", "generatedtokens", "azureopenairequests"
"""The metrics read (lower-cased `name.value`)."""

GRAINS = {"PT1M": 60, "PT5M": 300, "PT15M": 900, "PT30M": 1800, "PT1H": 3600, "PT6H": 21600,
          "PT12H": 43200, "P1D": 86400}
"""Azure Monitor's metric time grains (the `interval` of a response) in seconds."""


def _dim(name: str) -> str:
    """SQL: the value of dimension `name` (lower-case) of the series `s`, NULL when absent or blank."""
    hit = f"list_filter(json_extract(s, '$.metadatavalues[*]'), lambda x: lower(x->'name'->>'value') = '{name}')"
    return blank(f"({hit})[1]->>'value'")


@register
class AzureMonitorMetricsJson(Ingestor):
    name = "azure_monitor_metrics_json"
    title = "Azure OpenAI token metrics from Azure Monitor (az monitor metrics list / Metrics REST API; JSON)"
    obtain = (
        "`az monitor metrics list --resource ID --metric ProcessedPromptTokens GeneratedTokens "
        "AzureOpenAIRequests --interval PT1H --dimension ModelDeploymentName ModelName --aggregation Total "
        "-o json`, or the Metrics REST API; save the response as .json."
    )
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        s = text(head)
        return '"timeseries"' in s and "microsoft.cognitiveservices" in s.lower() and (
            '"resourceregion"' in s or '"metadatavalues"' in s or '"timeStamp"' in s)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        width = "CASE upper(trim(interval)) " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in GRAINS.items()) + " END"
        points = f"""
        SELECT row_number() OVER (ORDER BY doc_no, mi, si, pi) AS source_line, CAST(p AS VARCHAR) AS raw,
               doc_no, metric, interval, {width} AS width_s, region,
               lower(regexp_replace(metric_id, '/providers/microsoft\\.insights/metrics/.*$', '', 'i')) AS resource,
               deployment, model_name, _ungrouped, TRY_CAST(p->>'timeStamp' AS TIMESTAMPTZ) AS _ts,
               p->>'total' AS total
        FROM (
          SELECT *, {_dim("modeldeploymentname")} AS deployment, {_dim("modelname")} AS model_name,
                 coalesce(json_array_length(s, '$.metadatavalues'), 0) = 0 AS _ungrouped,
                 unnest(json_extract(s, '$.data[*]')) AS p, generate_subscripts(json_extract(s, '$.data[*]'), 1) AS pi
          FROM (
            SELECT *, lower(m->'name'->>'value') AS metric, m->>'id' AS metric_id,
                   unnest(json_extract(m, '$.timeseries[*]')) AS s,
                   generate_subscripts(json_extract(m, '$.timeseries[*]'), 1) AS si
            FROM (
              SELECT doc_no, d->>'interval' AS interval, d->>'resourceregion' AS region,
                     unnest(json_extract(d, '$.value[*]')) AS m,
                     generate_subscripts(json_extract(d, '$.value[*]'), 1) AS mi
              FROM ({json_docs_sql(f, "doc_no", "d")})
            )
          )
        )"""
        error = (
            "CASE WHEN _ts IS NULL THEN 'data point without an ISO 8601 timeStamp' "
            "WHEN width_s IS NULL THEN 'interval ' || coalesce('''' || interval || '''', 'missing') "
            "|| ' is not a metrics time grain (PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, P1D)' "
            f"WHEN {bad_count('total')} THEN 'non-numeric or fractional total' END"
        )
        key = "resource, _ts, width_s, deployment, model_name, _ungrouped"
        # per response: the series of one deployment and model added up (split by StatusCode etc.);
        # across responses of one file: the last response's value of each metric
        per_doc = f"""
        SELECT {key}, metric, doc_no, min(source_line) AS source_line, sum({count('total')}) AS n,
               any_value(region) AS region, list(raw ORDER BY source_line) AS raws
        FROM pts WHERE _error IS NULL AND metric IN ('{INPUT}', '{OUTPUT}', '{REQUESTS}')
        GROUP BY ALL"""
        latest = f"""
        SELECT {key}, metric, arg_max(n, doc_no) AS n, arg_max(source_line, doc_no) AS source_line,
               arg_max(region, doc_no) AS region, arg_max(raws, doc_no) AS raws
        FROM ({per_doc}) GROUP BY ALL"""
        rows = f"""
        SELECT {key}, min(source_line) AS source_line, any_value(region) AS region,
               array_to_string(flatten(list(raws ORDER BY source_line)), chr(10)) AS raw,
               sum(n) FILTER (WHERE metric = '{INPUT}') AS input_n,
               sum(n) FILTER (WHERE metric = '{OUTPUT}') AS output_n,
               sum(n) FILTER (WHERE metric = '{REQUESTS}') AS requests_n
        FROM ({latest}) GROUP BY ALL"""
        ident = ("'azure'", "'monitor_metrics'", "resource", "epoch(_ts)", "width_s", "deployment", "model_name")
        account = "nullif(regexp_extract(resource, '/accounts/([^/]+)$', 1), '')"
        return f"""
        WITH pts AS (SELECT *, {error} AS _error FROM ({points}) WHERE total IS NOT NULL),
        has_requests AS (SELECT bool_or(metric = '{REQUESTS}') AS known FROM ({points}))
        SELECT source_line, raw, NULL AS error,
          CASE WHEN _ungrouped OR deployment IS NOT NULL OR model_name IS NOT NULL THEN {key_hash(*ident)}
               ELSE {key_hash(*ident, "'blank dimensions'")} END AS event_id,
          'bucket' AS grain,
          _ts AS ts,
          _ts + to_seconds(width_s) AS bucket_end,
          'azure' AS provider,
          coalesce(model_name, deployment) AS model,
          CASE WHEN deployment IS NULL THEN {account} ELSE coalesce({account} || '/', '') || deployment END AS project,
          coalesce(requests_n, 0) AS request_count,
          (SELECT known FROM has_requests) AS requests_known,
          coalesce(input_n, 0) AS input_tokens,
          0 AS cache_read_tokens,
          0 AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          coalesce(output_n, 0) AS output_tokens,
          0 AS reasoning_tokens,
          false AS cache_known,
          false AS batch,
          json_merge_patch('{{}}', json_object('kind', 'monitor_metrics', 'deployment', deployment,
            'model_is_deployment', CASE WHEN model_name IS NULL AND deployment IS NOT NULL THEN true END,
            'org_total', CASE WHEN _ungrouped THEN true END, 'resource_id', resource, 'region', region,
            'requests_known', (SELECT known FROM has_requests))) AS extra
        FROM ({rows})
        UNION ALL
        SELECT source_line, raw, _error AS error, NULL AS event_id, 'bucket' AS grain, NULL AS ts,
          NULL AS bucket_end, 'azure' AS provider, NULL AS model, NULL AS project, 0 AS request_count,
          NULL AS requests_known, 0 AS input_tokens, 0 AS cache_read_tokens, 0 AS cache_write_tokens,
          0 AS cache_write_1h_tokens, 0 AS output_tokens, 0 AS reasoning_tokens, false AS cache_known,
          false AS batch, NULL AS extra
        FROM pts WHERE _error IS NOT NULL AND metric IN ('{INPUT}', '{OUTPUT}', '{REQUESTS}')
        """
