"""Server-tool fees (issue 16): web searches the logs state are priced per call, apart from tokens,
shown on their own line, and unpriced (never $0) when no price is known.

The bodies below have the shapes the providers return (Anthropic `usage.server_tool_use`, in
anthropics/anthropic-sdk-python `types/server_tool_usage.py`; OpenAI Responses `web_search_call`
output items, openai-python `types/responses/response_function_web_search.py`); the real samples in
/work/shared/real-samples carry no server-tool use. Expected costs are worked out by hand from:
  ANT = https://docs.anthropic.com/en/docs/about-claude/pricing: Claude Haiku 4.5 $1 / $5, Sonnet 4.5 $3 input / $15
        output per 1M tokens; web search $10 per 1,000 searches. Web fetch: no per-call fee
        (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-fetch-tool).
  OAI = https://platform.openai.com/docs/pricing: gpt-4.1 $2 / $8, gpt-4.1-nano $0.10 / $0.40 per 1M;
        "Built-in tools": web search $10.00 per 1,000 calls (gpt-4.1-nano does not offer the tool, so
        no catalog prices its searches).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llmcost.document.analysis import ReportOptions, build_report
from llmcost.ingest.loader import load
from llmcost.report import render

ANTHROPIC = {
    "timestamp": "2025-10-10T12:00:00Z", "conversation_id": "c-1",
    "response": {
        "id": "msg_ws1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "x"}},
                    {"type": "text", "text": "..."}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 2000, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                  "output_tokens": 500, "service_tier": "standard",
                  "server_tool_use": {"web_search_requests": 3, "web_fetch_requests": 2}},
    },
}


def _response(rid: str, model: str, searches: int, inp: int, out: int) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"type": "web_search_call", "id": f"ws_{rid}_{i}", "status": "completed",
         "action": {"type": "search", "query": "llm prices"}} for i in range(searches)]
    items.append({"type": "message", "id": f"msg_{rid}", "role": "assistant", "status": "completed",
                  "content": [{"type": "output_text", "text": "...", "annotations": []}]})
    return {"ts": "2025-10-10T13:00:00Z", "session_id": f"s-{rid}", "response": {
        "id": f"resp_{rid}", "object": "response", "created_at": 1760101200, "model": model, "status": "completed",
        "output": items,
        "usage": {"input_tokens": inp, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": out,
                  "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": inp + out}}}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    logs = tmp_path_factory.mktemp("logs")
    (logs / "claude.jsonl").write_text(json.dumps(ANTHROPIC) + "\n")
    (logs / "openai.jsonl").write_text(
        json.dumps(_response("a", "gpt-4.1-2025-04-14", 2, 10_000, 1_000)) + "\n"
        + json.dumps(_response("b", "gpt-4.1-nano-2025-04-14", 1, 1_000, 100)) + "\n")
    root = tmp_path_factory.mktemp("store") / "store"
    load([logs], root)
    return root


def _doc(store: Path, prices: Path | None = None) -> dict[str, Any]:
    return build_report(ReportOptions(store=store, prices_file=prices, forecast=False))


def _models(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["model"]: m for m in doc["by_provider_model"]}


def test_web_searches_are_priced_per_call_on_their_own_line(store: Path) -> None:
    doc = _doc(store)
    t = doc["totals"]
    m = _models(doc)
    # ANT: 3 searches * $10 / 1000 = 0.03 (the 2 fetches cost nothing per call); tokens
    # 2000*3/1e6 + 500*15/1e6 = 0.006 + 0.0075 = 0.0135; with the fee 0.0435
    claude = m["claude-sonnet-4-5-20250929"]
    assert claude["web_search_calls"] == 3
    assert claude["server_tools_cost_usd"] == Decimal("0.03")
    assert claude["cost_usd"] == Decimal("0.0435")
    # OAI: 2 calls * $10 / 1000 = 0.02; tokens 10000*2/1e6 + 1000*8/1e6 = 0.02 + 0.008 = 0.028; 0.048
    gpt = m["gpt-4.1-2025-04-14"]
    assert (gpt["web_search_calls"], gpt["server_tools_cost_usd"], gpt["cost_usd"]) == (
        2, Decimal("0.02"), Decimal("0.048"))
    # OAI nano: no price for its search, so the fee is unpriced (left out, not $0): tokens only,
    # 1000*0.10/1e6 + 100*0.40/1e6 = 0.0001 + 0.00004 = 0.00014
    nano = m["gpt-4.1-nano-2025-04-14"]
    assert (nano["web_search_calls"], nano["unpriced_web_search_calls"]) == (1, 1)
    assert nano["server_tools_cost_usd"] == 0 and nano["cost_usd"] == Decimal("0.00014")
    # totals: 6 searches, fees 0.03 + 0.02 = 0.05, one unpriced; cost 0.0435 + 0.048 + 0.00014
    assert (t["web_search_calls"], t["server_tools_cost_usd"], t["unpriced_web_search_calls"]) == (
        6, Decimal("0.05"), 1)
    assert t["cost_usd"] == Decimal("0.09164")
    [w] = [w for w in doc["warnings"] if "web search" in w]
    assert w.startswith("gpt-4.1-nano-2025-04-14 (openai): 1 web search has no known price")
    assert "web_search_per_1k" in w


def test_every_format_shows_the_server_tools_line(store: Path) -> None:
    doc = _doc(store)
    summary = render(doc, "table", width=200)
    assert "$0.0916 estimated (of which server tools $0.05: 6 web searches, 1 unpriced (left out))" in summary
    md = render(doc, "md")
    assert "server tools cost" in md and "unpriced web searches" in md
    totals_md = md.split("## Totals", 1)[1].split("##", 1)[0]
    row = [c.strip() for c in totals_md.strip().splitlines()[-1].strip("|").split("|")]
    assert row[-3:] == ["6", "$0.05", "1"]
    html = render(doc, "html")
    assert "server tools cost" in html and "unpriced web searches" in html
    full = render(doc, "table", width=250, full=True)
    assert "web searches" in full and "server tools cost" in full
    csv_text = render(doc, "csv", table_name="by_provider_model")
    assert "web_search_calls,server_tools_cost_usd,unpriced_web_search_calls" in csv_text.splitlines()[0]
    assert json.loads(render(doc, "json"))["totals"]["server_tools_cost_usd"] == "0.050000000000"


def test_override_prices_the_unpriced_searches(store: Path, tmp_path: Path) -> None:
    prices = tmp_path / "prices.toml"
    # OAI built-in tools: web search $10.00 per 1,000 calls, written for the model with no catalog price
    prices.write_text('[[model]]\nprovider = "openai"\nmodel = "gpt-4.1-nano"\nweb_search_per_1k = 10\n')
    doc = _doc(store, prices)
    nano = _models(doc)["gpt-4.1-nano-2025-04-14"]
    # 1 * 10 / 1000 = 0.01; with tokens 0.00014 -> 0.01014
    assert (nano["server_tools_cost_usd"], nano["unpriced_web_search_calls"], nano["cost_usd"]) == (
        Decimal("0.01"), 0, Decimal("0.01014"))
    t = doc["totals"]
    assert (t["server_tools_cost_usd"], t["unpriced_web_search_calls"]) == (Decimal("0.06"), 0)
    assert not [w for w in doc["warnings"] if "web search" in w]


def test_ingest_keeps_the_counts(store: Path) -> None:
    import duckdb

    con = duckdb.connect()
    rows = dict(con.execute(
        f"SELECT event_id, web_search_calls FROM read_parquet('{store}/**/*.parquet', union_by_name=true) "
        "WHERE event_id IS NOT NULL AND web_search_calls IS NOT NULL").fetchall())
    assert rows == {"msg_ws1": 3, "resp_a": 2, "resp_b": 1}
    (extra,) = con.execute(
        f"SELECT extra FROM read_parquet('{store}/**/*.parquet', union_by_name=true) WHERE event_id = 'msg_ws1'"
    ).fetchone()
    assert json.loads(extra)["web_fetch_requests"] == 2


def _cc_line(uuid: str, out: int, searches: int, ts: str) -> dict[str, Any]:
    return {"parentUuid": "u-0", "isSidechain": False, "userType": "external", "cwd": "/home/dev/shop",
            "sessionId": "5f1c2a9e-0000-4000-8000-0000000000ws", "version": "2.1.3",
            "message": {"id": "msg_cc", "type": "message", "role": "assistant", "model": "claude-haiku-4-5-20251001",
                        "content": [{"type": "text", "text": "..."}], "stop_reason": None,
                        "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                                  "output_tokens": out, "service_tier": "standard",
                                  "server_tool_use": {"web_search_requests": searches, "web_fetch_requests": 0}}},
            "requestId": "req_cc", "type": "assistant", "uuid": uuid, "timestamp": ts}


def test_claude_code_streamed_reply_keeps_its_final_search_count(tmp_path: Path) -> None:
    logs = tmp_path / "projects" / "shop"
    logs.mkdir(parents=True)
    (logs / "session.jsonl").write_text(
        json.dumps(_cc_line("u-1", 5, 0, "2025-11-02T08:00:05.000Z")) + "\n"
        + json.dumps(_cc_line("u-2", 300, 2, "2025-11-02T08:00:06.000Z")) + "\n")
    load([tmp_path / "projects"], tmp_path / "store")
    doc = _doc(tmp_path / "store")
    [m] = doc["by_provider_model"]
    # ANT Haiku 4.5 $1 in / $5 out; one request, its lines' maximum: 10 in, 300 out, 2 searches.
    # 10*1/1e6 + 300*5/1e6 = 0.00001 + 0.0015 = 0.00151; fee 2 * 10 / 1000 = 0.02; 0.02151
    assert (m["requests"], m["web_search_calls"]) == (1, 2)
    assert (m["server_tools_cost_usd"], m["cost_usd"]) == (Decimal("0.02"), Decimal("0.02151"))


def test_focus_export_has_web_search_rows(store: Path, tmp_path: Path) -> None:
    import csv

    from llmcost.document.focus_export import export_focus

    out = tmp_path / "focus.csv"
    export_focus(ReportOptions(store=store, forecast=False), out)
    with out.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["x_Scenario"] == "actual"]
    ws = {r["ResourceId"]: r for r in rows if r["x_TokenKind"] == "web_search"}
    # the priced searches only: 3 on Sonnet 4.5 ($0.03), 2 on gpt-4.1 ($0.02), both $10 per 1,000
    assert set(ws) == {"claude-sonnet-4-5-20250929", "gpt-4.1-2025-04-14"}
    sonnet = ws["claude-sonnet-4-5-20250929"]
    assert (sonnet["ConsumedQuantity"], Decimal(sonnet["EffectiveCost"])) == ("3", Decimal("0.03"))
    assert Decimal(ws["gpt-4.1-2025-04-14"]["ListUnitPrice"]) == Decimal("10")
    assert ws["gpt-4.1-2025-04-14"]["PricingUnit"] == "1K Web searches"
    # estimates: no invoice states them (BilledCost 0); every priced dollar is in the export once:
    # tokens + fees = 0.0435 + 0.048 + 0.00014
    assert all(Decimal(r["BilledCost"]) == 0 for r in rows)
    assert sum(Decimal(r["EffectiveCost"]) for r in rows) == Decimal("0.09164")


def test_prices_command_shows_the_web_search_fee() -> None:
    from typer.testing import CliRunner

    from llmcost.cli import app

    # ANT: web search $10 per 1,000 searches
    out = CliRunner().invoke(app, ["prices", "claude-sonnet-4-5", "--provider", "anthropic"]).output
    assert "  web search: 10 per 1,000 searches, any tier (genai-prices 0.2.3: anthropic/claude-sonnet-4-5)" in out
    # OAI: gpt-4.1-nano has no search price: no line (nothing invented)
    assert "web search" not in CliRunner().invoke(app, ["prices", "gpt-4.1-nano"]).output


def test_swap_compares_token_cost_only(store: Path) -> None:
    from typer.testing import CliRunner

    from llmcost.cli import app

    res = CliRunner().invoke(app, ["swap", "claude-sonnet-4-5-20250929", "--store", str(store), "--format", "json"])
    assert res.exit_code == 0, res.output
    by = {m["model"]: m for m in json.loads(res.stdout)["by_model"]}
    # ANT: the logged Sonnet 4.5 reply re-priced on itself: tokens only on both sides, 0.0135 (the
    # 3 searches' $0.03 is a tool fee a swap leaves as it is, so it is no "saving")
    sonnet = by["claude-sonnet-4-5-20250929"]
    assert Decimal(sonnet["cost_usd"]) == Decimal(sonnet["swapped_usd"]) == Decimal("0.0135")
