"""Claude Console usage page CSV export (`claude_api_tokens_<from>_to_<to>.csv`), into `usage`.

Why: the Console export is how most teams without an Admin key get org-wide token counts.

Field mapping (formats-provider-exports.md 2.4; header from wanlonghenry/aiecon
`examples/anthropic_console_usage_to_aiecon.py` and `tests/unit/test_console_exports.py`):

- usage_date_utc (YYYY-MM-DD, UTC day) -> ts; bucket_end = ts + 1 day.
- usage_input_tokens_no_cache -> input_tokens; usage_input_tokens_cache_read ->
  cache_read_tokens; usage_input_tokens_cache_write_5m + _1h -> cache_write_tokens (the 1h part
  -> cache_write_1h_tokens); older exports have one usage_input_tokens_cache_write column (no split);
  usage_output_tokens -> output_tokens. Thousands separators are stripped.
- model_version -> model; workspace (a NAME) -> project; api_key (a NAME) -> api_key;
  usage_type (standard, batch) -> service_tier, batch (service_tier 'fast' where speed is `fast`:
  fast mode, priced at its own price); context_window (display text such as
  `≤ 200k`), web_search_count, inference_geo, speed -> extra; web_search_count also ->
  web_search_calls (priced per search).
- no request count in the export: request_count = 0, requests_known = false (not stated, not zero).

event_id = md5('anthropic', 'console_usage', day, every dimension incl. NULLs); grain 'bucket' so
a later export of the same days replaces the earlier rows. The export uses names where the Admin
API uses ids, so do not load both for the same days (they would not deduplicate).
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import (
    FAST_MODE_CHANGE,
    GEO_CHANGE,
    IngestContext,
    Ingestor,
    InputFile,
    anthropic_geo_sql,
    anthropic_tier_sql,
    register,
)
from llmcost.ingest._exports import Csv, bad_count, count, header_has, key_hash
from llmcost.ingest._records import csv_changes

DIMENSIONS = (
    "model_version",
    "api_key",
    "workspace",
    "usage_type",
    "context_window",
    "inference_geo",
    "speed",
)
COUNTS = (
    "usage_input_tokens_no_cache",
    "usage_input_tokens_cache_write_5m",
    "usage_input_tokens_cache_write_1h",
    "usage_input_tokens_cache_write",
    "usage_input_tokens_cache_read",
    "usage_output_tokens",
    "web_search_count",
)


@register
class AnthropicConsoleUsageCsv(Ingestor):
    name = "anthropic_console_usage_csv"
    reader_changes: ClassVar[dict[int, str]] = {**csv_changes(), 4: FAST_MODE_CHANGE, 5: GEO_CHANGE}
    title = "Claude Console usage export (claude_api_tokens_<from>_to_<to>.csv)"
    obtain = "console.anthropic.com (platform.claude.com) -> Usage -> Export -> CSV."
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        return header_has(head, "usage_date_utc", "usage_input_tokens_no_cache", "usage_output_tokens")

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        c = Csv(f)
        col = {k: c.col(k) for k in ("usage_date_utc", *DIMENSIONS, *COUNTS)}
        w5m = f"coalesce({count(col['usage_input_tokens_cache_write_5m'])}, 0)"
        w1h = f"coalesce({count(col['usage_input_tokens_cache_write_1h'])}, 0)"
        wall = count(col["usage_input_tokens_cache_write"])
        bad = " OR ".join(bad_count(col[k]) for k in COUNTS)
        date = f"CAST(TRY_CAST({col['usage_date_utc']} AS DATE) AS VARCHAR)"
        day = f"TRY_CAST({date} || ' 00:00:00+00' AS TIMESTAMPTZ)"
        return f"""
        SELECT source_line, raw,
          CASE WHEN _day IS NULL THEN 'usage_date_utc missing or not YYYY-MM-DD'
               WHEN {bad} THEN 'non-numeric or non-integer token count'
          END AS error,
          {key_hash("'anthropic'", "'console_usage'", "_day", *(col[k] for k in DIMENSIONS))} AS event_id,
          'bucket' AS grain,
          _day AS ts,
          _day + INTERVAL 1 DAY AS bucket_end,
          'anthropic' AS provider,
          {col["model_version"]} AS model,
          {col["workspace"]} AS project,
          {col["api_key"]} AS api_key,
          0 AS request_count,
          false AS requests_known,
          coalesce({count(col["usage_input_tokens_no_cache"])}, 0) AS input_tokens,
          coalesce({count(col["usage_input_tokens_cache_read"])}, 0) AS cache_read_tokens,
          coalesce({wall}, {w5m} + {w1h}) AS cache_write_tokens,
          CASE WHEN {wall} IS NULL THEN {w1h} ELSE 0 END AS cache_write_1h_tokens,
          coalesce({count(col["usage_output_tokens"])}, 0) AS output_tokens,
          0 AS reasoning_tokens,
          true AS cache_known,
          lower({col["usage_type"]}) = 'batch' AS batch,
          {anthropic_tier_sql(col["speed"], f'lower({col["usage_type"]})')} AS service_tier,
          {anthropic_geo_sql(col["inference_geo"])} AS inference_geo,
          {count(col["web_search_count"])} AS web_search_calls,
          json_object('context_window', {col["context_window"]}, 'inference_geo', {col["inference_geo"]},
                      'speed', {col["speed"]}, 'web_search_requests', {count(col["web_search_count"])},
                      'requests_known', false) AS extra
        FROM (SELECT *, {day} AS _day FROM ({c.source()}))
        """
