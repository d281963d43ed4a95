"""Gemini CLI sessions as JSON lines (Gemini CLI since April 2026): `~/.gemini/tmp/<hash>/chats/`
with a main session, a sub-agent's file under `chats/<parent session id>/`, and a session
migrated from a `session-*.json` document that is still beside it."""

from __future__ import annotations

import json
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

PH = "5eb97eaffa8e54844d59a44d0c1a399d7e11eff9b0dbdc4f65d4ab7faecd90e1"


def _write(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))


def _tokens(i: int, o: int, c: int, t: int, tool: int = 0) -> dict:
    return {"input": i, "output": o, "cached": c, "thoughts": t, "tool": tool, "total": i + o + t + tool}


def _totals(store: Path) -> tuple:
    return Store.open(store).connect().execute(
        "SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(output_tokens), sum(reasoning_tokens) "
        "FROM usage").fetchone()


def test_main_session_and_subagent_are_read(tmp_path: Path) -> None:
    chats = tmp_path / "tmp" / PH / "chats"
    sid = "3bacc8a0-24d6-4415-9b2e-a2635c02e54c"
    reply = {"id": "g1", "timestamp": "2026-11-05T10:00:03.000Z", "type": "gemini", "content": "",
             "thoughts": [], "tokens": None, "model": "gemini-2.5-pro"}
    _write(chats / "session-2026-11-05T10-00-3bacc8a0.jsonl", [
        {"sessionId": sid, "projectHash": PH, "startTime": "2026-11-05T10:00:00.000Z",
         "lastUpdated": "2026-11-05T10:00:00.000Z", "kind": "main"},
        {"id": "u1", "timestamp": "2026-11-05T10:00:01.000Z", "type": "user", "content": [{"text": "hi"}]},
        reply,  # written before its usage arrives
        {"$set": {"lastUpdated": "2026-11-05T10:00:03.000Z"}},
        reply | {"tokens": _tokens(7000, 100, 2000, 50, 10)},  # again with its tokens
        reply | {"tokens": _tokens(7000, 100, 2000, 50, 10), "toolCalls": [{"id": "t1", "name": "ls"}]},
        {"$rewindTo": "u1"},  # the reply was still answered and billed
    ])
    _write(chats / sid / "0la501.jsonl", [
        {"sessionId": "0la501", "projectHash": PH, "startTime": "2026-11-05T10:00:10.000Z",
         "lastUpdated": "2026-11-05T10:00:12.000Z", "kind": "subagent", "directories": ["/w"]},
        {"id": "s1", "timestamp": "2026-11-05T10:00:12.000Z", "type": "gemini", "content": "",
         "tokens": _tokens(1000, 20, 0, 5), "model": "gemini-2.5-flash"},
    ])
    result = load([tmp_path / "tmp"], tmp_path / "store")
    assert sorted((f.status, f.ingestor, f.rows_read, f.rows_stored, f.rows_duplicate) for f in result.files) == [
        ("ingested", "gemini_cli_session_jsonl", 1, 1, 0),
        ("ingested", "gemini_cli_session_jsonl", 3, 1, 2),
    ]
    # by hand: g1 input 7000 - 2000 cached + 10 tool = 5010, output 100 + 50 thoughts = 150;
    # s1 input 1000, output 20 + 5 = 25
    assert _totals(tmp_path / "store") == (2, 6010, 2000, 175, 55)
    convs = Store.open(tmp_path / "store").connect().execute(
        "SELECT conversation_id, project FROM usage ORDER BY ts").fetchall()
    assert convs == [(sid, PH), ("0la501", PH)]


def test_session_migrated_from_a_json_document_is_counted_once(tmp_path: Path) -> None:
    # resuming a session-*.json writes session-*.jsonl with its messages again; the .json stays
    chats = tmp_path / "tmp" / "ph" / "chats"
    chats.mkdir(parents=True)
    sid = "aaaa1111-0000-4000-8000-000000000001"
    meta = {"sessionId": sid, "projectHash": "ph", "startTime": "2026-03-01T10:00:00.000Z",
            "lastUpdated": "2026-03-01T10:00:02.000Z"}
    old = [{"id": "u1", "timestamp": "2026-03-01T10:00:00.000Z", "type": "user", "content": "hi"},
           {"id": "g1", "timestamp": "2026-03-01T10:00:02.000Z", "type": "gemini", "content": "ok",
            "tokens": _tokens(1000, 10, 400, 5), "model": "gemini-2.5-flash"}]
    (chats / "session-2026-03-01T10-00-aaaa1111.json").write_text(json.dumps(meta | {"messages": old}, indent=2))
    _write(chats / "session-2026-03-01T10-00-aaaa1111.jsonl", [meta, *old, {"$set": {"sessionId": sid}},
        {"id": "g2", "timestamp": "2026-11-01T09:00:02.000Z", "type": "gemini", "content": "ok",
         "tokens": _tokens(2000, 20, 0, 0), "model": "gemini-2.5-flash"}])
    result = load([tmp_path / "tmp"], tmp_path / "store")
    assert {f.status for f in result.files} == {"ingested"}
    # by hand: g1 once (600 uncached, 400 cached, 15 out) + g2 (2000, 0, 20)
    assert _totals(tmp_path / "store") == (2, 2600, 400, 35, 5)


def test_side_files_of_a_project_folder_are_companions(tmp_path: Path) -> None:
    # ~/.gemini/tmp/<hash>/ as Gemini CLI leaves it: the prompt log, a chat saved by /chat save and
    # the shell history beside chats/; none holds usage, none may fail the run as unknown
    project = tmp_path / "tmp" / PH
    sid = "3bacc8a0-24d6-4415-9b2e-a2635c02e54c"
    _write(project / "chats" / "session-2026-11-05T10-00-3bacc8a0.jsonl", [
        {"sessionId": sid, "projectHash": PH, "startTime": "2026-11-05T10:00:00.000Z",
         "lastUpdated": "2026-11-05T10:00:03.000Z", "kind": "main"},
        {"id": "g1", "timestamp": "2026-11-05T10:00:03.000Z", "type": "gemini", "content": "ok",
         "tokens": _tokens(100, 10, 0, 0), "model": "gemini-2.5-flash"},
    ])
    (project / "logs.json").write_text(json.dumps([
        {"sessionId": sid, "messageId": 0, "type": "user", "message": "hi", "timestamp": "2026-11-05T10:00:01.000Z"},
    ], indent=2))
    (project / "checkpoint-before-refactor.json").write_text(json.dumps([
        {"role": "user", "parts": [{"text": "hi"}]}, {"role": "model", "parts": [{"text": "ok"}]},
    ], indent=2))
    (project / "shell_history").write_text("ls -la\ngit status\n")
    result = load([tmp_path / "tmp"], tmp_path / "store")
    assert sorted(f.status for f in result.files) == ["companion", "companion", "companion", "ingested"]


def test_a_prompt_log_longer_than_the_head_is_still_a_companion() -> None:
    from llmcost import ingest

    head = b'[\n  {\n    "sessionId": "s",\n    "messageId": 0,\n    "type": "user",\n    "message": "' + b"x" * 70000
    assert ingest.companion(head[:65536], "/h/.gemini/tmp/ab12/logs.json")
    # the same name holding something else is not one
    assert ingest.companion(b'[{"model": "m", "usage": {}}]', "logs.json") is None


def test_a_reply_without_tokens_is_skipped_though_another_file_of_its_batch_has_its_id(tmp_path: Path) -> None:
    """Whether a message ever had tokens is asked of its own file: two sessions read in one batch
    (`batchable`) whose replies share an id keep apart, the cut-off one skipped as when read alone."""
    chats = tmp_path / "tmp" / PH / "chats"
    reply = {"id": "g1", "timestamp": "2026-11-05T10:00:03.000Z", "type": "gemini", "content": "",
             "tokens": None, "model": "gemini-2.5-pro"}
    for sid, tokens in (("s-cut", None), ("s-full", _tokens(1000, 10, 0, 0))):
        _write(chats / f"session-{sid}.jsonl", [
            {"sessionId": sid, "projectHash": PH, "startTime": "2026-11-05T10:00:00.000Z",
             "lastUpdated": "2026-11-05T10:00:00.000Z", "kind": "main"},
            reply | {"tokens": tokens}])
    result = load([tmp_path / "tmp"], tmp_path / "store")
    assert sorted((Path(f.path).name, f.rows_stored, f.rows_skipped) for f in result.files) == [
        ("session-s-cut.jsonl", 0, 1), ("session-s-full.jsonl", 1, 0)]
    assert _totals(tmp_path / "store") == (1, 1000, 0, 10, 0)
