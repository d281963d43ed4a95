"""Text from the data never becomes a formula, markup or a control sequence in any output (issue 17).

One store holds the names of tests/reliability/hostile.py as models and projects. The expected
form of each name is restated here from the documented rules (docs/reliability.md, "Output
rules"), not taken from the code under test.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.focus_export import COLUMNS
from tests.reliability import hostile

runner = CliRunner()


def controls_to_question_marks(text: str, keep: str = "") -> str:
    """C0 controls but tab and newline (and `keep`), DEL and C1 controls, as '?'."""
    return "".join(
        "?" if (ord(c) < 0x20 and c not in "\t\n" + keep) or 0x7F <= ord(c) <= 0x9F else c for c in text
    )


def csv_expected(name: str) -> str:
    """A text cell in our CSV: controls as '?' (CR kept), then a quote before a leading = + - @ tab CR."""
    cell = controls_to_question_marks(name, keep="\r")
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile-names")
    s = tmp / "store"
    res = CliRunner().invoke(app, ["ingest", str(hostile.write_log(tmp / "app.jsonl")), "--store", str(s)])
    assert res.exit_code == 0, res.output
    return s


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # not read_text(): it would turn a CR into a newline


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# ---- CSV: report tables and the FOCUS export -----------------------------------------------------

def test_report_csv_cells_are_never_formulas_and_rows_never_split(store: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", "--format", "csv",
                              "--out", str(tmp_path / "csv")])
    assert res.exit_code == 0, res.output
    models = _rows(_read(tmp_path / "csv" / "by_provider_model.csv"))
    header, body = models[0], models[1:]
    # one row per distinct model: every hostile name and the priced model; a CR that split a row
    # would add rows (and shift cells)
    assert len(body) == len(set(hostile.NAMES)) + 1
    assert all(len(r) == len(header) for r in body)
    got = {r[header.index("model")] for r in body}
    assert got == {csv_expected(n) for n in hostile.NAMES} | {hostile.PRICED_MODEL}
    projects = _rows(_read(tmp_path / "csv" / "by_project.csv"))
    assert {r[0] for r in projects[1:]} == {csv_expected(n) for n in hostile.NAMES} | {"p"}
    for path in (tmp_path / "csv").glob("*.csv"):
        text = _read(path)
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text, path.name
        for row in _rows(text)[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)


def test_negative_amounts_stay_numbers(store: Path) -> None:
    """October costs less than September for the priced model: its change is a bare negative number."""
    res = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", "--format", "csv",
                              "--table", "compare_by_model"])
    assert res.exit_code == 0, res.output
    rows = _rows(res.stdout)
    header = rows[0]
    (priced,) = [r for r in rows[1:] if r[header.index("model")] == hostile.PRICED_MODEL]
    change = priced[header.index("change_usd")]
    assert change.startswith("-") and Decimal(change) < 0
    # September: one request of 5,000,000 + 100 tokens; October: 28 of 1,100 (hostile.write_log)
    assert priced[header.index("previous_requests")] == "1"
    assert priced[header.index("current_requests")] == str(len(hostile.NAMES))


def test_focus_export_cells_are_never_formulas(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "focus.csv"
    res = runner.invoke(app, ["export-focus", "--store", str(store), "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = _rows(_read(out))
    assert rows[0] == list(COLUMNS)
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    # actuals are priced rows only: each hostile project and "p" (the September request)
    actual = {r["SubAccountName"] for r in body if r["x_Scenario"] == "actual"}
    assert actual == {csv_expected(n) for n in hostile.NAMES} | {"p"}
    for r in body:
        assert r["SubAccountId"] == r["SubAccountName"]
        assert Decimal(r["BilledCost"]) >= 0 and not r["BilledCost"].startswith("'")
        for col, cell in r.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (col, cell)
            assert "\x1b" not in cell and "\x07" not in cell, (col, cell)
