"""Dated exchange rates from a user file; Decimal only; the rate's date is shown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llmcost.document.analysis import ReportOptions, build_report
from llmcost.errors import ConfigError, UsageError
from llmcost.pricing.currency import convert, load_rates, rate_for
from llmcost.report import render


def _rates(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "rates.csv"
    p.write_text(text)
    return p


def test_latest_rate_on_or_before(tmp_path: Path) -> None:
    rates = load_rates(_rates(tmp_path, "date,currency,rate_per_usd\n2026-11-01,EUR,0.90\n2026-11-20,eur,0.95\n"
                                        "2026-12-01,EUR,2\n2026-11-20,GBP,0.8\n"))
    r = rate_for(rates, "EUR", date(2026, 11, 23))
    assert (r.rate_per_usd, r.date) == (Decimal("0.95"), date(2026, 11, 20))
    assert convert(Decimal("10.10"), r) == Decimal("9.5950")


def test_bad_rows_name_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"rates.csv: line 3: rate_per_usd 'abc'"):
        load_rates(_rates(tmp_path, "date,currency,rate_per_usd\n2026-11-01,EUR,0.9\n2026-11-02,EUR,abc\n"))
    with pytest.raises(UsageError, match="no JPY rows"):
        rate_for(load_rates(_rates(tmp_path, "date,currency,rate_per_usd\n2026-11-01,EUR,0.9\n")), "JPY",
                 date(2026, 11, 2))
    with pytest.raises(UsageError, match="after the report's last day"):
        rate_for(load_rates(_rates(tmp_path, "date,currency,rate_per_usd\n2026-12-01,EUR,0.9\n")), "EUR",
                 date(2026, 11, 2))


def test_report_in_eur(sample_store: Path, tmp_path: Path, sample_doc: dict[str, Any]) -> None:
    rates = _rates(tmp_path, "date,currency,rate_per_usd\n2026-11-20,EUR,0.5\n")
    doc = build_report(ReportOptions(store=sample_store, currency="EUR", rates_file=rates))
    cur = doc["currency"]
    assert cur["code"] == "EUR" and cur["rate_date"] == date(2026, 11, 20)
    assert cur["total_cost"] == Decimal(sample_doc["totals"]["cost_usd"]) * Decimal("0.5")
    md = render(doc, "md")
    assert "rate of 2026-11-20" in md
    expected = f"EUR {(Decimal(sample_doc['totals']['cost_usd']) / 2).quantize(Decimal('0.01')):,}"
    assert expected in md.split("## Totals", 1)[1].split("##", 1)[0]
    assert doc["totals"]["cost_usd"] == sample_doc["totals"]["cost_usd"]  # the document stays USD
