"""Long tables are cut in the human formats (table, md, html) and say where the rest is; JSON and
CSV keep every row. Empty measures read as a sentence, not an empty table."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from llmcost.report import render


def _long_doc(sample_doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(sample_doc)
    # 40 projects, project-39 the most expensive; 45 consecutive days of one provider
    doc["by_project"] = [
        {"project": f"project-{i}", "requests": i + 1, "cost_usd": Decimal(i)} for i in reversed(range(40))
    ]
    first = date(2026, 9, 1)
    doc["by_day"] = [
        {"day": first + timedelta(days=i), "provider": "openai", "requests": 1, "input_tokens": 1,
         "cache_read_tokens": 0, "output_tokens": 1, "cost_usd": Decimal("0.01")}
        for i in range(45)
    ]
    return doc


def test_table_and_markdown_cut_projects_and_days(sample_doc: dict[str, Any]) -> None:
    doc = _long_doc(sample_doc)
    for fmt in ("table", "md", "html"):
        out = render(doc, fmt, width=200, full=True)
        assert "he top 25 of 40 projects by cost" in out, fmt  # "The" in md and html, under a heading
        assert "project-15" in out and "project-14" not in out, fmt
        # 45 days from 2026-09-01: the last is 2026-10-15, the 31 shown start on 2026-09-15
        by_day = out[out.index("By day"):]
        assert "(2026-09-15 to 2026-10-15)" in by_day, fmt
        assert by_day.count("2026-10-0") == 9 and "2026-09-14" not in by_day, fmt


def test_json_and_csv_keep_every_row(sample_doc: dict[str, Any]) -> None:
    doc = _long_doc(sample_doc)
    j = json.loads(render(doc, "json"))
    assert len(j["by_project"]) == 40 and len(j["by_day"]) == 45
    assert len(list(csv.DictReader(io.StringIO(render(doc, "csv", table_name="by_project"))))) == 40
    assert len(list(csv.DictReader(io.StringIO(render(doc, "csv", table_name="by_day"))))) == 45


def test_no_conversations_and_nothing_to_classify_read_as_sentences(sample_doc: dict[str, Any]) -> None:
    doc = copy.deepcopy(sample_doc)
    doc["turns"] = []
    doc["complexity"] = {**doc["complexity"], "shares": []}
    out = render(doc, "table", width=300, full=True)
    assert "Per-turn input growth: no conversations in this data" in out
    assert "Complexity mix: no request to classify" in out


def test_a_table_too_wide_for_the_terminal_is_shown_as_records_without_folding(sample_doc: dict[str, Any]) -> None:
    """At 120 columns the unpriced list (reason, fix, snippet) cannot sit side by side: each model
    becomes a block of `header: value` lines, so no word or number is cut in two; a narrow table
    stays a table."""
    doc = copy.deepcopy(sample_doc)
    reason = "unknown model: the catalog has no price for 'acme-extraordinarily-long-model-name-v9'"
    doc["unpriced"] = [{
        "provider": "acme", "model": "acme-extraordinarily-long-model-name-v9", "requests": 12_345,
        "tokens": 1, "token_share": 0.5, "did_you_mean": [], "reason": reason,
        "fix": "Add a [[model]] entry with its prices to the override file", "override_snippet": "[[model]]",
    }]
    out = render(doc, "table", width=120, full=True)
    block = out[out.index("Unpriced models"):]
    lines = block.split("\n")
    assert "  acme  acme-extraordinarily-long-model-name-v9" in lines
    assert "    requests:         12,345" in lines
    # the reason is one paragraph whose words are whole (textwrap breaks only between words)
    para = " ".join(ln.strip() for ln in block[block.index("why unpriced:"):].split("\n")[:2])
    assert reason in para
    assert all(len(ln) <= 120 for ln in out.split("\n"))
    # the by-model table fits: still columns under one header line
    by_model = out[out.index("By provider and model"):].split("\n")
    assert by_model[1].split()[:3] == ["provider", "model", "requests"]
