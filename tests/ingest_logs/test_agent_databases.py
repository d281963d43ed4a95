"""Goose's sessions.db and Hermes Agent's state.db, laid out where the agents keep them, read
twice: a session's running totals are one bucket row, stable on re-ingest, and replaced when the
agent has added to them.

Hand count of tests/fixtures/ingest/goose_sessions_sqlite (sessions 20261102_1, 20261102_2,
20261103_1, 20261103_2, 20250910_1 stored; 20261103_3 (no counts) skipped; 20261104_1
(`accumulated_input_tokens` "11k") quarantined). Goose's input includes its cache reads and writes:
  input        (152300 - 120000 - 18500) + (48000 - 30720) + (20000 - 8000) + 9000 + 3100 = 55,180
  cache read   120000 + 30720 + 8000                                             = 158,720
  cache write  18500                                                             = 18,500
  output       6420 + 5200 + (1500 + 2200) + 700 + 410                           = 16,430
               (reasoning 2,200: Gemini's total 23,700 beyond input 20,000 + output 1,500)
  cost ($)     Goose's own estimate for 20261102_1 only: 13800 * 3 + 120000 * 0.30 + 18500 * 3.75
               + 6420 * 15 = 243,075 millionths = 0.243075
ccusage 20.0.24 (`GOOSE_PATH_ROOT=<root> ccusage goose session --json --offline`, the database at
<root>/data/sessions/sessions.db): input 229,311, cache read 0, cache write 0, output 14,820 (its
totalTokens adds 13,189 "extra" tokens), cost $0.84710375. The differences, each accounted for:
ccusage keeps the 177,220 cached tokens (120,000 + 18,500 + 30,720 + 8,000) inside the input and
prices them at the input rate (its cost for 20261102_1 is $0.5532 = 152,300 * 3 + 6,420 * 15, not
Goose's $0.243075); it adds Gemini's 2,200 thinking tokens apart from the output (the same in its
cost); it skips 20250910_1 (no `model_config_json`: -3,100 input, -410 output); it reads the
quarantined 20261104_1's "11k" as 11 input and its 1,000 output, and prices the 10,989 tokens of
its total beyond them as thinking ($0.1199).

Hand count of tests/fixtures/ingest/hermes_state_sqlite (sessions ..a1b2c3, ..d4e5f6, ..0a0b0c,
..a1b2c4, ..333333 stored; ..111111 (all 0) skipped; ..222222 (`output_tokens` "1,200")
quarantined). Hermes' input is already uncached and its reasoning is inside the output:
  input        2400 + 35000 + 12000 + 800 + 500                                  = 50,700
  cache read   180000 + 140000 + 0 + 41000 + 0                                   = 361,000
  cache write  22000 + 0 + 0 + 6000 + 0                                          = 28,000
  output       9800 + 7200 + 900 + 2100 + 80                                     = 20,080 (reasoning 3,100)
  requests     14 + 9 + 4 + 5 + 1                                                = 33
  cost ($)     0.2907 (estimate) + 0.0081 (actual) + 0.0687 (estimate)           = 0.3675
               (..d4e5f6 is `included` at $0, ..333333 has no cost: both left to the price catalog)
ccusage 20.0.24 (`HERMES_HOME=<dir> ccusage hermes session --json --offline`): input 55,200, cache
read 361,000, cache write 28,000, output 20,001, cost $0.544252. The differences: ccusage skips
..333333 (no model: -500 input, -80 output) and keeps the quarantined ..222222 (+5,000 input, its
"1,200" read as 1 output); it adds the 3,100 reasoning tokens to the output again for its cost and
total (..d4e5f6: $0.16425 = 35,000 * 1.25 + 140,000 * 0.125 + (7,200 + 3,100) * 10), although
Hermes' `output_tokens` include them. Its costs of ..a1b2c3 and ..a1b2c4 equal Hermes' estimates.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"
GOOSE = FIXTURES / "goose_sessions_sqlite" / "input_sessions.db"
HERMES = FIXTURES / "hermes_state_sqlite" / "input_state.db"
# (the database, where the agent keeps it, the statement that adds a call to one session's totals)
AGENTS = {
    "goose": (GOOSE, ".local/share/goose/sessions/sessions.db",
              "UPDATE sessions SET accumulated_input_tokens = accumulated_input_tokens + 5000, "
              "accumulated_output_tokens = accumulated_output_tokens + 300, "
              "accumulated_total_tokens = accumulated_total_tokens + 5300, "
              "accumulated_cache_read_tokens = accumulated_cache_read_tokens + 4000, "
              "updated_at = '2026-11-02 10:02:00' WHERE id = '20261102_1'"),
    "hermes": (HERMES, ".hermes/state.db",
               "UPDATE sessions SET input_tokens = input_tokens + 1000, output_tokens = output_tokens + 300, "
               "cache_read_tokens = cache_read_tokens + 4000, api_call_count = api_call_count + 1 "
               "WHERE id = '20251105_091402_a1b2c3'"),
}


def _sums(store: Path) -> tuple:
    con = Store.open(store).connect()
    row = con.execute("SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(cache_write_tokens), "
                      "sum(output_tokens), sum(reasoning_tokens), sum(request_count), sum(reported_cost_usd) "
                      "FROM usage").fetchone()
    assert row is not None
    return (*row[:7], str(row[7].normalize()))


def _home(tmp_path: Path, agent: str) -> Path:
    src, rel, _ = AGENTS[agent]
    db = tmp_path / "home" / rel
    db.parent.mkdir(parents=True)
    shutil.copy(src, db)
    return db


@pytest.mark.parametrize(("agent", "sums"), [
    ("goose", (5, 55180, 158720, 18500, 16430, 2200, 0, "0.243075")),
    ("hermes", (5, 50700, 361000, 28000, 20080, 3100, 33, "0.3675")),
])
def test_the_fixtures_totals_are_the_hand_counted_ones(tmp_path: Path, agent: str, sums: tuple) -> None:
    result = load([_home(tmp_path, agent)], tmp_path / "store")
    [f] = result.files
    assert (f.ingestor, f.rows_read, f.rows_stored, f.rows_quarantined, f.rows_skipped) == (
        f"{agent}_{'sessions' if agent == 'goose' else 'state'}_sqlite", 7, 5, 1, 1)
    assert _sums(tmp_path / "store") == sums


@pytest.mark.parametrize("agent", ["goose", "hermes"])
def test_a_session_whose_totals_grew_replaces_its_row(tmp_path: Path, agent: str) -> None:
    db, store = _home(tmp_path, agent), tmp_path / "store"
    load([db], store)
    ids = Store.open(store).connect().execute("SELECT event_id FROM usage ORDER BY 1").fetchall()
    before = _sums(store)
    again = load([db], store)  # unchanged: nothing new
    assert sum(f.rows_stored for f in again.files) == 0
    con = sqlite3.connect(db)  # the agent adds a call to a session's running totals
    con.execute(AGENTS[agent][2])
    con.commit()
    con.close()
    [f] = load([db], store).files
    assert f.status == "replaced"
    after = _sums(store)
    assert Store.open(store).connect().execute("SELECT event_id FROM usage ORDER BY 1").fetchall() == ids
    # the session's row replaced, not added: 1,000 more uncached input (Goose: 5,000 of which 4,000 cached),
    # 4,000 more cache reads, 300 more output
    assert (after[0], after[1] - before[1], after[2] - before[2], after[4] - before[4]) == (5, 1000, 4000, 300)


def test_a_part_rewritten_at_every_run_keeps_a_short_name(tmp_path: Path) -> None:
    """A session database copied (a backup beside it, a machine's copy): each copy restates the same
    sessions, the latest wins, and the part holding the first copy's rows is rewritten at each one.
    Its name took a `-r<seq>` suffix per rewrite (`-r2-r3-...-r54`, found by the fuzz) until it was
    too long to write; now a rewrite's suffix replaces the last one's."""
    import re

    src = FIXTURES / "goose_sessions_sqlite" / "input_sessions.db"
    store = tmp_path / "store"
    for i in range(6):
        d = tmp_path / f"copy{i}"
        d.mkdir()
        (d / "sessions.db").write_bytes(src.read_bytes())
        load([d], store)
    names = [p.name for p in (store / "usage").rglob("*.parquet")]
    assert names and all(len(re.findall(r"-r[0-9]+", n)) <= 1 for n in names), names
    assert any(re.search(r"-r[0-9]+\.parquet$", n) for n in names), names  # a rewrite happened


_MODEL_USAGE_DDL = """
CREATE TABLE sessions (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, model TEXT, parent_session_id TEXT, started_at REAL NOT NULL,
    ended_at REAL, message_count INTEGER DEFAULT 0, input_tokens INTEGER DEFAULT 0, output_tokens INTEGER DEFAULT 0,
    cache_read_tokens INTEGER DEFAULT 0, cache_write_tokens INTEGER DEFAULT 0, reasoning_tokens INTEGER DEFAULT 0,
    billing_provider TEXT, billing_mode TEXT, estimated_cost_usd REAL, actual_cost_usd REAL, cost_status TEXT,
    api_call_count INTEGER DEFAULT 0);
CREATE TABLE session_model_usage (
    session_id TEXT NOT NULL, model TEXT NOT NULL, billing_provider TEXT NOT NULL DEFAULT '',
    billing_base_url TEXT NOT NULL DEFAULT '', billing_mode TEXT NOT NULL DEFAULT '', task TEXT NOT NULL DEFAULT '',
    api_call_count INTEGER NOT NULL DEFAULT 0, input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0, cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0, reasoning_tokens INTEGER NOT NULL DEFAULT 0,
    estimated_cost_usd REAL NOT NULL DEFAULT 0, actual_cost_usd REAL NOT NULL DEFAULT 0, cost_status TEXT,
    cost_source TEXT, first_seen REAL, last_seen REAL,
    PRIMARY KEY (session_id, model, billing_provider, billing_base_url, billing_mode, task));
"""


def test_a_session_that_switched_models_is_stored_per_model(tmp_path: Path) -> None:
    """Hermes' `session_model_usage` splits a session's totals by model: each (session, model, route)
    row is a bucket row of its own, the session's row keeps only what no model row holds.

    Hand count: ..aaaaaa switched from Claude to GPT-5, its two model rows add up to its totals
    (input 1000 + 2000 = 3000, output 700 + 800 = 1500, cache read 15000 + 5000 = 20000, cache write
    4000 + 0, reasoning 0 + 200, calls 4 + 2 = 6): nothing is left for the session's row (skipped).
    ..bbbbbb has no model rows (an older Hermes): its session row as before. ..cccccc's totals hold
    usage no model row has (the gateway's cumulative path): the remainder, 4000 - (1500 + 300) = 2200
    input, 900 - (400 + 20) = 480 output, 10000 - 2500 = 7500 cache read, reasoning 0 - 100 -> 0,
    calls 5 - (2 + 1) = 2, stays under the session's model, without the session's cost."""
    db = tmp_path / "home" / ".hermes" / "state.db"
    db.parent.mkdir(parents=True)
    con = sqlite3.connect(db)
    con.executescript(_MODEL_USAGE_DDL)
    con.executemany(
        "INSERT INTO sessions (id, source, model, started_at, ended_at, input_tokens, output_tokens, "
        "cache_read_tokens, cache_write_tokens, reasoning_tokens, billing_provider, estimated_cost_usd, "
        "api_call_count) VALUES (?, 'cli', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [("20260301_100000_aaaaaa", "claude-sonnet-4-5-20250929", 1772359200.0, 1772362800.0,
          3000, 1500, 20000, 4000, 200, "anthropic", 0.5, 6),
         ("20260301_110000_bbbbbb", "gpt-5-codex", 1772362800.0, None, 500, 100, 0, 0, 0, "openai-codex", 0.0, 1),
         ("20260301_120000_cccccc", "claude-sonnet-4-5-20250929", 1772366400.0, 1772370000.0,
          4000, 900, 10000, 0, 0, "anthropic", 0.1, 5)])
    con.executemany(
        "INSERT INTO session_model_usage (session_id, model, billing_provider, task, api_call_count, input_tokens, "
        "output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, estimated_cost_usd, actual_cost_usd) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [("20260301_100000_aaaaaa", "claude-sonnet-4-5-20250929", "anthropic", "", 4, 1000, 700, 15000, 4000, 0,
          0.03, 0.0),
         ("20260301_100000_aaaaaa", "gpt-5", "openai", "", 2, 2000, 800, 5000, 0, 200, 0.0, 0.0),
         ("20260301_120000_cccccc", "gemini-2.5-pro", "gemini", "", 2, 1500, 400, 2500, 0, 100, 0.018, 0.02),
         ("20260301_120000_cccccc", "gemini-2.5-flash", "gemini", "title_generation", 1, 300, 20, 0, 0, 0, 0.0, 0.0)])
    con.commit()
    con.close()
    store = tmp_path / "store"
    [f] = load([db], store).files
    assert (f.ingestor, f.rows_read, f.rows_stored, f.rows_quarantined, f.rows_skipped) == (
        "hermes_state_sqlite", 7, 6, 0, 1)
    rows = Store.open(store).connect().execute(
        "SELECT event_id, conversation_id, model, provider, input_tokens, output_tokens, cache_read_tokens, "
        "cache_write_tokens, reasoning_tokens, request_count, CAST(reported_cost_usd AS VARCHAR), ts, bucket_end "
        "FROM usage ORDER BY conversation_id, input_tokens").fetchall()
    assert len({r[0] for r in rows}) == 6
    a, b, c = "20260301_100000_aaaaaa", "20260301_110000_bbbbbb", "20260301_120000_cccccc"
    assert [(r[0].startswith(f"hermes:{r[1]}:{r[2]}") or r[0] == f"hermes:{r[1]}", *r[1:11]) for r in rows] == [
        (True, a, "claude-sonnet-4-5-20250929", "anthropic", 1000, 700, 15000, 4000, 0, 4, "0.030000000000"),
        (True, a, "gpt-5", "openai", 2000, 800, 5000, 0, 200, 2, None),
        (True, b, "gpt-5-codex", "openai", 500, 100, 0, 0, 0, 1, None),
        (True, c, "gemini-2.5-flash", "google", 300, 20, 0, 0, 0, 1, None),
        (True, c, "gemini-2.5-pro", "google", 1500, 400, 2500, 0, 100, 2, "0.020000000000"),
        (True, c, "claude-sonnet-4-5-20250929", "anthropic", 2200, 480, 7500, 0, 0, 2, None),
    ]
    assert [r[0] for r in rows if r[1] == c and r[2].startswith("claude")] == [f"hermes:{c}"]  # the remainder
    # the session's start and end on each of its rows (2026-03-01 10:00 to 11:00 UTC); ..bbbbbb is open
    assert {(r[11].isoformat(), r[12].isoformat()) for r in rows if r[1] == a} == {
        ("2026-03-01T10:00:00+00:00", "2026-03-01T11:00:00+00:00")}
    assert [r[12] for r in rows if r[1] == b] == [None]
    assert sum(r[4] for r in rows) == 3000 + 500 + 4000  # no input lost or counted twice
    assert sum(f.rows_stored for f in load([db], store).files) == 0  # stable event ids: nothing new


def test_model_rows_of_an_older_table_and_of_a_missing_session(tmp_path: Path) -> None:
    """A `session_model_usage` from before Hermes' schema v22 (no `task`), the model `unknown` its v20
    seed writes for a session without one, and a model row whose session row is gone (the table had no
    foreign key then): read, the last at its own `first_seen` / `last_seen`.

    Hand count: s1's totals 100 input, 10 output, 2 calls; its model row 40, 4, 1: the remainder under
    gpt-5 is 60, 6, 1 call."""
    db = tmp_path / "state.db"
    con = sqlite3.connect(db)
    con.executescript("""
    CREATE TABLE sessions (id TEXT PRIMARY KEY, source TEXT, model TEXT, started_at REAL, input_tokens INTEGER,
        output_tokens INTEGER, cache_read_tokens INTEGER, cache_write_tokens INTEGER, reasoning_tokens INTEGER,
        billing_provider TEXT, api_call_count INTEGER);
    CREATE TABLE session_model_usage (session_id TEXT, model TEXT, billing_provider TEXT, billing_base_url TEXT,
        billing_mode TEXT, api_call_count INTEGER, input_tokens INTEGER, output_tokens INTEGER,
        cache_read_tokens INTEGER, cache_write_tokens INTEGER, reasoning_tokens INTEGER, estimated_cost_usd REAL,
        actual_cost_usd REAL, first_seen REAL, last_seen REAL);
    INSERT INTO sessions VALUES ('s1', 'cli', 'gpt-5', 1772359200, 100, 10, 0, 0, 0, 'openai', 2);
    INSERT INTO session_model_usage VALUES ('s1', 'unknown', '', '', '', 1, 40, 4, 0, 0, 0, 0, 0, NULL, NULL);
    INSERT INTO session_model_usage VALUES
        ('gone', 'claude-opus-4-1', 'anthropic', '', '', 1, 7, 1, 0, 0, 0, 0.5, 0, 1772362800, 1772366400);
    """)
    con.commit()
    con.close()
    [f] = load([db], tmp_path / "store").files
    assert (f.rows_read, f.rows_stored, f.rows_quarantined, f.rows_skipped) == (3, 3, 0, 0)
    rows = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, model, provider, input_tokens, output_tokens, request_count, "
        "CAST(reported_cost_usd AS VARCHAR), strftime(ts, '%H:%M'), strftime(bucket_end, '%H:%M') "
        "FROM usage ORDER BY event_id").fetchall()
    assert [r[1:] for r in rows] == [
        ("claude-opus-4-1", "anthropic", 7, 1, 1, "0.500000000000", "11:00", "12:00"),
        ("gpt-5", "openai", 60, 6, 1, None, "10:00", None),
        (None, None, 40, 4, 1, None, "10:00", None),
    ]
    assert [r[0] for r in rows] == ["hermes:gone:claude-opus-4-1@" + rows[0][0][-12:], "hermes:s1", "hermes:s1:unknown"]


_GOOSE_DDL = """
CREATE TABLE sessions (
    id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
    user_set_name BOOLEAN DEFAULT FALSE, session_type TEXT NOT NULL DEFAULT 'user', working_dir TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    extension_data TEXT DEFAULT '{}', total_tokens INTEGER, input_tokens INTEGER, output_tokens INTEGER,
    cache_read_tokens INTEGER, cache_write_tokens INTEGER, accumulated_total_tokens INTEGER,
    accumulated_input_tokens INTEGER, accumulated_output_tokens INTEGER, accumulated_cache_read_tokens INTEGER,
    accumulated_cache_write_tokens INTEGER, accumulated_cost REAL, schedule_id TEXT, recipe_json TEXT,
    user_recipe_values_json TEXT, provider_name TEXT, model_config_json TEXT,
    goose_mode TEXT NOT NULL DEFAULT 'auto', archived_at TIMESTAMP, project_id TEXT, parent_session_id TEXT);
"""
# Goose's usage_ledger as its session_manager.rs creates it (create_schema; migration v15)
_LEDGER_DDL = """
CREATE TABLE usage_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    created_timestamp INTEGER NOT NULL, model TEXT, input_tokens INTEGER, output_tokens INTEGER,
    total_tokens INTEGER, cache_read_tokens INTEGER, cache_write_tokens INTEGER, cost REAL, cost_source TEXT,
    is_compaction INTEGER DEFAULT 0);
"""
_SESSION_COLS = ("id", "working_dir", "created_at", "updated_at", "provider_name", "model_config_json",
                 "accumulated_total_tokens", "accumulated_input_tokens", "accumulated_output_tokens",
                 "accumulated_cache_read_tokens", "accumulated_cache_write_tokens", "accumulated_cost")
_LEDGER_COLS = ("session_id", "created_timestamp", "model", "input_tokens", "output_tokens", "total_tokens",
                "cache_read_tokens", "cache_write_tokens", "cost", "cost_source", "is_compaction")
_CLAUDE, _GPT = '{"model_name": "claude-sonnet-4-5-20250929"}', '{"model_name": "gpt-5"}'


def _goose_db(path: Path, sessions: list[tuple], calls: list[tuple] | None) -> Path:
    """A Goose sessions.db with `sessions` (`_SESSION_COLS`) and, unless `calls` is None, a
    usage_ledger with `calls` (`_LEDGER_COLS`) in rowid order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(_GOOSE_DDL + (_LEDGER_DDL if calls is not None else ""))
    con.executemany(f"INSERT INTO sessions ({', '.join(_SESSION_COLS)}) VALUES ({', '.join('?' * 12)})", sessions)
    if calls:
        con.executemany(f"INSERT INTO usage_ledger ({', '.join(_LEDGER_COLS)}) VALUES ({', '.join('?' * 11)})", calls)
    con.commit()
    con.close()
    return path


_USAGE = ("SELECT event_id, grain, strftime(ts, '%d %H:%M'), provider, model, input_tokens, cache_read_tokens, "
          "cache_write_tokens, output_tokens, reasoning_tokens, request_count, CAST(reported_cost_usd AS VARCHAR) "
          "FROM usage ORDER BY event_id")


def test_a_goose_session_that_switched_models_is_stored_per_call(tmp_path: Path) -> None:
    """Goose's usage_ledger holds each call: a session with calls there is one request row per call,
    its own row keeping only what they do not hold.

    Hand count (Goose's input includes the cache reads and writes). 20261120_1 switched from Claude to
    GPT-5 (its row names gpt-5 and openai now); its three calls add up to its totals (input 12,000 +
    15,000 + 20,000 = 47,000, output 600 + 900 + 1,500 = 3,000, cache read 8,000 + 12,000 + 16,000 =
    36,000, cache write 2,000 + 1,000 = 3,000): uncached input 12,000 - 10,000 = 2,000, 15,000 - 13,000 =
    2,000, 20,000 - 16,000 = 4,000; nothing is left for the session's row (skipped). 20261120_2 has no
    calls: its row as before, 9,000 - 6,000 = 3,000 input. 20261121_1 ran before Goose kept the ledger:
    the carried_forward row Goose wrote for that (skipped) is the session's remainder, 30,000 - 20,000 =
    10,000 input (6,000 cache read, 30,000's cache write 4,000 - 3,000 = 1,000: 3,000 uncached), output
    2,000 - 1,200 = 800, under the session's row and times, without a cost; its one call 20,000 - 17,000
    = 3,000 input. Input over all rows 2,000 + 2,000 + 4,000 + 3,000 + 3,000 + 3,000 = 17,000, cache
    read 62,000, cache write 7,000: 86,000, the three sessions' 47,000 + 9,000 + 30,000."""
    db = _goose_db(tmp_path / "home" / ".local/share/goose/sessions/sessions.db", [
        ("20261120_1", "/home/dev/shop", "2026-11-20 09:00:00", "2026-11-20 09:20:00", "openai", _GPT,
         50000, 47000, 3000, 36000, 3000, 0.05),
        ("20261120_2", "/home/dev/shop", "2026-11-20 11:00:00", "2026-11-20 11:30:00", "anthropic", _CLAUDE,
         9400, 9000, 400, 6000, 0, 0.03),
        ("20261121_1", "/home/dev/infra", "2026-11-21 07:40:00", "2026-11-21 08:10:00", "anthropic", _CLAUDE,
         32000, 30000, 2000, 20000, 4000, 0.2),
    ], [
        ("20261120_1", 1795165200, "claude-sonnet-4-5-20250929", 12000, 600, 12600, 8000, 2000, 0.05, "estimated", 0),
        ("20261120_1", 1795165500, "claude-sonnet-4-5-20250929", 15000, 900, 15900, 12000, 1000, None, None, 0),
        ("20261120_1", 1795166400, "gpt-5-2025-08-07", 20000, 1500, 21500, 16000, 0, 0.0, "estimated", 0),
        ("20261121_1", 1795248600, None, 10000, 800, 10800, 6000, 1000, 0.1, "carried_forward", 0),
        ("20261121_1", 1795248600, "claude-sonnet-4-5-20250929", 20000, 1200, 21200, 14000, 3000, 0.1, "estimated", 0),
    ])
    store = tmp_path / "store"
    [f] = load([db], store).files
    assert (f.ingestor, f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined, f.rows_skipped) == (
        "goose_sessions_sqlite", 8, 6, 0, 0, 2)
    a, b, c = "goose:20261120_1:2026-11-20 09:00:00", "goose:20261120_2:2026-11-20 11:00:00", \
        "goose:20261121_1:2026-11-21 07:40:00"
    claude = "claude-sonnet-4-5-20250929"
    rows = Store.open(store).connect().execute(_USAGE).fetchall()
    assert rows == [
        (f"{a}:1", "request", "20 09:00", "anthropic", claude, 2000, 8000, 2000, 600, 0, 1, "0.050000000000"),
        (f"{a}:2", "request", "20 09:05", "anthropic", claude, 2000, 12000, 1000, 900, 0, 1, None),
        (f"{a}:3", "request", "20 09:20", "openai", "gpt-5-2025-08-07", 4000, 16000, 0, 1500, 0, 1, None),
        (b, "bucket", "20 11:00", "anthropic", claude, 3000, 6000, 0, 400, 0, 0, "0.030000000000"),
        (c, "bucket", "21 07:40", "anthropic", claude, 3000, 6000, 1000, 800, 0, 0, None),
        (f"{c}:5", "request", "21 08:10", "anthropic", claude, 3000, 14000, 3000, 1200, 0, 1, "0.100000000000"),
    ]
    assert sum(r[5] + r[6] + r[7] for r in rows) == 47000 + 9000 + 30000  # no token lost or counted twice
    assert sum(f.rows_stored for f in load([db], store).files) == 0  # stable event ids: nothing new

    # Goose records one more call of 20261120_1 (record_usage_metrics: the ledger row and the totals)
    con = sqlite3.connect(db)
    con.execute(f"INSERT INTO usage_ledger ({', '.join(_LEDGER_COLS)}) VALUES "
                "('20261120_1', 1795166700, 'gpt-5-2025-08-07', 8000, 500, 8500, 6000, 0, NULL, NULL, 0)")
    con.execute("UPDATE sessions SET accumulated_input_tokens = accumulated_input_tokens + 8000, "
                "accumulated_output_tokens = accumulated_output_tokens + 500, "
                "accumulated_total_tokens = accumulated_total_tokens + 8500, "
                "accumulated_cache_read_tokens = accumulated_cache_read_tokens + 6000, "
                "updated_at = '2026-11-20 09:25:00' WHERE id = '20261120_1'")
    con.commit()
    con.close()
    [f] = load([db], store).files
    assert (f.status, f.rows_read, f.rows_stored, f.rows_skipped) == ("replaced", 9, 7, 2)
    again = Store.open(store).connect().execute(_USAGE).fetchall()
    assert [r[0] for r in again] == sorted([r[0] for r in rows] + [f"{a}:6"])  # the new call, nothing twice
    assert sum(r[5] for r in again) - sum(r[5] for r in rows) == 8000 - 6000


def test_a_bad_goose_ledger_row_is_quarantined_and_its_tokens_stay_in_the_session(tmp_path: Path) -> None:
    """A ledger row with a count that is not a whole number, or a negative cost, is quarantined with
    its line and reason; its tokens stay in its session's remainder. A session whose calls hold more
    than its totals keeps nothing (never below 0).

    Hand count: 20261121_2's totals are 13,000 input, 600 output, 13,600 in all; its stored call holds
    5,000, 200, 5,200, so its row keeps 8,000 input and 400 output (the 'n/a' row's 7,000 and 300, the
    bad-cost row's 1,000 and 100). 20261121_3's totals (1,000 input) are less than its one call's
    1,500 (a compaction): the call is stored, the session's row has 0 left and is skipped. Lines: the
    two sessions are lines 1 and 2, the ledger rows 3 to 6."""
    db = _goose_db(tmp_path / "sessions.db", [
        ("20261121_2", "/home/dev/shop", "2026-11-21 08:00:00", "2026-11-21 08:30:00", "anthropic", _CLAUDE,
         13600, 13000, 600, 0, 0, None),
        ("20261121_3", "/home/dev/shop", "2026-11-21 08:20:00", "2026-11-21 08:30:00", "openai", _GPT,
         1100, 1000, 100, 0, 0, None),
    ], [
        ("20261121_2", 1795248600, "claude-sonnet-4-5-20250929", 5000, 200, 5200, 0, 0, None, None, 0),
        ("20261121_2", 1795248660, "claude-sonnet-4-5-20250929", "n/a", 300, 7300, 0, 0, None, None, 0),
        ("20261121_2", 1795248720, "claude-sonnet-4-5-20250929", 1000, 100, 1100, 0, 0, -0.5, "provider_reported", 0),
        ("20261121_3", 1795249800, "gpt-5", 1500, 150, 1650, 0, 0, None, None, 1),
    ])
    store = tmp_path / "store"
    [f] = load([db], store).files
    assert (f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined, f.rows_skipped) == (6, 3, 0, 2, 1)
    rows = Store.open(store).connect().execute(_USAGE).fetchall()
    assert [r[:2] + r[5:] for r in rows] == [
        ("goose:20261121_2:2026-11-21 08:00:00", "bucket", 8000, 0, 0, 400, 0, 0, None),
        ("goose:20261121_2:2026-11-21 08:00:00:1", "request", 5000, 0, 0, 200, 0, 1, None),
        ("goose:20261121_3:2026-11-21 08:20:00:4", "request", 1500, 0, 0, 150, 0, 1, None),
    ]
    assert sum(r[5] for r in rows) == 13000 + 1500
    extra = Store.open(store).connect().execute(
        "SELECT json_extract(extra, '$.is_compaction') FROM usage WHERE event_id LIKE '%:4'").fetchone()
    assert extra == ("true",)
    quarantined = sorted((q["line"], q["reason"], Path(q["file"]).name) for q in _quarantined(store))
    assert quarantined == [(4, "non-numeric or non-integer token count", "sessions.db"),
                           (5, "cost is not a number of dollars >= 0", "sessions.db")]


def test_a_goose_database_without_the_ledger_reads_as_before(tmp_path: Path) -> None:
    """A database from before the usage_ledger (schema v14): each session its one bucket row.
    Hand count: 9,000 input of which 6,000 cache reads: 3,000 uncached; Goose's cost $0.03."""
    db = _goose_db(tmp_path / "sessions.db", [
        ("20261120_2", "/home/dev/shop", "2026-11-20 11:00:00", "2026-11-20 11:30:00", "anthropic", _CLAUDE,
         9400, 9000, 400, 6000, 0, 0.03)], None)
    [f] = load([db], tmp_path / "store").files
    assert (f.rows_read, f.rows_stored, f.rows_quarantined, f.rows_skipped) == (1, 1, 0, 0)
    assert Store.open(tmp_path / "store").connect().execute(_USAGE).fetchall() == [
        ("goose:20261120_2:2026-11-20 11:00:00", "bucket", "20 11:00", "anthropic", "claude-sonnet-4-5-20250929",
         3000, 6000, 0, 400, 0, 0, "0.030000000000")]


def _quarantined(store: Path) -> list[dict]:
    import json

    return [json.loads(x) for q in sorted((store / "quarantine").glob("*.jsonl")) for x in q.read_text().splitlines()]


def test_a_goose_database_stored_before_the_ledger_was_read_is_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store that read a Goose database with version 1 of the reader (no ledger: the session whole,
    under the model it names last) reads the unchanged file again, its rows replaced by the calls.

    Hand count: 20261120_1's totals 47,000 input of which 36,000 cache reads and 3,000 cache writes:
    8,000 uncached under gpt-5; its calls 12,000 - 10,000, 15,000 - 13,000 and 20,000 - 16,000: the
    same 8,000, in three rows."""
    import json

    from llmcost.ingest import goose_sessions_sqlite

    db = _goose_db(tmp_path / "sessions.db", [
        ("20261120_1", "/home/dev/shop", "2026-11-20 09:00:00", "2026-11-20 09:20:00", "openai", _GPT,
         50000, 47000, 3000, 36000, 3000, 0.05)], [
        ("20261120_1", 1795165200, "claude-sonnet-4-5-20250929", 12000, 600, 12600, 8000, 2000, 0.05, "estimated", 0),
        ("20261120_1", 1795165500, "claude-sonnet-4-5-20250929", 15000, 900, 15900, 12000, 1000, None, None, 0),
        ("20261120_1", 1795166400, "gpt-5-2025-08-07", 20000, 1500, 21500, 16000, 0, 0.0, "estimated", 0)])
    store = tmp_path / "store"
    copy_table = goose_sessions_sqlite.copy_table

    def without_ledger(con: Any, reader: str, f: Any, table: str, cols: tuple, **kw: object) -> str:
        # version 1 read no ledger: the table as if missing
        return copy_table(con, reader, f, "no_such_table" if table == "usage_ledger" else table, cols, missing_ok=True)

    with monkeypatch.context() as m:
        m.setattr(goose_sessions_sqlite, "copy_table", without_ledger)
        m.setattr(goose_sessions_sqlite.GooseSessionsSqlite, "reader_changes", {}, raising=False)
        load([db], store)
    usage = "SELECT grain, model, input_tokens FROM usage ORDER BY event_id"
    assert Store.open(store).connect().execute(usage).fetchall() == [("bucket", "gpt-5", 8000)]
    [f] = load([db], store).files
    assert (f.status, f.rows_read, f.rows_stored, f.rows_skipped) == ("replaced", 4, 3, 1)
    assert f.note is not None and "version 1 of the goose_sessions_sqlite reader stored it" in f.note
    assert Store.open(store).connect().execute(usage).fetchall() == [
        ("request", "claude-sonnet-4-5-20250929", 2000), ("request", "claude-sonnet-4-5-20250929", 2000),
        ("request", "gpt-5-2025-08-07", 4000)]
    key = str(db.resolve())
    assert json.loads((store / "manifest.json").read_text())["files"][key]["reader_version"] == 2
    assert [r.status for r in load([db], store).files] == ["unchanged"]
