"""An organisation-wide cost total in one file beside the grouped cost lines of the same day in
another is not added to them (docs/formats-provider-exports.md, "Org totals are not added to their
breakdown"). Before, the billed total, the reconciliation's money and the FOCUS export's BilledCost
all counted the day twice ($6.00 for a $3.00 day)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMCOST_TODAY", "2026-10-15")  # export-focus forecasts from "today"


DAY = (1790812800, 1790899200)  # 2026-10-01, a daily UTC bucket

# Written by hand: project A $1.00 + project B $2.00 = the organisation's $3.00 for the day.
GROUPED = {"object": "page", "has_more": False, "next_page": None, "data": [
    {"object": "bucket", "start_time": DAY[0], "end_time": DAY[1], "results": [
        {"object": "organization.costs.result", "amount": {"value": "1.00", "currency": "usd"},
         "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_a"},
        {"object": "organization.costs.result", "amount": {"value": "2.00", "currency": "usd"},
         "line_item": "gpt-4o-2024-08-06, output", "project_id": "proj_b"}]}]}
ORG = {"object": "page", "has_more": False, "next_page": None, "data": [
    {"object": "bucket", "start_time": DAY[0], "end_time": DAY[1], "results": [
        {"object": "organization.costs.result", "amount": {"value": "3.00", "currency": "usd"},
         "line_item": None, "project_id": None}]}]}


def _report(tmp_path: Path, pages: dict[str, dict[str, object]]) -> tuple[dict[str, object], Decimal]:
    logs = tmp_path / "logs"
    logs.mkdir()
    for name, page in pages.items():
        (logs / name).write_text(json.dumps(page))
    store = tmp_path / "store"
    res = CliRunner().invoke(app, ["--logs", str(logs), "--store", str(store), "--no-forecast", "--format", "json",
                                   "--quiet", "--out", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["export-focus", "--store", str(store), "--out", str(tmp_path / "focus.csv")])
    assert res.exit_code == 0, res.output
    with (tmp_path / "focus.csv").open() as fh:
        focus = sum(Decimal(r["BilledCost"]) for r in csv.DictReader(fh))
    return json.loads((tmp_path / "r.json").read_text()), focus


def test_org_total_file_beside_grouped_file_counts_once(tmp_path: Path) -> None:
    doc, focus = _report(tmp_path, {"grouped.json": GROUPED, "org.json": ORG})
    assert Decimal(doc["totals"]["billed_cost_usd"]) == Decimal("3.00")  # type: ignore[index]
    assert Decimal(doc["reconciliation"]["money_usd"]) == Decimal("3.00")  # type: ignore[index]
    assert focus == Decimal("3.00")
    # every row read is still accounted for: stored (the org total too, marked), nothing lost
    assert doc["ingest"]["rows_read"] == doc["ingest"]["rows_stored"] == 3  # type: ignore[index]


def test_org_total_alone_is_the_days_money(tmp_path: Path) -> None:
    doc, focus = _report(tmp_path, {"org.json": ORG})
    assert Decimal(doc["totals"]["billed_cost_usd"]) == Decimal("3.00")  # type: ignore[index]
    assert focus == Decimal("3.00")
