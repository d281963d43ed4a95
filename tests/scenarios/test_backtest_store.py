"""`llmcost-forecast backtest` on the store's own series: the daily calendar it backtests (a day
without usage is $0, as in the forecast) and what it prints on scattered usage."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
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


# $0.26 on the 3rd, 14th and 25th of each month, 2026-05-03 to 2026-11-25: one gpt-4o request of
# 100,000 input and 1,000 output tokens, 100,000 x $2.50 + 1,000 x $10 per 1M = $0.26
USED = [date(2026, m, d) for m in range(5, 12) for d in (3, 14, 25)]


def _no_nan(name: str) -> None:
    raise AssertionError(f"{name} in the JSON: not JSON")


@pytest.fixture(scope="module")
def scattered_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scattered")
    (root / "logs").mkdir()
    lines = []
    for i, d in enumerate(USED):
        body = {"id": f"chatcmpl-{i}", "object": "chat.completion", "created": 0, "model": "gpt-4o", "choices": [],
                "usage": {"prompt_tokens": 100_000, "completion_tokens": 1_000}}
        lines.append(json.dumps({"ts": f"{d.isoformat()}T12:00:00Z", "response": body}))
    (root / "logs" / "app.jsonl").write_text("\n".join(lines) + "\n")
    res = CliRunner().invoke(app, ["ingest", str(root / "logs"), "--store", str(root / "store")])
    assert res.exit_code == 0, res.output
    return root / "store"


def test_scattered_usage_is_backtested_as_it_is_forecast(scattered_store: Path) -> None:
    """The forecast of scattered usage is the mean day of the last 56 days, the model giving only the
    spread (docs/forecasting.md, `scattered_mean_total`); the backtest scores that. Before, the
    store's days without usage were missing and imputed, and the backtest printed relMASE `nan`,
    APEtot 902.9%, tot80 `nan%`, and `NaN` literals in its JSON; with those days read as $0 but the
    model's own centre scored, APEtot was 97.9% and no 30-day total fell inside its 80% interval."""
    args = ["backtest", "--store", str(scattered_store), "--as-of", "2026-11-25"]
    res = CliRunner().invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output, parse_constant=_no_nan)
    s = doc["summary"]
    assert s["n_origins"] == 12 and s["not_computed"] == {}
    assert 0 < s["rel_mase"] < 1 and s["total_coverage_80"] == 1.0
    # Each origin o (12 of them, weekly back from 30 days before the end) by hand: the forecast's
    # 30-day total is 30 x $0.26 x (usage days in the 56 days before o) / 56, the actual $0.26 x the
    # usage days in [o, o + 29] (3 at every origin here). The median total is that mean day over the
    # rest of o's month and over the next month, each recentred as its own window, so the horizon's
    # median sits within a few cents of it, not on it: its APE within 0.03 of the hand figure (which
    # is 0.071 or 0.107; scoring the model's own centre, APEtot was 0.979).
    assert len(doc["rows"]) == 12
    for row in doc["rows"]:
        o = date.fromisoformat(row["origin"])
        k = sum(o - timedelta(days=56) <= d < o for d in USED)
        actual = 0.26 * sum(o <= d < o + timedelta(days=30) for d in USED)
        hand = abs(30 * 0.26 * k / 56 - actual) / actual
        assert abs(row["ape_total_p50"] - hand) <= 0.03, (row, k, actual, hand)
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "nan" not in res.output.lower() and "n/a" not in res.output
    pooled = next(line for line in res.output.splitlines() if line.startswith("POOLED")).split()
    assert pooled[1] == "12" and float(pooled[2]) == pytest.approx(s["rel_mase"], abs=5e-4)
    assert pooled[5] == f"{s['ape_total']:.1%}" and pooled[10] == "100.0%"  # APEtot, tot80
