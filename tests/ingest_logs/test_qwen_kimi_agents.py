"""Qwen Code and Kimi CLI sessions laid out as the agents write them: `--logs ~/.qwen/projects`
and `--logs ~/.kimi/sessions` (with a sub-agent's own wire file), read twice (event ids stable
across re-ingest). The fixtures (tests/fixtures/ingest/{qwen_code_chat_jsonl,kimi_cli_wire_jsonl})
hold the record shapes; this checks what the folders add: Kimi's conversation and project come
from the path, and an unchanged session read again stores nothing new.

Hand counts of the fixtures (each row's arithmetic is in the module docstrings' mapping):
- Qwen Code: stored 5 rows. Line 2 (OpenAI route, no thoughts): input 12000 - 8000 = 4000, cache
  8000, output 350. Line 5 (OpenAI route: total 15900 = 15000 + 900, so the 600 thoughts are inside
  the 900): input 3000, cache 12000, output 900, reasoning 600. Line 7 (Gemini route: total 6500 =
  6000 + 200 + 300): input 6000, output 200 + 300 = 500, reasoning 300. Line 11: input 1000, cache
  19000, output 150. The fork's new reply: input 1000, cache 20000, output 100. Totals: input
  15000, cache read 59000, output 2000, reasoning 900; the fork's copy of line 2 is a duplicate,
  line 8 (no usageMetadata) skipped, lines 9 (cut) and 10 (`"12x"`) quarantined.
- Kimi CLI: stored 4 rows: a001 1200 / 9000 / 0 / 300, a002 2500 / 10000 / 512 / 700, sub01
  800 / 2000 / 0 / 150, sub02 400 / 1500 / 0 / 90 (input / cache read / cache write / output).
  Totals: input 4900, cache read 22500, cache write 512, output 1240; sub01's second copy is a
  duplicate, a003 (all 0) skipped, the cut line and a004 (`"abc"`) quarantined.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"


def _rows(store: Path) -> list[tuple]:
    return Store.open(store).connect().execute(
        "SELECT event_id, conversation_id, project, input_tokens, cache_read_tokens, cache_write_tokens, "
        "output_tokens FROM usage ORDER BY event_id").fetchall()


def test_kimi_session_and_subagent_take_their_ids_from_the_path(tmp_path: Path) -> None:
    session = tmp_path / ".kimi" / "sessions" / "0c9f3b7e5a1d" / "c41d8e2a-7b3f-4e9a-a1d2-5f6e7a8b9c0d"
    (session / "subagents" / "a3f9c2").mkdir(parents=True)
    shutil.copy(FIXTURES / "kimi_cli_wire_jsonl" / "input_wire.jsonl", session / "wire.jsonl")
    shutil.copy(FIXTURES / "kimi_cli_wire_jsonl" / "input_subagent_wire.jsonl",
                session / "subagents" / "a3f9c2" / "wire.jsonl")
    # the files Kimi CLI keeps beside the wire logs (kimi-cli docs/en/configuration/data-locations.md)
    context = '{"role": "_system_prompt", "content": "You are Kimi"}\n{"role": "_usage", "token_count": 13712}\n'
    (session / "context.jsonl").write_text(context)
    (session / "subagents" / "a3f9c2" / "context.jsonl").write_text(context)
    (session / "state.json").write_text('{"title": "", "plan_mode": false, "subagent_instances": {}}')
    (session / "subagents" / "a3f9c2" / "meta.json").write_text('{"agent_id": "a3f9c2", "status": "completed"}')
    (session / "subagents" / "a3f9c2" / "output").write_text("CI sets TZ=UTC; the test assumed local time.\n")
    store = tmp_path / "store"
    first = load([tmp_path / ".kimi" / "sessions"], store)
    assert sorted(f.status for f in first.files) == ["companion"] * 5 + ["ingested"] * 2
    counts = {Path(f.path).parent.name: (f.ingestor, f.rows_stored, f.rows_duplicate)
              for f in first.files if f.status == "ingested"}
    # the parent's wire is read first: a001, a002 and its SubagentEvent copy of sub01; then the
    # sub-agent's own file: sub01 again (a duplicate) and sub02
    assert counts == {"c41d8e2a-7b3f-4e9a-a1d2-5f6e7a8b9c0d": ("kimi_cli_wire_jsonl", 3, 0),
                      "a3f9c2": ("kimi_cli_wire_jsonl", 1, 1)}
    sid, group = "c41d8e2a-7b3f-4e9a-a1d2-5f6e7a8b9c0d", "0c9f3b7e5a1d"
    # by hand (module docstring): the parent's a001 and a002, the sub-agent's sub01 and sub02
    assert _rows(store) == [
        ("kimi-cli:chatcmpl-kS7a001", sid, group, 1200, 9000, 0, 300),
        ("kimi-cli:chatcmpl-kS7a002", sid, group, 2500, 10000, 512, 700),
        ("kimi-cli:chatcmpl-kS7sub01", sid, group, 800, 2000, 0, 150),
        ("kimi-cli:chatcmpl-kS7sub02", sid, group, 400, 1500, 0, 90),
    ]
    again = load([tmp_path / ".kimi" / "sessions"], store)
    assert sum(f.rows_stored for f in again.files) == 0
    assert len(_rows(store)) == 4


def test_qwen_projects_folder_and_its_fork_are_read_once(tmp_path: Path) -> None:
    chats = tmp_path / ".qwen" / "projects" / "-home-dev-shop-api" / "chats"
    chats.mkdir(parents=True)
    for p in (FIXTURES / "qwen_code_chat_jsonl").glob("input_*.jsonl"):
        shutil.copy(p, chats / p.name.removeprefix("input_"))
    store = tmp_path / "store"
    first = load([tmp_path / ".qwen" / "projects"], store)
    assert {f.ingestor for f in first.files} == {"qwen_code_chat_jsonl"}
    rows = _rows(store)
    # by hand: input 4000 + 3000 + 6000 + 1000 + 1000, cache 8000 + 12000 + 19000 + 20000,
    # output 350 + 900 + 500 + 150 + 100; the fork's copy of the first reply stored once
    assert len(rows) == 5
    assert (sum(r[3] for r in rows), sum(r[4] for r in rows), sum(r[6] for r in rows)) == (15000, 59000, 2000)
    assert {r[2] for r in rows} == {"/home/dev/shop-api"}
    again = load([tmp_path / ".qwen" / "projects"], store)
    assert sum(f.rows_stored for f in again.files) == 0
    assert _rows(store) == rows
