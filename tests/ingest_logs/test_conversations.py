"""Conversation inference: a hand-made log, and the measured accuracy on RAGPulse's real sessions."""

from __future__ import annotations

import duckdb
import pytest

from llmcost.ingest.conversations import assignment_accuracy, infer_conversations
from tests.conftest import TRACES, requires_traces

RAGPULSE = TRACES / "ragpulse" / "0_trace.jsonl.gz"


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def test_two_interleaved_chats_and_a_known_id() -> None:
    con = _con()
    # u1 chats (prompt grows by previous prompt + output), u2 chats at the same time, one row has an
    # id already; u1 comes back after 10 minutes with a short prompt: a new conversation.
    con.execute(
        """CREATE VIEW u AS SELECT * FROM (VALUES
           ('a1', TIMESTAMPTZ '2026-10-01 10:00:00', 'u1', NULL, NULL, 1000, 0, 0, 200),
           ('b1', TIMESTAMPTZ '2026-10-01 10:00:10', 'u2', NULL, NULL, 500, 0, 0, 50),
           ('a2', TIMESTAMPTZ '2026-10-01 10:00:40', 'u1', NULL, NULL, 30, 1024, 200, 100),
           ('b2', TIMESTAMPTZ '2026-10-01 10:01:00', 'u2', NULL, NULL, 570, 0, 0, 80),
           ('a3', TIMESTAMPTZ '2026-10-01 10:01:30', 'u1', NULL, NULL, 1400, 0, 0, 90),
           ('k1', TIMESTAMPTZ '2026-10-01 10:01:40', 'u1', NULL, 'known', 99, 0, 0, 9),
           ('a4', TIMESTAMPTZ '2026-10-01 10:12:00', 'u1', NULL, NULL, 900, 0, 0, 40)
           ) t(event_id, ts, user_id, api_key, conversation_id, input_tokens, cache_read_tokens,
               cache_write_tokens, output_tokens)"""
    )
    table = infer_conversations(con, "u")
    got = dict(con.execute(f"SELECT event_id, conversation_id FROM {table}").fetchall())
    # by hand: a2 prompt 1254 vs expected 1200 (4.5%), a3 1400 vs 1354 (3.4%), b2 570 vs 550 (3.6%)
    assert got == {
        "a1": "inferred:a1", "a2": "inferred:a1", "a3": "inferred:a1", "a4": "inferred:a4",
        "b1": "inferred:b1", "b2": "inferred:b1",
    }
    assert con.execute(f"SELECT bool_and(conversation_inferred) FROM {table}").fetchone() == (True,)


def test_accuracy_measure_by_hand() -> None:
    con = _con()
    cols = "v(event_id, conversation_id)"
    con.execute(f"CREATE TABLE t AS SELECT * FROM (VALUES ('1','A'),('2','A'),('3','A'),('4','B')) {cols}")
    con.execute(f"CREATE TABLE i AS SELECT * FROM (VALUES ('1','x'),('2','x'),('3','y'),('4','y')) {cols}")
    m = assignment_accuracy(con, "t", "i")
    # pairs: (A,x)=2 taken, (A,y)=1 skipped (A used), (B,y)=1 taken -> 3 of 4 right
    assert m["accuracy"] == 0.75
    # true same-pairs: A has 3; inferred same-pairs: x 1, y 1; both: (1,2) only
    assert m["pair_precision"] == 0.5
    assert m["pair_recall"] == pytest.approx(1 / 3)


@requires_traces()
def test_ragpulse_session_recovery_measured() -> None:
    """RAGPulse with its session ids stripped, no user, sizes only; figure in docs/conversations.md."""
    con = _con()
    con.execute(
        f"""CREATE TABLE raw AS SELECT row_number() OVER () AS line, * FROM read_json(
              '{RAGPULSE}', format='newline_delimited', columns={{'timestamp': 'VARCHAR',
              'input_length': 'BIGINT', 'output_length': 'BIGINT', 'session_id': 'VARCHAR'}})"""
    )
    # traces-notes.md 4: two segments (lines 1-3,800 and the rest), origins 2025-09-10 and -17 04:00 UTC
    con.execute(
        """CREATE VIEW u AS SELECT 'l' || line AS event_id,
             (CASE WHEN line <= 3800 THEN TIMESTAMPTZ '2025-09-10 04:00:00+00'
                   ELSE TIMESTAMPTZ '2025-09-17 04:00:00+00' END)
               + to_seconds(CAST(timestamp AS BIGINT)) AS ts,
             NULL AS user_id, NULL AS api_key, NULL AS conversation_id, input_length AS input_tokens,
             0 AS cache_read_tokens, 0 AS cache_write_tokens, output_length AS output_tokens FROM raw"""
    )
    con.execute("CREATE VIEW truth AS SELECT 'l' || line AS event_id, session_id AS conversation_id FROM raw")
    table = infer_conversations(con, "u")
    m = assignment_accuracy(con, "truth", table)
    singles = assignment_accuracy(con, "truth", "(SELECT event_id, event_id AS conversation_id FROM truth)")
    assert m["requests"] == 7106
    # measured 0.672 (all-singletons baseline 0.561): without a user or key and without prompt
    # components every session of the service is one stream; tests/conversations/ has the
    # realistic log (users, components) where the 95% target is met
    assert m["accuracy"] == pytest.approx(0.672, abs=0.005)
    assert m["accuracy"] > singles["accuracy"] + 0.1
