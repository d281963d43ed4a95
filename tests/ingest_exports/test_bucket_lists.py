"""A JSON array of buckets (the `data` of every page joined, without the page envelope) is read
like the pages it came from.

The OpenAI cookbook's usage notebook (openai/openai-cookbook `examples/completions_usage_api.ipynb`,
`get_data`) pages through the API with `all_data.extend(data_json.get("data", []))` and returns
that list, which is then printed or saved: a list of `{"object": "bucket", ...}`, no page. The
Anthropic Admin API pages have the same `data: [bucket]` envelope. Before, such a file was
detected as its format and read as pages that had no `data`: 0 rows read, no warning, exit 0.
The rows are made up; every total is worked out by hand in the comments.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

# Two OpenAI daily buckets (2026-10-01, 2026-10-02), old field set: input_tokens includes cached.
# Stored input = 1000 - 300 = 700 and 2000 - 0 = 2000 -> 2700; cached 300; output 200 + 400 = 600;
# requests 5 + 7 = 12.
OPENAI_BUCKETS = [
    {"object": "bucket", "start_time": 1790812800, "end_time": 1790899200, "results": [
        {"object": "organization.usage.completions.result", "input_tokens": 1000, "output_tokens": 200,
         "input_cached_tokens": 300, "num_model_requests": 5, "project_id": "proj_a", "user_id": None,
         "api_key_id": None, "model": "gpt-4o-mini-2024-07-18", "batch": None}]},
    {"object": "bucket", "start_time": 1790899200, "end_time": 1790985600, "results": []},
    {"object": "bucket", "start_time": 1790985600, "end_time": 1791072000, "results": [
        {"object": "organization.usage.completions.result", "input_tokens": 2000, "output_tokens": 400,
         "input_cached_tokens": 0, "num_model_requests": 7, "project_id": "proj_b", "user_id": None,
         "api_key_id": None, "model": "gpt-4o-2024-08-06", "batch": None}]},
]
# Two Anthropic daily buckets, grouped by model: input 100 + 50 = 150; cache read 10; 5m writes
# 20 + 1h writes 5 = 25 (1h part 5); output 30 + 40 = 70; no request count.
ANTHROPIC_BUCKETS = [
    {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z", "results": [
        {"uncached_input_tokens": 100, "cache_read_input_tokens": 10,
         "cache_creation": {"ephemeral_5m_input_tokens": 20, "ephemeral_1h_input_tokens": 5},
         "output_tokens": 30, "server_tool_use": {"web_search_requests": 0},
         "model": "claude-sonnet-4-5-20250929", "workspace_id": None, "api_key_id": None,
         "service_tier": None, "context_window": None}]},
    {"starting_at": "2026-10-02T00:00:00Z", "ending_at": "2026-10-03T00:00:00Z", "results": [
        {"uncached_input_tokens": 50, "cache_read_input_tokens": 0,
         "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
         "output_tokens": 40, "server_tool_use": {"web_search_requests": 0},
         "model": "claude-haiku-4-5-20251001", "workspace_id": None, "api_key_id": None,
         "service_tier": None, "context_window": None}]},
]
# OpenAI Costs API buckets: $1.50 + $0.25 on 2026-10-01, $2.00 on 2026-10-02 -> $3.75 from 3 rows.
OPENAI_COST_BUCKETS = [
    {"object": "bucket", "start_time": 1790812800, "end_time": 1790899200, "results": [
        {"object": "organization.costs.result", "amount": {"value": "1.50", "currency": "usd"},
         "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_a"},
        {"object": "organization.costs.result", "amount": {"value": 0.25, "currency": "usd"},
         "line_item": "gpt-4o-2024-08-06, output", "project_id": "proj_a"}]},
    {"object": "bucket", "start_time": 1790899200, "end_time": 1790985600, "results": [
        {"object": "organization.costs.result", "amount": {"value": "2.00", "currency": "usd"},
         "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_a"}]},
]
# Anthropic cost report buckets, cents: "150.00" + "225.50" = 375.50 cents = $3.755 from 2 rows.
ANTHROPIC_COST_BUCKETS = [
    {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z", "results": [
        {"currency": "USD", "amount": "150.00", "workspace_id": "wrkspc_01", "description": "input",
         "cost_type": "tokens", "model": "claude-sonnet-4-5-20250929", "token_type": "uncached_input_tokens"}]},
    {"starting_at": "2026-10-02T00:00:00Z", "ending_at": "2026-10-03T00:00:00Z", "results": [
        {"currency": "USD", "amount": "225.50", "workspace_id": "wrkspc_01", "description": "output",
         "cost_type": "tokens", "model": "claude-sonnet-4-5-20250929", "token_type": "output_tokens"}]},
]


def _load(tmp_path: Path, buckets: list[object]) -> tuple[Path, list[tuple[str, str | None, int]]]:
    f = tmp_path / "buckets.json"
    f.write_text(json.dumps(buckets, indent=2))
    store = tmp_path / "store"
    res = load([f], store)
    return store, [(r.status, r.ingestor, r.rows_read) for r in res.files]


@pytest.mark.parametrize(
    ("buckets", "ingestor", "expected"),
    [
        # rows, requests, input, cache read, cache write, 1h part, output
        (OPENAI_BUCKETS, "openai_usage_api_json", (2, 12, 2700, 300, 0, 0, 600)),
        (ANTHROPIC_BUCKETS, "anthropic_usage_report_json", (2, 0, 150, 10, 25, 5, 70)),
    ],
    ids=["openai", "anthropic"],
)
def test_usage_bucket_list_is_read(tmp_path: Path, buckets: list[object], ingestor: str,
                                   expected: tuple[int, ...]) -> None:
    store, files = _load(tmp_path, buckets)
    assert files == [("ingested", ingestor, expected[0])]
    con = Store.open(store).connect()
    got = con.execute(
        "SELECT count(*), sum(request_count), sum(input_tokens), sum(cache_read_tokens), "
        "sum(cache_write_tokens), sum(cache_write_1h_tokens), sum(output_tokens) FROM usage"
    ).fetchone()
    assert got == expected


@pytest.mark.parametrize(
    ("buckets", "ingestor", "rows", "billed"),
    [
        (OPENAI_COST_BUCKETS, "openai_costs_api_json", 3, Decimal("3.75")),
        (ANTHROPIC_COST_BUCKETS, "anthropic_cost_report_json", 2, Decimal("3.755")),
    ],
    ids=["openai", "anthropic"],
)
def test_cost_bucket_list_is_read(tmp_path: Path, buckets: list[object], ingestor: str, rows: int,
                                  billed: Decimal) -> None:
    store, files = _load(tmp_path, buckets)
    assert files == [("ingested", ingestor, rows)]
    con = Store.open(store).connect()
    assert con.execute("SELECT count(*), sum(cost_usd) FROM costs").fetchone() == (rows, billed)
