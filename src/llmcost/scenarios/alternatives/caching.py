"""Caching: cache a stable prefix, simulated on the logged timestamps (docs/scenarios.md, Caching)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from llmcost.scenarios.cachesim import simulate_cache
from llmcost.scenarios.fields import Table
from llmcost.scenarios.whatif import Effect, Group, Prices, cost, finish

from . import AlternativeKind, Shown

LIFETIMES = {"5m": 300.0, "1h": 3600.0, "unlimited": None}
"""Cache lifetime name -> seconds (None = never expires), refreshed on every hit."""


@dataclass(frozen=True)
class Caching:
    """Cache a stable prefix, simulated on the logged timestamps."""

    name: str
    description: str = ""
    prefix_tokens: int | None = 1024
    """Stable prefix length; None (`prefix_tokens = "all"`) = the whole prompt (automatic caching)."""
    lifetime: str = "5m"
    key: str = "conversation"
    models: str = "*"
    min_tokens: int | None = None
    """Minimum cacheable length; None = the provider's (measures config [cache])."""


def parse(t: Table) -> Caching:
    return Caching(
        name=t.name(),
        description=t.text("description", "") or "",
        prefix_tokens=None if t.raw.get("prefix_tokens") == "all" else t.whole("prefix_tokens", 1024, lo=1),
        lifetime=t.text("lifetime", "5m", set(LIFETIMES)) or "5m",
        key=t.text("key", "conversation", {"conversation", "project"}) or "conversation",
        models=t.text("models", "*") or "*",
        min_tokens=t.whole("min_tokens", None),
    )


def measure_caching(
    con: duckdb.DuckDBPyConnection, history: str, prices: Prices, c: Caching, since: date,
    totals: dict[Group, dict[str, int]],
) -> Effect:
    ttl = LIFETIMES[c.lifetime]
    sim = simulate_cache(
        con,
        history,
        prefix_tokens=c.prefix_tokens,
        ttl_seconds=ttl,
        min_tokens=c.min_tokens,
        key=c.key,
        models=c.models,
        since=since,
    )
    variant = "w1h" if c.lifetime == "1h" else "w5m"
    e = Effect(c.name, "caching", c.description)
    base: dict[Group, dict[str, Decimal]] = {}
    for g in sim.groups:
        grp = (g["grp_provider"], g["grp_model"])
        pr = prices.get(grp)
        if pr is None:
            continue
        pr = prices.at_tier(pr, g["service_tier"], g["batch"], g["geo"])  # cached or not, a request keeps its tier
        logged = cost(
            pr,
            {
                "input": g["logged_input_tokens"],
                "cache_read": g["logged_cache_read_tokens"],
                "cache_write": g["logged_cache_write_tokens"],
            },
        )
        uncached = g["prompt_tokens"] - g["hit_tokens"] - g["write_tokens"]
        alt = (
            Decimal(uncached) * pr.prices["input"]
            + Decimal(g["hit_tokens"]) * pr.prices["cache_read"]
            + Decimal(g["write_tokens"]) * pr.per_token("cache_write", variant)
        )
        d = base.setdefault(grp, {"in": Decimal(0)})
        d["in"] += logged - alt
    e.window_savings_usd = sum((d["in"] for d in base.values()), Decimal(0))
    e.measured = {
        "simulated_hit_rate": sim.hit_rate,
        "logged_hit_rate": sim.logged_hit_rate,
        "requests_in_scope": sim.requests,
        "prompt_tokens_in_scope": sim.prompt_tokens,
        "simulated_cache_read_tokens": sim.hit_tokens,
        "simulated_cache_write_tokens": sim.write_tokens,
        "lifetime": c.lifetime,
        "prefix_tokens": c.prefix_tokens if c.prefix_tokens is not None else "all",
        "key": c.key,
    }
    return finish(e, base, totals)



KIND = AlternativeKind(
    section="caching",
    config=Caching,
    keys=frozenset({"name", "description", "prefix_tokens", "lifetime", "key", "models", "min_tokens"}),
    description="cache a stable prompt prefix, simulated on the logged timestamps",
    parse=parse,
    measure=measure_caching,
    shown=(
        Shown("simulated_hit_rate", "simulated hit rate", "rate"),
        Shown("logged_hit_rate", "logged hit rate", "rate"),
    ),
    order=20,
)
