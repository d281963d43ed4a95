"""Hermes Agent's state database (`~/.hermes/state.db`, or `$HERMES_HOME/state.db`).

Why: Hermes (NousResearch/hermes-agent) keeps each session's token totals and its own cost estimate
in a SQLite database; ccusage reads it (`ccusage hermes`), and without this format the file was of
no known format and Hermes' usage was missing.

Field mapping (NousResearch/hermes-agent `hermes_state.py` `SCHEMA_SQL`, the `sessions` table: `id`,
`source` (`cli`, `telegram`, `cron`, ...), `model`, `parent_session_id`, `started_at` / `ended_at`
(REAL, epoch seconds), `message_count`, `input_tokens`, `output_tokens`, `cache_read_tokens`,
`cache_write_tokens`, `reasoning_tokens` (INTEGER DEFAULT 0), `billing_provider`, `billing_mode`,
`estimated_cost_usd`, `actual_cost_usd` (REAL), `cost_status`, `api_call_count`,
`project_workspace`; where ccusage looks and what it reads: `rust/crates/ccusage/src/adapter/
hermes/paths.rs`, `loader.rs`, `parser.rs`):

- The counts are running totals: `hermes_state_usage.py` `_token_update_sql` adds each call's
  usage to them (`input_tokens = input_tokens + ?`; the gateway's path sets the cumulative totals
  it keeps). So one bucket row per session (grain 'bucket'): ts = `started_at`, bucket_end =
  `ended_at` (NULL while the session is open); request_count = `api_call_count`, known when
  positive (older sessions predate the column and state 0).
- Token convention (`agent/usage_pricing.py` `normalize_usage`, the `CanonicalUsage` Hermes
  stores): `input_tokens` is the UNCACHED input on every route: Anthropic's `input_tokens` as it
  is, OpenAI's and Codex's `prompt_tokens` / `input_tokens` minus `cached_tokens` and the cache
  writes ("input_tokens is derived by subtracting cache tokens from the total"); cache reads and
  writes sit beside it. `reasoning_tokens` (`output_tokens_details` / `completion_tokens_details`)
  are PART of `output_tokens` (OpenAI's output counts them). input_tokens = input_tokens;
  cache_read_tokens / cache_write_tokens as stated (no 1-hour split); output_tokens =
  output_tokens; reasoning_tokens = reasoning_tokens.
- Cost: `actual_cost_usd` (what the provider billed, when it says) else `estimated_cost_usd`
  (Hermes' price table), in USD, becomes reported_cost_usd when positive; a 0 (a route Hermes
  marks `included`, a subscription; or a model it has no price for) is no statement that the
  session was free and is left to the price catalog; a negative or non-numeric one is quarantined.
- event_id = `hermes:` + `id` (`<YYYYMMDD_HHMMSS>_<random hex>`: unique across databases); the
  database grows in place: the loader reads a changed file again and replaces its rows. A
  compressed session continues in a child (`parent_session_id`) with its own totals: both are rows.
- provider = `billing_provider` folded to the catalog's names (`openai-codex` openai, `gemini` /
  `vertex` google, `claude` anthropic), else, for a bare route (`auto`, `custom`) or none, the
  model's vendor; model = `model` as stated (an OpenRouter `vendor/model` is priced by the catalog's
  name resolution, llmcost.pricing.names; a name it does not know stays unpriced unless a price
  override names it); conversation_id = `id`; project
  = `cwd` where a version keeps it, else `project_workspace`; `source`, `billing_provider`,
  `billing_mode`, `cost_status`, `message_count` and `parent_session_id` go to `extra`.
- A session with no counts (all 0 or NULL) is read and counted as skipped; one with a count that is
  not a whole number is quarantined.

Newer Hermes versions also keep `session_model_usage` (totals per session and model) and
`session_daily_usage` (per session and local day); they are not read here (the session totals are
what every version and ccusage have), so a session that switched models is stored under the model
the session row names.
"""

from __future__ import annotations

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    agent_cost_sql,
    int_sql,
    is_bad_cost,
    is_bad_count,
    model_vendor_sql,
    register,
    sql_str,
    token_error_sql,
    ts_sql,
)
from llmcost.ingest._sqlite import copy_table, has_table, is_sqlite

COUNTS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")
COLS = ("id", "source", "model", "parent_session_id", "started_at", "ended_at", "message_count",
        "api_call_count", *COUNTS, "billing_provider", "billing_mode", "estimated_cost_usd", "actual_cost_usd",
        "cost_status", "cwd", "project_workspace")
PROVIDERS = {"openai-codex": "openai", "openai_codex": "openai", "gemini": "google", "google-ai": "google",
             "vertex": "google", "vertex-ai": "google", "claude": "anthropic", "auto": "", "custom": ""}
"""Hermes' billing routes that are not the catalog's provider names (ccusage adapter/hermes/parser.rs
`normalize_provider`); `auto` and `custom` name no provider (hermes_state.py `_BARE_BILLING_PROVIDERS`)."""


@register
class HermesStateSqlite(Ingestor):
    name = "hermes_state_sqlite"
    grain = "bucket"
    title = "Hermes Agent state database (~/.hermes/state.db: each session's token totals and cost)"
    obtain = "Already on disk: point --logs at ~/.hermes/state.db (or $HERMES_HOME/state.db)."

    def sniff(self, head: bytes, name: str) -> bool:
        return is_sqlite(head) and has_table(name, "sessions", {"id", "source", "started_at", "cache_write_tokens",
                                                                 "reasoning_tokens"})

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        table = copy_table(ctx.con, self.name, f, "sessions", COLS)
        n = {c: int_sql(c) for c in COUNTS}
        bad = " OR ".join(is_bad_count(c) for c in (*COUNTS, "api_call_count"))
        bad_cost = f"{is_bad_cost('actual_cost_usd')} OR {is_bad_cost('estimated_cost_usd')}"
        cost = f"coalesce({agent_cost_sql('actual_cost_usd')}, {agent_cost_sql('estimated_cost_usd')})"
        bp = "lower(trim(billing_provider))"
        folded = " ".join(f"WHEN {bp} = '{k}' THEN {sql_str(v) if v else 'NULL'}" for k, v in PROVIDERS.items())
        model = "nullif(trim(model), '')"
        calls = int_sql("api_call_count")
        return f"""
        SELECT rowid AS source_line,
          CAST(json_object({", ".join(f"'{c}', {c}" for c in COLS if c != "cwd")}) AS VARCHAR) AS raw,
          coalesce({token_error_sql(bad, 'input_tokens', 'output_tokens', 'NULL', 'output_tokens')},
                   CASE WHEN {bad_cost} THEN 'actual_cost_usd or estimated_cost_usd is not a number of dollars >= 0'
                   END) AS error,
          {" AND ".join(f"coalesce({n[c]}, 0) = 0" for c in COUNTS)} AND NOT ({bad}) AS skip,
          'hermes:' || id AS event_id,
          'bucket' AS grain,
          {ts_sql('started_at')} AS ts,
          {ts_sql('ended_at')} AS bucket_end,
          coalesce(CASE {folded} WHEN {bp} <> '' THEN {bp} END, {model_vendor_sql(f"lower({model})")}) AS provider,
          {model} AS model,
          id AS conversation_id,
          coalesce(nullif(cwd, ''), nullif(project_workspace, '')) AS project,
          coalesce({calls}, 0) AS request_count,
          coalesce({calls}, 0) > 0 AS requests_known,
          {n['input_tokens']} AS input_tokens,
          coalesce({n['cache_read_tokens']}, 0) AS cache_read_tokens,
          coalesce({n['cache_write_tokens']}, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          {n['output_tokens']} AS output_tokens,
          coalesce({n['reasoning_tokens']}, 0) AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          {cost} AS reported_cost_usd,
          json_object('source', source, 'billing_provider', billing_provider, 'billing_mode', billing_mode,
                      'cost_status', cost_status, 'message_count', TRY_CAST(message_count AS BIGINT),
                      'parent_session_id', parent_session_id) AS extra
        FROM {table}
        """
