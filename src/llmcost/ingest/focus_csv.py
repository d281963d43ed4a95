"""FinOps FOCUS 1.x cost-and-usage CSV (any FinOps tool's or cloud's FOCUS export), AI rows into `costs`.

Why: FOCUS is the one cross-cloud billing schema (AWS, Azure, Google, OCI and FinOps tools export
it), so supporting it lets any of their exports come in without a dedicated reader.

Field mapping (formats-provider-exports.md 6; FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec
`specification/columns/*.md` at v1.2; 1.3 names accepted where they replace 1.2 ones):

- only AI rows are read: ServiceCategory `AI and Machine Learning`, or a ServiceName naming
  Bedrock / OpenAI / Vertex / Gemini / Anthropic.
- ChargePeriodStart (inclusive) / ChargePeriodEnd (exclusive), ISO 8601 UTC -> ts, bucket_end.
- BilledCost (invoice basis) -> cost_usd when BillingCurrency is USD (else quarantined);
  ListCost -> list_cost_usd; BilledCost, BillingCurrency -> billed_amount, currency.
- ConsumedQuantity, ConsumedUnit -> quantity, unit (null for non-usage rows).
- ServiceProviderName (1.3) else ProviderName -> provider (AWS -> aws, Microsoft -> azure,
  Google -> google, others lower-cased).
- SkuMeter (else ChargeDescription) -> line_item; token_type from SkuMeter / ChargeDescription
  (cache read / cached, cache write, output, input) for Usage rows; model from the AWS usage type
  (x_UsageType, else SkuMeter) or the Azure meter name, as the CUR and Azure readers parse them.
- SubAccountName (else SubAccountId) -> project; ChargeCategory, ServiceName, RegionId, ResourceId,
  SkuId, PricingUnit, Tags -> extra.

FOCUS has no row id: event_id = md5 of the charge's identity columns; grain 'bucket' so a
re-exported period replaces the earlier rows.
"""

from __future__ import annotations

from llmcost.ingest import IngestContext, Ingestor, InputFile, register, ts_sql
from llmcost.ingest._exports import Csv, dec, header_has, key_hash, token_type_from_text
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
    "x_UsageType",
)


@register
class FocusCsv(Ingestor):
    name = "focus_csv"
    title = "FinOps FOCUS 1.x cost and usage CSV (AWS, Azure, Google, FinOps tools), AI rows"
    obtain = (
        "AWS Data Exports 'FOCUS', Azure Cost Management 'FOCUS cost' export, Google's BigQuery FOCUS "
        "view, or "
        "your FinOps tool's FOCUS export, saved as CSV."
    )
    table = "costs"
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        return header_has(head, "BilledCost", "ChargePeriodStart", "ChargeCategory")

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        c = Csv(f)
        col = {n: c.col(n) for n in (*IDENTITY, *OTHER)}
        col["provider"] = c.col("ServiceProviderName", "ProviderName")
        p = f"lower({col['provider']})"
        provider = (
            f"CASE WHEN {p} LIKE '%amazon%' OR {p} LIKE 'aws%' THEN 'aws' "
            f"WHEN {p} LIKE '%microsoft%' OR {p} LIKE '%azure%' THEN 'azure' "
            f"WHEN {p} LIKE '%google%' THEN 'google' ELSE {p} END"
        )
        meter_text = f"concat_ws(' ', {col['SkuMeter']}, {col['ChargeDescription']})"
        usage_type = f"coalesce({col['x_UsageType']}, {col['SkuMeter']})"
        model = (
            f"CASE WHEN _provider = 'aws' THEN {usage_type_model(usage_type)} "
            f"WHEN _provider = 'azure' THEN {meter_model(col['SkuMeter'])} END"
        )
        tags = f"CASE WHEN json_valid({col['Tags']}) THEN json({col['Tags']}) END"
        usd = f"upper(coalesce({col['BillingCurrency']}, 'USD')) = 'USD'"
        ai = (
            f"({col['ServiceCategory']} = 'AI and Machine Learning' OR "
            f"regexp_matches(lower(coalesce({col['ServiceName']}, '')), "
            "'bedrock|openai|vertex|gemini|anthropic'))"
        )
        return f"""
        SELECT source_line, raw,
          CASE WHEN _start IS NULL THEN 'ChargePeriodStart missing or unparseable'
               WHEN {dec(col["BilledCost"])} IS NULL THEN 'BilledCost missing or not a number'
               WHEN NOT {usd} THEN 'billed in ' || {col["BillingCurrency"]} || ', not USD'
          END AS error,
          {key_hash("_provider", *(col[k] for k in IDENTITY))} AS event_id,
          _start AS ts,
          {ts_sql(col["ChargePeriodEnd"])} AS bucket_end,
          _provider AS provider,
          {model} AS model,
          coalesce({col["SubAccountName"]}, {col["SubAccountId"]}) AS project,
          coalesce({col["SkuMeter"]}, {col["ChargeDescription"]}) AS line_item,
          CASE WHEN coalesce({col["ChargeCategory"]}, 'Usage') = 'Usage'
               THEN {token_type_from_text(meter_text)} END
            AS token_type,
          {dec(col["ConsumedQuantity"], 6)} AS quantity,
          {col["ConsumedUnit"]} AS unit,
          {dec(col["BilledCost"])} AS cost_usd,
          {dec(col["ListCost"])} AS list_cost_usd,
          upper(coalesce({col["BillingCurrency"]}, 'USD')) AS currency,
          {dec(col["BilledCost"])} AS billed_amount,
          json_object('charge_category', {col["ChargeCategory"]}, 'service', {col["ServiceName"]},
                      'region', {col["RegionId"]}, 'resource_id', {col["ResourceId"]},
                      'sku_id', {col["SkuId"]},
                      'pricing_unit', {col["PricingUnit"]}, 'tags', {tags}) AS extra
        FROM (SELECT *, {ts_sql(col["ChargePeriodStart"])} AS _start, {provider} AS _provider
              FROM ({c.source()}))
        WHERE {ai}
        """
