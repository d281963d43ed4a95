"""The report sections registry: one entry per section serves every format, and the CLI's
`--section` names and help come from it (issue 18)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer

from llmcost.cli import app
from llmcost.document.analysis import ReportOptions, build_report
from llmcost.report import render
from llmcost.report._fmt import formatters
from llmcost.report.csv_report import render_table
from llmcost.report.sections import NAMES, REGISTRY, sections
from llmcost.report.tables import TABLES

# keys the sample_logs report does not hold, filled so that every section has something to show
EXTRA: dict[str, Any] = {
    "currency": {"code": "EUR", "rate_per_usd": "0.5", "note": "Money in EUR at the rates file's rate",
                 "rates_file": "rates.csv"},
    "warnings": ["a test warning"],
    "budget": {"value_usd": "100.00", "exceeded": False, "message": "forecast median under the budget"},
    "last_run": {"files": {"ingested": 1}, "problems": [{"file": "bad.jsonl", "message": "not a log"}],
                 "notes": [{"file": "old", "note": "old is an llmcost store"}]},
}


@pytest.fixture(scope="module")
def doc(sample_store: Path) -> dict[str, Any]:
    """The sample_logs report with break-even economics, plus EXTRA and a label, a tag and a held file."""
    opts = ReportOptions(store=sample_store, value_per_conversion=Decimal("2.50"), conversion_rate=Decimal("0.02"))
    d = {**build_report(opts), **EXTRA}
    d["ingest"] = {**d["ingest"], "by_file": [*d["ingest"].get("by_file", []), {
        "file": "held.jsonl", "rows_quarantined": 2, "first_quarantined": {"line": 3, "reason": "no model"},
        "quarantine": "quarantine/held.jsonl"}]}
    d["by_label"] = [{"label": "machine=a", "requests": 1, "input_tokens": 1, "cache_read_tokens": 0,
                      "cache_write_tokens": 0, "output_tokens": 1, "cost_usd": "0.01", "billed_cost_usd": None}]
    d["by_tag"] = [{"tag": "team", "value": "x", "requests": 1, "input_tokens": 1, "cache_read_tokens": 0,
                    "cache_write_tokens": 0, "output_tokens": 1, "cost_usd": "0.01", "unpriced_requests": 0}]
    return d


def test_cli_section_names_and_help_are_the_registry() -> None:
    cmd = typer.main.get_command(app)
    report = cmd.commands["report"]  # type: ignore[attr-defined]
    opt = next(p for p in report.params if "--section" in p.opts)
    assert opt.help.split("(repeatable): ", 1)[1].rstrip(".").split(", ") == list(NAMES)
    assert NAMES == tuple(s.name for s in REGISTRY) and len(set(NAMES)) == len(NAMES)


def test_unknown_section_lists_the_registry(doc: dict[str, Any]) -> None:
    from llmcost.errors import UsageError

    with pytest.raises(UsageError) as e:
        render(doc, "table", sections=("cahce",))
    assert "(did you mean 'cache'?)" in str(e.value)
    assert str(e.value).split("use one of ", 1)[1].rstrip(".").split(", ") == list(NAMES)


def test_every_section_yields_only_its_own_title(doc: dict[str, Any]) -> None:
    fm = formatters(doc)
    for spec in REGISTRY:
        titles = {s[0] for s in spec.build(doc, fm["money"], fm["num"], fm["pct"])}
        assert titles == {spec.title}, spec.name
    assert [s[0] for s in sections(doc, **fm)] == [spec.title for spec in REGISTRY]  # report order


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.name)
def test_every_section_renders_in_every_format(doc: dict[str, Any], spec: Any) -> None:
    assert set(spec.reads) <= set(doc), f"{spec.name} reads keys the document lacks"
    shown = render(doc, "table", width=400, sections=(spec.name,))
    assert spec.title in " ".join(shown.split())  # a long title wraps over a narrow table
    assert spec.title in render(doc, "md")
    assert spec.title in render(doc, "html")
    j = json.loads(render(doc, "json"))
    assert all(k in j for k in spec.reads)
    for t in spec.tables:
        assert t in TABLES, f"{spec.name}: no CSV table {t}"
        assert render_table(doc, t).count("\n") >= 1


@pytest.mark.parametrize(("files", "said"), [(1, "1 file:"), (2, "2 files:"), (0, "0 files:")])
def test_the_ingest_section_counts_files_in_words(doc: dict[str, Any], files: int, said: str) -> None:
    fm = formatters(doc)
    (ingest,) = next(s for s in REGISTRY if s.name == "ingest").build(
        {**doc, "ingest": {**doc["ingest"], "files": files}}, fm["money"], fm["num"], fm["pct"])
    assert ingest[1].startswith(said), ingest[1]
