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

Per model (NousResearch/hermes-agent `hermes_state.py` `SCHEMA_SQL`, the `session_model_usage` table,
written by `hermes_state_usage.py` `SessionUsageMixin._record_model_usage` with the upsert
`_MODEL_USAGE_UPSERT_SQL`): one row per (`session_id`, `model`, `billing_provider`,
`billing_base_url`, `billing_mode`, `task`), its key since Hermes' schema v22 (SessionDB's
`_migrate_v22_session_model_usage`; before it, no `task`, read here as ''; the table's v20
migration, `_SESSION_MODEL_USAGE_V20_SEED_SQL`, seeded it with each session's totals under
`COALESCE(model, 'unknown')`), with `api_call_count`, the five counts of the sessions table in the
same convention (the same per-call usage is added to both), `estimated_cost_usd` /
`actual_cost_usd` (0 when not stated), `cost_status`, `cost_source`, `first_seen` / `last_seen`.
Running totals too: each call's delta is added (`ON CONFLICT ... DO UPDATE SET input_tokens =
input_tokens + excluded.input_tokens`).

- A session with rows there is read as one bucket row per such row, under the row's model and
  route: event_id = `hermes:<id>:<model>`, and, when any of the route columns is not empty, `@` and
  12 hex digits of the MD5 of the four (a base URL is not written into the id; stable, unique
  per key); provider folded from the row's `billing_provider` as above, model `unknown` (Hermes'
  stand-in when no model was known) read as none; request_count = `api_call_count` when positive;
  reported_cost_usd from the row's own costs as above (0: left to the price catalog); ts /
  bucket_end, conversation_id and project from the session (`first_seen` / `last_seen` only when the
  session row is missing); `task` (`''` the main loop; `vision`, `compression`, `title_generation`,
  ...) goes to `extra`. source_line = the sessions' highest rowid + the row's rowid.
- Their sum need not be the session's totals, either way: `update_token_counts` records model rows
  only on the per-call (delta) path, not the gateway's cumulative one (`absolute=True`: "cannot be
  split back into routes"), nor did a version before the table; and `record_auxiliary_usage`
  adds auxiliary calls (vision, compression, title generation, ...) to the model rows WITHOUT the
  session totals, while a per-turn `task` given to `update_token_counts` counts in both. So the
  session's row stays, under its own model (event_id `hermes:<id>`, as before: an older database's
  rows keep their ids), holding the remainder, each count (and api_call_count) the session's less
  the sum of its model rows, never below 0 (reasoning no more than output). So every model row
  and the session's totals are counted, nothing twice; only where auxiliary rows and gateway usage
  meet in one session is the smaller of the two not counted (the table cannot tell which tasks
  the totals hold). A remainder of 0 in every count is skipped; the remainder's reported cost is
  left to the price catalog (the session's stated cost covers its model rows too, and no share of
  it is stated), as is the session's cost once model rows are read.
- A session without model rows (an older Hermes, a session before the table existed, a gateway-only
  session) is its one row as before. `session_daily_usage` (per session and local day) is not read.
"""

from __future__ import annotations

from typing import ClassVar

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
ROUTE = ("billing_provider", "billing_base_url", "billing_mode", "task")
"""The parts of `session_model_usage`'s key beside the session and the model (hermes_state.py `SCHEMA_SQL`)."""
ROUTE_EMPTY = " AND ".join(f"coalesce(m.{c}, '') = ''" for c in ROUTE)
MODEL_COLS = ("session_id", "model", *ROUTE, "api_call_count", *COUNTS, "estimated_cost_usd", "actual_cost_usd",
              "cost_status", "first_seen", "last_seen")
PROVIDERS = {"openai-codex": "openai", "openai_codex": "openai", "gemini": "google", "google-ai": "google",
             "vertex": "google", "vertex-ai": "google", "claude": "anthropic", "auto": "", "custom": ""}
"""Hermes' billing routes that are not the catalog's provider names (ccusage adapter/hermes/parser.rs
`normalize_provider`); `auto` and `custom` name no provider (hermes_state.py `_BARE_BILLING_PROVIDERS`)."""


@register
class HermesStateSqlite(Ingestor):
    name = "hermes_state_sqlite"
    grain = "bucket"
    title = "Hermes Agent state database (~/.hermes/state.db: each session's token totals and cost, per model)"
    obtain = "Already on disk: point --logs at ~/.hermes/state.db (or $HERMES_HOME/state.db)."
    reader_changes: ClassVar[dict[int, str]] = {
        2: "a session with rows in session_model_usage is stored per (model, route) from them, its session row "
           "keeping only the remainder; before, all of it was stored under the model the session row names",
    }

    def sniff(self, head: bytes, name: str) -> bool:
        return is_sqlite(head) and has_table(name, "sessions", {"id", "source", "started_at", "cache_write_tokens",
                                                                 "reasoning_tokens"})

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        table = copy_table(ctx.con, self.name, f, "sessions", COLS)
        models = copy_table(ctx.con, f"{self.name}_models", f, "session_model_usage", MODEL_COLS, missing_ok=True)
        return f"""
        WITH s AS (SELECT * FROM {table}),
        m AS (
          SELECT m.*, {", ".join(f"{int_sql('m.' + c)} AS n_{c}" for c in (*COUNTS, "api_call_count"))}
          FROM {models} m),
        t AS (
          SELECT session_id, {", ".join(f"sum(n_{c}) AS t_{c}" for c in (*COUNTS, "api_call_count"))}
          FROM m GROUP BY session_id),
        sr AS (
          SELECT s.*, t.session_id IS NOT NULL AS split,
            {", ".join(f"{_rest(c)} AS r_{c}" for c in (*COUNTS, "api_call_count"))}
          FROM s LEFT JOIN t ON t.session_id = s.id)
        SELECT rowid AS source_line,
          CAST(json_object({", ".join(f"'{c}', {c}" for c in COLS if c != "cwd")}) AS VARCHAR) AS raw,
          {_error(COUNTS)} AS error,
          {" AND ".join(f"coalesce(r_{c}, 0) = 0" for c in COUNTS)} AND NOT ({_bad(COUNTS)}) AS skip,
          'hermes:' || id AS event_id,
          {_common("billing_provider", "model")},
          {_counts("r_", "least(coalesce(r_reasoning_tokens, 0), coalesce(r_output_tokens, 0))")},
          CASE WHEN NOT split THEN {_cost("")} END AS reported_cost_usd,
          json_object('source', source, 'billing_provider', billing_provider, 'billing_mode', billing_mode,
                      'cost_status', cost_status, 'message_count', TRY_CAST(message_count AS BIGINT),
                      'parent_session_id', parent_session_id) AS extra
        FROM sr
        UNION ALL
        SELECT coalesce((SELECT max(rowid) FROM s), 0) + m.rowid AS source_line,
          CAST(json_object({", ".join(f"'{c}', m.{c}" for c in MODEL_COLS)}) AS VARCHAR) AS raw,
          {_error(COUNTS, "m.")} AS error,
          {" AND ".join(f"coalesce(n_{c}, 0) = 0" for c in COUNTS)} AND NOT ({_bad(COUNTS, "m.")}) AS skip,
          'hermes:' || m.session_id || ':' || coalesce(m.model, '') || CASE WHEN {ROUTE_EMPTY} THEN ''
            ELSE '@' || md5(concat_ws(chr(31), {", ".join(f"coalesce(m.{c}, '')" for c in ROUTE)}))[:12] END
            AS event_id,
          {_common("m.billing_provider", "m.model", "m.session_id")},
          {_counts("n_", "coalesce(n_reasoning_tokens, 0)")},
          {_cost("m.")} AS reported_cost_usd,
          json_object('source', s.source, 'billing_provider', m.billing_provider, 'billing_mode', m.billing_mode,
                      'cost_status', m.cost_status, 'task', nullif(m.task, ''),
                      'parent_session_id', s.parent_session_id, 'session_model', s.model) AS extra
        FROM m LEFT JOIN s ON s.id = m.session_id
        """


def _counts(p: str, reasoning: str) -> str:
    """SQL: the count columns of a row from the counts named `p` + column (`r_` a session's remainder,
    `n_` a model row's) and the `reasoning` expression."""
    return f"""coalesce({p}api_call_count, 0) AS request_count,
          coalesce({p}api_call_count, 0) > 0 AS requests_known,
          {p}input_tokens AS input_tokens,
          coalesce({p}cache_read_tokens, 0) AS cache_read_tokens,
          coalesce({p}cache_write_tokens, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          {p}output_tokens AS output_tokens,
          {reasoning} AS reasoning_tokens,
          true AS cache_known,
          false AS batch"""


def _rest(c: str) -> str:
    """SQL: the session's count `c` less its model rows' (none: the count as it is), never below 0."""
    n = int_sql(f"s.{c}")
    return f"CASE WHEN t.session_id IS NULL THEN {n} ELSE greatest(coalesce({n}, 0) - coalesce(t.t_{c}, 0), 0) END"


def _bad(counts: tuple[str, ...], p: str = "") -> str:
    return " OR ".join(is_bad_count(p + c) for c in (*counts, "api_call_count"))


def _error(counts: tuple[str, ...], p: str = "") -> str:
    """SQL: the quarantine reason of a session row (`p` '') or a model row (`p` 'm.'), else NULL."""
    bad_cost = f"{is_bad_cost(p + 'actual_cost_usd')} OR {is_bad_cost(p + 'estimated_cost_usd')}"
    tokens = token_error_sql(_bad(counts, p), p + "input_tokens", p + "output_tokens", "NULL", "output_tokens")
    return (f"coalesce({tokens}, CASE WHEN {bad_cost} THEN "
            "'actual_cost_usd or estimated_cost_usd is not a number of dollars >= 0' END)")


def _cost(p: str) -> str:
    """SQL: what Hermes billed, else its estimate (`agent_cost_sql`: 0 is no statement)."""
    return f"coalesce({agent_cost_sql(p + 'actual_cost_usd')}, {agent_cost_sql(p + 'estimated_cost_usd')})"


def _common(billing_provider: str, model_col: str, sid: str = "id") -> str:
    """SQL: the columns a session row and a model row take alike (grain, times and project from the
    session, the provider folded from `billing_provider`, the model `model_col` names). A model row
    (`sid` not `id`) whose session row is missing takes its own `first_seen` / `last_seen`."""
    started, ended = ("started_at", "ended_at") if sid == "id" else (
        "CASE WHEN s.id IS NOT NULL THEN s.started_at ELSE m.first_seen END",
        "CASE WHEN s.id IS NOT NULL THEN s.ended_at ELSE m.last_seen END")
    bp = f"lower(trim({billing_provider}))"
    folded = " ".join(f"WHEN {bp} = '{k}' THEN {sql_str(v) if v else 'NULL'}" for k, v in PROVIDERS.items())
    model = f"nullif(nullif(trim({model_col}), ''), 'unknown')"
    return f"""'bucket' AS grain,
          {ts_sql(started)} AS ts,
          {ts_sql(ended)} AS bucket_end,
          coalesce(CASE {folded} WHEN {bp} <> '' THEN {bp} END, {model_vendor_sql(f"lower({model})")}) AS provider,
          {model} AS model,
          {sid} AS conversation_id,
          coalesce(nullif(cwd, ''), nullif(project_workspace, '')) AS project"""
