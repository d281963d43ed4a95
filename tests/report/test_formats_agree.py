"""The same store rendered in all five formats shows the same totals."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from llmcost.report import FORMATS, render
from llmcost.report.csv_report import write_all
from llmcost.report.tables import TABLES


class _Cells(HTMLParser):
    """Text of the Totals table's cells in an HTML report."""

    def __init__(self) -> None:
        super().__init__()
        self.section = ""
        self.in_h2 = self.in_td = False
        self.cells: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.in_h2 |= tag == "h2"
        self.in_td |= tag == "td"

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self.in_h2 = False
        if tag == "td":
            self.in_td = False

    def handle_data(self, data: str) -> None:
        if self.in_h2:
            self.section = data
        elif self.in_td:
            self.cells.setdefault(self.section, []).append(data)


def _money2(v: str) -> str:
    return f"${Decimal(v).quantize(Decimal('0.01')):,}"


def test_five_formats_show_the_same_totals(sample_doc: dict[str, Any], tmp_path: Path) -> None:
    assert set(FORMATS) == {"table", "md", "json", "csv", "html"}
    # JSON is the reference: the document as is (money as a decimal string)
    j = json.loads(render(sample_doc, "json"))
    cost, requests, unpriced = j["totals"]["cost_usd"], j["totals"]["requests"], j["totals"]["unpriced_requests"]
    assert isinstance(cost, str) and Decimal(cost) > 0
    assert requests == 7112 and unpriced == 300
    shown = _money2(cost)  # "$39.65"

    # CSV: raw values, same digits
    rows = list(csv.DictReader(io.StringIO(render(sample_doc, "csv", table_name="totals"))))
    assert Decimal(rows[0]["cost_usd"]) == Decimal(cost)
    assert int(rows[0]["requests"]) == requests and int(rows[0]["unpriced_requests"]) == unpriced
    paths = write_all(sample_doc, tmp_path / "csv")
    assert {p.stem for p in paths} == set(TABLES)

    # Markdown: the Totals table row
    md = render(sample_doc, "md")
    totals_md = md.split("## Totals", 1)[1].split("##", 1)[0]
    row = [c.strip() for c in totals_md.strip().splitlines()[2].strip("|").split("|")]
    assert row[0] == f"{requests:,}" and row[5] == shown and row[7] == f"{unpriced:,}"

    # terminal table, every section (plain, as when piped: no box drawing)
    text = render(sample_doc, "table", width=200, full=True)
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("7,112"))
    assert shown in line and f"{unpriced:,}" in line

    # HTML: the Totals table cells
    p = _Cells()
    p.feed(render(sample_doc, "html"))
    cells = p.cells["Totals"]
    assert cells[0] == f"{requests:,}" and cells[5] == shown and cells[7] == f"{unpriced:,}"


def test_every_format_has_every_section(sample_doc: dict[str, Any]) -> None:
    wanted = ["Ingested", "Totals", "Estimate vs billed", "Forecast", "Scenarios", "This month vs last",
              "By provider and model", "Unpriced models", "Per-turn input growth", "Cache", "Complexity mix",
              "Bursts", "Spend by month"]
    for fmt in ("table", "md", "html"):
        out = render(sample_doc, fmt, width=200, full=True)
        for title in wanted:
            assert title in out, (fmt, title)
        assert "genai-prices" in out, fmt  # the price catalog version
        # the forecast and scenarios are computed for the sample logs (twelve weeks of history)
        assert "Forecast: not computed" not in out and "Scenarios: not computed" not in out, fmt
        for s in sample_doc["scenarios"]:
            assert s["name"] in out, (fmt, s["name"])
    j = json.loads(render(sample_doc, "json"))
    assert j["price_catalog"]["catalog"].startswith("genai-prices")


def test_money_is_counted_once_and_agrees(sample_doc: dict[str, Any]) -> None:
    """Reconciliation (a second query path) and the spend measures give the same money as the totals."""
    t = Decimal(sample_doc["totals"]["cost_usd"])
    assert sample_doc["reconciliation"]["money_usd"] == t
    assert Decimal(sample_doc["spend"]["totals"]["cost_usd"]) == t
    months = [Decimal(r["cost_usd"]) for r in sample_doc["spend"]["by_month"] if r["cost_usd"] is not None]
    assert sum(months) == t
    daily = [Decimal(r["cost_usd"]) for r in sample_doc["daily"] if r["cost_usd"] is not None]
    assert sum(daily) == t


def test_forecast_and_scenarios_render_when_present(sample_doc: dict[str, Any]) -> None:
    doc = dict(sample_doc)
    doc["forecast"] = {
        "month": "2026-11", "actual_to_date_usd": Decimal("13.35"), "p50_usd": Decimal("14.80"),
        "lo_80_usd": Decimal("14.20"), "hi_80_usd": Decimal("15.50"), "lo_95_usd": Decimal("13.90"),
        "hi_95_usd": Decimal("16.10"), "model_used": "auto_ets(A,N,A)",
        "periods": [{"period": "2026-11", "kind": "current_month", "actual_to_date_usd": Decimal("13.35"),
                     "p50_usd": Decimal("14.80"), "lo_80_usd": Decimal("14.20"), "hi_80_usd": Decimal("15.50"),
                     "lo_95_usd": Decimal("13.90"), "hi_95_usd": Decimal("16.10"), "model_used": "auto_ets(A,N,A)",
                     "confidence": "normal"}],
        "daily": [{"day": f"2026-11-{d}", "p50_usd": Decimal("0.5"), "lo_80_usd": Decimal("0.4"),
                   "hi_80_usd": Decimal("0.6"), "lo_95_usd": Decimal("0.3"), "hi_95_usd": Decimal("0.7")}
                  for d in (24, 25, 26)],
    }
    doc["scenarios"] = [
        {"name": "baseline", "monthly_cost_usd": Decimal("14.80"), "lo_80_usd": Decimal("14.20"),
         "hi_80_usd": Decimal("15.50"), "savings_vs_baseline_usd": Decimal("0")},
        {"name": "route simple to mini", "monthly_cost_usd": Decimal("11.10"), "lo_80_usd": Decimal("10.40"),
         "hi_80_usd": Decimal("11.90"), "savings_vs_baseline_usd": Decimal("3.70")},
    ]
    md = render(doc, "md")
    assert "median $14.80, 80% $14.20 to $15.50, 95% $13.90 to $16.10" in md
    assert "| route simple to mini | - | $11.10 | $10.40 | $11.90 | +$3.70 |  |" in md  # no month, no description
    html = render(doc, "html")
    assert 'class="fan80"' in html and 'class="whisker"' in html
    assert "Scenarios: not computed" not in html
    rows = list(csv.DictReader(io.StringIO(render(doc, "csv", table_name="scenarios"))))
    assert [r["name"] for r in rows] == ["baseline", "route simple to mini"]
    assert re.fullmatch(r"\d+\.\d+", rows[1]["monthly_cost_usd"])


def test_a_forecast_without_a_median_renders_everywhere(sample_doc: dict[str, Any]) -> None:
    """Too little history: the forecast engine fills the sections with nulls; every format copes."""
    from llmcost.document.analysis import budget_check

    doc = dict(sample_doc)
    doc["forecast"] = {"month": "2026-11", "actual_to_date_usd": Decimal("1.00"), "p50_usd": None,
                       "lo_80_usd": None, "hi_80_usd": None, "lo_95_usd": None, "hi_95_usd": None,
                       "model_used": "run_rate", "periods": [], "scenarios_file": Path("scenarios.toml")}
    doc["scenarios"] = [{"name": "baseline", "monthly_cost_usd": None, "lo_80_usd": None, "hi_80_usd": None,
                         "savings_vs_baseline_usd": None}]
    for fmt in ("table", "md", "json", "html"):
        assert "2026-11" in render(doc, fmt, width=200, full=True)
    assert "2026-11: no forecast" in render(doc, "table", width=120)  # the one-screen summary
    assert json.loads(render(doc, "json"))["forecast"]["scenarios_file"] == "scenarios.toml"
    b = budget_check(doc, Decimal("1"))
    assert b["basis"] == "month_to_date" and "forecast has no median" in b["message"]


def test_no_peak_day_is_said_in_words(sample_doc: dict[str, Any]) -> None:
    """The sample logs are steady (no day reaches 2x the median day): the bursts note says so
    instead of "0 peak days cost n/a". Checked from the files: requests per UTC day over the 28
    days up to the last request (the 2023 trace slice falls outside)."""
    import polars as pl

    logs = Path(__file__).resolve().parents[2] / "sample_logs" / "app-logs"
    ts = pl.concat([
        pl.read_ndjson(logs / "assistant-openai.jsonl").select(pl.col("ts").alias("t")),
        pl.read_ndjson(logs / "support-bot-anthropic.jsonl").select(pl.col("timestamp").alias("t")),
    ]).select(pl.col("t").str.to_datetime(time_zone="UTC").dt.date().alias("day"))
    last = ts["day"].max()
    per_day = ts.filter(pl.col("day") > last - timedelta(days=28)).group_by("day").len()["len"]
    assert per_day.len() == 28 and per_day.max() < 2 * per_day.median()
    b = sample_doc["bursts"]
    assert b["window"]["requests"] == per_day.sum()
    assert b["peak_days"] == [] and b["peak_days_cost_usd"] == 0
    md = render(sample_doc, "md")
    assert "No peak day: no day reached 2 x the median day." in md
    assert "0 peak days" not in md
