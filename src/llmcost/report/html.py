"""HTML: one self-contained file (inline CSS, inline SVG charts, a few lines of inline JS).

No network at all: a Content-Security-Policy forbids every fetch, so the page renders the same
from a mail attachment, a CI artifact or file://. The tables are the same sections as the
terminal and Markdown reports; the charts above them draw series taken from the document.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from llmcost.report import svg
from llmcost.report._fmt import NOT_STATED, amount, formatters, requests_cell
from llmcost.report._fmt import escape_html as escape
from llmcost.report.sections import NOT_COMPUTED, TEXT_COLUMNS, paragraph, sections

CHART_DAYS = 120
"""The daily charts show the last CHART_DAYS days of the window (the tables have every day)."""

CSS = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #111827;
       background: #f9fafb; }
header { background: #111827; color: #f9fafb; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #d1d5db; font-size: 13px; }
main { padding: 16px 28px 40px; max-width: 1220px; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 18px; }
.kpi { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 14px;
       min-width: 150px; }
.kpi b { display: block; font-size: 20px; }
.kpi span { color: #6b7280; font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
figure { margin: 0; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
figure p { color: #6b7280; font-size: 12px; margin: 4px 0 0; }
svg.chart { width: 100%; height: auto; }
svg .grid { stroke: #e5e7eb; stroke-width: 1; }
svg .tick { font-size: 10px; fill: #4b5563; }
svg .label { font-size: 11px; fill: #111827; }
svg .value { font-size: 11px; fill: #374151; }
svg .inbar { font-size: 11px; fill: #fff; }
svg .msg { font-size: 15px; fill: #6b7280; }
svg .empty { fill: #f3f4f6; stroke: #d1d5db; stroke-dasharray: 4 4; }
svg .fan95 { fill: #bfdbfe; opacity: .7; }
svg .fan80 { fill: #60a5fa; opacity: .7; }
svg .median { stroke: #1e3a8a; stroke-width: 1.6; stroke-dasharray: 4 2; }
svg .whisker { stroke: #111827; stroke-width: 1.5; }
section { margin-top: 22px; }
h2 { font-size: 17px; margin: 0 0 6px; }
.tablewrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; background: #fff; font-size: 12.5px; margin-top: 6px; }
th, td { border: 1px solid #e5e7eb; padding: 4px 8px; text-align: right; white-space: nowrap; }
th:nth-child(-n+2), td:nth-child(-n+2), th.text, td.text { text-align: left; }
td.text { white-space: normal; min-width: 12em; }
th { background: #f3f4f6; }
.note { max-width: 1100px; }
.warn { color: #b45309; }
.bad { color: #b91c1c; font-weight: 600; }
"""

JS = """
(function () {
  var charts = document.querySelectorAll("svg.chart");
  document.body.setAttribute("data-charts", String(charts.length));
  console.log("llmcost-report: " + charts.length + " charts, " +
              document.querySelectorAll("table").length + " tables");
})();
"""


def _f(v: Any) -> float:
    return float(v) if v is not None else 0.0


def _day(v: Any) -> date:
    """A document's day (a date, or its ISO text in a JSON-shaped document)."""
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def _days(last: date, n: int) -> list[date]:
    """The `n` calendar days up to `last`."""
    return [last - timedelta(days=n - 1 - i) for i in range(n)]


def _day_label(days: list[Any]) -> Callable[[Any], str]:
    """An axis label for each of `days`: MM-DD, or YYYY-MM-DD when they span more than one calendar
    year (09-10 then 07-15 read as time running backwards when a year lay between them)."""
    years = {_day(d).year for d in days}
    return (lambda d: _day(d).isoformat()) if len(years) > 1 else (lambda d: _day(d).isoformat()[5:])


def _charts(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(title, svg, caption) for each chart."""
    cur = doc.get("currency")
    rate = float(Decimal(cur["rate_per_usd"])) if cur else 1.0
    sym = f"{cur['code']} " if cur else "$"

    def m(v: float) -> str:  # as the tables write money: $6.00 on an axis, not $6.000
        return amount(v, sym)

    out = []
    daily = (doc.get("daily") or [])[-CHART_DAYS:]
    # start at the first day with usage in the window (an export's day counts no request but has its cost;
    # a day without usage is $0, a day of unpriced usage n/a)
    while daily and not daily[0]["requests"] and daily[0]["cost_usd"] is not None and not daily[0]["cost_usd"]:
        daily = daily[1:]
    fc = doc.get("forecast") or {}
    label = _day_label([r["day"] for r in daily] + [r["day"] for r in fc.get("daily") or []])
    fan = [
        (
            label(r["day"]),
            _f(r["p50_usd"]) * rate,
            _f(r["lo_80_usd"]) * rate,
            _f(r["hi_80_usd"]) * rate,
            _f(r["lo_95_usd"]) * rate,
            _f(r["hi_95_usd"]) * rate,
        )
        for r in fc.get("daily") or []
    ]
    cap = "shaded: the forecast's 80% and 95% intervals, dashed: its median" if fan else f"forecast fan: {NOT_COMPUTED}"
    out.append(
        (
            "Daily spend and forecast",
            svg.line_fan(
                "Daily spend and forecast",
                [label(r["day"]) for r in daily],
                [_f(r["cost_usd"]) * rate if r["cost_usd"] is not None else None for r in daily],
                fan=fan,
                yfmt=m,
                no_values="no priced spend (see the unpriced models)",
            ),
            f"last {len(daily)} days ({(doc.get('period') or {}).get('tz', 'UTC')}); {cap}",
        )
    )
    models = [r for r in doc.get("by_provider_model", []) if r["priced"] and r["cost_usd"] is not None][:12]
    out.append(
        (
            "Cost by model",
            svg.hbars(
                "Cost by model",
                [f"{r['model']} ({r['provider']})" for r in models],
                [_f(r["cost_usd"]) * rate for r in models],
                vfmt=m,
                color="cycle",
            ),
            f"{len(doc.get('unpriced', []))} unpriced model(s) not shown (no known price; see the table)",
        )
    )
    turns = (doc.get("turns") or [])[:12]
    out.append(
        (
            "Per-turn input growth",
            svg.grouped_bars(
                "Per-turn input growth",
                [str(t["turn"]) for t in turns],
                [
                    ("mean prompt tokens", [_f(t["mean_input_tokens"]) for t in turns]),
                    ("median prompt tokens", [_f(t["median_input_tokens"]) for t in turns]),
                ],
                yfmt=lambda v: f"{v:,.0f}",
            ),
            "prompt tokens (input + cache read + cache write) by turn of a conversation",
        )
    )
    # every calendar day of the last CHART_DAYS (a day without cache fields is a gap, not skipped:
    # the axis is time, and its labels are the days'), not the last CHART_DAYS days that have them
    rates = {_day(r["day"]): r["hit_rate"] for r in (doc.get("cache") or {}).get("daily") or []}
    cd: list[dict[str, Any]] = [{"day": d, "hit_rate": rates.get(d)}
                                for d in (_days(max(rates), CHART_DAYS) if rates else []) if d >= min(rates)]
    label = _day_label([r["day"] for r in cd])
    out.append(
        (
            "Cache hit rate over time",
            svg.line_fan(
                "Cache hit rate over time",
                [label(r["day"]) for r in cd],
                [r["hit_rate"] for r in cd],
                yfmt=lambda v: f"{v * 100:.0f}%",
                y_max=1.0,
                color=svg.PALETTE[2],
            ),
            "cache read / (cache read + cache write + uncached input), rows that report cache fields",
        )
    )
    shares = (doc.get("complexity") or {}).get("shares") or []
    out.append(
        (
            "Complexity mix",
            svg.stacked_share(
                "Complexity mix",
                [
                    ("requests", [(r["label"], _f(r["request_share"])) for r in shares]),
                    ("cost", [(r["label"], _f(r["cost_share"])) for r in shares]),
                ],
            ),
            "share of requests and of estimated cost by complexity class",
        )
    )
    sc = doc.get("scenarios") or []
    if sc:
        chart = svg.intervals(
            "Scenarios",
            [s["name"] for s in sc],
            [_f(s["monthly_cost_usd"]) * rate for s in sc],
            [_f(s["lo_80_usd"]) * rate if s.get("lo_80_usd") is not None else None for s in sc],
            [_f(s["hi_80_usd"]) * rate if s.get("hi_80_usd") is not None else None for s in sc],
            yfmt=m,
        )
        cap = "monthly cost under each scenario; whiskers: 80% interval"
    else:
        chart = svg.empty("Scenarios", f"Scenarios: {NOT_COMPUTED}")
        cap = "the what-if engine has not filled this section"
    out.append(("Scenarios side by side", chart, cap))
    return out


def _kpis(doc: dict[str, Any], money: Any, pct: Any) -> str:
    t = doc["totals"]
    c = doc.get("cache") or {}
    fc = doc.get("forecast")
    cmp = doc.get("compare")
    if t.get("cost_lines_only"):  # no usage row: "$0.00 estimated cost, 0 requests" read as usage that cost nothing
        items = [
            (money(t.get("billed_cost_usd")), "billed cost (cost lines only: no usage rows)"),
            ("n/a", "estimated cost (no usage to estimate)"),
            (NOT_STATED, "requests (cost exports state no request count)"),
        ]
    else:
        items = [
            (money(t["cost_usd"]), "estimated cost"),
            (requests_cell(t), "requests" if t.get("requests_known", True) else
             "requests (N+: a lower bound; part of the usage comes from exports that state no request count)"
             if t.get("requests") else "requests (usage exports state no request count)"),
            (f"{t['unpriced_requests']:,}", "unpriced requests"),
        ]
    items += [
        (pct(c.get("hit_rate")) if c.get("hit_rate") is not None else "unknown", "cache hit rate"),
        (
            money(fc["p50_usd"]) if fc and fc.get("p50_usd") is not None else NOT_COMPUTED,
            f"forecast {fc.get('month', '')} (median)" if fc else "forecast",
        ),
    ]
    if cmp:
        ct = cmp["totals"]
        # no priced usage in either month but billed cost lines: the billed months ("n/a vs n/a" before)
        billed = ct.get("current_cost_usd") is None and ct.get("current_billed_usd") is not None
        now, before = ("current_billed_usd", "previous_billed_usd") if billed else ("current_cost_usd",
                                                                                    "previous_cost_usd")
        items.append(
            (
                money(ct[now]) + (" billed" if billed else ""),
                f"{cmp['current']['month']} vs "
                + (f"no data in {cmp['previous']['month']}" if cmp["previous"].get("has_data") is False
                   else f"{money(ct.get(before))} in {cmp['previous']['month']}"),
            )
        )
    b = doc.get("budget")
    if b:
        status = "budget unknown" if b["value_usd"] is None else "over budget" if b["exceeded"] else "within budget"
        items.append((status, b["message"]))
    return (
        '<div class="kpis">'
        + "".join(f'<div class="kpi"><b>{escape(v)}</b><span>{escape(k)}</span></div>' for v, k in items)
        + "</div>"
    )


def render(doc: dict[str, Any]) -> str:
    fm = formatters(doc)
    cat = doc.get("price_catalog", {})
    head = (
        f"{escape(doc['tool'])} &middot; generated {escape(str(doc['generated_at']))} &middot; price catalog "
        f"{escape(str(cat.get('catalog', '?')))} &middot; schema {escape(doc['schema_version'])}"
    )
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>LLM cost report</title>",
        f"<style>{CSS}</style></head><body>",
        f"<header><h1>LLM cost report</h1><p>{head}</p></header><main>",
        _kpis(doc, fm["money"], fm["pct"]),
        '<div class="charts">',
    ]
    for title, chart, caption in _charts(doc):
        parts.append(f"<figure><figcaption>{escape(title)}</figcaption>{chart}<p>{escape(caption)}</p></figure>")
    parts.append("</div>")
    prev = ""
    for title, note, headers, rows in sections(doc, **fm):
        cls = ("note warn" if title == "Warning" or note.startswith("UNKNOWN")
               else "note bad" if note.startswith("EXCEEDED") else "note")
        if title == "Warning" and prev == title:
            # the warnings (one section each) are paragraphs of one section under one heading
            parts.insert(-1, f'<p class="{cls}">{escape(paragraph(title, note))}</p>')
            continue
        prev = title
        parts.append(f"<section><h2>{escape('Warnings' if title == 'Warning' else title)}</h2>")
        if note:
            parts.append(f'<p class="{cls}">{escape(paragraph(title, note))}</p>')
        if headers:
            # a column of words (TEXT_COLUMNS) is left-aligned and may wrap (a forecast note, a description)
            text = [' class="text"' if h in TEXT_COLUMNS else "" for h in headers]
            parts.append(
                '<div class="tablewrap"><table><thead><tr>'
                + "".join(f"<th{text[i]}>{escape(h)}</th>" for i, h in enumerate(headers))
                + "</tr></thead><tbody>"
            )
            parts += ["<tr>" + "".join(f"<td{text[i]}>{escape(c)}</td>" for i, c in enumerate(r)) + "</tr>"
                      for r in rows]
            parts.append("</tbody></table></div>")
        parts.append("</section>")
    parts += ["</main>", f"<script>{JS}</script>", "</body></html>", ""]
    return "\n".join(parts)
