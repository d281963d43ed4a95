"""A report's period against the days the store holds data for.

- A window with no day of the data (before its first day, after its last, or an empty store) has
  no data: its spend is unknown, never "$0.00" as if measured and empty; every format says so
  and the run exits 1. A window in a gap inside the data had no usage: $0, exit 0.
- The budget of a month the data does not reach is not checked (said on stderr), and a month the
  data ends inside is checked with the day it ends named.
- This month vs last compares the same days of both months when the current month's data ends
  early.

The store is the sample app's first requests moved onto chosen days; the clock is fixed twice
(LLMCOST_TODAY) to show the answers do not depend on today given explicit options.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llmcost.cli import app

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "sample_logs/app-logs/assistant-openai.jsonl"
runner = CliRunner()

# two requests a day from 2026-01-05 to 2026-02-10: the data ends early in February
DAYS = [date(2026, 1, 5) + timedelta(days=i) for i in range(37)]
TODAYS = ["2026-02-11", "2027-07-01"]


def _store(tmp: Path, days: list[date], name: str = "s") -> str:
    lines = SOURCE.read_text().splitlines()
    out = []
    for i, day in enumerate(d for d in days for _ in range(2)):
        rec = json.loads(lines[i])
        rec["ts"] = f"{day}T10:{i % 60:02d}:00.000Z"
        rec["response"]["id"] = f"period-{i}"
        out.append(json.dumps(rec))
    logs = tmp / f"{name}-logs"
    logs.mkdir()
    (logs / "app.jsonl").write_text("\n".join(out) + "\n")
    store = str(tmp / name)
    assert runner.invoke(app, ["ingest", str(logs), "--store", store, "-q"]).exit_code == 0
    return store


@pytest.fixture
def store(tmp_path: Path) -> str:
    return _store(tmp_path, DAYS)


def _report(store: str, *args: str) -> Any:
    return runner.invoke(app, ["report", "--store", store, "--no-forecast", *args])


@pytest.mark.parametrize("today", TODAYS)
@pytest.mark.parametrize(("window", "side"), [
    (("--month", "2025-11"), "starts on 2026-01-05"),
    # the day after the data's last day: not the future on either day (a later --since is refused then)
    (("--since", "2026-02-11"), "ends on 2026-02-10"),
    (("--since", "2025-01-01", "--until", "2026-01-04"), "starts on 2026-01-05"),
])
def test_a_window_outside_the_data_has_no_data_in_every_format(
        store: str, window: tuple[str, ...], side: str, today: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMCOST_TODAY", today)
    res = _report(store, *window, "--format", "json")
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    p = doc["period"]
    assert (p["has_data"], p["data_first_day"], p["data_last_day"]) == (False, "2026-01-05", "2026-02-10")
    assert doc["totals"]["cost_usd"] is None and doc["totals"]["requests"] == 0
    w = doc["warnings"][0]
    assert w.startswith("no data for this period (") and f"the store holds data from 2026-01-05 to 2026-02-10 (UTC); " \
        f"it {side}, so this period's spend is unknown, not $0. Fix: choose a period inside it" in w, w
    assert res.stderr == f"Warning: {w}.\n"  # on stderr too, for a cron job's log
    assert doc["compare"] is None  # nothing in the window to compare

    screen = _report(store, *window)
    assert screen.exit_code == 1
    first = " ".join(screen.stdout.split("\n\n")[0].split())
    assert "no data for this period (the store holds data from 2026-01-05 to 2026-02-10): spend unknown, not $0" \
        in first and "$0.00" not in first, first
    for fmt in ("md", "html"):
        out = _report(store, *window, "--format", fmt)
        assert out.exit_code == 1
        text = " ".join(out.stdout.split())
        assert "No data for this period: the store holds data from 2026-01-05 to 2026-02-10, so its spend is " \
               "unknown, not $0." in text, fmt
    rows = list(csv.DictReader(io.StringIO(_report(store, *window, "--format", "csv", "--table", "period").stdout)))
    assert rows[0]["has_data"] == "false" and rows[0]["data_last_day"] == "2026-02-10"
    totals = list(csv.DictReader(io.StringIO(_report(store, *window, "--format", "csv", "--table", "totals").stdout)))
    assert totals[0]["cost_usd"] == ""  # unknown, not 0


def test_a_gap_inside_the_data_is_no_usage_zero_and_exit_0(tmp_path: Path) -> None:
    """February between January and March data: measured, nothing used: $0, exit 0."""
    gap = _store(tmp_path, [date(2026, 1, 10), date(2026, 3, 10)], "gap")
    res = _report(gap, "--month", "2026-02", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["period"]["has_data"] is True and Decimal(doc["totals"]["cost_usd"]) == 0
    assert doc["warnings"][0].startswith("no usage in this window (2026-02), inside the data the store holds "
                                         "(2026-01-10 to 2026-03-10, UTC): nothing was spent, $0.")


def test_an_empty_store_has_no_data(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    res = _report(str(empty), "--format", "json")
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    assert doc["period"]["has_data"] is False and doc["totals"]["cost_usd"] is None
    assert res.stderr.startswith("Warning: no data: the store holds no usage or cost rows yet")
    assert _report(str(empty)).stdout.startswith("LLM spend: no data for this period (the store holds none yet)")


@pytest.mark.parametrize("today", TODAYS)
def test_the_budget_of_a_month_without_data_is_not_checked(store: str, today: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """It read "month-to-date spend for 2025-06 is $0.00, within the budget of $1.00" (a month before the data:
    a month after it is the future on the first of TODAYS, refused)."""
    monkeypatch.setenv("LLMCOST_TODAY", today)
    res = _report(store, "--month", "2025-06", "--budget", "1", "--format", "json")
    assert res.exit_code == 1, res.output
    b = json.loads(res.stdout)["budget"]
    assert (b["month"], b["value_usd"], b["exceeded"]) == ("2025-06", None, False)
    assert b["message"].startswith("spend for 2025-06 (the whole month; "), b["message"]  # a closed month
    assert ("is unknown: there is no data for 2025-06; the store holds data from 2026-01-05 to "
            "2026-02-10; budget $1.00. Fix: ingest the exports or logs of that month, or check a month the data "
            "covers (--month 2026-02)") in b["message"], b["message"]
    assert f"Warning: budget not checked: {b['message']}." in res.stderr


def test_the_budget_of_the_current_month_of_stale_data_is_not_checked(store: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A year after the data ends, --month current is a month with no data: not "$0.00, within"."""
    monkeypatch.setenv("LLMCOST_TODAY", "2027-07-01")
    res = _report(store, "--month", "current", "--budget", "1")
    assert res.exit_code == 1
    assert "Budget UNKNOWN" in res.stdout and "$0.00" not in res.stdout.split("\n")[0]
    assert "there is no data for 2027-07" in res.stderr


@pytest.mark.parametrize("today", TODAYS)
def test_the_budget_of_a_month_the_data_ends_in_names_that_day(store: str, today: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMCOST_TODAY", today)
    res = _report(store, "--month", "2026-02", "--budget", "1000", "--format", "json")
    assert res.exit_code == 0, res.output
    b = json.loads(res.stdout)["budget"]
    assert b["month"] == "2026-02" and b["value_usd"] is not None and b["exceeded"] is False
    assert "(the data ends on 2026-02-10: spend after it is not counted)" in b["message"], b["message"]


@pytest.mark.parametrize("today", TODAYS)
def test_a_month_cut_short_is_compared_with_the_same_days_of_the_month_before(
        store: str, today: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The data ends on 2026-02-10: February's 10 days against January's days 1-10 (the data has
    5-10), not against all of January, which read as a drop of about two thirds. January says its
    data begins on the 5th (data_from)."""
    monkeypatch.setenv("LLMCOST_TODAY", today)
    res = _report(store, "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    c = doc["compare"]
    assert c["same_days"] is True
    assert c["current"] == {"month": "2026-02", "start": "2026-02-01", "end": "2026-02-10", "days": 10,
                            "whole_month": False, "has_data": True, "data_from": None}
    assert c["previous"] == {"month": "2026-01", "start": "2026-01-01", "end": "2026-01-10", "days": 10,
                             "whole_month": False, "has_data": True, "data_from": "2026-01-05"}
    assert c["days_compared"].startswith("days 1-10 of each month: 2026-02-01 to 2026-02-10 against 2026-01-01 "
                                         "to 2026-01-10")
    # a second path: the report's daily series (sql/report_daily.sql) over the same days
    daily = {d["day"]: Decimal(d["cost_usd"]) for d in doc["daily"]}
    jan = sum(v for k, v in daily.items() if "2026-01-01" <= k <= "2026-01-10")
    feb = sum(v for k, v in daily.items() if k.startswith("2026-02"))
    assert Decimal(c["totals"]["previous_cost_usd"]) == jan and Decimal(c["totals"]["current_cost_usd"]) == feb
    assert c["totals"]["previous_requests"] == 12 and c["totals"]["current_requests"] == 20  # 2 a day
    screen = _report(store).stdout
    assert "This month vs last, days 1-10 of each (UTC, data up to 2026-02-10)" in screen, screen
    # a whole month is compared whole
    whole = json.loads(_report(store, "--until", "2026-01-31", "--format", "json").stdout)["compare"]
    assert whole["same_days"] is False and whole["days_compared"] is None
    assert (whole["previous"]["end"], whole["current"]["end"]) == ("2025-12-31", "2026-01-31")


@pytest.mark.parametrize(("today", "month", "subject"), [
    # 2026-01 ended before 2026-03-15: its whole spend, not "month-to-date"
    ("2026-03-15", "2026-01", "spend for 2026-01 (the whole month; no forecast was computed) is $"),
    # the month of today: month-to-date, as before
    ("2026-02-11", "2026-02", "month-to-date spend (no forecast was computed) for 2026-02 is $"),
])
def test_the_budget_of_a_closed_month_is_its_spend_not_month_to_date(
        store: str, today: str, month: str, subject: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--month 2025-06 --budget 10` on a closed month read "month-to-date spend for 2025-06"."""
    monkeypatch.setenv("LLMCOST_TODAY", today)
    res = _report(store, "--month", month, "--budget", "1000", "--format", "json")
    assert res.exit_code == 0, res.output
    b = json.loads(res.stdout)["budget"]
    assert b["basis"] == "month_to_date"  # the JSON basis is unchanged (docs/report-schema.json)
    assert b["message"].startswith(subject), b["message"]
    assert ("month-to-date" in b["message"]) is (month == "2026-02")
