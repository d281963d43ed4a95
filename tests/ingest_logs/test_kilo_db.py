"""Kilo CLI (Kilo-Org/kilocode, an OpenCode fork) keeps its messages in kilo.db, in OpenCode's tables
(packages/opencode/src/session/session.sql.ts: `message(id, session_id, time_created,
time_updated, data)` beside `session` and `part`) and with OpenCode's token convention (its
`getUsage` in session/session.ts: `tokens.input` uncached, `tokens.output` without
`tokens.reasoning`): `opencode_db_sqlite` reads it, every assistant reply once, whatever the file
is named.

Hand count of `KILO_MESSAGES` (tests/ingest_logs/agent_sessions.py), 5 replies (the 2 user messages
skipped):
  input        1000 + 2000 + 5000 + 0 + 3000                      = 11000
  cache read   20000 + 10000 + 0 + 0 + 9000                        = 39000
  cache write  3000                                                 =  3000
  output       (400+100) + 500 + (700+300) + 0 + (600+400)          =  3000 (reasoning 100+300+400 = 800 in it)
  Kilo's cost  0.02775 + 0.0165 + 0 + 0 + 0.014875                  = 0.059125
  list price   claude-sonnet-4.5 ($3 in, $15 out, $0.30 cache read, $3.75 cache write per million):
               msg_k02 1000x3 + 500x15 + 20000x0.30 + 3000x3.75 = 27,750 -> $0.02775;
               msg_k03 (the Kilo Gateway's anthropic/claude-sonnet-4.5) 2000x3 + 500x15 + 10000x0.30
               = 16,500 -> $0.0165; gpt-5 ($1.25 in, $10 out, $0.125 cache read) msg_k07 3000x1.25
               + 1000x10 + 9000x0.125 = 14,875 -> $0.014875; qwen3-coder:30b has no price: unpriced,
               not $0. Total $0.059125 with 1 unpriced request.

ccusage 20.0.24 on the same kilo.db (`KILO_DATA_DIR=<dir> ccusage kilo daily --json --offline
--timezone UTC`) prints input 11000, cache read 39000, cache write 3000, output 2200, total tokens
56000, cost 0.059125: 2026-01-02 claude-sonnet-4-5-20250929, anthropic/claude-sonnet-4.5 and
qwen3-coder:30b, 2026-01-03 gpt-5. The differences, each by design:
- output 2200 against 3000: ccusage keeps Kilo's `tokens.output`, which excludes reasoning, and
  counts the 800 reasoning tokens only in its total (adapter/kilo/parser.rs `extra_total_tokens`);
  here output includes reasoning (reasoning_tokens is the part of it). Both totals are 56000.
- the aborted msg_k05 (every count 0): ccusage drops an entry without tokens; here it is stored, a
  request of 0 tokens at $0 (5 requests where ccusage has 4 entries; tokens and cost the same).
- qwen3-coder:30b: ccusage's cost 0.0 is Kilo's stated `cost` (its auto mode takes the stated
  cost when there is one); here the model stays unpriced (out of the cost total, listed as
  unpriced), and Kilo's 0 is kept apart as its reported cost.
"""

from __future__ import annotations

from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store
from tests.ingest_logs.agent_sessions import kilo_db, set_aside, totals


def test_kilo_db_is_read_reply_by_reply(tmp_path: Path) -> None:
    db = kilo_db(tmp_path / "kilo" / "kilo.db")
    result = load([db], tmp_path / "store")
    assert [(f.ingestor, f.rows_read, f.rows_stored) for f in result.files] == [("opencode_db_sqlite", 7, 5)]
    assert set_aside(result) == (0, 0, 2)
    assert totals(tmp_path / "store") == (5, 11000, 39000, 3000, 3000, 800, "0.059125")
    rows = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, provider, model, conversation_id, project, output_tokens FROM usage "
        "WHERE provider = 'kilo' ORDER BY ts").fetchall()
    # the gateway's replies keep Kilo's names: provider kilo, the vendor/model id as sent
    assert rows == [("opencode:msg_k03", "kilo", "anthropic/claude-sonnet-4.5", "ses_K1", "/home/dev/api", 500),
                    ("opencode:msg_k05", "kilo", "anthropic/claude-sonnet-4.5", "ses_K1", "/home/dev/api", 0)]
