"""The report's sections: one registry entry per section, serving every format.

`REGISTRY` lists the sections in report order. Each entry (`SectionSpec`) names the section (what
`--section` takes), its title, the document keys it reads, the CSV tables (`--format csv --table`)
that hold its figures, and its builder: a generator of (title, note, headers, rows) of display
strings that the terminal (`--full`, `--section`), Markdown and HTML renderers all lay out, so every
format shows the same totals. To add a section, write its builder and add one entry; the CLI's
`--section` names and help come from here. Only formatting happens here; every figure comes from
the report document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from llmcost.report._fmt import (
    LINES_ONLY,
    NOT_STATED,
    count,
    file_count,
    requests_cell,
    rows_read,
    run_counts,
    share_of,
    side_requests,
    signed,
)

Section = tuple[str, str, list[str], list[list[str]]]
Fmt = Callable[[Any], str]
Builder = Callable[[dict[str, Any], Fmt, Fmt, Fmt], Iterator[Section]]
"""(document, money, num, pct) -> the section's (title, note, headers, rows), none when it has nothing to show."""
NOT_COMPUTED = "not computed"
TOP_PROJECTS = 25
"""Projects listed in the table, markdown and HTML reports (JSON and CSV keep every one)."""
LAST_DAYS = 31
"""Days listed in the By day table, up to the last day with usage (JSON and CSV keep every day)."""
REQUESTS_SHORT_NOTE = ("requests: N+ is a lower bound and 'not stated' is not zero: part or all of the row's usage "
                       "comes from exports that state no request count (Totals says how much).")
"""The note under a table whose request counts read N+ or 'not stated' (_fmt.requests_cell)."""


@dataclass(frozen=True)
class SectionSpec:
    name: str
    """What `--section` takes."""
    title: str
    """The heading every format shows."""
    reads: tuple[str, ...]
    """Top-level document keys the builder reads."""
    build: Builder
    tables: tuple[str, ...] = ()
    """The CSV tables (report.tables.TABLES) holding the section's figures as raw values."""


def _f(v: Any, digits: int = 0) -> str:
    return "-" if v is None else f"{float(v):,.{digits}f}"

def _about(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    cat = doc.get("price_catalog", {})
    over = cat.get("overrides_file")
    sha = cat.get("overrides_sha256")
    period = doc.get("period") or {}
    window = ""
    if period.get("month"):
        window = f" Period: {period['month']} ({period.get('tz', 'UTC')})."
    elif period.get("since") or period.get("until"):
        window = (
            f" Period: {period.get('since') or '...'} to {period.get('until') or '...'} ({period.get('tz', 'UTC')})."
        )
    if period.get("has_data") is False:
        first, last = period.get("data_first_day"), period.get("data_last_day")
        window += (f" No data for this period: the store holds data from {first} to {last}, so its spend is "
                   "unknown, not $0." if first else " No data: the store holds no usage yet.")
    yield (
        "About this report",
        # the sentence starts with a word of ours: the paragraph's capital must not rename the tool
        f"Generated {doc['generated_at']} by {doc['tool']} from store {doc['store']}. "
        f"Price catalog: {cat.get('catalog', '?')}"
        + (f"; overrides {over} (sha256 {sha[:12]})" if over else "; no override file")
        + ". Costs marked estimated are tokens x the price in force on the day; billed costs come from "
        "provider cost exports." + window,
        [],
        [],
    )


def _currency(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    cur = doc.get("currency")
    if cur:
        yield ("Currency", cur["note"] + f" (rates file {cur['rates_file']}).", [], [])


def _ingest(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    ing = doc["ingest"]
    run = (doc.get("last_run") or {}).get("files")
    this_run = (
        " This run: " + run_counts(run) + "."
        if run
        else ""
    )
    skipped = bool(ing.get("rows_skipped"))  # a column only when some format skipped records
    yield (
        "Ingested",
        f"{file_count(ing['files'])}: {rows_read(ing, num)}." + this_run,
        ["source", "files", "read", "stored", "duplicate", *(["skipped"] if skipped else []), "quarantined"],
        [
            [
                s["source"],
                num(s["files"]),
                num(s["rows_read"]),
                num(s["rows_stored"]),
                num(s["rows_duplicate"]),
                *([num(s.get("rows_skipped", 0))] if skipped else []),
                num(s["rows_quarantined"]),
            ]
            for s in ing["by_source"]
        ],
    )


def _quarantine(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    ing = doc["ingest"]
    held = [f for f in ing.get("by_file", []) if f.get("rows_quarantined")]
    if held:
        yield (
            "Quarantined rows",
            "Rows that failed a check are kept out of every total, each with its file, line and reason in "
            "the store's quarantine file (JSON lines"
            + (f"; the paths below are inside {doc['store']}" if doc.get("store") else "")
            + ").",
            ["file", "rows", "first line", "first reason", "quarantine file"],
            [
                [
                    f["file"],
                    num(f["rows_quarantined"]),
                    str((f.get("first_quarantined") or {}).get("line") or "-"),
                    (f.get("first_quarantined") or {}).get("reason") or "-",
                    f.get("quarantine") or "-",
                ]
                for f in held
            ],
        )


def _problems(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    last = doc.get("last_run")
    if last and last.get("problems"):
        yield (
            "Files not ingested in this run",
            "",
            ["file", "problem"],
            [[p["file"], p["message"]] for p in last["problems"]],
        )


def _notes(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    last = doc.get("last_run")
    if last and last.get("notes"):
        yield ("Notes on this run", "", ["file", "note"], [[n["file"], n["note"]] for n in last["notes"]])


def _totals(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    t = doc["totals"]
    # server-side tool fees (web search, file search) get their own columns when the data states any calls
    tools = bool(t.get("web_search_calls"))
    files = bool(t.get("file_search_calls"))
    notes = []
    if tools or files:
        notes.append("estimated cost includes the server-tools fees ("
                     + ", ".join(n for n, on in (("web search", tools), ("file search", files)) if on)
                     + ", priced per call), shown apart.")
    if not t.get("requests_known", True):
        notes.append(_requests_note(t, money, num))
    lines_only = bool(t.get("cost_lines_only"))
    if lines_only:
        notes.append(LINES_ONLY[0].upper() + LINES_ONLY[1:] + ".")
    yield (
        "Totals",
        " ".join(notes),
        [
            "requests",
            "input (uncached)",
            "cache read",
            "cache write",
            "output",
            "estimated cost",
            "billed cost",
            "unpriced requests",
            *(["web searches"] if tools else []),
            *(["file searches"] if files else []),
            *(["server tools cost"] if tools or files else []),
            *(["unpriced web searches"] if tools else []),
            *(["unpriced file searches"] if files else []),
        ],
        [
            [
                NOT_STATED if lines_only else requests_cell(t, num),
                num(t["input_tokens"]),
                num(t["cache_read_tokens"]),
                num(t["cache_write_tokens"]),
                num(t["output_tokens"]),
                "n/a" if lines_only else money(t["cost_usd"]),
                money(t.get("billed_cost_usd")),
                num(t["unpriced_requests"]),
                *([num(t["web_search_calls"])] if tools else []),
                *([num(t["file_search_calls"])] if files else []),
                *([money(t["server_tools_cost_usd"])] if tools or files else []),
                *([num(t["unpriced_web_search_calls"])] if tools else []),
                *([num(t["unpriced_file_search_calls"])] if files else []),
            ]
        ],
    )


def _requests_note(t: dict[str, Any], money: Fmt, num: Fmt) -> str:
    """What the request counts leave out: the usage of exports that state no request count."""
    of = share_of(t.get("no_request_count_token_share"), "the tokens")
    bound = (f"{num(t['requests'])} requests is a lower bound (N+ in the tables)" if t.get("requests")
             else "the request count is not stated, not zero")
    return (f"{num(t.get('no_request_count_tokens'))} tokens{of}, {money(t.get('no_request_count_cost_usd'))} "
            "estimated, come from usage or billing exports that state no request count: "
            f"{bound}. Per-request figures (cost per request, requests per day, tokens per request) cover "
            "the rows that state their count.")


def _warnings(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    for w in doc.get("warnings", []):
        yield ("Warning", w, [], [])


def _models(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    t = doc["totals"]
    tools = bool(t.get("web_search_calls"))
    files = bool(t.get("file_search_calls"))
    yield (
        "By provider and model",
        "" if all(m.get("requests_known", True) for m in doc["by_provider_model"]) else REQUESTS_SHORT_NOTE,
        ["provider", "model", "requests", "input", "cache read", "cache write", "output", "estimated cost",
         *(["web searches"] if tools else []), *(["file searches"] if files else []),
         *(["server tools"] if tools or files else [])],
        [
            [
                m["provider"] or "-",
                m["model"] or "-",
                requests_cell(m, num),
                num(m["input_tokens"]),
                num(m["cache_read_tokens"]),
                num(m["cache_write_tokens"]),
                num(m["output_tokens"]),
                money(m["cost_usd"]) if m["priced"] else "unpriced",
                *([num(m.get("web_search_calls"))] if tools else []),
                *([num(m.get("file_search_calls"))] if files else []),
                *([_tools_cost(m, money)] if tools or files else []),
            ]
            for m in doc["by_provider_model"]
        ],
    )


def _unpriced(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    if doc.get("unpriced"):
        bare = sum(1 for u in doc["unpriced"] if u["model"] and not u["override_snippet"])
        yield (
            "Unpriced models",
            "Why each has no price and how to fix it; the prices go in your override file (--prices FILE, "
            "./llmcost-prices.toml or $LLMCOST_PRICES). A cell shows the snippet on one line; the JSON "
            "report holds it ready to paste (unpriced[].override_snippet)."
            + (f" Suggestions are given for the {len(doc['unpriced']) - bare:,} with the most tokens; the other "
               f"{bare:,} have none." if bare else ""),
            ["provider", "model", "requests", "token share", "why unpriced", "how to fix", "did you mean",
             "override snippet"],
            [
                [
                    u["provider"] or "-",
                    u["model"] or "-",
                    num(u["requests"]),
                    pct(u["token_share"]),
                    u.get("reason") or "-",
                    u.get("fix") or "-",
                    ", ".join(u["did_you_mean"]) or "-",
                    u["override_snippet"].replace("\n", " "),
                ]
                for u in doc["unpriced"]
            ],
        )
    else:
        yield ("Unpriced models", f"none to price: {LINES_ONLY}." if doc["totals"].get("cost_lines_only")
               else "none: every request has a price.", [], [])


def _projects(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    projects = doc["by_project"]
    yield (
        "By project",
        ((""
         if len(projects) <= TOP_PROJECTS
         else f"the top {TOP_PROJECTS} of {len(projects):,} projects by cost; all of them: --format csv --table "
         "by_project.")
        + ("" if all(p.get("requests_known", True) for p in projects[:TOP_PROJECTS]) else " " + REQUESTS_SHORT_NOTE)
        ).strip(),
        ["project", "requests", "estimated cost"],
        [[p["project"], requests_cell(p, num), money(p["cost_usd"])] for p in projects[:TOP_PROJECTS]],
    )


def _labels(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    labels = doc.get("by_label") or []
    if any(r["label"] != "(none)" for r in labels):
        yield (
            "By label",
            "per --label KEY=VALUE the rows were stored with (e.g. each machine's share); a reply seen on two "
            "machines counts once, under the copy stored first."
            + ("" if all(r.get("requests_known", True) for r in labels) else " " + REQUESTS_SHORT_NOTE),
            ["label", "requests", "input", "cache read", "cache write", "output", "estimated cost", "billed cost"],
            [
                [r["label"], requests_cell(r, num), num(r["input_tokens"]), num(r["cache_read_tokens"]),
                 num(r["cache_write_tokens"]), num(r["output_tokens"]), money(r["cost_usd"]),
                 money(r["billed_cost_usd"])]
                for r in labels
            ],
        )


def _tags(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    tagged = doc.get("by_tag") or []
    if tagged:
        yield (
            "By tag",
            "per value of each tag asked with --by tag:NAME (the user's own tags from the logs); a bare tag's "
            "value is 'true'; rows without the tag are '(untagged)', so each tag's rows add up to the totals."
            + ("" if all(r.get("requests_known", True) for r in tagged) else " " + REQUESTS_SHORT_NOTE),
            ["tag", "value", "requests", "input", "cache read", "cache write", "output", "estimated cost",
             "unpriced requests"],
            [
                [r["tag"], r["value"], requests_cell(r, num), num(r["input_tokens"]), num(r["cache_read_tokens"]),
                 num(r["cache_write_tokens"]), num(r["output_tokens"]),
                 money(r["cost_usd"]) if r["cost_usd"] is not None else "unpriced",
                 num(r["unpriced_requests"])]
                for r in tagged
            ],
        )


def _days(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    days = doc["by_day"]
    shown = days
    if days:
        first = _day(days[-1]["day"]) - timedelta(days=LAST_DAYS - 1)
        shown = [d for d in days if _day(d["day"]) >= first]
    yield (
        "By day",
        ((""
         if len(shown) == len(days)
         else f"the {LAST_DAYS} days up to the last day with usage ({shown[0]['day']} to {shown[-1]['day']}); "
         "every day: --format csv --table by_day.")
        + ("" if all(d.get("requests_known", True) for d in shown) else " " + REQUESTS_SHORT_NOTE)
        ).strip(),
        [f"day ({doc['period'].get('tz') or 'UTC'})", "provider", "requests", "input", "cache read", "output",
         "estimated cost"],
        [
            [
                str(d["day"]),
                d["provider"] or "-",
                requests_cell(d, num),
                num(d["input_tokens"]),
                num(d["cache_read_tokens"]),
                num(d["output_tokens"]),
                money(d["cost_usd"]),
            ]
            for d in shown
        ],
    )


def _forecast(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    fc = doc.get("forecast")
    if not fc:
        yield ("Forecast", NOT_COMPUTED, [], [])
    else:
        actual = f"actual to date {money(fc.get('actual_to_date_usd'))}" + (
            f" (simple run-rate {money(fc.get('run_rate_usd'))})" if fc.get("run_rate_usd") is not None else ""
        )
        if fc.get("p50_usd") is None:
            note = f"{fc.get('month', '?')}: no forecast; {actual}."
        else:
            note = (
                f"{fc.get('month', '?')}: median {money(fc.get('p50_usd'))}, 80% {money(fc.get('lo_80_usd'))} to "
                f"{money(fc.get('hi_80_usd'))}, 95% {money(fc.get('lo_95_usd'))} to "
                f"{money(fc.get('hi_95_usd'))}; {actual}"
                f"; model {fc.get('model_used', '?')}; confidence {fc.get('confidence', '?')}."
            )
        if fc.get("notes"):
            note += " Notes below (Forecast notes)."
        periods = fc.get("periods") or []
        yield (
            "Forecast",
            note,
            [
                "period",
                "kind",
                "actual to date",
                "median",
                "80% low",
                "80% high",
                "95% low",
                "95% high",
            ]
            if periods
            else [],
            [
                [
                    str(p.get("period", "-")),
                    str(p.get("kind", "-")).replace("_", " "),
                    # a period that has not started has no actuals (the document's 0.00), as on the first screen
                    money(p.get("actual_to_date_usd")) if p.get("kind") == "current_month" else "-",
                    money(p.get("p50_usd")),
                    money(p.get("lo_80_usd")),
                    money(p.get("hi_80_usd")),
                    money(p.get("lo_95_usd")),
                    money(p.get("hi_95_usd")),
                ]
                for p in periods
            ],
        )


def _forecast_notes(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    """The forecast's notes, one row each (they were one paragraph of "; "-joined notes)."""
    notes = (doc.get("forecast") or {}).get("notes") or []
    if notes:
        yield ("Forecast notes", "What the forecast did with this data, and why.", ["note"], [[n] for n in notes])


def _scenarios(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    sc = doc.get("scenarios")
    if not sc:
        yield ("Scenarios", NOT_COMPUTED, [], [])
    else:
        yield (
            "Scenarios",
            "Next month's cost if traffic and context move as each scenario assumes, with its 80% interval; "
            "savings are against the baseline forecast, so a scenario that assumes growth costs more (a "
            "negative saving).",
            ["scenario", "month", "monthly cost", "80% low", "80% high", "savings vs baseline", "description"],
            [
                [
                    s["name"],
                    str(s.get("month", "-")),
                    money(s.get("monthly_cost_usd")),
                    money(s.get("lo_80_usd")),
                    money(s.get("hi_80_usd")),
                    signed(money)(s.get("savings_vs_baseline_usd")),
                    str(s.get("description", "")),
                ]
                for s in sc
            ],
        )


def _whatifs(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    alts = doc.get("alternatives")
    if alts:
        yield (
            "What-if alternatives",
            "Each simulated on the logged requests (rates measured, not assumed), on the same simulated "
            "futures as the scenarios; savings are for the month shown, against the baseline forecast.",
            ["what-if", "month", "monthly cost", "savings", "savings 80% range", "measured", "description"],
            [
                [
                    a["name"],
                    str(a.get("month", "-")),
                    money(a.get("monthly_cost_usd")),
                    signed(money)(a.get("savings_vs_baseline_usd")),
                    f"{signed(money)(a.get('savings_lo_80_usd'))} to {signed(money)(a.get('savings_hi_80_usd'))}",
                    _measured(a.get("measured") or {}, a.get("kind")),
                    str(a.get("description", "")),
                ]
                for a in alts
            ],
        )


def _spend(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    sp = doc.get("spend")
    if sp:
        # a month of exports that state no request count has usage (and spend) but 0 requests stated
        months = [r for r in sp["by_month"] if r["requests"] or not r.get("requests_known", True)]
        yield (
            "Spend by month",
            "" if all(r.get("requests_known", True) for r in months) else REQUESTS_SHORT_NOTE,
            ["month", "requests", "unpriced requests", "estimated cost"],
            [
                [
                    str(r["period_start"])[:7],
                    requests_cell(r, num),
                    num(r["unpriced_requests"]),
                    money(r["cost_usd"]),
                ]
                for r in months
            ],
        )


def _turns(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    turns = doc.get("turns")
    if turns is not None and not turns:
        yield (
            "Per-turn input growth",
            "no conversations in this data: no row carries a conversation id (--infer-conversations infers "
            "them from timing and prompt growth, marked inferred; docs/conversations.md).",
            [],
            [],
        )
    elif turns is not None:
        h = (doc.get("conversations") or {}).get("history") or {}
        yield (
            "Per-turn input growth",
            "Prompt tokens (input + cache read + cache write) by position in a conversation; history = the "
            "previous turn's prompt and answer sent again. "
            f"History is {pct(h.get('history_share_of_input'))} of "
            f"conversation input and {pct(h.get('history_share_of_cost'))} of its cost.",
            [
                "turn",
                "conversations",
                "mean input tokens",
                "median input tokens",
                "cached share",
                "history share",
                "cost",
            ],
            [
                [
                    num(r["turn"]),
                    num(r["conversations"]),
                    _f(r["mean_input_tokens"]),
                    _f(r["median_input_tokens"]),
                    pct(r["cached_share"]),
                    pct(r["history_share_of_input"]),
                    money(r["cost_usd"]),
                ]
                for r in turns
            ],
        )


def _cache(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    c = doc.get("cache")
    if c:
        reason = str(c.get("hit_rate_reason") or "")
        hr = pct(c["hit_rate"]) if c["hit_rate"] is not None else (
            reason if reason.startswith("unknown") else f"unknown: {reason}"
        )
        yield (
            "Cache",
            f"Hit rate {hr}; saved {money(c['savings_usd'])}, write premium {money(c['write_premium_usd'])}, "
            f"net {money(c['net_savings_usd'])}; missed savings up to {money(c['missed_savings_usd'])}."
            + ("" if all(m.get("requests_known", True) for m in c["by_model"]) else " " + REQUESTS_SHORT_NOTE),
            ["provider", "model", "requests", "hit rate", "saved", "write premium", "missed savings"],
            [
                [
                    m["provider"] or "-",
                    m["model"] or "-",
                    requests_cell(m, num),
                    pct(m["hit_rate"]) if m["hit_rate"] is not None else "unknown",
                    money(m["savings_usd"]),
                    money(m["write_premium_usd"]),
                    money(m["missed_savings_usd"]),
                ]
                for m in c["by_model"]
            ],
        )


def _complexity(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    cx = doc.get("complexity")
    if cx and not cx["shares"]:
        # the mix classifies request-grain rows only: exports and traces of buckets (a day's or an
        # hour's totals) have no single request's size to classify
        yield ("Complexity mix", "no request to classify: only rows of single requests are classified, and this "
                                 "window has none (usage exports and bucketed traces hold totals per day or hour).",
               [], [])
    elif cx:
        yield (
            "Complexity mix",
            cx["definition"],
            ["class", "requests", "share of requests", "cost", "share of cost"],
            [
                [
                    r["label"],
                    num(r["requests"]),
                    pct(r["request_share"]),
                    money(r["cost_usd"]),
                    pct(r["cost_share"]) if r["cost_share"] is not None else "-",  # $0 of $0: no share
                ]
                for r in cx["shares"]
            ],
        )


def _bursts(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    b = doc.get("bursts")
    t = doc.get("totals") or {}
    if b and not t.get("requests") and not t.get("requests_known", True):
        # every zero below would be an export's day read as no requests: bursts count requests
        yield ("Bursts", "not measured: the usage comes from exports that state no request count (usage exports "
                         "count tokens per day, not requests), and bursts are counted in requests.", [], [])
    elif b:
        rows = []
        for g in ("hour", "day"):
            p = b.get(g)
            if p:
                rows.append(
                    [
                        g,
                        num(p["periods"]),
                        _f(p["median_requests"], 1),
                        _f(p["mean_requests"], 2),
                        str(p["peak_start"]),
                        num(p["peak_requests"]),
                        _f(p["peak_to_median"], 1) if p["peak_to_median"] is not None else "-",
                    ]
                )
        yield (
            "Bursts",
            _burst_window(b)
            + (
                f"{len(b['peak_days'])} peak days (>= {b['peak_factor']:g} x the median day) cost "
                f"{money(b['peak_days_cost_usd'])} ({pct(b['peak_days_cost_share'])} of the window's spend)."
                if b["peak_days"]
                else f"No peak day: no day reached {b['peak_factor']:g} x the median day."
            ),
            [
                "period",
                "periods",
                "median requests",
                "mean requests",
                "peak start",
                "peak requests",
                "peak / median",
            ],
            rows,
        )


def _prefix(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    pre = doc.get("prefix")
    if pre:
        br = pre["block_reuse"]
        comp = pre["components"]
        note = (
            f"Block prefix reuse: {pct(br['reuse_share'])}"
            if br["reuse_share"] is not None
            else f"Block prefix reuse: unknown ({br['reason']})"
        )
        if comp.get("available") and comp.get("sys_prompt_share") is not None:
            note += f"; system prompt share of input {pct(comp['sys_prompt_share'])}"
        else:
            note += f"; prompt components: {comp.get('reason') or 'unknown'}"
        yield ("Prompt prefix", note + ".", [], [])


def _reconciliation_s(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    yield from _reconciliation(doc, money, num, pct)


def _budget_s(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    yield from _budget(doc)


def _compare_s(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    yield from _compare(doc, money, num)


def _unit_part(title: str) -> Builder:
    """One of the sections `_unit_costs` lays out from the `unit_costs` document key."""

    def build(doc: dict[str, Any], money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
        uc = doc.get("unit_costs")
        if uc:
            yield from (s for s in _unit_costs(uc, money, num, pct) if s[0] == title)

    return build


REGISTRY: tuple[SectionSpec, ...] = (
    SectionSpec("about", "About this report", ("tool", "generated_at", "store", "price_catalog", "period"), _about,
                ("price_catalog", "period")),
    SectionSpec("currency", "Currency", ("currency",), _currency),
    SectionSpec("ingest", "Ingested", ("ingest", "last_run"), _ingest, ("ingest",)),
    SectionSpec("quarantine", "Quarantined rows", ("ingest", "store"), _quarantine, ("ingest",)),
    SectionSpec("problems", "Files not ingested in this run", ("last_run",), _problems),
    SectionSpec("notes", "Notes on this run", ("last_run",), _notes),
    SectionSpec("totals", "Totals", ("totals",), _totals, ("totals",)),
    SectionSpec("warnings", "Warning", ("warnings",), _warnings),
    SectionSpec("reconciliation", "Estimate vs billed (money counted once)", ("reconciliation",), _reconciliation_s,
                ("reconciliation",)),
    SectionSpec("budget", "Budget", ("budget",), _budget_s, ("budget",)),
    SectionSpec("forecast", "Forecast", ("forecast",), _forecast, ("forecast",)),
    SectionSpec("forecast-notes", "Forecast notes", ("forecast",), _forecast_notes),
    SectionSpec("scenarios", "Scenarios", ("scenarios",), _scenarios, ("scenarios",)),
    SectionSpec("whatifs", "What-if alternatives", ("alternatives",), _whatifs, ("scenarios",)),
    SectionSpec("compare", "This month vs last", ("compare",), _compare_s, ("compare", "compare_by_model")),
    SectionSpec("models", "By provider and model", ("by_provider_model", "totals"), _models, ("by_provider_model",)),
    SectionSpec("unpriced", "Unpriced models", ("unpriced",), _unpriced, ("unpriced",)),
    SectionSpec("spend", "Spend by month", ("spend",), _spend, ("spend_by_month",)),
    SectionSpec("turns", "Per-turn input growth", ("turns", "conversations"), _turns, ("turns",)),
    SectionSpec("cache", "Cache", ("cache",), _cache, ("cache", "cache_by_model", "cache_daily")),
    SectionSpec("complexity", "Complexity mix", ("complexity",), _complexity, ("complexity",)),
    SectionSpec("bursts", "Bursts", ("bursts",), _bursts, ("bursts",)),
    SectionSpec("prefix", "Prompt prefix", ("prefix",), _prefix),
    SectionSpec("units", "Unit costs", ("unit_costs",), _unit_part("Unit costs"), ("unit_costs",)),
    SectionSpec("break-even", "Break-even per session", ("unit_costs",), _unit_part("Break-even per session"),
                ("unit_economics",)),
    SectionSpec("unit-trend", "Unit cost by month", ("unit_costs",), _unit_part("Unit cost by month"),
                ("unit_costs_by_month",)),
    SectionSpec("unit-top", "Most expensive units", ("unit_costs",), _unit_part("Most expensive units"),
                ("unit_costs_top",)),
    SectionSpec("projects", "By project", ("by_project",), _projects, ("by_project",)),
    SectionSpec("labels", "By label", ("by_label",), _labels, ("by_label",)),
    SectionSpec("tags", "By tag", ("by_tag",), _tags, ("by_tag",)),
    SectionSpec("days", "By day", ("by_day",), _days, ("by_day",)),
)
"""Every section, in report order."""

NAMES: tuple[str, ...] = tuple(s.name for s in REGISTRY)
"""What `--section` accepts."""
KEYS = {s.title: s.name for s in REGISTRY}
"""Section title -> the short name `--section` takes."""


def key(title: str) -> str:
    """The `--section` name of a section title."""
    return KEYS.get(title) or "-".join("".join(ch if ch.isalnum() else " " for ch in title.lower()).split())


TEXT_COLUMNS = frozenset(
    {"description", "measured", "did you mean", "override snippet", "why unpriced", "how to fix",
     "first reason", "quarantine file", "problem",
     "basis", "coverage", "kind", "variant", "value", "source", "note"}
)
"""Columns of words, left-aligned like a table's first two in every renderer (numbers are
right-aligned)."""


def paragraph(title: str, note: str) -> str:
    """A section's note as the paragraph under its heading (Markdown, HTML): a sentence, so its first
    letter is capitalised; not a warning's, which may start with a name from the data (a model id
    keeps its case)."""
    return note if title == "Warning" else note[:1].upper() + note[1:]


def sections(doc: dict[str, Any], *, money: Fmt, num: Fmt, pct: Fmt) -> Iterator[Section]:
    """Every registered section with something to show, in report order."""
    for spec in REGISTRY:
        yield from spec.build(doc, money, num, pct)


def _reconciliation(
    doc: dict[str, Any], money: Callable[[Any], str], num: Callable[[Any], str], pct: Callable[[Any], str]
) -> Iterator[Section]:
    rec = doc.get("reconciliation")
    if not rec:
        return
    yield (
        "Estimate vs billed (money counted once)",
        f"{rec['rule']} Money: {money(rec['money_usd'])}.",
        [
            "provider",
            "money",
            "basis",
            "billed",
            "estimated",
            "gap (est. - billed)",
            "billed days",
            "coverage",
        ],
        [
            [
                p["provider"] or "-",
                money(p["money_usd"]),
                p["money_basis"],
                money(p["billed_usd"]),
                money(p["estimated_usd"]),
                money(p["gap_usd"]),
                f"{p['billed_days']}/{p['days']}",
                pct(p["coverage"]) if p["coverage"] is not None else "no provider usage export",
            ]
            for p in rec["by_provider"]
        ],
    )


def _budget(doc: dict[str, Any]) -> Iterator[Section]:
    b = doc.get("budget")
    if b:
        status = "UNKNOWN: " if b["value_usd"] is None else "EXCEEDED: " if b["exceeded"] else "OK: "
        yield ("Budget", status + b["message"] + ".", [], [])


def _measured(m: dict[str, Any], kind: str | None = None) -> str:
    """The alternative's measured figures its registered kind shows (the full record is in the JSON report)."""
    from llmcost.scenarios.alternatives import registry

    reg = registry().get(kind or "")
    shown = reg.shown if reg is not None else ()
    parts = []
    for f in shown:
        v = m.get(f.key)
        if isinstance(v, int | float) and not isinstance(v, bool):
            parts.append(f"{f.label} {v:.1%}" if f.style == "rate" else f"{f.label} {v:,.0f}")
    return "; ".join(parts) or "-"


def _compare(doc: dict[str, Any], money: Callable[[Any], str], num: Callable[[Any], str]) -> Iterator[Section]:
    c = doc.get("compare")
    if not c:
        no_data = (doc.get("period") or {}).get("has_data") is False
        yield ("This month vs last", "no data in this period to compare" if no_data else "no usage to compare", [], [])
        return
    t = c["totals"]
    sm = signed(money)
    shown = c.get("applicable_drivers") or list(c["drivers"])
    drivers = ", ".join(f"{k.replace('_', ' ')} {sm(t[f'{k}_usd'])}" for k in shown)
    note = (
        f"{c['current']['month']} vs {c['previous']['month']} ({c['tz']}): "
        f"{money(t['previous_cost_usd'])} -> "
        f"{money(t['current_cost_usd'])} ({sm(t['change_usd'])}); by driver: {drivers}. "
        f"Main driver: {(c['main_driver'] or '-').replace('_', ' ')}. Method: {c['method']}."
    )
    before = c["previous"].get("has_data") is False  # the previous month ends before the data begins
    if t["current_cost_usd"] is None:
        note = (
            f"{c['current']['month']} vs {c['previous']['month']} ({c['tz']}): no priced usage in either "
            "month, so the money change is unknown (n/a), not $0."
            + (f" The store's data begins after {c['previous']['end']}." if before else "")
        )
    elif before:
        note = (
            f"{c['current']['month']} vs {c['previous']['month']} ({c['tz']}): the store's data begins after "
            f"{c['previous']['end']}, so {c['previous']['month']}'s spend and the change are unknown (n/a), not $0."
        )
    elif c["previous"].get("data_from"):
        note += (f" The store's data begins on {c['previous']['data_from']}: {c['previous']['month']} holds only "
                 "its days from then, so the change overstates growth.")
    if c.get("days_compared"):
        # the current month's data ends early: the same days of both months, said first
        note = f"Same days compared, {c['days_compared']}. " + note
    if t.get("previous_billed_usd") is not None or t.get("current_billed_usd") is not None:
        note += (f" Billed by cost exports: {money(t.get('previous_billed_usd'))} -> "
                 f"{money(t.get('current_billed_usd'))}"
                 + (f" ({sm(t['billed_change_usd'])})" if t.get("billed_change_usd") is not None else "") + ".")
    if t.get("unpriced_requests"):
        n = t["unpriced_requests"]
        note += f" {count(n, 'unpriced request', fmt=num)} {'is' if n == 1 else 'are'} left out."
    yield (
        "This month vs last",
        note,
        [
            "provider",
            "model",
            "requests (prev -> now)",
            "tokens (prev -> now)",
            "tokens/request (prev -> now)",
            "cost (prev -> now)",
            "change",
            *(k.replace("_", "/") if k == "tokens_per_request" else k for k in shown),
        ],
        [
            [
                m["provider"] or "-",
                m["model"] or "-",
                f"{side_requests(m, 'previous', num)} -> {side_requests(m, 'current', num)}",
                f"{num(m.get('previous_tokens'))} -> {num(m.get('current_tokens'))}",
                f"{_f(m['previous_tokens_per_request'])} -> {_f(m['current_tokens_per_request'])}",
                f"{money(m['previous_cost_usd'])} -> {money(m['current_cost_usd'])}",
                (sm(m["change_usd"]) if m["change_usd"] is not None else "n/a") if m["priced"] else "unpriced",
                *(sm(m[f"{k}_usd"]) if m["priced"] and m[f"{k}_usd"] is not None else "-" for k in shown),
            ]
            for m in c["by_model"]
        ],
    )


UNIT_LABELS = {
    "conversation": "per conversation",
    "user": "per user",
    "active_user_month": "per active user-month",
    "request": "per request",
}


def _unit_costs(
    uc: dict[str, Any], money: Callable[[Any], str], num: Callable[[Any], str], pct: Callable[[Any], str]
) -> Iterator[Section]:
    def dist(r: dict[str, Any]) -> list[str]:
        return [
            UNIT_LABELS.get(r["unit"], r["unit"]),
            "all projects" if r["level"] == "all" else (r["project"] or "(no project)"),
            num(r["priced_units"]),
            num(r["unpriced_units"]),
            money(r["cost_usd"]),
            money(r["mean_usd"]),
            money(r["p50_usd"]),
            money(r["p90_usd"]),
            money(r["p99_usd"]),
            pct(r["top1pct_cost_share"]) if r["top1pct_cost_share"] is not None else "-",
        ]

    rows = [dist(r) for r in uc["overall"]]
    shown: dict[str, int] = {}
    for r in uc["by_project"]:  # already by unit, then cost (largest first)
        shown[r["unit"]] = shown.get(r["unit"], 0) + 1
        if shown[r["unit"]] <= TOP_PROJECTS:
            rows.append(dist(r))
    more = sum(max(0, n - TOP_PROJECTS) for n in shown.values())
    yield (
        "Unit costs",
        uc["definition"] + ". Top 1% = the share of the cost in the most expensive 1% of units."
        + (f" {more} more project rows in --format json or csv." if more else ""),
        ["unit", "project", "priced units", "unpriced units", "cost", "mean", "p50", "p90", "p99", "top 1%"],
        rows,
    )
    eco = uc.get("economics")
    if eco:
        value = eco["value_per_conversion_usd"]
        yield (
            "Break-even per session",
            f"Conversion rate {pct(eco['conversion_rate'])}"
            + (f", {money(value)} per conversion" if value is not None else " (no --value-per-conversion: "
               "no margin)") + ". " + eco["definition"][:1].upper() + eco["definition"][1:] + ".",
            ["session", "cost per session", "break-even value per conversion", "value per session",
             "margin per session"],
            [
                [
                    r["session"],
                    money(r["cost_per_session_usd"]),
                    money(r["break_even_value_per_conversion_usd"]),
                    money(r["value_per_session_usd"]) if r["value_per_session_usd"] is not None else "-",
                    money(r["margin_per_session_usd"]) if r["margin_per_session_usd"] is not None else "-",
                ]
                for r in eco["sessions"]
            ],
        )
    yield (
        "Unit cost by month",
        "Mean and median unit cost per UTC month; change = the mean against the previous month with usage.",
        ["unit", "month", "priced units", "unpriced units", "mean", "p50", "change"],
        [
            [
                UNIT_LABELS.get(r["unit"], r["unit"]),
                str(r["month"])[:7],
                num(r["priced_units"]),
                num(r["unpriced_units"]),
                money(r["mean_usd"]),
                money(r["p50_usd"]),
                "-" if r["mean_change_ratio"] is None else f"{r['mean_change_ratio'] * 100:+.1f}%",
            ]
            for r in uc["by_month"]
        ],
    )
    yield (
        "Most expensive units",
        "The most expensive conversations and users; a cost marked + has unpriced rows (a lower bound).",
        ["unit", "rank", "id", "project", "requests", "cost"],
        [
            [
                r["unit"],
                num(r["rank"]),
                str(r["unit_key"]),
                (r["project"] or "-") + (f" (+{r['projects'] - 1} more)" if r["projects"] > 1 else ""),
                # a unit's rows each count 1+ requests, but an export's row states none: 0 is 'not stated'
                num(r["requests"]) if r["requests"] else NOT_STATED,
                money(r["cost_usd"]) + (" +" if r["has_unpriced"] else ""),
            ]
            for r in uc["top"]
        ],
    )


def _day(v: date | str) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def _burst_window(b: dict[str, Any]) -> str:
    """Which days the burst figures cover, as the start of the Bursts note."""
    w = b.get("window")
    if not w or w.get("since") is None:
        return ""
    first, last = str(w["since"])[:10], str(w["last_request"])[:10]
    if w.get("recent_days"):
        return f"Over the last {w['recent_days']} days up to the last request ({first} to {last}, UTC). "
    return f"Over {first} to {last} (UTC). "


def _tools_cost(m: dict[str, Any], money: Any) -> str:
    """A model's server-tools fee: the priced part, marked when some calls have no price."""
    calls = (m.get("web_search_calls") or 0) + (m.get("file_search_calls") or 0)
    unpriced = (m.get("unpriced_web_search_calls") or 0) + (m.get("unpriced_file_search_calls") or 0)
    if not calls:
        return "-"
    if unpriced == calls:
        return "unpriced"
    extra = f" + {unpriced:,} unpriced" if unpriced else ""
    return str(money(m.get("server_tools_cost_usd"))) + extra
