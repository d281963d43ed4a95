"""pi-agent sessions laid out as pi writes them (`--logs ~/.pi/agent/sessions`, a folder per
working directory, `<time>_<session id>.jsonl`), read twice: the event ids are stable, so an
unchanged session read again stores nothing new, and a branched session's copied entries are
stored once.

Hand count of tests/fixtures/ingest/pi_agent_session_jsonl (first session: lines 4, 6, 9, 10, 12
stored, 11 (all 0, aborted) skipped, 13 (`output: "12x"`), 14 (cost -0.5) and 15 (cut) quarantined;
the branched session: line 4, a verbatim copy of the first session's line 4, a duplicate, and
line 6 stored). Each cost is pi's own: the model's $/million prices times the counts
(claude-sonnet-4-5 3 / 15 / 0.30 / 3.75, gpt-5 1.25 / 10 / 0.125, gemini-2.5-flash 0.30 / 2.50 /
0.075 for input / output / cache read / cache write):
  input        12 + 8 + 1500 + (20000 - 12000) + 3000 | 20          = 12,540
  cache read    0 + 9800 + 8960 + 12000 + 0           | 10150       = 40,910
  cache write  9800 + 350 + 0 + 0 + 0                 | 40          = 10,190
  output       420 + 260 + 640 + 900 + 200            | 800         = 3,220 (reasoning 0: not split)
  cost ($)     0.043086 + 0.0081765 + 0.009395 + 0.00915 + none | 0.015255 = 0.0850625
  (line 4: 12 * 3 + 420 * 15 + 9800 * 3.75 = 43,086 millionths; line 12, an Ollama model pi has
  no price for, states 0: left to the price catalog)
ccusage 20.0.24 (`ccusage pi daily --json --offline --timezone UTC --pi-path <sessions>`): input
27,062, cache read 40,910, cache write 19,990, output 3,745, cost 0.1282535. The differences, each
accounted for: the Gemini reply's input 20,000 kept with its 12,000 cached tokens inside (+12,000);
the branched session's copy of line 4 counted again (+12 input, +9,800 cache write, +420 output,
+$0.043086); the quarantined lines 13 (input 2,500; output "12x" read as 0 and the 100 of
totalTokens beyond the input counted as output) and 14 (input 10, output 5, its negative cost
replaced by ccusage's price, $0.000105) kept.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from llmcost.ingest.loader import load
from tests.ingest_logs.agent_sessions import by_conversation, event_ids, set_aside, totals

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest" / "pi_agent_session_jsonl"
FIRST, BRANCH = "7c1e4a90-2b3d-4f5e-8a6b-9c0d1e2f3a4b", "d2a6f1b8-5e4c-4b3a-9f8e-1a2b3c4d5e6f"


def _sessions(tmp_path: Path) -> Path:
    sessions = tmp_path / ".pi" / "agent" / "sessions"
    folder = sessions / "--home-ana-src-shop--"
    folder.mkdir(parents=True)
    for p in FIXTURES.glob("input_*.jsonl"):
        shutil.copy(p, folder / p.name.removeprefix("input_"))
    return sessions


def test_the_fixtures_totals_are_the_hand_counted_ones(tmp_path: Path) -> None:
    sessions, store = _sessions(tmp_path), tmp_path / "store"
    first = load([sessions], store)
    assert {f.ingestor for f in first.files} == {"pi_agent_session_jsonl"}
    assert totals(store) == (6, 12540, 40910, 10190, 3220, 0, "0.0850625")
    assert by_conversation(store, "/home/ana/src/shop") == {FIRST: 5, BRANCH: 1}
    assert set_aside(first) == (1, 3, 1)


def test_an_unchanged_session_read_again_stores_nothing(tmp_path: Path) -> None:
    sessions, store = _sessions(tmp_path), tmp_path / "store"
    load([sessions], store)
    ids = event_ids(store)
    again = load([sessions], store)
    assert sum(f.rows_stored for f in again.files) == 0
    # the session grown by a reply (pi appends): the old rows stay, the new one is added
    grown = next(sessions.glob(f"*/*_{BRANCH}.jsonl"))
    reply = grown.read_text().splitlines()[-1].replace("f768798a", "0b1c2d3e").replace(
        "2026-11-21T08:00:41.250Z", "2026-11-21T08:02:00.000Z")
    grown.write_text(grown.read_text() + reply + "\n")
    load([sessions], store)
    after = event_ids(store)
    assert ids < after and len(after) == len(ids) + 1


def _session_lines(sid: str | None, cwd: str, change: str | None) -> str:
    import json

    lines = []
    if sid:
        lines.append({"type": "session", "version": 3, "id": sid, "timestamp": "2026-11-20T09:00:00.000Z", "cwd": cwd})
    if change:
        lines.append({"type": "model_change", "id": f"c-{cwd}", "parentId": None,
                      "timestamp": "2026-11-20T09:00:01.000Z", "provider": "anthropic", "modelId": change})
    lines.append({"type": "message", "id": f"m-{cwd}", "parentId": None, "timestamp": "2026-11-20T09:00:02.000Z",
                  "message": {"role": "assistant", "usage": {"input": 10, "output": 5, "cacheRead": 0,
                                                             "cacheWrite": 0, "totalTokens": 15}}})
    return "".join(json.dumps(o) + "\n" for o in lines)


def test_a_batch_of_sessions_keeps_each_header_and_model_change_to_its_file(tmp_path: Path) -> None:
    """New session files are read by one scan: each file's header (session id, cwd) and its last
    model change apply to its own lines only, and a file without a header takes its own name."""
    folder = tmp_path / "sessions" / "--x--"
    folder.mkdir(parents=True)
    (folder / "2026-11-20T09-00-00-000Z_aaa.jsonl").write_text(_session_lines("aaa", "/a", "claude-sonnet-4-5"))
    (folder / "2026-11-20T09-00-01-000Z_bbb.jsonl").write_text(_session_lines("bbb", "/b", None))
    (folder / "2026-11-20T09-00-02-000Z_ccc.jsonl").write_text(_session_lines(None, "/c", None))
    (folder / "2026-11-20T09-00-03-000Z_ddd.jsonl").write_text(_session_lines("ddd", "/d", "gpt-5"))
    store = tmp_path / "store"
    result = load([tmp_path / "sessions"], store)
    assert [(f.rows_read, f.rows_stored) for f in result.files] == [(1, 1)] * 4
    from llmcost.storage.store import Store

    con = Store.open(store).connect()
    try:
        rows = con.execute("SELECT event_id, conversation_id, project, model, source_line FROM usage "
                           "ORDER BY event_id").fetchall()
    finally:
        con.close()
    assert [r[1:] for r in rows] == [("aaa", "/a", "claude-sonnet-4-5", 3), ("bbb", "/b", None, 2),
                                     ("ccc", None, None, 1), ("ddd", "/d", "gpt-5", 3)]
