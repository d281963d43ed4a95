"""Answers a gateway served from its own response cache: no provider call, so $0 exactly, priced
(never unpriced), and no request, token or cost in the spend figures; the report counts them apart.

Expected figures are worked out by hand from OpenAI's published gpt-4o price ($2.50 input, $10
output per 1M tokens, https://platform.openai.com/docs/pricing): 1,000 input + 100 output tokens
= 1000 * 2.50 / 1e6 + 100 * 10 / 1e6 = 0.0025 + 0.001 = $0.0035.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.pricing import attach_costs, load_catalog

runner = CliRunner()
ONE_CALL = Decimal("0.0035")  # by hand, above


def _litellm(request_id: str, spend: float, cache_hit: str) -> dict[str, Any]:
    """One LiteLLM /spend/logs/v2 row (formats-request-logs.md section 1)."""
    return {
        "request_id": request_id, "call_type": "acompletion", "model": "gpt-4o-2024-08-06",
        "custom_llm_provider": "openai", "spend": spend, "total_tokens": 1100, "prompt_tokens": 1000,
        "completion_tokens": 100, "startTime": "2026-10-05T09:00:00+00:00", "endTime": "2026-10-05T09:00:01+00:00",
        "metadata": {}, "cache_hit": cache_hit, "session_id": "s1", "status": "success",
    }


def _portkey(i: int, model: str, cache_status: str) -> dict[str, Any]:
    """One Portkey logs-export line (docs/formats-request-logs.md, portkey_logs_export_jsonl)."""
    return {
        "id": f"pk-{i}", "created_at": "2026-10-05T10:00:00Z", "ai_org": "openai", "ai_model": model,
        "req_units": 1000, "res_units": 100, "total_units": 1100, "cost": 0, "cost_currency": "USD",
        "is_success": 1, "response_status_code": 200, "cache_status": cache_status, "mode": "single",
    }


def _report(logs: Path, store: Path) -> dict[str, Any]:
    res = runner.invoke(app, ["--logs", str(logs), "--store", str(store), "--no-forecast", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = json.loads(res.stdout)
    return doc


def test_litellm_cache_hit_is_free_and_not_a_request(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    page = {"data": [_litellm("chatcmpl-1", 0.0123, "False"),
                     _litellm("chatcmpl-1_cache_hit1790000000", 0.0, "True")],
            "total": 2, "page": 1, "page_size": 50, "total_pages": 1}
    (logs / "spend.json").write_text(json.dumps(page) + "\n")
    doc = _report(logs, tmp_path / "store")
    # both rows are stored (nothing read is lost) ...
    assert (doc["ingest"]["rows_read"], doc["ingest"]["rows_stored"]) == (2, 2)
    # ... but only the first was a provider call
    t = doc["totals"]
    assert (t["requests"], t["input_tokens"], t["output_tokens"]) == (1, 1000, 100)
    assert Decimal(t["cost_usd"]) == ONE_CALL
    assert t["unpriced_requests"] == 0
    assert t["response_cache_hits"] == 1
    [m] = doc["by_provider_model"]
    assert (m["model_key"], m["requests"], Decimal(m["cost_usd"])) == ("gpt-4o", 1, ONE_CALL)
    assert [(d["requests"], Decimal(d["cost_usd"])) for d in doc["by_day"]] == [(1, ONE_CALL)]
    # the same again: re-reading the file changes no total
    again = _report(logs, tmp_path / "store")
    assert again["totals"] == t


def test_portkey_cache_hits_of_an_unknown_model_are_not_unpriced(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    lines = [_portkey(1, "gpt-4o-2024-08-06", "MISS"), _portkey(2, "gpt-4o-2024-08-06", "HIT"),
             _portkey(3, "no-such-model-xyz", "SEMANTIC HIT")]
    (logs / "portkey.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    doc = _report(logs, tmp_path / "store")
    t = doc["totals"]
    assert (t["requests"], t["input_tokens"], t["output_tokens"]) == (1, 1000, 100)
    assert Decimal(t["cost_usd"]) == ONE_CALL
    assert (t["unpriced_requests"], t["response_cache_hits"]) == (0, 2)
    assert doc["unpriced"] == []  # a model seen only in cache answers needs no price


def test_priced_view_of_a_cache_hit(make_usage: Any) -> None:
    hit = {"ts": "2026-10-05T09:00:00Z", "provider": "openai", "input_tokens": 1000, "output_tokens": 100,
           "web_search_calls": 2, "response_cache_hit": True}
    con = make_usage([
        {"event_id": "call", "ts": "2026-10-05T09:00:00Z", "provider": "openai", "model": "gpt-4o-2024-08-06",
         "input_tokens": 1000, "output_tokens": 100, "response_cache_hit": False},
        {**hit, "event_id": "hit", "model": "gpt-4o-2024-08-06"},
        {**hit, "event_id": "hit-unknown", "model": "no-such-model-xyz"},
    ])
    summary = attach_costs(con, load_catalog())
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT event_id, priced, cost_usd, cost_input_usd, cost_server_tools_usd, request_count, input_tokens, "
        "output_tokens, web_search_calls FROM priced_usage").fetchall()}
    assert got["call"] == (True, ONE_CALL, Decimal("0.0025"), 0, 1, 1000, 100, None)
    zero = Decimal(0)
    assert got["hit"] == (True, zero, zero, zero, 0, 0, 0, 0)
    assert got["hit-unknown"] == (True, zero, zero, zero, 0, 0, 0, 0)
    assert summary.unpriced == () and summary.unpriced_rows == 0
    # the stored rows keep what the log said
    assert con.execute("SELECT sum(input_tokens) FROM usage").fetchone() == (3000,)
