"""A report prices its rows once (issue 18), and what each section reads from the one priced table
equals what the section computed when it priced its own rows (the older paths, still used by the
`reconcile` and `forecast` commands), and what a direct DuckDB read of the store's Parquet gives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from llmcost.document import analysis, focus_export, reconcile
from llmcost.document.analysis import ReportOptions, build_report, open_store
from llmcost.document.compare import period_compare
from llmcost.document.priced_rows import price_once
from llmcost.measures import registry as measures
from llmcost.pricing import attach_costs, load_catalog
from llmcost.pricing.engine import pricing_passes
from llmcost.scenarios.history import prepare
from llmcost.storage.output import csv_text
from llmcost.storage.store import Store


def test_report_with_forecast_and_scenarios_prices_once(sample_store: Path) -> None:
    before = pricing_passes()
    doc = build_report(ReportOptions(store=sample_store, budget=Decimal(50)))
    assert pricing_passes() - before == 1
    # every section that reads money was computed in that one pass
    assert doc["scenarios"] and doc["forecast"]["p50_usd"] is not None and doc["alternatives"]
    assert doc["reconciliation"]["days"] and doc["compare"]["by_model"] and doc["budget"]["month"]
    assert doc["spend"]["totals"]["cost_usd"] is not None


def test_export_focus_prices_once_and_computes_no_other_section(
    sample_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("export-focus computed a section it does not export")

    monkeypatch.setattr(measures, "compute_measures", refuse)
    monkeypatch.setattr(reconcile, "reconcile", refuse)
    monkeypatch.setattr(analysis, "period_compare", refuse)
    before = pricing_passes()
    n, _ = focus_export.export_focus(ReportOptions(store=sample_store), tmp_path / "f.csv")
    assert pricing_passes() - before == 1 and n > 0


def _old_focus_csv(opts: ReportOptions) -> str:
    """export-focus as it was before issue 18: the whole report for the scenarios, and the window
    priced again on its own (a table of `usage` rows in the window) for the actual rows."""
    doc = build_report(opts)
    con = Store.open(opts.store).connect()
    where, params = analysis._where(opts.since, opts.until, opts.tz)
    con.execute(f"CREATE TEMP TABLE focus_usage AS SELECT * FROM usage WHERE {where}", params)
    attach_costs(con, load_catalog(opts.prices_file), source="focus_usage", target="priced_usage", materialize=True)
    rows, _ = focus_export.actual_rows(con, doc["price_catalog"].get("catalog", ""))
    con.close()
    rows += focus_export.scenario_rows(doc)
    cols = focus_export.COLUMNS
    return csv_text(cols, ([r[c] for c in cols] for r in rows), numeric=focus_export.NUMERIC_COLUMNS)


@pytest.mark.parametrize("window", [{}, {"since": date(2026, 10, 5), "until": date(2026, 10, 20),
                                         "tz": "Europe/Paris"}])
def test_export_focus_is_byte_identical_to_the_old_path(
    sample_store: Path, tmp_path: Path, window: dict[str, Any]
) -> None:
    opts = ReportOptions(store=sample_store, **window)
    out = tmp_path / "focus.csv"
    focus_export.export_focus(opts, out)
    old = _old_focus_csv(opts)
    assert old.count("\n") > 100  # actual rows, not only the header
    assert out.read_bytes() == old.encode("utf-8")


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def test_sections_over_the_one_table_equal_their_own_pricing(sample_store: Path) -> None:
    catalog = load_catalog(None)
    tz, as_of = "America/Los_Angeles", date(2026, 10, 25)
    with open_store(sample_store) as (_s, _m, con):
        rows = price_once(con, catalog, tz)
        # reconciliation: reconcile_priced from the one table vs money_usage priced on its own
        shared = reconcile.reconcile(con, priced=rows).to_dicts()
        own_con = Store.open(sample_store).connect()
        own = reconcile.reconcile(own_con, catalog).to_dicts()
        assert shared == own and len(shared) > 10
        # forecast history: the view over the one table vs the table prepare prices itself
        hist = prepare(con, catalog, as_of, tz, rows)
        got = _rows(con, f"SELECT * FROM {hist.table}")
        own_hist = prepare(own_con, catalog, as_of, tz)
        assert hist == own_hist and got == _rows(own_con, f"SELECT * FROM {own_hist.table}") and len(got) > 1000
        # month comparison: the two months filtered from the one table vs `usage` priced as a view
        month = date(2026, 10, 31)
        window = analysis.window_view(con, rows, date(2026, 9, 1), month)
        attach_costs(own_con, catalog, source="usage", target="own_priced")
        assert period_compare(con, month, source=window, tz=tz) == period_compare(
            own_con, month, source="own_priced", tz=tz
        )
        own_con.close()


def test_document_totals_equal_a_direct_read_of_the_parquet(sample_store: Path, sample_doc: dict[str, Any]) -> None:
    # independent of the report's code: DuckDB over the store's Parquet parts, duplicates dropped
    parts = [str(p) for p in (sample_store / "usage").rglob("*.parquet")]
    con = duckdb.connect()
    req, tok, first = con.execute(
        "SELECT sum(request_count), sum(input_tokens + cache_read_tokens + cache_write_tokens + output_tokens), "
        "min(ts) FROM read_parquet(?, union_by_name = true) WHERE NOT _dup",
        [parts],
    ).fetchone() or (None, None, None)
    t = sample_doc["totals"]
    assert t["requests"] == req > 6000
    assert t["input_tokens"] + t["cache_read_tokens"] + t["cache_write_tokens"] + t["output_tokens"] == tok
    assert t["first_ts"] == first
    # money: each section's sum of the same rows agrees
    by_model = sum((m["cost_usd"] for m in sample_doc["by_provider_model"] if m["cost_usd"] is not None), Decimal(0))
    daily = sum((d["cost_usd"] for d in sample_doc["daily"] if d["cost_usd"] is not None), Decimal(0))
    assert t["cost_usd"] == by_model == daily == sample_doc["reconciliation"]["money_usd"]


def test_price_keys_read_without_the_turn_fill_price_the_same_rows(tmp_path: Path) -> None:
    # A store whose `usage` view numbers turns (app logs without them) and hides duplicates (the
    # same export twice under two names): price_once scans `usage_stored` for its price keys.
    from llmcost.ingest.loader import load
    from llmcost.measures import queries
    from llmcost.storage.store import turns_to_fill

    logs = tmp_path / "logs"
    logs.mkdir()
    sample = Path(__file__).resolve().parents[2] / "sample_logs/app-logs/assistant-openai.jsonl"
    for name in ("a.jsonl", "copy of a.jsonl"):
        (logs / name).write_bytes(sample.read_bytes())
    load([logs], tmp_path / "store")
    catalog = load_catalog()
    with Store.open(tmp_path / "store").reader() as r:
        con = r.con
        assert turns_to_fill(con) > 0
        (dups,) = con.execute("SELECT count(*) FROM usage_all WHERE _dup").fetchone() or (0,)
        assert dups > 0
        con.execute(f"CREATE TEMP VIEW m AS {queries.get_query('reconcile_money_usage').sql}")
        con.execute("CREATE TEMP VIEW k AS SELECT * FROM usage_stored WHERE ts IS NOT NULL")
        through_fill = attach_costs(con, catalog, source="m", target="a", materialize=True)
        stored = attach_costs(con, catalog, source="m", target="b", materialize=True, keys_from="k")
        assert stored == through_fill
        assert stored.priced_rows > 0
        assert con.execute("SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b)").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a)").fetchone() == (0,)
        priced = price_once(con, catalog, "UTC", name="c")  # the report's pass: a's rows, and local_day
        cols = ", ".join(f'"{c}"' for (c, *_) in con.execute("DESCRIBE a").fetchall())
        assert con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM a EXCEPT ALL SELECT {cols} FROM {priced.table})"
                           ).fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM a").fetchone() == con.execute("SELECT count(*) FROM c").fetchone()
