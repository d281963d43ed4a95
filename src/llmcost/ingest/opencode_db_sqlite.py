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

Kilo CLI (Kilo-Org/kilocode, an OpenCode fork) writes the same tables to `~/.local/share/kilo/kilo.db`
(`kilo-<channel>.db` for a preview build; its packages/opencode/src/session/session.sql.ts, with two
more `session` columns) through the same `getUsage` (session/session.ts: input uncached, output
without reasoning), so this format reads it as it is: provider = its `providerID` (`kilo` for the
Kilo Gateway, whose `modelID` is a vendor/model name the catalog resolves), event ids `opencode:`
+ message id as well.

As for `simonw_llm_logs_sqlite` (DuckDB's sqlite extension needs a download), the few columns are
copied in chunks of 5,000 rows from Python's sqlite3 into a DuckDB TEMP table.
"""

from __future__ import annotations

import sqlite3

import pyarrow as pa

from llmcost.ingest import IngestContext, Ingestor, InputFile, register
from llmcost.ingest._sqlite import columns, copy_name, copy_rows, is_sqlite, open_readonly, table_names
from llmcost.ingest.opencode_message_json import message_columns

SCHEMA = pa.schema([(c, pa.int64() if c in ("rowid", "time_created") else pa.string())
                    for c in ("rowid", "id", "session_id", "time_created", "data", "directory")])


def _copy(f: InputFile, ctx: IngestContext) -> str:
    assert ctx.con is not None
    name = copy_name("opencode_db_", f)
    db = open_readonly(f.path)
    try:
        created = "m.time_created" if "time_created" in columns(db, "message") else "NULL"
        directory = "s.directory" if "directory" in columns(db, "session") else "NULL"
        cur = db.execute(f"SELECT m.rowid, m.id, m.session_id, {created}, m.data, {directory} FROM message m "
                         "LEFT JOIN session s ON s.id = m.session_id ORDER BY m.rowid")
        return copy_rows(ctx.con, name, SCHEMA, [cur])
    finally:
        db.close()


@register
class OpencodeDbSqlite(Ingestor):
    name = "opencode_db_sqlite"
    title = "OpenCode's SQLite database (~/.local/share/opencode/opencode.db, OpenCode 1.2+)"
    obtain = "Already on disk: point --logs at ~/.local/share/opencode/opencode.db (or $XDG_DATA_HOME/opencode/)."

    def sniff(self, head: bytes, name: str) -> bool:
        if not is_sqlite(head):
            return False
        try:  # ask the file itself, read-only, when it is on disk
            db = open_readonly(name)
            try:
                tables = table_names(db)
                if not {"message", "session", "part"} <= tables:
                    return False
                return {"id", "session_id", "data"} <= columns(db, "message")
            finally:
                db.close()
        except sqlite3.Error:
            return False

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        if ctx.con is None:
            raise RuntimeError("opencode_db_sqlite needs the loader's DuckDB connection")
        table = _copy(f, ctx)
        return f"""
        WITH o AS (
          SELECT rowid AS source_line, id, session_id, time_created, directory,
                 CASE WHEN json_valid(data) THEN CAST(data AS JSON) END AS j, data
          FROM {table}
        )
        SELECT source_line, data AS raw,
          {message_columns("j", "id", "session_id", "time_created", "directory")}
        FROM o
        """
