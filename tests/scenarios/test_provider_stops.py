"""Driver forecasts on awkward histories: a provider that stopped, a snapshot's price override."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

from llmcost.pricing import load_catalog
from llmcost.scenarios.drivers import forecast_drivers
from llmcost.scenarios.history import prepare
from tests.scenarios.conftest import usage_con


def test_a_provider_that_stopped_is_not_forecast_at_its_old_level() -> None:
    # 110 days from 2026-08-01 to 2026-11-18: OpenAI 20 +- noise requests a day throughout;
    # Anthropic the same until 2026-10-25, then nothing for the last 24 days (the team moved to
    # OpenAI). Before the fix Anthropic's calendar stopped on its own last day and the 24 days
    # were imputed (interpolated at the old level), so the next 30 days were forecast at about
    # 14 requests a day.
    rng = np.random.default_rng(7)
    first, last, stop = date(2026, 8, 1), date(2026, 11, 18), date(2026, 10, 25)
    rows = []
    for i in range((last - first).days + 1):
        d = first + timedelta(days=i)
        at = datetime(d.year, d.month, d.day, 12, tzinfo=UTC)
        for provider, model in (("openai", "gpt-4o-2024-08-06"), ("anthropic", "claude-sonnet-4-5-20250929")):
            if provider == "anthropic" and d > stop:
                continue
            for _ in range(int(rng.poisson(20))):
                rows.append({"ts": at, "provider": provider, "model": model, "input_tokens": 1000,
                             "output_tokens": 100})
    con = usage_con(rows)
    history = prepare(con, load_catalog(), last, "UTC").table
    fc = forecast_drivers(con, history, load_catalog(), last, date(2027, 3, 31), n_paths=500, seed=0)
    assert fc is not None
    fit = fc.mf.fits["req|anthropic"]
    assert not any("tail imputed" in n for n in fit.notes), fit.notes
    # the series handed to the model ends with the 24 zero days
    anth = next(v for (p, _), v in fc.requests.items() if p == "anthropic")
    next_30 = float(np.median(anth[:, :30].sum(axis=1)))
    # at the old level the 30 days would hold 30 x 20 = 600 requests; 24 days of zeros must pull
    # the median well under half of that
    assert next_30 < 300, next_30


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
