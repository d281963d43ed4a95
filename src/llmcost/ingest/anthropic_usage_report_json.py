"""Anthropic Admin API Messages usage report (`GET /v1/organizations/usage_report/messages`), JSON.

Why: the org-wide token volumes per model, workspace, key and tier, including traffic no app logs.

Field mapping (formats-provider-exports.md 2.1; platform.claude.com "Get Messages Usage Report";
joshrotenberg/claude-api `crates/claude-api/src/admin/usage_report.rs`):

- page `{data: [{starting_at, ending_at, results: [row]}]}`; RFC 3339 UTC, end exclusive ->
  ts, bucket_end. A JSON array of pages and pages one per line are read too.
- uncached_input_tokens -> input_tokens (Anthropic's uncached input is already separate);
  cache_read_input_tokens -> cache_read_tokens; cache_creation.ephemeral_5m_input_tokens +
  ephemeral_1h_input_tokens -> cache_write_tokens, the 1h part -> cache_write_1h_tokens;
  output_tokens -> output_tokens.
- the report has NO request count: request_count = 0 and requests_known = false, the count is
  not stated, not zero (the analytics beta's `requests` is used when present, requests_known = true).
- model; workspace_id -> project (NULL = default workspace); api_key_id -> api_key (NULL =
  Console Workbench); service_tier (batch -> batch = true; 'fast' where speed is "fast": fast mode,
  priced at its own price); context_window, inference_geo, speed,
  account_id, service_account_id and server_tool_use.web_search_requests -> extra;
  server_tool_use.web_search_requests also -> web_search_calls (priced per search).

event_id = md5('anthropic', 'messages', bucket start, width, every group field incl. NULLs); grain
'bucket', so a re-fetched period replaces the earlier rows. An ungrouped bucket (every group
field NULL in all its rows) beside grouped rows of the same time from another page is quarantined
(not counted twice); an all-NULL row inside a grouped bucket is the default workspace / Console
Workbench, and counts: an event of its own, apart from the org total of the same bucket, whose
group fields are the same NULLs (`_exports.null_group_id`).
"""

from __future__ import annotations

from typing import ClassVar

from llmcost import ingest
from llmcost.ingest import FAST_MODE_CHANGE, IngestContext, Ingestor, InputFile, anthropic_tier_sql, register, text
from llmcost.ingest._exports import bad_count, count, null_group_id, org_total_sql, pages_sql

GROUP_KEYS = (
    "api_key_id",
    "workspace_id",
    "model",
    "service_tier",
    "context_window",
    "inference_geo",
    "speed",
    "account_id",
    "service_account_id",
)
COUNTS = {
    "uncached": "uncached_input_tokens",
    "cache_read": "cache_read_input_tokens",
    "w5m": "$.cache_creation.ephemeral_5m_input_tokens",
    "w1h": "$.cache_creation.ephemeral_1h_input_tokens",
    "output": "output_tokens",
    "web_search": "$.server_tool_use.web_search_requests",
    "requests": "requests",
}


@register
class AnthropicUsageReportJson(Ingestor):
    name = "anthropic_usage_report_json"
    reader_changes: ClassVar[dict[int, str]] = {2: FAST_MODE_CHANGE, 3: ingest.GEO_CHANGE}
    title = "Anthropic Admin API usage report, messages (JSON pages)"
    obtain = (
        "`GET /v1/organizations/usage_report/messages?bucket_width=1d"
        "&group_by[]=model&group_by[]=workspace_id...` "
        "with an Admin key (sk-ant-admin...); save each page as .json."
    )
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        s = text(head)
        return '"uncached_input_tokens"' in s and '"starting_at"' in s and '"amount"' not in s

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        fields = ", ".join(
            [f"res->>'{k}' AS {k}" for k in GROUP_KEYS] + [f"res->>'{p}' AS {n}" for n, p in COUNTS.items()]
        )
        src = f"""
        SELECT source_line, raw, {fields},
               {ts("starting_at")} AS _start, {ts("ending_at")} AS _end, page_no, bi
        FROM ({pages_sql(f)})"""
        bad = " OR ".join(bad_count(n) for n in COUNTS)
        w5m, w1h = f"coalesce({count('w5m')}, 0)", f"coalesce({count('w1h')}, 0)"
        return f"""
        SELECT source_line, raw,
          CASE WHEN _start IS NULL OR _end IS NULL THEN 'bucket without starting_at/ending_at'
               WHEN uncached IS NULL AND output IS NULL AND cache_read IS NULL
                 THEN 'no token counts (not a usage_report/messages row)'
               WHEN {bad} THEN 'non-numeric count in usage row'
               WHEN _org AND _grouped_beside
                 THEN 'organisation-wide total beside grouped results for the same bucket (not counted twice)'
          END AS error,
          {null_group_id("'anthropic'", "'messages'", "epoch(_start)", "epoch(_end) - epoch(_start)", *GROUP_KEYS)}
            AS event_id,
          'bucket' AS grain,
          _start AS ts,
          _end AS bucket_end,
          'anthropic' AS provider,
          model,
          workspace_id AS project,
          api_key_id AS api_key,
          coalesce({count("requests")}, 0) AS request_count,
          requests IS NOT NULL AS requests_known,
          coalesce({count("uncached")}, 0) AS input_tokens,
          coalesce({count("cache_read")}, 0) AS cache_read_tokens,
          {w5m} + {w1h} AS cache_write_tokens,
          {w1h} AS cache_write_1h_tokens,
          coalesce({count("output")}, 0) AS output_tokens,
          0 AS reasoning_tokens,
          true AS cache_known,
          service_tier = 'batch' AS batch,
          {anthropic_tier_sql("speed", "service_tier")} AS service_tier,
          {ingest.anthropic_geo_sql("inference_geo")} AS inference_geo,
          {count("web_search")} AS web_search_calls,
          json_object('context_window', context_window, 'inference_geo', inference_geo, 'speed', speed,
                      'account_id', account_id, 'service_account_id', service_account_id,
                      'web_search_requests', {count("web_search")}, 'requests_known', requests IS NOT NULL,
                      'org_total', _org) AS extra
        FROM ({org_total_sql(src, GROUP_KEYS, "_start, _end")})
        """


def ts(key: str) -> str:
    """SQL: an RFC 3339 field of the bucket as TIMESTAMPTZ."""
    return f"TRY_CAST(bucket->>'{key}' AS TIMESTAMPTZ)"
