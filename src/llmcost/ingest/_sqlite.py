"""Reading a SQLite file (simonw/llm's logs.db, OpenCode's opencode.db) into DuckDB.

DuckDB's sqlite extension would have to be downloaded (no network at run time), so the few
columns a reader needs are selected by Python's sqlite3, read-only, and copied into a DuckDB TEMP
table in Arrow chunks of CHUNK rows.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterable
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

if TYPE_CHECKING:
    from llmcost.ingest import InputFile

CHUNK = 5000

MAGIC = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file (sqlite.org/fileformat.html, "The Database Header")."""


def is_sqlite(head: bytes) -> bool:
    """The file is a SQLite database (its header string): a reader's sniff then asks the file itself."""
    return head.startswith(MAGIC)


def open_readonly(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """The database at `path`, read-only. The path is percent-encoded into the URI: a '?', '#' or
    '%' in the file name is part of the name (unencoded, `logs #1?.db` opened an empty new database
    `logs ` beside it and lost the file's rows)."""
    return sqlite3.connect(f"file:{urllib.parse.quote(os.fsencode(os.path.abspath(path)))}?mode=ro", uri=True)


def table_names(db: sqlite3.Connection) -> set[str]:
    """The names of the database's tables."""
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def columns(db: sqlite3.Connection, table: str) -> set[str]:
    """The column names of `table` (none when there is no such table)."""
    return {r[1] for r in db.execute(f'PRAGMA table_info("{table}")')}


def copy_name(prefix: str, f: InputFile) -> str:
    """The TEMP table a reader copies `f` into: `prefix` and a hash of the file's name and content."""
    return prefix + hashlib.sha1(f"{f.display}{f.content_hash()}".encode()).hexdigest()[:12]


def copy_rows(con: duckdb.DuckDBPyConnection, name: str, schema: pa.Schema,
              cursors: Iterable[sqlite3.Cursor]) -> str:
    """TEMP TABLE `name` on `con` with `schema`'s columns (integers as BIGINT, the rest VARCHAR),
    filled with the rows of each of `cursors` in turn (their columns in `schema`'s order), CHUNK
    rows at a time. Returns `name`."""
    cols = ", ".join(f"{f.name} {'BIGINT' if pa.types.is_integer(f.type) else 'VARCHAR'}" for f in schema)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({cols})")
    for cur in cursors:
        while rows := cur.fetchmany(CHUNK):
            # column by column: one Arrow array per column, not a dict per row
            chunk = pa.Table.from_arrays(
                [pa.array(list(col), type=f.type) for col, f in zip(zip(*rows, strict=True), schema, strict=True)],
                schema=schema,
            )
            con.register("_sqlite_chunk", chunk)
            con.execute(f"INSERT INTO {name} SELECT * FROM _sqlite_chunk")
            con.unregister("_sqlite_chunk")
    return name


def has_table(name: str, table: str, cols: set[str]) -> bool:
    """The SQLite file `name` (on disk) has `table` with every one of `cols`: a reader's sniff, once
    `is_sqlite` has said the head is a database. False when the file cannot be opened read-only."""
    try:
        db = open_readonly(name)
        try:
            return cols <= columns(db, table)
        finally:
            db.close()
    except sqlite3.Error:
        return False


def copy_table(con: duckdb.DuckDBPyConnection | None, reader: str, f: InputFile, table: str,
               cols: tuple[str, ...], *, missing_ok: bool = False) -> str:
    """`table`'s rowid and `cols` copied from the SQLite file `f` into a TEMP table (`copy_name`, named
    for the format `reader`) on the loader's connection `con`, in rowid order: rowid as BIGINT, every
    other column as its text (`CAST(.. AS TEXT)`, so a count stored as text, 'n/a', reaches the reader
    as it is and is quarantined there, not lost); a column the file's version of the table lacks is
    NULL; with `missing_ok`, a file without `table` gives an empty one. Returns the TEMP table's name."""
    if con is None:
        raise RuntimeError(f"{reader} needs the loader's DuckDB connection")
    db = open_readonly(f.path)
    try:
        have = columns(db, table)
        schema = pa.schema([("rowid", pa.int64()), *((c, pa.string()) for c in cols)])
        if missing_ok and not have:
            return copy_rows(con, copy_name(f"{reader}_", f), schema, [])
        select = ", ".join(f'CAST("{c}" AS TEXT)' if c in have else "NULL" for c in cols)
        cur = db.execute(f'SELECT rowid, {select} FROM "{table}" ORDER BY rowid')
        return copy_rows(con, copy_name(f"{reader}_", f), schema, [cur])
    finally:
        db.close()
