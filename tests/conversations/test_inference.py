"""Conversation inference on a realistic log built from RAGPulse's real sessions, on Mooncake's
block-hash chains, and on small hand-made logs whose answers are worked out by hand.

The figures asserted here are the ones in docs/conversations.md; `python -m
tests.conversations.ragpulse_log` prints the whole table.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from llmcost.ingest.conversations import (
    InferenceParams,
    assignment_accuracy,
    conversation_counts,
    infer_conversations,
    with_inferred,
)
from tests.conftest import TRACES, requires_traces
from tests.conversations import ragpulse_log as rl

MOONCAKE = TRACES / "mooncake-fast25" / "conversation_trace.jsonl.gz"


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


@pytest.fixture(scope="module")
def ragpulse() -> Iterator[duckdb.DuckDBPyConnection]:
    con = _con()
    rl.load_trace(con)
    yield con
    con.close()


# ---- the realistic RAGPulse log -------------------------------------------------------------------
@requires_traces()
def test_generator_gives_each_session_one_user(ragpulse: duckdb.DuckDBPyConnection) -> None:
    rl.build(ragpulse, rl.DEFAULT)
    sessions, users, lo, hi = ragpulse.execute(
        """SELECT count(*), count(DISTINCT user_id), min(n), max(n)
           FROM (SELECT user_id, count(*) AS n FROM owners GROUP BY user_id)
           JOIN owners USING (user_id)"""
    ).fetchall()[0]
    assert sessions == 3990  # traces-notes.md 4 / the old test: 3,990 real sessions
    assert 1 <= lo and hi <= 20
    assert 3990 / 20 < users < 3990  # several sessions per user
    assert ragpulse.execute("SELECT count(*), count(DISTINCT event_id) FROM usage").fetchall() == [(7106, 7106)]
    # the truth keeps every session inside one user
    assert ragpulse.execute(
        "SELECT max(n) FROM (SELECT count(DISTINCT u.user_id) AS n FROM usage u JOIN truth t USING (event_id) "
        "GROUP BY t.conversation_id)"
    ).fetchall() == [(1,)]


@requires_traces()
def test_default_setting_meets_95_percent(ragpulse: duckdb.DuckDBPyConnection) -> None:
    m = rl.measure(ragpulse, rl.DEFAULT)
    assert m["requests"] == 7106
    assert m["accuracy"] >= 0.95
    assert m["accuracy"] == pytest.approx(0.964, abs=0.003)  # the figure in docs/conversations.md
    # the user key alone (one conversation per user) is far from it
    assert m["one_per_user_accuracy"] < 0.3


@requires_traces()
def test_another_seed_also_meets_95_percent(ragpulse: duckdb.DuckDBPyConnection) -> None:
    m = rl.measure(ragpulse, rl.SETTINGS[1])
    assert m["accuracy"] >= 0.95


@requires_traces()
def test_hard_setting_overlapping_sessions_recorded(ragpulse: duckdb.DuckDBPyConnection) -> None:
    """Users running several chats at once: below the target; the floor is the measured 0.842."""
    hard = next(s for s in rl.SETTINGS if s.mode == "clustered" and s.max_sessions == 20)
    m = rl.measure(ragpulse, hard)
    assert m["overlap_share"] > 0.5
    assert m["accuracy"] >= 0.835


@requires_traces()
def test_sizes_only_and_no_user_recorded(ragpulse: duckdb.DuckDBPyConnection) -> None:
    """Without prompt components (sizes only) the default setting falls short: measured 0.884."""
    assert rl.measure(ragpulse, rl.DEFAULT, components=False)["accuracy"] == pytest.approx(0.884, abs=0.005)
    anonymous = next(s for s in rl.SETTINGS if not s.users)
    assert rl.measure(ragpulse, anonymous)["accuracy"] == pytest.approx(0.831, abs=0.005)


# ---- Mooncake block-hash chains -------------------------------------------------------------------
@requires_traces()
def test_mooncake_chains_match_the_measured_share() -> None:
    """traces-notes.md 2 measured that 33% of conversation-trace requests continue an earlier one."""
    con = _con()
    con.execute(
        f"""CREATE TABLE usage AS SELECT 'm' || row_number() OVER () AS event_id,
              TIMESTAMPTZ '2025-02-21 00:00:00+00' + to_milliseconds(timestamp) AS ts,
              NULL::VARCHAR AS user_id, NULL::VARCHAR AS api_key, NULL::VARCHAR AS conversation_id,
              input_length AS input_tokens, 0 AS cache_read_tokens, 0 AS cache_write_tokens,
              output_length AS output_tokens,
              CAST(json_object('block_hashes', hash_ids, 'block_size', 512) AS VARCHAR) AS extra
            FROM read_json('{MOONCAKE}')"""
    )
    table = infer_conversations(con)
    n, conversations = con.execute(f"SELECT count(*), count(DISTINCT conversation_id) FROM {table}").fetchall()[0]
    assert n == 12031
    assert 1 - conversations / n == pytest.approx(0.33, abs=0.01)  # measured 0.327


# ---- hand-made logs -------------------------------------------------------------------------------
COLS = """t(event_id, ts, user_id, api_key, conversation_id, input_tokens, cache_read_tokens,
             cache_write_tokens, output_tokens, extra)"""


def test_block_chains_by_hand() -> None:
    con = _con()
    # no user: one stream. b continues a (starts with a's blocks but a's last); c repeats only the
    # shared first block (below min_prefix_blocks = 2); d continues b, 40 minutes later (chains are
    # not held to the 120 s anonymous gap); e has hashes that break the chain although its size fits.
    con.execute(
        f"""CREATE VIEW u AS SELECT * FROM (VALUES
           ('a', TIMESTAMPTZ '2026-10-01 10:00:00', NULL, NULL, NULL, 1500, 0, 0, 100,
            '{{"block_hashes": [0, 1, 2]}}'),
           ('b', TIMESTAMPTZ '2026-10-01 10:02:00', NULL, NULL, NULL, 2100, 0, 0, 100,
            '{{"block_hashes": [0, 1, 9, 10, 11]}}'),
           ('c', TIMESTAMPTZ '2026-10-01 10:03:00', NULL, NULL, NULL, 1100, 0, 0, 100,
            '{{"block_hashes": [0, 5, 6]}}'),
           ('d', TIMESTAMPTZ '2026-10-01 10:42:00', NULL, NULL, NULL, 2600, 0, 0, 100,
            '{{"block_hashes": [0, 1, 9, 10, 12, 13]}}'),
           ('e', TIMESTAMPTZ '2026-10-01 10:42:10', NULL, NULL, NULL, 2700, 0, 0, 100,
            '{{"block_hashes": [0, 7, 8, 14, 15, 16]}}')
           ) {COLS}"""
    )
    got = dict(con.execute(f"SELECT event_id, conversation_id FROM {infer_conversations(con, 'u')}").fetchall())
    assert got == {
        "a": "inferred:a", "b": "inferred:a", "c": "inferred:c", "d": "inferred:a", "e": "inferred:e",
    }


def test_components_history_growth_by_hand() -> None:
    con = _con()
    con.execute(
        """CREATE TABLE component_lengths AS SELECT * FROM (VALUES
           ('history', 1, 11), ('history', 2, 400), ('history', 3, 380), ('history', 4, 900),
           ('user_input', 10, 10), ('user_input', 11, 20), ('user_input', 12, 8), ('user_input', 13, 9),
           ('user_input', 14, 7)) v(kind, id, token_length)"""
    )

    def comp(hist: int, ask: int) -> str:
        return f'{{"components": {{"history": [{hist}], "user_input": [{ask}], "passages_ids": []}}}}'

    # one user, two chats open at once, every prompt about 3,000 tokens (sizes say nothing).
    # x1 (history 11, output 370) -> x2 expects 11 + 10 + 370 = 391: history 400 fits (2%).
    # y1 (history 11, output 350) -> y2 expects 11 + 20 + 350 = 381: history 380 fits (0.3%).
    # x2 also fits y1 (19 tokens off, within the 64-token slack; y1 is later than x1, so it scores
    # better) but y1 is taken by y2, which fits it better (1 off); from y2 (380 + 9 + 600 = 989) x2
    # is 60% off. x3 expects 400 + 8 + 500 = 908 from x2: history 900 fits best. z1 has the empty
    # history again: nothing expects 11 tokens.
    con.execute(
        f"""CREATE VIEW u AS SELECT * FROM (VALUES
           ('x1', TIMESTAMPTZ '2026-10-01 10:00:00', 'u1', NULL, NULL, 3000, 0, 0, 370, '{comp(1, 10)}'),
           ('y1', TIMESTAMPTZ '2026-10-01 10:00:05', 'u1', NULL, NULL, 3010, 0, 0, 350, '{comp(1, 11)}'),
           ('y2', TIMESTAMPTZ '2026-10-01 10:00:40', 'u1', NULL, NULL, 3020, 0, 0, 600, '{comp(3, 13)}'),
           ('x2', TIMESTAMPTZ '2026-10-01 10:00:50', 'u1', NULL, NULL, 2990, 0, 0, 500, '{comp(2, 12)}'),
           ('x3', TIMESTAMPTZ '2026-10-01 10:01:30', 'u1', NULL, NULL, 3005, 0, 0, 40, '{comp(4, 14)}'),
           ('z1', TIMESTAMPTZ '2026-10-01 10:02:00', 'u1', NULL, NULL, 3001, 0, 0, 40, '{comp(1, 10)}')
           ) {COLS}"""
    )
    got = dict(con.execute(f"SELECT event_id, conversation_id FROM {infer_conversations(con, 'u')}").fetchall())
    assert got == {
        "x1": "inferred:x1", "x2": "inferred:x1", "x3": "inferred:x1",
        "y1": "inferred:y1", "y2": "inferred:y1", "z1": "inferred:z1",
    }
    # without the lengths table the sizes cannot tell the chats apart
    sizes_only = infer_conversations(con, "u", component_lengths=None, table="sizes_only")
    assert con.execute(f"SELECT count(DISTINCT conversation_id) FROM {sizes_only}").fetchall() != [(3,)]


def test_params_change_the_gap() -> None:
    con = _con()
    con.execute(
        f"""CREATE VIEW u AS SELECT * FROM (VALUES
           ('a1', TIMESTAMPTZ '2026-10-01 10:00:00', NULL, 'key1', NULL, 1000, 0, 0, 200, NULL),
           ('a2', TIMESTAMPTZ '2026-10-01 10:30:00', NULL, 'key1', NULL, 1250, 0, 0, 100, NULL)
           ) {COLS}"""
    )
    table = infer_conversations(con, "u")
    linked = dict(con.execute(f"SELECT event_id, conversation_id FROM {table}").fetchall())
    assert linked["a2"] == "inferred:a1"  # 30 minutes is within the 1-hour default gap
    short = infer_conversations(con, "u", InferenceParams(gap_seconds=600), table="short")
    assert dict(con.execute(f"SELECT event_id, conversation_id FROM {short}").fetchall())["a2"] == "inferred:a2"


def test_accuracy_extremes() -> None:
    con = _con()
    cols = "v(event_id, conversation_id)"
    con.execute(f"CREATE TABLE t AS SELECT * FROM (VALUES ('1','A'),('2','A'),('3','B'),('4','C')) {cols}")
    con.execute("CREATE TABLE alone AS SELECT event_id, event_id AS conversation_id FROM t")
    con.execute("CREATE TABLE one AS SELECT event_id, 'x' AS conversation_id FROM t")
    # alone: A gets one of its two requests, B and C theirs -> 3 of 4; one: only A's 2 of 4
    assert assignment_accuracy(con, "t", "alone")["accuracy"] == 0.75
    assert assignment_accuracy(con, "t", "one")["accuracy"] == 0.5


def test_with_inferred_view_and_counts() -> None:
    con = _con()
    con.execute(
        f"""CREATE VIEW u AS SELECT *, 'request' AS grain, NULL::INTEGER AS turn,
                   CAST(conversation_id IS NOT NULL AND false AS BOOLEAN) AS conversation_inferred
            FROM (VALUES
           ('a1', TIMESTAMPTZ '2026-10-01 10:00:00', 'u1', NULL, NULL, 1000, 0, 0, 200, NULL),
           ('a2', TIMESTAMPTZ '2026-10-01 10:00:30', 'u1', NULL, NULL, 1210, 0, 0, 100, NULL),
           ('k1', TIMESTAMPTZ '2026-10-01 10:00:40', 'u1', NULL, 'known', 99, 0, 0, 9, NULL)
           ) {COLS}"""
    )
    view = with_inferred(con, infer_conversations(con, "u"), "u")
    assert con.execute(
        f"SELECT event_id, conversation_id, conversation_inferred, turn FROM {view} ORDER BY event_id"
    ).fetchall() == [
        ("a1", "inferred:a1", True, 1), ("a2", "inferred:a1", True, 2), ("k1", "known", False, None),
    ]
    assert conversation_counts(con, view) == {
        "conversations": 2, "inferred_conversations": 1, "inferred_requests": 2, "requests_without_conversation": 0,
    }
