"""OpenAI usage dashboard CSV export (platform.openai.com -> Usage -> Export), into `usage` buckets.

Why: many users never call the Admin API; the dashboard's Export button gives the same numbers as
the Usage API, flattened to one CSV row per bucket x group.

Field mapping (formats-provider-exports.md 1.3; header observed in xavierjflanagan/Guardian's real
export; columns are read by name, so newer and older headers both work):

- start_time, end_time (Unix s; the *_iso copies are ignored) -> ts, bucket_end.
- counts are written as floats ("10.0"); read as integers.
- input_tokens INCLUDES cached and cache-write tokens. input_uncached_tokens -> input_tokens;
  input_cached_tokens -> cache_read_tokens; cache_write_tokens = input_cache_write_tokens when the
  column exists, else the gap input_tokens - input_cached_tokens - input_uncached_tokens (the
  observed header has no cache-write column, so writes hide in that gap). Without
  input_uncached_tokens: input = input_tokens - input_cached_tokens.
- num_model_requests -> request_count; project_id, user_id, api_key_id, model, batch
  (False/FALSE/false), service_tier as in the API.
- rows with only the time columns (empty buckets) are skipped.
- the kind comes from the file name (`<kind>_usage_<from>_<to>.csv`), completions by default.

event_id is the Usage API's (md5 of provider, kind, bucket start, width, every group key), so the
same bucket exported from the dashboard and fetched from the API is one event. A row with every
group column empty beside grouped rows of the same bucket is an org total: quarantined.
"""

from __future__ import annotations

import re
from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, register, sql_str
from llmcost.ingest._exports import Csv, bad_count, count, header_has, key_hash
from llmcost.ingest._records import csv_changes
from llmcost.ingest.openai_usage_api_json import GROUP_KEYS

TOKEN_COLS = (
    "input_tokens",
    "output_tokens",
    "input_cached_tokens",
    "input_uncached_tokens",
    "input_cache_write_tokens",
    "num_model_requests",
)


KINDS = (
    "completions",
    "embeddings",
    "moderations",
    "images",
    "audio_speeches",
    "audio_transcriptions",
    "vector_stores",
    "code_interpreter_sessions",
    "file_search_calls",
    "web_search_calls",
)


def _kind(display: str) -> str:
    m = re.search(r"(" + "|".join(KINDS) + r")_usage", display.replace("\\", "/").rsplit("/", 1)[-1])
    return m.group(1) if m else "completions"


@register
class OpenAIUsageDashboardCsv(Ingestor):
    name = "openai_usage_dashboard_csv"
    reader_changes: ClassVar[dict[int, str]] = csv_changes()
    title = "OpenAI usage dashboard export (completions_usage_<from>_<to>.csv)"
    obtain = "platform.openai.com -> Usage -> pick a range -> Export (the usage CSV, not the cost CSV)."
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        return header_has(head, "start_time", "end_time", "num_model_requests", "input_tokens")

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        c = Csv(f)
        kind = sql_str(_kind(f.display))
        col = {k: c.col(k) for k in (*GROUP_KEYS, *TOKEN_COLS, "start_time", "end_time")}
        start = f"TRY_CAST(TRY_CAST({col['start_time']} AS DOUBLE) AS BIGINT)"
        end = f"TRY_CAST(TRY_CAST({col['end_time']} AS DOUBLE) AS BIGINT)"
        total = count(col["input_tokens"])
        cached = f"coalesce({count(col['input_cached_tokens'])}, 0)"
        uncached = count(col["input_uncached_tokens"])
        if c.has("input_cache_write_tokens"):
            cwrite = f"coalesce({count(col['input_cache_write_tokens'])}, 0)"
        else:
            cwrite = f"coalesce({total} - {cached} - {uncached}, 0)"
        keys = [f"lower({col['batch']})" if k == "batch" else col[k] for k in GROUP_KEYS]
        all_null = " AND ".join(f"{col[k]} IS NULL" for k in GROUP_KEYS)
        has_counts = " OR ".join(f"{col[k]} IS NOT NULL" for k in TOKEN_COLS)
        bad = " OR ".join(bad_count(col[k]) for k in TOKEN_COLS)
        return f"""
        SELECT source_line, raw,
          CASE WHEN _start IS NULL OR _end IS NULL THEN 'start_time/end_time missing or not Unix seconds'
               WHEN {bad} THEN 'non-numeric or non-integer token count'
               WHEN _org AND _grouped_beside
                 THEN 'organisation-wide total beside grouped rows for the same bucket (not counted twice)'
               WHEN _cwrite < 0 THEN 'input_tokens smaller than cached + uncached tokens'
          END AS error,
          {key_hash("'openai'", kind, "_start", "_end - _start", *keys)} AS event_id,
          'bucket' AS grain,
          make_timestamptz(_start * 1000000) AS ts,
          make_timestamptz(_end * 1000000) AS bucket_end,
          'openai' AS provider,
          {col["model"]} AS model,
          {col["project_id"]} AS project,
          {col["api_key_id"]} AS api_key,
          {col["user_id"]} AS user_id,
          coalesce({count(col["num_model_requests"])}, 0) AS request_count,
          coalesce({uncached}, {total} - {cached} - _cwrite) AS input_tokens,
          {cached} AS cache_read_tokens,
          _cwrite AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          coalesce({count(col["output_tokens"])}, 0) AS output_tokens,
          0 AS reasoning_tokens,
          {col["input_cached_tokens"]} IS NOT NULL AS cache_known,
          lower({col["batch"]}) = 'true' AS batch,
          {col["service_tier"]} AS service_tier,
          json_object('kind', {kind}, 'org_total', _org) AS extra
        FROM (
          SELECT *, ({all_null}) AS _org,
                 bool_or(NOT ({all_null})) OVER (PARTITION BY _start, _end) AS _grouped_beside
          FROM (SELECT *, {start} AS _start, {end} AS _end, {cwrite} AS _cwrite FROM ({c.source()}))
          WHERE {has_counts}
        )
        """
