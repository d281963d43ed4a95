"""The cache money of a usage export, which reports cache tokens but states no request count.

The Anthropic usage report fixture's 2026-10-01 claude-sonnet-4-5 row has 300,000 cache-read tokens,
20,000 5-minute and 10,000 1-hour cache writes. At $3 per million input tokens, a read at 0.1x
($0.30) and writes at 1.25x ($3.75) and 2x ($6.00) (../shared/reference/pricing-caching-routing.md,
Anthropic): saved 300,000 x $2.70 / 1M = $0.81; write premium 20,000 x $0.75 / 1M + 10,000 x $3.00
/ 1M = $0.015 + $0.03 = $0.045. Its other rows have no cache tokens. Before, the overall figures
read n/a ("no row reports cache fields", judged by a request count of 0) beside the model's $0.81.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from llmcost.cli import app
from tests.conftest import REPO

FIXTURE = REPO / "tests/fixtures/ingest/anthropic_usage_report_json/input.json"


def test_an_exports_cache_savings_are_known(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "usage.json").write_bytes(FIXTURE.read_bytes())
    store = str(tmp_path / "s")
    assert CliRunner().invoke(app, ["ingest", "--store", store, "--quiet", str(tmp_path / "in")]).exit_code == 0
    res = CliRunner().invoke(app, ["report", "--store", store, "--format", "json", "--no-forecast"])
    cache = json.loads(res.stdout)["cache"]
    assert Decimal(cache["savings_usd"]) == Decimal("0.81")
    assert Decimal(cache["write_premium_usd"]) == Decimal("0.045")
    assert Decimal(cache["net_savings_usd"]) == Decimal("0.765")
    # the count of requests whose source reports cache fields stays a count: an export states none
    assert type(cache["cache_known_requests"]) is int and cache["cache_known_requests"] == 0
    sonnet = [m for m in cache["by_model"] if m["model"].startswith("claude-sonnet-4-5")]
    assert sum(Decimal(m["savings_usd"]) for m in sonnet) == Decimal("0.81")
