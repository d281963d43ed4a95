"""DuckDB in one place: every connection the tool opens, its settings and the small helpers.

`connect` is the one function that creates a DuckDB connection (extension auto-install and
auto-load off, `SAFE_CONFIG`); `bounded_config` gives it the one memory limit (`MEMORY_LIMIT`,
overridden by $LLMCOST_MEMORY_LIMIT) and a spill directory, for ingest and report alike; `one`,
`has_relation`, `work_table` and `attach_work_file` are the helpers every layer shares.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

import duckdb

Config = dict[str, str | bool | int | float | list[str]]

MEMORY_LIMIT = "2GB"
"""DuckDB's `memory_limit` for every connection that reads or writes the store (ingest, report,
compact, conversation inference); $LLMCOST_MEMORY_LIMIT overrides it. DuckDB's own default is 80%
of RAM. 2 GB is the limit the report was measured with (20 GB of logs, 35.7M requests: 2.44 GiB
peak RSS, docs/reliability.md); ingest, measured at 1 GB (peak 1.19 GiB on the same logs), may use
up to this limit too (docs/reliability.md "Memory")."""

MEMORY_ENV = "LLMCOST_MEMORY_LIMIT"

SAFE_CONFIG: Config = {
    # No extension is ever downloaded or loaded behind the user's back: a mapping's SQL (opt-in,
    # llmcost.ingest.mapped) or a path such as `https://...` then fails instead of fetching httpfs.
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def memory_limit() -> str:
    """The memory limit in force: $LLMCOST_MEMORY_LIMIT, else `MEMORY_LIMIT`."""
    return os.environ.get(MEMORY_ENV) or MEMORY_LIMIT


def bounded_config(spill: Path | None = None) -> Config:
    """Settings that keep memory bounded whatever the store's size: `memory_limit()` and a spill
    directory (`spill`, else one per process in the system temp dir, never `./.tmp` in the working
    directory; `llmcost.storage.cleanup` removes a dead run's)."""
    if spill is None:
        spill = Path(tempfile.gettempdir()) / f"llmcost-spill-{os.getpid()}"
    return {"memory_limit": memory_limit(), "temp_directory": str(spill)}


def connect(config: Config | None = None) -> duckdb.DuckDBPyConnection:
    """Every DuckDB connection the tool opens: an in-memory database with `config` plus extension
    auto-install and auto-load off (`SAFE_CONFIG`), the progress bar off (it would draw on stdout,
    inside a report), and the session time zone UTC.

    UTC, not the machine's zone: DuckDB hands TIMESTAMPTZ values to Python in the session zone, so
    a report's times read `-04:00` under TZ=America/New_York and `+00:00` elsewhere (the same
    instants, a different document). And a zone other than 'UTC' costs pytz a scan of its 600 zone
    files on the first such value (0.27 s of a 4.6 s report)."""
    con = duckdb.connect(config={**(config or {}), **SAFE_CONFIG})
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")
    return con


def bounded(spill: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A connection under the one memory limit (`bounded_config`)."""
    return connect(bounded_config(spill))


def one(cur: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The one row of an aggregate query (DuckDB's stubs type fetchone() as optional)."""
    row = cur.fetchone()
    if row is None:  # an aggregate without GROUP BY always returns a row
        raise RuntimeError("the query returned no row")
    return row


def has_relation(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when `name` is a table or view the connection can read."""
    try:
        con.execute(f"SELECT 1 FROM {name} LIMIT 0").fetchall()
    except duckdb.Error:
        return False
    return True


def work_table(con: duckdb.DuckDBPyConnection) -> str:
    """'TABLE' when the connection's default database is a file (large work, see
    `attach_work_file`), else 'TEMP TABLE'. In-memory tables are stored uncompressed and spill
    as they are: a 35M-row priced window took 25 GB of spill; a database file compresses it."""
    (path,) = one(con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ))
    return "TABLE" if path else "TEMP TABLE"


def attach_work_file(con: duckdb.DuckDBPyConnection) -> Path:
    """Make a new temporary database file the connection's default database (for
    `work_table`); the caller deletes the returned path after closing the connection."""
    path = Path(tempfile.gettempdir()) / f"llmcost-work-{os.getpid()}-{uuid.uuid4().hex[:8]}.duckdb"
    con.execute(f"ATTACH '{path}' AS llmcost_work")
    (home,) = one(con.execute("SELECT current_database()"))
    con.execute("USE llmcost_work")
    # the store's views stay visible by their plain names
    con.execute(f"SET search_path = 'llmcost_work.main,{home}.main'")
    return path
