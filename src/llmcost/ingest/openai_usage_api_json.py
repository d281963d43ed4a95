"""OpenAI Organization Usage API pages (`GET /v1/organization/usage/{kind}`) saved as JSON.

Why: the Usage API is the org-wide truth for token volumes (every key, every app), where request
logs only see the apps that log. One row per bucket x group becomes one `usage` bucket row.

Field mapping (formats-provider-exports.md 1.1; openai/openai-openapi `UsageCompletionsResult`,
commit 535f5dc of 2026-07-15 for the current completions field set):

- envelope: page `{data: [bucket]}`, bucket `{start_time, end_time, results: [result]}` (Unix s,
  UTC, end exclusive) -> ts, bucket_end. Empty buckets (`results: []`) give no rows.
- kind: `result.object` = `organization.usage.<kind>.result` (file search / web search use
  `file_searches` / `web_searches`).
- completions, current set (has `input_uncached_tokens`): input_tokens = input_uncached_tokens,
  cache_read_tokens = input_cached_tokens, cache_write_tokens = input_cache_write_tokens.
- completions, pre-2026-07 set: input_tokens INCLUDES cached -> input = input_tokens -
  input_cached_tokens (no cache-write field existed). Never input_tokens + input_cached_tokens.
- output_tokens -> output_tokens (reasoning is inside and not broken out: reasoning_tokens = 0).
- num_model_requests -> request_count (file_search_calls: num_requests).
- embeddings / moderations: input_tokens (no cache) -> input_tokens.
- images (images, size, source), audio_speeches (characters), audio_transcriptions (seconds),
  web_search_calls (num_requests, context_level), vector_stores (usage_bytes),
  code_interpreter_sessions (num_sessions): counts kept in `extra`; kinds without a request count
  store request_count = 0.
- group fields (non-null only when grouped): project_id -> project, user_id, api_key_id ->
  api_key, model, batch, service_tier; size, source, context_level, vector_store_id -> extra.

event_id = md5(provider, kind, bucket start, bucket width, every group field incl. NULLs): the
same bucket in two exports is one event, and (grain 'bucket') the latest export of it wins.
An org-wide result (an ungrouped bucket: every group field NULL in all its results) beside grouped
results of the same bucket from another page of the file is quarantined, so the org total is never
added to its own breakdown; across files `extra.org_total` marks such rows for
`llmcost.document.reconcile`. An all-NULL result inside a grouped bucket (project_id NULL in a page
grouped by project: the default project) is a share of its own, and counts
(`_exports.org_total_sql`).
"""

from __future__ import annotations

import re

from llmcost.ingest import IngestContext, Ingestor, InputFile, register, text
from llmcost.ingest._exports import bad_count, count, null_group_id, org_total_sql, pages_sql

GROUP_KEYS = (
    "project_id",
    "user_id",
    "api_key_id",
    "model",
    "batch",
    "service_tier",
    "size",
    "source",
    "context_level",
    "vector_store_id",
)
COUNT_FIELDS = (
    "input_tokens",
    "input_cached_tokens",
    "input_cache_write_tokens",
    "input_uncached_tokens",
    "output_tokens",
    "num_model_requests",
    "num_requests",
    "images",
    "characters",
    "seconds",
    "usage_bytes",
    "num_sessions",
)

_USAGE_RESULT = re.compile(r'"organization\.usage\.[a-z_]+\.result"')
_BUCKET = re.compile(r'"object"\s*:\s*"bucket"')


@register
class OpenAIUsageApiJson(Ingestor):
    name = "openai_usage_api_json"
    title = "OpenAI Usage API pages (completions, embeddings, images, audio, search, ...; JSON)"
    obtain = (
        "`GET /v1/organization/usage/{completions,embeddings,...}?bucket_width=1d&group_by[]=model...` "
        "with an Admin key; save each page (or a JSON array of pages) as .json."
    )
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        s = text(head)
        if "organization.costs.result" in s:
            return False
        if _USAGE_RESULT.search(s):
            return True
        # a page whose buckets are all empty still belongs here (it simply yields no rows)
        return _BUCKET.search(s) is not None and '"results"' in s and '"start_time"' in s

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        fields = ", ".join(f"res->>'{k}' AS {k}" for k in (*GROUP_KEYS, *COUNT_FIELDS))
        src = f"""
        SELECT source_line, raw, {fields},
               regexp_extract(res->>'object', '^organization\\.usage\\.([a-z_]+)\\.result$', 1) AS kind,
               res->>'object' AS object,
               TRY_CAST(bucket->>'start_time' AS BIGINT) AS start_s,
               TRY_CAST(bucket->>'end_time' AS BIGINT) AS end_s, page_no, bi
        FROM ({pages_sql(f)})"""
        bad = " OR ".join(bad_count(k) for k in COUNT_FIELDS)
        cached = count("input_cached_tokens")
        cwrite = count("input_cache_write_tokens")
        is_tokens = "kind IN ('completions', 'embeddings', 'moderations')"
        input_expr = (
            f"CASE WHEN kind = 'completions' THEN coalesce({count('input_uncached_tokens')}, "
            f"{count('input_tokens')} - coalesce({cached}, 0) - coalesce({cwrite}, 0)) "
            f"WHEN {is_tokens} THEN {count('input_tokens')} ELSE 0 END"
        )
        counts = ", ".join(
            f"'{k}', {count(k)}"
            for k in ("images", "characters", "usage_bytes", "num_sessions", "num_requests")
        )
        # json_merge_patch onto {} drops the NULL members: each kind keeps only its own counts
        extra = (
            f"json_merge_patch('{{}}', json_object('kind', kind, 'org_total', _org, {counts}, "
            "'seconds', TRY_CAST(seconds AS DOUBLE), 'size', size, 'image_source', source, "
            "'context_level', context_level, 'vector_store_id', vector_store_id))"
        )
        return f"""
        SELECT source_line, raw,
          CASE WHEN object IS NULL OR kind = '' THEN 'not an organization.usage.*.result object'
               WHEN start_s IS NULL OR end_s IS NULL THEN 'bucket without integer start_time/end_time'
               WHEN {bad} THEN 'non-numeric count in usage result'
               WHEN _org AND _grouped_beside
                 THEN 'organisation-wide total beside grouped results for the same bucket (not counted twice)'
               WHEN kind = 'completions' AND coalesce({cached}, 0) + coalesce({cwrite}, 0) > {
            count("input_tokens")
        }
                 THEN 'cached tokens exceed input_tokens'
          END AS error,
          {
            null_group_id(
                "'openai'",
                "kind",
                "start_s",
                "end_s - start_s",
                *("lower(batch)" if k == "batch" else k for k in GROUP_KEYS),
            )
        } AS event_id,
          'bucket' AS grain,
          make_timestamptz(start_s * 1000000) AS ts,
          make_timestamptz(end_s * 1000000) AS bucket_end,
          'openai' AS provider,
          model,
          project_id AS project,
          api_key_id AS api_key,
          user_id,
          coalesce({count("num_model_requests")}, {count("num_requests")}, 0) AS request_count,
          {input_expr} AS input_tokens,
          CASE WHEN kind = 'completions' THEN coalesce({cached}, 0) ELSE 0 END AS cache_read_tokens,
          CASE WHEN kind = 'completions' THEN coalesce({cwrite}, 0) ELSE 0 END AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          CASE WHEN kind = 'completions' THEN {count("output_tokens")} ELSE 0 END AS output_tokens,
          0 AS reasoning_tokens,
          kind = 'completions' AND input_cached_tokens IS NOT NULL AS cache_known,
          lower(batch) = 'true' AS batch,
          service_tier,
          {extra} AS extra
        FROM ({org_total_sql(src, GROUP_KEYS, "kind, start_s, end_s")})
        """
