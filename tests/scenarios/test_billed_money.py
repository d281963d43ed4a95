"""The billed money of models the catalogue cannot price is forecast as money (scenarios/billed.py):
a cost export bills them every day, and the forecast said "no forecast" because it prices tokens
at list prices only. Counted once: a priced model's bill is never added to its list-price forecast."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest

from llmcost.pricing import load_catalog
from llmcost.scenarios import forecast_section
from tests.scenarios.conftest import usage_con

AS_OF = date(2026, 11, 18)
DAYS = [AS_OF - timedelta(days=i) for i in range(60)]  # 2026-09-20 to 2026-11-18
BILL = Decimal("5.00")  # acme/acme-x (no list price anywhere) is billed $5.00 a day
OPENAI_BILL = Decimal("7.00")  # gpt-4o's bill: its tokens are forecast at list prices, this is never added


def _rows(unpriced: bool = True, priced: bool = True) -> list[dict]:
    rows = []
    for d in DAYS:
        if unpriced:  # a FOCUS-like day bucket of token counts, no request count
            rows.append({"ts": datetime(d.year, d.month, d.day, tzinfo=UTC), "provider": "acme", "model": "acme-x",
                         "grain": "bucket", "request_count": 0, "requests_known": False,
                         "input_tokens": 1_000_000, "output_tokens": 200_000})
        if priced:
            # 10 gpt-4o requests a day, 1000 input and 100 output tokens each: 10 x (1000 x 2.50 + 100 x 10)
            # per 1M = $0.035 a day at the list price
            rows += [{"ts": datetime(d.year, d.month, d.day, 12, k, tzinfo=UTC), "provider": "openai",
                      "model": "gpt-4o", "input_tokens": 1000, "output_tokens": 100} for k in range(10)]
    return rows


def _with_costs(con: duckdb.DuckDBPyConnection, lines: list[tuple[str, str, Decimal]]) -> duckdb.DuckDBPyConnection:
    """`con` with a `costs` table holding a day-long cost line per day of DAYS for each (provider, model, USD)."""
    from llmcost.storage.schema import duckdb_types

    con.execute("CREATE TABLE costs (" + ", ".join(f"{c} {t}" for c, t in duckdb_types("costs").items()) + ")")
    i = 0
    for d in DAYS:
        start = datetime(d.year, d.month, d.day, tzinfo=UTC)
        for provider, model, usd in lines:
            con.execute(
                "INSERT INTO costs (event_id, source, ts, bucket_end, provider, model, cost_usd) "
                "VALUES (?, 'test', ?, ?, ?, ?, ?)",
                [f"c{i:05d}", start, start + timedelta(days=1), provider, model, usd],
            )
            i += 1
    return con


def _forecast(con: duckdb.DuckDBPyConnection) -> dict:
    return forecast_section(con, load_catalog(), as_of=AS_OF, tz="UTC", scenarios_file=None, n_paths=400)["forecast"]


def _nested(f: dict) -> None:
    for p in f["periods"]:
        lo95, lo80, mid, hi80, hi95 = (p[k] for k in ("lo_95_usd", "lo_80_usd", "p50_usd", "hi_80_usd", "hi_95_usd"))
        assert Decimal(0) <= lo95 <= lo80 <= mid <= hi80 <= hi95, p


def test_an_unpriced_model_billed_every_day_is_forecast_from_its_bill() -> None:
    """Before: "no forecast: no priced usage on or before as_of" beside a bill of $300."""
    con = _with_costs(usage_con(_rows(priced=False)), [("acme", "acme-x", BILL)])
    doc = forecast_section(con, load_catalog(), as_of=AS_OF, tz="UTC", scenarios_file=None, n_paths=400)
    f = doc["forecast"]
    _nested(f)
    cur, nxt = f["periods"][0], f["periods"][1]
    # hand-computed: November to date is 18 billed days x $5.00 = $90.00; the 12 days left at $5.00 a
    # day make the month $150.00; December is 31 x $5.00 = $155.00
    assert f["actual_to_date_usd"] == Decimal("90.00")
    assert f["run_rate_usd"] == Decimal("150.00")
    assert cur["p50_usd"] == pytest.approx(Decimal("150.00"), abs=Decimal("3"))
    assert nxt["period"] == "2026-12" and nxt["p50_usd"] == pytest.approx(Decimal("155.00"), abs=Decimal("3"))
    assert f["model_used"].startswith("billed money (acme: ")
    assert f["billed_money"][0]["series"] == "billed|acme" and f["billed_money"][0]["models"] == ["acme-x"]
    assert f["billed_money"][0]["actual_to_date_usd"] == Decimal("90.00")
    assert any(n.startswith("acme/acme-x: forecast from their billed money") and "no list price" in n
               for n in f["notes"])
    assert not any("left out of the money forecast" in n for n in f["notes"])
    # the what-ifs re-price tokens at list prices, and no model here has one: each is n/a (unknown), not a
    # $0 saving, and a note says why
    assert doc["alternatives"]
    for a in doc["alternatives"]:
        assert (a["savings_vs_baseline_usd"], a["window_savings_usd"], a["monthly_cost_usd"]) == (None, None, None)
        assert "savings_lo_80_usd" not in a
    assert any(n.startswith("the what-ifs: n/a: each re-prices the logged requests at list prices") for n in f["notes"])


def test_priced_and_billed_unpriced_add_up_and_no_bill_is_counted_twice() -> None:
    """gpt-4o is priced (and billed $7.00 a day, a bill its list-price forecast stands for); acme-x is
    billed only. The total is the two parts' sum; gpt-4o's $7.00 a day is in none of them."""
    both = [("acme", "acme-x", BILL), ("openai", "gpt-4o", OPENAI_BILL)]
    total = _forecast(_with_costs(usage_con(_rows()), both))
    priced = _forecast(_with_costs(usage_con(_rows(unpriced=False)), [("openai", "gpt-4o", OPENAI_BILL)]))
    billed = _forecast(_with_costs(usage_con(_rows(priced=False)), [("acme", "acme-x", BILL)]))
    _nested(total)
    assert priced["billed_money"] == [] and priced["periods"][1]["p50_usd"] < Decimal("2")  # 31 x $0.035 = $1.09
    # to date: 18 x $0.035 at list prices + 18 x $5.00 billed = $90.63 (with gpt-4o's bill too: $216.63)
    assert total["actual_to_date_usd"] == Decimal("90.63")
    assert total["actual_to_date_usd"] == priced["actual_to_date_usd"] + billed["actual_to_date_usd"]
    for i in (0, 1):
        parts = priced["periods"][i]["p50_usd"] + billed["periods"][i]["p50_usd"]
        assert total["periods"][i]["p50_usd"] == pytest.approx(parts, abs=Decimal("1"))
    # December: 31 x ($0.035 + $5.00) = $156.09; with gpt-4o's bill added it would be $373
    assert total["periods"][1]["p50_usd"] == pytest.approx(Decimal("156.09"), abs=Decimal("3"))
    assert [g["model"] for g in total["groups"]] == ["gpt-4o"]
    # beside priced usage the what-ifs are measured (on gpt-4o) and claim nothing on acme-x's bill
    assert any(n.startswith("the what-ifs re-price tokens at list prices: they save nothing") for n in total["notes"])
    assert not any(n.startswith("the what-ifs: n/a") for n in total["notes"])
    assert [b["models"] for b in total["billed_money"]] == [["acme-x"]]
    assert total["model_used"].startswith("drivers x list prices (openai: ") and " + billed money (acme: " in \
        total["model_used"]


def test_neither_priced_usage_nor_billed_money_stays_unknown() -> None:
    """An unpriced model with no bill: no forecast, as before (unknown, not $0)."""
    f = _forecast(_with_costs(usage_con(_rows(priced=False)), [("openai", "gpt-4o", OPENAI_BILL)]))
    assert f["model_used"] == "none" and f["p50_usd"] is None
    assert any("left out of the money forecast: acme/acme-x" in n for n in f["notes"])
