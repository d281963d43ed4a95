"""A JSON array of API pages that starts with a UTF-8 byte-order mark (Windows tools and PowerShell's
`Out-File -Encoding utf8` write one) is read like the same file without it. Before, DuckDB's
format detection took the whole array for one object: 0 rows read, no warning, exit 0."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app

BOM = b"\xef\xbb\xbf"

# Two OpenAI Costs API pages, written here: $1.50 + $0.25 on 2026-10-01 and $2.00 on 2026-10-02.
# Billed total by hand: 1.50 + 0.25 + 2.00 = $3.75, from 3 rows.
OPENAI_COSTS = [
    {"object": "page", "has_more": True, "next_page": "p2", "data": [
        {"object": "bucket", "start_time": 1790812800, "end_time": 1790899200, "results": [
            {"object": "organization.costs.result", "amount": {"value": "1.50", "currency": "usd"},
             "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_a"},
            {"object": "organization.costs.result", "amount": {"value": 0.25, "currency": "usd"},
             "line_item": "gpt-4o-2024-08-06, output", "project_id": "proj_a"}]}]},
    {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": 1790899200, "end_time": 1790985600, "results": [
            {"object": "organization.costs.result", "amount": {"value": "2.00", "currency": "usd"},
             "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_a"}]}]},
]
# Two Anthropic cost report pages: amounts in cents, "150.00" + "225.50" = 375.50 cents = $3.755.
ANTHROPIC_COSTS = [
    {"data": [{"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z", "results": [
        {"currency": "USD", "amount": "150.00", "workspace_id": "wrkspc_01", "description": "input",
         "cost_type": "tokens", "model": "claude-sonnet-4-5-20250929", "token_type": "uncached_input_tokens",
         "service_tier": "standard", "context_window": "0-200k"}]}], "has_more": True, "next_page": "p2"},
    {"data": [{"starting_at": "2026-10-02T00:00:00Z", "ending_at": "2026-10-03T00:00:00Z", "results": [
        {"currency": "USD", "amount": "225.50", "workspace_id": "wrkspc_01", "description": "output",
         "cost_type": "tokens", "model": "claude-sonnet-4-5-20250929", "token_type": "output_tokens",
         "service_tier": "standard", "context_window": "0-200k"}]}], "has_more": False, "next_page": None},
]


@pytest.mark.parametrize(("pages", "rows", "billed"), [(OPENAI_COSTS, 3, Decimal("3.75")),
                                                       (ANTHROPIC_COSTS, 2, Decimal("3.755"))])
@pytest.mark.parametrize("bom", [b"", BOM])
def test_array_of_pages_with_a_bom(tmp_path: Path, pages: list[object], rows: int, billed: Decimal,
                                   bom: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMCOST_TODAY", "2026-10-15")
    f = tmp_path / "logs" / "pages.json"
    f.parent.mkdir()
    f.write_bytes(bom + json.dumps(pages, indent=1).replace("\n", "\r\n").encode())
    res = CliRunner().invoke(app, ["--logs", str(f.parent), "--store", str(tmp_path / "store"), "--no-forecast",
                                   "--format", "json", "--quiet", "--out", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "r.json").read_text())
    assert (doc["ingest"]["rows_read"], doc["ingest"]["rows_stored"]) == (rows, rows)
    assert Decimal(doc["totals"]["billed_cost_usd"]) == billed
