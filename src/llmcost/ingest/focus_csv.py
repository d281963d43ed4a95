"""FinOps FOCUS 1.x cost-and-usage CSV (any FinOps tool's or cloud's FOCUS export), AI rows.

Why: FOCUS is the one cross-cloud billing schema (AWS, Azure, Google, OCI and FinOps tools export
it), so supporting it lets any of their exports come in without a dedicated reader. Its AI rows
carry both the billed money and the tokens consumed: the money goes to `costs` (this reader) and
the tokens, by kind, to `usage` as provider buckets (`FocusCsvTokens`, derived from the same
file), so totals, the cache section and the forecast see them.

Field mapping (formats-provider-exports.md 6; FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec
`specification/columns/*.md` at v1.2; 1.3 names accepted where they replace 1.2 ones):

- only AI rows are read: ServiceCategory `AI and Machine Learning`, or a ServiceName naming
  Bedrock / OpenAI / Vertex / Gemini / Anthropic.
- ChargePeriodStart (inclusive) / ChargePeriodEnd (exclusive), ISO 8601 UTC -> ts, bucket_end.
- BilledCost (invoice basis) -> cost_usd when BillingCurrency is USD; in another currency the USD
  amount Microsoft's FOCUS export states beside it (x_BilledCostInUsd, x_ListCostInUsd; Cost
  Management FOCUS schema), else the row is quarantined; ListCost -> list_cost_usd; BilledCost,
  BillingCurrency -> billed_amount, currency.
- ConsumedQuantity, ConsumedUnit -> quantity, unit (null for non-usage rows).
- ServiceProviderName (1.3) else ProviderName -> provider (AWS -> aws, Microsoft -> azure,
  Google -> google, others lower-cased).
- SkuPriceDetails (KeyValueFormat JSON; `specification/columns/skupricedetails.md`): the spec's
  own AI samples state the model and the token kind there (`specification/data/ai_prompt_caching/
  ai_prompt_caching_a.csv` at 344e5cec, `ai_prompt_caching_b.csv`, `ai_model_billing/
  multi_model_usage.csv` at 2b6a03ed):
  - `ModelId` -> model;
  - `TokenDirection` `Output` -> output; `Input` with `TokenCacheAction` `Read` -> cache_read,
    `Write` -> cache_write (cache_write_1h when the meter says 1 hour), `Uncached` or absent ->
    input (in ai_prompt_caching_b an Input row without TokenCacheAction is billed at the full
    input rate beside a separate cache-read row: it is the uncached input).
  Without them: token_type from SkuMeter / ChargeDescription (cache read / cached, cache write,
  output, input) for Usage rows; model from the AWS usage type (x_UsageType, else SkuMeter) or
  the Azure meter name, as the CUR and Azure readers parse them.
- SkuMeter (else ChargeDescription) -> line_item; SubAccountName (else SubAccountId) -> project;
  ChargeCategory, ServiceName, RegionId, ResourceId, SkuId, PricingUnit, Tags -> extra.
- Tokens (`FocusCsvTokens`, into `usage`): Usage rows with a token kind whose ConsumedUnit is
  `Tokens` (or `<N> Tokens`, UnitFormat `specification/attributes/unit_format.md`): tokens =
  ConsumedQuantity x N, into the column of their kind. FOCUS has no request count:
  request_count = 0, requests_known = false (and extra.requests_known). cache_known is true when
  SkuPriceDetails states TokenDirection (the export then tells uncached input, cache reads and writes apart);
  AWS / Azure meter rows without it leave cache unknown. Negative quantities (corrections) stay
  in `costs` only.

Dates: a charge whose ChargePeriod covers whole UTC days, more than one and at most 366 (a
month, typically), is spread evenly over those days, one row per day with `bucket_end` the next
midnight: money is split exactly in units of 10^-12 USD (quantity in 10^-6, tokens in tokens),
the first days taking one extra unit each until the remainder is used, so the day rows add up to
the billed amount exactly and daily spend and the forecast see a month's charge as a month, not
a one-day spike. Other periods (an hour, a day, unaligned) stay one row at ChargePeriodStart.
The day rows of one charge share its `source_line`; each counts as a row read.

FOCUS has no row id: event_id = md5 of the charge's identity columns (and the day for a spread
charge); grain 'bucket' so a re-exported period replaces the earlier rows.
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, register, ts_sql
from llmcost.ingest._exports import (
    EVENT_ID,
    SPREAD_END,
    SPREAD_TS,
    Csv,
    days,
    dec,
    header_has,
    int_share,
    key_hash,
    share,
    spread_days,
    token_type_from_text,
)
from llmcost.ingest._records import csv_changes
from llmcost.ingest.aws_cur_bedrock_csv import usage_type_model
from llmcost.ingest.azure_cost_details_csv import meter_model

IDENTITY = (
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "BillingAccountId",
    "SubAccountId",
    "ResourceId",
    "SkuId",
    "SkuPriceId",
    "SkuMeter",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "PricingCategory",
    "CommitmentDiscountId",
    "RegionId",
    "Tags",
)
OTHER = (
    "BilledCost",
    "ListCost",
    "BillingCurrency",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ServiceCategory",
    "ServiceName",
    "SubAccountName",
    "PricingUnit",
    "SkuPriceDetails",
    "x_UsageType",
    "x_BilledCostInUsd",
    "x_ListCostInUsd",
)


def _lines(f: InputFile) -> str:
    """SQL: one row per AI line of the export, parsed once for both readers (before spreading)."""
    c = Csv(f)
    col = {n: c.col(n) for n in (*IDENTITY, *OTHER)}
    col["provider"] = c.col("ServiceProviderName", "ProviderName")
    p = f"lower({col['provider']})"
    provider = (
        f"CASE WHEN {p} LIKE '%amazon%' OR {p} LIKE 'aws%' THEN 'aws' "
        f"WHEN {p} LIKE '%microsoft%' OR {p} LIKE '%azure%' THEN 'azure' "
        f"WHEN {p} LIKE '%google%' THEN 'google' ELSE {p} END"
    )
    details = f"CASE WHEN json_valid({col['SkuPriceDetails']}) THEN {col['SkuPriceDetails']} END"
    meter_text = f"concat_ws(' ', {col['SkuMeter']}, {col['ChargeDescription']})"
    usage_type = f"coalesce({col['x_UsageType']}, {col['SkuMeter']})"
    model = (
        "coalesce(nullif(trim(_details ->> 'ModelId'), ''), "
        f"CASE WHEN _provider = 'aws' THEN {usage_type_model(usage_type)} "
        f"WHEN _provider = 'azure' THEN {meter_model(col['SkuMeter'])} END)"
    )
    from_text = token_type_from_text(meter_text)
    action = "lower(coalesce(_details ->> 'TokenCacheAction', ''))"
    token_type = (
        f"CASE WHEN coalesce({col['ChargeCategory']}, 'Usage') <> 'Usage' THEN NULL "
        "WHEN lower(_direction) = 'output' THEN 'output' "
        f"WHEN lower(_direction) = 'input' THEN CASE WHEN {action} = 'read' THEN 'cache_read' "
        f"  WHEN {action} = 'write' THEN CASE WHEN {from_text} = 'cache_write_1h' THEN 'cache_write_1h' "
        "    ELSE 'cache_write' END "
        "  ELSE 'input' END "
        f"ELSE {from_text} END"
    )
    unit = f"lower(trim(coalesce({col['ConsumedUnit']}, '')))"
    per_unit = f"coalesce(TRY_CAST(nullif(regexp_extract({unit}, '^([0-9]+)', 1), '') AS BIGINT), 1)"
    quantity = dec(col["ConsumedQuantity"], 6)
    tokens = (
        f"CASE WHEN regexp_full_match({unit}, '([0-9]+ *)?tokens?') "
        f"THEN TRY_CAST(round(CAST({quantity} AS DOUBLE) * {per_unit}) AS BIGINT) END"
    )
    tags = f"CASE WHEN json_valid({col['Tags']}) THEN json({col['Tags']}) END"
    usd = f"upper(coalesce({col['BillingCurrency']}, 'USD')) = 'USD'"
    # another billing currency: Microsoft's FOCUS export states the USD amounts beside it
    cost = f"CASE WHEN {usd} THEN {dec(col['BilledCost'])} ELSE {dec(col['x_BilledCostInUsd'])} END"
    list_cost = f"CASE WHEN {usd} THEN {dec(col['ListCost'])} ELSE {dec(col['x_ListCostInUsd'])} END"
    ai = (
        f"({col['ServiceCategory']} = 'AI and Machine Learning' OR "
        f"regexp_matches(lower(coalesce({col['ServiceName']}, '')), "
        "'bedrock|openai|vertex|gemini|anthropic'))"
    )
    return f"""
        SELECT source_line, raw, _start, _end, _provider,
          CASE WHEN _start IS NULL THEN 'ChargePeriodStart missing or unparseable'
               WHEN {dec(col["BilledCost"])} IS NULL THEN 'BilledCost missing or not a number'
               WHEN {cost} IS NULL THEN 'billed in ' || {col["BillingCurrency"]}
                 || ', not USD, and no x_BilledCostInUsd: export in USD or with the USD columns'
          END AS error,
          {spread_days("_start", "_end")} AS _n_days,
          {key_hash("_provider", *(col[k] for k in IDENTITY))} AS _key,
          {model} AS model,
          coalesce({col["SubAccountName"]}, {col["SubAccountId"]}) AS project,
          coalesce({col["SkuMeter"]}, {col["ChargeDescription"]}) AS line_item,
          {token_type} AS token_type,
          _direction IS NOT NULL AS _explicit_tokens,
          {quantity} AS quantity,
          {col["ConsumedUnit"]} AS unit,
          {tokens} AS _tokens,
          {cost} AS cost_usd,
          {list_cost} AS list_cost_usd,
          {dec(col["BilledCost"])} AS billed_amount,
          upper(coalesce({col["BillingCurrency"]}, 'USD')) AS currency,
          {col["ChargeCategory"]} AS charge_category,
          {col["ServiceName"]} AS service,
          {col["RegionId"]} AS region,
          {col["ResourceId"]} AS resource_id,
          {col["SkuId"]} AS sku_id,
          {col["PricingUnit"]} AS pricing_unit,
          {tags} AS tags
        FROM (SELECT *, {ts_sql(col["ChargePeriodStart"])} AS _start, {ts_sql(col["ChargePeriodEnd"])} AS _end,
                     {provider} AS _provider, _details ->> 'TokenDirection' AS _direction
              FROM (SELECT *, {details} AS _details FROM ({c.source()})))
        WHERE {ai}
    """


class FocusCsvTokens(Ingestor):
    """The token quantities of a FOCUS export's AI usage lines, as usage buckets (derived from the
    file `focus_csv` reads; never detected on its own)."""

    name = "focus_csv"
    reader_changes: ClassVar[dict[int, str]] = csv_changes()
    title = "FinOps FOCUS token quantities (derived from focus_csv)"
    table = "usage"
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        return False

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        def kind(*types: str) -> str:
            names = ", ".join(f"'{t}'" for t in types)
            return f"CASE WHEN token_type IN ({names}) THEN _t ELSE 0 END"

        t = int_share("_tokens")
        rows = days(_lines(f), "error IS NULL AND token_type IS NOT NULL AND _tokens > 0")
        return f"""
        SELECT source_line, raw, NULL AS error,
          {EVENT_ID} AS event_id,
          {SPREAD_TS} AS ts,
          {SPREAD_END} AS bucket_end,
          _provider AS provider, model, project,
          0 AS request_count,
          false AS requests_known,
          {kind("input")} AS input_tokens,
          {kind("cache_read")} AS cache_read_tokens,
          {kind("cache_write", "cache_write_1h")} AS cache_write_tokens,
          {kind("cache_write_1h")} AS cache_write_1h_tokens,
          {kind("output")} AS output_tokens,
          0 AS reasoning_tokens,
          _explicit_tokens AS cache_known,
          json_object('requests_known', false, 'token_type', token_type, 'line_item', line_item,
                      'sku_id', sku_id, 'charge_period_days', _n_days) AS extra
        FROM (SELECT *, {t} AS _t FROM ({rows}))
        """


@register
class FocusCsv(Ingestor):
    name = "focus_csv"
    reader_changes: ClassVar[dict[int, str]] = csv_changes()
    title = "FinOps FOCUS 1.x cost and usage CSV or Parquet (AWS, Azure, Google, FinOps tools), AI rows"
    obtain = (
        "AWS Data Exports 'FOCUS', Azure Cost Management 'FOCUS cost' export, Google's BigQuery FOCUS "
        "view, or "
        "your FinOps tool's FOCUS export, as CSV or Parquet."
    )
    table = "costs"
    grain = "bucket"
    derived = (FocusCsvTokens(),)

    def sniff(self, head: bytes, name: str) -> bool:
        return header_has(head, "BilledCost", "ChargePeriodStart", "ChargeCategory")

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        # a rejected line stays one row (its reason once in the quarantine), a good one is spread
        spread = "CASE WHEN error IS NULL THEN _n_days ELSE 1 END"
        rows = days(f"SELECT * REPLACE ({spread} AS _n_days) FROM ({_lines(f)})")
        return f"""
        SELECT source_line, raw, error,
          {EVENT_ID} AS event_id,
          {SPREAD_TS} AS ts,
          {SPREAD_END} AS bucket_end,
          _provider AS provider, model, project, line_item, token_type,
          {share("quantity", 6)} AS quantity,
          unit,
          {share("cost_usd", 12)} AS cost_usd,
          {share("list_cost_usd", 12)} AS list_cost_usd,
          currency,
          {share("billed_amount", 12)} AS billed_amount,
          json_object('charge_category', charge_category, 'service', service, 'region', region,
                      'resource_id', resource_id, 'sku_id', sku_id, 'pricing_unit', pricing_unit,
                      'tags', tags, 'charge_period_days', _n_days) AS extra
        FROM ({rows})
        """
