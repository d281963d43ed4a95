"""OpenCode 1.2+ keeps its messages in a SQLite database (opencode.db), not in one JSON file per
message: the database is read, and a message OpenCode copied there from its old files is stored
once when both are ingested."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _db(path: Path, messages: list[tuple[str, str, dict]]) -> None:
    db = sqlite3.connect(path)
    db.executescript("""
    CREATE TABLE `session` (`id` text PRIMARY KEY, `project_id` text NOT NULL, `slug` text NOT NULL,
      `directory` text NOT NULL, `title` text NOT NULL, `version` text NOT NULL,
      `time_created` integer NOT NULL, `time_updated` integer NOT NULL);
    CREATE TABLE `message` (`id` text PRIMARY KEY, `session_id` text NOT NULL, `time_created` integer NOT NULL,
      `time_updated` integer NOT NULL, `data` text NOT NULL);
    CREATE TABLE `part` (`id` text PRIMARY KEY, `message_id` text NOT NULL, `session_id` text NOT NULL,
      `time_created` integer NOT NULL, `time_updated` integer NOT NULL, `data` text NOT NULL);
    """)
    db.execute("INSERT INTO session VALUES ('ses_1', 'prj', 'slug', '/w/app', 't', '1.17.13', 0, 0)")
    for mid, sid, data in messages:
        created = data["time"]["created"]
        db.execute("INSERT INTO message VALUES (?, ?, ?, ?, ?)", (mid, sid, created, created, json.dumps(data)))
    db.commit()
    db.close()


def _assistant(created: int, i: int, o: int, r: int, read: int, write: int) -> dict:
    return {"role": "assistant", "time": {"created": created}, "modelID": "claude-sonnet-4-5-20250929",
            "providerID": "anthropic", "cost": 0.01,
            "tokens": {"input": i, "output": o, "reasoning": r, "cache": {"read": read, "write": write}}}


def test_database_beside_the_old_message_files_counts_each_message_once(tmp_path: Path) -> None:
    share = tmp_path / "opencode"
    old = _assistant(1764932400000, 100, 10, 0, 1000, 0)
    # the old storage: storage/message/<session>/<message>.json, pretty-printed, with id and sessionID
    f = share / "storage" / "message" / "ses_1" / "msg_old.json"
    f.parent.mkdir(parents=True)
    f.write_text(json.dumps(old | {"id": "msg_old", "sessionID": "ses_1"}, indent=2))
    _db(share / "opencode.db", [
        ("msg_old", "ses_1", old),  # copied into the database by OpenCode's migration
        ("msg_new", "ses_1", _assistant(1764932500000, 200, 20, 5, 3000, 400)),
        ("msg_usr", "ses_1", {"role": "user", "time": {"created": 1764932450000}}),
    ])
    result = load([share], tmp_path / "store")
    assert sorted((f.ingestor, f.rows_read, f.rows_skipped) for f in result.files) == [
        ("opencode_db_sqlite", 3, 1), ("opencode_message_json", 1, 0)]
    assert (sum(f.rows_stored for f in result.files), sum(f.rows_duplicate for f in result.files)) == (2, 1)
    rows = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens "
        "FROM usage ORDER BY ts").fetchall()
    # by hand: msg_old once; msg_new output 20 + 5 reasoning
    assert rows == [("opencode:msg_old", 100, 1000, 0, 10), ("opencode:msg_new", 200, 3000, 400, 25)]
    project = Store.open(tmp_path / "store").connect().execute(
        "SELECT project FROM usage WHERE event_id = 'opencode:msg_new'").fetchall()
    assert project == [("/w/app",)]  # the session's directory: the message states no path


def test_a_reply_whose_tokens_are_null_is_quarantined_not_stored_as_zero(tmp_path: Path) -> None:
    """`"tokens": null` is a reply whose counts are unknown, as one without `tokens`: quarantined
    with the reason, never a request of 0 tokens (JSON null is not SQL NULL: it passed the check)."""
    folder = tmp_path / "storage" / "message" / "ses_1"
    folder.mkdir(parents=True)
    for mid, tokens in (("msg_a", None), ("msg_b", {"input": 7, "output": 3, "reasoning": 0,
                                                    "cache": {"read": 0, "write": 0}})):
        data = _assistant(1764932400000, 0, 0, 0, 0, 0) | {"id": mid, "sessionID": "ses_1", "tokens": tokens}
        (folder / f"{mid}.json").write_text(json.dumps(data))
    result = load([tmp_path / "storage"], tmp_path / "store")
    assert sorted((f.rows_read, f.rows_stored, f.rows_quarantined) for f in result.files) == [(1, 0, 1), (1, 1, 0)]
    quarantined = b"".join(p.read_bytes() for p in (tmp_path / "store" / "quarantine").glob("*.jsonl"))
    assert b"assistant message without tokens" in quarantined
    rows = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, input_tokens, output_tokens FROM usage").fetchall()
    assert rows == [("opencode:msg_b", 7, 3)]
