"""Unit costs (issue 19) against polars on the same priced rows, grouped and ranked independently:
sample_logs (two apps and the unpriced Azure trace slice) and, when ../shared/traces is beside
the checkout, the RAGPulse trace read in place with a price for its model."""

from __future__ import annotations

import itertools
import math
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.measures.registry import compute_measures
from llmcost.pricing import attach_costs, load_catalog
from llmcost.storage.store import Store

REPO = Path(__file__).resolve().parents[2]


def _measures_and_rows(store: Path, prices: Path | None = None) -> tuple[dict[str, Any], pl.DataFrame]:
    con = Store.open(store).connect()
    attach_costs(con, load_catalog(prices), source="usage", target="priced_usage")
    rows = con.sql("SELECT project, user_id, conversation_id, grain, ts, priced, cost_usd FROM priced_usage").pl()
    m = compute_measures(con)
    con.close()
    return m["unit_costs"], rows


def _expected(rows: pl.DataFrame, keys: list[str]) -> dict[str, Any]:
    """Units = groups of `keys`; a unit is priced when all its rows are; quantiles over priced units."""
    g = rows.group_by(keys).agg(priced=pl.col("priced").fill_null(False).all(),
                                cost=pl.col("cost_usd").filter(pl.col("priced").fill_null(False)).sum())
    priced = g.filter(pl.col("priced"))
    costs = sorted(Decimal(str(c)) for c in priced["cost"].to_list())
    total = sum(costs, Decimal(0))
    top = costs[::-1][: max(1, math.ceil(len(costs) * 0.01))]
    fl = priced["cost"].cast(pl.Float64)
    return {
        "units": g.height, "priced_units": priced.height, "unpriced_units": g.height - priced.height,
        "cost_usd": total if costs else None,
        "p50": fl.quantile(0.5, "linear"), "p90": fl.quantile(0.9, "linear"), "p99": fl.quantile(0.99, "linear"),
        "top1": float(sum(top, Decimal(0)) / total) if total else None,
    }


def _check(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert (got["units"], got["priced_units"], got["unpriced_units"]) == (
        want["units"], want["priced_units"], want["unpriced_units"])
    if want["cost_usd"] is None:
        assert got["cost_usd"] is None and got["p50_usd"] is None
        return
    assert abs(got["cost_usd"] - want["cost_usd"]) < Decimal("1e-9")
    for q in ("p50", "p90", "p99"):
        assert math.isclose(float(got[f"{q}_usd"]), want[q], rel_tol=1e-9, abs_tol=1e-12), (q, got, want)
    assert math.isclose(got["top1pct_cost_share"], want["top1"], rel_tol=1e-9)


def _check_all(uc: dict[str, Any], rows: pl.DataFrame) -> int:
    rows = rows.with_columns(
        month=pl.col("ts").dt.convert_time_zone("UTC").dt.truncate("1mo").dt.date(),
        rid=pl.int_range(pl.len()),
    )
    units = {
        "conversation": (rows.filter(pl.col("conversation_id").is_not_null()), ["conversation_id"]),
        "user": (rows.filter(pl.col("user_id").is_not_null()), ["user_id"]),
        "active_user_month": (rows.filter(pl.col("user_id").is_not_null()), ["user_id", "month"]),
        "request": (rows.filter(pl.col("grain") == "request"), ["rid"]),
    }
    checked = 0
    for unit, (sub, keys) in units.items():
        (got,) = [r for r in uc["overall"] if r["unit"] == unit] or [None]
        if sub.height == 0:
            assert got is None
            continue
        _check(got, _expected(sub, keys))
        checked += 1
        for project in sub["project"].unique().to_list():
            (gp,) = [r for r in uc["by_project"] if r["unit"] == unit and r["project"] == project]
            _check(gp, _expected(sub.filter(pl.col("project").eq_missing(project)), keys))
            checked += 1
    # the monthly trend: a conversation counts in the month of its first row
    conv = rows.filter(pl.col("conversation_id").is_not_null())
    if conv.height:
        first = conv.group_by("conversation_id").agg(month=pl.col("month").min())
        by_month = conv.drop("month").join(first, on="conversation_id")
        for r in [t for t in uc["by_month"] if t["unit"] == "conversation"]:
            want = _expected(by_month.filter(pl.col("month") == r["month"]), ["conversation_id"])
            assert (r["units"], r["priced_units"]) == (want["units"], want["priced_units"])
            assert abs(r["cost_usd"] - want["cost_usd"]) < Decimal("1e-9")
            assert math.isclose(float(r["p50_usd"]), want["p50"], rel_tol=1e-9)
            checked += 1
    return checked


def test_unit_costs_on_sample_logs_match_polars(tmp_path: Path) -> None:
    store = tmp_path / "store"
    res = CliRunner().invoke(app, ["ingest", "--store", str(store), str(REPO / "sample_logs")])
    assert res.exit_code == 0, res.output
    uc, rows = _measures_and_rows(store)
    # the Azure slice has no price: its 300 requests are unpriced units, never $0
    req = next(r for r in uc["overall"] if r["unit"] == "request")
    assert req["unpriced_units"] == 300
    assert _check_all(uc, rows) >= 4 + 3 * 3 + 3
    # the trend's change is the mean against the previous month
    conv = [r for r in uc["by_month"] if r["unit"] == "conversation"]
    assert len(conv) >= 3
    for a, b in itertools.pairwise(conv):
        assert math.isclose(b["mean_change_ratio"], float(b["mean_usd"] / a["mean_usd"] - 1), rel_tol=1e-12)
        assert b["mean_usd"] == b["cost_usd"] / b["priced_units"]


@pytest.mark.skipif(not (REPO.parent / "shared" / "traces" / "ragpulse").exists(),
                    reason="../shared/traces is not beside the checkout")
def test_unit_costs_on_the_ragpulse_trace_match_polars(tmp_path: Path) -> None:
    trace = REPO.parent / "shared" / "traces" / "ragpulse" / "0_trace.jsonl.gz"
    prices = tmp_path / "prices.toml"
    # the trace names no model: a stated price (USD per 1M tokens) makes its sessions priced units
    prices.write_text('[[model]]\nprovider = "ragpulse"\nmodel = "unspecified"\ninput = 1.00\noutput = 2.00\n')
    store = tmp_path / "store"
    res = CliRunner().invoke(app, ["ingest", "--store", str(store), str(trace)])
    assert res.exit_code == 0, res.output
    uc, rows = _measures_and_rows(store, prices)
    conv = next(r for r in uc["overall"] if r["unit"] == "conversation")
    assert conv["priced_units"] > 1000 and conv["unpriced_units"] == 0
    assert _check_all(uc, rows) >= 2


def test_top_share_with_ties_at_the_kth_place() -> None:
    """250 requests costing i % 7 dollars (i = 0..249): k = ceil(2.5) = 3 of them are the top 1%,
    and 36 requests tie at $6, the k-th place included: top = 3 x 6 = 18 of 35 x 21 + (0 + 1 + 2
    + 3 + 4) = 745 (worked out by hand; the query ranks only a head of the units, issue 18)."""
    from llmcost.measures.queries import rows

    from .harness import priced_usage_table

    con = duckdb.connect()
    con.register("_rows", priced_usage_table([
        {"ts": "2025-01-01T00:00:00Z", "project": "P", "priced": True, "cost_usd": f"{i % 7}.00"} for i in range(250)
    ]))
    con.execute("CREATE TABLE priced_usage AS SELECT * FROM _rows")
    got = {(r["unit"], r["level"]): r for r in rows(con, "unit_costs")}
    assert set(got) == {("request", "all"), ("request", "project")}
    for r in got.values():
        assert (r["units"], r["priced_units"], r["cost_usd"], r["max_usd"]) == (250, 250, Decimal(745), Decimal(6))
        assert r["top1pct_cost_share"] == 18 / 745


def test_top_units_tied_on_cost_are_ranked_by_key() -> None:
    """12 conversations c00..c11 of one request each costing i % 3 dollars: the four at $2 are
    c02, c05, c08, c11; the top 3 are the first three of them by key."""
    from llmcost.measures.queries import rows

    from .harness import priced_usage_table

    con = duckdb.connect()
    con.register("_rows", priced_usage_table([
        {"ts": "2025-01-01T00:00:00Z", "project": "A" if i < 6 else "B", "conversation_id": f"c{i:02d}",
         "priced": True, "cost_usd": f"{i % 3}.00"} for i in range(12)
    ]))
    con.execute("CREATE TABLE priced_usage AS SELECT * FROM _rows")
    top = rows(con, "unit_costs_top", top_n=3)
    assert [(r["unit"], r["rank"], r["unit_key"], r["project"], r["projects"], r["cost_usd"]) for r in top] == [
        ("conversation", 1, "c02", "A", 1, Decimal(2)),
        ("conversation", 2, "c05", "A", 1, Decimal(2)),
        ("conversation", 3, "c08", "B", 1, Decimal(2)),
    ]


def _decimal_quantile(costs: list[Decimal], p: str) -> Decimal:
    """Linear interpolation between ranks floor and ceil of (n - 1) x p, in Decimal, rounded to
    12 places half up: the definition of sql/unit_costs.sql, worked out here with Python's own
    arithmetic."""
    costs = sorted(costs)
    h = (len(costs) - 1) * Decimal(p)
    lo, hi = costs[math.floor(h)], costs[math.ceil(h)]
    return (lo + (hi - lo) * (h - int(h))).quantize(Decimal("1e-12"), rounding=ROUND_HALF_UP)


def test_percentiles_are_exact_decimals() -> None:
    """1,003 requests and 211 conversations with costs of 12 decimal places, many repeated: p50,
    p90 and p99 equal the Decimal interpolation to the last place (no float on the way: a
    DOUBLE interpolation differs from it in the 12th place on such costs), and the monthly
    median too. The costs are counted with their repeats, as the query reads them."""
    from llmcost.measures.queries import rows

    from .harness import priced_usage_table

    rng = random.Random(19)
    data = [
        {"ts": f"2025-0{1 + i % 2}-0{1 + i % 9}T00:00:00Z", "project": "P", "conversation_id": f"c{i % 211}",
         "priced": True,
         "cost_usd": str(Decimal(rng.choice([rng.randrange(10**9, 10**13), 7 * 10**11])) / 10**12)}
        for i in range(1003)
    ]
    con = duckdb.connect()
    con.register("_rows", priced_usage_table(data))
    con.execute("CREATE TABLE priced_usage AS SELECT * FROM _rows")
    got = {(r["unit"], r["level"]): r for r in rows(con, "unit_costs")}
    req = [Decimal(r["cost_usd"]) for r in data]
    conv: dict[str, Decimal] = {}
    for r in data:
        conv[r["conversation_id"]] = conv.get(r["conversation_id"], Decimal(0)) + Decimal(r["cost_usd"])
    assert len(set(req)) < len(req)  # repeats: the distinct costs are counted with their units
    for unit, costs in (("request", req), ("conversation", list(conv.values()))):
        g = got[(unit, "all")]
        assert g["priced_units"] == len(costs) and g["cost_usd"] == sum(costs)
        for q, p in (("p50", "0.5"), ("p90", "0.9"), ("p99", "0.99")):
            assert g[f"{q}_usd"] == _decimal_quantile(costs, p), (unit, q)
        top = sorted(costs, reverse=True)[: math.ceil(len(costs) / 100)]
        assert g["top1pct_cost_share"] == pytest.approx(float(sum(top) / sum(costs)), rel=1e-12)
    monthly = {(r["unit"], r["month"].month): r for r in rows(con, "unit_costs_by_month")}
    for m in (1, 2):
        costs = [Decimal(r["cost_usd"]) for r in data if r["ts"].startswith(f"2025-0{m}")]
        assert monthly[("request", m)]["p50_usd"] == _decimal_quantile(costs, "0.5")
