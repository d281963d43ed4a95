"""OpenAI usage dashboard cost CSV export (`cost_<from>_<to>.csv`), into the `costs` table.

Why: the dashboard's cost export is the Costs API flattened, for users without an Admin key.

Field mapping (formats-provider-exports.md 1.3; header from wanlonghenry/aiecon
`examples/openai_dashboard_cost_to_aiecon.py`; the older 10-column header also works since columns
are read by name):

- start_time, end_time (Unix s) -> ts, bucket_end; the *_iso copies (with or without `+00:00`)
  are ignored.
- amount_value (a long decimal string) -> cost_usd as DECIMAL; amount_currency -> currency
  (non-USD is quarantined).
- line_item (quoted when it holds a comma) -> line_item, with model / token_type parsed as for the
  Costs API; quantity, quantity_unit -> quantity, unit; project_id, api_key_id -> project, api_key.
- project_name, organization_name, user_email and organization_id are personal or display data:
  dropped on ingest (only user_id is kept, in extra).
- empty days (rows with only the time columns) are skipped.

event_id equals the Costs API's for the same bucket and group. A row with empty project_id,
api_key_id, line_item and user_id beside grouped rows of the same day is an org total:
quarantined, never added to the per-project rows.
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, register
from llmcost.ingest._exports import Csv, dec, header_has, key_hash
from llmcost.ingest._records import csv_changes
from llmcost.ingest.openai_costs_api_json import GROUP_KEYS, line_item_parts


@register
class OpenAICostDashboardCsv(Ingestor):
    name = "openai_cost_dashboard_csv"
    reader_changes: ClassVar[dict[int, str]] = csv_changes()
    title = "OpenAI usage dashboard cost export (cost_<from>_<to>.csv)"
    obtain = "platform.openai.com -> Usage -> Cost tab -> Export."
    table = "costs"
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        return header_has(head, "start_time", "end_time", "amount_value", "line_item")

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        c = Csv(f)
        col = {
            k: c.col(k)
            for k in (
                *GROUP_KEYS,
                "start_time",
                "end_time",
                "amount_value",
                "amount_currency",
                "quantity",
                "quantity_unit",
            )
        }
        parts = line_item_parts(col["line_item"])
        all_null = " AND ".join(f"{col[k]} IS NULL" for k in GROUP_KEYS)
        return f"""
        SELECT source_line, raw,
          CASE WHEN _start IS NULL OR _end IS NULL THEN 'start_time/end_time missing or not Unix seconds'
               WHEN {dec(col["amount_value"])} IS NULL THEN 'amount_value is not a number'
               WHEN lower(coalesce({col["amount_currency"]}, 'usd')) <> 'usd'
                 THEN 'amount in ' || {col["amount_currency"]} || ', not USD: convert before loading'
               WHEN _org AND _grouped_beside
                 THEN 'organisation-wide total beside per-project rows for the same day (not counted twice)'
          END AS error,
          {key_hash("'openai'", "'costs'", "_start", "_end - _start", *(col[k] for k in GROUP_KEYS))}
            AS event_id,
          make_timestamptz(_start * 1000000) AS ts,
          make_timestamptz(_end * 1000000) AS bucket_end,
          'openai' AS provider,
          {parts["model"]} AS model,
          {col["project_id"]} AS project,
          {col["api_key_id"]} AS api_key,
          {col["line_item"]} AS line_item,
          {parts["token_type"]} AS token_type,
          {dec(col["quantity"], 6)} AS quantity,
          {col["quantity_unit"]} AS unit,
          {dec(col["amount_value"])} AS cost_usd,
          upper(coalesce({col["amount_currency"]}, 'usd')) AS currency,
          {dec(col["amount_value"])} AS billed_amount,
          json_object('service_tier', {parts["tier"]}, 'org_total', _org, 'user_id', {col["user_id"]})
            AS extra
        FROM (
          SELECT *, ({all_null}) AS _org,
                 bool_or(NOT ({all_null})) OVER (PARTITION BY _start, _end) AS _grouped_beside
          FROM (SELECT *, TRY_CAST(TRY_CAST({col["start_time"]} AS DOUBLE) AS BIGINT) AS _start,
                          TRY_CAST(TRY_CAST({col["end_time"]} AS DOUBLE) AS BIGINT) AS _end
                FROM ({c.source()}))
          WHERE {col["amount_value"]} IS NOT NULL
        )
        """
