"""Anthropic Claude Code Analytics API report (`GET /v1/organizations/usage_report/claude_code`), JSON.

Why: an organisation's Claude Code tokens per user, day and model, with Anthropic's own estimated
cost, for teams that cannot collect every developer's ~/.claude logs.

Field mapping (platform.claude.com "Get Claude Code Usage Report", `ClaudeCodeUsageReport`; the
same record shape appears in public clients that read it, e.g. a TypeScript `ClaudeCodeRecord`
interface with `model_breakdown[].tokens.{input, output, cache_read, cache_creation}`):

- page `{data: [record], has_more, next_page}`; a record is one actor on one UTC day (`date`,
  RFC 3339 or `YYYY-MM-DD`) in one terminal: `actor` (`user_actor` with `email_address`, or
  `api_actor` with `api_key_name`), `organization_id`, `customer_type` (api | subscription),
  `terminal_type`, `core_metrics`, `tool_actions`, `model_breakdown[]`. A JSON array of pages and
  pages one per line are read too.
- one canonical row per `model_breakdown` entry: grain 'bucket', ts = the day 00:00 UTC,
  bucket_end = ts + 1 day; provider anthropic; model = `model`.
- Token convention: the entries carry the Messages API usage of Claude Code's calls, where
  `input` is the uncached input (cache reads and writes are counted apart, Anthropic prompt-caching
  docs) and `output` includes extended-thinking tokens (Anthropic bills thinking as output and
  reports it inside `output_tokens`). So input_tokens = tokens.input, cache_read_tokens =
  tokens.cache_read, cache_write_tokens = tokens.cache_creation (no 5m/1h split is given:
  cache_write_1h_tokens = 0), output_tokens = tokens.output, reasoning_tokens = 0 (not broken out).
- `estimated_cost.amount` is in minor units ("cents for USD"): reported_cost_usd = amount / 100
  when currency is USD, else NULL (the currency is kept in extra). It is Anthropic's estimate, not
  the bill; for `subscription` customers nothing is billed per token.
- user_id = actor.email_address; api_key = actor.api_key_name; the report has no request count:
  request_count = 0, requests_known = false (not stated, not zero). organization_id,
  customer_type, terminal_type, actor type and num_sessions -> extra, with `kind` = 'claude_code':
  Claude Code's usage is a part of the organisation's, not a breakdown of the Messages usage
  report, so its rows never stand in for (shadow) an org-wide usage report of the same day
  (storage/store.py USAGE_SHADOWED_VIEW compares kinds). An API customer's rows (`customer_type`
  api) are inside that report, so the store leaves them out of `usage` where a Messages usage
  report covers their day (the same view); a subscription customer's always count.

event_id = md5('anthropic', 'claude_code', day, actor type, email/key name, organization_id,
customer_type, terminal_type, model), so a re-fetched day replaces the earlier rows. A record
without model_breakdown entries has no tokens and yields no row.
"""

from __future__ import annotations

from llmcost.ingest import IngestContext, Ingestor, InputFile, register, text
from llmcost.ingest._exports import bad_count, count, dec, exact_div, key_hash, pages_sql

TOKENS = {
    "t_input": "$.tokens.input",
    "t_output": "$.tokens.output",
    "t_cache_read": "$.tokens.cache_read",
    "t_cache_creation": "$.tokens.cache_creation",
}


@register
class AnthropicClaudeCodeReportJson(Ingestor):
    name = "anthropic_claude_code_report_json"
    title = "Anthropic Claude Code Analytics API report (usage_report/claude_code, JSON pages)"
    obtain = (
        "`GET /v1/organizations/usage_report/claude_code?starting_at=YYYY-MM-DD&limit=1000` "
        "with an Admin key (sk-ant-admin...), one day per call; save each page as .json."
    )
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        s = text(head)
        return '"model_breakdown"' in s and ('"core_metrics"' in s or '"terminal_type"' in s
                                             or '"customer_type"' in s)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        def b(path: str) -> str:
            return f"json_extract_string(bucket, '{path}')"

        toks = ", ".join(f"json_extract_string(res, '{p}') AS {n}" for n, p in TOKENS.items())
        src = f"""
        SELECT source_line, raw, {toks},
          json_extract_string(res, '$.model') AS model,
          json_extract_string(res, '$.estimated_cost.amount') AS cost_amount,
          json_extract_string(res, '$.estimated_cost.currency') AS cost_currency,
          TRY_CAST(left({b('$.date')}, 10) || 'T00:00:00Z' AS TIMESTAMPTZ) AS _day,
          {b('$.actor.type')} AS actor_type,
          {b('$.actor.email_address')} AS email,
          {b('$.actor.api_key_name')} AS key_name,
          {b('$.organization_id')} AS organization_id,
          {b('$.customer_type')} AS customer_type,
          {b('$.terminal_type')} AS terminal_type,
          {b('$.core_metrics.num_sessions')} AS num_sessions
        FROM ({pages_sql(f, results_key="model_breakdown")})"""
        bad = " OR ".join(bad_count(n) for n in TOKENS)
        usd = "upper(coalesce(cost_currency, 'USD')) = 'USD'"
        return f"""
        SELECT source_line, raw,
          CASE WHEN _day IS NULL THEN 'record without a date (YYYY-MM-DD)'
               WHEN t_input IS NULL AND t_output IS NULL AND t_cache_read IS NULL
                 THEN 'model_breakdown entry without tokens'
               WHEN {bad} THEN 'non-numeric or non-integer token count in model_breakdown'
               WHEN cost_amount IS NOT NULL AND {dec('cost_amount')} IS NULL
                 THEN 'estimated_cost.amount is not a number'
          END AS error,
          {key_hash("'anthropic'", "'claude_code'", "epoch(_day)", "actor_type", "email", "key_name",
                    "organization_id", "customer_type", "terminal_type", "model")} AS event_id,
          'bucket' AS grain,
          _day AS ts,
          _day + INTERVAL 1 DAY AS bucket_end,
          'anthropic' AS provider,
          model,
          email AS user_id,
          key_name AS api_key,
          0 AS request_count,
          false AS requests_known,
          coalesce({count('t_input')}, 0) AS input_tokens,
          coalesce({count('t_cache_read')}, 0) AS cache_read_tokens,
          coalesce({count('t_cache_creation')}, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          coalesce({count('t_output')}, 0) AS output_tokens,
          0 AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          CASE WHEN {usd} THEN {exact_div(dec('cost_amount'), "'100'")} END AS reported_cost_usd,
          json_object('kind', 'claude_code', 'organization_id', organization_id, 'customer_type', customer_type,
                      'terminal_type', terminal_type, 'actor_type', actor_type,
                      'num_sessions', {count('num_sessions')},
                      'estimated_cost_currency', cost_currency) AS extra
        FROM ({src})
        """
