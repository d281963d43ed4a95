"""The unpriced-models list says why each model has no price and how to fix it, in every format.

sample_logs has one unpriced model: azure `unspecified` (300 requests), which no catalog or
override knows. A second case prices it only from 2099 on with an override entry, so every day of
the data falls outside the entry: the reason then names the days and the entry's dates.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from llmcost.document.analysis import ReportOptions, build_report
from llmcost.report import render

UNKNOWN = "unknown model: genai-prices 0.2.3 has no price for 'unspecified'"
FIX_FILE = "./llmcost-prices.toml or $LLMCOST_PRICES"


def _all_formats(doc: dict[str, Any]) -> dict[str, str]:
    return {
        "json": render(doc, "json"),
        "csv": render(doc, "csv", table_name="unpriced"),
        "md": render(doc, "md"),
        "html": render(doc, "html"),
        "table": render(doc, "table", width=400, sections=("unpriced",)),
    }


def test_unknown_model_reason_and_fix_in_every_format(sample_doc: dict[str, Any]) -> None:
    [u] = json.loads(render(sample_doc, "json"))["unpriced"]
    assert (u["provider"], u["model"], u["requests"]) == ("azure", "unspecified", 300)
    assert u["reason"] == UNKNOWN
    assert u["fix"].startswith("Add a [[model]] entry with its prices to the override file") and FIX_FILE in u["fix"]
    [row] = list(csv.DictReader(io.StringIO(render(sample_doc, "csv", table_name="unpriced"))))
    assert row["reason"] == UNKNOWN and row["fix"] == u["fix"]
    for fmt, out in _all_formats(sample_doc).items():
        assert UNKNOWN.replace("'", "&#x27;" if fmt == "html" else "'") in out, fmt
        assert FIX_FILE in out, fmt


def test_the_default_summary_keeps_its_short_warning(sample_doc: dict[str, Any]) -> None:
    assert sample_doc["warnings"] == [
        "unspecified (azure) has no known price: 300 requests, 3.0% of tokens, excluded from cost totals"]


def test_days_outside_every_override_entry_are_the_reason(sample_store: Path, tmp_path: Path) -> None:
    prices = tmp_path / "prices.toml"
    prices.write_text('[[model]]\nprovider = "azure"\nmodel = "unspecified"\neffective_from = 2099-01-01\n'
                      'input = 1.0\noutput = 2.0\n')
    doc = build_report(ReportOptions(store=sample_store, prices_file=prices, forecast=False))
    [u] = doc["unpriced"]
    assert u["model"] == "unspecified" and u["requests"] == 300
    assert u["reason"].startswith("no override entry covers "), u["reason"]
    assert "(entries: 2099-01-01 to ..., until exclusive)" in u["reason"]
    assert u["fix"].startswith("Add an entry whose effective_from/effective_until covers these days")
    [w] = [w for w in doc["warnings"] if "unspecified" in w]
    assert w.startswith("unspecified (azure) is unpriced: no override entry covers ")
    assert "300 requests" in w and w.endswith(u["fix"])
    for fmt, out in _all_formats(doc).items():
        assert "no override entry covers" in out, fmt
