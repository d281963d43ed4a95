"""OpenCode's SQLite database (`~/.local/share/opencode/opencode.db`, OpenCode 1.2 and later).

Why: OpenCode moved its sessions from one JSON file per message (`storage/message/`, read by
`opencode_message_json`) to a SQLite database in v1.2 (February 2026; ccusage#845, #966), and
dropped the migration of the old files in v1.16. A current install has no message files at all:
without this format its usage is missing.

Field mapping (anomalyco/opencode `packages/opencode/src/session/session.sql.ts`): table
`message (id, session_id, time_created, time_updated, data)`, where `data` is the message as
the JSON files held it, without `id` and `sessionID`; table `session (id, directory, ...)`.

- Each `message` row is read as `opencode_message_json` reads a file (same token convention:
  `tokens.input` is uncached, output = `tokens.output` + `tokens.reasoning`; `cost` is OpenCode's
  own estimate, `reported_cost_usd`; a user message is read and counted as skipped).
- event_id = `opencode:` + message id, as for the JSON files, so messages OpenCode copied from
  its old files into the database are stored once when both are ingested.
- ts = `data.time.created` (epoch ms), else the row's `time_created`; conversation_id =
  `session_id`; project = `data.path.root`, else the session's `directory`.
- `source_line` is the message's rowid.

As for `simonw_llm_logs_sqlite` (DuckDB's sqlite extension needs a download), the few columns are
copied in chunks of 5,000 rows from Python's sqlite3 into a DuckDB TEMP table.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import urllib.parse

import pyarrow as pa

from llmcost.ingest import IngestContext, Ingestor, InputFile, JsonFields, register

CHUNK = 5000
COLS = ["rowid", "id", "session_id", "time_created", "data", "directory"]
SCHEMA = pa.schema([(c, pa.int64() if c in ("rowid", "time_created") else pa.string()) for c in COLS])


def _open(path: str) -> sqlite3.Connection:
    # percent-encoded: a '?', '#' or '%' in the file name is part of the name (simonw_llm_logs_sqlite)
    return sqlite3.connect(f"file:{urllib.parse.quote(os.fsencode(os.path.abspath(path)))}?mode=ro", uri=True)


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in db.execute(f"PRAGMA table_info({table})")}


def _copy(f: InputFile, ctx: IngestContext) -> str:
    assert ctx.con is not None
    name = "opencode_db_" + hashlib.sha1(f"{f.display}{f.content_hash()}".encode()).hexdigest()[:12]
    ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (rowid BIGINT, id VARCHAR, session_id VARCHAR, "
                    "time_created BIGINT, data VARCHAR, directory VARCHAR)")
    db = _open(str(f.path))
    try:
        created = "m.time_created" if "time_created" in _columns(db, "message") else "NULL"
        directory = "s.directory" if "directory" in _columns(db, "session") else "NULL"
        cur = db.execute(f"SELECT m.rowid, m.id, m.session_id, {created}, m.data, {directory} FROM message m "
                         "LEFT JOIN session s ON s.id = m.session_id ORDER BY m.rowid")
        while rows := cur.fetchmany(CHUNK):
            chunk = pa.Table.from_pylist([dict(zip(COLS, r, strict=True)) for r in rows], schema=SCHEMA)
            ctx.con.register("_opencode_chunk", chunk)
            ctx.con.execute(f"INSERT INTO {name} SELECT * FROM _opencode_chunk")
            ctx.con.unregister("_opencode_chunk")
    finally:
        db.close()
    return name


@register
class OpencodeDbSqlite(Ingestor):
    name = "opencode_db_sqlite"
    title = "OpenCode's SQLite database (~/.local/share/opencode/opencode.db, OpenCode 1.2+)"
    obtain = "Already on disk: point --logs at ~/.local/share/opencode/opencode.db (or $XDG_DATA_HOME/opencode/)."

    def sniff(self, head: bytes, name: str) -> bool:
        if not head.startswith(b"SQLite format 3\x00"):
            return False
        try:  # ask the file itself, read-only, when it is on disk
            db = _open(name)
            try:
                tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if not {"message", "session", "part"} <= tables:
                    return False
                return {"id", "session_id", "data"} <= _columns(db, "message")
            finally:
                db.close()
        except sqlite3.Error:
            return False

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        if ctx.con is None:
            raise RuntimeError("opencode_db_sqlite needs the loader's DuckDB connection")
        table = _copy(f, ctx)
        js = JsonFields("j")
        n, tok = js.text, js.count
        bad = js.bad_counts(("$.tokens.input", "$.tokens.output", "$.tokens.reasoning", "$.tokens.cache.read",
                             "$.tokens.cache.write"))
        return f"""
        WITH o AS (
          SELECT rowid AS source_line, id, session_id, time_created, directory,
                 CASE WHEN json_valid(data) THEN CAST(data AS JSON) END AS j, data
          FROM {table}
        )
        SELECT source_line, data AS raw,
          CASE WHEN j IS NULL OR json_type(j) <> 'OBJECT' THEN 'data is not a JSON object'
               WHEN {n('$.role')} IS DISTINCT FROM 'assistant' AND {n('$.role')} IS DISTINCT FROM 'user'
                 THEN 'role is neither assistant nor user'
               WHEN {n('$.role')} = 'assistant' AND ({bad}) THEN 'non-numeric or non-integer token count'
               WHEN {n('$.role')} = 'assistant' AND json_extract(j, '$.tokens') IS NULL
                 THEN 'assistant message without tokens'
          END AS error,
          coalesce({n('$.role')} = 'user', false) AS skip,
          'opencode:' || id AS event_id,
          'request' AS grain,
          make_timestamptz(coalesce(TRY_CAST({n('$.time.created')} AS BIGINT), time_created) * 1000) AS ts,
          lower(nullif({n('$.providerID')}, '')) AS provider,
          nullif({n('$.modelID')}, '') AS model,
          session_id AS conversation_id,
          1 AS request_count,
          {tok('$.tokens.input')} AS input_tokens,
          coalesce({tok('$.tokens.cache.read')}, 0) AS cache_read_tokens,
          coalesce({tok('$.tokens.cache.write')}, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          {tok('$.tokens.output')} + coalesce({tok('$.tokens.reasoning')}, 0) AS output_tokens,
          coalesce({tok('$.tokens.reasoning')}, 0) AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          TRY_CAST({n('$.cost')} AS DECIMAL(38, 12)) AS reported_cost_usd,
          coalesce(nullif({n('$.path.root')}, ''), nullif(directory, '')) AS project
        FROM o
        """
