"""Build a realistic test log for conversation inference from RAGPulse's real sessions.

RAGPulse (flashserve/RAGPulse, MIT) records a university RAG chat service over two weeks: real
arrival times, real per-turn input and output lengths, real session membership and the prompt
components of every request (system prompt, passages, history, web search, user input; chunk ids
with token lengths in the side files). It has no user or API key, so on its own every session of
the service is one interleaved stream. Real logs without a conversation id still carry a user or
key, so the generator adds one: each real session belongs to one user, and a user has several
sessions. Everything else is the trace as published; session ids are kept only as the truth.

Generator (`build`, parameters in `Setting`):

1. sessions per user: draw k uniformly from 1..`max_sessions` (seeded numpy `default_rng(seed)`)
   until the draws cover all sessions (the last user takes the remainder);
2. which sessions a user gets:
   - `spread`: sessions are shuffled and dealt out, so a user's sessions fall at random times over
     the two weeks (two of them overlap in time only by chance);
   - `clustered`: sessions are sorted by start time and dealt out in runs, so a user's k sessions
     are k consecutive session starts of the whole service: a user (or a shared key) running
     several chats at once. This is the hard setting.
3. rows: event_id `l<line>`, ts = segment origin + relative seconds (traces-notes.md section 4),
   user_id `u<n>`, input_tokens = input_length, output_tokens = output_length, extra =
   {"components": hash_ids} exactly as the `ragpulse_trace_jsonl` mapping stores it, and a table
   component_lengths(kind, id, token_length) from the side files when `components` is on.

Run `python -m tests.conversations.ragpulse_log` to print the accuracy table in
docs/conversations.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from llmcost.ingest.conversations import assignment_accuracy, infer_conversations

RAGPULSE = Path(__file__).resolve().parents[2].parent / "shared" / "traces" / "ragpulse"
TRACE = RAGPULSE / "0_trace.jsonl.gz"
SIDE_FILES = {
    "sys_prompt": ("1_sys_prompt.jsonl.gz", "sys_prompt_id"),
    "passages_ids": ("2_passages.jsonl.gz", "passage_id"),
    "history": ("3_history.jsonl.gz", "history_id"),
    "user_input": ("4_user_input.jsonl.gz", "user_input_id"),
    "web_search": ("5_web_search.jsonl.gz", "web_search_id"),
}


@dataclass(frozen=True)
class Setting:
    """One way of giving RAGPulse's sessions to users."""

    name: str
    mode: str = "spread"
    """'spread' (a user's sessions at random times) or 'clustered' (consecutive session starts)."""
    max_sessions: int = 20
    """Sessions per user are drawn uniformly from 1..max_sessions."""
    seed: int = 7
    """numpy default_rng seed."""
    users: bool = True
    """False: no user at all (one anonymous stream, the trace as published)."""


DEFAULT = Setting("default: spread, 1-20 sessions per user")
SETTINGS = (
    DEFAULT,
    Setting("spread, 1-20, seed 8", seed=8),
    Setting("spread, 1-50 sessions per user", max_sessions=50),
    Setting("spread, 1-200 sessions per user", max_sessions=200),
    Setting("hard: clustered, 1-5 sessions per user", mode="clustered", max_sessions=5),
    Setting("hard: clustered, 1-20 sessions per user", mode="clustered", max_sessions=20),
    Setting("no user or key (trace as published)", users=False),
)


def load_trace(con: duckdb.DuckDBPyConnection) -> None:
    """TABLE ragpulse_raw(line, ts, input_length, output_length, hash_ids, session_id)."""
    con.execute(
        f"""CREATE OR REPLACE TABLE ragpulse_raw AS
            SELECT line, (CASE WHEN line <= 3800 THEN TIMESTAMPTZ '2025-09-10 04:00:00+00'
                               ELSE TIMESTAMPTZ '2025-09-17 04:00:00+00' END)
                           + to_seconds(CAST(timestamp AS BIGINT)) AS ts,
                   input_length, output_length, hash_ids, session_id
            FROM (SELECT row_number() OVER () AS line, * FROM read_json('{TRACE}',
                  format='newline_delimited', columns={{'timestamp': 'VARCHAR', 'input_length': 'BIGINT',
                  'output_length': 'BIGINT', 'hash_ids': 'JSON', 'session_id': 'VARCHAR'}}))"""
    )


def load_component_lengths(con: duckdb.DuckDBPyConnection) -> None:
    """TABLE component_lengths(kind, id, token_length) from the five side files."""
    selects = [
        f"SELECT '{kind}' AS kind, CAST({col} AS BIGINT) AS id, CAST(token_length AS BIGINT) AS token_length "
        f"FROM read_json('{RAGPULSE / name}')"
        for kind, (name, col) in SIDE_FILES.items()
    ]
    con.execute("CREATE OR REPLACE TABLE component_lengths AS " + " UNION ALL ".join(selects))


def assign_users(con: duckdb.DuckDBPyConnection, setting: Setting) -> pa.Table:
    """(session_id, user_id) for every session, by the generator in the module docstring."""
    sessions = con.execute(
        "SELECT session_id FROM ragpulse_raw GROUP BY session_id ORDER BY min(ts), min(line)"
    ).fetchall()
    ids = [s for (s,) in sessions]
    rng = np.random.default_rng(setting.seed)
    sizes: list[int] = []
    while sum(sizes) < len(ids):
        sizes.append(int(rng.integers(1, setting.max_sessions + 1)))
    sizes[-1] -= sum(sizes) - len(ids)
    order = rng.permutation(len(ids)) if setting.mode == "spread" else np.arange(len(ids))
    if setting.mode not in ("spread", "clustered"):
        raise ValueError(f"unknown mode {setting.mode!r}")
    users = np.repeat(np.arange(len(sizes)), sizes)
    return pa.table({
        "session_id": [ids[j] for j in order],
        "user_id": [f"u{u}" for u in users],
    })


def build(con: duckdb.DuckDBPyConnection, setting: Setting, components: bool = True) -> None:
    """VIEW usage (canonical columns, no conversation id) and TABLE truth(event_id, conversation_id)."""
    if not con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ragpulse_raw'"
    ).fetchone()[0]:
        load_trace(con)
    if components:
        load_component_lengths(con)
    else:
        con.execute("DROP TABLE IF EXISTS component_lengths")
    owners = assign_users(con, setting)
    con.register("_owners", owners)
    con.execute("CREATE OR REPLACE TABLE owners AS SELECT * FROM _owners")
    con.unregister("_owners")
    user = "o.user_id" if setting.users else "NULL::VARCHAR"
    extra = "json_object('components', r.hash_ids)" if components else "NULL::VARCHAR"
    con.execute(
        f"""CREATE OR REPLACE TABLE usage AS
            SELECT 'l' || r.line AS event_id, r.ts, {user} AS user_id, NULL::VARCHAR AS api_key,
                   NULL::VARCHAR AS conversation_id, r.input_length AS input_tokens,
                   0::BIGINT AS cache_read_tokens, 0::BIGINT AS cache_write_tokens,
                   r.output_length AS output_tokens, CAST({extra} AS VARCHAR) AS extra
            FROM ragpulse_raw r JOIN owners o USING (session_id)"""
    )
    con.execute(
        "CREATE OR REPLACE TABLE truth AS SELECT 'l' || line AS event_id, session_id AS conversation_id "
        "FROM ragpulse_raw"
    )


def overlap_share(con: duckdb.DuckDBPyConnection) -> float:
    """Share of requests whose session overlaps in time another session of the same user."""
    return con.execute(
        """WITH s AS (SELECT o.user_id, r.session_id, min(r.ts) AS t0, max(r.ts) AS t1, count(*) AS n
                      FROM ragpulse_raw r JOIN owners o USING (session_id) GROUP BY ALL),
                ov AS (SELECT DISTINCT a.session_id FROM s a JOIN s b ON a.user_id = b.user_id
                       AND a.session_id <> b.session_id AND a.t0 <= b.t1 AND b.t0 <= a.t1)
           SELECT sum(n) FILTER (WHERE session_id IN (SELECT session_id FROM ov)) / sum(n) FROM s"""
    ).fetchone()[0] or 0.0


def measure(
    con: duckdb.DuckDBPyConnection, setting: Setting, components: bool = True, params: Any = None
) -> dict[str, float]:
    """Build the log for `setting`, infer, and score against the true sessions."""
    build(con, setting, components=components)
    table = infer_conversations(con, "usage", params)
    m = assignment_accuracy(con, "truth", table)
    m["overlap_share"] = overlap_share(con)
    per_user = assignment_accuracy(
        con, "truth", "(SELECT event_id, coalesce(user_id, '') AS conversation_id FROM usage)"
    )
    m["one_per_user_accuracy"] = per_user["accuracy"]
    return m


def main() -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    print("| setting | requests in overlapping sessions | one conversation per user | "
          "sizes only | with components |")
    print("|---|---|---|---|---|")
    for s in SETTINGS:
        sizes = measure(con, s, components=False)
        full = measure(con, s, components=True)
        overlap = f"{full['overlap_share']:.1%}" if s.users else "n/a"
        print(f"| {s.name} | {overlap} | {full['one_per_user_accuracy']:.3f} | "
              f"{sizes['accuracy']:.3f} | **{full['accuracy']:.3f}** (P {full['pair_precision']:.3f}, "
              f"R {full['pair_recall']:.3f}) |")


if __name__ == "__main__":
    main()
