"""The SQL loader: names, help, bad files fail at load time with file and line, sql_dir() in a
checkout and in a built wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from llmcost.errors import ConfigError, UsageError
from llmcost.measures import queries
from llmcost.measures.queries import load_queries, parse_query, run, sql_dir

REPO = Path(__file__).resolve().parents[2]


def test_every_query_has_name_help_and_parses() -> None:
    qs = load_queries()
    assert len(qs) >= 15
    for name, q in qs.items():
        assert q.path.name == f"{name}.sql"
        assert len(q.help) > 20, name


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / f"{name}.sql"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("", ":1:", "empty"),
        ("SELECT 1\n", ":1:", "-- name:"),
        ("-- name: other\n-- help\nSELECT 1\n", ":1:", "rename"),
        ("-- name: q\nSELECT 1\n", ":2:", "no help"),
        ("-- name: q\n-- help text\n\n", ":3:", "no SQL"),
        ("-- name: q\n-- help text\nSELECT 1;\nSELECT 2\n", ":3:", "2 statements"),
        ("-- name: q\n-- help text\nSELECT a\nFROM t\nWHERE (\n", ":5:", "does not parse"),
    ],
)
def test_bad_file_fails_with_file_and_line(tmp_path: Path, text: str, where: str, words: str) -> None:
    p = _write(tmp_path, "q", text)
    with pytest.raises(ConfigError) as e:
        load_queries(tmp_path)
    msg = str(e.value)
    assert f"{p}{where}" in msg, msg
    assert words in msg


def test_params_missing_are_null_and_unknown_rejected() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE priced_usage AS SELECT TIMESTAMPTZ '2025-01-01 00:00:00+00' AS ts, "
                "'openai' AS provider, 'm' AS model, 1 AS request_count, true AS requests_known, "
                "'request' AS grain, true AS priced, "
                "CAST(1.5 AS DECIMAL(38,12)) AS cost_usd, 0 AS input_tokens, 0 AS cache_read_tokens, "
                "0 AS cache_write_tokens, 0 AS output_tokens")
    df = run(con, "spend_totals")
    assert df["n_rows"].to_list() == [1]
    assert run(con, "spend_totals", provider="anthropic")["n_rows"].to_list() == [0]
    with pytest.raises(UsageError, match=r"providr \(did you mean 'provider'\?\)"):
        run(con, "spend_totals", providr="openai")
    with pytest.raises(UsageError, match=r"No query named 'spend_total' \(did you mean 'spend_totals'"):
        run(con, "spend_total")


def test_parse_query_reports_params(tmp_path: Path) -> None:
    q = parse_query(_write(tmp_path, "q", "-- name: q\n-- Returns x.\nSELECT $a + $b + $a\n"))
    assert q.params == ("a", "b")
    assert q.help == "Returns x."


def test_sql_dir_in_checkout() -> None:
    assert sql_dir() == REPO / "sql"


def test_sql_dir_prefers_packaged_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "llmcost"
    (pkg / "sql").mkdir(parents=True)
    monkeypatch.setattr(queries.resources, "files", lambda name: pkg)
    assert sql_dir() == pkg / "sql"


@pytest.mark.slow
def test_wheel_ships_the_sql_files(tmp_path: Path) -> None:
    out = tmp_path / "wh"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(REPO)],
        check=True, capture_output=True,
    )
    wheel = next(out.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for p in (REPO / "sql").glob("*.sql"):
        assert f"llmcost/sql/{p.name}" in names
    assert "llmcost/config/measures.toml" in names
    # Installed layout: the packaged directory is found first.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = "from llmcost.measures.queries import sql_dir, load_queries; print(sql_dir()); print(len(load_queries()))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    first, count = res.stdout.split()
    assert Path(first) == site / "llmcost" / "sql"
    assert int(count) == len(list((REPO / "sql").glob("*.sql")))


def test_a_query_reads_the_relation_it_is_given() -> None:
    from llmcost.measures.queries import get_query, rows, sql_over

    con = duckdb.connect()
    con.execute("CREATE TABLE my_window AS SELECT 'p' AS project, 'request' AS grain, 2 AS request_count, "
                "CAST(NULL AS BOOLEAN) AS requests_known, 10 AS input_tokens, 0 AS cache_read_tokens, "
                "0 AS cache_write_tokens, 5 AS output_tokens, CAST(1.5 AS DOUBLE) AS cost_usd")
    (got,) = rows(con, "report_by_project", relation="my_window")
    # a request row states its count (requests_known NULL: decided from grain), so none is unstated
    assert {k: got[k] for k in ("project", "requests", "requests_known", "no_request_count_tokens", "cost_usd")} == {
        "project": "p", "requests": 2, "requests_known": True, "no_request_count_tokens": 0, "cost_usd": 1.5}
    q = get_query("report_by_project")
    assert "priced_usage" not in sql_over(q, "my_window") and sql_over(q) == q.sql
    with pytest.raises(UsageError, match="is not a relation name"):
        sql_over(q, "x; DROP TABLE y")


def test_include_inserts_a_shared_part(tmp_path: Path) -> None:
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "sums.sql").write_text("-- the sums\nsum(a) AS a,\nsum(b) AS b,\n", encoding="utf-8")
    text = "-- name: q\n-- Returns sums.\nSELECT\n    -- include: sums\n    count(*) AS n\nFROM t\n"
    q = parse_query(_write(tmp_path, "q", text))
    assert q.sql == "SELECT\n    -- the sums\n    sum(a) AS a,\n    sum(b) AS b,\n    count(*) AS n\nFROM t"
    assert list(load_queries(tmp_path)) == ["q"]  # include/ holds parts, not queries


def test_include_of_a_missing_part_names_file_and_line(tmp_path: Path) -> None:
    p = _write(tmp_path, "q", "-- name: q\n-- Returns sums.\nSELECT\n    -- include: nope\n    1\n")
    with pytest.raises(ConfigError, match=rf"{p}:4: `-- include: nope` names .*include/nope.sql, which does not exist"):
        load_queries(tmp_path)


def test_a_part_may_include_another_but_not_itself(tmp_path: Path) -> None:
    inc = tmp_path / "include"
    inc.mkdir()
    (inc / "rows.sql").write_text("x\nFROM t\n-- include: only_a\n", encoding="utf-8")
    (inc / "only_a.sql").write_text("WHERE a\n", encoding="utf-8")
    q = parse_query(_write(tmp_path, "q", "-- name: q\n-- Returns x.\nSELECT\n  -- include: rows\n"))
    assert q.sql == "SELECT\n  x\n  FROM t\n  WHERE a"
    (inc / "only_a.sql").write_text("WHERE a\n-- include: rows\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"only_a.sql:2: `-- include: rows` includes itself \(rows -> only_a -> rows"):
        load_queries(tmp_path)
