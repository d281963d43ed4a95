"""Small wording rules of the human formats: names from the data keep their case, one request is
one request, and a month is written as --since writes a date."""

from __future__ import annotations

from typing import Any

import pytest

from llmcost.document.analysis import resolve_month
from llmcost.errors import UsageError
from llmcost.report import render


def test_a_warning_keeps_the_case_of_the_name_it_starts_with(sample_doc: dict[str, Any]) -> None:
    doc = {**sample_doc, "warnings": ["totally-unknown-model-x (openai) has no known price: 3 requests"]}
    for fmt in ("md", "html"):
        out = render(doc, fmt)
        assert "totally-unknown-model-x (openai) has no known price" in out, fmt
        assert "Totally-unknown-model-x" not in out, fmt


def test_one_request_in_the_headline(sample_doc: dict[str, Any]) -> None:
    doc = {**sample_doc, "totals": {**sample_doc["totals"], "requests": 1}}
    first = render(doc, "table", width=120).splitlines()[0]
    assert " 1 request." in first or " 1 request;" in first, first
    assert " 1 requests" not in first


@pytest.mark.parametrize("spec", ["2026-1", "2026-001", "26-10", "2026/10"])
def test_month_is_two_digits(spec: str) -> None:
    with pytest.raises(UsageError, match="is not a month"):
        resolve_month(spec, "UTC")
    assert resolve_month("2026-10", "UTC")[2] == "2026-10"
