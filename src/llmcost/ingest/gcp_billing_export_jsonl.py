"""Google Cloud Billing export rows for Gemini / Vertex AI, as a BigQuery NDJSON extract, into `costs`.

Why: Google gives no org-level token export; the billing export is where Gemini spend (and, for
token SKUs, token counts) lives, one row per SKU x project x hour.

Field mapping (formats-provider-exports.md 3.1; docs.cloud.google.com "Structure of standard data
export"; column list in project-koku/koku `koku/masu/util/gcp/common.py`):

- only Gemini API (`AEFD-7695-64FA`) and Vertex AI (`C7E2-9256-1C43`) rows, or SKUs naming
  Gemini, are read; other services in the export are skipped.
- usage_start_time, usage_end_time (`YYYY-MM-DD HH:MM:SS UTC` in extracts) -> ts, bucket_end.
- cost is GROSS; credits[] are nested and negative: cost_usd = cost + sum(credits.amount);
  credits_usd = sum(credits.amount); list_cost_usd = cost_at_list. Money is read as DECIMAL. In a
  non-USD billing account the amounts are divided by currency_conversion_rate (USD -> local) and
  billed_amount keeps the exact local figure.
- sku.description -> line_item; model parsed from it (`... gemini 2.5 flash ...` and
  `Gemini 2.5 Pro Text Input - Predictions` -> gemini-2.5-flash / gemini-2.5-pro); token_type
  from it (cached -> cache_read, output -> output, input -> input). SKU ids are kept in extra
  (the description is not a stable API; the id is).
- usage.amount, usage.unit (`count` = tokens for token SKUs) -> quantity, unit.
- project.id -> project; service, sku.id, location.region, labels, invoice.month, cost_type ->
  extra.

No stable row id exists, so event_id = md5 of the row's identity (account, service, SKU, project,
period, region, labels, cost type, adjustment, resource, invoice month); grain 'bucket' so the
same rows extracted again replace the earlier copies instead of adding to them. A row of the same
identity with a later export_time than the file's first one is an event of its own (the identity
and its export_time), because the export is appended to ("a processing time associated with an
append of Cloud Billing data. This will always increase with each new export", standard-usage
schema): usage arriving late for an hour already exported is another row of the same SKU, project
and hour, which adds to the first (it was dropped as its duplicate).
"""

from __future__ import annotations

from llmcost.ingest import IngestContext, Ingestor, InputFile, json_lines, json_lines_sql, register, ts_sql
from llmcost.ingest._exports import dec, exact_div, key_hash, token_type_from_text

AI_SERVICE_IDS = ("AEFD-7695-64FA", "C7E2-9256-1C43")
FIELDS = {
    "billing_account_id": "$.billing_account_id",
    "service_id": "$.service.id",
    "service_description": "$.service.description",
    "sku_id": "$.sku.id",
    "sku_description": "$.sku.description",
    "usage_start_time": "$.usage_start_time",
    "usage_end_time": "$.usage_end_time",
    "project_id": "$.project.id",
    "location_region": "$.location.region",
    "cost": "$.cost",
    "currency": "$.currency",
    "currency_conversion_rate": "$.currency_conversion_rate",
    "usage_amount": "$.usage.amount",
    "usage_unit": "$.usage.unit",
    "usage_pricing_amount": "$.usage.amount_in_pricing_units",
    "usage_pricing_unit": "$.usage.pricing_unit",
    "credits": "$.credits",
    "labels": "$.labels",
    "cost_at_list": "$.cost_at_list",
    "cost_type": "$.cost_type",
    "invoice_month": "$.invoice.month",
    "resource_name": "$.resource.name",
    "adjustment_id": "$.adjustment_info.id",
    "export_time": "$.export_time",
}


def model_sql(desc: str) -> str:
    """SQL: a Gemini model id from a SKU description (NULL when it names none)."""
    m = (
        f"regexp_extract(lower({desc}), "
        "'gemini[ -][0-9]+(\\.[0-9]+)?([ -](pro|flash|lite|ultra|nano|image|live|embedding))*', 0)"
    )
    return f"nullif(regexp_replace({m}, ' +', '-', 'g'), '')"


def billing_sql(src: str) -> str:
    """The costs SELECT over `src`, which has source_line, raw, _src_error and every FIELDS key as text."""
    credits = (
        "list_sum([coalesce(TRY_CAST(x->>'amount' AS DECIMAL(38,12)), "
        "TRY_CAST(TRY_CAST(x->>'amount' AS DOUBLE) AS DECIMAL(38,12))) "
        "FOR x IN json_extract(CASE WHEN json_valid(credits) THEN credits ELSE '[]' END, '$[*]')])"
    )
    labels = "CASE WHEN json_valid(labels) THEN CAST(json(labels) AS VARCHAR) ELSE labels END"
    usd = "upper(coalesce(currency, 'USD')) = 'USD'"
    rate = "TRY_CAST(currency_conversion_rate AS DOUBLE)"

    def to_usd(expr: str) -> str:
        return (
            f"CASE WHEN {usd} THEN {expr} WHEN {rate} > 0 "
            f"THEN {exact_div(expr, 'currency_conversion_rate')} END"
        )

    identity = (
        "'google'",
        "billing_account_id",
        "service_id",
        "sku_id",
        "project_id",
        "epoch(_start)",
        "epoch(_end)",
        "location_region",
        labels,
        "cost_type",
        "adjustment_id",
        "resource_name",
        "invoice_month",
    )
    # the first export of an identity in the file keeps the identity's id (so a CSV flattening
    # without export_time and the NDJSON of the same rows are the same events, and stores keep
    # their ids); a later append of the same identity is an event of its own, keyed on its
    # export_time (the same append exported twice is still one event)
    return f"""
    SELECT source_line, raw,
      CASE WHEN _src_error IS NOT NULL THEN _src_error
           WHEN _start IS NULL THEN 'usage_start_time missing or unparseable'
           WHEN _cost IS NULL THEN 'cost missing or not a number'
           WHEN NOT {usd} AND coalesce({rate}, 0) <= 0
             THEN 'billed in ' || currency || ' without currency_conversion_rate'
      END AS error,
      CASE WHEN dense_rank() OVER (PARTITION BY {key_hash(*identity)} ORDER BY _export NULLS FIRST) = 1
           THEN {key_hash(*identity)} ELSE {key_hash(*identity, "epoch(_export)")} END AS event_id,
      _start AS ts,
      _end AS bucket_end,
      'google' AS provider,
      {model_sql("sku_description")} AS model,
      project_id AS project,
      sku_description AS line_item,
      {token_type_from_text("sku_description")} AS token_type,
      {dec("usage_amount", 6)} AS quantity,
      usage_unit AS unit,
      {to_usd("_cost + _credits")} AS cost_usd,
      {to_usd(dec("cost_at_list"))} AS list_cost_usd,
      {to_usd("_credits")} AS credits_usd,
      upper(coalesce(currency, 'USD')) AS currency,
      _cost + _credits AS billed_amount,
      json_object('service', service_description, 'service_id', service_id, 'sku_id', sku_id,
                  'region', location_region, 'invoice_month', invoice_month, 'cost_type', cost_type,
                  'labels', CASE WHEN json_valid(labels) THEN json(labels) END,
                  'gross_cost', _cost, 'pricing_unit', usage_pricing_unit,
                  'amount_in_pricing_units', usage_pricing_amount) AS extra
    FROM (
      SELECT *, {dec("cost")} AS _cost, coalesce({credits}, 0) AS _credits,
             {ts_sql("usage_start_time")} AS _start, {ts_sql("usage_end_time")} AS _end,
             {ts_sql("export_time")} AS _export
      FROM ({src})
      WHERE _src_error IS NOT NULL OR service_id IN {AI_SERVICE_IDS!r}
         OR service_description IN ('Gemini API', 'Vertex AI') OR lower(sku_description) LIKE '%gemini%'
    )
    """


@register
class GcpBillingExportJsonl(Ingestor):
    name = "gcp_billing_export_jsonl"
    title = "Google Cloud Billing export to BigQuery, Gemini / Vertex AI rows (NDJSON extract)"
    obtain = (
        "Billing -> Billing export -> BigQuery; then `bq extract --destination_format NEWLINE_DELIMITED_JSON "
        "<dataset>.gcp_billing_export_v1_<ACCOUNT> gs://.../billing-*.json` (or a query's results as JSONL)."
    )
    table = "costs"
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        rows = json_lines(head, limit=1)
        return (
            bool(rows)
            and all(k in rows[0] for k in ("sku", "usage_start_time", "cost"))
            and ("billing_account_id" in rows[0] or "service" in rows[0])
        )

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        lines = json_lines_sql(f, FIELDS)
        src = f"SELECT *, CASE WHEN NOT _json_ok THEN 'not valid JSON' END AS _src_error FROM ({lines})"
        return billing_sql(src)
