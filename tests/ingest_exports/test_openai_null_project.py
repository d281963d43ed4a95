"""In an OpenAI Usage or Costs API page grouped by project, a result with `project_id: null` is the
usage outside any project (the default project, keys outside projects): a share of the grouped
page. Only an ungrouped bucket (one org-wide result) is the organisation's total
(formats-provider-exports.md 1.1: group fields are "non-null only when grouped by that field";
"with group_by a bucket holds one result per group combination; without it, one org-wide
result"). Before, the null-project share was quarantined as an org total beside the grouped
results: 8 requests for a 20-request day, $1.00 billed for a $3.00 day."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app

DAY = (1790812800, 1790899200)  # 2026-10-01, a daily UTC bucket
NO_GROUP = {"user_id": None, "api_key_id": None, "model": None, "batch": None, "service_tier": None}


def _usage(project: str | None, requests: int, inp: int, out: int) -> dict[str, object]:
    return {"object": "organization.usage.completions.result", "input_tokens": inp, "input_cached_tokens": 0,
            "output_tokens": out, "num_model_requests": requests, "project_id": project, **NO_GROUP}


def _cost(project: str | None, dollars: str) -> dict[str, object]:
    return {"object": "organization.costs.result", "amount": {"value": dollars, "currency": "usd"},
            "line_item": None, "project_id": project, "api_key_id": None}


def _page(*results: dict[str, object]) -> dict[str, object]:
    return {"object": "page", "has_more": False, "next_page": None,
            "data": [{"object": "bucket", "start_time": DAY[0], "end_time": DAY[1], "results": list(results)}]}


# Written by hand. Usage grouped by project: proj_a 8 requests, 1,000 input, 100 output; no project
# 12 requests, 2,000 input, 200 output. The org's day: 8 + 12 = 20 requests, 1,000 + 2,000 = 3,000
# input, 100 + 200 = 300 output, which the ungrouped page says too.
USAGE_GROUPED = _page(_usage("proj_a", 8, 1000, 100), _usage(None, 12, 2000, 200))
USAGE_ORG = _page(_usage(None, 20, 3000, 300))
# Costs grouped by project: proj_a $1.00 + no project $2.00 = the org's $3.00.
COSTS_GROUPED = _page(_cost("proj_a", "1.00"), _cost(None, "2.00"))
COSTS_ORG = _page(_cost(None, "3.00"))


def _run(tmp_path: Path, store: Path, files: dict[str, object]) -> dict[str, object]:
    """Ingest `files` (written to a folder of their own) into `store` and report: the JSON document."""
    logs = tmp_path / f"logs{len(list(tmp_path.glob('logs*')))}"
    logs.mkdir()
    for name, doc in files.items():
        (logs / name).write_text(json.dumps(doc))
    out = tmp_path / "r.json"
    res = CliRunner().invoke(app, ["--logs", str(logs), "--store", str(store), "--no-forecast", "--format", "json",
                                   "--quiet", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_usage_page_grouped_by_project_keeps_the_null_project(tmp_path: Path) -> None:
    doc = _run(tmp_path, tmp_path / "store", {"usage.json": USAGE_GROUPED})
    t = doc["totals"]
    assert (t["requests"], t["input_tokens"], t["output_tokens"]) == (20, 3000, 300)  # type: ignore[index]
    assert doc["ingest"]["rows_quarantined"] == 0  # type: ignore[index]


def test_costs_page_grouped_by_project_keeps_the_null_project(tmp_path: Path) -> None:
    doc = _run(tmp_path, tmp_path / "store", {"costs.json": COSTS_GROUPED})
    assert Decimal(doc["totals"]["billed_cost_usd"]) == Decimal("3.00")  # type: ignore[index]
    assert doc["ingest"]["rows_quarantined"] == 0  # type: ignore[index]


def test_an_ungrouped_page_in_the_same_file_is_still_an_org_total(tmp_path: Path) -> None:
    # one file holding both responses (a JSON array of pages): the ungrouped result is quarantined
    doc = _run(tmp_path, tmp_path / "store", {"usage.json": [USAGE_GROUPED, USAGE_ORG],
                                              "costs.json": [COSTS_GROUPED, COSTS_ORG]})
    t = doc["totals"]
    assert (t["requests"], t["input_tokens"], t["output_tokens"]) == (20, 3000, 300)  # type: ignore[index]
    assert Decimal(t["billed_cost_usd"]) == Decimal("3.00")  # type: ignore[index]
    assert doc["ingest"]["rows_quarantined"] == 2  # type: ignore[index]  # one org result per file


@pytest.mark.parametrize("grouped_first", [True, False], ids=["grouped-then-org", "org-then-grouped"])
def test_costs_null_project_beside_an_ungrouped_file_counts_once(tmp_path: Path, grouped_first: bool) -> None:
    # two runs, so the later file is the later export: the null-project line and the org total have
    # the same group fields (all NULL) and must still be two events, else one replaces the other
    store = tmp_path / "store"
    runs = [{"grouped.json": COSTS_GROUPED}, {"org.json": COSTS_ORG}]
    for files in runs if grouped_first else runs[::-1]:
        doc = _run(tmp_path, store, files)
    assert Decimal(doc["totals"]["billed_cost_usd"]) == Decimal("3.00")  # type: ignore[index]
    assert Decimal(doc["reconciliation"]["money_usd"]) == Decimal("3.00")  # type: ignore[index]
