"""The terminal's tables at any width: a header or a figure is never folded mid-word, no column is
cut, and a table that does not fit becomes records whose every figure keeps its header."""

from __future__ import annotations

import re
from typing import Any

import pytest

from llmcost.report import render
from llmcost.report._fmt import formatters
from llmcost.report.sections import sections

WIDTHS = [60, 72, 80, 84, 88, 92, 96, 100, 110, 120]


def _totals(doc: dict[str, Any]) -> tuple[list[str], list[str]]:
    _, _, headers, rows = next(s for s in sections(doc, **formatters(doc)) if s[0] == "Totals")
    return headers, rows[0]


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "pipe"])
@pytest.mark.parametrize("width", WIDTHS)
def test_totals_keep_whole_headers_and_figures(sample_doc: dict[str, Any], width: int, tty: bool) -> None:
    """COLUMNS=80 on a terminal: the box's borders and padding were not counted, so a totals table
    too wide for 88 columns was drawn anyway and rich folded "(uncached)" and "5,790,771" in two;
    at 80, the records left the first two figures without their headers ("6,812  5,790,771")."""
    headers, cells = _totals(sample_doc)
    out = render(sample_doc, "table", width=width, sections=("totals",), tty=tty)
    assert all(len(line) <= width for line in out.split("\n")), out
    words = set(re.findall(r"[^\s:│┃┏┓┗┛┡┩└┘━─┳┻╇┴┬┼]+", out))
    for h in headers:
        assert all(w in words for w in h.split()), (h, out)  # every header word whole
    for c in cells:
        assert c in words, (c, out)  # every figure whole, the last one too
    if "requests:" in out:  # shown as records: each figure beside its own header
        for h, c in zip(headers, cells, strict=True):
            assert re.search(rf"^\s+{re.escape(h)}:\s+{re.escape(c)}$", out, re.M), (h, c, out)
