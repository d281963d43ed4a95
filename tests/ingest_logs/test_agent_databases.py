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
