"""AWS Cost and Usage Report 2.0 (Data Exports, CSV or gzip CSV) lines for Amazon Bedrock, into `costs`.

Why: the CUR is the invoice-grade record of Bedrock spend, one line per usage type (model x token
type x tier) per hour, day or month; it is what reconciliation treats as billed for provider 'aws'.

Field mapping (formats-provider-exports.md 4.2; docs.aws.amazon.com/bedrock/latest/userguide/
cost-mgmt-understanding-cur-data.html; columns in turbot/tailpipe-plugin-aws
`tables/cost_and_usage_report/cost_and_usage_report.go`). Legacy CUR 1 names (`lineItem/UsageType`)
are accepted as aliases.

- only Bedrock lines are read: line_item_product_code `AmazonBedrock`, or a product / description
  naming Bedrock (some third-party models bill via Marketplace codes); other services are skipped.
- identity_line_item_id + identity_time_interval -> event_id (grain 'bucket': the export is
  re-delivered through the month and the latest copy of a line wins).
- line_item_usage_start_date / _end_date -> ts, bucket_end.
- time granularity (formats-provider-exports.md 4.2: HOURLY, DAILY or MONTHLY): a line whose
  usage period covers whole UTC days, more than one and at most MAX_SPREAD_DAYS (a MONTHLY
  export's month, or a DAILY line over several days), is spread evenly over those days, as FOCUS
  charges are (`_exports.spread_days`): one row per day, `bucket_end` the next midnight, each
  with an exact share of the line's net / unblended cost (units of 10^-12 USD) and quantity (whole
  tokens when pricing_unit is tokens and the amount is whole, else units of 10^-6), the first
  days taking one unit more until the remainder is used, so the day rows add up to the line and
  the report's days, run-rate and month comparison see a month as a month, not a spike on its
  first day. The first day row keeps the line's own event_id, the others get md5 of it and the
  day index (a store that holds the line whole, from before it was spread, has its row replaced
  by the first day of a later copy, not added to); each has `extra.usage_period_days`; the day
  rows share the line's `source_line` and each counts as a row read (rows read = stored +
  duplicate + quarantined, as for FOCUS). An hourly or one-day
  line, or an unaligned period, stays one row with the event_id it always had; a rejected line
  stays one row (its reason once in the quarantine).
- line_item_net_unblended_cost when present, else line_item_unblended_cost -> cost_usd (DECIMAL);
  line_item_unblended_cost -> list_cost_usd; line_item_currency_code (non-USD is quarantined).
- line_item_usage_type `<REGION>-<Model>-<token type>[-<tier|routing>]` -> model (the part between
  the region code and the token type) and token_type (input-tokens, output-tokens,
  cache-read-input-token-count, cache-write-input-token-count[-1-hour]); Credit/Tax lines keep
  token_type NULL.
- line_item_usage_amount, pricing_unit -> quantity, unit (unit varies; kept as stated).
- line_item_usage_account_id -> project; line_item_iam_principal -> api_key; line_item_type,
  operation, resource id, region -> extra.
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, register, ts_sql
from llmcost.ingest._exports import (
    EVENT_ID_FIRST_DAY_KEEPS_KEY,
    SPREAD_END,
    SPREAD_TS,
    Csv,
    days,
    dec,
    header_has,
    key_hash,
    share,
    spread_days,
    token_type_from_text,
)
from llmcost.ingest._records import csv_changes

ALIASES = {
    "line_item_id": ("identity_line_item_id", "identity/LineItemId"),
    "time_interval": ("identity_time_interval", "identity/TimeInterval"),
    "start": ("line_item_usage_start_date", "lineItem/UsageStartDate"),
    "end": ("line_item_usage_end_date", "lineItem/UsageEndDate"),
    "product_code": ("line_item_product_code", "lineItem/ProductCode"),
    "product_name": ("product_product_name", "product/ProductName"),
    "usage_type": ("line_item_usage_type", "lineItem/UsageType"),
    "operation": ("line_item_operation", "lineItem/Operation"),
    "item_type": ("line_item_line_item_type", "lineItem/LineItemType"),
    "description": ("line_item_line_item_description", "lineItem/LineItemDescription"),
    "resource_id": ("line_item_resource_id", "lineItem/ResourceId"),
    "amount": ("line_item_usage_amount", "lineItem/UsageAmount"),
    "pricing_unit": ("pricing_unit", "pricing/unit"),
    "unblended": ("line_item_unblended_cost", "lineItem/UnblendedCost"),
    "net_unblended": ("line_item_net_unblended_cost", "lineItem/NetUnblendedCost"),
    "currency": ("line_item_currency_code", "lineItem/CurrencyCode"),
    "account": ("line_item_usage_account_id", "lineItem/UsageAccountId"),
    "principal": ("line_item_iam_principal",),
    "region": ("product_region_code", "product/regionCode"),
}
TOKEN_MARK = "(mantle-)?(input-tokens|output-tokens|cache-read|cache-write|input-token|output-token)"


def usage_type_model(expr: str) -> str:
    """SQL: the model part of a Bedrock usage type (`USE1-Claude4.6Opus-input-tokens` -> Claude4.6Opus)."""
    return f"nullif(regexp_extract({expr}, '^[A-Z]{{2,4}}[0-9]?-(.+?)-{TOKEN_MARK}', 1), '')"


@register
class AwsCurBedrockCsv(Ingestor):
    name = "aws_cur_bedrock_csv"
    title = "AWS Cost and Usage Report 2.0 lines for Amazon Bedrock (CSV / CSV.gz / Parquet)"
    obtain = (
        "Billing -> Data Exports -> Standard data export (CUR 2.0, CSV or Parquet); download "
        "`<prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/*.csv.gz` (or `*.snappy.parquet`) from the S3 bucket."
    )
    table = "costs"
    grain = "bucket"
    # a store that read a CUR before version 2 holds a MONTHLY line whole on its first day: the
    # file is read again (Ingestor.reader_changes) and its rows replaced by the day rows
    reader_changes: ClassVar[dict[int, str]] = csv_changes({
        2: "a line item over several whole days is spread over those days; before, all of it sat on its first day",
    })

    def sniff(self, head: bytes, name: str) -> bool:
        return header_has(
            head, "line_item_usage_type", "line_item_unblended_cost", "line_item_usage_start_date"
        ) or header_has(head, "lineItem/UsageType", "lineItem/UnblendedCost", "lineItem/UsageStartDate")

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        c = Csv(f)
        col = {k: c.col(*names) for k, names in ALIASES.items()}
        cost = f"coalesce({dec(col['net_unblended'])}, {dec(col['unblended'])})"
        model = usage_type_model(col["usage_type"])
        token_type = (
            f"CASE WHEN regexp_matches(coalesce({col['usage_type']}, ''), '{TOKEN_MARK}') "
            f"AND coalesce({col['item_type']}, 'Usage') NOT IN ('Credit', 'Tax', 'Refund') "
            f"THEN {token_type_from_text(col['usage_type'])} END"
        )
        bedrock = (
            f"({col['product_code']} = 'AmazonBedrock' OR {col['product_code']} ILIKE '%bedrock%' "
            f"OR {col['product_name']} ILIKE '%bedrock%' OR {col['description']} ILIKE '%bedrock%')"
        )
        error = (
            "CASE WHEN _start IS NULL THEN 'line_item_usage_start_date missing or unparseable' "
            f"WHEN {cost} IS NULL THEN 'line_item_unblended_cost missing or not a number' "
            f"WHEN upper(coalesce({col['currency']}, 'USD')) <> 'USD' "
            f"THEN 'billed in ' || {col['currency']} || ', not USD' END"
        )
        aws = "'aws'"
        key = (
            f"CASE WHEN {col['line_item_id']} IS NULL THEN md5('aws' || chr(31) || raw) "
            f"ELSE {key_hash(aws, col['line_item_id'], col['time_interval'])} END"
        )
        # a line over several whole days (MONTHLY granularity, or DAILY over days) is spread over
        # them; a rejected line stays one row (its reason once in the quarantine)
        lines = f"""
        SELECT *, CASE WHEN error IS NULL THEN {spread_days("_start", "_end")} ELSE 1 END AS _n_days
        FROM (SELECT *, {error} AS error, {key} AS _key
              FROM (SELECT *, {ts_sql(col["start"])} AS _start, {ts_sql(col["end"])} AS _end
                    FROM ({c.source()}))
              WHERE {bedrock})
        """
        amount = dec(col["amount"], 6)
        # a count of tokens is split in whole tokens; another unit (1K tokens, ...) in 10^-6
        tokens = (
            f"(regexp_full_match(lower(coalesce({col['pricing_unit']}, '')), ' *tokens? *') "
            f"AND {amount} = trunc({amount}))"
        )
        quantity = f"CASE WHEN {tokens} THEN {share(amount, 0)} ELSE {share(amount, 6)} END"
        extra = (
            f"json_object('line_item_type', {col['item_type']}, 'operation', {col['operation']}, "
            f"'resource_id', {col['resource_id']}, 'region', {col['region']}, "
            f"'description', {col['description']})"
        )
        return f"""
        SELECT source_line, raw, error,
          {EVENT_ID_FIRST_DAY_KEEPS_KEY} AS event_id,
          {SPREAD_TS} AS ts,
          {SPREAD_END} AS bucket_end,
          'aws' AS provider,
          {model} AS model,
          {col["account"]} AS project,
          {col["principal"]} AS api_key,
          {col["usage_type"]} AS line_item,
          {token_type} AS token_type,
          CASE WHEN _n_days = 1 THEN {amount} ELSE {quantity} END AS quantity,
          {col["pricing_unit"]} AS unit,
          {share(cost, 12)} AS cost_usd,
          {share(dec(col["unblended"]), 12)} AS list_cost_usd,
          upper(coalesce({col["currency"]}, 'USD')) AS currency,
          {share(cost, 12)} AS billed_amount,
          CASE WHEN _n_days = 1 THEN {extra}
               ELSE json_merge_patch({extra}, json_object('usage_period_days', _n_days)) END AS extra
        FROM ({days(lines)})
        """
