"""`--out`'s {month} is the month(s) the output covers, in `report` and `export-focus` alike: the
--month given, else the window's (--since/--until, an open end taken from the data in it), and
FIRST_LAST when that spans several months. Before, without --month it was always today's month:
`report --since 2026-09-01 --until 2026-09-30 --out 'r-{month}.json'` wrote r-<this month>.json.

The clock is fixed at 2026-12-05 (LLMCOST_TODAY), a month none of the data is in, so today's month
showing up in a name is the old behaviour, and no case depends on the real date.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from tests.bodies import bodies_store

# three requests: 10 September, 30 September 20:00 UTC, and 1 October 00:30 UTC (30 September
# 17:30 in Los Angeles, UTC-7 in summer time)
STAMPS = ("2026-09-10T12:00:00Z", "2026-09-30T20:00:00Z", "2026-10-01T00:30:00Z")


pytestmark = pytest.mark.usefixtures("today_2026_12_05")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bodies_store(tmp_path_factory.mktemp("out_month"), STAMPS)


CASES = [
    (["--month", "2026-09"], "2026-09"),
    (["--since", "2026-09-01", "--until", "2026-09-30"], "2026-09"),
    # --until is inclusive: 1 October is in the window, so the name says both months
    (["--since", "2026-09-01", "--until", "2026-10-01"], "2026-09_2026-10"),
    (["--since", "2026-10-01"], "2026-10"),  # open end: the last request, 1 October
    (["--until", "2026-09-20"], "2026-09"),  # open start: the first request, 10 September
    ([], "2026-09_2026-10"),  # no window: the data's, 10 September to 1 October
    # in Los Angeles the last request is on 30 September: the window lies in September
    (["--since", "2026-09-15", "--tz", "America/Los_Angeles"], "2026-09"),
    (["--since", "2026-09-15"], "2026-09_2026-10"),  # the same in UTC ends on 1 October
]


@pytest.mark.parametrize(("window", "covers"), CASES)
def test_report_month_placeholder_names_the_window(store: Path, tmp_path: Path, window: list[str],
                                                   covers: str) -> None:
    res = CliRunner().invoke(app, ["report", "--store", str(store), "--no-forecast", "--format", "json",
                                   "--out", str(tmp_path / "r-{month}.{ext}"), "--quiet", *window])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"r-{covers}.json"]
    assert json.loads((tmp_path / f"r-{covers}.json").read_text())["period"]["covers"] == covers


@pytest.mark.parametrize(("window", "covers"), [CASES[1], CASES[2], CASES[5]])
def test_export_focus_month_placeholder_names_the_window(store: Path, tmp_path: Path, window: list[str],
                                                         covers: str) -> None:
    res = CliRunner().invoke(app, ["export-focus", "--store", str(store),
                                   "--out", str(tmp_path / "focus-{month}.csv"), *window])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"focus-{covers}.csv"]
    assert f"to {tmp_path / f'focus-{covers}.csv'}." in res.stderr


def test_an_open_window_without_data_falls_back_to_todays_month(store: Path, tmp_path: Path) -> None:
    # nothing on or after 2026-12-01: no data to close the window, so {month} is today's (2026-12)
    # (a --since after today is refused: tests/cli/test_old_data.py)
    res = CliRunner().invoke(app, ["report", "--store", str(store), "--no-forecast", "--format", "json",
                                   "--out", str(tmp_path / "r-{month}.json"), "--quiet", "--since", "2026-12-01"])
    # the report is written and says it holds no data (exit 1, the warning even with --quiet)
    assert res.exit_code == 1, res.output
    assert res.stderr.startswith("Warning: no data for this period (2026-12-01 to now)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r-2026-12.json"]
