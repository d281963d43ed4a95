"""The same measures on Spark as on DuckDB, over the same store (issue 21; docs/scale.md): the queries.

Spark runs in local mode, one session for the whole test session. Every query of sql/
(llmcost.engine.spark.spark_queries) is checked on each of its data cases (tests/measures/cases,
expected rows written by hand, and DuckDB's rows of the same case) and over two stores
(sample_logs/ and a public trace: every query on Spark against DuckDB over the same store, and the
first-screen measures against the DuckDB report document): counts exactly, money to 1e-9.
Skipped only when pyspark is not installed (CI installs it: Makefile `test` installs the [spark]
extra).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
pytest.importorskip("sqlglot", reason="sqlglot is not installed (pip install -e '.[spark]')")

from llmcost.document.analysis import ReportOptions, build_report, cost_lines_only
from llmcost.engine import spark as S
from llmcost.ingest.loader import load
from llmcost.pricing import load_catalog
from llmcost.storage.store import Store
from tests.conftest import REAL_SAMPLES, TRACES, requires_real_samples, requires_traces
from tests.engine.parity import assert_row_equal, assert_rows_equal, documents, same_document
from tests.measures.harness import CASES, PRICED_SCHEMA, case_connection, compare, load_case, params, priced_usage_table


# ---- to_spark: the rewrites sqlglot does not do ---------------------------------------------------
def test_to_spark_rewrites_and_binds() -> None:
    sql = S.to_spark(
        "SELECT grouping(a, b) AS g, epoch_us(ts) AS us, timezone('Europe/Paris', ts) AS wall, "
        "DATE '1970-01-01' + (x // 7) AS d FROM t WHERE ($since IS NULL OR ts >= $since) AND $p IS NULL "
        "GROUP BY GROUPING SETS ((a), (a, b))",
        {"since": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)},
    )
    assert "SHIFTLEFT(GROUPING(a), 1) + SHIFTLEFT(GROUPING(b), 0)" in sql
    assert "UNIX_MICROS(ts)" in sql
    assert "FROM_UTC_TIMESTAMP(ts, 'Europe/Paris')" in sql
    assert "CAST('2025-01-02 03:04:05' AS TIMESTAMP)" in sql
    assert "NULL IS NULL" in sql  # a parameter left out is NULL, as queries.bind binds it
    assert "CAST((x DIV 7) AS INT)" in sql


def test_to_spark_hashes_with_64_bits(spark: Any) -> None:
    """DuckDB's hash() is 64 bits, Spark's hash() 32: the transpiled query hashes with xxhash64.
    Over 200,000 distinct prefixes Spark's 32-bit hash collides (about 4.7 pairs expected); the
    64-bit hash keeps them apart, as DuckDB's does."""
    sql = S.to_spark("SELECT hash(list_slice(b, 1, p)) AS key FROM t")
    assert "XXHASH64(SLICE(b, 1, (p) - (1) + 1))" in sql
    distinct = "SELECT count(DISTINCT {h}(array(id, id * 7))) AS n FROM range(200000)"
    assert S.rows(spark, distinct.format(h="xxhash64"))[0]["n"] == 200_000
    assert S.rows(spark, distinct.format(h="hash"))[0]["n"] < 200_000


def test_to_spark_grouping_mask_matches_duckdb(spark: Any) -> None:
    """grouping(a, b) is a bit mask with the first column highest on both engines."""
    import duckdb

    sql = ("SELECT a, b, grouping(a, b) AS g, count(*) AS n FROM (VALUES (1, 2), (1, 3)) t(a, b) "
           "GROUP BY GROUPING SETS ((a), (b), (a, b), ()) ORDER BY g, a, b")
    expected = [(1, None, 1, 2), (None, 2, 2, 1), (None, 3, 2, 1), (None, None, 3, 2), (1, 2, 0, 1), (1, 3, 0, 1)]
    duck = duckdb.sql(sql).fetchall()
    sp = [tuple(r.values()) for r in S.rows(spark, S.to_spark(sql))]
    assert sorted(duck, key=repr) == sorted(expected, key=repr)
    assert sorted(sp, key=repr) == sorted(expected, key=repr)


def test_token_cost_keeps_twelve_places(spark: Any) -> None:
    """1,234,567 tokens at $0.15 per million (0.00000015 per token, DECIMAL(38,12)) cost exactly
    $0.18518505; Spark's default precision loss would cut the product to 6 places ($0.185185)."""
    sql = S.to_spark("SELECT CAST(1234567 AS BIGINT) * CAST(0.00000015 AS DECIMAL(38, 12)) AS cost")
    assert S.rows(spark, sql)[0]["cost"] == Decimal("0.18518505")


# ---- the measures' data cases (expected rows written by hand) ------------------------------------
CASE_FILES = sorted(CASES.glob("*.json"))


def test_side_file_lengths_reach_spark_as_written(spark: Any) -> None:
    """The RAGPulse component lengths (a table the driver's DuckDB builds from the side files,
    measures.load_component_lengths) reach Spark as one Arrow table: the same rows and types."""
    cur = S.SparkCursor(spark)
    try:
        cur.execute("CREATE OR REPLACE TEMP TABLE component_lengths (kind VARCHAR, id BIGINT, token_length BIGINT)")
        cur.execute("INSERT INTO component_lengths VALUES ('doc', 7, 512), ('doc', 8, NULL), ('tool', 7, 3)")
    finally:
        cur.close()
    got = spark.table("component_lengths")
    assert [f.dataType.simpleString() for f in got.schema] == ["string", "bigint", "bigint"]
    assert sorted(map(tuple, got.collect()), key=str) == sorted(
        [("doc", 7, 512), ("doc", 8, None), ("tool", 7, 3)], key=str)


def test_every_spark_measure_has_a_case() -> None:
    """Every query of sql/ runs on Spark, and every one but the reconciliation pair (run over the
    stores below: sql/reconcile_*.sql read the priced table and `costs`) has a data case."""
    queries = set(S.spark_queries())
    from llmcost.measures.registry import MEASURES

    assert {q for m in MEASURES for q in m.sql} <= queries
    covered = {load_case(p)["query"] for p in CASE_FILES}
    assert queries - covered == {"reconcile_daily", "reconcile_money_usage"}


def _case_views(spark: Any, case: dict[str, Any]) -> Any:
    """The case's `priced_usage` and other tables as Spark views; the DuckDB connection of the same."""
    con = case_connection(case)
    for name in case.get("tables", {}):  # the case's other tables (costs, ...), as the DuckDB harness makes them
        arrow = con.sql(f"SELECT * FROM {name}").arrow().read_all()
        spark.createDataFrame(arrow.to_pylist(), S._struct(arrow.schema)).createOrReplaceTempView(name)
    table = priced_usage_table(case["rows"])
    spark.createDataFrame(table.to_pylist(), S._struct(PRICED_SCHEMA)).createOrReplaceTempView("priced_usage")
    return con


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_measure_case_on_spark(spark: Any, path: Path) -> None:
    """Each data case on Spark gives the hand-written rows and DuckDB's (counts exactly, money to 1e-9)."""
    from llmcost.measures.queries import rows as duck_rows

    case = load_case(path)
    con = _case_views(spark, case)
    try:
        duck = duck_rows(con, case["query"], **params(case))
    finally:
        con.close()
    got = S.measure(spark, case["query"], **params(case))
    problems = compare(got, case)
    assert not problems, f"{path.name} on Spark: {problems}"
    assert_rows_equal(duck, got, path.stem)


def _first_screen(spark: Any, tz: str) -> dict[str, Any]:
    """The first screen's figures computed query by query on Spark over the window view
    `priced_usage` (totals, by model, by project, by day, the daily series and the spend measures),
    to compare with the DuckDB document section by section."""
    measure = S.measure
    totals = measure(spark, "report_totals")[0]  # with the billed total of `costs`
    totals["cost_lines_only"] = cost_lines_only(totals)  # what the document derives from the query's row
    by_period: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in measure(spark, "spend_by_period"):
        period, dim = row.pop("period"), row.pop("dimension")
        by_period.setdefault(period, {}).setdefault(dim, []).append(row)
    return {
        "totals": totals,
        "by_provider_model": measure(spark, "report_by_provider_model"),
        "by_project": measure(spark, "report_by_project"),
        "by_day": measure(spark, "report_by_day"),
        "daily": measure(spark, "report_daily", tz=tz),
        "cache_daily": measure(spark, "report_cache_daily", tz=tz),
        "spend": {
            "totals": next(iter(measure(spark, "spend_totals")), None),
            "unpriced_models": measure(spark, "spend_unpriced_models"),
            "by_month": by_period.get("month", {}).get("total", []),
            "by_month_model": by_period.get("month", {}).get("model", []),
            "by_week": by_period.get("week", {}).get("total", []),
        },
    }


def _check_store(spark: Any, store: Path, since: date | None = None, until: date | None = None,
                 tz: str = "UTC") -> dict[str, Any]:
    doc = build_report(ReportOptions(store=store, forecast=False, since=since, until=until, tz=tz))
    catalog = load_catalog(None)
    st = Store.open(store)
    S.register_store(spark, st.root, st.checked_manifest())
    priced = S.price_once(spark, catalog, tz)
    try:
        S.window_view(spark, priced, since, until)
        out = _first_screen(spark, tz)
        window_summary = S.rows(spark, "SELECT count(*) AS n, count_if(priced) AS priced FROM priced_usage")[0]
    finally:
        spark.catalog.uncacheTable(priced.table)
    assert_row_equal(doc["totals"], out["totals"], "totals")
    assert_rows_equal(doc["by_provider_model"], out["by_provider_model"], "by_provider_model")
    assert_rows_equal(doc["by_project"], out["by_project"], "by_project")
    assert_rows_equal(doc["by_day"], out["by_day"], "by_day")
    assert_rows_equal(doc["daily"], out["daily"], "daily")
    assert_rows_equal(doc["cache"]["daily"], out["cache_daily"], "cache daily")
    assert_row_equal(doc["spend"]["totals"], out["spend"]["totals"], "spend totals")
    for k in ("unpriced_models", "by_month", "by_month_model", "by_week"):
        assert_rows_equal(doc["spend"][k], out["spend"][k], f"spend {k}")
    # the pricing pass found the same unpriced models (over the whole store, as price_once prices it)
    assert {(u["provider"], u["model"]) for u in doc["unpriced"]} <= {
        (u.provider, u.model) for u in priced.store_summary.unpriced
    }
    assert window_summary["n"] == doc["spend"]["totals"]["n_rows"]
    return doc


STORE_PARAMS: dict[str, dict[str, Any]] = {
    # the queries that need parameters to say anything (the others: their defaults, the whole store)
    "compare_months_by_model": {"tz": "UTC", "prev_start": date(2026, 9, 1), "prev_end": date(2026, 9, 30),
                                "cur_start": date(2026, 10, 1),
                                "cur_end": date(2026, 10, 31)},
    "spend_by_tag": {"tags": ["team", "env", "a.b"]},
}


def _store_params(name: str) -> dict[str, Any]:
    from llmcost.measures.registry import _cache_params, load_config

    if name == "cache_missed_savings":  # the minimums and multipliers the measure passes
        return _cache_params(load_config(None))
    return STORE_PARAMS.get(name, {})


def _all_queriessame(spark: Any, store: Path) -> int:
    """Every query of sql/ over the store's rows priced once, on both engines: the same rows.
    Returns how many queries gave rows (so a test can check the comparison was not of nothing)."""
    from llmcost.document.priced_rows import price_once
    from llmcost.measures.queries import rows as duck_rows

    catalog = load_catalog(None)
    st = Store.open(store)
    con = st.connect()
    duck_priced = price_once(con, catalog, "UTC")
    duck_priced.view(con, "priced_usage")
    con.execute(f"CREATE OR REPLACE TEMP VIEW reconcile_priced AS SELECT * FROM {duck_priced.table}")
    con.execute("CREATE OR REPLACE TEMP TABLE component_lengths (kind VARCHAR, id BIGINT, token_length BIGINT)")
    S.register_store(spark, st.root, st.checked_manifest())
    priced = S.price_once(spark, catalog, "UTC")
    nonempty = 0
    try:
        S.window_view(spark, priced, None, None)
        spark.table(priced.table).createOrReplaceTempView("reconcile_priced")
        spark.sql("SELECT CAST(NULL AS STRING) AS kind, CAST(NULL AS BIGINT) AS id, "
                  "CAST(NULL AS BIGINT) AS token_length WHERE false").createOrReplaceTempView("component_lengths")
        for name in S.spark_queries():
            if name == "reconcile_money_usage":  # reads `usage` and `costs`: the basis price_once computed
                continue
            p = _store_params(name)
            duck = duck_rows(con, name, **p)
            got = S.measure(spark, name, **p)
            assert_rows_equal(duck, got, f"{store.name}: {name}")
            nonempty += bool(duck)
    finally:
        spark.catalog.uncacheTable(priced.table)
        con.close()
    return nonempty


def test_every_query_same_on_spark_over_sample_logs(spark: Any, sample_store: Path) -> None:
    """The turn numbering of the `usage` view (sample_logs have conversations without turns), the
    reconciliation, the month compare, tags and every measure: Spark gives DuckDB's rows."""
    assert _all_queriessame(spark, sample_store) >= 25


# Each public trace exercises other rows: request rows without conversations (Azure code), chat
# sessions with block hashes (Mooncake: turns and the prefix measures), RAG sessions of up to 25
# turns (RAGPulse), and ten-minute rate buckets, where the money basis is 'bucket' (ServeGen). The
# minimum is a floor against comparing nothing: how many queries gave rows over the trace on DuckDB
# when the test was written, so a query that stops giving rows on both engines fails the count (the
# equality of the two engines' rows is the test itself).
PUBLIC_TRACES = {
    "azure-code": ("azure-llm-2023/AzureLLMInferenceTrace_code.csv.gz", 22),
    "mooncake-conversation": ("mooncake-fast25/conversation_trace.jsonl.gz", 23),
    "ragpulse": ("ragpulse/0_trace.jsonl.gz", 28),
    "servegen-m-small": ("servegen/language/m-small", 19),
}


@requires_traces()
@pytest.mark.traces
@pytest.mark.parametrize("trace", PUBLIC_TRACES)
def test_every_query_same_on_spark_over_a_trace(spark: Any, trace: str, tmp_path: Path) -> None:
    path, minimum = PUBLIC_TRACES[trace]
    load([TRACES / path], tmp_path / "store")
    assert _all_queriessame(spark, tmp_path / "store") >= minimum


@requires_real_samples()
def test_every_query_same_on_spark_over_the_real_samples(spark: Any, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Files other projects wrote (agent logs, API bodies, OTel spans, an `llm` logs.db, FOCUS
    rows with billed costs, so a 'billed' money basis): every query, the first screen, and the
    whole JSON document with the forecast, scenarios and what-ifs. 29 queries gave rows over them
    on DuckDB when the test was written. The document once differed in the order of two unpriced
    models tied on cost and requests (sql/report_by_provider_model.sql had no tie-breaker)."""
    store = tmp_path / "store"
    result = load([REAL_SAMPLES], store)
    assert result.by_status("failed") == [] and len(result.by_status("ingested")) >= 19
    assert _all_queriessame(spark, store) >= 29
    doc = _check_store(spark, store)
    assert doc["totals"]["billed_cost_usd"] is not None
    docs = documents(store, tmp_path, monkeypatch, ("--as-of", "2026-12-03"))
    d = docs["duckdb"]
    assert d["forecast"]["p50_usd"] is not None and len(d["alternatives"]) >= 5 and d["scenarios"]
    # the FOCUS rows' models have no list price and their bill ends in 2025, beside logs of 2026: the
    # bill is not extended (scenarios/billed.py), and a note says so, on both engines
    assert any("solora ai: the billed money of its models without a list price ends on 2025-05-31" in n
               for n in d["forecast"]["notes"])
    assert d["forecast"]["billed_money"] == []
    assert not same_document(docs["duckdb"], docs["spark"])


def test_sample_logs_same_on_spark(spark: Any, sample_store: Path) -> None:
    doc = _check_store(spark, sample_store)
    # the figures are not empty: priced money, and unpriced requests counted apart (never $0)
    assert doc["totals"]["cost_usd"] > 0
    assert doc["totals"]["unpriced_requests"] > 0


def test_sample_logs_window_in_a_time_zone_same_on_spark(spark: Any, sample_store: Path) -> None:
    doc = _check_store(spark, sample_store, since=date(2026, 10, 1), until=date(2026, 10, 31), tz="America/New_York")
    assert doc["totals"]["requests"] > 0


@requires_traces()
@pytest.mark.traces
def test_public_trace_same_on_spark(spark: Any, trace_store: Path) -> None:
    doc = _check_store(spark, trace_store)
    assert doc["totals"]["requests"] == 8_819  # ../shared/traces/README.md, as tests/store/test_public_traces.py


# ---- the forecast's history on Spark: its queries run there ------------------------------------------
GLOB_TEXTS = ("gpt-4o-mini", "gpt-4", "claude-3-5-sonnet", "claude-opus", "a+b", "(x)y", "a*b", "a]b", "a^b",
              "line\nbreak", "", "ä-model", "a\\b", "ab", "x[y", "o'brien")
GLOB_PATTERNS = ("*", "gpt-4*", "gpt-4o?mini", "claude-[0-9]*", "claude-[!0-9]*", "*.*", "a+b", "(x)*", "a[*]b",
                 "a[]]b", "a[^]b", "*\n*", "?-model", "a\\b", "x[y", "claude-*-sonnet", "[a-c]*", "[z-a]*",
                 "o'*", "[!z-a]b")


def test_whatif_glob_same_on_both_engines_as_fnmatch(spark: Any) -> None:
    """The what-ifs' model and project patterns (scenarios.whatif.glob) select on Spark and on
    DuckDB exactly the texts Python's fnmatch selects, as the scenarios file's other globs do:
    `[!x]` a complement, `[^x]` not one, `]` first in a class, `?` one character (not one byte),
    an unclosed `[` and a backslash literal, a reversed range empty."""
    from fnmatch import fnmatchcase

    import duckdb

    from llmcost.scenarios.whatif import glob

    def q(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    cases = [(t, p) for p in GLOB_PATTERNS for t in GLOB_TEXTS]
    sql = "SELECT " + ", ".join(f"{glob(q(t), p)} AS m{i}" for i, (t, p) in enumerate(cases))
    want = [fnmatchcase(t.lower(), p.lower()) for t, p in cases]
    duck = list(duckdb.sql(sql).fetchall()[0])
    got = list(spark.sql(S.to_spark(sql)).collect()[0])
    assert sum(want) >= 20 and want.count(False) >= 100  # both outcomes are compared, not only one
    assert [c for c, w, d in zip(cases, want, duck, strict=True) if w != d] == [], "DuckDB differs from fnmatch"
    assert [c for c, w, s in zip(cases, want, got, strict=True) if w != s] == [], "Spark differs from fnmatch"


def test_to_spark_epoch_keeps_fractions(spark: Any) -> None:
    """DuckDB epoch() keeps the fraction of a second; the cache simulation compares gaps between
    requests with the lifetime, so Spark must too (its unix_timestamp would cut them)."""
    import duckdb

    sql = "SELECT epoch(TIMESTAMPTZ '2026-03-01 10:00:05.250+00') - epoch(TIMESTAMPTZ '2026-03-01 10:00:00+00') AS gap"
    assert duckdb.sql(sql).fetchall()[0][0] == pytest.approx(5.25)
    assert spark.sql(S.to_spark(sql)).collect()[0][0] == pytest.approx(5.25)

