"""Writing inferred conversation ids into a store: ids land, source ids stay, the write is atomic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmcost.ingest.conversations import conversation_counts, write_inferred
from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _msg(ts: str, user: str, inp: int, out: int, conv: str | None = None, mid: str = "") -> str:
    row = {
        "timestamp": ts, "user_id": user,
        "response": {"id": mid, "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
                     "content": [], "stop_reason": "end_turn",
                     "usage": {"input_tokens": inp, "cache_creation_input_tokens": 0,
                               "cache_read_input_tokens": 0, "output_tokens": out}},
    }
    if conv:
        row["conversation_id"] = conv
    return json.dumps(row)


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    log = tmp_path / "messages.jsonl"
    log.write_text("\n".join([
        _msg("2026-10-03T14:00:00Z", "u7", 1000, 200, conv="c-9", mid="msg_k1"),
        _msg("2026-10-03T14:01:00Z", "u7", 1300, 100, conv="c-9", mid="msg_k2"),
        # u8 chats: 1250 is within 64 tokens of 1000 + 200; u9 sends one request
        _msg("2026-10-03T14:00:10Z", "u8", 1000, 200, mid="msg_a1"),
        _msg("2026-10-03T14:00:50Z", "u8", 1250, 100, mid="msg_a2"),
        _msg("2026-10-03T14:00:20Z", "u9", 500, 50, mid="msg_b1"),
    ]) + "\n")
    store = tmp_path / "store"
    result = load([log], store)
    assert [f.status for f in result.files] == ["ingested"]
    return store


def _rows(store_dir: Path) -> dict[str, tuple[str | None, bool | None, int | None]]:
    con = Store.open(store_dir).connect()
    rows = con.execute("SELECT event_id, conversation_id, conversation_inferred, turn FROM usage").fetchall()
    con.close()
    return {e: (c, i, t) for e, c, i, t in rows}


def test_write_inferred_fills_ids_and_keeps_source_ids(store_dir: Path) -> None:
    counts = write_inferred(store_dir)
    rows = _rows(store_dir)
    assert rows["msg_k1"] == ("c-9", False, 1)
    assert rows["msg_k2"] == ("c-9", False, 2)
    assert rows["msg_a1"] == ("inferred:msg_a1", True, 1)
    assert rows["msg_a2"] == ("inferred:msg_a1", True, 2)
    assert rows["msg_b1"] == ("inferred:msg_b1", True, 1)
    assert counts == {
        "conversations": 3, "inferred_conversations": 2, "inferred_requests": 3,
        "requests_without_conversation": 0, "parts_rewritten": 1,
    }
    # a second run infers the same ids and rewrites nothing
    assert write_inferred(store_dir)["parts_rewritten"] == 0
    assert _rows(store_dir) == rows


def test_a_failed_write_leaves_the_store_as_it_was(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = (store_dir / "manifest.json").read_text()
    rows = _rows(store_dir)

    def boom(self: Store, manifest: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Store, "write_manifest", boom)
    with pytest.raises(OSError, match="disk full"):
        write_inferred(store_dir)
    monkeypatch.undo()
    assert (store_dir / "manifest.json").read_text() == before
    assert _rows(store_dir) == rows
    # the orphan part is collected by the next writer, which then succeeds
    assert write_inferred(store_dir)["inferred_requests"] == 3
    live = {Path(p).name for p in Store.open(store_dir).read_manifest().parts("usage")}
    assert {p.name for p in (store_dir / "usage").rglob("*.parquet")} == live
    con = Store.open(store_dir).connect()
    assert conversation_counts(con)["inferred_conversations"] == 2
    con.close()
