"""Anthropic Admin API cost report (`GET /v1/organizations/cost_report`), JSON, into `costs`.

Why: Anthropic's own daily dollars (per workspace and description) are the billed truth that
reconciliation prefers over usage priced by our engine.

Field mapping (formats-provider-exports.md 2.2; platform.claude.com "Cost Report", model
`CostReport`):

- page `{data: [{starting_at, ending_at, results: [row]}]}`, daily buckets, RFC 3339 UTC.
- amount is a decimal STRING in CENTS: cost_usd = amount x 0.01 as DECIMAL (never a float);
  currency (always USD today; anything else is quarantined).
- token_type: uncached_input_tokens -> input, output_tokens -> output, cache_read_input_tokens ->
  cache_read, cache_creation.ephemeral_5m_input_tokens -> cache_write,
  cache_creation.ephemeral_1h_input_tokens -> cache_write_1h; NULL for web_search /
  code_execution costs.
- description -> line_item (display text; when not grouped by description, `cost_type
  token_type` stands in); model; workspace_id -> project (NULL = default workspace);
  cost_type, service_tier, context_window, inference_geo, speed -> extra.
- Priority Tier costs never appear in this report (the usage report still shows the tokens).

event_id = md5('anthropic', 'cost', bucket start, width, every group field incl. NULLs); grain
'bucket' so a re-fetched period replaces the earlier rows. A bucket whose rows are all NULL in
every group field is an org total (an ungrouped request); beside grouped rows of the same day (from
another page) it is quarantined. An all-NULL row inside a grouped bucket is the default workspace:
an event of its own, apart from the org total of the same day (`_exports.null_group_id`).
"""

from __future__ import annotations

from llmcost.ingest import IngestContext, Ingestor, InputFile, register, text
from llmcost.ingest._exports import dec, null_group_id, org_total_sql, pages_sql

GROUP_KEYS = (
    "workspace_id",
    "description",
    "cost_type",
    "token_type",
    "model",
    "service_tier",
    "context_window",
    "inference_geo",
    "speed",
)
TOKEN_TYPES = {
    "uncached_input_tokens": "input",
    "output_tokens": "output",
    "cache_read_input_tokens": "cache_read",
    "cache_creation.ephemeral_5m_input_tokens": "cache_write",
    "cache_creation.ephemeral_1h_input_tokens": "cache_write_1h",
}


@register
class AnthropicCostReportJson(Ingestor):
    name = "anthropic_cost_report_json"
    title = "Anthropic Admin API cost report (JSON pages; amounts in cents)"
    obtain = (
        "`GET /v1/organizations/cost_report?group_by[]=workspace_id&group_by[]=description` "
        "with an Admin key; "
        "save each page as .json."
    )
    table = "costs"
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        s = text(head)
        return (
            '"starting_at"' in s
            and '"amount"' in s
            and '"currency"' in s
            and '"uncached_input_tokens":' not in s
        )

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        fields = ", ".join(f"res->>'{k}' AS {k}" for k in (*GROUP_KEYS, "amount", "currency"))
        src = f"""
        SELECT source_line, raw, {fields},
               TRY_CAST(bucket->>'starting_at' AS TIMESTAMPTZ) AS _start,
               TRY_CAST(bucket->>'ending_at' AS TIMESTAMPTZ) AS _end, page_no, bi
        FROM ({pages_sql(f)})"""
        tt = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in TOKEN_TYPES.items())
        cents = dec("amount")
        return f"""
        SELECT source_line, raw,
          CASE WHEN _start IS NULL OR _end IS NULL THEN 'bucket without starting_at/ending_at'
               WHEN amount IS NULL OR {cents} IS NULL THEN 'amount missing or not a decimal string'
               WHEN upper(coalesce(currency, 'USD')) <> 'USD' THEN 'amount in ' || currency || ', not USD'
               WHEN _org AND _grouped_beside
                 THEN 'organisation-wide total beside grouped results for the same day (not counted twice)'
          END AS error,
          {null_group_id("'anthropic'", "'cost'", "epoch(_start)", "epoch(_end) - epoch(_start)", *GROUP_KEYS)}
            AS event_id,
          _start AS ts,
          _end AS bucket_end,
          'anthropic' AS provider,
          model,
          workspace_id AS project,
          coalesce(description, nullif(concat_ws(' ', cost_type, token_type), '')) AS line_item,
          CASE token_type {tt} END AS token_type,
          CAST({cents} * 0.01 AS DECIMAL(38,12)) AS cost_usd,
          upper(coalesce(currency, 'USD')) AS currency,
          CAST({cents} * 0.01 AS DECIMAL(38,12)) AS billed_amount,
          json_object('cost_type', cost_type, 'service_tier', service_tier, 'context_window', context_window,
                      'inference_geo', inference_geo, 'speed', speed, 'amount_cents', amount,
                      'org_total', _org) AS extra
        FROM ({org_total_sql(src, GROUP_KEYS, "_start, _end")})
        """
