"""Infer conversation ids where a log has none (documented in docs/conversations.md).

Many request logs (raw provider bodies, LiteLLM without `litellm_session_id`, batch files) carry
no conversation id, but per-turn analysis needs one. A chat conversation leaves a trace in usage
rows: the same user (or API key) sends the next turn a little later, and the next prompt is
roughly the previous prompt plus the previous answer plus the new question (the history is
resent). The rule here, per key (`user_id`, else `api_key`, else one anonymous stream):

1. walk the key's rows in time order; a conversation is "open" while its last request is at most
   `gap_seconds` old;
2. a request joins the open conversation whose expected prompt (previous prompt + previous output)
   is closest to its own prompt (prompt = input + cache read + cache write), if the relative
   difference is at most `tolerance`; otherwise it starts a new conversation.

Inferred ids are `inferred:<first event_id of the conversation>` and every returned row has
`conversation_inferred = true`. Rows that already have a conversation id are left alone.

The walk is sequential (a greedy assignment), so it runs in Python over a DuckDB cursor read in
chunks; memory holds only the open conversations of the current key plus one chunk.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

CHUNK = 50_000

INFER_SQL = """
SELECT event_id, coalesce(user_id, api_key, '') AS _key, epoch(ts) AS _t,
       coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)
         AS _prompt,
       coalesce(output_tokens, 0) AS _output
FROM {view}
WHERE conversation_id IS NULL AND event_id IS NOT NULL AND ts IS NOT NULL
ORDER BY _key, _t, event_id
"""


def infer_conversations(
    con: Any,
    view: str,
    *,
    gap_seconds: float = 120.0,
    tolerance: float = 0.10,
    table: str = "inferred_conversations",
) -> str:
    """Create TEMP TABLE `table` (event_id, conversation_id, conversation_inferred) from usage rows in `view`.

    `view` needs the columns event_id, ts, user_id, api_key, conversation_id, input_tokens,
    cache_read_tokens, cache_write_tokens and output_tokens, and must not be TEMP (it is read on a
    second cursor of the same database). Returns the table name.
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} "
        "(event_id VARCHAR, conversation_id VARCHAR, conversation_inferred BOOLEAN)"
    )
    # read on a second cursor: inserting on `con` would cancel a result still being fetched there
    cur = con.cursor().execute(INFER_SQL.format(view=view))
    key: str | None = None
    # open conversations of the current key: [conversation id, last time, last prompt, last output]
    open_: list[list[Any]] = []
    while rows := cur.fetchmany(CHUNK):
        out_ids: list[str] = []
        out_conv: list[str] = []
        for event_id, k, t, prompt, output in rows:
            if k != key:
                key, open_ = k, []
            open_ = [c for c in open_ if t - c[1] <= gap_seconds]
            best, best_err = None, tolerance
            for c in open_:
                expected = c[2] + c[3]
                err = abs(prompt - expected) / max(expected, 1)
                if err <= best_err:
                    best, best_err = c, err
            if best is None:
                best = [f"inferred:{event_id}", t, prompt, output]
                open_.append(best)
            else:
                best[1], best[2], best[3] = t, prompt, output
            out_ids.append(event_id)
            out_conv.append(best[0])
        chunk = pa.table({
            "event_id": out_ids, "conversation_id": out_conv, "conversation_inferred": [True] * len(out_ids),
        })
        con.register("_inferred_chunk", chunk)
        con.execute(f"INSERT INTO {table} SELECT * FROM _inferred_chunk")
        con.unregister("_inferred_chunk")
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
            FROM {truth} t JOIN {inferred} i USING (event_id) GROUP BY ALL ORDER BY n DESC"""
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
