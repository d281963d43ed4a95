"""Parquet exports read by the CSV formats: a Parquet file is a table of the same columns.

AWS Data Exports (CUR 2.0) and FOCUS exports deliver Parquet by default; Azure Cost Management
exports, Langfuse's scheduled blob export and a BigQuery extract offer it
(formats-provider-exports.md 3.1, 4.2, 5.1, 6; formats-request-logs.md 2). Each such file holds the
columns of the CSV export of the same data, so the CSV formats read it, in one place:

- detection (`intake.head`): a file that starts with `PAR1` gets a synthetic head, its column names
  as a CSV header line and its first rows as CSV, written from `varchar_sql`; every CSV sniffer
  then reads it unchanged and exactly one format claims it. The head is a `ParquetHead`, so
  `InputFile.parquet` knows the file is Parquet;
- reading (`relation`, used by `_exports.Csv.source` and `_records.csv_records_sql`): the file as
  a relation of VARCHAR columns in the form the CSV readers parse (`varchar_sql`).

A row's `source_line` is its row number + 1, as if a header were line 1 (the quarantine's "line 2"
is the file's first row).
"""

from __future__ import annotations

import csv
import functools
import io
import os
from pathlib import Path
from typing import Any

from llmcost.errors import FormatError
from llmcost.ingest import sql_str

MAGIC = b"PAR1"
"""The first (and last) four bytes of a Parquet file."""
HEAD_ROWS = 100
"""Rows of a Parquet file written into its synthetic head (the CSV sniffers read its header; a few
look at the first rows)."""
HEAD_BYTES = 65536


class ParquetHead(bytes):
    """The synthetic CSV head of a Parquet file (`head`): `InputFile.parquet` is true for it."""


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_TS_TEXT = (
    "CASE WHEN epoch_us({t}) % 1000000 = 0 THEN strftime({t}, '%Y-%m-%dT%H:%M:%SZ') "
    "ELSE strftime({t}, '%Y-%m-%dT%H:%M:%S.%fZ') END"
)


def _text(expr: str, t: Any) -> str:
    """SQL: a value of DuckDB type `t` as the text a CSV export writes for it.

    Strings as they are (empty = NULL, as the CSV reader reads an empty cell); DECIMAL and integers
    by CAST (every digit kept); DOUBLE by CAST (`1.2e-06`: the readers' `dec()` reads exponent
    notation); DATE as `YYYY-MM-DD`; TIMESTAMP (UTC, as CUR 2.0 and FOCUS write it) and TIMESTAMPTZ
    as ISO 8601 UTC with `Z` (`2026-10-01T00:00:00Z`, microseconds when there are any), which
    `ts_sql`, the Azure date shapes and a `CAST(... AS DATE)` all read; MAP, STRUCT and LIST as JSON
    (`{"user_team":"ml"}`, `[{"key":"env","value":"prod"}]`: how the CSV exports write CUR
    `resource_tags` / `product`, FOCUS `Tags` and `SkuPriceDetails`, GCP `credits` and `labels`)."""
    kind = t.id
    if kind == "varchar":
        return f"nullif({expr}, '')"
    if kind == "timestamp with time zone":
        return _TS_TEXT.format(t=f"({expr} AT TIME ZONE 'UTC')")
    if kind.startswith("timestamp"):  # TIMESTAMP, _S, _MS, _NS: UTC without a zone
        return _TS_TEXT.format(t=f"CAST({expr} AS TIMESTAMP)")
    if kind in ("struct", "map", "list", "array", "union"):
        return f"CAST(to_json({expr}) AS VARCHAR)"
    return f"CAST({expr} AS VARCHAR)"


def _columns(name: str, expr: str, t: Any, taken: set[str]) -> list[tuple[str, str]]:
    """(column name, SQL) of a Parquet column: itself as text, and for a STRUCT also each field
    under a dotted name (`sku` -> `sku.description`, as a BigQuery extract flattened to CSV names
    them), unless the file has a column of that name."""
    out = [(name, _text(expr, t))]
    if t.id == "struct":
        for child, ct in t.children:
            dotted = f"{name}.{child}"
            if dotted.casefold() not in taken:
                taken.add(dotted.casefold())
                out += _columns(dotted, f"struct_extract({expr}, {sql_str(child)})", ct, taken)
    return out


@functools.lru_cache(maxsize=64)
def _schema(path: str, size: int, mtime_ns: int) -> tuple[tuple[str, Any], ...]:
    from llmcost.storage.duck import connect

    con = connect()
    try:
        rel = con.sql(f"SELECT * FROM read_parquet({sql_str(path)}) LIMIT 0")
        return tuple(zip(rel.columns, rel.dtypes, strict=True))
    except Exception as e:  # duckdb.Error and friends: a damaged or cut file
        raise FormatError(
            f"starts as a Parquet file but cannot be read as one ({str(e).splitlines()[0]}): a damaged, cut or "
            "still-being-written file. Fix: copy or download it again."
        ) from None
    finally:
        con.close()


def varchar_sql(path: Path) -> list[tuple[str, str]]:
    """(column name, SQL over `read_parquet`) of every column of the Parquet file at `path` as text
    (`_text`), STRUCT fields also flattened (`_columns`)."""
    st = os.stat(path)
    schema = _schema(str(path), st.st_size, st.st_mtime_ns)
    taken = {n.casefold() for n, _ in schema}
    out: list[tuple[str, str]] = []
    for name, t in schema:  # named as the CSV sniffers and readers see a header (spaces stripped)
        out += [(n.strip(), sql) for n, sql in _columns(name, _ident(name), t, taken)]
    return out


def relation(path: Path, path_sql: str) -> str:
    """SQL: the Parquet file as a relation of VARCHAR columns named as its synthetic head names
    them, in file order (`path_sql`: the path as an SQL literal, `InputFile.sql_path()`)."""
    cols = ", ".join(f"{sql} AS {_ident(name)}" for name, sql in varchar_sql(path))
    return f"(SELECT {cols} FROM read_parquet({path_sql}))"


def head(path: Path) -> ParquetHead:
    """The synthetic head of a Parquet file: a CSV header of its columns and its first rows as
    CSV (at most `HEAD_ROWS`, about `HEAD_BYTES`). A FormatError when DuckDB cannot read it."""
    from llmcost.storage.duck import connect

    cols = varchar_sql(path)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([n for n, _ in cols])
    con = connect()
    try:
        sql = ", ".join(s for _, s in cols)
        rows = con.sql(f"SELECT {sql} FROM read_parquet({sql_str(str(path))}) LIMIT {HEAD_ROWS}").fetchall()
    except Exception as e:
        raise FormatError(
            f"is a Parquet file whose rows cannot be read ({str(e).splitlines()[0]}). Fix: copy or download it "
            "again."
        ) from None
    finally:
        con.close()
    for row in rows:
        if out.tell() > HEAD_BYTES:
            break
        w.writerow(["" if v is None else v for v in row])
    return ParquetHead(out.getvalue().encode("utf-8"))


def columns_hint(head: bytes, limit: int = 8) -> str:
    """`a Parquet file with columns a, b, c, ... (N in all)`: what the "no known format" message
    says of a Parquet file, so a --mapping can name its columns."""
    names = next(csv.reader(io.StringIO(head.decode("utf-8", "replace").split("\n", 1)[0])), [])
    shown = ", ".join(names[:limit]) + (f", ... ({len(names)} in all)" if len(names) > limit else "")
    return f"a Parquet file with the columns {shown}"
