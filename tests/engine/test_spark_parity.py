"""The same measures on Spark as on DuckDB, over the same store (issue 21; docs/scale.md).

Spark runs in local mode, one session for the whole test session. Every query of sql/
(llmcost.engine.spark.spark_queries) is checked on each of its data cases (tests/measures/cases,
expected rows written by hand, and DuckDB's rows of the same case) and over two stores
(sample_logs/ and a public trace: every query on Spark against DuckDB over the same store, and the
first-screen measures against the DuckDB report document): counts exactly, money to 1e-9.
Skipped only when pyspark is not installed (CI installs it: Makefile `test` installs the [spark]
extra).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
pytest.importorskip("sqlglot", reason="sqlglot is not installed (pip install -e '.[spark]')")

from llmcost.document.analysis import ReportOptions, build_report
from llmcost.engine import spark as S
from llmcost.ingest.loader import load
from llmcost.pricing import load_catalog
from llmcost.storage.store import Store
from tests.conftest import REAL_SAMPLES, TRACES, requires_real_samples, requires_traces
from tests.measures.harness import CASES, PRICED_SCHEMA, case_connection, compare, load_case, params, priced_usage_table

MONEY_TOLERANCE = Decimal("1e-9")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    session = S.session("local[2]", app="llmcost-tests")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return abs(Decimal(a) - Decimal(b)) <= MONEY_TOLERANCE
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.astimezone(UTC) == b.astimezone(UTC)
    return bool(a == b)


def _key(row: dict[str, Any]) -> tuple[str, ...]:
    """A row's identity for order-free comparison: its values that are not money or ratios."""
    return tuple(f"{k}={v}" for k, v in sorted(row.items()) if not isinstance(v, Decimal | float))


def assert_rows_equal(duck: list[dict[str, Any]], spark_rows: list[dict[str, Any]], what: str) -> None:
    assert len(spark_rows) == len(duck), f"{what}: {len(spark_rows)} rows on Spark, {len(duck)} on DuckDB"
    for d, s in zip(sorted(duck, key=_key), sorted(spark_rows, key=_key), strict=True):
        assert_row_equal(d, s, what)


def assert_row_equal(duck: dict[str, Any], spark_row: dict[str, Any], what: str) -> None:
    missing = set(duck) - set(spark_row)
    assert not missing, f"{what}: Spark has no {sorted(missing)}"
    bad = {k: (v, spark_row[k]) for k, v in duck.items() if not _same(v, spark_row[k])}
    assert not bad, f"{what}: DuckDB vs Spark differ on {bad}"


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


# ---- the stores: Spark against the DuckDB report document ----------------------------------------
@pytest.fixture(scope="module")
def trace_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("spark-trace") / "store"
    load([TRACES / "azure-llm-2023" / "AzureLLMInferenceTrace_code.csv.gz"], store)
    return store


def _first_screen(spark: Any, tz: str) -> dict[str, Any]:
    """The first screen's figures computed query by query on Spark over the window view
    `priced_usage` (totals, by model, by project, by day, the daily series and the spend measures),
    to compare with the DuckDB document section by section."""
    measure = S.measure
    totals = measure(spark, "report_totals")[0]  # with the billed total of `costs`
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


def _all_queries_same(spark: Any, store: Path) -> int:
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
    assert _all_queries_same(spark, sample_store) >= 25


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
    assert _all_queries_same(spark, tmp_path / "store") >= minimum


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
    assert _all_queries_same(spark, store) >= 29
    doc = _check_store(spark, store)
    assert doc["totals"]["billed_cost_usd"] is not None
    docs = _documents(store, tmp_path, monkeypatch, ("--as-of", "2026-12-03"))
    d = docs["duckdb"]
    assert d["forecast"]["p50_usd"] is not None and len(d["alternatives"]) >= 5 and d["scenarios"]
    # the FOCUS rows' models have no list price and their bill ends in 2025, beside logs of 2026: the
    # bill is not extended (scenarios/billed.py), and a note says so, on both engines
    assert any("solora ai: the billed money of its models without a list price ends on 2025-05-31" in n
               for n in d["forecast"]["notes"])
    assert d["forecast"]["billed_money"] == []
    assert not _same_document(docs["duckdb"], docs["spark"])


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


def _same_document(duck: Any, spark_doc: Any, path: str = "") -> list[str]:
    """Where two JSON documents differ: equal values, but money and ratios (decimal strings and
    floats) to 1e-9."""
    if isinstance(duck, dict) and isinstance(spark_doc, dict):
        if set(duck) != set(spark_doc):
            return [f"{path}: keys {sorted(set(duck) ^ set(spark_doc))}"]
        return [d for k in duck for d in _same_document(duck[k], spark_doc[k], f"{path}/{k}")]
    if isinstance(duck, list) and isinstance(spark_doc, list):
        if len(duck) != len(spark_doc):
            return [f"{path}: {len(duck)} items on DuckDB, {len(spark_doc)} on Spark"]
        return [d for i, (a, b) in enumerate(zip(duck, spark_doc, strict=True))
                for d in _same_document(a, b, f"{path}[{i}]")]
    if isinstance(duck, str) and isinstance(spark_doc, str) and duck != spark_doc:
        try:
            a, b = Decimal(duck), Decimal(spark_doc)
        except ArithmeticError:
            return [f"{path}: {duck!r} != {spark_doc!r}"]
        return [] if abs(a - b) <= MONEY_TOLERANCE else [f"{path}: {duck} != {spark_doc}"]
    return [] if _same(duck, spark_doc) else [f"{path}: {duck!r} != {spark_doc!r}"]


DUCK_HANDLE = ("view", "summary", "keep", "value")
"""The methods through which a section reads DuckDB's priced table (document.priced_rows.PricedRows)."""


def _documents(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               args: tuple[str, ...] = ("--no-forecast",)) -> dict[str, Any]:
    """`report --format json [args]` with each engine, counting per engine the DuckDB measures pass
    (analysis._measures), DuckDB's pricing passes (pricing.engine.pricing_passes), the reads of
    DuckDB's priced table through its handle (PricedRows.view, summary, keep, value) and the
    times DuckDB opened the store (Store.reader)."""
    import json

    from typer.testing import CliRunner

    from llmcost.cli import app
    from llmcost.document import analysis
    from llmcost.document.priced_rows import PricedRows
    from llmcost.pricing.engine import pricing_passes

    calls = {"measures": 0, "store_reader": 0, **dict.fromkeys(DUCK_HANDLE, 0)}

    def counting(key: str, fn: Any) -> Any:
        def counted(*a: Any, **k: Any) -> Any:
            calls[key] += 1
            return fn(*a, **k)
        return counted

    monkeypatch.setattr(analysis, "_measures", counting("measures", analysis._measures))
    monkeypatch.setattr(Store, "reader", counting("store_reader", Store.reader))
    for name in DUCK_HANDLE:
        monkeypatch.setattr(PricedRows, name, counting(name, getattr(PricedRows, name)))
    docs: dict[str, Any] = {}
    for engine in ("duckdb", "spark"):
        before, passes = dict(calls), pricing_passes()
        out = tmp_path / f"{engine}.json"
        res = CliRunner().invoke(app, ["report", "--store", str(store), *args, "--format", "json",
                                       "--engine", engine, "--out", str(out)])
        assert res.exit_code == 0, res.output
        docs[engine] = json.loads(out.read_text(encoding="utf-8"))
        docs[engine].pop("generated_at")
        docs[f"{engine}_counts"] = {k: calls[k] - before[k] for k in calls} | {
            "pricing_passes": pricing_passes() - passes}
    return docs


def test_cli_engine_spark_writes_the_same_document(spark: Any, sample_store: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`report --engine spark` writes the same JSON document as the default engine (all but the
    time it was generated; money to 1e-9), forecast, scenarios, alternatives, budget and tags
    included, with DuckDB pricing nothing: for `--engine duckdb` the DuckDB measures pass runs once,
    DuckDB prices the store once and the sections read its priced table (the window, the pricing
    summary, the month compare, the forecast's history) and DuckDB opens the store once; for
    `--engine spark` none of these."""
    from llmcost.scenarios.history import ROWS

    args = ("--as-of", "2026-11-23", "--budget", "100000", "--by", "tag:team", "--by", "tag:nope")
    fetched: list[int] = []  # rows each Spark statement over the forecast's history handed the driver
    execute = S.SparkCursor.execute

    def counting(self: Any, sql: str, params: Any = None) -> Any:
        out = execute(self, sql, params)
        if ROWS in sql:
            fetched.append(len(self._rows))
        return out

    monkeypatch.setattr(S.SparkCursor, "execute", counting)
    docs = _documents(sample_store, tmp_path, monkeypatch, args)
    duck, spark_counts = docs["duckdb_counts"], docs["spark_counts"]
    assert duck["measures"] == 1 and duck["pricing_passes"] == 1
    # the window, its rows that count for volume and the month compare (view), the pricing summary
    # (summary), the reconciliation's window and the forecast's history (keep: their rows; value:
    # the oldest and newest days, which --as-of is checked against, and the billed days) read
    # DuckDB's priced table
    assert duck["view"] == 3 and duck["summary"] == 1 and duck["keep"] == 2 and duck["value"] == 3
    assert duck["store_reader"] == 1
    assert spark_counts == dict.fromkeys(spark_counts, 0)
    d = docs["duckdb"]
    # the sections are not empty (a comparison of nothing would pass)
    assert d["turns"] and d["unit_costs"] and d["reconciliation"]["days"] and d["compare"]["by_model"]
    assert d["forecast"]["p50_usd"] is not None and d["scenarios"] and d["alternatives"]
    assert d["budget"]["probability_above"] is not None and d["unpriced"] and d["conversations"]["counts"]
    assert {r["tag"] for r in d["by_tag"]} == {"team", "nope"}
    assert any("tag:nope" in w for w in d["warnings"])
    assert not _same_document(docs["duckdb"], docs["spark"])
    # the forecast, scenarios and what-ifs queried the history on Spark, and what reached the driver
    # is aggregates (per group and day at most), far fewer rows than the history's requests
    history_rows = sum(r["requests"] for r in d["by_provider_model"])
    assert len(fetched) >= 10 and 0 < max(fetched) < history_rows / 4, (fetched, history_rows)


def test_billed_window_and_budget_same_on_spark(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Request logs and a cost export in one store: the window's billed money (its cost lines only)
    and the budget's month-to-date money (billed where a cost export has the provider-day) are the
    same on both engines; the figures are tests/report/test_billed_money.py's, worked by hand."""
    from tests.report.test_billed_money import COST_2024, COST_2026, PER_DAY, _requests

    src = tmp_path / "in"
    src.mkdir()
    (src / "requests.jsonl").write_text(_requests())
    (src / "cost_2026-10-01_2026-10-01.csv").write_text(COST_2026)
    (src / "cost_2024-10-01_2024-10-02.csv").write_text(COST_2024)  # another month's bill: not October 2026's
    store = tmp_path / "store"
    assert load([src], store).by_status("failed") == []
    docs = _documents(store, tmp_path, monkeypatch, ("--month", "2026-10", "--budget", "100", "--no-forecast"))
    d = docs["duckdb"]
    assert Decimal(d["totals"]["billed_cost_usd"]) == Decimal("5.00")
    assert Decimal(d["budget"]["value_usd"]) == Decimal("5.00") + 3 * PER_DAY
    assert Decimal(d["budget"]["billed_usd"]) == Decimal("5.00")
    assert not _same_document(docs["duckdb"], docs["spark"])


def _both_engines_totals(files: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                         ) -> tuple[int, int, int]:
    """Ingest `files` (name: JSON document), report on both engines, check they agree; the DuckDB
    document's (requests, input tokens, output tokens)."""
    src = tmp_path / "in"
    src.mkdir()
    for name, doc in files.items():
        (src / name).write_text(json.dumps(doc))
    store = tmp_path / "store"
    assert load([src], store).by_status("failed") == []
    docs = _documents(store, tmp_path, monkeypatch, ("--no-forecast",))
    assert not _same_document(docs["duckdb"], docs["spark"])
    t = docs["duckdb"]["totals"]
    return t["requests"], t["input_tokens"], t["output_tokens"]


def test_org_total_usage_beside_grouped_usage_same_on_spark(spark: Any, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """An ungrouped Usage API page beside a page grouped by model for the same day, in two files:
    both engines leave the org total out of `usage` (storage.store.USAGE_SHADOWED_VIEW, Spark's
    USAGE_COUNTED); the figures are tests/ingest_exports/test_org_total_usage.py's, worked by hand."""
    from tests.ingest_exports.test_org_total_usage import BY_MODEL, ORG

    files = {"grouped.json": BY_MODEL, "org.json": ORG}
    assert _both_engines_totals(files, tmp_path, monkeypatch) == (20, 3000, 300)


def test_api_claude_code_report_inside_the_usage_report_same_on_spark(spark: Any, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """An API customer's Claude Code report beside the Anthropic usage report of the same day: both
    engines leave the Claude Code rows out of `usage`, since the usage report holds their tokens
    (the figures are tests/ingest_exports/test_org_total_usage.py's, worked by hand)."""
    from tests.ingest_exports.test_org_total_usage import A_GROUPED, _claude_code

    files = {"cc.json": _claude_code("api"), "usage.json": A_GROUPED}
    assert _both_engines_totals(files, tmp_path, monkeypatch) == (7, 1300, 130)


def test_overlapping_widths_same_on_spark(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Usage API's daily and hourly pages of the same two days, a DAILY and an HOURLY CUR of the
    same two days and AWS's FOCUS export beside that CUR: both engines count the coarser buckets
    and the CUR's lines (storage.store.overlaps_select, on Spark transpiled) and give the same
    warnings; the figures are tests/ingest_exports/test_bucket_widths.py's, worked by hand."""
    from tests.ingest_exports.test_bucket_widths import DAY, HOUR, NOV5, OPENAI_1D, OPENAI_1H, cur, focus

    monkeypatch.setenv("LLMCOST_TODAY", "2026-12-15")
    src = tmp_path / "in"
    src.mkdir()
    (src / "1d.json").write_text(json.dumps(OPENAI_1D))
    (src / "1h.json").write_text(json.dumps(OPENAI_1H))
    (src / "cur_daily.csv").write_text(cur(DAY, NOV5, 2, 24000, "0.072", item="d"))
    (src / "cur_hourly.csv").write_text(cur(HOUR, NOV5, 48, 1000, "0.003", item="h"))
    (src / "focus.csv").write_text(focus(DAY, NOV5, 2, 24000, "0.072", tax="0.01"))
    store = tmp_path / "store"
    assert load([src], store).by_status("failed") == []
    docs = _documents(store, tmp_path, monkeypatch, ("--no-forecast",))
    assert not _same_document(docs["duckdb"], docs["spark"])
    d = docs["duckdb"]
    t = d["totals"]
    assert (t["requests"], t["input_tokens"], t["output_tokens"]) == (48, 4800 + 48000, 960)
    # the daily CUR's $0.144 and FOCUS's tax line $0.01
    assert Decimal(t["billed_cost_usd"]) == Decimal("0.154")
    assert sum(w.startswith("overlapping exports") for w in d["warnings"]) == 3


@requires_traces()
@pytest.mark.traces
def test_cli_engine_spark_same_document_on_a_trace(spark: Any, trace_store: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _documents(trace_store, tmp_path, monkeypatch)
    assert docs["spark_counts"] == dict.fromkeys(docs["spark_counts"], 0)
    assert not _same_document(docs["duckdb"], docs["spark"])


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


CACHE_SIMULATIONS = (
    {"prefix_tokens": None, "ttl_seconds": 300.0},  # each request's previous prompt (or its blocks)
    {"prefix_tokens": None, "ttl_seconds": None},
    {"prefix_tokens": 1024, "ttl_seconds": 300.0, "key": "conversation"},
    {"prefix_tokens": 2048, "ttl_seconds": 3600.0, "key": "project"},
    {"prefix_tokens": None, "ttl_seconds": 300.0, "models": "claude-*"},
)


def _history_on_both(spark: Any, store: Path) -> tuple[Any, Any, date]:
    """The forecast's history rows (scenarios.history.prepare) on DuckDB, the same rows as the Spark
    view of the same name, and the as-of day (the store's last day)."""
    from llmcost.scenarios.history import prepare

    con = Store.open(store).connect()
    (last,) = con.execute("SELECT max(CAST(ts AS DATE)) FROM usage").fetchall()[0]
    hist = prepare(con, load_catalog(None), last, "UTC")
    table = con.sql(f"SELECT * FROM {hist.table}").arrow().read_all()
    spark.createDataFrame(table, S._struct(table.schema)).createOrReplaceTempView(hist.table)
    return con, hist, last


@requires_traces()
@pytest.mark.traces
@pytest.mark.parametrize("which", ["sample_logs", "mooncake"])
def test_cache_simulation_same_on_spark(spark: Any, which: str, sample_store: Path, tmp_path: Path) -> None:
    """The what-ifs' prompt-cache simulation (scenarios.cachesim) over the forecast's history gives
    the same per-group totals when its query runs on Spark (History.con under --engine spark):
    the keyed paths over sample_logs (conversations and projects, no block hashes) and the block
    path over the Mooncake trace (block hashes, lifetimes measured to the fraction of a second)."""
    from datetime import timedelta

    from llmcost.scenarios.cachesim import simulate_cache

    store = sample_store
    if which == "mooncake":
        store = tmp_path / "store"
        load([TRACES / "mooncake-fast25" / "conversation_trace.jsonl.gz"], store)
    con, hist, last = _history_on_both(spark, store)
    cur = S.SparkCursor(spark, hist.table)
    hits = 0
    try:
        for sim in CACHE_SIMULATIONS:
            for since in (None, last - timedelta(days=6)):
                kw: dict[str, Any] = {**sim, "since": since}
                duck = simulate_cache(con, hist.table, **kw).groups
                got = simulate_cache(cur, hist.table, **kw).groups  # type: ignore[arg-type]
                assert_rows_equal(duck, got, f"simulate_cache({kw})")
                hits += sum(g["hit_tokens"] for g in duck)
                assert duck or sim.get("models"), f"no rows to compare for {kw}"
    finally:
        cur.close()
        con.close()
    assert hits > 0  # the simulated cache hits somewhere: equal totals of zero would prove little


@pytest.mark.parametrize("tz", ["UTC", "Pacific/Kiritimati", "America/Los_Angeles"])
def test_forecast_anchor_day_read_on_spark(spark: Any, sample_store: Path, tz: str) -> None:
    """Without --as-of the forecast starts from the store's newest day when the data ends before
    yesterday (scenarios.history.anchor_day). Under --engine spark DuckDB opens no store: the day is
    read from the priced table on Spark, and it is the day DuckDB reads from the store's rows, in
    the report's time zone (one far east of UTC, one west), with the same note."""
    from llmcost.scenarios.history import anchor_day
    from llmcost.storage import duck

    st = Store.open(sample_store)
    with st.reader() as r:
        want = anchor_day(r.con, None, tz)
    S.register_store(spark, st.root, st.checked_manifest())
    priced = S.price_once(spark, load_catalog(None), tz)
    bare = duck.bounded()  # no `usage` view: only the priced table on Spark can give the day
    try:
        got = anchor_day(bare, None, tz, priced)
    finally:
        bare.close()
        spark.catalog.uncacheTable(priced.table)
    assert want[1] is not None and "the data ends on" in want[1]  # the sample data ended long ago
    assert got == want


def test_cli_engine_spark_reads_a_store_at_a_url(spark: Any, sample_store: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """`report --engine spark --store URL` reads the store through Spark's Hadoop file systems
    (`file:///...` here; `s3a://` takes the same path with hadoop-aws on the classpath): no lock,
    no DuckDB, the same document as the local store gives but for the `store` it names and the
    first quarantined row of each file (read from the local store only). Every other command, and
    `report` on DuckDB, refuses a URL with the fix; a URL without a store is one error line."""
    import json

    from typer.testing import CliRunner

    from llmcost.cli import app

    calls = {"store_reader": 0}
    reader = Store.reader

    def counted(self: Any, *a: Any, **k: Any) -> Any:
        calls["store_reader"] += 1
        return reader(self, *a, **k)

    monkeypatch.setattr(Store, "reader", counted)
    url = sample_store.resolve().as_uri()
    assert url.startswith("file:///")
    runner = CliRunner()

    def report(store: str, engine: str, out: Path | None = None) -> Any:
        args = ["report", "--store", store, "--engine", engine, "--as-of", "2026-11-23", "--format", "json"]
        return runner.invoke(app, args + (["--out", str(out)] if out else []))

    refused = report(url, "duckdb")
    assert refused.exit_code == 2 and "is a URL: only `report --engine spark`" in refused.output, refused.output
    ingest = runner.invoke(app, ["ingest", str(tmp_path), "--store", url])
    assert ingest.exit_code == 2 and "is a URL" in ingest.output, ingest.output
    missing = report((tmp_path / "nothing").resolve().as_uri(), "spark")
    assert missing.exit_code != 0 and "No store at file:" in missing.output and "Traceback" not in missing.output

    before = calls["store_reader"]
    res = report(url, "spark", tmp_path / "url.json")
    assert res.exit_code == 0, res.output
    assert calls["store_reader"] == before  # DuckDB did not open the store
    local = report(str(sample_store), "duckdb", tmp_path / "local.json")
    assert local.exit_code == 0, local.output
    docs = [json.loads((tmp_path / n).read_text(encoding="utf-8")) for n in ("local.json", "url.json")]
    assert docs[1]["store"] == url.rstrip("/") and docs[0]["store"] == str(sample_store)
    assert all(f["first_quarantined"] is None for f in docs[1]["ingest"]["by_file"])
    for d in docs:
        d.pop("generated_at"), d.pop("store")
        for f in d["ingest"]["by_file"]:
            f.pop("first_quarantined")
    assert docs[0]["forecast"]["p50_usd"] is not None
    assert not _same_document(docs[0], docs[1])
    # a store copied without one of its parts: one error line naming the store, no traceback
    import shutil

    half = tmp_path / "half"
    shutil.copytree(sample_store, half)
    part = next(p for p in sorted((half / "usage").rglob("*.parquet")))
    part.unlink()
    broken = report(half.resolve().as_uri(), "spark")
    assert broken.exit_code != 0 and "damaged or half copied" in broken.output, broken.output
    assert "Traceback" not in broken.output
