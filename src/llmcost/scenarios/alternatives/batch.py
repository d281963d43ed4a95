"""Batch: move a share of non-interactive traffic to batch pricing (docs/scenarios.md, Batch)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from llmcost.scenarios.fields import Table
from llmcost.scenarios.whatif import Effect, Group, Prices, cost, finish, glob

from . import AlternativeKind, Shown


@dataclass(frozen=True)
class Batch:
    """Move a share of non-interactive traffic to batch pricing."""

    name: str
    description: str = ""
    share: float = 0.5
    models: str = "*"
    projects: str = "*"
    """Glob over the project; non-interactive = single-request conversations (or no conversation)."""


def parse(t: Table) -> Batch:
    return Batch(
        name=t.name(),
        description=t.text("description", "") or "",
        share=t.num("share", 0.5, hi=1.0),
        models=t.text("models", "*") or "*",
        projects=t.text("projects", "*") or "*",
    )


def measure_batch(
    con: duckdb.DuckDBPyConnection, history: str, prices: Prices, b: Batch, since: date,
    totals: dict[Group, dict[str, int]],
) -> Effect:
    rows = con.execute(
        f"""WITH r AS (
                SELECT *, count(*) OVER (PARTITION BY grp_provider, conversation_id) AS conv_len FROM {history}
                WHERE grain = 'request' AND priced AND NOT coalesce(batch, false)
                  AND {glob("grp_model", b.models)} AND {glob("coalesce(project, '')", b.projects)}
            )
            SELECT grp_provider, grp_model, service_tier, lower(inference_geo) AS geo,
                   CAST(sum(coalesce(request_count, 1)) AS BIGINT),
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
    for p, m, tier, geo, n, t_in, t_cr, t_cw, t_out in rows:
        pr = prices.get((p, m))
        if pr is None:
            continue
        # what the requests cost at the tier they ran at (a priority request saves more), against
        # the batch price, which has no tier; both in the geography they ran in (its factor stacks)
        logged = prices.at_tier(pr, tier, geo=geo)
        cells = {"input": t_in, "cache_read": t_cr, "cache_write": t_cw}
        std_in = cost(logged, cells)
        bat_in = sum((Decimal(v) * prices.batch(k, pr, geo) for k, v in cells.items()), Decimal(0))
        out = Decimal(t_out) * (logged.prices["output"] - prices.batch("output", pr, geo))
        d = base.setdefault((p, m), {"in": Decimal(0), "out": Decimal(0)})
        d["in"] += share * (std_in - bat_in)
        d["out"] += share * out
        moved += share * n
    e.window_savings_usd = sum((d["in"] + d["out"] for d in base.values()), Decimal(0))
    e.measured = {
        "requests_moved": float(moved),
        "share": b.share,
        "eligible": "non-batch request rows in single-request conversations (or with no conversation)",
    }
    return finish(e, base, totals)



KIND = AlternativeKind(
    section="batch",
    config=Batch,
    keys=frozenset({"name", "description", "share", "models", "projects"}),
    description="move a share of non-interactive requests to the provider's batch prices",
    parse=parse,
    measure=measure_batch,
    shown=(Shown("requests_moved", "requests moved"),),
    order=40,
)
