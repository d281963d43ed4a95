"""Billed money (cost exports) in the report's window, in the budget and in the FOCUS export.

The rule (docs/formats-provider-exports.md, "Reconciliation"): for a provider and UTC day with
billed cost lines, the billed money replaces our estimate. Every expected figure below is worked
out by hand from the input rows and OpenAI's price sheet, not by the code under test.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llmcost.cli import app

HEADER = ("start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,line_item,project_id,"
          "organization_id,organization_name\n")

# An OpenAI dashboard cost export (formats-provider-exports.md 1.3). The third row is the
# organisation-wide total of 2024-10-01 (empty line_item and project_id: 1.50 + 2.25 = 3.75): it must
# not be added to the per-project rows, so the billed money is 1.50 + 2.25 + 0.10 = 3.85.


def _line(start: int, amount: str, line_item: str, project: str) -> str:
    """One cost CSV row of a daily bucket starting at `start` (Unix s), as the dashboard writes it."""
    iso = [datetime.fromtimestamp(t, UTC).isoformat() for t in (start, start + 86400)]
    item = f'"{line_item}"' if line_item else ""
    return f"{start},{start + 86400},{iso[0]},{iso[1]},{amount},usd,{item},{project},org_1,Acme\n"


COST_2024 = HEADER + "".join([
    _line(1727740800, "1.50", "gpt-4o-2024-08-06, input", "proj_a"),  # 2024-10-01T00:00:00Z
    _line(1727740800, "2.25", "gpt-4o-2024-08-06, output", "proj_b"),
    _line(1727740800, "3.75", "", ""),  # the organisation's total for the day
    _line(1727827200, "0.10", "gpt-4o-mini-2024-07-18, cached input", "proj_a"),  # 2024-10-02
])
# $5.00 billed for 2026-10-01 (1790812800 = 2026-10-01T00:00:00Z).
COST_2026 = HEADER + _line(1790812800, "5.00", "gpt-4.1-mini-2025-04-14, input", "proj_a")
# gpt-4.1-mini: $0.40 per million input tokens, $1.60 per million output tokens (OpenAI price sheet).
# A request of 10,000 input and 1,000 output tokens: 0.004 + 0.0016 = $0.0056; two a day: $0.0112.
PER_DAY = Decimal("0.0112")


def _requests(days: int = 4) -> str:
    lines = []
    for day in range(1, days + 1):  # 2026-10-01 .. 2026-10-04 (by default), two requests a day
        for i in range(2):
            lines.append(json.dumps({
                "ts": f"2026-10-{day:02d}T1{i}:00:00Z", "session_id": f"s-{day}",
                "response": {"id": f"chatcmpl-{day}{i}", "object": "chat.completion", "created": 1790000000,
                             "model": "gpt-4.1-mini-2025-04-14", "choices": [],
                             "usage": {"prompt_tokens": 10000, "completion_tokens": 1000, "total_tokens": 11000}},
            }))
    return "\n".join(lines) + "\n"


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _store(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    src = tmp_path / f"{name}-in"
    src.mkdir()
    for fname, text in files.items():
        (src / fname).write_text(text)
    store = tmp_path / name
    res = _cli("ingest", "--store", str(store), str(src))
    assert res.exit_code == 0, res.output
    return store


@pytest.fixture
def billed_only(tmp_path: Path) -> Path:
    return _store(tmp_path, "s", {"cost_2024-10-01_2024-10-02.csv": COST_2024})


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    return _store(tmp_path, "smix", {"requests.jsonl": _requests(), "cost_2026-10-01_2026-10-01.csv": COST_2026})


def _json(store: Path, *args: str) -> dict[str, Any]:
    res = _cli("report", "--store", str(store), "--no-forecast", "--format", "json", *args)
    doc = dict(json.loads(res.stdout))
    # 1: a window that holds no day of the store's data (its report says so)
    assert res.exit_code in (0, 4) or (res.exit_code == 1 and doc["period"]["has_data"] is False), res.output
    return doc


def _dec(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


# --- 1. billed money is the report window's ------------------------------------------------------

@pytest.mark.parametrize(("window", "billed"), [
    (("--month", "2024-10"), Decimal("3.85")),
    (("--month", "2026-01"), None),  # no cost line in January 2026: no billed figure, not October's
    (("--since", "2024-10-02"), Decimal("0.10")),
    (("--until", "2024-10-01"), Decimal("3.75")),  # 1.50 + 2.25; the org total is not added
    (("--since", "2024-10-03"), None),
    # in Los Angeles the 2024-10-01 UTC bucket starts on 2024-09-30 at 17:00: September's, as an
    # estimate made at that instant would be; the 2024-10-02 bucket starts on 2024-10-01 there
    (("--month", "2024-10", "--tz", "America/Los_Angeles"), Decimal("0.10")),
    (("--month", "2024-09", "--tz", "America/Los_Angeles"), Decimal("3.75")),
])
def test_billed_total_is_cut_to_the_window(billed_only: Path, window: tuple[str, ...], billed: Decimal | None) -> None:
    doc = _json(billed_only, *window)
    assert _dec(doc["totals"]["billed_cost_usd"]) == billed


def test_billed_in_the_summary_line_is_the_window_s(billed_only: Path) -> None:
    res = _cli("report", "--store", str(billed_only), "--month", "2026-01", "--no-forecast")
    assert "$3.85 billed" not in res.stdout.splitlines()[0]
    res = _cli("report", "--store", str(billed_only), "--month", "2024-10", "--no-forecast")
    assert "$3.85 billed" in res.stdout.splitlines()[0]


def test_billed_total_agrees_with_the_reconciliation(mixed: Path) -> None:
    before = _json(mixed, "--until", "2026-09-30")
    assert before["totals"]["billed_cost_usd"] is None and before["reconciliation"]["money_usd"] is None
    doc = _json(mixed, "--month", "2026-10")
    assert _dec(doc["totals"]["billed_cost_usd"]) == Decimal("5.00")
    assert _dec(doc["reconciliation"]["billed_usd"]) == Decimal("5.00")
    # 2026-10-01 billed, 10-02..10-04 estimated
    assert _dec(doc["reconciliation"]["money_usd"]) == Decimal("5.00") + 3 * PER_DAY


# --- 2. the budget counts billed money -----------------------------------------------------------

def _budget(store: Path, month: str, budget: str) -> tuple[int, dict[str, Any]]:
    res = _cli("report", "--store", str(store), "--month", month, "--budget", budget, "--no-forecast",
               "--format", "json")
    return res.exit_code, json.loads(res.stdout)["budget"]


def test_budget_counts_billed_money_of_a_month_without_usage(billed_only: Path) -> None:
    code, b = _budget(billed_only, "2024-10", "1")
    assert b["exceeded"] is True and code == 4
    assert _dec(b["value_usd"]) == Decimal("3.85")
    assert "billed" in b["message"]


def test_budget_uses_the_reconciled_money(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMCOST_TODAY", "2026-10-05")
    code, b = _budget(mixed, "2026-10", "1")
    # billed $5.00 on 10-01 replaces that day's estimate ($0.0112); 10-02..10-04 are estimated
    assert _dec(b["value_usd"]) == Decimal("5.00") + 3 * PER_DAY
    assert b["exceeded"] is True and code == 4
    assert "$5.03" in b["message"] and "billed" in b["message"]
    # within a budget above it: exit 0, the same money
    code, b = _budget(mixed, "2026-10", "6")
    assert b["exceeded"] is False and code == 0
    assert _dec(b["value_usd"]) == Decimal("5.00") + 3 * PER_DAY


def test_budget_with_a_forecast_counts_money_already_billed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # twelve days of the same usage: the forecast's month is about 31 x $0.0112 = $0.35, under $1; but
    # $5.00 is already billed for 10-01, so the month has spent 5.00 + 11 x 0.0112 = $5.1232 by 10-12
    store = _store(tmp_path, "fc", {"requests.jsonl": _requests(12), "cost_2026-10-01_2026-10-01.csv": COST_2026})
    monkeypatch.setenv("LLMCOST_TODAY", "2026-10-13")
    res = _cli("report", "--store", str(store), "--month", "2026-10", "--budget", "1", "--format", "json")
    doc = json.loads(res.stdout)
    assert doc["forecast"]["p50_usd"] is not None and _dec(doc["forecast"]["p50_usd"]) < 1
    b = doc["budget"]
    assert b["exceeded"] is True and res.exit_code == 4
    assert b["basis"] == "month_to_date" and _dec(b["value_usd"]) == Decimal("5.00") + 11 * PER_DAY
    assert "billed" in b["message"]


def test_budget_of_a_store_without_costs_is_the_estimate(tmp_path: Path) -> None:
    store = _store(tmp_path, "est", {"requests.jsonl": _requests()})
    _, b = _budget(store, "2026-10", "1")
    assert _dec(b["value_usd"]) == 4 * PER_DAY and b["exceeded"] is False


# --- 3. FOCUS: BilledCost is the invoice basis ---------------------------------------------------

def _focus(store: Path, tmp_path: Path, *args: str) -> list[dict[str, str]]:
    out = tmp_path / "f.csv"
    res = _cli("export-focus", "--store", str(store), "--out", str(out), *args)
    assert res.exit_code == 0, res.output
    with out.open(newline="") as f:
        return [r for r in csv.DictReader(f) if r["x_Scenario"] == "actual"]  # scenario rows: not these tests'



def test_focus_billed_rows_and_estimates(mixed: Path, tmp_path: Path) -> None:
    rows = _focus(mixed, tmp_path)
    billed = [r for r in rows if r["x_CostBasis"] == "billed"]
    est = [r for r in rows if r["x_CostBasis"] == "estimated"]
    assert len(billed) + len(est) == len(rows)
    # the $5.00 cost line is a FOCUS row billed at $5.00
    assert len(billed) == 1
    (b,) = billed
    assert Decimal(b["BilledCost"]) == Decimal("5.00") == Decimal(b["EffectiveCost"])
    assert b["ChargePeriodStart"] == "2026-10-01T00:00:00Z" and b["ChargePeriodEnd"] == "2026-10-02T00:00:00Z"
    assert b["ProviderName"] == "openai" and b["SubAccountId"] == "proj_a"
    assert "gpt-4.1-mini-2025-04-14, input" in b["ChargeDescription"]
    # estimates claim no billed money
    assert all(Decimal(r["BilledCost"]) == 0 for r in est)
    # 2026-10-01 is billed: its estimate is not exported beside the bill (not counted twice)
    assert not [r for r in est if r["ChargePeriodStart"].startswith("2026-10-01")]
    # 10-02..10-04: input 20,000 tokens a day at $0.40/M = $0.008, output 2,000 at $1.60/M = $0.0032
    days = sorted({r["ChargePeriodStart"][:10] for r in est})
    assert days == ["2026-10-02", "2026-10-03", "2026-10-04"]
    assert sum(Decimal(r["EffectiveCost"]) for r in est) == 3 * PER_DAY
    assert sum(Decimal(r["ListCost"]) for r in est) == 3 * PER_DAY
    # sum(BilledCost) is the bill; sum(EffectiveCost) is the money counted once (the reconciliation's)
    assert sum(Decimal(r["BilledCost"]) for r in rows) == Decimal("5.00")
    assert sum(Decimal(r["EffectiveCost"]) for r in rows) == Decimal("5.00") + 3 * PER_DAY


def test_focus_billed_rows_follow_the_window(billed_only: Path, tmp_path: Path) -> None:
    rows = _focus(billed_only, tmp_path, "--month", "2024-10")
    assert sorted(Decimal(r["BilledCost"]) for r in rows) == [Decimal("0.10"), Decimal("1.50"), Decimal("2.25")]
    assert _focus(billed_only, tmp_path, "--month", "2026-01") == []


def test_focus_export_is_deterministic(mixed: Path, tmp_path: Path) -> None:
    first = _focus(mixed, tmp_path)
    assert _focus(mixed, tmp_path) == first


# --- the reconciliation's money is the window's, in the report's time zone -------------------------

# Daily cost buckets: 2026-10-01 $5.00 (1790812800), 2026-10-15 $1.00 (1792022400), 2026-11-01
# $7.00 (1793491200), each starting at 00:00 UTC. In Los Angeles (UTC-7 in October) the first
# starts on 2026-09-30 at 17:00 and the last on 2026-10-31 at 17:00.
COST_EDGES = HEADER + "".join([
    _line(1790812800, "5.00", "gpt-4.1-mini-2025-04-14, input", "proj_a"),
    _line(1792022400, "1.00", "gpt-4.1-mini-2025-04-14, input", "proj_a"),
    _line(1793491200, "7.00", "gpt-4.1-mini-2025-04-14, input", "proj_a"),
])


@pytest.mark.parametrize(("tz", "billed"), [
    ("UTC", Decimal("6.00")),  # 5.00 + 1.00
    # 1.00 + 7.00; the two requests of 2026-10-01 (10:00 and 11:00 UTC, in LA's October) fall on a
    # UTC day billed by the 5.00 line, which is September's in LA: their estimate is not money
    ("America/Los_Angeles", Decimal("8.00")),
])
def test_reconciliation_money_is_the_windows_in_the_reports_time_zone(tmp_path: Path, tz: str,
                                                                      billed: Decimal) -> None:
    """One document, one October: the totals' billed money, the reconciliation's money counted once
    and the budget's month money agree (the reconciliation cut UTC days: $6.00 in LA's October)."""
    store = _store(tmp_path, "edges", {"requests.jsonl": _requests(days=1), "cost_2026-10.csv": COST_EDGES})
    doc = _json(store, "--month", "2026-10", "--tz", tz, "--budget", "1000")
    assert _dec(doc["totals"]["billed_cost_usd"]) == billed
    assert _dec(doc["reconciliation"]["money_usd"]) == billed
    assert _dec(doc["budget"]["billed_usd"]) == billed
    assert _dec(doc["totals"]["cost_usd"]) == PER_DAY  # the estimate, shown apart, is the same in both
