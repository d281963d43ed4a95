"""Break-even and margin per session (issue 19): --conversion-rate and --value-per-conversion."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.document.analysis import unit_economics

REPO = Path(__file__).resolve().parents[2]


def test_the_issue_example_at_four_cents_a_session_and_two_percent() -> None:
    uc = {"overall": [{"unit": "conversation", "mean_usd": Decimal("0.04"), "p90_usd": Decimal("0.10")}]}
    eco = unit_economics(uc, Decimal("0.02"), Decimal("2.50"))
    mean, p90 = eco["sessions"]
    # each conversion must bring $0.04 / 0.02 = $2 to break even; at $2.50, a session brings $0.05
    assert mean["break_even_value_per_conversion_usd"] == Decimal("2")
    assert mean["value_per_session_usd"] == Decimal("0.05") and mean["margin_per_session_usd"] == Decimal("0.01")
    assert p90["break_even_value_per_conversion_usd"] == Decimal("5")
    assert p90["margin_per_session_usd"] == Decimal("-0.05")
    # no priced conversation: unknown, never $0
    none = unit_economics({"overall": []}, Decimal("0.02"))
    assert none["sessions"][0]["break_even_value_per_conversion_usd"] is None


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("eco") / "store"
    res = CliRunner().invoke(app, ["ingest", "--store", str(d), str(REPO / "sample_logs" / "app-logs")])
    assert res.exit_code == 0, res.output
    return d


def test_report_json_and_table_carry_break_even(store: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", "--format", "json",
                              "--conversion-rate", "2%", "--value-per-conversion", "$2.50"])
    assert res.exit_code == 0, res.output
    uc = json.loads(res.stdout)["unit_costs"]
    mean = Decimal(next(r for r in uc["overall"] if r["unit"] == "conversation")["mean_usd"])
    (row, _) = uc["economics"]["sessions"]
    assert Decimal(row["break_even_value_per_conversion_usd"]) == mean / Decimal("0.02")
    assert Decimal(row["margin_per_session_usd"]) == Decimal("0.05") - mean
    res = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", "--section", "break-even",
                              "--conversion-rate", "0.02"])
    assert res.exit_code == 0 and "Break-even per session: Conversion rate 2.0%" in res.stdout
    assert "no --value-per-conversion" in res.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--value-per-conversion", "2"], "--value-per-conversion needs --conversion-rate"),
        (["--conversion-rate", "150%"], "--conversion-rate '150%' is out of range"),
        (["--conversion-rate", "two"], "--conversion-rate 'two' is not a rate"),
        (["--conversion-rate", "2%", "--value-per-conversion", "lots"], "--value-per-conversion 'lots' is not an"),
    ],
)
def test_bad_economics_options(store: Path, args: list[str], says: str) -> None:
    res = CliRunner().invoke(app, ["report", "--store", str(store), "--no-forecast", *args])
    assert res.exit_code == 2
    assert res.stderr.startswith("Error: ") and says in res.stderr
