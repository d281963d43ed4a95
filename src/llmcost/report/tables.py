"""The report document as named tables of raw values (CSV, and `--table NAME`).

Same figures as the other formats, unformatted: money as decimal strings in USD, ratios as
fractions, days as ISO dates. One table per name; only selection and flattening happen here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Table = tuple[list[str], list[list[Any]]]


_SPEND = [
    "requests",
    "requests_known",
    "no_request_count_tokens",
    "no_request_count_token_share",
    "no_request_count_cost_usd",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cost_usd",
]
"""A spend row's request, token and cost columns (the totals, and each provider and model)."""

_SERVER_TOOLS = [
    "web_search_calls",
    "server_tools_cost_usd",
    "unpriced_web_search_calls",
    "file_search_calls",
    "unpriced_file_search_calls",
]
"""A spend row's server-tool calls and their cost (the totals, and each provider and model)."""

_GROUP_SPEND = [
    "requests",
    "requests_known",
    "no_request_count_tokens",
    "no_request_count_cost_usd",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
    "cost_usd",
    "unpriced_requests",
]
"""The spend of a group the user names (each --label value, each tag value)."""


def _pick(rows: list[dict[str, Any]], cols: list[str]) -> Table:
    return cols, [[r.get(c) for c in cols] for r in rows]


def _ingest(d: dict[str, Any]) -> Table:
    cols = ["source", "files", "rows_read", "rows_stored", "rows_duplicate", "rows_quarantined", "rows_skipped"]
    ing = d["ingest"]
    return cols, [[s.get(c, 0) for c in cols] for s in ing["by_source"]] + [
        ["(all)", *(ing.get(c, 0) for c in cols[1:])]]


def _totals(d: dict[str, Any]) -> Table:
    cols = [*_SPEND, "billed_cost_usd", "unpriced_requests", "response_cache_hits", *_SERVER_TOOLS, "first_ts",
            "last_ts"]
    return _pick([d["totals"]], cols)


def _forecast(d: dict[str, Any]) -> Table:
    cols = [
        "period",
        "kind",
        "actual_to_date_usd",
        "p50_usd",
        "lo_80_usd",
        "hi_80_usd",
        "lo_95_usd",
        "hi_95_usd",
        "model_used",
        "confidence",
    ]
    fc = d.get("forecast")
    if not fc:
        return ["status"], [["not computed"]]
    return _pick(fc.get("periods") or [{"period": fc.get("month"), **fc}], cols)


def _scenarios(d: dict[str, Any]) -> Table:
    sc = d.get("scenarios")
    if not sc:
        return ["status"], [["not computed"]]
    return _pick(sc, ["name", "monthly_cost_usd", "lo_80_usd", "hi_80_usd", "savings_vs_baseline_usd"])


def _compare_drivers(d: dict[str, Any]) -> Table:
    c = d.get("compare")
    if not c:
        return ["status"], [["no usage to compare"]]
    t = c["totals"]
    cols = [
        "current_month",
        "previous_month",
        "previous_cost_usd",
        "current_cost_usd",
        "change_usd",
        *(f"{k}_usd" for k in c["drivers"]),
        "main_driver",
        "previous_billed_usd",
        "current_billed_usd",
        "billed_change_usd",
        "unpriced_requests",
        "current_start",
        "current_end",
        "previous_start",
        "previous_end",
        "same_days",
    ]
    return cols, [
        [
            c["current"]["month"],
            c["previous"]["month"],
            t["previous_cost_usd"],
            t["current_cost_usd"],
            t["change_usd"],
            *(t[f"{k}_usd"] for k in c["drivers"]),
            c["main_driver"],
            t.get("previous_billed_usd"),
            t.get("current_billed_usd"),
            t.get("billed_change_usd"),
            t["unpriced_requests"],
            c["current"]["start"],
            c["current"]["end"],
            c["previous"]["start"],
            c["previous"]["end"],
            c.get("same_days", False),
        ]
    ]


def _compare_models(d: dict[str, Any]) -> Table:
    c = d.get("compare")
    cols = [
        "provider",
        "model",
        "previous_requests",
        "current_requests",
        "previous_requests_known",
        "current_requests_known",
        "previous_tokens",
        "current_tokens",
        "previous_tokens_per_request",
        "current_tokens_per_request",
        "previous_cost_usd",
        "current_cost_usd",
        "change_usd",
        "requests_usd",
        "tokens_per_request_usd",
        "tokens_usd",
        "price_usd",
        "cache_usd",
    ]
    return _pick(c["by_model"] if c else [], cols)


def _cache(d: dict[str, Any]) -> Table:
    return _pick(
        [d["cache"]],
        [
            "hit_rate",
            "hit_rate_reason",
            "savings_usd",
            "write_premium_usd",
            "net_savings_usd",
            "missed_savings_usd",
        ],
    )


def _budget(d: dict[str, Any]) -> Table:
    b = d.get("budget")
    if not b:
        return ["status"], [["no --budget given"]]
    return _pick([b], ["month", "budget_usd", "basis", "value_usd", "exceeded", "probability_above", "crossed_on",
                       "crossing_day_p50", "crossing_day_lo_80", "crossing_day_hi_80", "message"])


_UNIT_COLUMNS = [
    "unit", "level", "project", "units", "priced_units", "unpriced_units", "cost_usd", "mean_usd", "p50_usd",
    "p90_usd", "p99_usd", "max_usd", "top1pct_cost_share",
]


def _unit_costs(d: dict[str, Any]) -> Table:
    uc = d.get("unit_costs") or {}
    return _pick(uc.get("overall", []) + uc.get("by_project", []), _UNIT_COLUMNS)


TABLES: dict[str, Callable[[dict[str, Any]], Table]] = {
    "ingest": _ingest,
    "totals": _totals,
    "by_provider_model": lambda d: _pick(
        d["by_provider_model"],
        ["provider", "model", *_SPEND, "priced", *_SERVER_TOOLS],
    ),
    "unpriced": lambda d: _pick(d["unpriced"], ["provider", "model", "requests", "tokens", "token_share", "reason",
                                                "fix"]),
    "by_project": lambda d: _pick(d["by_project"], ["project", "requests", "requests_known", "no_request_count_tokens",
                                                    "no_request_count_cost_usd", "cost_usd"]),
    "by_label": lambda d: _pick(
        d.get("by_label", []),
        ["label", *_GROUP_SPEND, "billed_cost_usd"],
    ),
    "by_tag": lambda d: _pick(
        d.get("by_tag", []),
        ["tag", "value", "untagged", *_GROUP_SPEND],
    ),
    "by_day": lambda d: _pick(
        d["by_day"],
        [
            "day",
            "provider",
            "requests",
            "requests_known",
            "no_request_count_tokens",
            "input_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "output_tokens",
            "cost_usd",
        ],
    ),
    "daily": lambda d: _pick(d["daily"], ["day", "requests", "requests_known", "no_request_count_tokens", "cost_usd",
                                          "unpriced_requests"]),
    "spend_by_month": lambda d: _pick(
        d["spend"]["by_month"], ["period_start", "requests", "requests_known", "no_request_count_tokens",
                                 "unpriced_requests", "cost_usd"]
    ),
    "turns": lambda d: _pick(
        d["turns"],
        [
            "turn",
            "conversations",
            "requests",
            "mean_input_tokens",
            "median_input_tokens",
            "cached_share",
            "history_tokens",
            "history_share_of_input",
            "cost_usd",
            "history_cost_usd",
        ],
    ),
    "cache": _cache,
    "unit_costs": _unit_costs,
    "unit_costs_by_month": lambda d: _pick(
        (d.get("unit_costs") or {}).get("by_month", []),
        ["unit", "month", "units", "priced_units", "unpriced_units", "cost_usd", "mean_usd", "p50_usd",
         "previous_month", "mean_change_ratio"],
    ),
    "unit_economics": lambda d: _pick(
        ((d.get("unit_costs") or {}).get("economics") or {}).get("sessions", []),
        ["session", "cost_per_session_usd", "break_even_value_per_conversion_usd", "value_per_session_usd",
         "margin_per_session_usd"],
    ),
    "unit_costs_top": lambda d: _pick(
        (d.get("unit_costs") or {}).get("top", []),
        ["unit", "rank", "unit_key", "project", "projects", "requests", "cost_usd", "has_unpriced"],
    ),
    "cache_by_model": lambda d: _pick(
        d["cache"]["by_model"],
        [
            "provider",
            "model",
            "requests",
            "requests_known",
            "hit_rate",
            "savings_usd",
            "write_premium_usd",
            "missed_savings_usd",
        ],
    ),
    "cache_daily": lambda d: _pick(d["cache"]["daily"], ["day", "hit_rate", "cache_known_requests"]),
    "complexity": lambda d: _pick(
        d["complexity"]["shares"],
        ["label", "requests", "request_share", "cost_usd", "cost_share", "unpriced_requests"],
    ),
    "bursts": lambda d: _pick(
        [{"granularity": g, **d["bursts"][g]} for g in ("hour", "day") if d["bursts"].get(g)],
        [
            "granularity",
            "periods",
            "median_requests",
            "mean_requests",
            "peak_start",
            "peak_requests",
            "peak_to_median",
            "peak_cost_usd",
        ],
    ),
    "reconciliation": lambda d: _pick(
        d["reconciliation"]["by_provider"],
        [
            "provider",
            "money_usd",
            "money_basis",
            "billed_usd",
            "estimated_usd",
            "gap_usd",
            "billed_days",
            "days",
            "coverage",
        ],
    ),
    "compare": _compare_drivers,
    "compare_by_model": _compare_models,
    "forecast": _forecast,
    "scenarios": _scenarios,
    "budget": _budget,
    "price_catalog": lambda d: _pick([d["price_catalog"]], ["catalog", "overrides_file", "overrides_sha256"]),
    # has_data false: the window holds no day of the store's data, its spend is unknown (not $0)
    "period": lambda d: _pick([d["period"]], ["since", "until", "month", "tz", "has_data", "data_first_day",
                                              "data_last_day"]),
}
"""Table name -> function of the document returning (columns, rows)."""


def table(doc: dict[str, Any], name: str) -> Table:
    from llmcost.errors import UsageError

    if name not in TABLES:
        from llmcost.text import did_you_mean

        raise UsageError(f"Unknown --table {name!r}{did_you_mean(name, TABLES)}. Fix: use one of {', '.join(TABLES)}.")
    return TABLES[name](doc)
