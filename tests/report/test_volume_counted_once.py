"""Request logs beside the provider's own usage buckets for the same days: the report's spend,
tokens and requests count the buckets once, and the request rows only for behaviour.

The store of tests/ingest_exports/test_reconcile.py: an Anthropic usage report with one daily
bucket on 2026-10-01..03 (100,000 uncached input + 20,000 output tokens, claude-sonnet-4-5), a cost
report for 10-01 ($0.60) and 10-02 ($0.66), and request logs for half of that traffic (5 requests
a day of 10,000 input + 2,000 output, each its own conversation).

By hand, at Claude Sonnet 4.5's $3 / $15 per million tokens: a bucket day is 0.1 x 3 + 0.02 x 15 =
$0.60, so the window's estimate is 3 x $0.60 = $1.80 over 300,000 input and 60,000 output tokens;
the request rows ($0.09 each, 15 of them: $1.35) are inside those buckets. The headline read $2.70
and 450,000 input tokens (buckets plus logs) while the reconciliation counted $1.86 of money.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from llmcost.document.analysis import ReportOptions, build_report
from llmcost.ingest.loader import load
from tests.ingest_exports.test_reconcile import _cost_report, _request_log, _usage_report


@pytest.fixture()
def doc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("LLMCOST_TODAY", "2026-10-04")
    src = tmp_path / "in"
    src.mkdir()
    (src / "usage_report.json").write_text(json.dumps(_usage_report()))
    (src / "cost_report.json").write_text(json.dumps(_cost_report()))
    (src / "requests.jsonl").write_text(_request_log())
    load([src], tmp_path / "store")
    return build_report(ReportOptions(store=tmp_path / "store", forecast=False))


def test_totals_count_the_buckets_once(doc: dict) -> None:
    t = doc["totals"]
    assert t["cost_usd"] == Decimal("1.80")
    assert (t["input_tokens"], t["output_tokens"]) == (300_000, 60_000)
    assert t["billed_cost_usd"] == Decimal("1.26")
    # the usage report states no request count: the requests are not known, not the logs' 15
    assert t["requests_known"] is False


def test_every_spend_table_agrees_with_the_totals(doc: dict) -> None:
    assert [(r["model"], r["cost_usd"]) for r in doc["by_provider_model"]] == [
        ("claude-sonnet-4-5-20250929", Decimal("1.80"))]
    assert sum(r["cost_usd"] for r in doc["by_project"]) == Decimal("1.80")
    assert [r["cost_usd"] for r in doc["by_day"]] == [Decimal("0.60")] * 3
    assert sum(r["cost_usd"] for r in doc["daily"]) == Decimal("1.80")
    assert doc["spend"]["totals"]["cost_usd"] == Decimal("1.80")
    assert doc["compare"]["totals"]["current_cost_usd"] == Decimal("1.80")
    assert doc["compare"]["totals"]["current_tokens"] == 360_000


def test_the_request_logs_still_give_behaviour(doc: dict) -> None:
    # each logged request is its own conversation: 15 conversations of one turn
    assert [(r["turns"], r["conversations"]) for r in doc["conversations"]["lengths"]] == [(1, 15)]
    assert doc["reconciliation"]["days"][0]["coverage"] == pytest.approx(0.5)
