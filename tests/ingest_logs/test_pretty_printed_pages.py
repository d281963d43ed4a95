"""A `/spend/logs/v2` response saved pretty-printed (`curl ... | jq . > spend.json`, Python's
json.tool, most HTTP clients' "save response") is one JSON document, not JSON lines. Before, only a
page whose first line starts with `{"data"` was read as a page: the pretty-printed one was read
line by line and every line quarantined (87 rows read, 0 stored, exit 0)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app

# Two LiteLLM spend-log rows written by hand (formats-request-logs.md 1). Estimated cost by hand
# at list prices ($ per 1M tokens):
# - claude-sonnet-4-5: 3 uncached input x 3 + 4,045 cache read x 0.30 + 305 cache write x 3.75
#   + 310 output x 15 = 9 + 1,213.5 + 1,143.75 + 4,650 = 7,016.25 -> $0.00701625 (LiteLLM's own spend);
# - gpt-4o-mini: (2,000 - 1,024) x 0.15 + 1,024 x 0.075 + 100 x 0.60 = 146.4 + 76.8 + 60 = 283.2
#   -> $0.0002832. Total $0.00729945.
ROWS = [
    {"request_id": "chatcmpl-a", "call_type": "acompletion", "api_key": "k", "spend": 0.00701625,
     "total_tokens": 4663, "prompt_tokens": 4353, "completion_tokens": 310,
     "startTime": "2025-06-03T09:15:37.118000+00:00", "endTime": "2025-06-03T09:15:40.000000+00:00",
     "model": "claude-sonnet-4-5-20250929", "model_group": "claude-sonnet", "custom_llm_provider": "anthropic",
     "cache_hit": "False", "session_id": "s1", "status": "success",
     "metadata": {"additional_usage_values": {"cache_read_input_tokens": 4045, "cache_creation_input_tokens": 305,
                                              "prompt_tokens_details": {"cached_tokens": 4045}}}},
    {"request_id": "chatcmpl-b", "call_type": "acompletion", "api_key": "k", "spend": 0.0002832,
     "total_tokens": 2100, "prompt_tokens": 2000, "completion_tokens": 100,
     "startTime": "2025-06-03T10:00:00Z", "endTime": "2025-06-03T10:00:01Z",
     "model": "gpt-4o-mini-2024-07-18", "model_group": "mini", "custom_llm_provider": "openai",
     "cache_hit": "False", "session_id": "s2", "status": "success",
     "metadata": {"additional_usage_values": {"prompt_tokens_details": {"cached_tokens": 1024}}}},
]
PAGE = {"data": ROWS, "total": 2, "page": 1, "page_size": 50, "total_pages": 1}


@pytest.mark.parametrize("indent", [None, 2, 4])
def test_a_pretty_printed_page_is_read_as_one_page(tmp_path: Path, indent: int | None) -> None:
    f = tmp_path / "logs" / "spend.json"
    f.parent.mkdir()
    f.write_text(json.dumps(PAGE, indent=indent) + "\n")
    res = CliRunner().invoke(app, ["--logs", str(f.parent), "--store", str(tmp_path / "store"), "--no-forecast",
                                   "--format", "json", "--quiet", "--out", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "r.json").read_text())
    assert [s["source"] for s in doc["ingest"]["by_source"]] == ["litellm_spend_logs_json"]
    assert (doc["ingest"]["rows_read"], doc["ingest"]["rows_stored"]) == (2, 2)
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("0.00729945")
