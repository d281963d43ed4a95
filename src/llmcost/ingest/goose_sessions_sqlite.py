"""Goose's session database (`sessions.db`: `~/.local/share/goose/sessions/`, `~/Library/Application
Support/goose/sessions/`, `~/.local/share/Block/goose/sessions/` or `$GOOSE_PATH_ROOT/data/sessions/`).

Why: Goose (Block's coding agent) keeps each session's token totals in a SQLite database; ccusage
reads it (`ccusage goose`), and without this format the file was of no known format and Goose's
usage was missing.

Field mapping (block/goose `crates/goose/src/session/session_manager.rs`, the `sessions` table of
schema v16: `id` (`YYYYMMDD_<n>`, numbered per day and per database), `created_at`, `updated_at`
(SQLite `CURRENT_TIMESTAMP` text, UTC), `working_dir`, `session_type` (`user`, `scheduled`,
`sub_agent`, `hidden`, `acp`), `provider_name`, `model_config_json` (`{"model_name": ...}`),
`total_tokens` / `input_tokens` / `output_tokens` / `cache_read_tokens` / `cache_write_tokens` (the
last call's), their `accumulated_*` twins and `accumulated_cost` (REAL); `crates/goose/src/session/
migrations.rs` adds `provider_name` and `model_config_json` in v6, `accumulated_cost` in v13; where
ccusage looks and what it reads: `rust/crates/ccusage/src/adapter/goose/paths.rs`, `loader.rs`,
`parser.rs`):

- The `accumulated_*` columns are running totals: `record_usage_metrics` adds each call's usage to
  them (`accumulated_input_tokens = COALESCE(accumulated_input_tokens, 0) + ?`). So one bucket row
  per session (grain 'bucket', the session's total, not one call; where the ledger below has the
  session's calls, only the part of the total they do not hold): ts = `created_at`, bucket_end =
  `updated_at` (rewritten at each update), request_count 0 with requests_known false (the number of
  calls is not kept). A session whose `accumulated_*` are all NULL (one written before Goose kept
  them, or imported from its old JSONL files) has only the last call's counts: those are read, as
  ccusage reads them, and `extra.totals` says `last_call`.
- Token convention: Goose's `Usage.input_tokens` INCLUDES the cached tokens on every provider
  (`crates/goose/src/providers/base.rs` `Usage::from_cache_exclusive_input`: "For providers whose
  reported input_tokens/total_tokens exclude cache tokens (e.g. Anthropic, Bedrock): folds the cache
  breakdown in"; OpenAI's `prompt_tokens` and Gemini's `promptTokenCount` include them already), and
  `cache_read_tokens` / `cache_write_tokens` are the parts of it. input_tokens = input - cache read
  - cache write; cache_read_tokens / cache_write_tokens as stated (no 1-hour split). A database from
  before the cache columns (NULL) cannot split its input: it stays whole, cache_known false.
- `total_tokens` is the provider's total where it states one: Gemini's `totalTokenCount` counts the
  thoughts that `candidatesTokenCount` (Goose's output) leaves out. The part of the total beyond
  input + output is output-priced thinking (ccusage adds it to the output for its cost):
  output_tokens = output + that part, reasoning_tokens = that part.
- `accumulated_cost` is Goose's own estimate in USD: reported_cost_usd when positive (a NULL or 0 is
  no statement that the session was free: the price catalog prices it); a negative or non-numeric
  one is quarantined.
- event_id = `goose:` + `id` + `:` + `created_at`: the id alone is only unique within one database
  (`20261102_1` on two machines are two sessions), while a backup copy of the database keeps both.
  The database grows in place: the loader reads a changed file again and replaces its rows.
- provider = `provider_name` folded to the catalog's names (`aws_bedrock` aws, `gcp_vertex_ai`
  google, `azure_openai` azure), else the model's vendor; model =
  `model_config_json.model_name` as stated (a name the catalog does not know stays unpriced);
  conversation_id = `id`; project = `working_dir`; `session_type` and the provider as Goose names
  it go to `extra`.
- A session with no counts (all NULL or 0: a new session) is read and counted as skipped; one with
  a count that is not a whole number is quarantined.

Per call (the `usage_ledger` table: Goose's `crates/goose/src/session/session_manager.rs` as the
index holds it under aaif-goose/goose at 017176d06077b119ade382d3bb710e56c8c04e90, schema v17:
created by `create_schema` and by migration v15 (`apply_migration`); rows written by
`insert_usage_ledger_row`, called from `SessionStorage::record_usage_metrics` with the agent's
`MessageUsage::from_provider_usage` of each provider response's usage, a compaction's flagged):
`id` (INTEGER PRIMARY KEY AUTOINCREMENT: the rowid, never reused), `session_id` (the
`sessions.id`, ON DELETE CASCADE), `created_timestamp` (`strftime('%s','now')`: epoch seconds,
UTC, when the call was recorded), `model` (the response's model name), `input_tokens` /
`output_tokens` / `total_tokens` / `cache_read_tokens` / `cache_write_tokens` (the call's, NULL
when the provider said nothing), `cost` (REAL, USD, NULL when unknown), `cost_source`
(`provider_reported`, `estimated` by Goose's model catalog, or `carried_forward`),
`is_compaction` (1: the call that summarised the conversation).

- One call per row, and in the sessions table's convention: `record_usage_metrics` adds the very
  values it writes to the row (`ledger.input_tokens` ...) to the session's `accumulated_*` in the
  same transaction, so the input includes the cache reads and writes and the total may hold
  Gemini's thoughts, as above. A session with such rows is read as one request row per row (grain
  'request', ts = `created_timestamp`, request_count 1), its tokens normalised as the session's
  are; event_id = the session's event id + `:` + the row's `id` (stable: the table only grows);
  reported_cost_usd = `cost` when positive (else the price catalog), a negative or non-numeric one
  quarantined, as is a row with a count that is not a whole number; a row with no counts is
  skipped; `cost_source` and `is_compaction` go to `extra`. The ledger names no provider: a row
  takes its session's (`provider_name`, the last one the session used) unless its model is of
  another known vendor than the session's model (a session switched from Claude to GPT: the row's
  model's vendor). source_line = the sessions' highest rowid + the row's rowid.
- `carried_forward` rows are not calls: before each call `record_usage_metrics` writes the session's
  totals beyond what the ledger holds (a database from before the table, schema v15) as such a row,
  model NULL, at the time of that later call. They are read and counted as skipped: the session's
  own row holds that usage, at the session's times and under its model. That row keeps only what
  the stored calls do not hold: each `accumulated_*` less the sum of the session's call rows that
  are stored (a quarantined row's tokens stay in it), never below 0 (Goose's own
  `get_session_usage_totals` takes the larger of the two); a remainder of 0 total, input and output is
  skipped, and its cost is left to the price catalog (`accumulated_cost` covers the calls too, and
  no share of it is stated). A session without call rows (a database without the table, a session
  from before it) is its one row as before.
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
    token_error_sql,
    ts_sql,
)
from llmcost.ingest._sqlite import copy_table, has_table, is_sqlite

COUNTS = ("total_tokens", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
COLS = ("id", "created_at", "updated_at", "working_dir", "session_type", "provider_name", "model_config_json",
        *COUNTS, *(f"accumulated_{c}" for c in COUNTS), "accumulated_cost")
LEDGER_COLS = ("session_id", "created_timestamp", "model", *COUNTS, "cost", "cost_source", "is_compaction")
"""The `usage_ledger` columns read (session_manager.rs `create_schema`; its `id` is the rowid)."""
SHORT = tuple(c.removesuffix("_tokens") for c in COUNTS)
"""The counts by their short names (`total`, `input`, ...), as the query names them."""
PROVIDERS = {"aws_bedrock": "aws", "gcp_vertex_ai": "google", "azure_openai": "azure"}
"""Goose's provider names (crates/goose/src/providers/) that are not the catalog's."""
CACHE_ERROR = "'cache tokens exceed the input tokens (Goose''s input includes them)'"


@register
class GooseSessionsSqlite(Ingestor):
    name = "goose_sessions_sqlite"
    grain = "bucket"
    title = ("Goose session database (~/.local/share/goose/sessions/sessions.db: each session's token totals, "
             "per call where it keeps them)")
    obtain = ("Already on disk: point --logs at ~/.local/share/goose/sessions/sessions.db (macOS: ~/Library/"
              "Application Support/goose/sessions/; or $GOOSE_PATH_ROOT/data/sessions/).")
    reader_changes: ClassVar[dict[int, str]] = {
        2: "a session with calls in usage_ledger is stored per call from them, its session row keeping only the "
           "remainder of its totals; before, all of it was one row under the model the session names last",
    }

    def sniff(self, head: bytes, name: str) -> bool:
        return is_sqlite(head) and has_table(name, "sessions", {"id", "working_dir", "accumulated_input_tokens"})

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        table = copy_table(ctx.con, self.name, f, "sessions", COLS)
        ledger = copy_table(ctx.con, f"{self.name}_ledger", f, "usage_ledger", LEDGER_COLS, missing_ok=True)
        acc = " OR ".join(f"accumulated_{c} IS NOT NULL" for c in COUNTS)
        picked = ", ".join(f"CASE WHEN {acc} THEN accumulated_{c} ELSE {c} END AS {s}"
                           for c, s in zip(COUNTS, SHORT, strict=True))
        n = {c: int_sql(c) for c in SHORT}
        bad = " OR ".join(is_bad_count(c) for c in SHORT)
        lbad = " OR ".join(is_bad_count(f"l.{c}") for c in COUNTS)
        # a ledger row's counts by their short names, as the session's are picked (int_sql: NULL when not whole)
        lcounts = ", ".join(f"{int_sql(f'l.{c}')} AS n_{s}" for c, s in zip(COUNTS, SHORT, strict=True))
        model = "nullif(trim(json_extract_string(cfg, '$.model_name')), '')"
        lmodel = "nullif(trim(l.model), '')"
        prov = "lower(trim(provider_name))"
        folded = " ".join(f"WHEN {prov} = '{k}' THEN '{v}'" for k, v in PROVIDERS.items())
        session_provider = f"CASE {folded} WHEN {prov} <> '' THEN {prov} END"
        # the ledger names no provider: a call takes its session's, unless its model is another vendor's
        vendor, session_vendor = model_vendor_sql("lower(le.model_name)"), model_vendor_sql(f"lower({model})")
        return f"""
        WITH g AS (
          SELECT *, {picked},
            CASE WHEN {acc} THEN 'accumulated' ELSE 'last_call' END AS totals,
            CASE WHEN json_valid(model_config_json) THEN model_config_json END AS cfg
          FROM {table}
        ),
        l AS (
          SELECT l.*, {lcounts}, lower(trim(coalesce(l.cost_source, ''))) = 'carried_forward' AS carried,
            {lmodel} AS model_name, {lbad} AS bad, {ts_sql('l.created_timestamp')} AS call_ts
          FROM {ledger} l
        ),
        le AS (
          SELECT l.*, CASE WHEN NOT carried THEN {_error("bad", "input_tokens", "output_tokens", "cost", "n_")}
                      END AS error
          FROM l
        ),
        t AS (
          SELECT session_id,
            {", ".join(f"sum(n_{s}) FILTER (WHERE error IS NULL AND call_ts IS NOT NULL) AS t_{s}" for s in SHORT)}
          FROM le WHERE NOT carried GROUP BY session_id
        ),
        sr AS (
          SELECT g.*, t.session_id IS NOT NULL AS split,
            {", ".join(f"{_rest(c, s)} AS r_{s}" for c, s in zip(COUNTS, SHORT, strict=True))}
          FROM g LEFT JOIN t ON t.session_id = g.id
        )
        SELECT rowid AS source_line,
          CAST(json_object('id', id, 'created_at', created_at, 'updated_at', updated_at,
                           'provider_name', provider_name, 'model_config_json', model_config_json,
                           'totals', totals, 'total', total, 'input', input, 'output', output,
                           'cache_read', cache_read, 'cache_write', cache_write,
                           'accumulated_cost', accumulated_cost) AS VARCHAR) AS raw,
          {_error(bad, "input", "output", "accumulated_cost", "", n)} AS error,
          {" AND ".join(f"coalesce(r_{s}, 0) = 0" for s in ("total", "input", "output"))} AND NOT ({bad}) AS skip,
          'goose:' || id || ':' || coalesce(created_at, '') AS event_id,
          'bucket' AS grain,
          {ts_sql('created_at')} AS ts,
          {ts_sql('updated_at')} AS bucket_end,
          coalesce({session_provider}, {session_vendor}) AS provider,
          {model} AS model,
          id AS conversation_id,
          nullif(working_dir, '') AS project,
          0 AS request_count,
          false AS requests_known,
          {_counts("r_")},
          cache_read IS NOT NULL OR cache_write IS NOT NULL AS cache_known,
          false AS batch,
          CASE WHEN NOT split THEN {agent_cost_sql('accumulated_cost')} END AS reported_cost_usd,
          json_object('session_type', session_type, 'goose_provider', provider_name,
                      'totals', CASE WHEN split THEN 'remainder' ELSE totals END) AS extra
        FROM sr
        UNION ALL
        SELECT coalesce((SELECT max(rowid) FROM g), 0) + le.rowid AS source_line,
          CAST(json_object('id', le.rowid, {", ".join(f"'{c}', le.{c}" for c in LEDGER_COLS)}) AS VARCHAR) AS raw,
          le.error,
          carried OR ({" AND ".join(f"coalesce(n_{s}, 0) = 0" for s in ("total", "input", "output"))}
                      AND NOT le.bad) AS skip,
          'goose:' || le.session_id || ':' || coalesce(g.created_at, '') || ':' || le.rowid AS event_id,
          'request' AS grain,
          le.call_ts AS ts,
          NULL AS bucket_end,
          CASE WHEN {vendor} <> {session_vendor} THEN {vendor}
               ELSE coalesce({session_provider}, {vendor}) END AS provider,
          le.model_name AS model,
          le.session_id AS conversation_id,
          nullif(g.working_dir, '') AS project,
          1 AS request_count,
          true AS requests_known,
          {_counts("n_")},
          le.cache_read_tokens IS NOT NULL OR le.cache_write_tokens IS NOT NULL AS cache_known,
          false AS batch,
          {agent_cost_sql('le.cost')} AS reported_cost_usd,
          json_object('session_type', g.session_type, 'goose_provider', g.provider_name,
                      'cost_source', le.cost_source, 'is_compaction', TRY_CAST(le.is_compaction AS BIGINT) = 1,
                      'session_model', {model}) AS extra
        FROM le LEFT JOIN g ON g.id = le.session_id
        """


def _error(bad: str, inp: str, out: str, cost: str, p: str, n: dict[str, str] | None = None) -> str:
    """SQL: the quarantine reason of a session's totals or a ledger row, else NULL: `bad` (a count not
    a whole number), the input and output as stated (`inp`, `out`), the counts as integers (`n`, else
    the columns named `p` + short name), the stated `cost`."""
    c = n or {s: f"{p}{s}" for s in SHORT}
    cached = f"(coalesce({c['cache_read']}, 0) + coalesce({c['cache_write']}, 0))"
    return (f"coalesce({token_error_sql(bad, inp, out, c['total'], 'output_tokens')}, "
            f"CASE WHEN {cached} > {c['input']} THEN {CACHE_ERROR} "
            f"WHEN {is_bad_cost(cost)} THEN '{cost} is not a number of dollars >= 0' END)")


def _rest(col: str, short: str) -> str:
    """SQL: a session's count `short` as picked (no stored calls), else its `accumulated_` twin of `col`
    less its stored calls' (`t_`), never below 0."""
    return (f"CASE WHEN t.session_id IS NULL THEN {int_sql(short)} "
            f"ELSE greatest(coalesce({int_sql('accumulated_' + col)}, 0) - coalesce(t.t_{short}, 0), 0) END")


def _counts(p: str) -> str:
    """SQL: the token columns of a row from its counts named `p` + short name (`r_` a session's, after
    its calls; `n_` a call's), in Goose's convention: the input less its cache reads and writes, the
    part of the total beyond input + output added to the output as the reasoning."""
    cached = f"(coalesce({p}cache_read, 0) + coalesce({p}cache_write, 0))"
    thinking = f"greatest(coalesce({p}total, 0) - {p}input - {p}output, 0)"
    return f"""CASE WHEN {p}input IS NOT NULL THEN greatest({p}input - {cached}, 0) END AS input_tokens,
          coalesce({p}cache_read, 0) AS cache_read_tokens,
          coalesce({p}cache_write, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          {p}output + {thinking} AS output_tokens,
          {thinking} AS reasoning_tokens"""
