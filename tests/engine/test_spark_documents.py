"""The same report on Spark as on DuckDB (issue 21; docs/scale.md): `report --engine spark` writes
the document DuckDB writes (the sample logs, a public trace, billed windows, org totals and exports
at two widths), the forecast's history and the cache simulation run on Spark, a store read at a URL.
The queries one by one: test_spark_parity.py. Skipped only when pyspark is not installed (CI
installs it)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
pytest.importorskip("sqlglot", reason="sqlglot is not installed (pip install -e '.[spark]')")

from llmcost.engine import spark as S
from llmcost.ingest.loader import load
from llmcost.pricing import load_catalog
from llmcost.storage.store import Store
from tests.conftest import TRACES, requires_traces
from tests.engine.parity import assert_rows_equal, documents, same_document


def test_cli_engine_spark_writes_thesame_document(spark: Any, sample_store: Path, tmp_path: Path,
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
    docs = documents(sample_store, tmp_path, monkeypatch, args)
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
    assert not same_document(docs["duckdb"], docs["spark"])
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
    docs = documents(store, tmp_path, monkeypatch, ("--month", "2026-10", "--budget", "100", "--no-forecast"))
    d = docs["duckdb"]
    assert Decimal(d["totals"]["billed_cost_usd"]) == Decimal("5.00")
    assert Decimal(d["budget"]["value_usd"]) == Decimal("5.00") + 3 * PER_DAY
    assert Decimal(d["budget"]["billed_usd"]) == Decimal("5.00")
    assert not same_document(docs["duckdb"], docs["spark"])


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
    docs = documents(store, tmp_path, monkeypatch, ("--no-forecast",))
    assert not same_document(docs["duckdb"], docs["spark"])
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
    docs = documents(store, tmp_path, monkeypatch, ("--no-forecast",))
    assert not same_document(docs["duckdb"], docs["spark"])
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
    docs = documents(trace_store, tmp_path, monkeypatch)
    assert docs["spark_counts"] == dict.fromkeys(docs["spark_counts"], 0)
    assert not same_document(docs["duckdb"], docs["spark"])


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
    assert not same_document(docs[0], docs[1])
    # a store copied without one of its parts: one error line naming the store, no traceback
    import shutil

    half = tmp_path / "half"
    shutil.copytree(sample_store, half)
    part = next(p for p in sorted((half / "usage").rglob("*.parquet")))
    part.unlink()
    broken = report(half.resolve().as_uri(), "spark")
    assert broken.exit_code != 0 and "damaged or half copied" in broken.output, broken.output
    assert "Traceback" not in broken.output
