"""Period compare: the four driver effects add up to the change, on numbers worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from llmcost.document.compare import decompose, period_compare


def _m(requests: int, tokens: int, cost: str, nocache: str, known: bool = True) -> dict[str, Any]:
    return {"requests": requests, "tokens": tokens, "cost_usd": Decimal(cost), "nocache_usd": Decimal(nocache),
            "requests_known": known}


def _logged(con: duckdb.DuckDBPyConnection, table: str = "p") -> None:
    """The store's columns the query reads beside the test's: every row a logged request."""
    con.execute(f"ALTER TABLE {table} ADD COLUMN grain VARCHAR DEFAULT 'request'")
    con.execute(f"ALTER TABLE {table} ADD COLUMN requests_known BOOLEAN DEFAULT true")


def test_decompose_by_hand() -> None:
    # previous: 100 requests x 1,000 tokens at $2/M list, cache factor 0.5 -> $0.10
    # current:  150 requests x 1,200 tokens at $2/M list, cache factor 0.5 -> $0.18
    prev = _m(100, 100_000, "0.10", "0.20")
    cur = _m(150, 180_000, "0.18", "0.36")
    eff = decompose(prev, cur)
    assert eff["requests"] == Decimal("0.05")  # +50 requests x 1,000 x $2e-6 x 0.5
    assert eff["tokens_per_request"] == Decimal("0.03")  # 150 x +200 x $2e-6 x 0.5
    assert eff["price"] == 0 and eff["cache"] == 0
    assert sum(eff.values()) == Decimal("0.08")


def test_decompose_cache_and_price() -> None:
    prev = _m(10, 10_000, "1.00", "2.00")  # list $2/10k tokens, cache factor 0.5
    cur = _m(10, 10_000, "3.00", "3.00")  # list $3 (price +50%), cache factor 1 (no cache help)
    eff = decompose(prev, cur)
    assert eff["requests"] == 0 and eff["tokens_per_request"] == 0
    assert eff["price"] == Decimal("0.5")  # 10 x 1,000 x (+$1e-4) x 0.5
    assert eff["cache"] == Decimal("1.5")  # 10 x 1,000 x $3e-4 x (+0.5)


def test_new_model_goes_to_requests() -> None:
    eff = decompose(None, _m(5, 500, "0.25", "0.25"))
    assert eff == {"requests": Decimal("0.25"), "tokens_per_request": 0, "tokens": 0, "price": 0, "cache": 0}


def test_period_compare_sql_matches_a_second_query(sample_doc: dict[str, Any]) -> None:
    c = sample_doc["compare"]
    assert (c["current"]["month"], c["previous"]["month"]) == ("2026-11", "2026-10")
    t = c["totals"]
    by_month = {str(r["period_start"])[:7]: Decimal(r["cost_usd"]) for r in sample_doc["spend"]["by_month"]
                if r["cost_usd"] is not None}
    assert t["current_cost_usd"] == by_month["2026-11"]
    # the sample's data ends on 2026-11-23: October's same days, 1-23, from the daily series
    assert (c["current"]["end"], c["previous"]["end"], c["same_days"]) == (date(2026, 11, 23), date(2026, 10, 23), True)
    october = sum(Decimal(d["cost_usd"]) for d in sample_doc["daily"]
                  if date(2026, 10, 1) <= d["day"] <= date(2026, 10, 23) and d["cost_usd"] is not None)
    assert t["previous_cost_usd"] == october < by_month["2026-10"]
    assert sum(t[f"{k}_usd"] for k in ("requests", "tokens_per_request", "price", "cache")) == t["change_usd"]
    for m in c["by_model"]:
        if m["priced"]:
            parts = sum(m[f"{k}_usd"] for k in ("requests", "tokens_per_request", "price", "cache"))
            assert parts == m["change_usd"]


def test_period_compare_on_rows() -> None:
    con = duckdb.connect()
    con.execute("""CREATE TABLE p AS SELECT * FROM (VALUES
        (TIMESTAMPTZ '2026-10-05 12:00:00+00', 'openai', 'm', 1, true, 1000, 0, 0, 0,
         CAST(0.002 AS DECIMAL(38,12)), CAST(0 AS DECIMAL(38,12)), CAST(0 AS DECIMAL(38,12))),
        (TIMESTAMPTZ '2026-11-05 12:00:00+00', 'openai', 'm', 2, true, 2000, 0, 0, 0,
         CAST(0.004 AS DECIMAL(38,12)), CAST(0 AS DECIMAL(38,12)), CAST(0 AS DECIMAL(38,12))),
        (TIMESTAMPTZ '2026-11-30 23:30:00+00', 'openai', 'x', 1, false, 10, 0, 0, 0, NULL, NULL, NULL)
    ) t(ts, provider, model, request_count, priced, input_tokens, cache_read_tokens, cache_write_tokens,
        output_tokens, cost_usd, cache_read_saving_usd, cache_write_premium_usd)""")
    _logged(con)
    c = period_compare(con, date(2026, 11, 15), source="p")
    assert c["totals"]["change_usd"] == Decimal("0.002")
    assert c["totals"]["requests_usd"] == Decimal("0.002")  # one more request, same size and price
    assert c["totals"]["unpriced_requests"] == 1
    # in Paris the 23:30 UTC request of 30 November falls on 1 December: out of the window
    c2 = period_compare(con, date(2026, 11, 15), source="p", tz="Europe/Paris")
    assert c2["totals"]["unpriced_requests"] == 0


def test_period_compare_with_nothing_priced_is_unknown_not_zero() -> None:
    """Two months of usage of a model without a price: the money is n/a, never $0, and a budget
    check on month-to-date spend says the spend is unknown instead of 'within budget'."""
    from llmcost.document.analysis import budget_check

    con = duckdb.connect()
    con.execute("""CREATE TABLE p AS SELECT * FROM (VALUES
        (TIMESTAMPTZ '2026-10-05 12:00:00+00', 'acme', 'x', 3, false, 1000, 0, 0, 0,
         CAST(NULL AS DECIMAL(38,12)), CAST(NULL AS DECIMAL(38,12)), CAST(NULL AS DECIMAL(38,12))),
        (TIMESTAMPTZ '2026-11-05 12:00:00+00', 'acme', 'x', 4, false, 2000, 0, 0, 0, NULL, NULL, NULL)
    ) t(ts, provider, model, request_count, priced, input_tokens, cache_read_tokens, cache_write_tokens,
        output_tokens, cost_usd, cache_read_saving_usd, cache_write_premium_usd)""")
    _logged(con)
    c = period_compare(con, date(2026, 11, 15), source="p")
    t = c["totals"]
    assert t["previous_cost_usd"] is None and t["current_cost_usd"] is None and t["change_usd"] is None
    assert all(t[f"{k}_usd"] is None for k in ("requests", "tokens_per_request", "price", "cache"))
    assert c["main_driver"] is None
    assert t["unpriced_requests"] == 7  # 3 in October + 4 in November
    b = budget_check({"compare": c}, Decimal("10"))
    assert b["exceeded"] is False and b["value_usd"] is None
    assert "unknown" in b["message"] and "4 requests have no known price" in b["message"]


@pytest.mark.parametrize(("n", "said"), [(5, "(5 unpriced requests not counted)"),
                                         (1, "(1 unpriced request not counted)")])
def test_budget_message_counts_the_months_unpriced_requests(n: int, said: str) -> None:
    from llmcost.document.analysis import budget_check

    con = duckdb.connect()
    con.execute("""CREATE TABLE p AS SELECT * FROM (VALUES
        (TIMESTAMPTZ '2026-11-05 12:00:00+00', 'openai', 'm', 2, true, 2000, 0, 0, 0,
         CAST(0.004 AS DECIMAL(38,12)), CAST(0 AS DECIMAL(38,12)), CAST(0 AS DECIMAL(38,12))),
        (TIMESTAMPTZ '2026-11-06 12:00:00+00', 'acme', 'x', $n, false, 10, 0, 0, 0, NULL, NULL, NULL)
    ) t(ts, provider, model, request_count, priced, input_tokens, cache_read_tokens, cache_write_tokens,
        output_tokens, cost_usd, cache_read_saving_usd, cache_write_premium_usd)""", {"n": n})
    _logged(con)
    b = budget_check({"compare": period_compare(con, date(2026, 11, 15), source="p")}, Decimal("1"))
    assert b["value_usd"] == Decimal("0.004") and b["exceeded"] is False
    assert b["message"].endswith(said)


def test_decompose_by_tokens_where_requests_are_not_stated() -> None:
    # the Anthropic usage report counts tokens, not requests (request_count 0, requests_known false):
    # previous 100,000 tokens at $2/M list, cache factor 0.5 -> $0.10; current 180,000 tokens -> $0.18.
    # Before, the whole change went to "requests" (0 -> 0 requests) and read as the main driver.
    prev = _m(0, 100_000, "0.10", "0.20", known=False)
    cur = _m(0, 180_000, "0.18", "0.36", known=False)
    eff = decompose(prev, cur)
    assert eff["tokens"] == Decimal("0.08")  # +80,000 tokens x $2e-6 x 0.5
    assert eff["requests"] == eff["tokens_per_request"] == eff["price"] == eff["cache"] == 0


def test_decompose_by_tokens_when_one_month_is_logged_and_the_other_exported() -> None:
    # 10 logged requests of 10,000 tokens against an export of 12,000 tokens at a price 50% higher
    prev = _m(10, 10_000, "1.00", "2.00")
    cur = _m(0, 12_000, "3.60", "3.60", known=False)
    eff = decompose(prev, cur)
    assert eff["tokens"] == Decimal("0.2")  # +2,000 tokens x $2e-4 x 0.5
    assert eff["price"] == Decimal("0.6")  # 12,000 x (+$1e-4) x 0.5
    assert eff["cache"] == Decimal("1.8")  # the rest: the cache factor went from 0.5 to 1
    assert eff["requests"] == eff["tokens_per_request"] == 0
    assert sum(eff.values()) == Decimal("2.60")


def test_a_new_exported_model_goes_to_tokens() -> None:
    eff = decompose(None, _m(0, 500, "0.25", "0.25", known=False))
    assert eff == {"requests": 0, "tokens_per_request": 0, "tokens": Decimal("0.25"), "price": 0, "cache": 0}


def _export_months(con: duckdb.DuckDBPyConnection) -> None:
    """October and November of a usage export (no request counts) and November's logged requests
    of another model."""
    con.execute("""CREATE TABLE p AS SELECT * FROM (VALUES
        (TIMESTAMPTZ '2026-10-05 00:00:00+00', 'bucket', 'anthropic', 'c', 0, false, true, 1000, 0, 0, 0,
         CAST(0.003 AS DECIMAL(38,12)), CAST(0 AS DECIMAL(38,12)), CAST(0 AS DECIMAL(38,12))),
        (TIMESTAMPTZ '2026-11-05 00:00:00+00', 'bucket', 'anthropic', 'c', 0, false, true, 3000, 0, 0, 0,
         CAST(0.009 AS DECIMAL(38,12)), CAST(0 AS DECIMAL(38,12)), CAST(0 AS DECIMAL(38,12))),
        (TIMESTAMPTZ '2026-11-06 12:00:00+00', 'request', 'openai', 'm', 2, true, true, 2000, 0, 0, 0,
         CAST(0.004 AS DECIMAL(38,12)), CAST(0 AS DECIMAL(38,12)), CAST(0 AS DECIMAL(38,12)))
    ) t(ts, grain, provider, model, request_count, requests_known, priced, input_tokens, cache_read_tokens,
        cache_write_tokens, output_tokens, cost_usd, cache_read_saving_usd, cache_write_premium_usd)""")


def test_period_compare_of_an_export_says_requests_are_not_stated() -> None:
    con = duckdb.connect()
    _export_months(con)
    c = period_compare(con, date(2026, 11, 30), source="p")
    t = c["totals"]
    assert (t["previous_requests"], t["current_requests"]) == (0, 2)
    assert (t["previous_requests_known"], t["current_requests_known"]) == (False, False)
    assert (t["previous_tokens"], t["current_tokens"]) == (1000, 5000)
    assert t["change_usd"] == Decimal("0.010")
    assert t["tokens_usd"] == Decimal("0.006")  # anthropic: +2,000 tokens at $3e-6
    assert t["requests_usd"] == Decimal("0.004")  # openai's new model: its 2 logged requests
    assert c["applicable_drivers"] == ["requests", "tokens_per_request", "tokens", "price", "cache"]
    assert c["main_driver"] == "tokens"
    rows = {m["provider"]: m for m in c["by_model"]}
    assert rows["anthropic"]["current_requests_known"] is False and rows["openai"]["current_requests_known"] is True


def test_a_month_before_the_data_begins_is_unknown_not_zero() -> None:
    # the store's data begins on 2026-11-05: October is not $0 spent, it is not in the store
    con = duckdb.connect()
    _export_months(con)
    con.execute("DELETE FROM p WHERE ts < TIMESTAMPTZ '2026-11-01 00:00:00+00'")
    c = period_compare(con, date(2026, 11, 30), source="p", data_first=date(2026, 11, 5))
    t = c["totals"]
    assert c["previous"]["has_data"] is False and c["current"]["has_data"] is True
    assert c["current"]["data_from"] == date(2026, 11, 5) and c["previous"]["data_from"] is None
    assert t["previous_cost_usd"] is None and t["change_usd"] is None and c["main_driver"] is None
    assert t["current_cost_usd"] == Decimal("0.013")
    assert all(m["change_usd"] is None for m in c["by_model"])
    # data beginning inside the previous month: that month is compared, and says where its data starts
    con2 = duckdb.connect()
    _export_months(con2)
    c2 = period_compare(con2, date(2026, 11, 30), source="p", data_first=date(2026, 10, 5))
    assert c2["previous"]["has_data"] is True and c2["previous"]["data_from"] == date(2026, 10, 5)
    assert c2["totals"]["change_usd"] == Decimal("0.010")


def test_billed_money_of_each_month_from_the_cost_exports() -> None:
    """A FinOps reviewer's question is how the bill moved: the cost exports' lines of each month's
    compared days, beside the estimate (before, only the estimate was compared: n/a -> n/a for
    models without a list price)."""
    con = duckdb.connect()
    _export_months(con)
    con.execute("""CREATE TABLE c AS SELECT * FROM (VALUES
        (TIMESTAMPTZ '2026-10-05 00:00:00+00', 'anthropic', 'c', CAST(2.00 AS DECIMAL(38,12))),
        (TIMESTAMPTZ '2026-11-05 00:00:00+00', 'anthropic', 'c', CAST(2.50 AS DECIMAL(38,12))),
        (TIMESTAMPTZ '2026-11-06 00:00:00+00', 'anthropic', 'c', CAST(0.75 AS DECIMAL(38,12))),
        (TIMESTAMPTZ '2026-12-01 00:00:00+00', 'anthropic', 'c', CAST(9.00 AS DECIMAL(38,12)))
    ) t(ts, provider, model, cost_usd)""")
    t = period_compare(con, date(2026, 11, 30), source="p", costs="c")["totals"]
    assert (t["previous_billed_usd"], t["current_billed_usd"]) == (Decimal("2.00"), Decimal("3.25"))
    assert t["billed_change_usd"] == Decimal("1.25")
    # the same days only: data to 2026-11-05 compares October 1-5 (2.00) with November 1-5 (2.50)
    t5 = period_compare(con, date(2026, 11, 5), source="p", costs="c", through=date(2026, 11, 5))["totals"]
    assert (t5["previous_billed_usd"], t5["current_billed_usd"]) == (Decimal("2.00"), Decimal("2.50"))
    # no cost line in a month: its billed money is unknown, and so is the change
    con.execute("DELETE FROM c WHERE ts < TIMESTAMPTZ '2026-11-01 00:00:00+00'")
    t = period_compare(con, date(2026, 11, 30), source="p", costs="c")["totals"]
    assert t["previous_billed_usd"] is None and t["current_billed_usd"] == Decimal("3.25")
    assert t["billed_change_usd"] is None
