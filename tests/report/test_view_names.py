"""The report hands its priced rows to each section by name (issue 18): the window view's name is
passed to the measures, the report's queries, the tags, the month comparison and export-focus,
and the reconciliation reads the one priced table itself, so no section relies on a view called
`priced_usage` or `reconcile_priced` on the report's connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llmcost.document import analysis, focus_export
from llmcost.document.analysis import ReportOptions, build_report
from llmcost.storage.store import has_relation


def test_the_report_makes_no_conventional_views(sample_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, bool] = {}
    original = analysis.forecast_sections

    def spy(con: Any, *a: Any, **k: Any) -> Any:  # runs after the measures, reconciliation and compare
        for name in ("priced_usage", "reconcile_priced", analysis.WINDOW_VIEW):
            seen[name] = has_relation(con, name)
        return original(con, *a, **k)

    monkeypatch.setattr(analysis, "forecast_sections", spy)
    doc = build_report(ReportOptions(store=sample_store, tags=("team",), forecast=False))
    assert seen == {"priced_usage": False, "reconcile_priced": False, analysis.WINDOW_VIEW: True}
    assert doc["spend"]["totals"]["requests"] == doc["totals"]["requests"] > 0
    assert doc["reconciliation"]["days"] and doc["compare"]["by_model"] and doc["by_tag"]


def test_export_focus_reads_the_window_by_name(
    sample_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    relations: list[str] = []
    original = focus_export.actual_rows

    def spy(con: Any, catalog: str, relation: str = "priced_usage") -> Any:
        relations.append(relation)
        assert not has_relation(con, "priced_usage")
        return original(con, catalog, relation)

    monkeypatch.setattr(focus_export, "actual_rows", spy)
    n, _ = focus_export.export_focus(ReportOptions(store=sample_store), tmp_path / "f.csv")
    # the window's rows that count for money (a provider-day a cost export bills is not estimated)
    assert relations == [focus_export.MONEY_WINDOW_VIEW] and n > 0
