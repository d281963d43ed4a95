"""A store of last year's and the year before's logs, reported "today" (2026-12-05, LLMCOST_TODAY):
dates that cannot hold usage yet are refused with what, where and the fix (exit 2, no traceback),
while past months and windows report their own figures."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from tests.bodies import bodies_store

REPO = Path(__file__).resolve().parents[2]

# gpt-4o-2024-08-06, 1,000 prompt + 10 completion tokens each (tests/bodies.py): at $2.50 / $10 per 1M
# that is 0.0025 + 0.0001 = $0.0026 a request. 31 December 2024 23:30 UTC and 1 January 2025 00:30 UTC
# straddle the year; 15 June 2025 is mid-year; nothing after.
STAMPS = ("2024-12-31T23:30:00Z", "2025-01-01T00:30:00Z", "2025-06-15T12:00:00Z")


pytestmark = pytest.mark.usefixtures("today_2026_12_05")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bodies_store(tmp_path_factory.mktemp("old_data"), STAMPS)


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.mark.parametrize("command", ["report", "export-focus"])
@pytest.mark.parametrize(("window", "message"), [
    (["--month", "2027-03"], "Error: --month 2027-03 is in the future: today is 2026-12-05 (UTC), so it holds no "
                             "usage yet. Fix: use current, last or a month up to 2026-12."),
    (["--month", "2027-01"], "Error: --month 2027-01 is in the future"),
    (["--since", "2027-01-01"], "Error: --since 2027-01-01 is after today (2026-12-05, UTC): there is no data for "
                                "it yet. Fix: leave --since out (the window starts at the data's first day), or give "
                                "a day up to 2026-12-05."),
])
def test_a_window_in_the_future_is_refused(store: Path, tmp_path: Path, command: str, window: list[str],
                                           message: str) -> None:
    out = tmp_path / "r-{month}.csv"
    extra = ["--out", str(out)] if command == "export-focus" else ["--no-forecast"]
    code, stdout, stderr = _run(command, "--store", str(store), *extra, *window)
    assert code == 2, stdout + stderr
    assert message in stderr
    assert "Traceback" not in stderr
    assert stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_the_current_month_and_a_since_of_today_are_not_the_future(store: Path) -> None:
    # today's month and today itself may hold usage: reported (here with no data, exit 1: the
    # report is written and says so), not refused
    for window in (["--month", "2026-12"], ["--month", "current"], ["--since", "2026-12-05"]):
        code, stdout, stderr = _run("report", "--store", str(store), "--no-forecast", "--format", "json", *window)
        assert code == 1, stderr
        assert stderr.startswith("Warning: no data for this period"), stderr
        assert json.loads(stdout)["period"]["has_data"] is False


def test_the_future_is_todays_date_in_tz(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 2026-12-31 20:00 UTC is already 2027-01-01 05:00 in Tokyo: January 2027 is the current month
    # there, and still the future in UTC
    monkeypatch.setenv("LLMCOST_TODAY", "2026-12-31T20:00:00+00:00")
    code, _, stderr = _run("report", "--store", str(store), "--no-forecast", "--format", "json",
                           "--month", "2027-01", "--tz", "Asia/Tokyo")
    assert code == 1, stderr
    assert "in the future" not in stderr
    code, _, stderr = _run("report", "--store", str(store), "--no-forecast", "--month", "2027-01")
    assert code == 2
    assert "Error: --month 2027-01 is in the future: today is 2026-12-31 (UTC)" in stderr


PRICES = """[[model]]
provider = "openai"
model = "gpt-4o"
effective_from = 2025-01-01
input = 2.00
output = 8.00
"""


@pytest.mark.parametrize(("tz", "month", "cost", "requests"), [
    # UTC: 31 December at list ($0.0026); 1 January at the override, 1,000 x $2 + 10 x $8 per 1M = $0.00208
    ("UTC", "2024-12", "0.0026", 1),
    ("UTC", "2025-01", "0.00208", 1),
    # Tokyo (UTC+9): both requests fall on 1 January 2025, each still priced on its UTC day (prices and
    # effective_from are UTC days, docs/pricing.md): 0.0026 + 0.00208 = $0.00468
    ("Asia/Tokyo", "2025-01", "0.00468", 2),
    # New York (UTC-5): both fall on 31 December 2024, same prices: $0.00468
    ("America/New_York", "2024-12", "0.00468", 2),
    ("UTC", "2025-06", "0.00208", 1),
])
def test_a_past_month_is_priced_on_each_request_s_day(store: Path, tmp_path: Path, tz: str, month: str, cost: str,
                                                      requests: int) -> None:
    prices = tmp_path / "prices.toml"
    prices.write_text(PRICES)
    code, stdout, stderr = _run("report", "--store", str(store), "--no-forecast", "--format", "json", "--prices",
                                str(prices), "--month", month, "--tz", tz)
    assert code == 0, stderr
    doc = json.loads(stdout)
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal(cost)
    assert doc["totals"]["requests"] == requests
    assert doc["period"]["covers"] == month
    # the first line says the figures use the override file, not the catalog alone
    code, stdout, _ = _run("report", "--store", str(store), "--no-forecast", "--prices", str(prices), "--month", month,
                           "--tz", tz)
    assert "Prices: genai-prices 0.2.3 + overrides " + str(prices) in " ".join(stdout.split()), stdout


@pytest.mark.parametrize("command", [["report"], ["forecast"], ["backtest"]])
def test_an_as_of_after_today_is_refused(tmp_path: Path, command: list[str]) -> None:
    # data to 2026-01-15, --as-of 2026-12-20 (15 days from now, inside the 366 days a stale --as-of may
    # reach): the report forecast 2027-01 from a day not come, "actual to date $0.00" for 2026-12
    store = bodies_store(tmp_path, ["2026-01-15T12:00:00Z"])
    code, stdout, stderr = _run(*command, "--store", str(store), "--as-of", "2026-12-20")
    assert code == 2, stdout + stderr
    assert ("Error: --as-of 2026-12-20 is after today (2026-12-05, UTC): there is no data for it yet. Fix: leave "
            "--as-of out (the forecast starts from yesterday, or from the data's last day), or give a day up to "
            "2026-12-05.") in stderr
    assert "Traceback" not in stderr
    if command != ["backtest"]:  # (a backtest needs more history than one day)
        assert _run(*command, "--store", str(store), "--as-of", "2026-12-05")[0] == 0  # today is not the future


@pytest.mark.parametrize("command", [["report"], ["forecast"]])
@pytest.mark.parametrize(("tz", "first"), [("UTC", "2024-12-31"), ("Pacific/Auckland", "2025-01-01")])
def test_an_as_of_before_the_data_is_refused(store: Path, command: list[str], tz: str, first: str) -> None:
    # the data begins 31 December 2024 23:30 UTC: 1 January 2025 in Auckland (UTC+13). An --as-of before
    # that day has no history: the forecast read "actual to date $0.00, simple run-rate $0.00 for the month"
    # (exit 0), money the data does not know
    day_before = "2024-12-30" if tz == "UTC" else "2024-12-31"
    code, stdout, stderr = _run(*command, "--store", str(store), "--as-of", day_before, "--tz", tz)
    assert code == 2, stdout + stderr
    assert " ".join(stderr.split()) == (
        f"Error: --as-of {day_before} is before the data begins ({first}, {tz}): there is no history to forecast "
        f"from. Fix: give a day from {first} on, or leave --as-of out (the forecast starts from yesterday, or from "
        "the data's last day).")
    assert "Traceback" not in stderr
    code, stdout, stderr = _run(*command, "--store", str(store), "--as-of", first, "--tz", tz, "--format", "json")
    assert code == 0, stderr  # the data's first day is history
    # the current month is the next day's, 2025-01: in UTC the request of 31 December is in 2024-12 and
    # January has none yet; in Auckland both requests fell on 1 January, 2 x $0.0026
    f = json.loads(stdout)["forecast"]
    assert f["month"] == "2025-01"
    assert Decimal(f["actual_to_date_usd"]) == (Decimal(0) if tz == "UTC" else Decimal("0.0052"))


@pytest.mark.parametrize("today", ["2026-12-05", "2027-03-01"])
def test_the_budget_without_a_median_checks_the_as_of_month(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            today: str) -> None:
    # one request ($0.0026) on each of 26, 27, 28 November and 1, 2 December; --as-of 2026-11-28: the
    # forecast's month is 2026-11, with 3 days of usage no median. The budget read December's
    # month-to-date ($0.0052, "within" $0.006; "spend for 2026-12 (the whole month ...)" when run in
    # 2027), the month of the data's end, not the forecast's: November to 28 November is 3 x $0.0026
    # = $0.0078, above $0.006, whatever the day the report is run
    monkeypatch.setenv("LLMCOST_TODAY", today)
    store = bodies_store(tmp_path, [f"2026-{d}T12:00:00Z" for d in ("11-26", "11-27", "11-28", "12-01", "12-02")])
    code, stdout, stderr = _run("report", "--store", str(store), "--as-of", "2026-11-28", "--budget", "0.006",
                                "--format", "json")
    assert code == 4, stdout + stderr
    b = json.loads(stdout)["budget"]
    assert (b["month"], b["basis"], Decimal(b["value_usd"]), b["exceeded"]) == ("2026-11", "month_to_date",
                                                                               Decimal("0.0078"), True)
    assert b["message"].startswith("month-to-date spend (the forecast has no median: too little history (fewer "
                                   "than 7 days with usage)) for 2026-11 to 2026-11-28 (--as-of) is $0.01, above "
                                   "the budget of $0.01"), b["message"]


def test_a_past_as_of_forecasts_from_it(store: Path) -> None:
    # a past day inside the data sets the forecast's months: from 2025-06-14 they are 2025-06 (current),
    # 2025-07 (next) and 2025-Q3 (the quarter after June's)
    code, stdout, stderr = _run("forecast", "--store", str(store), "--as-of", "2025-06-14", "--format", "json")
    assert code == 0, stderr
    f = json.loads(stdout)["forecast"]
    assert [p["period"] for p in f["periods"]] == ["2025-06", "2025-07", "2025-Q3"]
    # actual to date: 1 January's request is in 2025-01, 15 June is after --as-of: June has none
    assert Decimal(f["actual_to_date_usd"]) == 0


@pytest.mark.parametrize("command", [["swap", "gpt-4o"],
                                     ["plan", str(REPO / "sample_logs/plans/launch-50k-users.toml")]])
def test_plan_and_swap_refuse_a_since_after_today(store: Path, command: list[str]) -> None:
    # before, swap answered "no requests in the store from 2026-12-06 to the end ... Fix: widen
    # --since/--until" (exit 0) and plan read an empty profile, as if the logs held nothing
    code, stdout, stderr = _run(*command, "--store", str(store), "--since", "2026-12-06")
    assert code == 2, stdout + stderr
    assert stderr == ("Error: --since 2026-12-06 is after today (2026-12-05, UTC): there is no data for it yet. Fix: "
                      "leave --since out (the window starts at the data's first day), or give a day up to "
                      "2026-12-05.\n")
    assert stdout == ""
    # today is not the future, and an --until after today stays allowed (as in report): read, not refused
    # (the store ends in 2025: swap says it has no requests there, plan that its logs give no profile)
    code, stdout, stderr = _run(*command, "--store", str(store), "--since", "2026-12-05", "--until", "2027-01-31")
    assert "after today" not in stderr
    assert "no request" in stdout + stderr, stdout + stderr


def test_a_replayed_report_judges_since_against_its_own_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """ReportOptions.today (a replay) is the today --since is judged against, through the one rule
    (tz.check_not_after_today), whatever the clock says."""
    from datetime import date

    from llmcost.document.analysis import ReportOptions, _window
    from llmcost.errors import UsageError

    monkeypatch.setenv("LLMCOST_TODAY", "2027-06-01")  # the clock: 2026-12-06 is past for it
    opts = ReportOptions(store="unused", since=date(2026, 12, 6), today=date(2026, 12, 5), tz="Europe/Paris")
    with pytest.raises(UsageError) as err:
        _window(opts)
    assert str(err.value) == ("--since 2026-12-06 is after today (2026-12-05, Europe/Paris): there is no data for it "
                              "yet. Fix: leave --since out (the window starts at the data's first day), or give a "
                              "day up to 2026-12-05.")
    assert _window(ReportOptions(store="unused", since=date(2026, 12, 5), today=date(2026, 12, 5)))[0] == date(
        2026, 12, 5)


def test_a_timestamp_in_the_future_says_why_and_the_fix(tmp_path: Path) -> None:
    # now is 2026-12-05 12:00 UTC (LLMCOST_TODAY): a row of 2026-12-06 (clock skew within 2 days) is kept, one of
    # 2026-12-09 is quarantined. The reason read "timestamp out of range: 2026-12-09 12:00:00+00": not that it is
    # in the future, after which clock, nor what to do
    logs = tmp_path / "logs.jsonl"
    from tests.bodies import write_chat_bodies

    write_chat_bodies(logs, ["2026-12-01T12:00:00Z", "2026-12-06T12:00:00Z", "2026-12-09T12:00:00Z"])
    code, stdout, stderr = _run("--logs", str(logs), "--store", str(tmp_path / "s"), "--no-forecast")
    assert code == 0, stdout + stderr
    assert "1,000 requests" not in stdout
    text = " ".join(stdout.split())
    assert ("3 rows read = 2 stored + 0 duplicate + 1 quarantined" in text), text
    assert (f"{logs}: 1 row, first at line 3: timestamp in the future: 2026-12-09 12:00:00+00 is more than 2 days "
            "after now (2026-12-05 12:00:00+00, the tool's clock). Fix: correct the clock of the host that wrote "
            "it (or this machine's, if it runs behind) and ingest again") in text, text
