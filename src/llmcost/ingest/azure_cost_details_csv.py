"""Azure Cost Management cost details (exports / Cost Details API, CSV) rows for Azure OpenAI, into `costs`.

Why: Azure bills Azure OpenAI per meter (model x direction x deployment type) per day; this is the
billed truth for provider 'azure'.

Field mapping (formats-provider-exports.md 5.1; MCA actual-cost header of the 2025-03-01 Cost
Details API; EA casing such as `MeterCategory` / `CostInBillingCurrency` is matched case-insensitively):

- file: UTF-8 byte-order mark and CRLF line ends (both handled by the CSV reader).
- only Azure OpenAI rows are read: meterCategory / meterSubCategory naming OpenAI, or a
  Microsoft.CognitiveServices token meter; everything else in the export is skipped.
- date -> ts (UTC day), bucket_end = ts + 1 day. The reference documents `MM/DD/YYYY` for these
  CSVs (formats-provider-exports.md 5.1 "Pitfalls" and 7 "Time": month first; FOCUS exports use
  ISO); some downloads add a midnight time (`10/01/2026 00:00:00`) and newer export schemas write
  ISO (`2026-10-01`, `2026-10-01T00:00:00Z`). Those shapes are read for the day (see `DATE_SHAPES`);
  a time other than midnight or an offset other than UTC is not a daily row's date and is
  quarantined. Slash dates are month first; a file with a slash date whose first number is over
  12 was written day first, so its slash dates that read both ways (`01/10/2026`) are quarantined
  as ambiguous rather than guessed.
- costInUsd, else costInBillingCurrency when billingCurrency is USD -> cost_usd (DECIMAL);
  paygCostInUsd -> list_cost_usd; costInBillingCurrency, billingCurrency -> billed_amount, currency.
- meterName (`gpt 4o 1120 cached Inp glbl Tokens`, `GPT 5 Mini Inpt Glbl 1M Tokens`) -> model (the
  name without direction / deployment / unit words: gpt-4o-1120, gpt-5-mini) and token_type
  (cached -> cache_read, Outp -> output, Inp -> input); deployment type (global, data zone,
  regional) -> extra.
- quantity is in unitOfMeasure blocks (`1K`, `1M`): quantity and unit as stated, the token count
  (quantity x block) in extra.tokens.
- subscriptionName (else SubscriptionId) -> project; ResourceId, resourceGroupName, meterId,
  chargeType, pricingModel, tags -> extra.

event_id = md5('azure', date, meterId, ResourceId, subscription, chargeType, pricingModel,
benefitId, reservationId); grain 'bucket': open-month rows are estimates that get restated, and the
latest export of a row wins.
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, register
from llmcost.ingest._exports import Csv, dec, header_has, key_hash, token_type_from_text
from llmcost.ingest._records import csv_changes

NAMES = (
    "date",
    "meterId",
    "meterName",
    "meterCategory",
    "meterSubCategory",
    "consumedService",
    "ResourceId",
    "resourceGroupName",
    "SubscriptionId",
    "subscriptionName",
    "quantity",
    "unitOfMeasure",
    "chargeType",
    "pricingModel",
    "benefitId",
    "reservationId",
    "costInUsd",
    "paygCostInUsd",
    "costInBillingCurrency",
    "billingCurrency",
    "tags",
    "resourceLocation",
)
EA_ALIASES = {
    "billingCurrency": ("BillingCurrencyCode",),
    "subscriptionName": ("SubscriptionName",),
    "resourceGroupName": ("ResourceGroup",),
    "ResourceId": ("InstanceId",),
    "unitOfMeasure": ("UnitOfMeasure",),
}
# the `date` shapes read, each for the day it names (formats-provider-exports.md 5.1 and 7)
SLASH_DATE = "[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}( 0?0:00(:00)?)?"  # MM/DD/YYYY [00:00:00]
ISO_DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}([T ]00:00(:00(\\.0+)?)?(Z|[+-]00:?00)?)?"  # YYYY-MM-DD[T00:00:00Z]
DATE_SHAPES = "MM/DD/YYYY (month first), optionally with a 00:00:00 time, or YYYY-MM-DD, optionally T00:00:00Z"
_STRIP = (
    "cached|cache|inp|inpt|input|outp|outpt|output|glbl|gl|global|regnl|regional|rgnl|data|zone|dzone|dz|"
    "batch|tokens?|[0-9]+[km]|prvsnd|provisioned"
)


def meter_model(expr: str) -> str:
    """SQL: the model in an Azure OpenAI meter name (`gpt 4o 1120 Inp glbl Tokens` -> gpt-4o-1120).

    Meters are spelled with spaces or hyphens, both in one file (`gpt-4o-mini-0718-Inp-glbl Tokens`
    beside `gpt 4o mini 0718 cached Inp glbl Tokens`): hyphens are read as spaces, so both give
    gpt-4o-mini-0718 (cutting the words out between hyphens left `gpt-4o-mini-0718---`)."""
    words = f"replace(lower({expr}), '-', ' ')"
    stripped = f"regexp_replace({words}, '\\b({_STRIP})\\b', ' ', 'g')"
    return f"nullif(regexp_replace(trim(regexp_replace({stripped}, ' +', ' ', 'g')), ' ', '-', 'g'), '')"


@register
class AzureCostDetailsCsv(Ingestor):
    name = "azure_cost_details_csv"
    reader_changes: ClassVar[dict[int, str]] = csv_changes()
    title = "Azure Cost Management cost details CSV, Azure OpenAI meters (MCA / EA actual cost)"
    obtain = (
        "Cost Management -> Exports -> 'Cost and usage details (actual)' as CSV or Parquet to a storage account, or "
        "Cost analysis -> Download -> 'Usage details'; or the Cost Details API's report file."
    )
    table = "costs"
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        return header_has(head, "meterName", "meterCategory", "date", "quantity") and (
            header_has(head, "costInBillingCurrency") or header_has(head, "costInUsd")
        )

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        c = Csv(f)
        col = {n: c.col(n, *EA_ALIASES.get(n, ())) for n in NAMES}
        meter = f"lower({col['meterName']})"
        model = meter_model(col["meterName"])
        deployment = (
            f"CASE WHEN regexp_matches({meter}, 'data zone|dzone|\\bdz\\b') THEN 'data_zone' "
            f"WHEN regexp_matches({meter}, '\\b(glbl|gl|global)\\b') THEN 'global' "
            f"WHEN regexp_matches({meter}, '\\b(regnl|regional|rgnl)\\b') THEN 'regional' END"
        )
        block = (
            f"CASE WHEN upper({col['unitOfMeasure']}) LIKE '1M%' THEN 1000000 "
            f"WHEN upper({col['unitOfMeasure']}) LIKE '1K%' THEN 1000 ELSE 1 END"
        )
        usd = f"upper(coalesce({col['billingCurrency']}, 'USD')) = 'USD'"
        cost = (
            f"coalesce({dec(col['costInUsd'])}, CASE WHEN {usd} THEN {dec(col['costInBillingCurrency'])} END)"
        )
        d = col["date"]
        slash = f"regexp_full_match({d}, '{SLASH_DATE}')"
        first, second = (f"TRY_CAST(split_part({d}, '/', {i}) AS INTEGER)" for i in (1, 2))
        day = (
            f"CASE WHEN {slash} THEN CAST(try_strptime(split_part({d}, ' ', 1), '%m/%d/%Y') AS DATE) "
            f"WHEN regexp_full_match({d}, '{ISO_DATE}') THEN TRY_CAST(left({d}, 10) AS DATE) END"
        )
        # one slash date that is a day-first date only (`13/10/2026`) shows the file was written day
        # first (`13/45/2026` is no date either way and shows nothing)
        day_only = f"try_strptime(split_part({d}, ' ', 1), '%d/%m/%Y') IS NOT NULL"
        day_first = f"coalesce(bool_or({slash} AND {first} > 12 AND {day_only}) OVER (), false)"
        ambiguous = f"({slash} AND {day_first} AND {first} <= 12 AND {second} <= 12 AND {first} <> {second})"
        ai = (
            f"({col['meterCategory']} ILIKE '%openai%' OR {col['meterSubCategory']} ILIKE '%openai%' OR "
            f"(lower({col['consumedService']}) = 'microsoft.cognitiveservices' AND {meter} LIKE '%token%'))"
        )
        return f"""
        SELECT source_line, raw,
          CASE WHEN _date IS NULL THEN 'date missing'
               WHEN _ambiguous THEN 'date is ambiguous: this file also has day-first dates (first number '
                 || 'over 12), so MM/DD/YYYY cannot be trusted; export with month-first dates'
               WHEN _day IS NULL THEN 'date is not a day: expected {DATE_SHAPES}'
               WHEN {cost} IS NULL THEN 'no USD cost (costInUsd, or costInBillingCurrency in USD)'
          END AS error,
          {
            key_hash(
                "'azure'",
                "_day",
                col["meterId"],
                col["ResourceId"],
                col["SubscriptionId"],
                col["chargeType"],
                col["pricingModel"],
                col["benefitId"],
                col["reservationId"],
            )
        } AS event_id,
          _day AS ts,
          _day + INTERVAL 1 DAY AS bucket_end,
          'azure' AS provider,
          {model} AS model,
          coalesce({col["subscriptionName"]}, {col["SubscriptionId"]}) AS project,
          {col["meterName"]} AS line_item,
          {token_type_from_text(col["meterName"])} AS token_type,
          {dec(col["quantity"], 6)} AS quantity,
          {col["unitOfMeasure"]} AS unit,
          {cost} AS cost_usd,
          {dec(col["paygCostInUsd"])} AS list_cost_usd,
          upper(coalesce({col["billingCurrency"]}, 'USD')) AS currency,
          {dec(col["costInBillingCurrency"])} AS billed_amount,
          json_object('deployment', {deployment}, 'tokens', {dec(col["quantity"], 6)} * {block},
                      'meter_id', {col["meterId"]}, 'resource_id', {col["ResourceId"]},
                      'resource_group', {col["resourceGroupName"]}, 'charge_type', {col["chargeType"]},
                      'pricing_model', {col["pricingModel"]}, 'tags', {col["tags"]}) AS extra
        FROM (SELECT *, {d} AS _date, {ambiguous} AS _ambiguous,
                CASE WHEN NOT {ambiguous} THEN CAST(CAST({day} AS VARCHAR) || ' 00:00:00+00' AS TIMESTAMPTZ) END AS _day
              FROM ({c.source()}))
        WHERE {ai}
        """
