"""Claude Console cost page CSV export (`claude_api_cost_<from>_to_<to>.csv`), into `costs`.

Why: billed dollars per day, model, workspace and token type for teams without an Admin key.

Field mapping (formats-provider-exports.md 2.4; header from a public test in
axigatelabs/axigate-finops, "real column order"; also seen without the last two columns):

- usage_date_utc -> ts (UTC day), bucket_end = ts + 1 day.
- cost_usd is DOLLARS here (the Admin API uses cents) -> cost_usd as DECIMAL; list_price_usd ->
  list_cost_usd.
- model is a DISPLAY name (`Claude Haiku 4.5`): model = lower-case with spaces and dots as dashes
  (`claude-haiku-4-5`, the API alias); the display name is kept in extra.
- token_type: input_no_cache -> input, output -> output, input_cache_read -> cache_read,
  input_cache_write_5m -> cache_write, input_cache_write_1h -> cache_write_1h (NULL for web
  search and other non-token rows).
- workspace (a name) -> project; api_key_id (else api_key, a name) -> api_key; usage_type,
  context_window, cost_type (`token`), inference_geo, speed -> extra. The many $0.00 rows are kept.

event_id = md5('anthropic', 'console_cost', day, every dimension incl. NULLs); grain 'bucket'.
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, register
from llmcost.ingest._exports import Csv, dec, header_has, key_hash
from llmcost.ingest._records import csv_changes

DIMENSIONS = (
    "model",
    "workspace",
    "api_key",
    "api_key_id",
    "usage_type",
    "context_window",
    "token_type",
    "cost_type",
    "inference_geo",
    "speed",
)
TOKEN_TYPES = {
    "input_no_cache": "input",
    "output": "output",
    "input_cache_read": "cache_read",
    "input_cache_write_5m": "cache_write",
    "input_cache_write_1h": "cache_write_1h",
    "input_cache_write": "cache_write",
}


@register
class AnthropicConsoleCostCsv(Ingestor):
    name = "anthropic_console_cost_csv"
    reader_changes: ClassVar[dict[int, str]] = csv_changes()
    title = "Claude Console cost export (claude_api_cost_<from>_to_<to>.csv; dollars)"
    obtain = "console.anthropic.com (platform.claude.com) -> Cost -> Export -> CSV."
    table = "costs"
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        return header_has(head, "usage_date_utc", "model", "token_type", "cost_usd")

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        c = Csv(f)
        col = {k: c.col(k) for k in ("usage_date_utc", "cost_usd", "list_price_usd", *DIMENSIONS)}
        tt = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in TOKEN_TYPES.items())
        date = f"CAST(TRY_CAST({col['usage_date_utc']} AS DATE) AS VARCHAR)"
        day = f"TRY_CAST({date} || ' 00:00:00+00' AS TIMESTAMPTZ)"
        model = f"regexp_replace(lower({col['model']}), '[ .]+', '-', 'g')"
        return f"""
        SELECT source_line, raw,
          CASE WHEN _day IS NULL THEN 'usage_date_utc missing or not YYYY-MM-DD'
               WHEN {dec(col["cost_usd"])} IS NULL THEN 'cost_usd missing or not a number'
          END AS error,
          {key_hash("'anthropic'", "'console_cost'", "_day", *(col[k] for k in DIMENSIONS))} AS event_id,
          _day AS ts,
          _day + INTERVAL 1 DAY AS bucket_end,
          'anthropic' AS provider,
          {model} AS model,
          {col["workspace"]} AS project,
          coalesce({col["api_key_id"]}, {col["api_key"]}) AS api_key,
          concat_ws(' ', {col["model"]}, {col["token_type"]}, {col["cost_type"]}) AS line_item,
          CASE lower({col["token_type"]}) {tt} END AS token_type,
          {dec(col["cost_usd"])} AS cost_usd,
          {dec(col["list_price_usd"])} AS list_cost_usd,
          'USD' AS currency,
          {dec(col["cost_usd"])} AS billed_amount,
          json_object('model_display', {col["model"]}, 'usage_type', {col["usage_type"]},
                      'context_window', {col["context_window"]}, 'cost_type', {col["cost_type"]},
                      'inference_geo', {col["inference_geo"]}, 'speed', {col["speed"]}) AS extra
        FROM (SELECT *, {day} AS _day FROM ({c.source()}))
        """
