"""Trimming: keep only the last N turns of history in each prompt (docs/scenarios.md, Trimming)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from llmcost.scenarios.fields import Table
from llmcost.scenarios.whatif import PROMPT, Effect, Group, Prices, cost, finish, glob

from . import AlternativeKind, Shown


@dataclass(frozen=True)
class Trimming:
    """Keep only the last N turns of history in each prompt."""

    name: str
    description: str = ""
    keep_turns: int = 4
    models: str = "*"


def parse(t: Table) -> Trimming:
    return Trimming(
        name=t.name(),
        description=t.text("description", "") or "",
        keep_turns=t.whole("keep_turns", 4, lo=1) or 4,
        models=t.text("models", "*") or "*",
    )


def measure_trimming(
    con: duckdb.DuckDBPyConnection, history: str, prices: Prices, t: Trimming, since: date,
    totals: dict[Group, dict[str, int]],
) -> Effect:
    n = int(t.keep_turns)
    order = "ORDER BY coalesce(turn, 0), ts, source_file, source_line, event_id"
    part = "PARTITION BY grp_provider, conversation_id"
    scope = f"grain = 'request' AND priced AND conversation_id IS NOT NULL AND {glob('grp_model', t.models)}"
    # A conversation's whole history decides what trimming drops, but only conversations with a
    # request in the window add to the totals: the others are left out before the windows sort
    # (exact; the 20 GB report sorted months of history for 28 days: 75 s).
    rows = con.execute(
        f"""WITH active AS (SELECT DISTINCT grp_provider, conversation_id FROM {history}
                            WHERE day >= $since AND {scope}),
            r AS (
                SELECT grp_provider, grp_model, service_tier, coalesce(batch, false) AS batch,
                       lower(inference_geo) AS geo, conversation_id, turn, ts, source_file, source_line, event_id, day,
                       {PROMPT} AS prompt, coalesce(input_tokens, 0) AS t_in,
                       coalesce(cache_read_tokens, 0) AS t_cr, coalesce(cache_write_tokens, 0) AS t_cw
                FROM {history} SEMI JOIN active USING (grp_provider, conversation_id)
                WHERE {scope}
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
            SELECT grp_provider, grp_model, service_tier, batch, geo,
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
    for p, m, tier, bat, geo, k, t_in, t_cr, t_cw, n_in, n_cr, n_cw, pr_before, pr_after in rows:
        pr = prices.get((p, m))
        if pr is None:
            continue
        pr = prices.at_tier(pr, tier, bat, geo)  # the trimmed requests stay at the tier (batch, geo) they ran at
        logged = cost(pr, {"input": t_in, "cache_read": t_cr, "cache_write": t_cw})
        alt = cost(pr, {"input": n_in, "cache_read": n_cr, "cache_write": n_cw})
        d = base.setdefault((p, m), {"in": Decimal(0)})
        d["in"] += logged - alt
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
    return finish(e, base, totals)



KIND = AlternativeKind(
    section="trimming",
    config=Trimming,
    keys=frozenset({"name", "description", "keep_turns", "models"}),
    description="keep only the last `keep_turns` turns of history in each prompt",
    parse=parse,
    measure=measure_trimming,
    shown=(Shown("requests_trimmed", "requests trimmed"),),
    order=30,
)
