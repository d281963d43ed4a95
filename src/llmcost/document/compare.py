"""Period compare: why the bill moved between two months, by model and driver.

A reviewer who sees "+$40 this month" wants to know whether more requests came in, each request
got longer, the price changed (a different model mix or a price change) or the cache helped less.
Per provider and model, cost is written as a product of four drivers::

    cost = requests x tokens_per_request x list_price_per_token x cache_factor

where `list_price_per_token` is what the tokens would cost with every cache read billed as
uncached input and no write premium (cost + cache_read_saving_usd - cache_write_premium_usd,
per token) and `cache_factor` = cost / that no-cache cost. The change from the previous month to
the current one is split by sequential substitution in that order (requests first, cache last),
so the four effects add up exactly to the change in cost (Decimal arithmetic, no residual). A
model present in only one of the two months has its whole change under `requests` (new or gone).
Unpriced models are counted apart, never as $0.

Usage exports (Anthropic's usage and Claude Code reports, the Console usage CSV, FOCUS token rows)
count tokens, not requests: where a model's usage in either month comes partly from them
(`requests_known` false), its volume is its tokens, and the first two effects are one, `tokens`:

    cost = tokens x list_price_per_token x cache_factor

A month before the data begins has no data: its money is unknown, not $0, and so is the change.

The sums come from one SQL query, sql/compare_months_by_model.sql, over a priced relation (a
filter over the report's priced table, or llmcost.pricing.attach_costs output); only the
substitution arithmetic runs in Python, in Decimal.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import duckdb

from llmcost.measures import queries

_Q = Decimal("1e-12")  # the store's money scale, DECIMAL(38,12)
METHOD = (
    "cost = requests x tokens per request x list price per token x cache factor, per provider and model; "
    "the change is split by sequential substitution in that order, so the four effects add up to it; "
    "a model present in one month only has its whole change under requests; where usage exports state no "
    "request count, cost = tokens x list price per token x cache factor, and the volume effect is under tokens"
)
DRIVERS = ("requests", "tokens_per_request", "tokens", "price", "cache")
DRIVER_HELP = {
    "requests": "more or fewer requests (all of a model's change when it is new or gone)",
    "tokens_per_request": "longer or shorter requests (prompt + cache + output tokens per request)",
    "tokens": "more or fewer tokens, where the sources state no request count (usage exports count tokens, "
              "not requests; all of a model's change when it is new or gone)",
    "price": "list price per token: model prices and the input/output mix",
    "cache": "what prompt caching saved, net of write premiums, relative to list price",
}

def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    nxt = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def previous_month(d: date) -> date:
    return month_start(month_start(d) - timedelta(days=1))


def _div(a: Decimal, b: Decimal) -> Decimal:
    return a / b if b else Decimal(0)


def _counted(x: dict[str, Any] | None) -> bool:
    """Whether a model's month states its request count (a missing month states nothing to doubt)."""
    return x is None or x.get("requests_known") is not False


def decompose(prev: dict[str, Any] | None, cur: dict[str, Any] | None) -> dict[str, Decimal]:
    """Split one model's cost change into the driver effects (they sum to the change). The volume
    is the requests, or the tokens where either month's request count is not stated (`tokens`)."""
    c0 = Decimal(prev["cost_usd"]) if prev and prev["cost_usd"] is not None else Decimal(0)
    c1 = Decimal(cur["cost_usd"]) if cur and cur["cost_usd"] is not None else Decimal(0)
    out = dict.fromkeys(DRIVERS, Decimal(0))
    by_tokens = not (_counted(prev) and _counted(cur))
    volume = "tokens" if by_tokens else "requests"
    if (
        not prev
        or not cur
        or (not by_tokens and (not prev["requests"] or not cur["requests"]))
        or not prev["tokens"]
        or not cur["tokens"]
        or not prev["nocache_usd"]
        or not cur["nocache_usd"]
    ):
        out[volume] = c1 - c0
        return out
    # by tokens, every "request" is one token: tokens per request is 1 in both months, no effect
    r0, r1 = (Decimal(prev["tokens"]), Decimal(cur["tokens"])) if by_tokens else (
        Decimal(prev["requests"]), Decimal(cur["requests"]))
    t0, t1 = _div(Decimal(prev["tokens"]), r0), _div(Decimal(cur["tokens"]), r1)
    p0 = _div(Decimal(prev["nocache_usd"]), Decimal(prev["tokens"]))
    p1 = _div(Decimal(cur["nocache_usd"]), Decimal(cur["tokens"]))
    k0 = _div(c0, Decimal(prev["nocache_usd"]))
    out[volume] = ((r1 - r0) * t0 * p0 * k0).quantize(_Q)
    if not by_tokens:
        out["tokens_per_request"] = (r1 * (t1 - t0) * p0 * k0).quantize(_Q)
    out["price"] = (r1 * t1 * (p1 - p0) * k0).quantize(_Q)
    # the last effect takes the remainder so the effects add up exactly despite rounding in division
    out["cache"] = (c1 - c0) - out[volume] - out["tokens_per_request"] - out["price"]
    return out


def same_days(current_month: date, through: date | None) -> tuple[date, date, date, date]:
    """(previous start, previous end, current start, current end) of the comparison: whole months,
    or, when the current month's data ends on `through` before the month's end, days 1 to
    `through.day` of both (the previous month's cut at its own end: days 1-30 of March against all
    of February)."""
    cur_start, prev_start = month_start(current_month), previous_month(current_month)
    cur_end = month_end(current_month)
    if through is None or through >= cur_end:
        return prev_start, cur_start - timedelta(days=1), cur_start, cur_end
    prev_end = min(prev_start + timedelta(days=through.day - 1), cur_start - timedelta(days=1))
    return prev_start, prev_end, cur_start, through


def period_compare(
    con: duckdb.DuckDBPyConnection, current_month: date, *, source: str = "priced_usage", tz: str = "UTC",
    through: date | None = None, data_first: date | None = None, costs: str | None = None,
) -> dict[str, Any]:
    """This month (the month of `current_month`) against the month before, by model and driver.

    `source` is a priced relation covering both months. `through`: the last day of the current
    month with data (the data or the report's window ends there); before the month's end, the same
    days of both months are compared (1 to `through`'s day), so a month cut short does not read as
    a drop against a whole one. Returns the two periods (their first and last day compared, days,
    whether whole), per-model rows with requests, tokens per request, cost and the four driver
    effects, and their totals. `data_first`: the first day of the store's data; a previous month
    that ends before it has no data (its money and the change are unknown, not $0), and one that
    begins before it says where its data starts (`data_from`). `costs`: the relation of billed
    cost lines (the store's `costs`); given, the totals hold each month's billed money
    (sql/compare_months_billed.sql: None for a month without a cost line) and its change.
    """
    prev_start, prev_end, cur_start, cur_end = same_days(current_month, through)
    rows = queries.rows(con, "compare_months_by_model", relation=source, tz=tz, prev_start=prev_start,
                        prev_end=prev_end, cur_start=cur_start, cur_end=cur_end)
    by_key: dict[tuple[Any, Any], dict[str, dict[str, Any]]] = {}
    for d in rows:
        by_key.setdefault((d["provider"], d["model"]), {})[d["period"]] = d
    models = []
    totals: dict[str, Any] = {
        "previous_cost_usd": Decimal(0),
        "current_cost_usd": Decimal(0),
        "change_usd": Decimal(0),
        **{f"{k}_usd": Decimal(0) for k in DRIVERS},
        "previous_requests": 0,
        "current_requests": 0,
        "previous_requests_known": True,
        "current_requests_known": True,
        "previous_tokens": 0,
        "current_tokens": 0,
        "unpriced_requests": 0,
    }
    for (provider, model), per in sorted(by_key.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        p, c = per.get("previous"), per.get("current")
        priced = all(x["cost_usd"] is not None for x in (p, c) if x)
        row: dict[str, Any] = {
            "provider": provider,
            "model": model,
            "previous_requests": p["requests"] if p else 0,
            "current_requests": c["requests"] if c else 0,
            "previous_requests_known": _counted(p),
            "current_requests_known": _counted(c),
            "previous_tokens": p["tokens"] if p else 0,
            "current_tokens": c["tokens"] if c else 0,
            "previous_tokens_per_request": _tpr(p),
            "current_tokens_per_request": _tpr(c),
            "previous_cost_usd": p["cost_usd"] if p else None,
            "current_cost_usd": c["cost_usd"] if c else None,
            "priced": priced,
        }
        for side in ("previous", "current"):
            totals[f"{side}_requests"] += row[f"{side}_requests"]
            totals[f"{side}_requests_known"] &= row[f"{side}_requests_known"]
            totals[f"{side}_tokens"] += row[f"{side}_tokens"]
        if not priced:
            row.update({"change_usd": None, **{f"{k}_usd": None for k in DRIVERS}})
            for x in (p, c):
                totals["unpriced_requests"] += x["unpriced_requests"] if x else 0
            models.append(row)
            continue
        eff = decompose(p, c)
        c0 = Decimal(p["cost_usd"]) if p else Decimal(0)
        c1 = Decimal(c["cost_usd"]) if c else Decimal(0)
        row["change_usd"] = c1 - c0
        for k in DRIVERS:
            row[f"{k}_usd"] = eff[k]
            totals[f"{k}_usd"] += eff[k]
        totals["previous_cost_usd"] += c0
        totals["current_cost_usd"] += c1
        totals["change_usd"] += c1 - c0
        models.append(row)
    models.sort(key=lambda m: -abs(m["change_usd"]) if m["change_usd"] is not None else 0)
    current, previous = _period(cur_start, cur_end, data_first), _period(prev_start, prev_end, data_first)
    before_data = not previous["has_data"]
    if not any(m["priced"] for m in models):
        # nothing priced in either month: the money is unknown, not $0
        for k in ("previous_cost_usd", "current_cost_usd", "change_usd", *(f"{d}_usd" for d in DRIVERS)):
            totals[k] = None
    elif before_data:
        # the previous month is before the data begins: its spend is unknown, not $0, so is the change
        for k in ("previous_cost_usd", "change_usd", *(f"{d}_usd" for d in DRIVERS)):
            totals[k] = None
        for m in models:
            m.update({"change_usd": None, **{f"{d}_usd": None for d in DRIVERS}})
    by_tokens = [not (m["previous_requests_known"] and m["current_requests_known"]) for m in models]
    applicable = [k for k in DRIVERS if (k == "tokens" and any(by_tokens))
                  or (k in ("requests", "tokens_per_request") and not all(by_tokens))
                  or k in ("price", "cache")] if models else list(DRIVERS)
    main = (
        max(applicable, key=lambda k: abs(totals[f"{k}_usd"]))
        if models and totals["change_usd"] is not None
        else None
    )
    billed = {"previous": None, "current": None}
    if costs is not None:
        billed |= {r["period"]: r["billed_usd"] for r in queries.rows_over(
            con, "compare_months_billed", costs=costs, tz=tz, prev_start=prev_start, prev_end=prev_end,
            cur_start=cur_start, cur_end=cur_end)}
    totals["previous_billed_usd"], totals["current_billed_usd"] = billed["previous"], billed["current"]
    totals["billed_change_usd"] = (billed["current"] - billed["previous"]
                                   if billed["current"] is not None and billed["previous"] is not None else None)
    whole = cur_end == month_end(cur_start)
    return {
        "current": current,
        "previous": previous,
        "same_days": not whole,
        "days_compared": None if whole else (
            f"days 1-{cur_end.day} of each month: {cur_start} to {cur_end} against {prev_start} to {prev_end} "
            f"(the data of {cur_start:%Y-%m} ends on {cur_end})"),
        "tz": tz,
        "method": METHOD,
        "drivers": dict(DRIVER_HELP),
        "applicable_drivers": applicable,
        "totals": totals,
        "main_driver": main,
        "by_model": models,
    }


def _period(start: date, end: date, data_first: date | None = None) -> dict[str, Any]:
    """One side of the comparison: its month, the first and last day compared, how many days,
    whether that is the whole calendar month, whether the store has data for it (`has_data`: false
    when it ends before the data's first day) and, when the data begins inside it, that day
    (`data_from`, else null)."""
    return {"month": f"{start:%Y-%m}", "start": start, "end": end, "days": (end - start).days + 1,
            "whole_month": end == month_end(start),
            "has_data": data_first is None or end >= data_first,
            "data_from": data_first if data_first is not None and start < data_first <= end else None}


def _tpr(x: dict[str, Any] | None) -> Decimal | None:
    if not x or not x["requests"]:
        return None
    return (Decimal(x["tokens"]) / Decimal(x["requests"])).quantize(Decimal("0.1"))
