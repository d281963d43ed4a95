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
  per session (grain 'bucket', the session's total, not one call): ts = `created_at`, bucket_end =
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

Goose also writes a per-call `usage_ledger` table in newer versions; it is not read here (the
session totals are what ccusage and older databases have), so a session that switched models is
stored under the model `model_config_json` names last.
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
    token_error_sql,
    ts_sql,
)
from llmcost.ingest._sqlite import copy_table, has_table, is_sqlite

COUNTS = ("total_tokens", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
COLS = ("id", "created_at", "updated_at", "working_dir", "session_type", "provider_name", "model_config_json",
        *COUNTS, *(f"accumulated_{c}" for c in COUNTS), "accumulated_cost")
PROVIDERS = {"aws_bedrock": "aws", "gcp_vertex_ai": "google", "azure_openai": "azure"}
"""Goose's provider names (crates/goose/src/providers/) that are not the catalog's."""


@register
class GooseSessionsSqlite(Ingestor):
    name = "goose_sessions_sqlite"
    grain = "bucket"
    title = "Goose session database (~/.local/share/goose/sessions/sessions.db: each session's token totals)"
    obtain = ("Already on disk: point --logs at ~/.local/share/goose/sessions/sessions.db (macOS: ~/Library/"
              "Application Support/goose/sessions/; or $GOOSE_PATH_ROOT/data/sessions/).")

    def sniff(self, head: bytes, name: str) -> bool:
        return is_sqlite(head) and has_table(name, "sessions", {"id", "working_dir", "accumulated_input_tokens"})

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        table = copy_table(ctx.con, self.name, f, "sessions", COLS)
        acc = " OR ".join(f"accumulated_{c} IS NOT NULL" for c in COUNTS)
        picked = ", ".join(f"CASE WHEN {acc} THEN accumulated_{c} ELSE {c} END AS {c.removesuffix('_tokens')}"
                           for c in COUNTS)
        n = {c: int_sql(c) for c in ("total", "input", "output", "cache_read", "cache_write")}
        bad = " OR ".join(is_bad_count(c) for c in n)
        cached = f"(coalesce({n['cache_read']}, 0) + coalesce({n['cache_write']}, 0))"
        thinking = f"greatest(coalesce({n['total']}, 0) - {n['input']} - {n['output']}, 0)"
        model = "nullif(trim(json_extract_string(cfg, '$.model_name')), '')"
        prov = "lower(trim(provider_name))"
        folded = " ".join(f"WHEN {prov} = '{k}' THEN '{v}'" for k, v in PROVIDERS.items())
        return f"""
        WITH g AS (
          SELECT *, {picked},
            CASE WHEN {acc} THEN 'accumulated' ELSE 'last_call' END AS totals,
            CASE WHEN json_valid(model_config_json) THEN model_config_json END AS cfg
          FROM {table}
        )
        SELECT rowid AS source_line,
          CAST(json_object('id', id, 'created_at', created_at, 'updated_at', updated_at,
                           'provider_name', provider_name, 'model_config_json', model_config_json,
                           'totals', totals, 'total', total, 'input', input, 'output', output,
                           'cache_read', cache_read, 'cache_write', cache_write,
                           'accumulated_cost', accumulated_cost) AS VARCHAR) AS raw,
          coalesce({token_error_sql(bad, 'input', 'output', n['total'], 'output_tokens')},
                   CASE WHEN {cached} > {n['input']}
                        THEN 'cache tokens exceed the input tokens (Goose''s input includes them)'
                        WHEN {is_bad_cost('accumulated_cost')}
                        THEN 'accumulated_cost is not a number of dollars >= 0' END) AS error,
          coalesce({n['total']}, 0) = 0 AND coalesce({n['input']}, 0) = 0 AND coalesce({n['output']}, 0) = 0
            AND NOT ({bad}) AS skip,
          'goose:' || id || ':' || coalesce(created_at, '') AS event_id,
          'bucket' AS grain,
          {ts_sql('created_at')} AS ts,
          {ts_sql('updated_at')} AS bucket_end,
          CASE {folded} WHEN {prov} <> '' THEN {prov}
               ELSE {model_vendor_sql(f"lower({model})")} END AS provider,
          {model} AS model,
          id AS conversation_id,
          nullif(working_dir, '') AS project,
          0 AS request_count,
          false AS requests_known,
          {n['input']} - {cached} AS input_tokens,
          coalesce({n['cache_read']}, 0) AS cache_read_tokens,
          coalesce({n['cache_write']}, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          {n['output']} + {thinking} AS output_tokens,
          {thinking} AS reasoning_tokens,
          cache_read IS NOT NULL OR cache_write IS NOT NULL AS cache_known,
          false AS batch,
          {agent_cost_sql('accumulated_cost')} AS reported_cost_usd,
          json_object('session_type', session_type, 'goose_provider', provider_name, 'totals', totals) AS extra
        FROM g
        """
