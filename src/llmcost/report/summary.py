"""The terminal report's first screen: the figures a person glances at, in about 40 lines.

This month and last, the forecast with its intervals, the budget, the top models and projects,
the biggest saving and the warnings, then one line saying how to see the rest (`--full`,
`--section NAME`, `--format html`). Plain text only: it formats the report document and
computes nothing (the same figures as every other format).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from llmcost.report._fmt import (
    count,
    file_count,
    formatters,
    plain,
    requests,
    requests_cell,
    rows_read,
    run_counts,
    side_requests,
    signed,
    whole_percent,
)

TOP_MODELS = 5
TOP_PROJECTS = 3
MAX_WARNINGS = 4
MAX_FILES = 3


def _grid(rows: Sequence[Sequence[str]], right_from: int, indent: str = "  ") -> list[str]:
    """Rows as aligned columns: the first `right_from` columns left-aligned, the rest right-aligned."""
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [c.ljust(w) if i < right_from else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


def _requests(row: dict[str, Any], num: Callable[[Any], str]) -> str:
    """'12 requests', '12+ requests' (a lower bound) or 'requests not stated' (_fmt.requests_cell)."""
    if row.get("requests_known", True):
        return count(row["requests"], "request", fmt=num)
    return f"{requests_cell(row, num)} requests" if row["requests"] else "requests not stated"


def _share(part: Any, whole: Any) -> str:
    if part is None or not whole:
        return ""
    return whole_percent(Decimal(part) / Decimal(whole))


def render(doc: dict[str, Any], width: int = 120, sections: Sequence[str] = ()) -> str:
    """The summary as plain text lines no wider than `width`; `sections` names what `--section` accepts."""
    fm = formatters(doc)
    money: Callable[[Any], str] = fm["money"]
    num = fm["num"]
    sm = signed(money)
    lines: list[str] = []

    def para(text: str, indent: str = "", keep: tuple[str, ...] = ()) -> None:
        # a word longer than the line (a file path) stays whole on a line of its own, so that it
        # can be copied: the terminal wraps it, not an escape like \xff cut in two; so does each
        # phrase of `keep` (an option and its value: `--format html` split over two lines reads as
        # two things). NUL stands for their spaces while wrapping: `plain` made any NUL of the text a "?".
        body = plain(text)
        for phrase in keep:
            body = body.replace(phrase, phrase.replace(" ", "\0"))
        lines.extend(ln.replace("\0", " ") for ln in textwrap.wrap(
            body, width=width, initial_indent=indent, subsequent_indent=indent + "  ",
            break_on_hyphens=False, break_long_words=False) or [""])

    t = doc["totals"]
    period = doc.get("period") or {}
    tz = period.get("tz", "UTC")
    first, last = str(t.get("first_ts") or "")[:10], str(t.get("last_ts") or "")[:10]
    span = f"{first} to {last}" if first else "no usage"
    if period.get("month"):
        span = f"{period['month']} ({tz})"
    elif period.get("since") or period.get("until"):
        span = f"{period.get('since') or '...'} to {period.get('until') or '...'} ({tz})"
    unpriced = ""
    if t.get("unpriced_requests"):
        unpriced = f"; {count(t['unpriced_requests'], 'request', fmt=num)} unpriced (left out)"
    if t.get("response_cache_hits"):
        # a gateway's own cache answers: no provider call, $0, not among the requests (docs/pricing.md)
        unpriced += (f"; {count(t['response_cache_hits'], 'answer', fmt=num)} served from a gateway's response cache "
                     "(no provider call, $0)")
    tools = ""
    calls = []
    for key, what in (("web_search_calls", "web search"), ("file_search_calls", "file search")):
        if t.get(key):
            left = (f", {num(t['unpriced_' + key])} unpriced (left out)" if t.get("unpriced_" + key) else "")
            calls.append(f"{count(t[key], what, what + 'es', fmt=num)}{left}")
    if calls:
        tools = f" (of which server tools {money(t.get('server_tools_cost_usd'))}: {'; '.join(calls)})"
    cat = doc.get("price_catalog", {})
    # the override file changes the figures: the first line named only the catalog, as if list prices
    prices = cat.get("catalog", "?") + (f" + overrides {cat['overrides_file']}" if cat.get("overrides_file") else "")
    if period.get("has_data") is False:
        first_day, last_day = period.get("data_first_day"), period.get("data_last_day")
        holds = f"the store holds data from {first_day} to {last_day}" if first_day else "the store holds none yet"
        span = "" if span == "no usage" else f", {span}"  # no window and an empty store
        para(f"LLM spend{span}: no data for this period ({holds}): spend unknown, not $0. "
             f"Prices: {prices}.")
    elif t.get("cost_lines_only"):
        # no usage row: "$0.00 estimated, 0 requests" read as usage that cost nothing
        if not first and not (period.get("month") or period.get("since") or period.get("until")):
            lo, hi = period.get("data_first_day"), period.get("data_last_day")  # the cost lines' days
            span = f"{lo} to {hi}" if lo else span
        para(f"LLM spend, {span}: {money(t.get('billed_cost_usd'))} billed (cost lines only: no usage rows, so "
             f"estimated cost n/a and no request count). Prices: {prices}.")
    else:
        para(
            f"LLM spend, {span}: {money(t.get('cost_usd'))} estimated{tools}, {money(t.get('billed_cost_usd'))} "
            f"billed, {requests(t, num)}{unpriced}. "
            f"Prices: {prices}."
        )
    ing = doc["ingest"]
    run = (doc.get("last_run") or {}).get("files")
    this_run = ""
    if run:
        this_run = " This run: " + run_counts(run) + "."
    para(f"Ingested: {file_count(ing['files'])}: {rows_read(ing, num)}.{this_run}")

    held = [f for f in ing.get("by_file", []) if f.get("rows_quarantined")]
    if held:
        lines.append("Quarantined rows (kept out of every total; the reasons are in the store's quarantine files, "
                     "--section quarantine):"[:width])
        for f in held[:MAX_FILES]:
            q = f.get("first_quarantined") or {}
            para(f"{f['file']}: {count(f['rows_quarantined'], 'row', fmt=num)}, first at line {q.get('line') or '-'}: "
                 f"{q.get('reason') or '-'}", indent="  ")
        if len(held) > MAX_FILES:
            lines.append(f"  ... and {count(len(held) - MAX_FILES, 'more file')} (--section quarantine).")
    problems = (doc.get("last_run") or {}).get("problems") or []
    if problems:
        lines.append("Files not ingested in this run:")
        for pr in problems[:MAX_FILES]:
            para(f"{pr['file']}: {pr['message']}", indent="  ")
        if len(problems) > MAX_FILES:
            lines.append(f"  ... and {len(problems) - MAX_FILES} more (--section problems).")

    c = doc.get("compare")
    if c:
        ct = c["totals"]
        lines.append("")
        cur = c["current"]
        if c.get("same_days"):  # the current month's data ends early: days 1 to its last day of both months
            lines.append(f"This month vs last, days 1-{cur['days']} of each ({c['tz']}, data up to {cur['end']})")
        else:
            lines.append(f"This month vs last ({c['tz']}" + (f", data up to {last}" if last[:7] == cur["month"]
                                                             else "") + ")")
        driver = (c.get("main_driver") or "").replace("_", " ")
        before = c["previous"].get("has_data") is False  # the month is before the store's data begins
        rows = [
            ["", c["previous"]["month"], c["current"]["month"], "change"],
            ["estimated cost", "no data" if before else money(ct["previous_cost_usd"]), money(ct["current_cost_usd"]),
             sm(ct["change_usd"]) + (f" (main driver: {driver})" if driver and ct["change_usd"] is not None
                                     else "")],
            ["requests", "no data" if before else side_requests(ct, "previous", num), side_requests(ct, "current", num),
             ""],
        ]
        if ct.get("previous_billed_usd") is not None or ct.get("current_billed_usd") is not None:
            # what the cost exports state: a month without a cost line is n/a, not $0
            rows.insert(2, ["billed cost", "no data" if before else money(ct.get("previous_billed_usd")),
                            money(ct.get("current_billed_usd")),
                            sm(ct["billed_change_usd"]) if ct.get("billed_change_usd") is not None else ""])
        if not (ct.get("previous_requests_known", True) and ct.get("current_requests_known", True)):
            # usage exports count tokens, not requests: the volume they do state
            rows.append(["tokens", "no data" if before else num(ct.get("previous_tokens")),
                         num(ct.get("current_tokens")), ""])
        lines += _grid(rows, right_from=1)
        if c["previous"].get("data_from"):
            para(f"The store's data begins on {c['previous']['data_from']}: {c['previous']['month']} holds only "
                 "its days from then.", indent="  ")

    fc = doc.get("forecast")
    lines.append("")
    if not fc:
        lines.append("Forecast: not computed (--no-forecast).")
    else:
        head = f"Forecast from the data up to {fc.get('as_of')}, confidence {fc.get('confidence', '?')}"
        if fc.get("anchored_to_data"):
            head += " (the data ends before yesterday: --as-of picks the day)"
        lines.append(head)
        periods = fc.get("periods") or []
        if periods and fc.get("p50_usd") is not None:
            rows = [["period", "", "actual to date", "median", "80% interval", "95% interval"]]
            for p in periods:
                rows.append([
                    str(p.get("period")),
                    str(p.get("kind", "")).replace("_", " "),
                    money(p.get("actual_to_date_usd")) if p.get("kind") == "current_month" else "",
                    money(p.get("p50_usd")),
                    f"{money(p.get('lo_80_usd'))} to {money(p.get('hi_80_usd'))}",
                    f"{money(p.get('lo_95_usd'))} to {money(p.get('hi_95_usd'))}",
                ])
            lines += _grid(rows, right_from=2)
            # why the confidence is low, and which data the forecast does not extend (the forecast's
            # own notes: engine._known_until), and that it rests on cost lines alone (a store of cost
            # exports only), under the figures they qualify
            for note in (n for n in fc.get("notes") or [] if n.startswith(("history too short", "some data ends",
                                                                           "the forecast rests on"))
                         or "its usage is not forecast" in n):
                # a note that starts with a provider's name keeps its case (names from the data)
                first = note[0].upper() if note.startswith(("history", "some", "the forecast")) else note[0]
                para(first + note[1:] + ".", indent="  ")
        else:
            notes = [n for n in fc.get("notes") or [] if "before yesterday" not in n]
            # the note that says why there is no forecast first, the context after it
            notes.sort(key=lambda n: not any(w in n for w in ("nothing to forecast", "too little history",
                                                              "no known price")))
            reason = "; ".join(notes) or "no forecast"
            rate = fc.get("run_rate_usd")
            para(
                f"{fc.get('month', '?')}: no forecast: {reason}; actual to date "
                f"{money(fc.get('actual_to_date_usd'))}"
                + (f", simple run-rate {money(rate)} for the month." if rate is not None else "."),
                indent="  ",
            )
    b = doc.get("budget")
    if b:
        status = "UNKNOWN" if b["value_usd"] is None else "EXCEEDED" if b["exceeded"] else "OK"
        para(f"Budget {status}: {b['message']}.")

    models = doc.get("by_provider_model") or []
    if models:
        lines.append("")
        shown = models[:TOP_MODELS]
        lines.append(f"Top models by estimated cost ({len(shown)} of {len(models)})")
        lines += _grid(
            [
                [
                    plain(m["provider"] or "-"),
                    plain(m["model"] or "-"),
                    _requests(m, num),
                    money(m["cost_usd"]) if m["priced"] else "unpriced",
                    _share(m["cost_usd"], t.get("cost_usd")) if m["priced"] else "",
                ]
                for m in shown
            ],
            right_from=2,
        )
    projects = doc.get("by_project") or []
    if projects and [p["project"] for p in projects] != ["(none)"]:  # no row names a project: nothing to rank
        shown = projects[:TOP_PROJECTS]
        lines.append(f"Top projects by estimated cost ({len(shown)} of {len(projects)})")
        lines += _grid(
            [
                [
                    plain(p["project"] or "-"),
                    _requests(p, num),
                    money(p["cost_usd"]) if p["cost_usd"] is not None else "unpriced",
                    _share(p["cost_usd"], t.get("cost_usd")),
                ]
                for p in shown
            ],
            right_from=1,
        )

    alts = [a for a in doc.get("alternatives") or [] if a.get("savings_vs_baseline_usd") is not None]
    why = [n for n in (doc.get("forecast") or {}).get("notes") or [] if n.startswith("the what-ifs: n/a:")]
    if not alts and why:
        lines.append("")
        para(f"What-ifs: {why[0].removeprefix('the what-ifs: ')}.")
    if alts:
        best = max(alts, key=lambda a: Decimal(a["savings_vs_baseline_usd"]))
        lines.append("")
        saving = Decimal(best["savings_vs_baseline_usd"])
        if saving > 0:
            para(
                f"Biggest saving: {best['name']}, {sm(saving)} in {best.get('month', '?')} (80%: "
                f"{sm(best.get('savings_lo_80_usd'))} to {sm(best.get('savings_hi_80_usd'))}): "
                f"{best.get('description', '')}."
            )
        else:
            para(f"No what-if saves money: the best, {best['name']}, changes the month by {sm(saving)}.")

    warnings = list(doc.get("warnings") or [])
    if warnings:
        lines.append("")
        lines.append("Warnings")
        for w in warnings[:MAX_WARNINGS]:
            para(w, indent="  ")
        if len(warnings) > MAX_WARNINGS:
            lines.append(f"  ... and {len(warnings) - MAX_WARNINGS} more (--full).")
        if doc.get("unpriced"):
            n = len(doc["unpriced"])
            para(f"To price {'it' if n == 1 else 'them'}: --section unpriced gives the reason and a --prices file "
                 f"snippet for {'it' if n == 1 else 'each'}.", indent="  ")

    lines.append("")
    names = ", ".join(sections)
    para(
        "More: --full prints every section; --section NAME prints one"
        + (f" ({names})" if names else "")
        + "; --format html --out report.html draws the charts.",
        keep=("--section NAME", "--format html --out report.html"),
    )
    return "\n".join(lines) + "\n"
