"""The HTML page's daily charts put days on a time axis: a day without data is a gap, not skipped,
and a label names the year when the days shown span more than one. Before, the cache hit rate chart
of the real samples (cache fields on a few days from 2024-11 to 2026-12) drew its days side by side
as "11-01 ... 05-22, 09-10, 07-15": evenly spaced, and running backwards where a year lay between."""

from __future__ import annotations

import re

from llmcost.report import html


def _svg(doc: dict, title: str) -> str:
    (svg,) = [c[1] for c in html._charts(doc) if c[0] == title]
    return svg


def _chart(doc: dict, title: str) -> tuple[list[str], list[str]]:
    """The chart's x-axis labels and its points' tooltips ("DAY: VALUE")."""
    svg = _svg(doc, title)
    ticks = [t for t in re.findall(r'class="tick">([^<]*)<', svg) if "%" not in t and "$" not in t]
    return ticks, re.findall(r"<title>([^<]*)</title></circle>", svg)


def test_cache_days_are_calendar_days_and_a_year_apart_is_said() -> None:
    doc = {"cache": {"daily": [{"day": "2025-09-10", "hit_rate": 0.5}, {"day": "2026-07-15", "hit_rate": 0.25},
                               {"day": "2026-07-17", "hit_rate": 0.75}]}}
    ticks, points = _chart(doc, "Cache hit rate over time")
    # the last 120 calendar days up to 2026-07-17 (2026-03-20 on): 2025-09-10 is outside them; 2026-07-16
    # has no cache fields and is a gap between its neighbours, not left out of the axis
    assert points == ["07-15: 25%", "07-17: 75%"]
    assert ticks[0] == "03-20" and ticks == sorted(ticks)
    assert len(re.findall(r"<polyline", _svg(doc, "Cache hit rate over time"))) == 2


def test_a_span_over_two_years_labels_the_year() -> None:
    doc = {"cache": {"daily": [{"day": "2026-12-30", "hit_rate": 0.5}, {"day": "2027-01-02", "hit_rate": 0.25}]}}
    ticks, points = _chart(doc, "Cache hit rate over time")
    assert points == ["2026-12-30: 50%", "2027-01-02: 25%"]
    assert ticks == sorted(ticks) and all(re.fullmatch(r"\d{4}-\d\d-\d\d", t) for t in ticks)
    # one year: month and day only
    ticks, _ = _chart({"cache": {"daily": [{"day": "2026-05-01", "hit_rate": 0.1}]}}, "Cache hit rate over time")
    assert ticks == ["05-01"]
