"""OpenClaw sessions laid out as OpenClaw writes them (`--logs ~/.openclaw`, a folder per agent,
`agents/<agent>/sessions/<session id>.jsonl`, a deleted session renamed `<id>.jsonl.deleted.<time>`,
the copy kept before a compaction `<id>.checkpoint.<uuid>.jsonl`), read twice: the event ids are
stable, so an unchanged session read again stores nothing new, and the checkpoint's copies of a
session's entries are stored once.

Hand count of tests/fixtures/ingest/openclaw_session_jsonl (the live session: lines 13 and 16 stored
(16 names no model: gpt-5 from the `model_change` and `model-snapshot` before it), 9 (the reply
OpenClaw mirrors to the chat, provider "openclaw", all 0) and 15 (a 429 error, all 0) skipped, 17
(`output: "6O"`) quarantined, 6 and 8 duplicates of the checkpoint's lines 6 and 8, which are stored;
the deleted session: line 5 stored, 6 (cut) quarantined). Each cost is OpenClaw's own (pi's
`calculateCost`: the model's $/million prices times the counts; claude-sonnet-4-5 3 / 15 / 0.30 /
3.75, gpt-5 1.25 / 10 / 0.125, gemini-2.5-flash 0.30 / 2.50 / 0.075 for input / output / cache read /
cache write):
  input        9 + 6 + 2200 + 1500 + (15000 - 9000)   = 9,715
  cache read   0 + 12400 + 6400 + 8000 + 9000          = 35,800
  cache write  12400 + 520 + 0 + 0 + 0                 = 12,920
  output       310 + 180 + 540 + 90 + 700              = 1,820 (reasoning 0: not split)
  cost ($)     0.051177 + 0.008388 + 0.00895 + 0.003775 + 0.006925 = 0.079215
  (checkpoint line 6: 9 * 3 + 310 * 15 + 12400 * 3.75 = 51,177 millionths; the Gemini reply's
  0.006925 is pi's, which prices its input 15,000 with the cached tokens inside)
ccusage 20.0.24 (`OPENCLAW_DIR=<dir> ccusage openclaw daily --json --offline --timezone UTC`, the
files below `agents/main/sessions/`): input 19,530, cache read 48,200, cache write 25,840, output
2,370, cost 0.14038. The differences, each accounted for: the checkpoint's copies of lines 6 and 8
counted again (its session id is the file name, `<id>.checkpoint.<uuid>`: +15 input, +12,400 cache
read, +12,920 cache write, +490 output, +$0.059565); the Gemini reply's input 15,000 kept with its
9,000 cached tokens inside (+9,000); the quarantined line 17 kept (input 800, output "6O" read as 0
and the 60 of totalTokens beyond the input counted as output, its $0.0016).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store
from tests.ingest_logs.agent_sessions import by_conversation, event_ids, set_aside, totals

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest" / "openclaw_session_jsonl"
LIVE, DELETED = "5b8e2c14-7d3a-4f6e-9b1c-2a4d6f8e0c13", "e91f3a7c-4b2d-4c8e-a6f1-3d5b7c9e1f24"


def _home(tmp_path: Path) -> Path:
    home = tmp_path / ".openclaw"
    folder = home / "agents" / "main" / "sessions"
    folder.mkdir(parents=True)
    for p in FIXTURES.glob("input_*"):
        shutil.copy(p, folder / p.name.removeprefix("input_"))
    return home


def test_the_fixtures_totals_are_the_hand_counted_ones(tmp_path: Path) -> None:
    home, store = _home(tmp_path), tmp_path / "store"
    first = load([home], store)
    assert {f.ingestor for f in first.files} == {"openclaw_session_jsonl"} and len(first.files) == 3
    assert totals(store) == (5, 9715, 35800, 12920, 1820, 0, "0.079215")
    assert by_conversation(store, "/home/ana/.openclaw/workspace") == {LIVE: 4, DELETED: 1}
    assert set_aside(first) == (2, 2, 2)


def test_an_unchanged_session_read_again_stores_nothing(tmp_path: Path) -> None:
    home, store = _home(tmp_path), tmp_path / "store"
    load([home], store)
    ids = event_ids(store)
    again = load([home], store)
    assert sum(f.rows_stored for f in again.files) == 0
    # the live session grown by a reply (OpenClaw appends), then reset (renamed .jsonl.reset.<time>):
    # the old rows stay, the new one is added once
    live = home / "agents" / "main" / "sessions" / f"{LIVE}.jsonl"
    reply = live.read_text().splitlines()[12].replace("a100000c", "a1000011").replace(
        "2026-11-22T10:20:11.750Z", "2026-11-22T10:30:00.000Z")
    live.write_text(live.read_text() + reply + "\n")
    load([home], store)
    live.rename(live.with_name(f"{LIVE}.jsonl.reset.2026-11-22T11-00-00.000Z"))
    reset = [f for f in load([home], store).files if f.path.endswith(".jsonl.reset.2026-11-22T11-00-00.000Z")]
    # the reset session is read (as an OpenClaw session: the walk and detection take its suffix), its
    # rows already stored
    assert [(f.ingestor, f.rows_read, f.rows_duplicate) for f in reset] == [("openclaw_session_jsonl", 8, 5)]
    after = event_ids(store)
    assert ids < after and len(after) == len(ids) + 1


def test_an_archive_compressed_with_zstd_is_read(tmp_path: Path) -> None:
    # OpenClaw compresses the sessions it archives when its runtime has zstd (openclaw/openclaw
    # src/config/sessions/archive-compression.ts: `<id>.jsonl.deleted.<time>.zst`)
    import pyarrow as pa

    home, store = _home(tmp_path), tmp_path / "store"
    folder = home / "agents" / "main" / "sessions"
    plain = next(folder.glob("*.jsonl.deleted.*"))
    with pa.CompressedOutputStream(str(folder / f"{DELETED}.jsonl.deleted.2026-11-23T16-55-00.000Z.zst"),
                                   "zstd") as out:
        out.write(plain.read_bytes())
    plain.unlink()
    result = load([home], store)
    zst = [f for f in result.files if f.path.endswith(".zst")]
    assert [(f.ingestor, f.rows_stored, f.rows_quarantined) for f in zst] == [("openclaw_session_jsonl", 1, 1)]
    rows = Store.open(store).connect().execute(
        "SELECT input_tokens, cache_read_tokens FROM usage WHERE conversation_id = ?", [DELETED]).fetchall()
    assert rows == [(6000, 9000)]


def test_sessions_the_pi_agent_reader_stored_are_read_again_as_openclaws(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # before openclaw_session_jsonl, pi_agent_session_jsonl (version 1) claimed OpenClaw's files (the
    # same format) with `pi:` event ids; version 2 leaves them to OpenClaw's reader: read again, their
    # rows replaced, the totals the same
    from llmcost.ingest import openclaw_session_jsonl, pi_agent_session_jsonl

    home, store = _home(tmp_path), tmp_path / "store"
    with monkeypatch.context() as m:
        m.setattr(pi_agent_session_jsonl, "is_openclaw", lambda head, name: False)
        m.setattr(openclaw_session_jsonl.OpenclawSessionJsonl, "sniff", lambda self, head, name: False)
        m.setattr(pi_agent_session_jsonl.PiAgentSessionJsonl, "reader_changes", {})
        assert {f.ingestor for f in load([home], store).files} == {"pi_agent_session_jsonl"}
    assert {i[:3] for i in event_ids(store)} == {"pi:"}
    again = load([home], store)
    assert {(f.status, f.ingestor) for f in again.files} == {("replaced", "openclaw_session_jsonl")}
    assert {i[:9] for i in event_ids(store)} == {"openclaw:"}
    assert totals(store) == (5, 9715, 35800, 12920, 1820, 0, "0.079215")
