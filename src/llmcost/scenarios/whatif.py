"""What-if alternatives measured on the logged requests: routing, caching, trimming, batch.

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

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import duckdb

from llmcost.errors import ConfigError
from llmcost.pricing import Catalog

from .cachesim import simulate_cache
from .config import LIFETIMES, Batch, Caching, Routing, Trimming
from .drivers import GroupPrice
from .history import ROWS

Group = tuple[str, str]
_MILLION = Decimal(1_000_000)
_PROMPT = "coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)"


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
            )
        return self.known[g]

    def batch(self, g: Group, kind: str, std: GroupPrice) -> Decimal:
        r = self.catalog.resolve(g[1], g[0] or None, self.at, batch=True)
        if r is None:
            return std.prices[kind]
        base = self.catalog.resolve(g[1], g[0] or None, self.at)
        assert base is not None
        # keep the group's blended write price, scaled like the 5m write
        if kind == "cache_write":
            f = r.cache_write_5m / base.cache_write_5m if base.cache_write_5m else Decimal(1)
            return std.prices[kind] * f
        return getattr(r, kind) / _MILLION


def window_totals(con: duckdb.DuckDBPyConnection, since: date) -> dict[Group, dict[str, int]]:
    """Per group over the window (all rows, buckets included): requests, prompt and output tokens."""
    rows = con.execute(
        f"""SELECT grp_provider, grp_model, CAST(sum(coalesce(request_count, 1)) AS BIGINT),
                   CAST(sum({_PROMPT}) AS BIGINT), CAST(sum(coalesce(output_tokens, 0)) AS BIGINT)
            FROM {ROWS} WHERE day >= $since AND priced GROUP BY ALL""",
        {"since": since},
    ).fetchall()
    return {(p, m): {"requests": int(r), "prompt": int(pt), "output": int(o)} for p, m, r, pt, o in rows}


def _glob(col: str, pattern: str) -> str:
    return f"lower({col}) GLOB '" + pattern.lower().replace("'", "''") + "'"


def label_sql(cfg: dict[str, Any] | None = None) -> str:
    """The measures' complexity rule (docs/measures.md) as a SQL expression over ROWS columns."""
    if cfg is None:
        from llmcost.measures import load_config

        cfg = load_config()["complexity"]
    c = {k: int(v) for k, v in cfg.items()}
    prompt = f"({_PROMPT})"
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


def _cost(pr: GroupPrice, cells: dict[str, int | Decimal], variant: str = "std") -> Decimal:
    return sum((Decimal(v) * pr.per_token(k, variant) for k, v in cells.items()), Decimal(0))


def _finish(e: Effect, base: dict[Group, dict[str, Decimal]], totals: dict[Group, dict[str, int]]) -> Effect:
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


def measure_routing(
    con: duckdb.DuckDBPyConnection, prices: Prices, r: Routing, since: date, totals: dict[Group, dict[str, int]]
) -> Effect:
    conds = [
        "day >= $since",
        "grain = 'request'",
        "priced",
        _glob("grp_model", r.from_model),
        _glob("grp_provider", r.from_provider),
    ]
    if r.labels:
        conds.append(f"({label_sql()}) IN ({', '.join(repr(lb) for lb in r.labels)})")
    if r.max_input_tokens is not None:
        conds.append(f"({_PROMPT}) <= {int(r.max_input_tokens)}")
    if r.max_output_tokens is not None:
        conds.append(f"coalesce(output_tokens, 0) <= {int(r.max_output_tokens)}")
    sel = con.execute(
        f"""SELECT grp_provider, grp_model, CAST(sum(coalesce(request_count, 1)) AS BIGINT) AS requests,
                   CAST(sum(coalesce(input_tokens, 0)) AS BIGINT), CAST(sum(coalesce(cache_read_tokens, 0)) AS BIGINT),
                   CAST(sum(coalesce(cache_write_tokens, 0)) AS BIGINT), CAST(sum(coalesce(output_tokens, 0)) AS BIGINT)
            FROM {ROWS} WHERE {" AND ".join(conds)} GROUP BY ALL ORDER BY ALL""",
        {"since": since},
    ).fetchall()
    e = Effect(r.name, "routing", r.description, a_in_best={})
    base: dict[Group, dict[str, Decimal]] = {}
    moved = Decimal(0)
    best = Decimal(0)
    per_target: dict[str, Decimal] = {}
    share = Decimal(repr(r.share))
    for p, m, n, t_in, t_cr, t_cw, t_out in sel:
        src = (p, m)
        dst = _target(prices, r, src, totals)
        if dst is None or dst == src:
            continue
        sp, dp = prices.get(src), prices.get(dst)
        if sp is None:
            continue
        if dp is None:
            raise ConfigError(
                f"routing {r.name!r}: target model {dst[1]!r} ({dst[0]}) has no price. Fix: check "
                "to_model/to_provider or add the model to the --prices file."
            )
        logged_in = _cost(sp, {"input": t_in, "cache_read": t_cr, "cache_write": t_cw})
        cold_in = _cost(dp, {"input": t_in + t_cr + t_cw})  # moved requests lose their cache reads
        warm_in = _cost(dp, {"input": t_in, "cache_read": t_cr, "cache_write": t_cw})
        out_save = Decimal(t_out) * (sp.prices["output"] - dp.prices["output"])
        d = base.setdefault(src, {})
        d["in"] = d.get("in", Decimal(0)) + share * (logged_in - cold_in)
        d["in_best"] = d.get("in_best", Decimal(0)) + share * (logged_in - warm_in)
        d["out"] = d.get("out", Decimal(0)) + share * out_save
        moved += share * n
        per_target[f"{src[1]} -> {dst[1]}"] = per_target.get(f"{src[1]} -> {dst[1]}", Decimal(0)) + share * n
        best += share * (logged_in - warm_in + out_save)
    fee_rate = Decimal(repr(r.classifier_usd_per_1k_requests)) / 1000
    examined = 0
    if fee_rate:
        for g in base:
            e.fee[g] = fee_rate
            examined += totals.get(g, {}).get("requests", 0)
    fees = fee_rate * examined
    e.window_savings_usd = sum((d["in"] + d["out"] for d in base.values()), Decimal(0)) - fees
    e.window_savings_best_usd = best - fees
    e.measured = {
        "requests_moved": float(moved),
        "moves": {k: float(v) for k, v in per_target.items()},
        "requests_examined_by_classifier": examined if fee_rate else None,
        "classifier_cost_usd": fees,
        "cache_on_target": "cold (moved requests' cache reads and writes billed as uncached input); "
        "savings_if_cache_kept_usd assumes the target keeps the same cache hits",
    }
    return _finish(e, base, totals)


def _target(prices: Prices, r: Routing, src: Group, totals: dict[Group, dict[str, int]]) -> Group | None:
    if r.to_model != "@cheapest":
        return (r.to_provider or src[0], r.to_model)
    cands = []
    for g in totals:
        if g[0] != src[0]:
            continue
        gp = prices.get(g)
        if gp is not None:
            cands.append((gp.prices["input"], gp.prices["output"], g))
    return min(cands)[2] if cands else None


def measure_caching(
    con: duckdb.DuckDBPyConnection, prices: Prices, c: Caching, since: date, totals: dict[Group, dict[str, int]]
) -> Effect:
    ttl = LIFETIMES[c.lifetime]
    sim = simulate_cache(
        con,
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
        logged = _cost(
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
        base[grp] = {"in": logged - alt}
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
    return _finish(e, base, totals)


def measure_trimming(
    con: duckdb.DuckDBPyConnection, prices: Prices, t: Trimming, since: date, totals: dict[Group, dict[str, int]]
) -> Effect:
    n = int(t.keep_turns)
    order = "ORDER BY coalesce(turn, 0), ts, source_file, source_line, event_id"
    part = "PARTITION BY grp_provider, conversation_id"
    rows = con.execute(
        f"""WITH r AS (
                SELECT grp_provider, grp_model, conversation_id, turn, ts, source_file, source_line, event_id, day,
                       {_PROMPT} AS prompt, coalesce(input_tokens, 0) AS t_in,
                       coalesce(cache_read_tokens, 0) AS t_cr, coalesce(cache_write_tokens, 0) AS t_cw
                FROM {ROWS}
                WHERE grain = 'request' AND priced AND conversation_id IS NOT NULL AND {_glob("grp_model", t.models)}
            ),
            o AS (
                SELECT *, row_number() OVER w AS k, first_value(prompt) OVER w AS first_prompt,
                       greatest(prompt - lag(prompt) OVER w, 0) AS inc
                FROM r WINDOW w AS ({part} {order})
            ),
            c AS (SELECT *, sum(coalesce(inc, 0)) OVER ({part} ORDER BY k ROWS UNBOUNDED PRECEDING) AS cum FROM o),
            d AS (SELECT *, coalesce(lag(cum, {n}) OVER ({part} ORDER BY k), 0) AS dropped FROM c),
            x AS (
                SELECT *, greatest(prompt - dropped, least(prompt, first_prompt)) AS new_prompt FROM d
                WHERE day >= $since
            ),
            y AS (
                SELECT *, CASE WHEN dropped > 0 THEN least(t_cr, first_prompt, new_prompt) ELSE t_cr END AS n_cr
                FROM x
            ),
            z AS (SELECT *, least(t_cw, new_prompt - n_cr) AS n_cw FROM y)
            SELECT grp_provider, grp_model,
                   CAST(count(*) FILTER (WHERE dropped > 0) AS BIGINT) AS trimmed_requests,
                   CAST(sum(t_in) AS BIGINT), CAST(sum(t_cr) AS BIGINT), CAST(sum(t_cw) AS BIGINT),
                   CAST(sum(new_prompt - n_cr - n_cw) AS BIGINT), CAST(sum(n_cr) AS BIGINT), CAST(sum(n_cw) AS BIGINT),
                   CAST(sum(prompt) AS BIGINT), CAST(sum(new_prompt) AS BIGINT)
            FROM z GROUP BY ALL ORDER BY ALL""",
        {"since": since},
    ).fetchall()
    e = Effect(t.name, "trimming", t.description)
    base: dict[Group, dict[str, Decimal]] = {}
    trimmed = before = after = cr_before = cr_after = 0
    for p, m, k, t_in, t_cr, t_cw, n_in, n_cr, n_cw, pr_before, pr_after in rows:
        pr = prices.get((p, m))
        if pr is None:
            continue
        logged = _cost(pr, {"input": t_in, "cache_read": t_cr, "cache_write": t_cw})
        alt = _cost(pr, {"input": n_in, "cache_read": n_cr, "cache_write": n_cw})
        base[(p, m)] = {"in": logged - alt}
        trimmed += k
        before += pr_before
        after += pr_after
        cr_before += t_cr
        cr_after += n_cr
    e.window_savings_usd = sum((d["in"] for d in base.values()), Decimal(0))
    e.measured = {
        "keep_turns": n,
        "requests_trimmed": trimmed,
        "prompt_tokens_removed_share": (before - after) / before if before else None,
        "cache_read_tokens_before": cr_before,
        "cache_read_tokens_after": cr_after,
        "cache_effect": "a trimmed prompt keeps at most its conversation's first prompt as cached prefix",
    }
    return _finish(e, base, totals)


def measure_batch(
    con: duckdb.DuckDBPyConnection, prices: Prices, b: Batch, since: date, totals: dict[Group, dict[str, int]]
) -> Effect:
    rows = con.execute(
        f"""WITH r AS (
                SELECT *, count(*) OVER (PARTITION BY grp_provider, conversation_id) AS conv_len FROM {ROWS}
                WHERE grain = 'request' AND priced AND NOT coalesce(batch, false)
                  AND {_glob("grp_model", b.models)} AND {_glob("coalesce(project, '')", b.projects)}
            )
            SELECT grp_provider, grp_model, CAST(sum(coalesce(request_count, 1)) AS BIGINT),
                   CAST(sum(coalesce(input_tokens, 0)) AS BIGINT), CAST(sum(coalesce(cache_read_tokens, 0)) AS BIGINT),
                   CAST(sum(coalesce(cache_write_tokens, 0)) AS BIGINT), CAST(sum(coalesce(output_tokens, 0)) AS BIGINT)
            FROM r WHERE day >= $since AND (conversation_id IS NULL OR conv_len = 1)
            GROUP BY ALL ORDER BY ALL""",
        {"since": since},
    ).fetchall()
    e = Effect(b.name, "batch", b.description)
    share = Decimal(repr(b.share))
    base: dict[Group, dict[str, Decimal]] = {}
    moved = Decimal(0)
    for p, m, n, t_in, t_cr, t_cw, t_out in rows:
        pr = prices.get((p, m))
        if pr is None:
            continue
        cells = {"input": t_in, "cache_read": t_cr, "cache_write": t_cw}
        std_in = _cost(pr, cells)
        bat_in = sum((Decimal(v) * prices.batch((p, m), k, pr) for k, v in cells.items()), Decimal(0))
        out = Decimal(t_out) * (pr.prices["output"] - prices.batch((p, m), "output", pr))
        base[(p, m)] = {"in": share * (std_in - bat_in), "out": share * out}
        moved += share * n
    e.window_savings_usd = sum((d["in"] + d["out"] for d in base.values()), Decimal(0))
    e.measured = {
        "requests_moved": float(moved),
        "share": b.share,
        "eligible": "non-batch request rows in single-request conversations (or with no conversation)",
    }
    return _finish(e, base, totals)


def measure_all(
    con: duckdb.DuckDBPyConnection, prices: Prices, alts: tuple[Any, ...], as_of_day: date, window_days: int
) -> tuple[list[Effect], date]:
    since = as_of_day - timedelta(days=window_days - 1)
    totals = window_totals(con, since)
    out = []
    for a in alts:
        fn = {Routing: measure_routing, Caching: measure_caching, Trimming: measure_trimming, Batch: measure_batch}[
            type(a)
        ]
        out.append(fn(con, prices, a, since, totals))  # type: ignore[operator]
    return out, since


__all__ = [
    "Effect",
    "Prices",
    "label_sql",
    "measure_all",
    "measure_batch",
    "measure_caching",
    "measure_routing",
    "measure_trimming",
    "window_totals",
]
