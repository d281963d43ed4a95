"""US-only inference (`usage.inference_geo = "us"`, Claude Opus 4.6 and later) is stored as
`inference_geo` and priced 1.1x on every token price, as Anthropic bills it; `global` and
`not_available` (a model before Opus 4.6) are the standard price.

Expected money is worked out by hand from the price sheets, not by the engine:
  ANT = https://platform.claude.com/docs/en/about-claude/pricing: Opus 4.6 $5 in, $6.25 5-minute
        write, $0.50 cache read, $25 out; Opus 4.8 $5 in / $25 out (per 1M tokens).
  GEO = ../shared/reference/pricing-caching-routing.md A.2 ("Anthropic data-residency 1.1x
        (inference_geo, Claude 4.6+)") and B ("Multipliers stack with the Batch 50% discount, data
        residency (1.1x) and fast mode"); https://platform.claude.com/docs/en/manage-claude/data-residency.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tests.pricing.anthropic_exports import claude_code_reply, console_usage_csv, json_report, usage_report_json

from llmcost.pricing import load_catalog
from llmcost.pricing.engine import attach_costs
from llmcost.storage.store import Store


def _reply(n: int, geo: str) -> str:
    usage = {"input_tokens": 1000, "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 1000,
             "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 0},
             "output_tokens": 500, "service_tier": "standard", "inference_geo": geo}
    return claude_code_reply(f"msg_{n}", "claude-opus-4-6", usage, f"2026-11-20T10:0{n}:00.000Z", "s-geo")


def test_us_only_inference_costs_a_tenth_more_in_claude_code(tmp_path: Path) -> None:
    logs = tmp_path / "projects" / "-home-dev-app"
    logs.mkdir(parents=True)
    (logs / "s-geo.jsonl").write_text("\n".join(_reply(n, g) for n, g in enumerate(("us", "global", "not_available")))
                                      + "\n")
    doc = json_report(["--logs", str(tmp_path / "projects"), "--store", str(tmp_path / "s")])
    # ANT: 1,000 x $5 + 2,000 x $0.50 + 1,000 x $6.25 + 500 x $25 = $0.02475 a reply; GEO: "us" x 1.1
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("0.027225") + 2 * Decimal("0.02475")
    con = Store.open(tmp_path / "s").connect()
    attach_costs(con, load_catalog())
    rows = con.execute("SELECT inference_geo, cost_usd, cost_cache_read_usd, cache_read_saving_usd, price_source "
                       "FROM priced_usage ORDER BY ts").fetchall()
    assert [(g, c) for g, c, *_ in rows] == [
        ("us", Decimal("0.027225")), ("global", Decimal("0.02475")), ("not_available", Decimal("0.02475"))]
    # every token price is scaled, cache reads and the cache saving included: 2,000 x $0.55, 2,000 x $4.95
    assert rows[0][2:4] == (Decimal("0.0011"), Decimal("0.0099"))
    assert rows[0][4].endswith("; inference_geo us x1.10") and "inference_geo" not in rows[1][4]


def test_a_messages_body_and_the_usage_exports_price_us_inference(tmp_path: Path) -> None:
    body = {"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-opus-4-8", "content": [],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 1000000, "output_tokens": 100000, "service_tier": "standard",
                      "inference_geo": "us"}}
    (tmp_path / "body").mkdir()
    (tmp_path / "body" / "app.jsonl").write_text(
        json.dumps({"timestamp": "2026-11-10T09:00:00Z", "response": body}) + "\n")
    csv = console_usage_csv(tmp_path / "csv", "claude-opus-4-8", 1000000, 100000, geo="us", speed="")
    report = usage_report_json(tmp_path / "api", "claude-opus-4-8", 1000000, 100000, geo="us", speed=None)
    for src in (tmp_path / "body", csv.parent, report.parent):
        doc = json_report(["--logs", str(src), "--store", str(tmp_path / f"s-{src.name}")])
        # ANT: 1,000,000 x $5 + 100,000 x $25 = $7.50; GEO: x 1.1
        assert Decimal(doc["totals"]["cost_usd"]) == Decimal("8.25"), src.name
