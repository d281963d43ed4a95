"""Reconciliation: provider aggregates + billed costs + request logs for the same days count money once.

The store holds, for provider anthropic:
- a usage report (grain bucket), 1-day buckets for 2026-10-01..03, model claude-sonnet-4-5-20250929,
  standard tier: 100,000 uncached input + 20,000 output tokens a day;
- a cost report for 10-01 and 10-02 only (cents): 10-01 input 30.00 + output 30.00 = $0.60;
  10-02 input 30.00 + output 36.00 = $0.66 (billed above list);
- request logs (anthropic_message_jsonl) for half the traffic: 5 requests a day of 10,000 input and
  2,000 output = 50,000 input + 10,000 output a day.

By hand, from Anthropic's price sheet for Claude Sonnet 4.5 ($3 / MTok input, $15 / MTok output):
the estimate of a day's volume is 0.1 x 3 + 0.02 x 15 = $0.30 + $0.30 = $0.60. Money per day: 10-01
billed $0.60 (gap 0), 10-02 billed $0.66 (gap -$0.06), 10-03 no cost export -> estimated $0.60.
Money total $1.86, never plus the request logs' $0.30 a day. Coverage = 60,000 / 120,000 = 0.5.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

MODEL = "claude-sonnet-4-5-20250929"
DAYS = ("2026-10-01", "2026-10-02", "2026-10-03")


def _usage_report() -> dict:
    buckets = []
    for d, nxt in zip(DAYS, ("2026-10-02", "2026-10-03", "2026-10-04"), strict=True):
        buckets.append(
            {
                "starting_at": f"{d}T00:00:00Z",
                "ending_at": f"{nxt}T00:00:00Z",
                "results": [
                    {
                        "uncached_input_tokens": 100000,
                        "cache_read_input_tokens": 0,
                        "output_tokens": 20000,
                        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                        "server_tool_use": {"web_search_requests": 0},
                        "api_key_id": "apikey_01",
                        "workspace_id": "wrkspc_01",
                        "model": MODEL,
                        "service_tier": "standard",
                        "context_window": "0-200k",
                    }
                ],
            }
        )
    return {"data": buckets, "has_more": False, "next_page": None}


def _cost_report() -> dict:
    def row(amount: str, tt: str, desc: str) -> dict:
        return {
            "currency": "USD",
            "amount": amount,
            "workspace_id": "wrkspc_01",
            "description": desc,
            "cost_type": "tokens",
            "model": MODEL,
            "service_tier": "standard",
            "context_window": "0-200k",
            "token_type": tt,
        }

    return {
        "data": [
            {
                "starting_at": "2026-10-01T00:00:00Z",
                "ending_at": "2026-10-02T00:00:00Z",
                "results": [
                    row("30.00", "uncached_input_tokens", "Claude Sonnet 4.5 Usage - Input Tokens"),
                    row("30.00", "output_tokens", "Claude Sonnet 4.5 Usage - Output Tokens"),
                ],
            },
            {
                "starting_at": "2026-10-02T00:00:00Z",
                "ending_at": "2026-10-03T00:00:00Z",
                "results": [
                    row("30.00", "uncached_input_tokens", "Claude Sonnet 4.5 Usage - Input Tokens"),
                    row("36.00", "output_tokens", "Claude Sonnet 4.5 Usage - Output Tokens"),
                ],
            },
        ],
        "has_more": False,
        "next_page": None,
    }


def _request_log() -> str:
    lines = []
    for d in DAYS:
        for i in range(5):
            lines.append(
                json.dumps(
                    {
                        "timestamp": f"{d}T1{i}:00:00Z",
                        "conversation_id": f"c-{d}-{i}",
                        "response": {
                            "id": f"msg_{d}_{i}",
                            "type": "message",
                            "role": "assistant",
                            "model": MODEL,
                            "content": [],
                            "usage": {
                                "input_tokens": 10000,
                                "cache_creation_input_tokens": 0,
                                "cache_read_input_tokens": 0,
                                "output_tokens": 2000,
                                "service_tier": "standard",
                            },
                        },
                    }
                )
            )
    return "\n".join(lines) + "\n"


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    (src / "usage_report.json").write_text(json.dumps(_usage_report()))
    (src / "cost_report.json").write_text(json.dumps(_cost_report()))
    (src / "requests.jsonl").write_text(_request_log())
    result = load([src], tmp_path / "store")
    by_name = {Path(f.path).name: f.ingestor for f in result.files}
    assert by_name == {
        "usage_report.json": "anthropic_usage_report_json",
        "cost_report.json": "anthropic_cost_report_json",
        "requests.jsonl": "anthropic_message_jsonl",
    }
    return tmp_path / "store"


def test_money_usage_marks_request_rows_covered_by_buckets(store: Path) -> None:
    from llmcost.document.reconcile import money_usage

    con = Store.open(store).connect()
    money_usage(con)
    rows = con.execute(
        """SELECT CAST(day AS VARCHAR), grain, money_basis,
                  bool_and(counts_for_tokens), bool_and(counts_for_money),
                  count(*)
           FROM money_usage GROUP BY ALL ORDER BY 1, 2"""
    ).fetchall()
    assert rows == [
        ("2026-10-01", "bucket", "billed", True, False, 1),
        ("2026-10-01", "request", "billed", False, False, 5),
        ("2026-10-02", "bucket", "billed", True, False, 1),
        ("2026-10-02", "request", "billed", False, False, 5),
        ("2026-10-03", "bucket", "bucket", True, True, 1),
        ("2026-10-03", "request", "bucket", False, False, 5),
    ]


def test_reconcile_counts_money_once_with_coverage_and_gap(store: Path) -> None:
    from llmcost.document.reconcile import money_total, reconcile

    con = Store.open(store).connect()
    frame = reconcile(con)
    got = {str(r["day"]): r for r in frame.iter_rows(named=True)}
    assert set(got) == set(DAYS)
    assert [got[d]["money_basis"] for d in DAYS] == ["billed", "billed", "bucket"]
    assert got["2026-10-01"]["billed_usd"] == Decimal("0.60")
    assert got["2026-10-02"]["billed_usd"] == Decimal("0.66")
    assert got["2026-10-03"]["billed_usd"] is None
    for d in DAYS:
        assert got[d]["estimated_usd"] == Decimal("0.60"), d
        assert got[d]["provider_tokens"] == 120000
        assert got[d]["request_tokens"] == 60000
        assert got[d]["coverage"] == pytest.approx(0.5)
    assert got["2026-10-01"]["gap_usd"] == Decimal("0")
    assert got["2026-10-02"]["gap_usd"] == Decimal("-0.06")
    assert got["2026-10-03"]["gap_usd"] is None
    assert [got[d]["money_usd"] for d in DAYS] == [Decimal("0.60"), Decimal("0.66"), Decimal("0.60")]
    assert money_total(frame) == Decimal("1.86")
