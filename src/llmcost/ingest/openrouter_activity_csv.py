"""OpenRouter activity export, CSV (openrouter.ai/activity -> Export), one row per generation.

Why: OpenRouter bills many providers through one account; its export is the only per-request
record of that spend for users who do not log the API responses themselves.

Field mapping (the export's header as public code that reads it spells it: CodexClawd/codexclawd
`skills/openrouter-analyzer/scripts/analyze.py` reads `generation_id, created_at` (written
`2026-02-06 18:54:30.040`, no zone), `cost_total, cost_web_search, cost_cache,
cost_file_processing, byok_usage_inference, tokens_prompt, tokens_completion, tokens_reasoning,
tokens_cached, model_permaslug, provider_name, finish_reason_normalized, generation_time_ms,
time_to_first_token_ms`; other published headers add `variant, cancelled, streamed, user,
finish_reason_raw, api_key_disabled, api_key_name, app_name` in another order, so columns are read
by name. Meanings from OpenRouter's docs: "Activity Export" (reasoning tokens are included in
completion tokens for billing) and "Generation data" (`tokensPrompt`, `nativeTokensCached`,
`usage` = total cost in USD, `isByok`)):

- generation_id -> event_id; created_at -> ts (ISO text; without a zone it is taken as UTC).
- provider = 'openrouter' (the account billed); model = model_permaslug (e.g.
  `openai/gpt-4o-mini-2024-07-18`); provider_name (the upstream that served it) -> extra.
- Token convention (openrouter.ai/docs "Usage Accounting": the OpenAI usage shape, where
  `prompt_tokens_details.cached_tokens` is a part of `prompt_tokens` and
  `completion_tokens_details.reasoning_tokens` a part of `completion_tokens`): input_tokens =
  tokens_prompt - tokens_cached; cache_read_tokens = tokens_cached; output_tokens =
  tokens_completion (reasoning included); reasoning_tokens = tokens_reasoning. Cache writes are
  not in the export: they stay inside input_tokens and cache_write_tokens = 0 (cache_known = true,
  since cache reads are stated).
- cost_total (USD, OpenRouter credits spent) -> reported_cost_usd; cost_cache, cost_web_search,
  cost_file_processing and byok_usage_inference (BYOK inference paid to the upstream) -> extra.
- api_key_name -> api_key; app_name -> project; user (the request's `user` field) -> user_id.
- a row whose tokens_cached exceeds tokens_prompt, or whose counts are not numbers, is
  quarantined; so is a row with an empty tokens_prompt beside a tokens_completion (its input is
  not reported: unknown, not 0; the reason named tokens_cached when a cached count was there).
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, register, sql_str, ts_sql, unreported_count_sql
from llmcost.ingest._exports import Csv, bad_count, count, dec, header_has
from llmcost.ingest._records import CUT, csv_changes

COUNTS = ("tokens_prompt", "tokens_completion", "tokens_reasoning", "tokens_cached")
MONEY = ("cost_total", "cost_cache", "cost_web_search", "cost_file_processing", "byok_usage_inference")


@register
class OpenRouterActivityCsv(Ingestor):
    name = "openrouter_activity_csv"
    reader_changes: ClassVar[dict[int, str]] = csv_changes()
    title = "OpenRouter activity export (openrouter.ai/activity, CSV per generation)"
    obtain = "openrouter.ai/activity -> choose the period -> Export (CSV)."

    def sniff(self, head: bytes, name: str) -> bool:
        return header_has(head, "generation_id", "tokens_prompt", "tokens_completion", "cost_total")

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        c = Csv(f)
        col = {k: c.col(k) for k in (*COUNTS, *MONEY, "generation_id", "created_at", "model_permaslug",
                                     "provider_name", "api_key_name", "app_name", "user", "cancelled",
                                     "streamed", "finish_reason_normalized", "variant")}
        n = {k: count(col[k]) for k in COUNTS}
        bad_n = " OR ".join(bad_count(col[k]) for k in COUNTS)
        bad_m = " OR ".join(f"({col[k]} IS NOT NULL AND {dec(col[k])} IS NULL)" for k in MONEY)
        cached = f"coalesce({n['tokens_cached']}, 0)"
        return f"""
        SELECT source_line, raw,
          CASE WHEN _cut THEN {sql_str(CUT)}
               WHEN {col['generation_id']} IS NULL THEN 'no generation_id'
               WHEN {ts_sql(col['created_at'])} IS NULL THEN 'created_at missing or not a time'
               WHEN {bad_n} THEN 'non-numeric or non-integer token count'
               WHEN {bad_m} THEN 'non-numeric cost'
               WHEN {n['tokens_prompt']} IS NULL AND {n['tokens_completion']} IS NULL THEN 'no token counts'
               WHEN {n['tokens_prompt']} IS NULL  -- (with a completion count: both empty is caught above)
                 THEN {unreported_count_sql(n['tokens_prompt'], n['tokens_completion'], 'tokens_prompt',
                                            'tokens_completion', output_required=False)}
               WHEN {cached} > {n['tokens_prompt']}
                 THEN 'tokens_cached larger than tokens_prompt (cached tokens are part of the prompt)'
          END AS error,
          {col['generation_id']} AS event_id,
          'request' AS grain,
          {ts_sql(col['created_at'])} AS ts,
          'openrouter' AS provider,
          {col['model_permaslug']} AS model,
          {col['app_name']} AS project,
          {col['api_key_name']} AS api_key,
          {col['user']} AS user_id,
          1 AS request_count,
          coalesce({n['tokens_prompt']}, 0) - {cached} AS input_tokens,
          {cached} AS cache_read_tokens,
          0 AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          coalesce({n['tokens_completion']}, 0) AS output_tokens,
          coalesce({n['tokens_reasoning']}, 0) AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          {dec(col['cost_total'])} AS reported_cost_usd,
          json_object('provider_name', {col['provider_name']}, 'variant', {col['variant']},
                      'cancelled', {col['cancelled']}, 'streamed', {col['streamed']},
                      'finish_reason', {col['finish_reason_normalized']},
                      'cost_cache', {col['cost_cache']}, 'cost_web_search', {col['cost_web_search']},
                      'cost_file_processing', {col['cost_file_processing']},
                      'byok_usage_inference', {col['byok_usage_inference']}) AS extra
        FROM ({c.source()})
        """
