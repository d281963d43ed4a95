"""--budget as probabilities: the chance the month ends above it and the day it is crossed, in every format."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

from llmcost.document.analysis import ReportOptions, build_report
from llmcost.report import render


def test_budget_odds_agree_with_the_forecast_quantiles_and_show_in_every_format(sample_store: Path) -> None:
    base = build_report(ReportOptions(store=sample_store))["forecast"]
    p50, hi80, lo80 = (Decimal(base[k]) for k in ("p50_usd", "hi_80_usd", "lo_80_usd"))
    # a budget between the median and the 90th percentile of the month total: 10% to 50% of paths end above
    budget = ((p50 + hi80) / 2).quantize(Decimal("0.01"))
    doc = build_report(ReportOptions(store=sample_store, budget=budget))
    b = doc["budget"]
    assert 0.1 <= b["probability_above"] <= 0.5, b
    assert b["crossed_on"] is None
    # below the 10th percentile: at least 90% of paths end above it; it is crossed inside the month
    low = build_report(ReportOptions(store=sample_store, budget=(lo80 - Decimal("0.5"))))["budget"]
    assert low["probability_above"] >= 0.9 and low["crossing_day_p50"] is not None
    assert low["crossing_day_lo_80"] <= low["crossing_day_p50"] <= (low["crossing_day_hi_80"] or "9999")
    assert str(low["crossing_day_p50"]) > str(doc["forecast"]["as_of"])  # after the last day of data
    # far above: no path ends above it
    high = build_report(ReportOptions(store=sample_store, budget=hi80 * 10))["budget"]
    assert high["probability_above"] == 0.0 and high["crossing_day_p50"] is None

    pct = f"{b['probability_above']:.0%}"
    for fmt in ("table", "md", "html"):
        assert f"above it {pct}" in " ".join(render(doc, fmt, width=120).split()), fmt
    assert json.loads(render(doc, "json"))["budget"]["probability_above"] == b["probability_above"]
    row = next(csv.DictReader(io.StringIO(render(doc, "csv", table_name="budget"))))
    assert float(row["probability_above"]) == b["probability_above"]


def test_budget_already_crossed_by_actuals(sample_store: Path) -> None:
    doc = build_report(ReportOptions(store=sample_store, budget=Decimal("1")))
    # the first day the month's running actual spend (the report's daily table) passes $1
    running, first = Decimal(0), None
    for d in sorted(doc["daily"], key=lambda d: d["day"]):
        if str(d["day"]).startswith(doc["forecast"]["month"]) and d["cost_usd"] is not None:
            running += Decimal(d["cost_usd"])
            if running > 1 and first is None:
                first = d["day"]
    assert first is not None
    assert doc["budget"]["probability_above"] == 1.0 and doc["budget"]["crossed_on"] == first
    assert doc["budget"]["exceeded"] is True
