"""What every what-if alternative shares: the measured effect, prices, window totals and helpers.

The alternatives themselves are one module each under `alternatives/` (routing, caching,
trimming, batch, ...); this module holds what they share.

Why measured: "route 40% to a cheaper model" or "60% cache hits" are assumptions; the logs
say which requests a rule selects, how big they are, when they arrive and what cache they
had. Each alternative is evaluated on the requests of the last `window_days` before as_of
(one SQL pass, DuckDB, no per-request Python) and reduced to a small linear effect per
source group g = (provider, model):

    saving per prompt token of g  a_in  = (logged input-side cost - alternative's) / prompt tokens
    saving per output token of g  a_out = (logged output cost - alternative's) / output tokens
    fee per request of g                 (a router's own cost)

all at today's list prices (Decimal). Applied to the simulated token paths of the
projection, `a_in x prompt(path, day) + a_out x output(path, day) - fee x requests(path, day)`
is the saving on every path, so an alternative differs from the projection only by what it
changes (common random numbers). The window figure itself (`window_savings_usd`) is exact
Decimal arithmetic on logged token counts: the hand-checkable number.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import duckdb

from llmcost.pricing import Catalog

from .drivers import GroupPrice, tier_factors

Group = tuple[str, str]
_MILLION = Decimal(1_000_000)
PROMPT = "coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)"


@dataclass
class Effect:
    """One alternative, measured over the window."""

    name: str
    kind: str
    description: str
    a_in: dict[Group, Decimal] = field(default_factory=dict)
    """USD saved per prompt token of the source group."""
    a_out: dict[Group, Decimal] = field(default_factory=dict)
    """USD saved per output token of the source group."""
    fee: dict[Group, Decimal] = field(default_factory=dict)
    """USD charged per request of the source group (router)."""
    a_in_best: dict[Group, Decimal] | None = None
    """Optimistic variant (routing with the cache kept warm on the target); None if not applicable."""
    window_savings_usd: Decimal = Decimal(0)
    """Saving over the window, logged tokens at today's prices (negative = costs more)."""
    window_savings_best_usd: Decimal | None = None
    measured: dict[str, Any] = field(default_factory=dict)


class Prices:
    """Per-token Decimal prices of groups: the forecast's, or resolved on demand (targets)."""

    def __init__(self, catalog: Catalog, known: dict[Group, GroupPrice], as_of_day: date) -> None:
        self.catalog = catalog
        self.known = dict(known)
        self.at = datetime.combine(as_of_day, time(12), tzinfo=UTC)
        self._tiers: dict[tuple[str, str, str, bool, str], dict[str, Decimal]] = {}

    def get(self, g: Group) -> GroupPrice | None:
        if g not in self.known:
            r = self.catalog.resolve(g[1], g[0] or None, self.at)
            if r is None:
                return None
            self.known[g] = GroupPrice(
                g[0],
                r.model,
                {
                    "input": r.input / _MILLION,
                    "cache_read": r.cache_read / _MILLION,
                    "cache_write": r.cache_write_5m / _MILLION,
                    "output": r.output / _MILLION,
                },
                r.cache_write_5m / _MILLION,
                r.cache_write_1h / _MILLION,
                r.source,
                g[1],
            )
        return self.known[g]

    def at_tier(self, std: GroupPrice, tier: str | None, batch: bool = False, geo: str | None = None) -> GroupPrice:
        """`std` at the service tier `tier` the requests were logged at (priority, fast, flex; any
        other value, or None, is the standard tier), through the batch API when `batch`, where
        `geo` says inference ran: each kind's standard price times the factor for the model `std`
        was priced as (drivers.tier_factors, as the actuals are priced), so that a what-if starts
        from what those requests cost. A tier the catalog has no price for is the standard price."""
        key = (std.provider, std.name, (tier or "").strip().lower(), bool(batch), (geo or "").strip().lower())
        f = self._tiers.get(key)
        if f is None:
            f = self._tiers[key] = tier_factors(self.catalog, std.name, std.provider, self.at, key[2], key[3], key[4])
        if not f:
            return std
        return replace(
            std,
            prices={k: v * f[k] for k, v in std.prices.items()},
            write_5m=std.write_5m * f["cache_write"],
            write_1h=std.write_1h * f["w1h"],
        )

    def batch(self, kind: str, std: GroupPrice, geo: str | None = None) -> Decimal:
        """USD per token of `kind` at the batch price of the model `std` was priced as (where `geo`
        says inference ran): its standard price times the batch factor under `std.name` (the
        logged snapshot, not the group's family name, so that a price override for the snapshot is
        the price batch discounts, as it is in the actuals); the write keeps the group's 5m/1h blend."""
        return self.at_tier(std, None, batch=True, geo=geo).prices[kind]


def window_totals(con: duckdb.DuckDBPyConnection, history: str, since: date) -> dict[Group, dict[str, int]]:
    """Per group over the window (all rows, buckets included): requests, prompt and output tokens."""
    rows = con.execute(
        f"""SELECT grp_provider, grp_model, CAST(sum(coalesce(request_count, 1)) AS BIGINT),
                   CAST(sum({PROMPT}) AS BIGINT), CAST(sum(coalesce(output_tokens, 0)) AS BIGINT)
            FROM {history} WHERE day >= $since AND priced GROUP BY ALL""",
        {"since": since},
    ).fetchall()
    return {(p, m): {"requests": int(r), "prompt": int(pt), "output": int(o)} for p, m, r, pt, o in rows}


def glob(col: str, pattern: str) -> str:
    """SQL: `col` matches the glob `pattern`, ignoring case, as the rest of the scenarios file
    matches its globs (Python's fnmatch: `*`, `?`, `[seq]`, `[!seq]`; scenarios.config).

    Written as a regular expression (`glob_regex`), not DuckDB's GLOB: GLOB's `?` is one byte
    and an unclosed `[` matches nothing, and Spark has no GLOB; the expression runs the same on
    DuckDB (RE2) and Spark (Java), so the what-ifs select the same rows on both engines."""
    if pattern == "*":
        return f"({col}) IS NOT NULL"
    return f"regexp_matches(lower({col}), '{glob_regex(pattern.lower())}')"


def glob_regex(pattern: str) -> str:
    """The regular expression matching exactly the texts fnmatch.fnmatchcase(text, pattern) matches.

    Every character of the pattern that is not an ASCII letter or digit is written `\\x{hex}`, a
    literal on both RE2 and Java, so no text of the pattern is syntax (and no quote reaches the
    SQL). A class's reversed range is dropped, as fnmatch drops it; an empty class matches nothing,
    its complement any character."""

    def lit(c: str) -> str:
        return c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):X}}}"

    out, i, n = ["(?s)^"], 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            neg = i < n and pattern[i] == "!"
            start = i + neg
            # a `]` right after `[` or `[!` is a member, not the end
            end = pattern.find("]", start + (start < n and pattern[start] == "]"))
            if end < 0:  # no closing bracket: a literal `[`
                out.append(lit(c))
                continue
            body = pattern[start:end]
            i = end + 1
            members, k = [], 0
            while k < len(body):
                if k + 2 < len(body) and body[k + 1] == "-":
                    lo, hi = body[k], body[k + 2]
                    if lo <= hi:
                        members.append(f"{lit(lo)}-{lit(hi)}")
                    k += 3
                else:
                    members.append(lit(body[k]))
                    k += 1
            if members:
                out.append(("[^" if neg else "[") + "".join(members) + "]")
            else:
                out.append("." if neg else "(?:$.)")  # fnmatch: nothing, or any character
        else:
            out.append(lit(c))
    return "".join(out) + "$"


def label_sql(cfg: dict[str, Any] | None = None) -> str:
    """The measures' complexity rule (docs/measures.md) as a SQL expression over the history's columns."""
    if cfg is None:
        from llmcost.measures.registry import load_config

        cfg = load_config()["complexity"]
    c = {k: int(v) for k, v in cfg.items()}
    prompt = f"({PROMPT})"
    return f"""CASE WHEN lower(trim(label)) IN ('simple', 'medium', 'complex') THEN lower(trim(label))
        WHEN {prompt} >= {c["complex_min_input"]} OR coalesce(output_tokens, 0) >= {c["complex_min_output"]}
             OR coalesce(reasoning_tokens, 0) >= {c["complex_min_reasoning"]}
             OR coalesce(tool_calls, 0) >= {c["complex_min_tool_calls"]} OR coalesce(turn, 1) >= {c["complex_min_turn"]}
             THEN 'complex'
        WHEN {prompt} <= {c["simple_max_input"]} AND coalesce(output_tokens, 0) <= {c["simple_max_output"]}
             AND coalesce(reasoning_tokens, 0) <= {c["simple_max_reasoning"]}
             AND coalesce(tool_calls, 0) <= {c["simple_max_tool_calls"]} AND coalesce(turn, 1) <= {c["simple_max_turn"]}
             THEN 'simple'
        ELSE 'medium' END"""


def cost(pr: GroupPrice, cells: dict[str, int | Decimal], variant: str = "std") -> Decimal:
    return sum((Decimal(v) * pr.per_token(k, variant) for k, v in cells.items()), Decimal(0))


def finish(e: Effect, base: dict[Group, dict[str, Decimal]], totals: dict[Group, dict[str, int]]) -> Effect:
    """Turn per-group window savings (input side, output side) into per-token rates."""
    for g, d in base.items():
        t = totals.get(g)
        if not t:
            continue
        if t["prompt"]:
            e.a_in[g] = d.get("in", Decimal(0)) / t["prompt"]
            if e.a_in_best is not None:
                e.a_in_best[g] = d.get("in_best", d.get("in", Decimal(0))) / t["prompt"]
        if t["output"]:
            e.a_out[g] = d.get("out", Decimal(0)) / t["output"]
    return e


__all__ = [
    "PROMPT",
    "Effect",
    "Group",
    "Prices",
    "cost",
    "finish",
    "glob",
    "glob_regex",
    "label_sql",
    "window_totals",
]
