"""Driver forecasts on awkward histories: a dated snapshot's price override."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from llmcost.pricing import load_catalog
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
