"""An organisation-wide usage page (an ungrouped Usage API page, an ungrouped Anthropic usage report)
in one file beside a grouped page of the same day in another counts that day once: the grouped rows
are its breakdown, so the org total's requests and tokens are left out where grouped rows of the same
provider and kind cover its time, and counted where it is the only source. The money already was
(tests/ingest_exports/test_org_total_costs.py); before, the totals, the daily figures and the unpriced
requests counted the day twice: 40 requests for a 20-request day."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app

DAY = (1790812800, 1790899200)  # 2026-10-01, a daily UTC bucket
NO_GROUP = {"user_id": None, "api_key_id": None, "batch": None, "service_tier": None}


def _openai(model: str | None, project: str | None, requests: int, inp: int, out: int) -> dict[str, object]:
    return {"object": "organization.usage.completions.result", "input_tokens": inp, "input_cached_tokens": 0,
            "output_tokens": out, "num_model_requests": requests, "model": model, "project_id": project,
            **NO_GROUP}


def _page(*results: dict[str, object]) -> dict[str, object]:
    return {"object": "page", "has_more": False, "next_page": None,
            "data": [{"object": "bucket", "start_time": DAY[0], "end_time": DAY[1], "results": list(results)}]}


# Written by hand. Grouped by model: gpt-4o-mini-2024-07-18 8 requests, 1,000 input, 100 output;
# gpt-4.1-mini-2025-04-14 12 requests, 2,000 input, 200 output. The org's day (the ungrouped page):
# 8 + 12 = 20 requests, 1,000 + 2,000 = 3,000 input, 100 + 200 = 300 output, no model (unpriced).
BY_MODEL = _page(_openai("gpt-4o-mini-2024-07-18", None, 8, 1000, 100),
                 _openai("gpt-4.1-mini-2025-04-14", None, 12, 2000, 200))
# Grouped by project, with the usage outside any project (project_id null) as a group of its own.
BY_PROJECT = _page(_openai(None, "proj_a", 8, 1000, 100), _openai(None, None, 12, 2000, 200))
ORG = _page(_openai(None, None, 20, 3000, 300))
# The grouped rows priced (OpenAI's price sheet, per 1M tokens: gpt-4o-mini $0.15 in / $0.60 out,
# gpt-4.1-mini $0.40 in / $1.60 out):
#   1,000 x 0.15 + 100 x 0.60 = 150 + 60 = 210 (x 1e-6 $) = $0.00021
#   2,000 x 0.40 + 200 x 1.60 = 800 + 320 = 1,120 (x 1e-6 $) = $0.00112
#   $0.00021 + $0.00112 = $0.00133
BY_MODEL_COST = Decimal("0.00133")


def _run(tmp_path: Path, store: Path, files: dict[str, object]) -> dict[str, object]:
    """Ingest `files` (written to a folder of their own) into `store` and report: the JSON document."""
    logs = tmp_path / f"logs{len(list(tmp_path.glob('logs*')))}"
    logs.mkdir()
    for name, doc in files.items():
        (logs / name).write_text(json.dumps(doc))
    return _report(tmp_path, store, logs)


def _report(tmp_path: Path, store: Path, logs: Path) -> dict[str, object]:
    out = tmp_path / "r.json"
    res = CliRunner().invoke(app, ["--logs", str(logs), "--store", str(store), "--no-forecast", "--format", "json",
                                   "--quiet", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def _counts(doc: dict[str, object]) -> tuple[int, int, int]:
    t = doc["totals"]
    return t["requests"], t["input_tokens"], t["output_tokens"]  # type: ignore[index]


# the names sort either way round, so the grouped file is read first in one case and last in the other
@pytest.mark.parametrize("names", [("a_grouped.json", "b_org.json"), ("b_grouped.json", "a_org.json")],
                         ids=["grouped-first", "org-first"])
def test_org_page_beside_a_grouped_page_counts_the_day_once(tmp_path: Path, names: tuple[str, str]) -> None:
    doc = _run(tmp_path, tmp_path / "store", {names[0]: BY_MODEL, names[1]: ORG})
    assert _counts(doc) == (20, 3000, 300)
    t = doc["totals"]
    assert Decimal(t["cost_usd"]) == BY_MODEL_COST  # type: ignore[index]
    assert t["unpriced_requests"] == 0  # type: ignore[index]  # the org page's 20 unpriced requests are out
    assert [(d["day"], d["requests"], d["unpriced_requests"]) for d in doc["daily"]] == [  # type: ignore[attr-defined]
        ("2026-10-01", 20, 0)]
    # the reconciliation's provider volume: 3,000 input + 300 output = 3,300
    assert doc["reconciliation"]["by_provider"][0]["provider_tokens"] == 3300  # type: ignore[index]
    # nothing lost: the org total is stored (marked), only not counted
    assert doc["ingest"]["rows_read"] == doc["ingest"]["rows_stored"] == 3  # type: ignore[index]


@pytest.mark.parametrize("grouped", [BY_MODEL, BY_PROJECT], ids=["by-model", "by-project-with-null-project"])
@pytest.mark.parametrize("grouped_first", [True, False], ids=["grouped-then-org", "org-then-grouped"])
def test_two_runs_either_order_count_the_day_once(
    tmp_path: Path, grouped: dict[str, object], grouped_first: bool
) -> None:
    store = tmp_path / "store"
    runs: list[dict[str, object]] = [{"grouped.json": grouped}, {"org.json": ORG}]
    for files in runs if grouped_first else runs[::-1]:
        doc = _run(tmp_path, store, files)
    assert _counts(doc) == (20, 3000, 300)


def test_org_page_alone_counts_fully(tmp_path: Path) -> None:
    doc = _run(tmp_path, tmp_path / "store", {"org.json": ORG})
    assert _counts(doc) == (20, 3000, 300)
    assert doc["totals"]["unpriced_requests"] == 20  # type: ignore[index]  # no model: unpriced, still counted
    assert doc["reconciliation"]["by_provider"][0]["provider_tokens"] == 3300  # type: ignore[index]


def test_grouped_page_alone_is_unchanged(tmp_path: Path) -> None:
    doc = _run(tmp_path, tmp_path / "store", {"grouped.json": BY_MODEL})
    assert _counts(doc) == (20, 3000, 300)
    assert Decimal(doc["totals"]["cost_usd"]) == BY_MODEL_COST  # type: ignore[index]


def test_org_page_of_another_kind_is_not_left_out(tmp_path: Path) -> None:
    # an ungrouped embeddings page beside grouped completions: other usage, not their total.
    # by hand: 20 completion requests + 5 embedding requests = 25; 3,000 + 4,000 input = 7,000
    emb = {"object": "organization.usage.embeddings.result", "input_tokens": 4000, "num_model_requests": 5,
           "project_id": None, "model": None, **NO_GROUP}
    doc = _run(tmp_path, tmp_path / "store", {"grouped.json": BY_MODEL, "emb.json": _page(emb)})
    assert _counts(doc)[:2] == (25, 7000)


def test_reingesting_changes_no_total(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = _run(tmp_path, store, {"grouped.json": BY_MODEL, "org.json": ORG})
    logs = tmp_path / "logs0"
    again = _report(tmp_path, store, logs)
    (logs / "org.json").write_text(json.dumps(ORG, indent=1))  # the same page saved again: a changed file
    changed = _report(tmp_path, store, logs)
    assert _counts(first) == _counts(again) == _counts(changed) == (20, 3000, 300)


# Anthropic: a usage report grouped by workspace, with the default workspace (workspace_id null) as a
# group of its own, and the ungrouped report of the same day, in two runs either way round.
# By hand: wrkspc_01 5 requests, 1,000 uncached input, 100 output; default workspace 2, 300, 30;
# the org's day 5 + 2 = 7 requests, 1,000 + 300 = 1,300 input, 100 + 30 = 130 output.
A_DAY = {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z"}


def _anthropic(workspace: str | None, requests: int, unc: int, out: int) -> dict[str, object]:
    return {"uncached_input_tokens": unc, "cache_creation": {"ephemeral_5m_input_tokens": 0,
            "ephemeral_1h_input_tokens": 0}, "cache_read_input_tokens": 0, "output_tokens": out,
            "requests": requests, "api_key_id": None, "workspace_id": workspace, "model": None,
            "service_tier": None, "context_window": None, "inference_geo": None}


A_GROUPED = {"data": [{**A_DAY, "results": [_anthropic("wrkspc_01", 5, 1000, 100), _anthropic(None, 2, 300, 30)]}],
             "has_more": False, "next_page": None}
A_ORG = {"data": [{**A_DAY, "results": [_anthropic(None, 7, 1300, 130)]}], "has_more": False, "next_page": None}


@pytest.mark.parametrize("grouped_first", [True, False], ids=["grouped-then-org", "org-then-grouped"])
def test_anthropic_org_report_beside_a_workspace_report_counts_once(tmp_path: Path, grouped_first: bool) -> None:
    store = tmp_path / "store"
    runs: list[dict[str, object]] = [{"grouped.json": A_GROUPED}, {"org.json": A_ORG}]
    for files in runs if grouped_first else runs[::-1]:
        doc = _run(tmp_path, store, files)
    assert _counts(doc) == (7, 1300, 130)
    # 1,300 input + 130 output = 1,430
    assert doc["reconciliation"]["by_provider"][0]["provider_tokens"] == 1430  # type: ignore[index]


def test_anthropic_org_report_alone_counts_fully(tmp_path: Path) -> None:
    assert _counts(_run(tmp_path, tmp_path / "store", {"org.json": A_ORG})) == (7, 1300, 130)


def _claude_code(customer_type: str, day: str = "2026-10-01") -> dict[str, object]:
    """A Claude Code Analytics report page: one developer's day, 50 input and 20 output tokens."""
    return {"data": [{
        "date": f"{day}T00:00:00Z", "actor": {"type": "user_actor", "email_address": "dev@example.com"},
        "organization_id": "org-1", "customer_type": customer_type, "terminal_type": "vscode",
        "core_metrics": {"num_sessions": 1},
        "model_breakdown": [{"model": "claude-sonnet-4-5-20250929",
                             "tokens": {"input": 50, "output": 20, "cache_read": 0, "cache_creation": 0}}]}],
        "has_more": False, "next_page": None}


def test_a_claude_code_report_does_not_stand_in_for_the_org_usage_report(tmp_path: Path) -> None:
    """The Claude Code Analytics report's rows are grouped Anthropic buckets too, but of Claude Code's
    usage alone, not a breakdown of the org's Messages usage: beside them the org-wide usage report
    of the same day still counts (it was left out: 0 requests and the Claude Code tokens alone).
    A subscription customer's Claude Code usage is not in that report, so it adds to it."""
    doc = _run(tmp_path, tmp_path / "store", {"claude_code.json": _claude_code("subscription"), "org.json": A_ORG})
    # the org report's 7 requests, 1,300 input and 130 output, plus the Claude Code report's 0 requests
    # (it states none), 50 input and 20 output: 7, 1,350, 150
    assert _counts(doc) == (7, 1350, 150)


@pytest.mark.parametrize("usage", [A_ORG, A_GROUPED], ids=["org-wide", "grouped"])
@pytest.mark.parametrize("names", [("a_cc.json", "b_usage.json"), ("b_cc.json", "a_usage.json")],
                         ids=["claude-code-first", "usage-first"])
def test_an_api_customers_claude_code_report_is_inside_the_usage_report(
        tmp_path: Path, usage: dict[str, object], names: tuple[str, str]) -> None:
    """An API customer's Claude Code calls are Messages API calls on the organisation's keys, so the
    Messages usage report of the same day holds their tokens already (docs/formats-provider-exports.md):
    the day is the usage report's 7 requests, 1,300 input and 130 output (both pages sum to that),
    not 1,350 and 150 with the Claude Code report added. Twice, and in both file orders."""
    store = tmp_path / "store"
    files = {names[0]: _claude_code("api"), names[1]: usage}
    assert _counts(_run(tmp_path, store, files)) == (7, 1300, 130)
    assert _counts(_run(tmp_path, store, files)) == (7, 1300, 130)


def test_an_api_customers_claude_code_report_counts_where_no_usage_report_covers_it(tmp_path: Path) -> None:
    """Alone, or on a day the usage report does not cover (2026-10-02 against its 2026-10-01), the
    Claude Code report is the only source of its tokens and counts: 50 input and 20 output, no request."""
    assert _counts(_run(tmp_path, tmp_path / "alone", {"cc.json": _claude_code("API")})) == (0, 50, 20)
    doc = _run(tmp_path, tmp_path / "store", {"cc.json": _claude_code("api", "2026-10-02"), "usage.json": A_ORG})
    assert _counts(doc) == (7, 1350, 150)
