"""Amp threads and Droid session totals: the fixtures' totals counted by hand, and the files that
grow in place (an Amp thread rewritten after each reply, a Droid session's running totals).

Hand count of tests/fixtures/ingest/amp_thread_json (ledger thread: events 1-3; current thread:
messages 2, 4 and 6 stored, 5 (no usage) and 8 (all 0) skipped, 7 (`outputTokens: "n/a"`)
quarantined):
  input        20 + 35 + 5400 | 12 + 8 + 1520                  = 6,995
  cache read    0 + 3000 + 0  | 0 + 18240 + 0                  = 21,240
  cache write 3000 + 150 + 0  | 18240 + 2215 + 0               = 23,605
  output      300 + 610 + 820 | 412 + 1290 + 96                = 3,528
ccusage 20.0.24 (`ccusage amp daily --json --offline`) on the same files: input 7,001, cache read
21,240, cache write 23,605, output 3,528: the same but for message 7's 6 input tokens, which
ccusage keeps (reading "n/a" as 0 output) and this quarantines (its output is unknown).

Hand count of tests/fixtures/ingest/droid_session_settings_json (sessions 4b0f, 7c9d, f0e1 stored;
9e8d (all 0) skipped; a1b2 (`outputTokens: "1.2k"`) quarantined):
  input        1842 + 48210 + 95                               = 50,147
  cache read   1287455 + 231040 + 40112                        = 1,558,607
  cache write  96310 + 0 + 12004                               = 108,314
  output      (23517 + 4120) + (6120 + 2890) + 880             = 37,527 (reasoning 4120 + 2890 = 7,010)
ccusage 20.0.24 (`ccusage droid daily --json --offline`): input 50,457, cache read 1,558,607,
cache write 113,314, output 30,517 with the 7,010 thinking tokens counted apart (its totalTokens
1,759,905 = 50,457 + 1,558,607 + 113,314 + 30,517 + 7,010): the same but for session a1b2's input
310 and cache write 5,000, which ccusage keeps and this quarantines with the session.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ingest"
AMP = FIXTURES / "amp_thread_json"
DROID = FIXTURES / "droid_session_settings_json"


def _sums(store: Path) -> tuple[int, ...]:
    con = Store.open(store).connect()
    row = con.execute("SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(cache_write_tokens), "
                      "sum(output_tokens), sum(reasoning_tokens) FROM usage").fetchone()
    assert row is not None
    return tuple(row)


def test_the_fixtures_totals_are_the_hand_counted_ones(tmp_path: Path) -> None:
    load([AMP], tmp_path / "amp")
    assert _sums(tmp_path / "amp") == (6, 6995, 21240, 23605, 3528, 0)
    load([DROID], tmp_path / "droid")
    assert _sums(tmp_path / "droid") == (3, 50147, 1558607, 108314, 37527, 7010)


def _grow(tmp_path: Path, src: Path, rel: str, change: Callable[[dict], None]) -> tuple[Path, tuple[int, ...]]:
    """Ingest `src` as logs/`rel`, then again once the agent has rewritten it (`change` on its JSON):
    the store and its sums after the first run; asserts that the second run replaced the file."""
    log = tmp_path / "logs" / rel
    log.parent.mkdir(parents=True)
    shutil.copy(src, log)
    store = tmp_path / "store"
    load([tmp_path / "logs"], store)
    before = _sums(store)
    doc = json.loads(log.read_text())
    change(doc)
    log.write_text(json.dumps(doc))
    [f] = load([tmp_path / "logs"], store).files
    assert f.status == "replaced"
    return store, before


def test_an_amp_thread_that_grows_is_read_again_and_its_rows_replaced(tmp_path: Path) -> None:
    def reply(doc: dict) -> None:  # Amp saves the thread whole after the next reply: `v` bumped
        doc["v"] += 1
        doc["messages"].append({"role": "assistant", "messageId": 8, "usage": {
            "model": "claude-sonnet-4-5-20250929", "inputTokens": 40, "outputTokens": 200,
            "cacheCreationInputTokens": 0, "cacheReadInputTokens": 20455, "timestamp": "2026-11-03T14:05:00.000Z"}})

    src = next(AMP.glob("input_T-7f3c*.json"))
    store, before = _grow(tmp_path, src, "threads/" + src.name.removeprefix("input_"), reply)
    assert before == (3, 1540, 18240, 20455, 1798, 0)
    assert _sums(store) == (4, 1580, 38695, 20455, 1998, 0)  # the 3 rows once, and the new one


def test_a_droid_session_total_that_grows_replaces_its_row(tmp_path: Path) -> None:
    sid = "4b0f6c2e-8d1a-4f3b-9c5e-1a2b3c4d5e6f"
    store, before = _grow(tmp_path, DROID / f"input_{sid}.settings.json", f"-home-dev-shop/{sid}.settings.json",
                          lambda doc: doc["tokenUsage"].update(inputTokens=1900, outputTokens=25000,
                                                               cacheReadTokens=1400000))
    assert before == (1, 1842, 1287455, 96310, 27637, 4120)
    assert _sums(store) == (1, 1900, 1400000, 96310, 29120, 4120)
    con = Store.open(store).connect()
    assert con.execute("SELECT event_id, conversation_id, project FROM usage").fetchall() == [
        (f"droid:{sid}", sid, "-home-dev-shop")]


def test_a_droid_session_kept_in_two_folders_counts_once(tmp_path: Path) -> None:
    # a backup of the sessions folder holds the same session with other totals: one session, one
    # row, the copy read last live (as for every bucket format: the later path here)
    name = "4b0f6c2e-8d1a-4f3b-9c5e-1a2b3c4d5e6f.settings.json"
    doc = json.loads((DROID / f"input_{name}").read_text())
    (tmp_path / "logs" / "-home-dev-shop").mkdir(parents=True)
    (tmp_path / "logs" / "-home-dev-shop" / name).write_text(json.dumps(doc))
    doc["tokenUsage"].update(inputTokens=2000, outputTokens=30000, cacheReadTokens=1500000, thinkingTokens=5000)
    (tmp_path / "logs" / "zz-backup").mkdir()
    (tmp_path / "logs" / "zz-backup" / name).write_text(json.dumps(doc))
    load([tmp_path / "logs"], tmp_path / "store")
    assert _sums(tmp_path / "store") == (1, 2000, 1500000, 96310, 35000, 5000)
