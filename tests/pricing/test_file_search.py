"""Server-tool fees (issue 16), file search: OpenAI Responses `file_search_call` output items are
counted at ingest (file_search_calls), priced per call into cost_server_tools_usd beside web
search, and unpriced (never $0) when no price is known.

The bodies have the shape the Responses API returns (openai-python
`types/responses/response_file_search_tool_call.py`: id, type "file_search_call", status, queries,
results; `response_function_web_search.py` for the web search item); the real samples in
/work/shared/real-samples carry no server-tool use. Expected costs are worked out by hand from:
  OAI = https://platform.openai.com/docs/pricing: gpt-4.1 $2 input / $8 output per 1M tokens,
        gpt-4.1-nano $0.10 / $0.40 per 1M; "Built-in tools": file search $2.50 per 1,000 tool calls,
        web search $10.00 per 1,000 calls. The catalog (genai-prices 0.2.3) carries the file-search
        fee as `storage_searches_kcount` = 2.5 on gpt-4.1 but on no gpt-4.1-nano entry, so nano's
        file searches are the unpriced case (the override test then prices them from OAI).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llmcost.document.analysis import ReportOptions, build_report
from llmcost.ingest.loader import load
from llmcost.report import render


def _response(rid: str, model: str, files: int, webs: int, inp: int, out: int) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"id": f"fs_{rid}_{i}", "type": "file_search_call", "status": "completed",
         "queries": ["refund policy"], "results": None} for i in range(files)]
    items += [{"id": f"ws_{rid}_{i}", "type": "web_search_call", "status": "completed",
               "action": {"type": "search", "query": "refund law"}} for i in range(webs)]
    items.append({"id": f"msg_{rid}", "type": "message", "role": "assistant", "status": "completed",
                  "content": [{"type": "output_text", "text": "...", "annotations": []}]})
    return {"ts": "2025-10-10T13:00:00Z", "session_id": f"s-{rid}", "response": {
        "id": f"resp_{rid}", "object": "response", "created_at": 1760101200, "model": model, "status": "completed",
        "tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}],
        "output": items,
        "usage": {"input_tokens": inp, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": out,
                  "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": inp + out}}}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    logs = tmp_path_factory.mktemp("logs")
    (logs / "openai.jsonl").write_text(
        json.dumps(_response("a", "gpt-4.1-2025-04-14", 3, 1, 10_000, 1_000)) + "\n"
        + json.dumps(_response("b", "gpt-4.1-nano-2025-04-14", 2, 0, 1_000, 100)) + "\n")
    root = tmp_path_factory.mktemp("store") / "store"
    load([logs], root)
    return root


def _doc(store: Path, prices: Path | None = None) -> dict[str, Any]:
    return build_report(ReportOptions(store=store, prices_file=prices, forecast=False))


def _models(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["model"]: m for m in doc["by_provider_model"]}


def test_ingest_counts_file_search_calls(store: Path) -> None:
    import duckdb

    rows = dict(duckdb.connect().execute(
        f"SELECT event_id, file_search_calls FROM read_parquet('{store}/**/*.parquet', union_by_name=true) "
        "WHERE event_id IS NOT NULL").fetchall())
    assert rows == {"resp_a": 3, "resp_b": 2}


def test_file_searches_are_priced_per_call_beside_web_search(store: Path) -> None:
    doc = _doc(store)
    gpt = _models(doc)["gpt-4.1-2025-04-14"]
    # OAI tokens 10,000 * 2 / 1e6 + 1,000 * 8 / 1e6 = 0.028; file search 3 * 2.50 / 1,000 = 0.0075;
    # web search 1 * 10 / 1,000 = 0.01; server tools 0.0175; cost 0.0455
    assert (gpt["file_search_calls"], gpt["web_search_calls"], gpt["unpriced_file_search_calls"]) == (3, 1, 0)
    assert (gpt["server_tools_cost_usd"], gpt["cost_usd"]) == (Decimal("0.0175"), Decimal("0.0455"))
    nano = _models(doc)["gpt-4.1-nano-2025-04-14"]
    # tokens 1,000 * 0.10 / 1e6 + 100 * 0.40 / 1e6 = 0.00014; the 2 file searches have no price: left out
    assert (nano["file_search_calls"], nano["unpriced_file_search_calls"]) == (2, 2)
    assert (nano["server_tools_cost_usd"], nano["cost_usd"]) == (Decimal("0"), Decimal("0.00014"))
    t = doc["totals"]
    assert (t["file_search_calls"], t["unpriced_file_search_calls"], t["web_search_calls"]) == (5, 2, 1)
    assert (t["server_tools_cost_usd"], t["cost_usd"]) == (Decimal("0.0175"), Decimal("0.04564"))
    [w] = [w for w in doc["warnings"] if "file search" in w]
    assert w.startswith("gpt-4.1-nano-2025-04-14 (openai): 2 file searches have no known price")
    assert "file_search_per_1k" in w


def test_every_format_shows_the_file_searches(store: Path) -> None:
    doc = _doc(store)
    summary = render(doc, "table", width=200)
    assert "(of which server tools $0.0175: 1 web search; 5 file searches, 2 unpriced (left out))" in summary
    md = render(doc, "md")
    totals_md = md.split("## Totals", 1)[1].split("##", 1)[0]
    header = [c.strip() for c in totals_md.strip().splitlines()[-3].strip("|").split("|")]
    row = [c.strip() for c in totals_md.strip().splitlines()[-1].strip("|").split("|")]
    got = dict(zip(header, row, strict=True))
    assert (got["file searches"], got["server tools cost"], got["unpriced file searches"]) == ("5", "$0.0175", "2")
    assert "file searches" in render(doc, "html")
    csv_text = render(doc, "csv", table_name="by_provider_model")
    assert "file_search_calls,unpriced_file_search_calls" in csv_text.splitlines()[0]
    assert json.loads(render(doc, "json"))["totals"]["file_search_calls"] == 5


def test_override_prices_the_unpriced_file_searches(store: Path, tmp_path: Path) -> None:
    prices = tmp_path / "prices.toml"
    # OAI built-in tools: file search $2.50 per 1,000 tool calls, for the model the catalog leaves unpriced
    prices.write_text('[[model]]\nprovider = "openai"\nmodel = "gpt-4.1-nano"\nfile_search_per_1k = 2.50\n')
    doc = _doc(store, prices)
    nano = _models(doc)["gpt-4.1-nano-2025-04-14"]
    # 2 * 2.50 / 1,000 = 0.005; with tokens 0.00014 -> 0.00514
    assert (nano["server_tools_cost_usd"], nano["unpriced_file_search_calls"], nano["cost_usd"]) == (
        Decimal("0.005"), 0, Decimal("0.00514"))
    t = doc["totals"]
    assert (t["server_tools_cost_usd"], t["unpriced_file_search_calls"]) == (Decimal("0.0225"), 0)
    assert not [w for w in doc["warnings"] if "file search" in w]


def test_focus_export_has_file_search_rows(store: Path, tmp_path: Path) -> None:
    from llmcost.document.focus_export import export_focus

    out = tmp_path / "focus.csv"
    export_focus(ReportOptions(store=store, forecast=False), out)
    with out.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["x_Scenario"] == "actual"]
    fs = {r["ResourceId"]: r for r in rows if r["x_TokenKind"] == "file_search"}
    ws = {r["ResourceId"]: r for r in rows if r["x_TokenKind"] == "web_search"}
    # only the priced calls: 3 file searches on gpt-4.1 at $2.50 per 1,000 = $0.0075, 1 web search $0.01
    assert set(fs) == {"gpt-4.1-2025-04-14"} and set(ws) == {"gpt-4.1-2025-04-14"}
    g = fs["gpt-4.1-2025-04-14"]
    assert (g["ConsumedQuantity"], Decimal(g["EffectiveCost"]), Decimal(g["ListUnitPrice"])) == (
        "3", Decimal("0.0075"), Decimal("2.5"))
    assert (g["PricingUnit"], g["ConsumedUnit"]) == ("1K File searches", "File searches")
    assert Decimal(ws["gpt-4.1-2025-04-14"]["EffectiveCost"]) == Decimal("0.01")
    # estimates: no invoice states them (BilledCost 0); every priced dollar is in the export once: 0.0455 + 0.00014
    assert all(Decimal(r["BilledCost"]) == 0 for r in rows)
    assert sum(Decimal(r["EffectiveCost"]) for r in rows) == Decimal("0.04564")


def test_prices_command_shows_the_file_search_fee() -> None:
    from typer.testing import CliRunner

    from llmcost.cli import app

    # OAI: file search $2.50 per 1,000 tool calls; the catalog's storage_searches_kcount says the same
    out = CliRunner().invoke(app, ["prices", "gpt-4.1", "--provider", "openai"]).output
    assert "  file search: 2.5 per 1,000 searches, any tier (genai-prices 0.2.3: openai/gpt-4.1)" in out
    # gpt-4.1-nano: no catalog price for file search, so no line (nothing invented)
    assert "file search" not in CliRunner().invoke(app, ["prices", "gpt-4.1-nano"]).output


def test_a_row_with_one_unpriced_tool_leaves_its_whole_fee_out(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "openai.jsonl").write_text(json.dumps(_response("m", "gpt-4.1-nano-2025-04-14", 2, 1, 1_000, 100)) + "\n")
    load([logs], tmp_path / "store")
    prices = tmp_path / "prices.toml"
    # web search priced by override (OAI $10 per 1,000), file search left without a price
    prices.write_text('[[model]]\nprovider = "openai"\nmodel = "gpt-4.1-nano"\nweb_search_per_1k = 10\n')
    doc = _doc(tmp_path / "store", prices)
    t = doc["totals"]
    # the row's fee is unpriced as a whole (never half a fee shown as complete): tokens only, 0.00014
    assert (t["server_tools_cost_usd"], t["unpriced_web_search_calls"], t["unpriced_file_search_calls"]) == (
        Decimal("0"), 1, 2)
    assert t["cost_usd"] == Decimal("0.00014")
    assert _models(doc)["gpt-4.1-nano-2025-04-14"]["priced"] is True
