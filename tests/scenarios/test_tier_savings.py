"""A what-if's saving at the service tier the requests ran at, in the window and in the month.

Prices by hand (USD per million tokens; pricing-caching-routing.md, OpenAI: batch 50% off,
"Fast mode" (priority) 2x for gpt-5): gpt-5 input 1.25, output 10; priority 2.50 and 20; batch
0.625 and 5.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from llmcost.pricing import load_catalog
from llmcost.scenarios import forecast_section
from tests.scenarios.conftest import usage_con

SCEN = """
[settings]
growth = "step"
window_days = 28

[[batch]]
name = "half_to_batch"
share = 0.5
"""
AS_OF = date(2026, 10, 31)


def _section(scenarios: str, tmp_path: Path, **row: object) -> dict:
    """The forecast section over 61 days of 20 gpt-5 requests a day (10,000 in, 1,000 out), each
    with `row`'s fields, under `scenarios`."""
    start = datetime(2026, 9, 1, tzinfo=UTC)
    rows = [{"ts": start + timedelta(days=d, minutes=30 * k), "provider": "openai", "model": "gpt-5",
             "input_tokens": 10_000, "output_tokens": 1_000, **row}
            for d in range(61) for k in range(20)]
    f = tmp_path / ("-".join(f"{k}={v}" for k, v in row.items()) + ".toml")
    f.write_text(scenarios)
    return forecast_section(usage_con(rows), load_catalog(), as_of=AS_OF, tz="UTC", scenarios_file=f, n_paths=200)


def test_batch_saves_from_the_priority_price_in_the_window_and_in_the_month(tmp_path: Path) -> None:
    fast, std = _section(SCEN, tmp_path, service_tier="priority"), _section(SCEN, tmp_path, service_tier="default")
    (a,), (b,) = fast["alternatives"], std["alternatives"]
    # the window (Oct 4-31): 28 days x 20 requests, half moved = 280 requests
    # priority: 10,000 x (2.50 - 0.625) + 1,000 x (20 - 5) = 33,750 per million per request
    # standard: 10,000 x (1.25 - 0.625) + 1,000 x (10 - 5) = 11,250
    assert a["window_savings_usd"] == Decimal(280 * 33_750) / 1_000_000  # $9.45
    assert b["window_savings_usd"] == Decimal(280 * 11_250) / 1_000_000  # $3.15
    # the month's saving is the same traffic at the same per-request saving: 3x the standard one,
    # as in the window (the projection's money is at the tiers the tokens ran at, so the
    # priority price is not counted twice, nor left out)
    ratio = a["savings_vs_baseline_usd"] / b["savings_vs_baseline_usd"]
    assert abs(ratio - 3) < Decimal("0.06"), (a["savings_vs_baseline_usd"], b["savings_vs_baseline_usd"])
    # and the month's forecast itself is at the priority price: 2x the standard one
    f, s = fast["forecast"]["periods"][1]["p50_usd"], std["forecast"]["periods"][1]["p50_usd"]
    assert abs(f / s - 2) < Decimal("0.06"), (f, s)


ROUTE = """
[settings]
growth = "step"
window_days = 28

[[routing]]
name = "to_mini"
from_model = "gpt-5"
to_model = "gpt-5-mini"
labels = []
"""


def test_batch_history_saves_at_batch_prices_in_the_window_and_in_the_month(tmp_path: Path) -> None:
    # gpt-5-mini by hand (OpenAI's price page): input 0.25, output 2.00 per million; batch 50% off
    bat, std = _section(ROUTE, tmp_path, batch=True), _section(ROUTE, tmp_path, batch=False)
    (a,), (b,) = bat["alternatives"], std["alternatives"]
    # the window: 28 days x 20 requests = 560, every one moved, through the batch API if it was
    # standard: 10,000 x (1.25 - 0.25) + 1,000 x (10 - 2) = 18,000 per million per request
    # batch: 10,000 x (0.625 - 0.125) + 1,000 x (5 - 1) = 9,000
    assert b["window_savings_usd"] == Decimal(560 * 18_000) / 1_000_000  # $10.08
    assert a["window_savings_usd"] == Decimal(560 * 9_000) / 1_000_000  # $5.04
    # the month: the same traffic at the same per-request saving, half the standard one, and the
    # forecast itself at the batch price (the batch history is not projected at standard prices)
    ratio = a["savings_vs_baseline_usd"] / b["savings_vs_baseline_usd"]
    assert abs(ratio - Decimal("0.5")) < Decimal("0.02"), (a["savings_vs_baseline_usd"], b["savings_vs_baseline_usd"])
    f, s = bat["forecast"]["periods"][1]["p50_usd"], std["forecast"]["periods"][1]["p50_usd"]
    assert abs(f / s - Decimal("0.5")) < Decimal("0.02"), (f, s)


def test_us_only_inference_saves_a_tenth_more_in_the_window_and_in_the_month(tmp_path: Path) -> None:
    # Claude Opus 4.6 by hand (Anthropic's price page): input 5, output 25; batch 50% off; US-only
    # inference (inference_geo "us") 1.1x, stacking with batch (pricing-caching-routing.md A.2, B)
    opus = {"provider": "anthropic", "model": "claude-opus-4-6"}
    us, glob = (_section(SCEN, tmp_path, **opus, inference_geo=g) for g in ("us", "global"))
    (a,), (b,) = us["alternatives"], glob["alternatives"]
    # the window: 280 requests moved; 10,000 x (5 - 2.5) + 1,000 x (25 - 12.5) = 37,500 per million
    assert b["window_savings_usd"] == Decimal(280 * 37_500) / 1_000_000  # $10.50
    assert a["window_savings_usd"] == Decimal(280 * 37_500) * Decimal("1.1") / 1_000_000  # $11.55
    ratio = a["savings_vs_baseline_usd"] / b["savings_vs_baseline_usd"]
    assert abs(ratio - Decimal("1.1")) < Decimal("0.02"), (a["savings_vs_baseline_usd"], b["savings_vs_baseline_usd"])
    f, s = us["forecast"]["periods"][1]["p50_usd"], glob["forecast"]["periods"][1]["p50_usd"]
    assert abs(f / s - Decimal("1.1")) < Decimal("0.02"), (f, s)
