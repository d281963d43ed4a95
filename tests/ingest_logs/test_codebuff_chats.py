"""Codebuff chats laid out as Codebuff's CLI writes them (`--logs ~/.config/manicode/projects`,
`<project>/chats/<chat id>/chat-messages.json`) beside a backup root holding an older copy of one
chat, read twice: the event ids are stable, so an unchanged chat read again stores nothing new, a
chat rewritten with a new reply adds that reply alone, and the backup's copies are stored once.

Hand count of tests/fixtures/ingest/codebuff_chat_messages_json (the chat of 2026-11-24: lines 2 and
4 (Anthropic's names: input already uncached) stored from the backup, which sorts first, and duplicates
in the chat; line 7 (usage only in the run state: OpenRouter's prompt_tokens 9000 include the 6144
cached) stored, 5 (a failed reply, no usage) skipped, 8 (`inputTokens: "1,200"`) quarantined; the chat
of 2026-11-25: line 2 (the AI SDK's inputTokens 30000 include cachedInputTokens 20000) and 3
(`metadata.codebuff.usage`, promptTokens 5000 include 4096 cached) stored):
  input        14 + 22 + (9000 - 6144) + (30000 - 20000) + (5000 - 4096) = 13,796
  cache read   0 + 18200 + 6144 + 20000 + 4096                          = 48,440
  cache write  18200 + 900 + 0 + 0 + 0                                  = 19,100
  output       620 + 410 + 700 + 1200 + 300                             = 3,230 (reasoning 0: not split)
  credits      9 + 3 + 4 + 14 + 2                                       = 32 (extra.credits; no dollars)
ccusage 20.0.24 (`CODEBUFF_DATA_DIR=<root>/manicode,<root>/backup ccusage codebuff daily --json
--offline --timezone UTC`): input 44,072, cache read 46,640, cache write 38,200, output 4,340,
credits 45. The differences, each accounted for: the backup's copies of lines 2 and 4 counted again
(ccusage's session key holds the root folder's name: +36 input, +18,200 cache read, +19,100 cache
write, +1,030 output, +12 credits); the prompts read as uncached input with their cached tokens
inside (+6,144 for line 7, +4,096 for the 2026-11-25 chat's line 3); the AI SDK's cachedInputTokens
not read (line 2 of 2026-11-25: +20,000 input, -20,000 cache read); the quarantined line 8 kept (its
input "1,200" read as 0, output +80, credits +1). ccusage prices the tokens itself; we store no
reported cost (Codebuff states credits only).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store
from tests.ingest_logs.agent_sessions import by_conversation, event_ids, set_aside, totals

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest" / "codebuff_chat_messages_json"
FIRST, SECOND = "2026-11-24T09-12-30.512Z", "2026-11-25T14-03-11.020Z"


def _roots(tmp_path: Path) -> tuple[Path, Path]:
    live, backup = tmp_path / ".config" / "manicode" / "projects", tmp_path / "backup" / "projects"
    for root, prefix, chats in ((live, "input_shop_", (FIRST, SECOND)), (backup, "input_backup_shop_", (FIRST,))):
        for chat in chats:
            folder = root / "shop" / "chats" / chat
            folder.mkdir(parents=True)
            shutil.copy(FIXTURES / f"{prefix}{chat}_chat-messages.json", folder / "chat-messages.json")
    return live, backup


def test_the_fixtures_totals_are_the_hand_counted_ones(tmp_path: Path) -> None:
    live, backup = _roots(tmp_path)
    store = tmp_path / "store"
    first = load([backup, live], store)
    assert {f.ingestor for f in first.files} == {"codebuff_chat_messages_json"} and len(first.files) == 3
    assert totals(store) == (5, 13796, 48440, 19100, 3230, 0, None)
    credits = Store.open(store).connect().execute(
        "SELECT sum(CAST(json_extract(extra, '$.credits') AS DOUBLE)) FROM usage").fetchone()
    assert credits == (32.0,)
    assert by_conversation(store, "shop") == {f"shop/{FIRST}": 3, f"shop/{SECOND}": 2}
    assert set_aside(first) == (2, 1, 1)


def test_a_chat_rewritten_with_a_new_reply_adds_it_alone(tmp_path: Path) -> None:
    live, _ = _roots(tmp_path)
    store = tmp_path / "store"
    load([live], store)
    ids = event_ids(store)
    assert sum(f.rows_stored for f in load([live], store).files) == 0
    # Codebuff rewrites the whole array after each turn: the old replies again, one new one
    chat = live / "shop" / "chats" / SECOND / "chat-messages.json"
    messages = json.loads(chat.read_text())
    messages.append({**messages[-1], "id": "ai-1795604760000-1d2e", "timestamp": "2026-11-25T14:06:00.000Z"})
    chat.write_text(json.dumps(messages, indent=2) + "\n")
    load([live], store)
    after = event_ids(store)
    assert ids < after and len(after) == len(ids) + 1
