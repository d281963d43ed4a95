"""Prompt-cache simulation on the logged request timestamps.

Why: a caching what-if must report the hit rate it would get on *your* traffic, not an
assumed one. Provider caches keep a prefix for a lifetime (Anthropic 5 minutes or 1 hour,
refreshed free on every hit; pricing-caching-routing.md B.1), serve nothing below a minimum
length, and charge a write premium. All of that depends on when requests arrive.

The key observation that makes this vectorisable: every request that carries a cacheable
prefix either reads it (hit) or writes it (miss), so after the request the entry is fresh.
Hence a prefix is alive at request r exactly when the *previous* request carrying the same
prefix came at most one lifetime earlier. That is one `lag(ts)` per prefix key in DuckDB, no
per-request Python loop. Prefix keys:

* block-hash traces (Mooncake, `extra.block_hashes`, `extra.block_size`): every leading run of
  blocks is a key (the hash of the list slice), as in the measures' ideal-reuse query; the hit
  is the longest leading run of alive keys. Scope: provider, model and project.
* otherwise, with `prefix_tokens = N`: a stable N-token prefix shared by a conversation (or a
  project); requests whose prompt is shorter than N do not carry it.
* otherwise, with `prefix_tokens = None` ("all"): the whole previous prompt of the same
  conversation is the cached prefix (automatic caching of a growing history).

Not modelled: Anthropic's "readable only after the first response starts" rule for parallel
bursts, per-machine cache overflow (OpenAI), cache capacity/eviction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from .whatif import glob


@dataclass
class CacheSim:
    """Simulated cache outcome over the rows in scope (per group and overall)."""

    groups: list[dict[str, Any]]
    """Per (grp_provider, grp_model, service_tier, batch, geo): requests, prompt/hit/write tokens and
    the logged cache tokens (the cache state runs per group, whatever tier a request ran at or
    whether it went through the batch API; tier, batch and geo only split the totals, for pricing)."""
    ttl_seconds: float | None
    prefix_tokens: int | None
    key: str

    @property
    def prompt_tokens(self) -> int:
        return sum(g["prompt_tokens"] for g in self.groups)

    @property
    def hit_tokens(self) -> int:
        return sum(g["hit_tokens"] for g in self.groups)

    @property
    def write_tokens(self) -> int:
        return sum(g["write_tokens"] for g in self.groups)

    @property
    def requests(self) -> int:
        return sum(g["requests"] for g in self.groups)

    @property
    def hit_rate(self) -> float | None:
        """Simulated cache reads / prompt tokens (token-weighted, as the measures' hit rate)."""
        p = self.prompt_tokens
        return self.hit_tokens / p if p else None

    @property
    def logged_hit_rate(self) -> float | None:
        p = self.prompt_tokens
        return sum(g["logged_cache_read_tokens"] for g in self.groups) / p if p else None


def _min_case(min_tokens: int | dict[str, int] | None) -> str:
    """SQL expression: the minimum cacheable length of a row's provider."""
    if isinstance(min_tokens, int):
        return str(int(min_tokens))
    cfg = dict(min_tokens or {})
    default = int(cfg.pop("*", 1024))
    if not cfg:
        return str(default)
    whens = " ".join(f"WHEN '{p.replace(chr(39), '')}' THEN {int(v)}" for p, v in sorted(cfg.items()))
    return f"CASE lower(grp_provider) {whens} ELSE {default} END"


def provider_minimums() -> dict[str, int]:
    """Minimum cacheable prompt per provider from the measures config ([cache]); '*' = default."""
    from llmcost.measures.registry import load_config

    c = load_config()["cache"]
    out = {k.lower(): int(v) for k, v in c.get("min_cacheable_tokens", {}).items()}
    out["*"] = int(c.get("min_cacheable_default", 1024))
    return out


def simulate_cache(
    con: duckdb.DuckDBPyConnection,
    source: str,
    *,
    prefix_tokens: int | None = None,
    ttl_seconds: float | None = 300.0,
    min_tokens: int | dict[str, int] | None = None,
    key: str = "conversation",
    models: str = "*",
    since: date | None = None,
) -> CacheSim:
    """Simulate a prompt cache over the request rows of `source` (the history: `History.table`).

    `ttl_seconds` None = unlimited lifetime; `min_tokens` an int, a provider -> minimum dict
    (key '*' = default) or None for the measures config's per-provider minimums. The totals cover
    rows on or after `since` (local day); the cache state runs over the rows from one lifetime
    before the first of them (every row when the lifetime is unlimited).
    """
    if min_tokens is None:
        min_tokens = provider_minimums()
    params = {"ttl": ttl_seconds, "prefix": prefix_tokens, "since": since}
    min_sql = _min_case(min_tokens)
    prompt = "coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)"
    base = f"""
        SELECT grp_provider, grp_model, service_tier, coalesce(batch, false) AS batch, lower(inference_geo) AS geo,
               coalesce(project, '') AS project,
               conversation_id, ts, day,
               source_file, source_line, event_id, coalesce(request_count, 1) AS requests,
               {prompt} AS prompt, coalesce(input_tokens, 0) AS l_in, coalesce(cache_read_tokens, 0) AS l_cr,
               coalesce(cache_write_tokens, 0) AS l_cw, coalesce(output_tokens, 0) AS l_out,
               {min_sql} AS min_tok, extra
        FROM {source}
        WHERE grain = 'request' AND {glob("grp_model", models)}"""
    if since is not None and ttl_seconds is not None:
        # Only the previous request of a key decides whether a window row hits, and one that came
        # more than a lifetime before the window's first request is dead either way: rows before
        # that cut change no total (exact, tests/scenarios/test_cachesim.py), and the state no
        # longer runs over months of history to report 28 days (the 20 GB report: 92.6 s).
        base += f"""
          AND epoch(ts) >= (SELECT min(epoch(ts)) FROM {source} WHERE day >= $since) - $ttl"""
    alive = "(prev_ts IS NOT NULL AND ($ttl IS NULL OR epoch(ts) - epoch(prev_ts) <= $ttl))"
    blocks_sql = f"""
        WITH r AS ({base} AND extra IS NOT NULL),
        o AS (
            SELECT r.* EXCLUDE (extra),
                   TRY_CAST(json_extract(extra, '$.block_hashes') AS BIGINT[]) AS blocks,
                   coalesce(TRY_CAST(json_extract(extra, '$.block_size') AS BIGINT), 512) AS bs,
                   row_number() OVER (PARTITION BY grp_provider, grp_model, project
                                      ORDER BY ts, source_file, source_line, event_id) AS seq
            FROM r
        ),
        o2 AS (
            SELECT *, CASE WHEN $prefix IS NULL THEN len(blocks)
                           ELSE least(len(blocks), CAST($prefix AS BIGINT) // bs) END AS cap
            FROM o WHERE blocks IS NOT NULL
        ),
        o3 AS (SELECT *, least(cap * bs, prompt) AS cacheable FROM o2),
        pos AS (
            SELECT grp_provider, grp_model, project, seq, ts, blocks, unnest(range(1, cap + 1)) AS p
            FROM o3 WHERE cacheable >= min_tok AND cap > 0
        ),
        k AS (
            SELECT grp_provider, grp_model, project, seq, ts, p, hash(list_slice(blocks, 1, p)) AS key FROM pos
        ),
        g AS (
            SELECT *, lag(ts) OVER (PARTITION BY grp_provider, grp_model, project, key ORDER BY seq) AS prev_ts
            FROM k
        ),
        lead_run AS (
            SELECT grp_provider, grp_model, project, seq,
                   coalesce(min(p) FILTER (WHERE NOT {alive}), max(p) + 1) - 1 AS hit_blocks
            FROM g GROUP BY ALL
        ),
        res AS (
            SELECT o3.*, least(coalesce(l.hit_blocks, 0) * o3.bs, o3.cacheable) AS raw_hit
            FROM o3 LEFT JOIN lead_run l
              ON l.grp_provider = o3.grp_provider AND l.grp_model = o3.grp_model AND l.project = o3.project
             AND l.seq = o3.seq
        )
        SELECT grp_provider, grp_model, service_tier, batch, geo, day, requests, prompt, l_in, l_cr, l_cw, l_out,
               CASE WHEN raw_hit >= min_tok THEN raw_hit ELSE 0 END AS hit,
               CASE WHEN cacheable >= min_tok AND cap > 0
                    THEN cacheable - CASE WHEN raw_hit >= min_tok THEN raw_hit ELSE 0 END ELSE 0 END AS write
        FROM res"""
    if key not in ("conversation", "project"):
        raise ValueError(f"key must be 'conversation' or 'project', not {key!r}")
    kcol = "conversation_id" if key == "conversation" else "project"
    order = "ORDER BY ts, source_file, source_line, event_id"
    if prefix_tokens is not None:
        keyed_sql = f"""
            WITH kr AS ({base} AND extra IS NULL AND {kcol} IS NOT NULL),
            ke AS (SELECT *, prompt >= $prefix AND $prefix >= min_tok AS carries FROM kr),
            kg AS (
                SELECT *, CASE WHEN carries THEN lag(ts) OVER (PARTITION BY grp_provider, grp_model, {kcol}, carries
                                                               {order}) END AS prev_ts
                FROM ke
            )
            SELECT grp_provider, grp_model, service_tier, batch, geo, day, requests, prompt, l_in, l_cr, l_cw, l_out,
                   CASE WHEN carries AND {alive} THEN CAST($prefix AS BIGINT) ELSE 0 END AS hit,
                   CASE WHEN carries AND NOT {alive} THEN CAST($prefix AS BIGINT) ELSE 0 END AS write
            FROM kg"""
    else:
        if key != "conversation":
            raise ValueError("prefix_tokens 'all' (whole previous prompt) needs key = 'conversation'")
        keyed_sql = f"""
            WITH kr AS ({base} AND extra IS NULL AND conversation_id IS NOT NULL),
            kg AS (
                SELECT *, lag(ts) OVER w AS prev_ts, lag(prompt) OVER w AS prev_prompt
                FROM kr WINDOW w AS (PARTITION BY grp_provider, grp_model, conversation_id {order})
            ),
            kh AS (
                SELECT *, CASE WHEN {alive} AND prev_prompt >= min_tok THEN least(prev_prompt, prompt) ELSE 0 END
                          AS hit0
                FROM kg
            )
            SELECT grp_provider, grp_model, service_tier, batch, geo, day, requests, prompt, l_in, l_cr, l_cw, l_out,
                   CASE WHEN hit0 >= min_tok THEN hit0 ELSE 0 END AS hit,
                   CASE WHEN prompt >= min_tok THEN prompt - CASE WHEN hit0 >= min_tok THEN hit0 ELSE 0 END
                        ELSE 0 END AS write
            FROM kh"""
    # the two branches' CTEs have distinct names: Spark (engine.spark) hoists them into one WITH
    sql = f"""
        WITH s AS (({blocks_sql}) UNION ALL ({keyed_sql}))
        SELECT grp_provider, grp_model, service_tier, batch, geo,
               CAST(sum(requests) AS BIGINT) AS requests,
               CAST(sum(prompt) AS BIGINT) AS prompt_tokens,
               CAST(sum(hit) AS BIGINT) AS hit_tokens,
               CAST(sum(write) AS BIGINT) AS write_tokens,
               CAST(sum(l_in) AS BIGINT) AS logged_input_tokens,
               CAST(sum(l_cr) AS BIGINT) AS logged_cache_read_tokens,
               CAST(sum(l_cw) AS BIGINT) AS logged_cache_write_tokens,
               CAST(sum(l_out) AS BIGINT) AS output_tokens
        FROM s
        WHERE $since IS NULL OR day >= $since
        GROUP BY ALL ORDER BY ALL"""
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    groups = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    return CacheSim(groups, ttl_seconds, prefix_tokens, key)


__all__ = ["CacheSim", "provider_minimums", "simulate_cache"]
