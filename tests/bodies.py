"""Request logs written by tests: OpenAI chat-completion bodies in an app envelope, one per time."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path


def write_chat_bodies(path: Path, stamps: Iterable[str]) -> Path:
    """Write one gpt-4o-2024-08-06 body per timestamp of `stamps` to `path` (JSONL, envelope
    {ts, session_id 's', user 'u1', response}): 1,000 prompt and 10 completion tokens each, ids r0, r1, ..."""
    lines = [
        json.dumps({"ts": ts, "session_id": "s", "user": "u1",
                    "response": {"id": f"r{i}", "object": "chat.completion", "model": "gpt-4o-2024-08-06",
                                 "usage": {"prompt_tokens": 1000, "completion_tokens": 10}}})
        for i, ts in enumerate(stamps)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bodies_store(folder: Path, stamps: Iterable[str]) -> Path:
    """A store at `folder`/store ingested from `write_chat_bodies(folder / "logs.jsonl", stamps)`."""
    from llmcost.ingest.loader import load

    load([write_chat_bodies(folder / "logs.jsonl", stamps)], folder / "store")
    return folder / "store"
