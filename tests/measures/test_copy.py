"""compute_measures runs the queries on a narrowed copy of the priced rows (measures._copy):
low-cardinality text as ENUMs, per-row money as DECIMAL(18,12), the sparse columns left out when
no row has `extra`. The copy must not change a single answer: every hand-computed case is run
again through it, with and without the ENUM columns."""

from __future__ import annotations

from pathlib import Path

import pytest

import llmcost.measures.registry as measures
from llmcost.measures.queries import rows

from .harness import CASES, case_connection, compare, load_case, params

# The copy serves the registered measures (measures.MEASURES): every query one of them runs goes
# through it. The other queries (sql/report_*.sql, sql/focus_*.sql, the month comparison, the tags)
# read the report's window view over its one priced table with every column, never the narrowed
# copy: their cases run in test_query_cases.py only.
MEASURE_QUERIES = {q for m in measures.MEASURES for q in m.sql}
CASE_FILES = sorted(p for p in CASES.glob("*.json") if load_case(p)["query"] in MEASURE_QUERIES)
WINDOW = ("since", "until", "provider")


def _through_copy(case: dict, *, enums: bool, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    if not enums:
        monkeypatch.setattr(measures, "_ENUM_MAX_VALUES", 0)
    con = case_connection(case)
    p = params(case)
    window = {k: p.pop(k, None) for k in WINDOW}
    window = {k: measures._utc(v, k) if k != "provider" else v for k, v in window.items()}
    con.execute("ATTACH ':memory:' AS copy_db")
    measures._copy(con, "copy_db", "priced_usage", "priced_usage", window)
    for name in case.get("tables", {}):
        con.execute(f"CREATE TABLE copy_db.{name} AS SELECT * FROM memory.{name}")
    con.execute("USE copy_db")
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE priced_usage)").fetchall())
    if enums and case["rows"]:
        assert types["provider"].startswith("ENUM") or all(r.get("provider") is None for r in case["rows"])
    if not enums:
        assert not any(t.startswith("ENUM") for t in types.values())
    return rows(con, case["query"], **p)


@pytest.mark.parametrize("enums", [True, False], ids=["enum", "varchar"])
@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case_through_the_copy(path: Path, enums: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    case = load_case(path)
    problems = compare(_through_copy(case, enums=enums, monkeypatch=monkeypatch), case)
    assert not problems, "\n".join(problems)


def test_enum_values_keep_text_order_and_window() -> None:
    """min() over an ENUM is by position: the values are listed in byte order, and only the
    window's values are listed."""
    import duckdb

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE u AS SELECT * FROM (VALUES "
        "(TIMESTAMPTZ '2026-01-01 00:00Z', 'zeta'), (TIMESTAMPTZ '2026-01-02 00:00Z', 'Alpha'), "
        "(TIMESTAMPTZ '2026-01-03 00:00Z', 'alpha'), (TIMESTAMPTZ '2026-01-04 00:00Z', 'it''s'), "
        "(TIMESTAMPTZ '2026-01-05 00:00Z', ''), (TIMESTAMPTZ '2027-01-01 00:00Z', 'late')) t(ts, model)"
    )
    for c in measures._ENUM_COLUMNS:
        if c != "model":
            con.execute(f"ALTER TABLE u ADD COLUMN {c} VARCHAR")
    con.execute("ATTACH ':memory:' AS d")
    until = measures._utc("2026-12-31", "until")
    types = measures._enum_types(con, "d", "u", {"since": None, "until": until, "provider": None})
    assert set(types) == {"model"}
    (values,) = con.execute(f"SELECT enum_range(NULL::{types['model']})").fetchone()
    # byte order: the empty name first, upper case before lower case; 'late' is outside the window
    assert values == ["", "Alpha", "alpha", "it's", "zeta"]
    got = con.execute(
        f"SELECT min(CAST(model AS {types['model']})), max(CAST(model AS {types['model']})) FROM u WHERE ts < ?",
        [until],
    ).fetchone()
    assert got == ("", "zeta")


def _code(sql: str) -> str:
    """`sql` without its comments and string literals (words there are not columns)."""
    import re

    return re.sub(r"'[^']*'", "''", re.sub(r"--[^\n]*", "", sql))


def test_copy_keeps_every_column_a_measure_reads() -> None:
    """The copy leaves out the columns no measure reads (e.g. cost_server_tools_usd): every column
    of the priced rows named in a measure's query must be copied."""
    import re

    from llmcost.measures.queries import get_query

    from .harness import priced_usage_table

    all_columns = priced_usage_table([]).column_names
    copied = set(measures.BASE_COLUMNS) | set(measures.MONEY_COLUMNS) | {"local_day"}  # the source's, or the UTC day
    missing = {
        (q, c) for q in MEASURE_QUERIES for c in all_columns
        if re.search(rf"\b{c}\b", _code(get_query(q).sql)) and c not in copied
    }
    assert not missing
    assert "cost_server_tools_usd" in all_columns  # the check above sees the column it leaves out
