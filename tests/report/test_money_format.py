"""How money reads in the human formats: cents, fractions of a cent below $1, unknown as n/a."""

from __future__ import annotations

from decimal import Decimal

import pytest

from llmcost.report._fmt import money, money_in, signed


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("12.3456", "$12.35"),
        ("1234567.891", "$1,234,567.89"),
        ("0.64", "$0.64"),  # whole cents keep two decimals (was $0.6400)
        ("0.6400", "$0.64"),
        ("0.0102", "$0.0102"),  # a fraction of a cent stays visible
        ("0.00045", "$0.0005"),  # half-up, as the forecast rounds (was $0.0004, half-even)
        # a spend of exactly $2.625 (750 requests x $0.0035) read $2.62 in the totals and the
        # month comparison but $2.63 as the forecast's actual to date (multi.round_money, half-up)
        ("2.625", "$2.63"),
        ("0.00425", "$0.0043"),  # a plan's cost per session: 1,300 x $2.50/1M + 100 x $10/1M
        ("0", "$0.00"),
        ("-5", "-$5.00"),  # the sign before the symbol, as `signed` writes a change (was $-5.00)
        ("-0.0012", "-$0.0012"),
        (None, "n/a"),  # unknown, never $0
    ],
)
def test_money(value: str | None, shown: str) -> None:
    assert money(Decimal(value) if value is not None else None) == shown


def test_signed_and_currency() -> None:
    assert signed(money)(Decimal("-0.64")) == "-$0.64"
    assert signed(money)(Decimal("0.82")) == "+$0.82"
    eur = money_in({"code": "EUR", "rate_per_usd": "0.5"})
    assert eur(Decimal("1.28")) == "EUR 0.64"
    assert eur(Decimal("0.0204")) == "EUR 0.0102"
    assert eur(Decimal("-1.28")) == "-EUR 0.64"


def test_a_period_not_started_has_no_actual_to_date_in_the_full_report() -> None:
    """The forecast's table read "$0.00" actual to date for next month and next quarter (the document's
    0.00: nothing has happened yet); the first screen left it blank. Now "-" in md, html and --full."""
    from llmcost.report._fmt import num
    from llmcost.report.sections import _forecast

    row = {"p50_usd": Decimal("2"), "lo_80_usd": Decimal("1"), "hi_80_usd": Decimal("3"),
           "lo_95_usd": Decimal("0.5"), "hi_95_usd": Decimal("4")}
    doc = {"forecast": {"month": "2026-12", "actual_to_date_usd": Decimal("0.75"), "periods": [
        {"period": "2026-12", "kind": "current_month", **row, "actual_to_date_usd": Decimal("0.75")},
        {"period": "2027-01", "kind": "next_month", **row, "actual_to_date_usd": Decimal("0.00")},
        {"period": "2027-Q1", "kind": "next_quarter", **row, "actual_to_date_usd": Decimal("0.00")}]}}
    ((_, _, headers, rows),) = _forecast(doc, money, num, lambda v: str(v))
    at = headers.index("actual to date")
    assert [r[at] for r in rows] == ["$0.75", "-", "-"]


def test_the_forecast_notes_are_one_row_each_not_one_paragraph() -> None:
    """The forecast's notes were appended to its section's paragraph, joined by "; " (nine lines of
    text for the real samples). Now the Forecast notes section holds one row per note."""
    from llmcost.report._fmt import num
    from llmcost.report.sections import _forecast, _forecast_notes

    notes = ["the data ends on 2026-12-03; before yesterday", "history too short: the intervals rest on little data"]
    doc = {"forecast": {"month": "2026-12", "actual_to_date_usd": Decimal("1"), "periods": [], "notes": notes}}
    ((_, note, _, _),) = _forecast(doc, money, num, str)
    assert "history too short" not in note and note.endswith("Notes below (Forecast notes).")
    ((title, _, headers, rows),) = _forecast_notes(doc, money, num, str)
    assert (title, headers, rows) == ("Forecast notes", ["note"], [[n] for n in notes])
    assert list(_forecast_notes({"forecast": {"notes": []}}, money, num, str)) == []


def test_file_counts_have_thousands_separators() -> None:
    """A run over 2,000 files read "Ingested: 2000 files: 10,000 rows read ... This run: 2000
    ingested": the files without the separator the rows have."""
    from llmcost.report._fmt import num
    from llmcost.report.sections import _ingest

    ing = {"files": 2000, "rows_read": 10000, "rows_stored": 10000, "rows_duplicate": 0, "rows_quarantined": 0,
           "by_source": [], "by_file": []}
    doc = {"ingest": ing, "last_run": {"files": {"ingested": 1500, "unchanged": 1200}}}
    ((title, note, _, _),) = _ingest(doc, money, num, str)
    assert title == "Ingested"
    assert note.startswith("2,000 files: 10,000 rows read")
    assert "This run: 1,500 ingested, 0 replaced, 1,200 unchanged" in note
