"""Small wording rules of the human formats: names from the data keep their case, one request is
one request, and a month is written as --since writes a date."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from llmcost.document.analysis import resolve_month
from llmcost.errors import UsageError
from llmcost.report import render
from llmcost.report._fmt import share_of, whole_percent


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


def test_one_of_a_thing_is_singular_in_the_terminal_summary(sample_doc: dict[str, Any]) -> None:
    """One unpriced request, one web search, one quarantined row, one row read: no '1 rows'."""
    totals = {**sample_doc["totals"], "unpriced_requests": 1, "web_search_calls": 1, "file_search_calls": 2,
              "unpriced_web_search_calls": 0, "unpriced_file_search_calls": 0}
    ingest = {**sample_doc["ingest"], "rows_read": 1, "rows_stored": 1, "rows_duplicate": 0, "rows_quarantined": 0,
              "by_file": [{"file": "a.jsonl", "rows_quarantined": 1,
                           "first_quarantined": {"line": 3, "reason": "not valid JSON"}}]}
    out = " ".join(render({**sample_doc, "totals": totals, "ingest": ingest}, "table", width=120).split())
    for said in ("; 1 request unpriced (left out)", ": 1 web search; 2 file searches)", "1 row read = 1 stored",
                 "a.jsonl: 1 row, first at line 3: not valid JSON"):
        assert said in out, said
    for wrong in ("1 requests", "1 web searches", "1 rows"):
        assert not re.search(rf"(?<![\d,.]){wrong}", out), wrong  # not '11 requests' or '2,001 rows'


def test_the_about_paragraph_does_not_capitalise_the_tools_name(sample_doc: dict[str, Any]) -> None:
    for fmt in ("md", "html"):
        out = render(sample_doc, fmt)
        assert f"by {sample_doc['tool']} from store" in out, fmt
        assert "Llmcost" not in out, fmt


def test_chart_money_is_written_as_the_tables_write_it(sample_doc: dict[str, Any]) -> None:
    """Axis ticks and bar labels: two decimals from $1 up, never '$6.000' (which reads as six
    thousand in half the world); below $1 up to four decimals, as `money` writes them."""
    html = render(sample_doc, "html")
    shown = re.findall(r">(\$[^<]*)</text>", html)
    assert len(shown) >= 10, shown  # the charts' ticks and labels are there
    bad = [s for s in shown if not re.fullmatch(r"\$(\d{1,3}(,\d{3})*\.\d\d|0\.\d{3,4})", s)]
    assert not bad, bad


@pytest.mark.parametrize(("share", "text"), [
    (0.0, " (0% of tokens)"), (0.004, " (<1% of tokens)"), (0.43, " (43% of tokens)"),
    (0.994, " (99% of tokens)"), (0.9993, " (>99% of tokens)"), (1.0, " (100% of tokens)"),
])
def test_a_part_of_the_tokens_never_reads_as_all_of_them(share: float, text: str) -> None:
    # 82 logged requests beside 15.5M exported tokens: the export is 99.9...% of the tokens,
    # which '{:.0%}' rounds to "100%", as if the logged requests had no tokens at all.
    assert share_of(share, "tokens") == text
    # the summary's "Top models" shares: gpt-4o's $0.0001 of $0.0565 is "<1%", not "0%"
    assert whole_percent(Decimal(share)) == text[2:-11]


def test_the_summary_says_how_to_price_an_unpriced_model(sample_doc: dict[str, Any]) -> None:
    assert len(sample_doc["unpriced"]) == 1, "sample_logs keeps one unpriced model on purpose"
    one = render(sample_doc, "table", width=120)
    assert "To price it: --section unpriced gives the reason and a --prices file snippet for it." in one, one
    two = render({**sample_doc, "unpriced": sample_doc["unpriced"] * 2}, "table", width=120)
    assert "To price them: --section unpriced gives the reason and a --prices file snippet for each." in two, two
    none = render({**sample_doc, "unpriced": []}, "table", width=120)
    assert "To price" not in none


def test_the_summary_says_which_data_the_forecast_does_not_extend(sample_doc: dict[str, Any]) -> None:
    cut = ("some data ends before the history's last day (2026-11-23): anthropic_usage_report_json (anthropic) "
           "on 2026-11-09. The days after are not known")
    ended = ("google: its data ends on 2026-07-15, more than 28 days before the history's last day (2026-11-23): "
             "its usage is not forecast (it stopped, or its export is old)")
    fc = {**sample_doc["forecast"], "notes": [*sample_doc["forecast"]["notes"], cut, ended]}
    out = " ".join(render({**sample_doc, "forecast": fc}, "table", width=120).split())
    assert "Some data ends before the history's last day (2026-11-23): anthropic_usage_report_json" in out, out
    assert "google: its data ends on 2026-07-15" in out, out  # a provider's name keeps its case
