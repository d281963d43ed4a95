"""The model-swap what-if: the logged traffic re-priced on another catalog model (issue 19,
ccusage#501: "what would this have cost on model X?").

Every logged token keeps its kind (uncached input, cache read, cache write, output) and is priced
at the target model's price in force on the day of use. Token counts differ between model
families' tokenizers; the `tokenizer_ratio` (target tokens per logged token) is a stated,
configurable assumption, 1.0 by default, and the result says so. Unpriced rows have tokens, so
they get a swapped cost too, but they are kept apart from the like-for-like comparison.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import duckdb

from llmcost.errors import PricingError, UsageError
from llmcost.text import suggestion

_MILLION = Decimal(1_000_000)


def swap_whatif(
    con: duckdb.DuckDBPyConnection,
    catalog: Any,
    model: str,
    *,
    provider: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    tokenizer_ratio: Decimal = Decimal(1),
) -> dict[str, Any]:
    """The window's traffic priced as logged and on `model`, overall and per logged model."""
    from llmcost.document.priced_rows import price_once
    from llmcost.measures.queries import rows as query_rows

    if not tokenizer_ratio > 0:
        raise UsageError(f"--tokenizer-ratio {tokenizer_ratio} must be above 0. Fix: e.g. 1.1 for 10% more tokens.")
    if catalog.match(model, provider) is None:
        hint = suggestion(catalog.did_you_mean(model))
        raise PricingError(f"No price for model {model!r} in the catalog or the override file{hint}. "
                           "Fix: use a catalog model name (see `llmcost-forecast prices MODEL`), or add it "
                           "with --prices.")
    # the report's one pricing pass (document/priced_rows.py); days are UTC in the query
    logged = price_once(con, catalog, "UTC", name="swap_priced").view(con, "swap_usage")
    rows = query_rows(con, "swap_tokens_by_day", relation=logged, since=since, until=until, provider=None)
    prices: dict[date, Any] = {}
    by_model: dict[tuple[str, str], dict[str, Any]] = {}
    target_name = None
    for r in rows:
        day = r["day"]
        if day not in prices:
            prices[day] = catalog.resolve(model, provider, datetime.combine(day, time(), tzinfo=UTC))
        p = prices[day]
        if p is None:
            raise PricingError(f"Model {model!r} has no price on {day} (before its first price). "
                               "Fix: narrow the window with --since, or pick another model.")
        target_name = f"{p.provider}/{p.model}"
        swapped = tokenizer_ratio * (
            r["input_tokens"] * p.input + r["cache_read_tokens"] * p.cache_read
            + r["cache_write_tokens"] * p.cache_write_5m + r["output_tokens"] * p.output
        ) / _MILLION
        m = by_model.setdefault((r["provider"], r["model"]), {
            "provider": r["provider"], "model": r["model"], "requests": 0, "unpriced_requests": 0,
            "cost_usd": None, "swapped_usd": Decimal(0), "swapped_priced_usd": Decimal(0)})
        m["requests"] += r["requests"]
        m["unpriced_requests"] += r["unpriced_requests"]
        m["swapped_usd"] += swapped
        if r["cost_usd"] is not None:
            m["cost_usd"] = (m["cost_usd"] or Decimal(0)) + r["cost_usd"]
        if not r["unpriced_requests"]:
            m["swapped_priced_usd"] += swapped
    models = sorted(by_model.values(), key=lambda m: (-(m["cost_usd"] or 0), m["provider"] or "", m["model"] or ""))
    actual = [m["cost_usd"] for m in models if m["cost_usd"] is not None]
    total_actual = sum(actual, Decimal(0)) if actual else None
    like = sum((m["swapped_priced_usd"] for m in models), Decimal(0))
    return {
        "target": target_name or model,
        "tokenizer_ratio": tokenizer_ratio,
        "tokenizer_ratio_source": "default (1.0: same token counts; not measured)" if tokenizer_ratio == 1
        else "--tokenizer-ratio",
        "window": {"since": since, "until": until},
        "requests": sum(m["requests"] for m in models),
        "unpriced_requests": sum(m["unpriced_requests"] for m in models),
        "cost_usd": total_actual,
        "swapped_priced_usd": like,
        "change_usd": like - total_actual if total_actual is not None else None,
        "swapped_all_usd": sum((m["swapped_usd"] for m in models), Decimal(0)),
        "by_model": models,
        "notes": [
            "Each token keeps its kind (input, cache read, cache write, output) at the target's price on the day "
            "of use; caching is assumed to work on the target as it did in the logs.",
            "Cache writes are priced at the 5-minute write price; long-context price bands are not applied.",
            "swapped_priced_usd covers the same (priced) rows as cost_usd; swapped_all_usd adds the rows whose "
            "logged model has no price (days with any unpriced row of a model are left out of the like-for-like "
            "figure for that model).",
        ],
    }
