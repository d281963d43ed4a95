"""Routing: move requests from one model to another, selected by a rule (docs/scenarios.md, Routing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from llmcost.errors import ConfigError
from llmcost.scenarios.fields import Table
from llmcost.scenarios.whatif import PROMPT, Effect, Group, Prices, cost, finish, glob, label_sql

from . import AlternativeKind, Shown

LABELS = {"simple", "medium", "complex"}


@dataclass(frozen=True)
class Routing:
    """Move requests from one model to another, selected by a rule."""

    name: str
    description: str = ""
    from_model: str = "*"
    from_provider: str = "*"
    to_model: str = "@cheapest"
    to_provider: str | None = None
    """Provider of the target; None = the source's provider."""
    labels: tuple[str, ...] = ("simple",)
    max_input_tokens: int | None = None
    """Only requests whose prompt (input + cache read + cache write) is at most this."""
    max_output_tokens: int | None = None
    share: float = 1.0
    classifier_usd_per_1k_requests: float = 0.0


def parse(t: Table) -> Routing:
    labels = t.raw.get("labels", ["simple"])
    if not isinstance(labels, list) or any(lb not in LABELS for lb in labels):
        raise t.fail(
            "labels",
            f"labels must be a list drawn from {sorted(LABELS)}, got {labels!r}",
            'write e.g. labels = ["simple"] (or [] for any label)',
        )
    return Routing(
        name=t.name(),
        description=t.text("description", "") or "",
        from_model=t.text("from_model", "*") or "*",
        from_provider=t.text("from_provider", "*") or "*",
        to_model=t.text("to_model", "@cheapest") or "@cheapest",
        to_provider=t.text("to_provider", None),
        labels=tuple(labels),
        max_input_tokens=t.whole("max_input_tokens", None),
        max_output_tokens=t.whole("max_output_tokens", None),
        share=t.num("share", 1.0, hi=1.0),
        classifier_usd_per_1k_requests=t.num("classifier_usd_per_1k_requests", 0.0),
    )


def measure_routing(
    con: duckdb.DuckDBPyConnection, history: str, prices: Prices, r: Routing, since: date,
    totals: dict[Group, dict[str, int]],
) -> Effect:
    conds = [
        "day >= $since",
        "grain = 'request'",
        "priced",
        glob("grp_model", r.from_model),
        glob("grp_provider", r.from_provider),
    ]
    if r.labels:
        conds.append(f"({label_sql()}) IN ({', '.join(repr(lb) for lb in r.labels)})")
    if r.max_input_tokens is not None:
        conds.append(f"({PROMPT}) <= {int(r.max_input_tokens)}")
    if r.max_output_tokens is not None:
        conds.append(f"coalesce(output_tokens, 0) <= {int(r.max_output_tokens)}")
    sel = con.execute(
        f"""SELECT grp_provider, grp_model, service_tier, coalesce(batch, false) AS batch, lower(inference_geo) AS geo,
                   CAST(sum(coalesce(request_count, 1)) AS BIGINT) AS requests,
                   CAST(sum(coalesce(input_tokens, 0)) AS BIGINT), CAST(sum(coalesce(cache_read_tokens, 0)) AS BIGINT),
                   CAST(sum(coalesce(cache_write_tokens, 0)) AS BIGINT), CAST(sum(coalesce(output_tokens, 0)) AS BIGINT)
            FROM {history} WHERE {" AND ".join(conds)} GROUP BY ALL ORDER BY ALL""",
        {"since": since},
    ).fetchall()
    e = Effect(r.name, "routing", r.description, a_in_best={})
    base: dict[Group, dict[str, Decimal]] = {}
    moved = Decimal(0)
    best = Decimal(0)
    per_target: dict[str, Decimal] = {}
    share = Decimal(repr(r.share))
    for p, m, tier, bat, geo, n, t_in, t_cr, t_cw, t_out in sel:
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
        # both at the tier the requests ran at, through the batch API if they went through it, in
        # the geography they ran in (a target without a price for the tier: its standard price)
        sp, dp = prices.at_tier(sp, tier, bat, geo), prices.at_tier(dp, tier, bat, geo)
        logged_in = cost(sp, {"input": t_in, "cache_read": t_cr, "cache_write": t_cw})
        cold_in = cost(dp, {"input": t_in + t_cr + t_cw})  # moved requests lose their cache reads
        warm_in = cost(dp, {"input": t_in, "cache_read": t_cr, "cache_write": t_cw})
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
    return finish(e, base, totals)


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



KIND = AlternativeKind(
    section="routing",
    config=Routing,
    keys=frozenset({
        "name", "description", "from_model", "from_provider", "to_model", "to_provider", "labels",
        "max_input_tokens", "max_output_tokens", "share", "classifier_usd_per_1k_requests",
    }),
    description="move selected requests (by model, complexity label, size) to another or the cheapest model",
    parse=parse,
    measure=measure_routing,
    shown=(Shown("requests_moved", "requests moved"),),
    order=10,
)
