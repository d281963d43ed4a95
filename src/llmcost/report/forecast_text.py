"""`llmcost-forecast forecast --format table`: the forecast and scenarios as fixed-width text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from llmcost.report._fmt import money
from llmcost.text import one_line


def _usd(v: Any) -> str:
    """Money as the report shows it (cents, or fractions of a cent below $1); a minus sign before
    the $ for savings that are costs; None is unknown (n/a), never $0."""
    if v is None:
        return "n/a"
    d = Decimal(v)
    return "-" + money(-d) if d < 0 else money(d)


def _line(text: str) -> str:
    """A name (scenario, alternative, model in a note) on one line, a CR a space too."""
    return one_line(text.replace("\r", " "))


def forecast_text(doc: dict[str, Any]) -> str:
    """The forecast and scenarios as a plain-text table (what `forecast --format table` prints)."""
    f = doc["forecast"]
    lines = [
        f"Forecast as of {f['as_of']} ({f['tz']}), {f.get('n_paths')} simulated paths, confidence "
        f"{f['confidence']}; model: {f['model_used']}"
    ]
    if f.get("periods"):
        lines.append(f"{'period':<10} {'actual to date':>15} {'p50':>12} {'80% interval':>27} {'95% interval':>27}")
    else:
        lines.append("no forecast (see the notes below)")
    for p in f.get("periods", []):
        lines.append(
            f"{p['period']:<10} {_usd(p['actual_to_date_usd']):>15} {_usd(p['p50_usd']):>12} "
            f"{_usd(p['lo_80_usd']) + ' - ' + _usd(p['hi_80_usd']):>27} "
            f"{_usd(p['lo_95_usd']) + ' - ' + _usd(p['hi_95_usd']):>27}"
        )
    if f.get("run_rate_usd") is not None:
        lines.append(
            f"run-rate for {f['month']} (month-to-date / days elapsed x days in month): {_usd(f['run_rate_usd'])}"
        )
    rows = doc.get("scenarios", []) + doc.get("alternatives", [])
    if rows:
        month = rows[0]["month"]
        lines += ["", f"Scenarios and alternatives for {month} (same simulated futures; savings = projection - it)"]
        lines.append(f"{'name':<28} {'kind':<9} {'p50':>12} {'80% interval':>27} {'savings':>10}  measured")
        for r in rows:
            m = r.get("measured") or {}
            bits = []
            if "simulated_hit_rate" in m and m["simulated_hit_rate"] is not None:
                bits.append(f"hit rate {m['simulated_hit_rate']:.1%} (logged {m['logged_hit_rate'] or 0:.1%})")
            if "requests_moved" in m:
                bits.append(f"{m['requests_moved']:,.0f} requests moved in window")
            if "requests_trimmed" in m:
                bits.append(f"{m['requests_trimmed']:,} requests trimmed")
            lines.append(
                f"{_line(r['name'])[:28]:<28} {r['kind']:<9} {_usd(r['monthly_cost_usd']):>12} "
                f"{_usd(r['lo_80_usd']) + ' - ' + _usd(r['hi_80_usd']):>27} {_usd(r['savings_vs_baseline_usd']):>10}  "
                + "; ".join(bits)
            )
    for n in f.get("notes", []):
        lines.append(f"note: {_line(n)}")
    return "\n".join(lines) + "\n"
