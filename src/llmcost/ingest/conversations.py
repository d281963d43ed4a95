"""Infer conversation ids where a log has none (method and measured accuracy: docs/conversations.md).

Many request logs (raw provider bodies, LiteLLM without `litellm_session_id`, batch files) carry
no conversation id, but per-turn analysis needs one. A chat conversation leaves a trace in usage
rows: the same user (or API key) sends the next turn a little later, and the next prompt holds the
previous prompt's history plus the previous answer plus the new question. Inference is optional
(nothing calls it unless asked) and a linking problem, per key (`user_id`, else `api_key`, else
one anonymous stream):

1. candidates: request B may continue an earlier request A of the same key sent at most
   `gap_seconds` before it (`anonymous_gap_seconds` for rows with neither user nor key), at most
   the `max_candidates` latest such A;
2. each candidate link is scored by the strongest signal both rows carry:
   - block-hash prefix chains (`extra.block_hashes`, Mooncake-style): B continues A when B's
     hashes start with all of A's except A's last (partial) block and that run is at least
     `min_prefix_blocks` long (traces-notes.md section 2). Found by a hash join, without the
     candidate cap; two rows that both carry hashes are linked by this rule only;
   - prompt components (`extra.components`, RAGPulse-style) with chunk lengths in a table
     `component_lengths(kind, id, token_length)`: B's history tokens against A's history + A's
     user input + A's output, relative to that expectation; an identical history soon after is a
     re-sent turn (retry, regenerate); shared retrieved passages earn a small bonus;
   - otherwise prompt sizes: B's prompt (input + cache read + cache write) against A's prompt +
     A's output, relative;
   the score adds `skip_penalty` per request of the key between A and B (a turn usually follows
   its conversation's latest request), and a link whose error, less `slack_tokens`, exceeds
   `tolerance` (`anonymous_tolerance` without a key) is dropped;
3. one-to-one matching (each request has at most one predecessor and one successor) in rounds:
   every B proposes its best A, every A accepts its best proposer, accepted pairs leave the pool;
4. a conversation is a chain of links; its id is `inferred:<event_id of its first request>` and
   its rows are marked `conversation_inferred = true`.

All steps are set-based DuckDB statements plus a numpy pointer-jumping pass over the links; the
cost grows with rows x `max_candidates`, with no Python loop per row. Rows that already have a
conversation id are left alone and are never linked to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class InferenceParams:
    """Parameters of conversation inference; defaults measured on RAGPulse (docs/conversations.md)."""

    gap_seconds: float = 3600.0
    """Longest pause between two turns of one conversation of the same user or key."""
    anonymous_gap_seconds: float = 120.0
    """The same for rows with neither user nor key (every user in one stream: keep it short)."""
    tolerance: float = 0.35
    """Largest relative error of the expected history or prompt size for a link."""
    anonymous_tolerance: float = 0.10
    """The same for rows with neither user nor key."""
    slack_tokens: float = 64.0
    """Tokens of error forgiven before the relative error is taken (template text, a short question)."""
    retry_seconds: float = 120.0
    """A request repeating the previous one's history within this many seconds is a re-sent turn."""
    skip_penalty: float = 0.2
    """Score added per request of the same key between A and B."""
    shared_bonus: float = 0.1
    """Score taken off when A and B retrieved at least one common passage or web-search chunk."""
    min_prefix_blocks: int = 2
    """Shortest block-hash run that links two requests (block 0 alone is often a shared system prompt)."""
    max_candidates: int = 64
    """Latest earlier requests of the key considered as predecessors (bounds the work per row)."""


ROUNDS = 1000
"""Matching rounds at most. Each round settles every mutually-best pair (at least the best remaining
link), so a handful of rounds is usual: at most 6 on the RAGPulse test logs."""

_ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE _ic_rows AS
WITH src AS (
    SELECT event_id, coalesce(user_id, api_key, '') AS k, epoch(ts) AS t,
           coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)
             AS prompt,
           coalesce(output_tokens, 0) AS output,
           CASE WHEN _extra LIKE '%"components"%' AND json_valid(_extra) THEN _extra END AS comp_json,
           CASE WHEN _extra LIKE '%"block_hashes"%' AND json_valid(_extra)
                THEN TRY_CAST(json_extract(_extra, '$.block_hashes') AS BIGINT[]) END AS blocks
    FROM (SELECT *, {extra} AS _extra FROM {view})
    WHERE conversation_id IS NULL AND event_id IS NOT NULL AND ts IS NOT NULL AND {requests}
)
SELECT row_number() OVER (ORDER BY k, t, event_id) - 1 AS i, * EXCLUDE (comp_json),
       TRY_CAST(json_extract(comp_json, '$.components.history') AS BIGINT[]) AS hist_ids,
       list_concat(TRY_CAST(json_extract(comp_json, '$.components.passages_ids') AS BIGINT[]),
                   TRY_CAST(json_extract(comp_json, '$.components.web_search') AS BIGINT[])) AS ctx_ids,
       {hist} AS hist, {ask} AS ask
FROM src
"""

# history and user-input tokens of a request: chunk ids in extra.components, lengths in the table
_COMP_TOKENS = """(SELECT sum(c.token_length) FROM unnest(
        TRY_CAST(json_extract(comp_json, '$.components.{kind}') AS BIGINT[])) AS u(id)
        JOIN {lengths} c ON c.kind = '{kind}' AND c.id = u.id)"""

_EDGES_SQL = """
CREATE OR REPLACE TEMP TABLE _ic_edges AS
WITH firsts AS (SELECT k, t, min(i) AS first_i FROM _ic_rows GROUP BY k, t),
     lo AS (SELECT b.i, greatest(f.first_i, b.i - $max_candidates) AS lo
            FROM _ic_rows b ASOF JOIN firsts f
              ON f.k = b.k AND f.t >= b.t - CASE WHEN b.k = '' THEN $anonymous_gap ELSE $gap END),
     pairs AS (SELECT lo.i AS b, unnest(range(lo.lo, lo.i)) AS a FROM lo WHERE lo.lo < lo.i),
     scored AS (
        SELECT p.b, p.a, rb.k, rb.t - ra.t AS dt,
               -- a re-sent turn (regenerate, retry) repeats a non-empty history exactly, soon after
               ra.hist IS NOT NULL AND rb.hist IS NOT NULL AND rb.hist_ids = ra.hist_ids
                 AND (rb.hist > $slack_tokens OR (len(rb.ctx_ids) > 0 AND rb.ctx_ids = ra.ctx_ids))
                 AND rb.t - ra.t <= $retry_seconds AS retry,
               -- follow-up questions often retrieve some of the same passages
               coalesce(len(list_intersect(ra.ctx_ids, rb.ctx_ids)) > 0, false) AS shared,
               CASE WHEN ra.hist IS NOT NULL AND rb.hist IS NOT NULL
                    THEN rb.hist - (ra.hist + coalesce(ra.ask, 0) + ra.output)
                    ELSE rb.prompt - (ra.prompt + ra.output) END AS diff,
               CASE WHEN ra.hist IS NOT NULL AND rb.hist IS NOT NULL
                    THEN greatest(ra.hist + coalesce(ra.ask, 0) + ra.output, 1)
                    ELSE greatest(ra.prompt + ra.output, 1) END AS expected,
               -- requests of the same key between A and B: B usually continues the latest one
               p.b - p.a - 1 AS skipped
        FROM pairs p JOIN _ic_rows rb ON rb.i = p.b JOIN _ic_rows ra ON ra.i = p.a
        -- two rows that both carry block hashes are linked by the chain rule below only
        WHERE ra.blocks IS NULL OR rb.blocks IS NULL
     ),
     -- block-hash chains: B continues A when B's hashes start with all of A's but A's last block
     chain_a AS (SELECT i, k, t, blocks, len(blocks) - 1 AS n, hash(blocks[1:len(blocks) - 1]) AS h
                 FROM _ic_rows WHERE len(blocks) - 1 >= $min_prefix_blocks),
     chain_b AS (SELECT i, k, t, blocks, n, hash(blocks[1:n]) AS h
                 FROM (SELECT i, k, t, blocks, unnest(range($min_prefix_blocks, len(blocks) + 1)) AS n
                       FROM _ic_rows WHERE len(blocks) >= $min_prefix_blocks))
SELECT b, a, dt, 0 AS strength,
       CASE WHEN retry THEN 0.0 ELSE abs(diff) / expected END
         + $skip_penalty * skipped - $shared_bonus * shared::INTEGER AS score
FROM scored
WHERE retry OR greatest(abs(diff) - $slack_tokens, 0) / expected
                 <= CASE WHEN k = '' THEN $anonymous_tolerance ELSE $tolerance END
UNION ALL
-- the longest chain (most specific predecessor) wins, then the latest
SELECT cb.i AS b, ca.i AS a, cb.t - ca.t AS dt, ca.n AS strength, $skip_penalty * (cb.i - ca.i - 1) AS score
FROM chain_b cb JOIN chain_a ca ON ca.h = cb.h AND ca.n = cb.n AND ca.k = cb.k AND ca.i < cb.i
WHERE cb.t - ca.t <= $gap AND cb.blocks[1:cb.n] = ca.blocks[1:ca.n]
"""

_ROUND_SQL = """
WITH props AS (
    SELECT b, a, score, strength, dt FROM _ic_edges
    QUALIFY row_number() OVER (PARTITION BY b ORDER BY strength DESC, score, dt, a DESC) = 1
), acc AS (
    SELECT b, a FROM props
    QUALIFY row_number() OVER (PARTITION BY a ORDER BY strength DESC, score, dt, b) = 1
)
SELECT b, a FROM acc
"""


def _has_table(con: Any, name: str) -> bool:
    rows = con.execute(
        "SELECT (SELECT count(*) FROM duckdb_tables() WHERE table_name = $n)"
        " + (SELECT count(*) FROM duckdb_views() WHERE view_name = $n)", {"n": name}
    ).fetchall()
    return bool(rows[0][0])


def infer_conversations(
    con: Any,
    view: str = "usage",
    params: InferenceParams | None = None,
    *,
    component_lengths: str | None = "component_lengths",
    table: str = "inferred_conversations",
) -> str:
    """Create TEMP TABLE `table` (event_id, conversation_id, conversation_inferred) for the rows of
    `view` that have no conversation id (request rows only, where `view` has `grain`); returns the
    table name.

    `view` needs event_id, ts, user_id, api_key, conversation_id, input_tokens, cache_read_tokens,
    cache_write_tokens, output_tokens and optionally extra (the store's `usage` view has them all).
    `component_lengths` names a table (kind, id, token_length) of prompt-component chunk lengths
    (RAGPulse side files; `llmcost.measures.registry.load_component_lengths` builds one); it is used when
    it exists, and None turns the component signal off.
    """
    p = params or InferenceParams()
    lengths = component_lengths if component_lengths and _has_table(con, component_lengths) else None
    if lengths:
        hist = _COMP_TOKENS.format(kind="history", lengths=lengths)
        ask = _COMP_TOKENS.format(kind="user_input", lengths=lengths)
    else:
        hist = ask = "NULL::BIGINT"
    probe = con.execute(f"SELECT * FROM {view} LIMIT 0")
    cols = {d[0] for d in probe.description}
    probe.fetchall()
    extra = "CAST(extra AS VARCHAR)" if "extra" in cols else "NULL::VARCHAR"
    # provider buckets (grain 'bucket') aggregate many requests: never part of a conversation
    requests = "grain = 'request'" if "grain" in cols else "true"
    con.execute(_ROWS_SQL.format(view=view, hist=hist, ask=ask, extra=extra, requests=requests))
    con.execute(_EDGES_SQL, {
        "gap": p.gap_seconds, "anonymous_gap": p.anonymous_gap_seconds, "tolerance": p.tolerance,
        "anonymous_tolerance": p.anonymous_tolerance, "slack_tokens": p.slack_tokens,
        "retry_seconds": p.retry_seconds, "skip_penalty": p.skip_penalty, "shared_bonus": p.shared_bonus,
        "min_prefix_blocks": p.min_prefix_blocks, "max_candidates": p.max_candidates,
    })
    n = con.execute("SELECT count(*) FROM _ic_rows").fetchall()[0][0]
    parent = np.arange(n, dtype=np.int64)
    for _ in range(ROUNDS):
        links = con.sql(_ROUND_SQL).to_arrow_table()
        if links.num_rows == 0:
            break
        b = links.column("b").to_numpy()
        a = links.column("a").to_numpy()
        parent[b] = a
        con.register("_ic_links", links)
        # a request that got its predecessor, or was taken as one, leaves the pool
        con.execute(
            "DELETE FROM _ic_edges WHERE b IN (SELECT b FROM _ic_links) OR a IN (SELECT a FROM _ic_links)"
        )
        con.unregister("_ic_links")
    # pointer jumping: every request points at the first request of its chain
    while True:
        nxt = parent[parent]
        if np.array_equal(nxt, parent):
            break
        parent = nxt
    ids = con.sql("SELECT event_id FROM _ic_rows ORDER BY i").to_arrow_table().column("event_id")
    roots = pc.take(ids, pa.array(parent))
    out = pa.table({
        "event_id": ids,
        "conversation_id": pc.binary_join_element_wise("inferred:", roots, ""),
        "conversation_inferred": pa.array(np.ones(n, dtype=bool)),
    })
    con.register("_ic_out", out)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _ic_out")
    con.unregister("_ic_out")
    con.execute("DROP TABLE IF EXISTS _ic_edges")
    con.execute("DROP TABLE IF EXISTS _ic_rows")
    return table


def assignment_accuracy(con: Any, truth: str, inferred: str) -> dict[str, float]:
    """How well inferred conversations match true ones (both relations: event_id, conversation_id).

    - `accuracy`: one-to-one majority mapping. Pairs (true conversation, inferred conversation)
      are taken largest overlap first, each true and each inferred conversation used at most once;
      a request is right when its pair was taken. Putting every request alone scores the share of
      first turns, putting everything together scores the largest conversation's share.
    - `pair_precision` / `pair_recall`: over pairs of requests, "same inferred conversation" vs
      "same true conversation".
    """
    overlap = con.execute(
        f"""SELECT t.conversation_id, i.conversation_id, count(*) AS n
            FROM {truth} t JOIN {inferred} i USING (event_id) GROUP BY ALL ORDER BY n DESC, 1, 2"""
    ).fetchall()
    used_t: set[str] = set()
    used_i: set[str] = set()
    right = total = 0
    for t, i, n in overlap:
        total += n
        if t in used_t or i in used_i:
            continue
        used_t.add(t)
        used_i.add(i)
        right += n
    same_both = sum(n * (n - 1) // 2 for _, _, n in overlap)
    (same_true,) = con.execute(
        f"""SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT count(*) n FROM {truth} t
            SEMI JOIN {inferred} i USING (event_id) GROUP BY t.conversation_id)"""
    ).fetchone()
    (same_inf,) = con.execute(
        f"""SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT count(*) n FROM {inferred} i
            SEMI JOIN {truth} t USING (event_id) GROUP BY i.conversation_id)"""
    ).fetchone()
    return {
        "requests": float(total),
        "accuracy": right / total if total else 1.0,
        "pair_precision": same_both / same_inf if same_inf else 1.0,
        "pair_recall": same_both / same_true if same_true else 1.0,
    }


# ---- using the inferred ids ---------------------------------------------------------------------
_COUNTS_SQL = """
SELECT count(DISTINCT conversation_id) AS conversations,
       count(DISTINCT conversation_id) FILTER (WHERE conversation_inferred) AS inferred_conversations,
       count(*) FILTER (WHERE conversation_inferred) AS inferred_requests,
       count(*) FILTER (WHERE conversation_id IS NULL) AS requests_without_conversation
FROM {view} WHERE grain = 'request'
"""


def conversation_counts(con: Any, view: str = "usage") -> dict[str, int]:
    """How many conversations `view` holds and how many of them were inferred (for the report).

    `conversations` counts distinct ids, `inferred_conversations` those whose rows have
    `conversation_inferred = true`, `inferred_requests` their rows, and
    `requests_without_conversation` the request rows still without an id.
    """
    cur = con.execute(_COUNTS_SQL.format(view=view))
    names = [d[0] for d in cur.description]
    row = cur.fetchall()[0]
    return {k: int(v or 0) for k, v in zip(names, row, strict=True)}


def with_inferred(con: Any, table: str = "inferred_conversations", view: str = "usage",
                  out: str = "usage_inferred") -> str:
    """TEMP VIEW `out`: the rows of `view` with the inferred ids of `table` filled in (marked
    `conversation_inferred = true`, `turn` numbered by time), for a run that does not persist them.
    Returns the view name."""
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW {out} AS
            SELECT * EXCLUDE (_inferred) REPLACE (
                CASE WHEN turn IS NULL AND _inferred
                     THEN CAST(row_number() OVER (PARTITION BY conversation_id ORDER BY ts, event_id) AS INTEGER)
                     ELSE turn END AS turn)
            FROM (SELECT u.* REPLACE (coalesce(u.conversation_id, i.conversation_id) AS conversation_id,
                                      CASE WHEN u.conversation_id IS NULL AND i.event_id IS NOT NULL THEN true
                                           ELSE u.conversation_inferred END AS conversation_inferred),
                         u.conversation_id IS NULL AND i.event_id IS NOT NULL AS _inferred
                  FROM {view} u LEFT JOIN {table} i USING (event_id))"""
    )
    return out


def write_inferred(
    store_dir: Path | str,
    params: InferenceParams | None = None,
    *,
    side_files: Iterable[Path | str] = (),
    wait: float = 0.0,
) -> dict[str, int]:
    """Infer conversations over a whole store and write the ids into it.

    Every run starts afresh: ids read from the sources are kept, ids inferred by an earlier run are
    inferred again (new rows may continue old conversations). `side_files` are prompt-component
    length files (RAGPulse `1_sys_prompt.jsonl.gz` ...) for the component signal. The write is
    atomic like an ingest: changed parts are rewritten under new names, then the manifest is
    replaced in one step, then the old parts are deleted; a killed run leaves the store as it was.
    Returns `conversation_counts` after the write plus `parts_rewritten`.
    """
    from llmcost.measures.registry import load_component_lengths  # side-file reader shared with the measures
    from llmcost.storage.store import Store

    with Store.open(Path(store_dir)).writer(wait=wait) as w:
        con = w.views()
        files = list(side_files)
        if files:
            load_component_lengths(con, files, temp=True)
        con.execute(
            """CREATE OR REPLACE TEMP VIEW _ic_source AS SELECT * REPLACE (
                 CASE WHEN conversation_inferred THEN NULL ELSE conversation_id END AS conversation_id)
               FROM usage WHERE grain = 'request'"""
        )
        table = infer_conversations(
            con, "_ic_source", params, component_lengths="component_lengths" if files else None
        )
        parts = [str(w.path(p)) for p in w.manifest.parts("usage")]
        changed = [r[0] for r in con.execute(
            f"""SELECT DISTINCT p.filename FROM read_parquet(?, filename=true, union_by_name=true) p
                LEFT JOIN {table} i USING (event_id)
                WHERE NOT p._dup AND (i.conversation_id IS DISTINCT FROM
                      CASE WHEN p.conversation_inferred THEN p.conversation_id END)
                  AND (i.event_id IS NOT NULL OR p.conversation_inferred)""",
            [parts],
        ).fetchall()] if parts else []
        for fname in sorted(changed):
            # a new name per write (readers of the old manifest keep their file until it is deleted)
            w.rewrite_part(
                Path(fname).relative_to(w.root).as_posix(),
                f"""SELECT p.* EXCLUDE (file_row_number) REPLACE (
                        CASE WHEN p._dup THEN p.conversation_id
                             WHEN i.event_id IS NOT NULL THEN i.conversation_id
                             WHEN p.conversation_inferred THEN NULL
                             ELSE p.conversation_id END AS conversation_id,
                        CASE WHEN p._dup THEN p.conversation_inferred
                             WHEN i.event_id IS NOT NULL THEN true
                             WHEN p.conversation_inferred THEN NULL
                             ELSE p.conversation_inferred END AS conversation_inferred)
                      FROM read_parquet(?, file_row_number=true) p LEFT JOIN {table} i USING (event_id)
                      ORDER BY p.file_row_number""",
                [fname],
                tag="c",
            )
        rewritten = len(w.retired)
        if rewritten:
            w.commit()  # the one commit point
        counts = conversation_counts(w.views())
    counts["parts_rewritten"] = rewritten
    return counts
