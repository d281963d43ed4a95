"""The JSON report's layout: indented, a table's records one per line, the same data as the
standard library's own `json.dumps` of the document."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import PurePosixPath

from llmcost.report.json_report import render


def _doc() -> dict[str, object]:
    return {
        "total_usd": Decimal("12.3400"),
        "whole_usd": Decimal("5.000"),
        "at": datetime(2026, 10, 1, 12, 30, tzinfo=UTC),
        "store": PurePosixPath("/srv/store"),
        "by_day": [
            {"day": date(2026, 10, 1), "usd": Decimal("1.5"), "requests": 3, "note": None},
            {"day": date(2026, 10, 2), "usd": Decimal("0.25"), "requests": 1, "note": "tab\there \"quoted\""},
        ],
        "months": ("2026-09", "2026-10"),
        "labels": {"b", "a"},
        "nested": [{"rows": [{"k": 1}]}, {"rows": []}],
        "empty": {},
        1: {"x": [1, 2.5, True]},
    }


def test_the_same_data_as_the_standard_encoder() -> None:
    from llmcost.report.json_report import _default

    expected = json.loads(json.dumps(_doc(), default=_default, indent=2))
    assert json.loads(render(_doc())) == expected
    assert expected["total_usd"] == "12.3400" and expected["whole_usd"] == "5"  # money as strings


def test_a_tables_records_are_one_per_line() -> None:
    lines = render(_doc()).splitlines()
    assert '    {"day": "2026-10-01", "usd": "1.5", "requests": 3, "note": null},' in lines
    assert '    {"day": "2026-10-02", "usd": "0.25", "requests": 1, "note": "tab\\there \\"quoted\\""}' in lines
    assert '  "total_usd": "12.3400",' in lines  # the rest stays indented, a key per line
    assert lines[0] == "{" and lines[-1] == "}"
    assert '        {"k": 1}' in lines  # a table inside a list of sections
