"""The forecast of usage whose source states no request count (usage exports).

Anthropic's usage report, the Claude Code analytics report, the Console usage CSV and FOCUS token
rows carry tokens and money per day, but `request_count` 0 with `requests_known` false. The
forecast's volume driver was daily requests, so 80 days of such an export read "too little
history for a statistical forecast (0 days with usage; it needs 7)": no forecast at all. Such a
provider's volume is now its daily tokens.

Expected money, by hand: claude-sonnet-4-5 lists $3 per million input tokens and $15 per million
output tokens (../shared/reference/pricing-caching-routing.md, "Tiered prices": 200,000 input and
1,000 output cost $0.615). A day of 1,000,000 input and 100,000 output tokens costs
$3.00 + $1.50 = $4.50, so 30 days of November cost $135.00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from llmcost.pricing import load_catalog
from llmcost.scenarios import forecast_section
from tests.scenarios.conftest import usage_con

AS_OF = date(2026, 10, 31)
DAY_USD = Decimal("4.50")
NOVEMBER_USD = DAY_USD * 30

EXPORT = {"grain": "bucket", "request_count": 0, "requests_known": False}
LOGGED = {"grain": "bucket", "request_count": 10, "requests_known": True}
OLD_STORE = {"grain": "bucket", "request_count": 0, "requests_known": None}  # written before the column


def _rows(kind_of_day) -> list[dict]:  # type: ignore[no-untyped-def]
    out = []
    for i in range(80):
        d = AS_OF - timedelta(days=i)
        out.append({"ts": datetime(d.year, d.month, d.day, tzinfo=UTC), "provider": "anthropic",
                    "model": "claude-sonnet-4-5-20250929", "input_tokens": 1_000_000, "output_tokens": 100_000,
                    **kind_of_day(i)})
    return out


def _forecast(rows: list[dict]) -> dict:
    return forecast_section(usage_con(rows), load_catalog(), as_of=AS_OF, tz="UTC", scenarios_file=None,
                            n_paths=200)["forecast"]


def _november(f: dict) -> dict:
    (nov,) = [p for p in f["periods"] if p["period"] == "2026-11"]
    return nov


@pytest.mark.parametrize("kind", [EXPORT, OLD_STORE], ids=["requests_known false", "old store"])
def test_an_export_without_request_counts_is_forecast_from_its_tokens(kind: dict) -> None:
    f = _forecast(_rows(lambda i: kind))
    assert f["confidence"] != "none", f["notes"]
    assert [d["series"] for d in f["drivers"] if d["series"][:4] in ("req|", "tok|")] == ["tok|anthropic"]
    assert abs(_november(f)["p50_usd"] - NOVEMBER_USD) <= NOVEMBER_USD * Decimal("0.01"), _november(f)
    assert any(n.startswith("anthropic: some usage comes from exports that state no request count") for n in f["notes"])
    assert not any("too little history" in n for n in f["notes"])


def test_logged_requests_keep_the_request_driver_and_agree_on_the_money() -> None:
    f = _forecast(_rows(lambda i: LOGGED))
    assert [d["series"] for d in f["drivers"] if d["series"][:4] in ("req|", "tok|")] == ["req|anthropic"]
    assert abs(_november(f)["p50_usd"] - NOVEMBER_USD) <= NOVEMBER_USD * Decimal("0.01"), _november(f)
    assert not any("state no request count" in n for n in f["notes"])


def test_a_provider_partly_exported_is_forecast_in_tokens_throughout() -> None:
    # logs on odd days, the export on even ones: requests on half the days would read as a
    # volume halved every other day, so the whole provider's volume is its tokens
    f = _forecast(_rows(lambda i: LOGGED if i % 2 else EXPORT))
    assert [d["series"] for d in f["drivers"] if d["series"][:4] in ("req|", "tok|")] == ["tok|anthropic"]
    assert abs(_november(f)["p50_usd"] - NOVEMBER_USD) <= NOVEMBER_USD * Decimal("0.01"), _november(f)


def test_an_unpriced_export_has_an_unknown_actual_to_date_not_zero() -> None:
    """A model the catalogue does not know, from an export (no request count) and no cost export:
    nothing to forecast, and the month's spend so far is unknown. It read "actual to date $0.00"
    and "run-rate $0.00": the check counted requests, and the export states none."""
    rows = [{**r, "model": "acme-unknown-9"} for r in _rows(lambda i: EXPORT)]
    # as of 2026-10-20: twenty days of October's unpriced usage so far
    f = forecast_section(usage_con(rows), load_catalog(), as_of=date(2026, 10, 20), tz="UTC", scenarios_file=None,
                         n_paths=200)["forecast"]
    assert f["confidence"] == "none" and f["periods"] == []
    assert f["actual_to_date_usd"] is None and f["run_rate_usd"] is None
    assert ("this month's usage (from exports that state no request count) has no known price, so the actual to "
            "date is unknown") in f["notes"]
