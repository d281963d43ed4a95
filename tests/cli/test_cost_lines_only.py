"""A store of provider cost exports only (a FinOps bill review: no usage logs) is forecast from its
billed money, the path a FOCUS export's models without a list price take (scenarios/billed.py):
it read "no forecast: the store holds no usage rows", anchored on the real clock's yesterday."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llmcost.cli import app

LAST = date(2026, 10, 31)
DAYS = [LAST - timedelta(days=i) for i in range(59, -1, -1)]  # 2026-09-02 to 2026-10-31
DAILY = 10.00  # the export bills $10.00 every day


def _export(path: Path) -> Path:
    """An OpenAI Costs API page: one day bucket of one $10.00 line per day of DAYS."""
    buckets = []
    for d in DAYS:
        start = int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())
        buckets.append({"object": "bucket", "start_time": start, "end_time": start + 86400, "results": [
            {"object": "organization.costs.result", "amount": {"value": DAILY, "currency": "usd"},
             "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_a", "quantity": 4_000_000,
             "quantity_unit": "tokens"}]})
    path.write_text(json.dumps({"object": "page", "data": buckets, "has_more": False, "next_page": None}))
    return path


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _export(tmp_path_factory.mktemp("costs_only") / "costs.json")


def _run(monkeypatch: pytest.MonkeyPatch, today: str, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("LLMCOST_TODAY", today)
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def _report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, export: Path, today: str) -> dict[str, Any]:
    code, stdout, stderr = _run(monkeypatch, today, "--logs", str(export), "--store", str(tmp_path / f"s-{today}"),
                                "--format", "json")
    assert code == 0, stdout + stderr
    return json.loads(stdout)


def test_a_store_of_cost_lines_only_is_forecast_from_its_billed_money(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, export: Path
) -> None:
    docs = [_report(monkeypatch, tmp_path, export, today) for today in ("2026-11-15", "2027-06-01")]
    f = docs[0]["forecast"]
    # anchored on the costs' last day, not on the real clock's yesterday: the same on any date
    assert f["as_of"] == "2026-10-31"
    assert f["anchored_to_data"] is True
    assert docs[0]["forecast"] == docs[1]["forecast"]
    assert f["confidence"] != "none"
    assert f["p50_usd"] is not None
    kinds = [p["kind"] for p in f["periods"]]
    assert kinds == ["current_month", "next_month", "next_quarter"]
    cur, nxt, qtr = f["periods"]
    # from 2026-10-31: the current month is November (30 days, no actuals yet), the next December
    # (31 days), the next quarter 2027-Q1 (90 days); a flat $10.00 a day is 30, 31 and 90 x $10.00
    for period, days in ((cur, 30), (nxt, 31), (qtr, 90)):
        expected = days * DAILY
        got = float(period["p50_usd"])
        assert abs(got - expected) <= 0.05 * expected, (period, expected)
        assert float(period["lo_95_usd"]) <= float(period["lo_80_usd"]) <= got
        assert got <= float(period["hi_80_usd"]) <= float(period["hi_95_usd"])
    assert nxt["period"] == "2026-12"
    assert any(n.startswith("the forecast rests on billed cost lines only") for n in f["notes"])
    # no tokens: a scenario that re-prices them, and every what-if, is n/a (not $0 saved); traffic alone
    # scales the bill (the default "conservative": 20% of the traffic)
    scen = {s["name"]: s for s in docs[0]["scenarios"]}
    assert scen["base"]["monthly_cost_usd"] is None
    assert abs(float(scen["conservative"]["monthly_cost_usd"]) - 0.2 * float(nxt["p50_usd"])) <= 1
    assert docs[0]["alternatives"]
    for a in docs[0]["alternatives"]:
        assert a["monthly_cost_usd"] is None and a["savings_vs_baseline_usd"] is None, a
        assert a["window_savings_usd"] is None


def test_the_table_says_the_forecast_rests_on_billed_cost_lines(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, export: Path
) -> None:
    code, stdout, stderr = _run(monkeypatch, "2026-11-15", "--logs", str(export), "--store", str(tmp_path / "s"))
    assert code == 0, stdout + stderr
    assert "no forecast" not in stdout
    assert "billed cost lines only" in stdout
    assert "Forecast from the data up to 2026-10-31" in stdout
    assert ("What-ifs: n/a: each is measured on the logged requests, and the store holds none (billed cost "
            "lines only).") in " ".join(stdout.split())


def test_a_budget_is_checked_against_that_forecast(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, export: Path
) -> None:
    # November forecast ~ $300: a $100 budget is crossed (exit 4), a $1,000 one is not
    store = str(tmp_path / "s")
    code, stdout, stderr = _run(monkeypatch, "2026-11-15", "--logs", str(export), "--store", store,
                                "--format", "json", "--budget", "100")
    assert code == 4, stdout + stderr
    assert json.loads(stdout)["forecast"]["budget_odds"] is not None
    code, stdout, stderr = _run(monkeypatch, "2026-11-15", "--store", store, "--format", "json", "--budget", "1000")
    assert code == 0, stdout + stderr


def test_the_report_says_the_estimate_is_na_and_the_billed_cost_is_the_spend(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, export: Path
) -> None:
    """There is no usage to estimate: "LLM spend, no usage: $0.00 estimated, $600.00 billed, 0
    requests" read as usage that cost nothing, in every format; the JSON keys stay as they were."""
    store = str(tmp_path / "s")
    code, stdout, stderr = _run(monkeypatch, "2026-11-15", "--logs", str(export), "--store", store, "--no-forecast")
    assert code == 0, stdout + stderr
    assert " ".join(stdout.split()).startswith(
        "LLM spend, 2026-09-02 to 2026-10-31: $600.00 billed (cost lines only: no usage rows, so estimated cost n/a "
        "and no request count). Prices: ")
    assert "$0.00 estimated" not in stdout and "no usage:" not in stdout
    # the month compare: no source states a request count in either month (it read "requests 0 0")
    compare = stdout[stdout.index("This month vs last"):]
    assert compare.splitlines()[4].split() == ["requests", "not", "stated", "not", "stated"], compare
    code, md, stderr = _run(monkeypatch, "2026-11-15", "report", "--store", store, "--format", "md", "--no-forecast")
    assert code == 0, md + stderr
    assert "| not stated | 0 | 0 | 0 | 0 | n/a | $600.00 | 0 |" in md
    assert "The store holds billed cost lines only (cost exports, no usage rows)" in md
    assert "every request has a price" not in md
    code, html, stderr = _run(monkeypatch, "2026-11-15", "report", "--store", store, "--format", "html",
                              "--no-forecast")
    assert code == 0, html + stderr
    assert '<div class="kpi"><b>$600.00</b><span>billed cost (cost lines only: no usage rows)</span></div>' in html
    assert "<b>$0.00</b><span>estimated cost" not in html
    assert "<b>n/a</b><span>2026-10 vs" not in html and "<b>$310.00 billed</b><span>2026-10 vs $290.00" in html
    doc = _report(monkeypatch, tmp_path, export, "2026-11-15")
    assert (doc["totals"]["cost_usd"], doc["totals"]["billed_cost_usd"], doc["totals"]["requests"]) == ("0", "600", 0)


def test_too_little_history_counts_days_with_cost_lines(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("tests.cli.test_cost_lines_only.DAYS", DAYS[-3:])  # 2026-10-29 to 2026-10-31
    short = _export(tmp_path / "short.json")
    code, stdout, stderr = _run(monkeypatch, "2026-11-15", "--logs", str(short), "--store", str(tmp_path / "s"),
                                "--budget", "100")
    assert code == 0, stdout + stderr
    text = " ".join(stdout.split())  # unwrapped
    assert "too little history for a statistical forecast (3 days with cost lines; it needs 7)" in text
    assert "too little history (fewer than 7 days with cost lines)" in text
    assert "(all of it billed by cost exports: $30.00)" in text
    assert "days with usage" not in text and "$0.00 estimated" not in text
