"""Claude fast mode (`usage.speed = "fast"`): read as service tier 'fast' and priced at its own price,
or, where no fast price is known for the model, at the standard rate with a warning that says so.

Expected money is worked out by hand from the price sheets, not by the engine:
  FAST = https://platform.claude.com/docs/en/build-with-claude/fast-mode#pricing: Opus 5 and 4.8 in
         fast mode $10 in / $50 out per 1M tokens (2x their $5 / $25), the prompt caching multipliers
         (0.1x read, 1.25x 5-minute write, 2x 1-hour write) on top (../shared/reference/
         pricing-caching-routing.md, the Anthropic tier row and "Multipliers stack").
  ANT  = https://docs.anthropic.com/en/docs/about-claude/pricing: Opus 4 $15 in / $75 out, read $1.50,
         5-minute write $18.75.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tests.pricing.anthropic_exports import claude_code_reply, console_usage_csv, json_report, usage_report_json

from llmcost.storage.store import Store

REAL = Path(__file__).parents[2].parent / "shared" / "real-samples" / "claude_code" / "ccusage"
SESSION = "9b2f0c1e-0000-4000-8000-00000000fa57"


def _reply(msg: str, speed: str | None, output: int, ts: str) -> str:
    usage: dict[str, object] = {
        "input_tokens": 1000, "cache_creation_input_tokens": 20000, "cache_read_input_tokens": 100000,
        "cache_creation": {"ephemeral_5m_input_tokens": 20000, "ephemeral_1h_input_tokens": 0},
        "output_tokens": output, "service_tier": "standard",
    }
    if speed is not None:
        usage["speed"] = speed
    return claude_code_reply(msg, "claude-opus-4-8", usage, ts, SESSION)


def test_a_fast_mode_reply_is_priced_at_the_fast_price(tmp_path: Path) -> None:
    logs = tmp_path / "projects" / "-home-dev-app"
    logs.mkdir(parents=True)
    # the same request twice, in fast mode (streamed: a partial snapshot, then the final one) and not
    (logs / f"{SESSION}.jsonl").write_text("\n".join([
        _reply("msg_fast", "fast", 1, "2026-11-10T09:00:00.000Z"),
        _reply("msg_fast", "fast", 4000, "2026-11-10T09:00:03.000Z"),
        _reply("msg_std", "standard", 4000, "2026-11-10T09:05:00.000Z"),
    ]) + "\n")
    doc = json_report(["--logs", str(tmp_path / "projects"), "--store", str(tmp_path / "s")])
    con = Store.open(tmp_path / "s").connect()
    tiers = dict(con.execute("SELECT event_id LIKE '%fast%', service_tier FROM usage").fetchall())
    con.close()
    assert tiers == {True: "fast", False: "standard"}
    # FAST: 1000 x $10 + 100000 x $1 + 20000 x $12.50 + 4000 x $50 = 0.01 + 0.1 + 0.25 + 0.2 = 0.56
    # ANT standard Opus 4.8 ($5, read $0.50, 5m write $6.25, $25): half of it, 0.28
    [row] = doc["by_provider_model"]
    assert row["requests"] == 2
    assert Decimal(row["cost_usd"]) == Decimal("0.84")
    assert doc["warnings"] == []


def test_an_anthropic_body_in_fast_mode_is_read_as_the_fast_tier(tmp_path: Path) -> None:
    body = {"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-opus-5", "content": [],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 100000, "output_tokens": 10000, "service_tier": "standard", "speed": "fast"}}
    (tmp_path / "app.jsonl").write_text(json.dumps({"timestamp": "2026-11-10T09:00:00Z", "response": body}) + "\n")
    doc = json_report(["--logs", str(tmp_path / "app.jsonl"), "--store", str(tmp_path / "s")])
    # FAST: 100000 x $10 + 10000 x $50 = 1.0 + 0.5
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("1.5")


def test_fast_mode_without_a_known_fast_price_is_priced_at_standard_with_a_warning(tmp_path: Path) -> None:
    # SOURCES.md: the ccusage fixtures hold one claude-opus-4-20250514 reply with speed "fast"
    # (input 200, cache read 20, cache write 50, output 75); Opus 4 has no fast-mode price
    doc = json_report(["--logs", str(REAL / "projects"), "--store", str(tmp_path / "s")])
    opus = next(r for r in doc["by_provider_model"] if r["model"] == "claude-opus-4-20250514")
    # ANT: 200 x $15 + 20 x $1.50 + 50 x $18.75 + 75 x $75 = 0.003 + 0.00003 + 0.0009375 + 0.005625
    assert Decimal(opus["cost_usd"]) == Decimal("0.0095925")
    [warning] = [w for w in doc["warnings"] if "claude-opus-4-20250514" in w]
    assert "1 request at service tier 'fast' priced at the standard rate" in warning
    assert "priority_factor" in warning

    prices = tmp_path / "prices.toml"
    prices.write_text('[[model]]\nprovider = "anthropic"\nmodel = "claude-opus-4-20250514"\npriority_factor = 2\n')
    doc = json_report(["--store", str(tmp_path / "s"), "--prices", str(prices)])
    opus = next(r for r in doc["by_provider_model"] if r["model"] == "claude-opus-4-20250514")
    assert Decimal(opus["cost_usd"]) == Decimal("0.019185")
    assert not [w for w in doc["warnings"] if "claude-opus-4-20250514" in w]


def test_usage_exports_of_fast_mode_are_priced_at_the_fast_price(tmp_path: Path) -> None:
    # the same day's fast-mode usage of Opus 4.8 as the Console's CSV export and the Admin API's usage
    # report (grouped by speed), each read alone: FAST 1,000,000 x $10 + 100,000 x $50 = 10 + 5
    csv = console_usage_csv(tmp_path / "csv", "claude-opus-4-8", 1000000, 100000, geo="global", speed="fast")
    report = usage_report_json(tmp_path / "api", "claude-opus-4-8", 1000000, 100000, geo="global", speed="fast")
    for src in (csv.parent, report.parent):
        doc = json_report(["--logs", str(src), "--store", str(tmp_path / f"s-{src.name}")])
        assert Decimal(doc["totals"]["cost_usd"]) == Decimal("15"), src.name
        assert doc["warnings"] == []
