"""forecast_section on the sample logs: shape, Decimal money, periods, as_of, and common random numbers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from llmcost.errors import UsageError
from llmcost.forecast import local_trend_total, recent_level_total
from llmcost.pricing import attach_costs, load_catalog
from llmcost.scenarios import forecast_section

SCEN = """
[settings]
growth = "step"
window_days = 28

[[scenario]]
name = "same"
[[scenario]]
name = "half"
traffic = 0.5
[[scenario]]
name = "no_cache"
caching = false
[[scenario]]
name = "cut_openai"
[[scenario.price]]
provider = "openai"
factor = 0.5

[[batch]]
name = "batch_all_single"
share = 1.0
"""


@pytest.fixture(scope="module")
def doc(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    from llmcost.storage.store import Store

    f = tmp_path_factory.mktemp("scen") / "s.toml"
    f.write_text(SCEN)
    con = Store.open(sample_store).connect()
    out = forecast_section(con, load_catalog(), as_of=date(2026, 11, 23), tz="UTC", scenarios_file=f, n_paths=300)
    con.close()
    return out


def _money(v: object) -> bool:
    return isinstance(v, Decimal) and v == v.quantize(Decimal("0.01"))


def test_forecast_shape_and_money(doc: dict) -> None:
    f = doc["forecast"]
    assert f["month"] == "2026-11" and f["as_of"] == date(2026, 11, 23) and f["tz"] == "UTC"
    assert f["confidence"] == "normal" and f["model_used"].startswith("drivers x list prices")
    for k in ("actual_to_date_usd", "p50_usd", "lo_80_usd", "hi_80_usd", "lo_95_usd", "hi_95_usd", "run_rate_usd"):
        assert _money(f[k]), k
    assert [p["kind"] for p in f["periods"]] == ["current_month", "next_month", "next_quarter"]
    assert [p["period"] for p in f["periods"]] == ["2026-11", "2026-12", "2027-Q1"]
    for p in f["periods"]:
        assert p["lo_95_usd"] <= p["lo_80_usd"] <= p["p50_usd"] <= p["hi_80_usd"] <= p["hi_95_usd"]
    cur = f["periods"][0]
    assert cur["p50_usd"] > cur["actual_to_date_usd"] > 0  # a week of November is still to come
    assert abs(f["run_rate_usd"] - f["actual_to_date_usd"] / 23 * 30) <= Decimal("0.02")
    assert f["cross_check"]["agree"] is True


def test_actual_to_date_is_the_priced_month_to_date(doc: dict, sample_con: duckdb.DuckDBPyConnection) -> None:
    attach_costs(sample_con, load_catalog(), source="usage", target="p")
    (mtd,) = sample_con.execute(
        "SELECT sum(cost_usd) FROM p WHERE ts >= '2026-11-01 00:00:00+00' AND ts < '2026-11-24 00:00:00+00'"
    ).fetchall()[0]
    assert doc["forecast"]["actual_to_date_usd"] == mtd.quantize(Decimal("0.01"))
    assert doc["forecast"]["run_rate_usd"] == (mtd / 23 * 30).quantize(Decimal("0.01"))


def test_scenarios_share_the_simulated_futures(doc: dict) -> None:
    base = doc["forecast"]["periods"][1]["p50_usd"]
    s = {r["name"]: r for r in doc["scenarios"]}
    assert s["same"]["monthly_cost_usd"] == base and s["same"]["savings_vs_baseline_usd"] == 0
    # cost is linear in traffic and the draws are the same: exactly half, up to rounding
    assert abs(s["half"]["monthly_cost_usd"] - base / 2) <= Decimal("0.01")
    assert abs(s["half"]["savings_vs_baseline_usd"] - base / 2) <= Decimal("0.01")
    assert s["no_cache"]["monthly_cost_usd"] > base
    assert 0 < s["cut_openai"]["savings_vs_baseline_usd"] < base / 2
    for r in doc["scenarios"]:
        assert r["lo_80_usd"] <= r["monthly_cost_usd"] <= r["hi_80_usd"]
        assert r["month"] == "2026-12" and r["growth"] == "step"


def test_next_month_is_centred_on_the_short_horizon_forecasts(doc: dict, sample_con: duckdb.DuckDBPyConnection) -> None:
    # the daily priced spend up to as_of, summed here from the priced rows (not the engine's history)
    attach_costs(sample_con, load_catalog(), source="usage", target="p_next")
    daily = sample_con.execute(
        "SELECT CAST(timezone('UTC', ts) AS DATE) AS d, CAST(sum(cost_usd) AS DOUBLE) FROM p_next "
        "WHERE cost_usd IS NOT NULL AND ts < '2026-11-24 00:00:00+00' GROUP BY d ORDER BY d"
    ).fetchall()
    december = [date(2026, 12, 1) + timedelta(days=i) for i in range(31)]
    parts = [v for v in (local_trend_total(daily, december), recent_level_total(daily, december)) if v is not None]
    assert parts
    nxt = doc["forecast"]["periods"][1]
    # 300 paths: the median is the mean of the two middle paths, each within a hair of the target
    assert float(nxt["p50_usd"]) == pytest.approx(sum(parts) / len(parts), rel=0.01)
    assert any(n.startswith("next month: the median is the mean") for n in doc["forecast"]["notes"])


def test_alternative_rows(doc: dict) -> None:
    (b,) = doc["alternatives"]
    assert b["kind"] == "batch" and b["measured"]["requests_moved"] > 0
    assert b["savings_vs_baseline_usd"] > 0 and b["window_savings_usd"] > 0
    assert b["savings_lo_80_usd"] <= b["savings_vs_baseline_usd"] <= b["savings_hi_80_usd"]
    assert b["window"]["start"] == date(2026, 10, 27)


def test_as_of_ignores_later_data(sample_con: duckdb.DuckDBPyConnection) -> None:
    out = forecast_section(
        sample_con, load_catalog(), as_of=date(2026, 10, 31), tz="Europe/Paris", scenarios_file=None, n_paths=100
    )
    f = out["forecast"]
    assert f["month"] == "2026-11" and f["history_last_day"] == date(2026, 10, 31)
    assert f["actual_to_date_usd"] == 0 and f["run_rate_usd"] is None
    assert [p["period"] for p in f["periods"]] == ["2026-11", "2026-12", "2027-Q1"]
    assert {r["name"] for r in out["scenarios"]} == {"conservative", "base", "aggressive"}
    assert len(out["alternatives"]) == 5


def test_bad_time_zone(sample_con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(UsageError, match="is not a time zone"):
        forecast_section(sample_con, load_catalog(), as_of=None, tz="Mars/Olympus", scenarios_file=None)


def test_daily_fan(doc: dict) -> None:
    daily = doc["forecast"]["daily"]
    assert daily[0]["day"] == date(2026, 11, 24) and daily[-1]["day"] == date(2027, 3, 31)
    for d in daily:
        assert d["lo_95_usd"] <= d["lo_80_usd"] <= d["p50_usd"] <= d["hi_80_usd"] <= d["hi_95_usd"]


def test_short_and_unpriced_histories() -> None:
    from datetime import UTC, datetime, timedelta

    from tests.scenarios.conftest import usage_con

    t = datetime(2026, 11, 10, 12, tzinfo=UTC)
    rows = [
        {
            "ts": t + timedelta(days=i % 3, minutes=i),
            "provider": "openai",
            "model": "gpt-4o",
            "input_tokens": 1000,
            "output_tokens": 100,
        }
        for i in range(9)
    ]
    out = forecast_section(
        usage_con(rows), load_catalog(), as_of=date(2026, 11, 12), tz="UTC", scenarios_file=None, n_paths=50
    )
    f = out["forecast"]
    assert f["confidence"] == "none" and f["p50_usd"] is None and f["model_used"] == "run_rate"
    # 3 days x 3 requests of (1000 x 2.50 + 100 x 10) / 1e6 = $0.0315 (kept to the hundredth of a
    # cent below $1, not $0.03); run-rate 0.0315 / 12 days x 30 = 0.07875 -> $0.0788 (half up)
    assert f["actual_to_date_usd"] == Decimal("0.0315") and f["run_rate_usd"] == Decimal("0.0788")
    assert any("too little history for a statistical forecast (3 days with usage; it needs 7)" in n for n in f["notes"])
    assert out["scenarios"][0]["monthly_cost_usd"] is None
    unpriced = [{"ts": t, "provider": "acme", "model": "nope", "input_tokens": 5}]
    out = forecast_section(usage_con(unpriced), load_catalog(), as_of=date(2026, 11, 12), tz="UTC", scenarios_file=None)
    assert out["scenarios"] == [] and out["forecast"]["p50_usd"] is None
    assert any("acme/nope" in n for n in out["forecast"]["notes"])


def test_too_little_history_names_the_provider_that_lacks_it() -> None:
    """One provider with 10 days of usage, another with 3: the forecast falls back to the run-rate
    because of the second. The note read "(10 days with usage; it needs 7)", the longest history
    beside the rule it meets, so it gave no reason; it names the short series now."""
    from datetime import UTC, datetime

    from tests.scenarios.conftest import usage_con

    t = datetime(2025, 6, 1, 12, tzinfo=UTC)
    rows = [{"ts": t + timedelta(days=i), "provider": "openai", "model": "gpt-4o", "input_tokens": 1000,
             "output_tokens": 100} for i in range(10)]  # 1-10 June 2025: 10 days
    rows += [{"ts": t + timedelta(days=i), "provider": "anthropic", "model": "claude-sonnet-4-5",
              "input_tokens": 1000, "output_tokens": 100} for i in (0, 4, 9)]  # 1, 5 and 10 June: 3 days
    out = forecast_section(usage_con(rows), load_catalog(), as_of=date(2025, 6, 10), tz="UTC", scenarios_file=None,
                           n_paths=50)
    f = out["forecast"]
    assert f["confidence"] == "none" and f["p50_usd"] is None
    notes = " ".join(f["notes"])
    assert ("too little history for a statistical forecast (anthropic: 3 days with usage; it needs 7 for each "
            "provider): run-rate only") in notes, notes
    assert "10 days with usage" not in notes
