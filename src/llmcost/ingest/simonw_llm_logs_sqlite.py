"""The `logs.db` SQLite database of simonw's `llm` command-line tool (0.31 and 0.32 layouts).

Field mapping (formats-request-logs.md section 7; simonw/llm `llm/migrations.py` and
https://github.com/simonw/llm/blob/main/docs/logging.md):

- <= 0.31: one row per `responses` row: `id` (ULID), `model`, `resolved_model`, `conversation_id`,
  `datetime_utc` (ISO, +00:00), `input_tokens`, `output_tokens`, `token_details` (JSON text).
- 0.32: new writes go to `turns` (`thread_id` = conversation); `responses` stays as read-only
  history. Both tables are read and unioned; the same ULID in two files is stored once.
- Tokens are plugin-specific; the shape of `token_details` says which convention a row follows.
  OpenAI plugin (`token_details` = the rest of OpenAI's `usage`, zeros removed): `input_tokens` =
  prompt_tokens, cache-INCLUSIVE, and `prompt_tokens_details` holds the parts of it that were
  `cached_tokens` (cache reads) and `cache_write_tokens` (cache writes, openai-python >= 2.45,
  formats-request-logs.md 5a), so uncached = input - cached - cache writes;
  `completion_tokens_details.reasoning_tokens` inside output. Seen in a real llm 0.36 logs.db
  (real-samples/simonw_llm, issue 20): `{"prompt_tokens_details": {"cache_write_tokens": 4012}}`
  on a 4,020-token prompt. llm-anthropic: `input_tokens` is cache-EXCLUSIVE (Anthropic's own
  `input_tokens`), `token_details.cache_read_input_tokens` / `cache_creation_input_tokens`
  top-level and separate, so nothing is subtracted. `cache_known` is true only when
  token_details states a cache count (llm-anthropic records them only with `-o cache 1`).
  llm-gemini (simonw/llm-gemini `set_usage`): `input_tokens` = promptTokenCount (+
  toolUsePromptTokenCount), which INCLUDES `cachedContentTokenCount`; `output_tokens` =
  candidates + `thoughtsTokenCount`; `token_details` = the rest of usageMetadata. So uncached =
  input - cachedContentTokenCount, reasoning = thoughtsTokenCount, and the cache is known on any
  Gemini usage (it omits zero counts, as gemini_generate_content_jsonl reads it). The cached tokens
  were counted as uncached input and the thoughts as no reasoning.
- Provider from the model name (the database does not say it); no cost column.
- `source_line` is the record number: `responses` rows by rowid, then `turns` rows.

DuckDB's sqlite extension needs a download, so this format (the one exception to "no Python
reading") copies the few needed columns in chunks of 5,000 rows (`fetchmany`) from Python's
sqlite3 into a DuckDB TEMP table on the loader's connection; memory stays bounded by the chunk.
"""

from __future__ import annotations

import sqlite3

import pyarrow as pa

from llmcost.ingest import IngestContext, Ingestor, InputFile, int_sql, register, ts_sql
from llmcost.ingest._sqlite import columns, copy_name, copy_rows, is_sqlite, open_readonly, table_names

COLS = ["kind", "rowid", "id", "model", "resolved_model", "conversation_id", "datetime_utc", "input_tokens",
        "output_tokens", "token_details", "duration_ms", "prompt", "response"]
SCHEMA = pa.schema([(c, pa.int64() if c in ("rowid", "input_tokens", "output_tokens", "duration_ms")
                     else pa.string()) for c in COLS])


def _select(db: sqlite3.Connection, table: str, conv: str, keep_text: bool) -> str | None:
    have = columns(db, table)
    if not have:
        return None

    def col(name: str, src: str | None = None) -> str:
        src = src or name
        return f'"{src}"' if src in have else "NULL"

    text = (col("prompt"), col("response")) if keep_text else ("NULL", "NULL")
    return (f"SELECT '{table}', rowid, {col('id')}, {col('model')}, {col('resolved_model')}, {col(conv)}, "
            f"{col('datetime_utc')}, {col('input_tokens')}, {col('output_tokens')}, {col('token_details')}, "
            f"{col('duration_ms')}, {text[0]}, {text[1]} FROM \"{table}\" ORDER BY rowid")


def _copy(f: InputFile, ctx: IngestContext) -> str:
    assert ctx.con is not None
    name = copy_name("llm_logs_", f)
    db = open_readonly(f.path)
    try:
        selects = [sql for table, conv in (("responses", "conversation_id"), ("turns", "thread_id"))
                   if (sql := _select(db, table, conv, ctx.keep_text)) is not None]
        return copy_rows(ctx.con, name, SCHEMA, (db.execute(sql) for sql in selects))
    finally:
        db.close()


@register
class SimonwLlmLogsSqlite(Ingestor):
    name = "simonw_llm_logs_sqlite"
    title = "simonw/llm logs.db (SQLite; llm <= 0.31 responses and 0.32 threads/turns)"
    obtain = "Already on disk: `llm logs path` prints it (e.g. ~/.config/io.datasette.llm/logs.db)."

    def sniff(self, head: bytes, name: str) -> bool:
        if not is_sqlite(head):
            return False
        # llm's migration names (rows of _llm_migrations) usually sit in the first pages
        if b"m001_initial" in head and b"m013_usage" in head:
            return True
        try:  # else ask the file itself, read-only, when it is on disk
            db = open_readonly(name)
            try:
                tables = table_names(db)
            finally:
                db.close()
        except sqlite3.Error:
            return False
        return "_llm_migrations" in tables and "responses" in tables

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        if ctx.con is None:
            raise RuntimeError("simonw_llm_logs_sqlite needs the loader's DuckDB connection")
        table = _copy(f, ctx)
        d = "CASE WHEN json_valid(token_details) THEN token_details END"
        # OpenAI plugin: parts of input_tokens (cache-inclusive), subtracted from it
        cached = f"json_extract_string({d}, '$.prompt_tokens_details.cached_tokens')"
        cwrite = f"json_extract_string({d}, '$.prompt_tokens_details.cache_write_tokens')"
        # llm-anthropic: beside input_tokens (cache-exclusive), not subtracted
        read = f"json_extract_string({d}, '$.cache_read_input_tokens')"
        write = f"json_extract_string({d}, '$.cache_creation_input_tokens')"
        reasoning = f"json_extract_string({d}, '$.completion_tokens_details.reasoning_tokens')"
        # llm-gemini: the rest of usageMetadata; input_tokens includes the cached part, output the thoughts
        g_cached = f"json_extract_string({d}, '$.cachedContentTokenCount')"
        g_thoughts = f"json_extract_string({d}, '$.thoughtsTokenCount')"
        gemini = f"json_exists({d}, '$.candidatesTokenCount') OR json_exists({d}, '$.promptTokensDetails')"
        m = "lower(coalesce(resolved_model, model))"
        return f"""
        SELECT row_number() OVER (ORDER BY kind = 'turns', rowid) AS source_line,
          CAST(json_object('table', kind, 'id', id, 'model', model, 'conversation_id', conversation_id,
                           'datetime_utc', datetime_utc, 'input_tokens', input_tokens,
                           'output_tokens', output_tokens, 'token_details', token_details) AS VARCHAR) AS raw,
          CASE WHEN token_details IS NOT NULL AND NOT json_valid(token_details)
               THEN 'token_details is not valid JSON' END AS error,
          id AS event_id,
          'request' AS grain,
          {ts_sql('datetime_utc')} AS ts,
          CASE WHEN {m} LIKE '%claude%' THEN 'anthropic' WHEN {m} LIKE '%gemini%' THEN 'google'
               WHEN regexp_matches({m}, '^(openai/)?(gpt|o[0-9]|chatgpt)') THEN 'openai' END AS provider,
          coalesce(resolved_model, model) AS model,
          conversation_id,
          1 AS request_count,
          input_tokens - coalesce({int_sql(cached)}, 0) - coalesce({int_sql(cwrite)}, 0)
            - coalesce({int_sql(g_cached)}, 0) AS input_tokens,
          coalesce({int_sql(cached)}, {int_sql(read)}, {int_sql(g_cached)}, 0) AS cache_read_tokens,
          coalesce({int_sql(cwrite)}, {int_sql(write)}, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          output_tokens,
          coalesce({int_sql(reasoning)}, {int_sql(g_thoughts)}, 0) AS reasoning_tokens,
          {cached} IS NOT NULL OR {cwrite} IS NOT NULL OR {read} IS NOT NULL OR {write} IS NOT NULL
            OR coalesce({gemini}, false) AS cache_known,
          false AS batch,
          json_object('table', kind, 'duration_ms', duration_ms) AS extra,
          prompt AS prompt_text,
          response AS response_text
        FROM {table}
        """
