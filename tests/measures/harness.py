"""Run a query case: input rows in, expected rows out (sqlmesh-style tests as data).

A case file (cases/<name>.json) holds the query name, parameters, the `priced_usage` rows
(only the columns that matter; the rest are NULL), optional extra tables, and the expected
rows written out by hand. Money is given as strings and compared as Decimal; floats compare
to 1e-9 relative; timestamps and dates as ISO strings.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from llmcost.pricing import COST_COLUMNS
from llmcost.storage.schema import MONEY, USAGE_COLUMNS

CASES = Path(__file__).parent / "cases"

PRICED_SCHEMA = pa.schema(
    [pa.field(c.name, c.type) for c in USAGE_COLUMNS]
    + [pa.field("model_key", pa.string()), pa.field("priced", pa.bool_())]
    + [pa.field(c, MONEY) for c in COST_COLUMNS]
    + [pa.field("local_day", pa.date32())]
)
"""The priced rows as a report hands them to the measures: `local_day` is the day in the report's
--tz; a case that leaves it out gets the UTC day of `ts`."""


def _value(field: pa.Field, v: Any) -> Any:
    if v is None:
        return None
    if pa.types.is_timestamp(field.type):
        return datetime.fromisoformat(v.replace("Z", "+00:00")).astimezone(UTC)
    if pa.types.is_decimal(field.type):
        return Decimal(str(v))
    if pa.types.is_date(field.type) and isinstance(v, str):
        return date.fromisoformat(v)
    if field.name == "extra" and not isinstance(v, str):
        return json.dumps(v)
    return v


def priced_usage_table(rows: list[dict[str, Any]]) -> pa.Table:
    unknown = {k for r in rows for k in r} - set(PRICED_SCHEMA.names)
    assert not unknown, f"unknown columns in case rows: {unknown}"
    defaults = {"grain": "request", "request_count": 1}
    rows = [r if "local_day" in r or r.get("ts") is None
            else {**r, "local_day": datetime.fromisoformat(r["ts"].replace("Z", "+00:00")).astimezone(UTC).date()}
            for r in rows]
    cols = {f.name: [_value(f, r.get(f.name, defaults.get(f.name))) for r in rows] for f in PRICED_SCHEMA}
    return pa.table(cols, schema=PRICED_SCHEMA)


def case_connection(case: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("_rows", priced_usage_table(case["rows"]))
    con.execute("CREATE TABLE priced_usage AS SELECT * FROM _rows")
    con.unregister("_rows")
    for name, spec in case.get("tables", {}).items():
        con.execute(f"CREATE TABLE {name} ({spec['columns']})")
        for r in spec["rows"]:
            con.execute(f"INSERT INTO {name} VALUES ({', '.join('?' for _ in r)})", r)
    return con


def params(case: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in case.get("params", {}).items():
        if k in ("since", "until") and isinstance(v, str):
            v = datetime.fromisoformat(v.replace("Z", "+00:00")).astimezone(UTC)
        out[k] = v
    return out


def same(actual: Any, expected: Any) -> bool:
    if expected is None or actual is None:
        return actual is None and expected is None
    if isinstance(actual, Decimal):
        return actual == Decimal(str(expected))
    if isinstance(actual, float):
        return math.isclose(actual, float(expected), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(actual, datetime):
        return actual.astimezone(UTC) == datetime.fromisoformat(str(expected).replace("Z", "+00:00"))
    if isinstance(actual, date):
        return actual.isoformat() == expected
    return actual == expected


def compare(actual: list[dict[str, Any]], case: dict[str, Any]) -> list[str]:
    """Problems, empty when the result matches. `subset`: expected rows appear in order, and
    `row_count` gives the full number of rows."""
    expected = case["expected"]
    problems = []
    if case.get("subset"):
        if len(actual) != case["row_count"]:
            problems.append(f"{len(actual)} rows, expected {case['row_count']}")
        pool = list(actual)
        for e in expected:
            hit = next((a for a in pool if all(same(a.get(k), v) for k, v in e.items())), None)
            if hit is None:
                problems.append(f"no row matches {e}")
            else:
                pool.remove(hit)
        return problems
    if len(actual) != len(expected):
        problems.append(f"{len(actual)} rows, expected {len(expected)}: {actual}")
        return problems
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        missing = set(e) - set(a)
        if missing:
            problems.append(f"row {i}: no columns {missing}")
        for k, v in e.items():
            if k in a and not same(a[k], v):
                problems.append(f"row {i} {k}: got {a[k]!r}, expected {v!r}")
    return problems


def load_case(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
