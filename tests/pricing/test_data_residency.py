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

from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.pricing import load_catalog
from llmcost.pricing.engine import attach_costs
from llmcost.storage.store import Store


def _reply(n: int, geo: str) -> str:
    usage = {"input_tokens": 1000, "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 1000,
             "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 0},
             "output_tokens": 500, "service_tier": "standard", "inference_geo": geo}
    return json.dumps({
        "parentUuid": None, "isSidechain": False, "cwd": "/home/dev/app", "sessionId": "s-geo", "version": "2.1.200",
        "type": "assistant", "uuid": f"u{n}", "timestamp": f"2026-11-20T10:0{n}:00.000Z", "requestId": f"req_{n}",
        "message": {"id": f"msg_{n}", "type": "message", "role": "assistant", "model": "claude-opus-4-6",
                    "content": [], "stop_reason": "end_turn", "usage": usage},
    }, separators=(",", ":"))


def _report(args: list[str]) -> dict:
    res = CliRunner().invoke(app, [*args, "--format", "json", "--no-forecast"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_us_only_inference_costs_a_tenth_more_in_claude_code(tmp_path: Path) -> None:
    logs = tmp_path / "projects" / "-home-dev-app"
    logs.mkdir(parents=True)
    (logs / "s-geo.jsonl").write_text("\n".join(_reply(n, g) for n, g in enumerate(("us", "global", "not_available")))
                                      + "\n")
    doc = _report(["--logs", str(tmp_path / "projects"), "--store", str(tmp_path / "s")])
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
    csv = tmp_path / "csv" / "claude_api_tokens_2026_11_10_to_2026_11_10.csv"
    csv.parent.mkdir()
    csv.write_text(
        "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,"
        "usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,"
        "usage_output_tokens,web_search_count,inference_geo,speed\n"
        "2026-11-10,claude-opus-4-8,prod-key,Default,standard,all,1000000,0,0,0,100000,0,us,\n"
    )
    report = tmp_path / "api" / "usage_report.json"
    report.parent.mkdir()
    report.write_text(json.dumps({"data": [{
        "starting_at": "2026-11-10T00:00:00Z", "ending_at": "2026-11-11T00:00:00Z",
        "results": [{"uncached_input_tokens": 1000000, "cache_read_input_tokens": 0, "output_tokens": 100000,
                     "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                     "api_key_id": "apikey_01", "workspace_id": None, "model": "claude-opus-4-8",
                     "service_tier": "standard", "context_window": "0-1m", "inference_geo": "us",
                     "speed": None}]}], "has_more": False, "next_page": None}))
    for src in (tmp_path / "body", csv.parent, report.parent):
        doc = _report(["--logs", str(src), "--store", str(tmp_path / f"s-{src.name}")])
        # ANT: 1,000,000 x $5 + 100,000 x $25 = $7.50; GEO: x 1.1
        assert Decimal(doc["totals"]["cost_usd"]) == Decimal("8.25"), src.name
