"""An app's envelope whose first record leaves out a key the later ones have: the app writes no null
fields (pydantic `exclude_none`, Go `omitempty`), so a request made before a session existed has no
`session_id`. The envelope's keys are read from the head's records, not from its first one alone.
Before, every row of such a file lost its session and user, not only the first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _openai(rid: str, n: int) -> dict[str, object]:
    return {"id": rid, "object": "chat.completion", "created": 1764925200 + n, "model": "gpt-4o", "choices": [],
            "usage": {"prompt_tokens": 10 * n, "completion_tokens": n}}


def _anthropic(rid: str, n: int) -> dict[str, object]:
    return {"id": rid, "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": [],
            "usage": {"input_tokens": 10 * n, "output_tokens": n}}


@pytest.mark.parametrize(("body", "source"), [(_openai, "openai_response_jsonl"),
                                               (_anthropic, "anthropic_message_jsonl")])
def test_envelope_keys_missing_from_the_first_record(body, source: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    logs = tmp_path / "logs"
    logs.mkdir()
    lines = [
        {"ts": "2026-12-05T09:00:00Z", "response": body("r-1", 1)},
        {"ts": "2026-12-05T09:01:00Z", "session_id": "s-1", "user": "ann", "response": body("r-2", 2)},
        {"ts": "2026-12-05T09:02:00Z", "session_id": "s-1", "user": "ann", "response": body("r-3", 3)},
    ]
    (logs / "app.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    result = load([logs], tmp_path / "store")
    assert [f.ingestor for f in result.files] == [source]
    got = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, conversation_id, user_id, input_tokens, output_tokens FROM usage "
        "ORDER BY event_id").fetchall()
    assert got == [("r-1", None, None, 10, 1), ("r-2", "s-1", "ann", 20, 2), ("r-3", "s-1", "ann", 30, 3)]
