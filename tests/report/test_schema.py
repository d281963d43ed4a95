"""The JSON report validates against docs/report-schema.json (versioned; keys fixed by the issues)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llmcost.document.analysis import SCHEMA_VERSION
from llmcost.report import render
from tests.report.schema_check import validate

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs/report-schema.json").read_text())


def test_sample_report_validates(sample_doc: dict[str, Any]) -> None:
    doc = json.loads(render(sample_doc, "json"))
    assert doc["schema_version"] == SCHEMA_VERSION
    assert validate(doc, SCHEMA) == []


def test_keys_the_earlier_issues_fixed_are_required() -> None:
    req = SCHEMA["required"]
    for key in ("schema_version", "ingest", "totals", "turns", "cache", "complexity"):
        assert key in req
    props = SCHEMA["properties"]
    assert set(props["ingest"]["required"]) >= {"files", "rows_read", "rows_stored", "rows_duplicate",
                                                 "rows_quarantined"}
    assert set(props["totals"]["required"]) >= {"requests", "input_tokens", "cache_read_tokens",
                                                 "cache_write_tokens", "output_tokens", "cost_usd",
                                                 "unpriced_requests"}
    assert set(props["turns"]["items"]["required"]) == {"turn", "conversations", "mean_input_tokens",
                                                         "median_input_tokens"}
    assert set(props["cache"]["required"]) >= {"hit_rate", "savings_usd", "write_premium_usd",
                                                "missed_savings_usd"}
    assert {"forecast", "scenarios"} <= set(props)


def test_checker_catches_a_float_cost_and_a_missing_key(sample_doc: dict[str, Any]) -> None:
    doc = json.loads(render(sample_doc, "json"))
    doc["totals"]["cost_usd"] = 39.65
    del doc["ingest"]["rows_quarantined"]
    doc["forecast"] = {"month": "2026-11"}
    errors = validate(doc, SCHEMA)
    assert any("$.totals.cost_usd" in e for e in errors)
    assert any("rows_quarantined" in e for e in errors)
    assert any("$.forecast: missing required key 'p50_usd'" in e for e in errors)
