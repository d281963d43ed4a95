"""Anthropic reports write NULL for the default workspace (`workspace_id`) and for the Console
Workbench (`api_key_id`) (formats-provider-exports.md 2.1, 2.2). A report grouped by workspace
only (or by key only) therefore has a row whose group fields are all NULL beside the grouped
rows of the same bucket: that row is the default workspace's (or the Workbench's) share, not an
organisation-wide total. Before, it was quarantined as an org total and its money or tokens lost.
A real org total (an ungrouped page) beside a grouped page of the same day is still left out."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app

DAY = {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z"}
NULLS = {"description": None, "cost_type": None, "context_window": None, "model": None, "service_tier": None,
         "token_type": None, "inference_geo": None}


def _cost(workspace: str | None, cents: str) -> dict[str, object]:
    return {"currency": "USD", "amount": cents, "workspace_id": workspace, **NULLS}


def _usage(key: str | None, uncached: int) -> dict[str, object]:
    return {"uncached_input_tokens": uncached, "cache_creation": {"ephemeral_5m_input_tokens": 0,
            "ephemeral_1h_input_tokens": 0}, "cache_read_input_tokens": 0, "output_tokens": 0,
            "api_key_id": key, "workspace_id": None, "model": None, "service_tier": None, "context_window": None,
            "inference_geo": None}


def _report(tmp_path: Path, doc: object) -> dict[str, object]:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "report.json").write_text(json.dumps(doc))
    res = CliRunner().invoke(app, ["--logs", str(logs), "--store", str(tmp_path / "store"), "--no-forecast",
                                   "--format", "json", "--quiet", "--out", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    return json.loads((tmp_path / "r.json").read_text())  # type: ignore[no-any-return]


def test_cost_report_grouped_by_workspace_keeps_the_default_workspace(tmp_path: Path) -> None:
    # by hand: 100.00 cents (wrkspc_01) + 50.00 cents (default workspace) = $1.50
    doc = _report(tmp_path, {"data": [{**DAY, "results": [_cost("wrkspc_01", "100.00"), _cost(None, "50.00")]}],
                             "has_more": False, "next_page": None})
    assert Decimal(doc["totals"]["billed_cost_usd"]) == Decimal("1.50")  # type: ignore[index]
    assert doc["ingest"]["rows_quarantined"] == 0  # type: ignore[index]


def test_usage_report_grouped_by_key_keeps_the_workbench(tmp_path: Path) -> None:
    # by hand: 1,000 uncached input tokens on apikey_01 + 300 in the Console Workbench = 1,300
    doc = _report(tmp_path, {"data": [{**DAY, "results": [_usage("apikey_01", 1000), _usage(None, 300)]}],
                             "has_more": False, "next_page": None})
    assert doc["totals"]["input_tokens"] == 1300  # type: ignore[index]
    assert doc["ingest"]["rows_quarantined"] == 0  # type: ignore[index]


def test_an_ungrouped_page_beside_a_grouped_page_is_still_an_org_total(tmp_path: Path) -> None:
    # two responses saved in one file: grouped by workspace ($1.00 + $0.50) and ungrouped ($1.50)
    grouped = {"data": [{**DAY, "results": [_cost("wrkspc_01", "100.00"), _cost(None, "50.00")]}]}
    ungrouped = {"data": [{**DAY, "results": [_cost(None, "150.00")]}]}
    doc = _report(tmp_path, [grouped, ungrouped])
    assert Decimal(doc["totals"]["billed_cost_usd"]) == Decimal("1.50")  # type: ignore[index]
    assert doc["ingest"]["rows_quarantined"] == 1  # type: ignore[index]


@pytest.mark.parametrize("grouped_first", [True, False], ids=["grouped-then-org", "org-then-grouped"])
def test_default_workspace_file_and_org_total_file_in_either_order(tmp_path: Path, grouped_first: bool) -> None:
    # Two runs, so the later file is the later export. The default workspace's row and the org total
    # have the same group fields (all NULL): they must be two events, else the org total ingested
    # second replaced the default workspace's $0.50 and was then left out beside wrkspc_01 ($1.00).
    # by hand: 100.00 cents (wrkspc_01) + 50.00 cents (default workspace) = $1.50 = the org's 150.00
    grouped = {"data": [{**DAY, "results": [_cost("wrkspc_01", "100.00"), _cost(None, "50.00")]}]}
    ungrouped = {"data": [{**DAY, "results": [_cost(None, "150.00")]}]}
    store = tmp_path / "store"
    for i, page in enumerate([grouped, ungrouped] if grouped_first else [ungrouped, grouped]):
        (tmp_path / f"logs{i}").mkdir()
        (tmp_path / f"logs{i}" / "report.json").write_text(json.dumps(page))
        res = CliRunner().invoke(app, ["--logs", str(tmp_path / f"logs{i}"), "--store", str(store), "--no-forecast",
                                       "--format", "json", "--quiet", "--out", str(tmp_path / "r.json")])
        assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "r.json").read_text())
    assert Decimal(doc["totals"]["billed_cost_usd"]) == Decimal("1.50")
