"""A dated snapshot's price override reaches the driver forecast and the what-if alternatives."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from llmcost.pricing import load_catalog
from llmcost.scenarios import forecast_section
from llmcost.scenarios.drivers import forecast_drivers
from llmcost.scenarios.history import prepare
from tests.scenarios.conftest import usage_con


def test_a_price_override_for_a_dated_snapshot_reaches_the_forecast(tmp_path: Path) -> None:
    # gpt-4o-2024-08-06 at $1.25 / $5.00 per 1M from 2026-11-10 (half of gpt-4o's $2.50 / $10
    # list price). The forecast groups the rows under the family (gpt-4o) and used to price the
    # group by that name, so the snapshot's override was skipped: the next quarter stayed at the
    # list price ($7.97 on a store where it should read about half).
    prices = tmp_path / "prices.toml"
    prices.write_text(
        '[[model]]\nprovider = "openai"\nmodel = "gpt-4o-2024-08-06"\neffective_from = 2026-11-10\n'
        "input = 1.25\noutput = 5.00\n"
    )
    catalog = load_catalog(prices)
    first, last = date(2026, 10, 1), date(2026, 11, 18)
    rows = [
        {"ts": datetime(d.year, d.month, d.day, 12, tzinfo=UTC), "provider": "openai",
         "model": "gpt-4o-2024-08-06", "input_tokens": 1000, "output_tokens": 100}
        for d in (first + timedelta(days=i) for i in range((last - first).days + 1))
        for _ in range(10)
    ]
    con = usage_con(rows)
    history = prepare(con, catalog, last, "UTC").table
    fc = forecast_drivers(con, history, catalog, last, date(2027, 3, 31), n_paths=100, seed=0)
    assert fc is not None
    (group,) = fc.groups
    price = fc.prices[group]
    # per token: $1.25 / 1M input, $5.00 / 1M output
    assert price.prices["input"] == Decimal("1.25") / Decimal(1_000_000)
    assert price.prices["output"] == Decimal("5.00") / Decimal(1_000_000)


def test_the_batch_what_if_discounts_the_snapshot_s_overridden_price(tmp_path: Path) -> None:
    # The same snapshot override, from 2026-11-01: gpt-4o-2024-08-06 at $1.25 / $5.00 per 1M. Its
    # batch price is half of that, $0.625 / $2.50 (OpenAI's batch API; the catalog's batch variant
    # of gpt-4o). The batch what-if used to look the batch price up under the family name (gpt-4o,
    # list $2.50 / $10, batch $1.25 / $5.00): the batch price equalled the overridden price and the
    # what-if saved $0.0000, while the actuals and the forecast were at the override.
    prices = tmp_path / "prices.toml"
    prices.write_text(
        '[[model]]\nprovider = "openai"\nmodel = "gpt-4o-2024-08-06"\neffective_from = 2026-11-01\n'
        "input = 1.25\noutput = 5.00\n"
    )
    scenarios = tmp_path / "scenarios.toml"
    scenarios.write_text('[settings]\nwindow_days = 28\n\n[[batch]]\nname = "batch_half"\nshare = 0.5\n')
    first, last = date(2026, 10, 1), date(2026, 11, 18)
    rows = [
        {"ts": datetime(d.year, d.month, d.day, 12, k, tzinfo=UTC), "provider": "openai",
         "model": "gpt-4o-2024-08-06", "input_tokens": 1000, "output_tokens": 100}
        for d in (first + timedelta(days=i) for i in range((last - first).days + 1))
        for k in range(10)
    ]
    doc = forecast_section(usage_con(rows), load_catalog(prices), as_of=last, tz="UTC", scenarios_file=scenarios,
                           n_paths=200)
    (alt,) = doc["alternatives"]
    # the window: 28 days x 10 single requests, half of them moved = 140 requests, each saving
    # 1000 x (1.25 - 0.625) + 100 x (5.00 - 2.50) = 875 per 1M
    assert alt["measured"]["requests_moved"] == 140
    assert alt["window_savings_usd"] == Decimal(140 * 875) / Decimal(1_000_000)
    # every request is alike, so half of them at half price saves a quarter of the month's cost
    month = next(p for p in doc["forecast"]["periods"] if p["kind"] == "next_month")
    assert alt["savings_vs_baseline_usd"] == pytest.approx(Decimal(month["p50_usd"]) / 4, abs=Decimal("0.01"))
