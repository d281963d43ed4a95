"""`llmcost-forecast backtest` on the store's own series: the daily calendar it backtests (a day
without usage is $0, as in the forecast) and what it prints on scattered usage."""

from __future__ import annotations

from datetime import UTC, date, datetime

from llmcost.pricing import load_catalog
from llmcost.scenarios.backtest import store_series
from llmcost.scenarios.history import prepare
from tests.scenarios.conftest import usage_con


def _row(day: date, provider: str, model: str, k: int = 0) -> dict:
    return {"ts": datetime(day.year, day.month, day.day, 12, k, tzinfo=UTC), "provider": provider, "model": model,
            "input_tokens": 1000, "output_tokens": 100}


def test_a_day_without_usage_is_zero_not_missing() -> None:
    # openai on 2026-11-02 (2 requests) and 2026-11-05 (1), anthropic on 2026-11-03 (1), as of 2026-11-06.
    # gpt-4o: 1,000 x $2.50 + 100 x $10 per 1M = $0.0035 a request; claude-sonnet-4: 1,000 x $3 + 100 x $15
    # per 1M = $0.0045. Days between are $0 and 0 requests, as the forecast reads them (a day without usage
    # is a true zero); before, they were missing and the backtest imputed them by interpolation: scattered
    # usage became usage every day.
    rows = [_row(date(2026, 11, 2), "openai", "gpt-4o", k) for k in range(2)]
    rows += [_row(date(2026, 11, 3), "anthropic", "claude-sonnet-4"), _row(date(2026, 11, 5), "openai", "gpt-4o")]
    con = usage_con(rows)
    hist = prepare(con, load_catalog(), date(2026, 11, 6), "UTC")
    frame = store_series(con, hist.table, "all")
    got = {(s, d.isoformat()): round(y, 6) for s, d, y in frame.iter_rows()}
    assert got == {
        ("cost", "2026-11-02"): 0.007, ("cost", "2026-11-03"): 0.0045, ("cost", "2026-11-04"): 0.0,
        ("cost", "2026-11-05"): 0.0035,
        ("requests|anthropic", "2026-11-03"): 1.0, ("requests|anthropic", "2026-11-04"): 0.0,
        ("requests|anthropic", "2026-11-05"): 0.0,
        ("requests|openai", "2026-11-02"): 2.0, ("requests|openai", "2026-11-03"): 0.0,
        ("requests|openai", "2026-11-04"): 0.0, ("requests|openai", "2026-11-05"): 1.0,
    }
