"""One app log with both OpenAI and Anthropic response bodies (llmcost.ingest._mixed_bodies).

OpenAI's `prompt_tokens` / Responses `input_tokens` include the cached tokens, Anthropic's
`input_tokens` leaves cache reads and writes out. Before: an Anthropic body in an OpenAI log was
read as a Responses body (its 50,000 cache reads and 2,000 cache writes dropped), and OpenAI rows
in a file recognised as Anthropic's were quarantined as "no usage object"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _chat(i: int, prompt: int, cached: int, out: int) -> dict:
    return {"ts": f"2026-10-01T{10 + i // 60:02d}:{i % 60:02d}:00Z", "session_id": "s1", "response": {
        "id": f"chatcmpl-{i}", "object": "chat.completion", "created": 1790000000, "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": out, "total_tokens": prompt + out,
                  "prompt_tokens_details": {"cached_tokens": cached}}}}


def _responses(i: int, inp: int, cached: int, out: int) -> dict:
    return {"ts": f"2026-10-01T11:{i:02d}:00Z", "session_id": "s1", "response": {
        "id": f"resp_{i}", "object": "response", "created_at": 1790000000, "model": "gpt-4.1-2025-04-14",
        "output": [], "usage": {"input_tokens": inp, "input_tokens_details": {"cached_tokens": cached},
                                "output_tokens": out, "total_tokens": inp + out}}}


def _message(i: int, inp: int, read: int, write: int, out: int) -> dict:
    return {"ts": f"2026-10-02T{10 + i // 60:02d}:{i % 60:02d}:00Z", "session_id": "s2", "response": {
        "id": f"msg_{i:03d}", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
        "usage": {"input_tokens": inp, "cache_read_input_tokens": read, "cache_creation_input_tokens": write,
                  "output_tokens": out}}}


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _by_provider(store: Path) -> dict[str, tuple[int, int, int, int, int]]:
    con = Store.open(store).connect()
    rows = con.execute("SELECT provider, count(*), sum(input_tokens), sum(cache_read_tokens), "
                       "sum(cache_write_tokens), sum(output_tokens) FROM usage GROUP BY 1").fetchall()
    return {r[0]: tuple(int(x) for x in r[1:]) for r in rows}


def _quarantine(store: Path) -> list[dict]:
    return [json.loads(x) for q in sorted((store / "quarantine").glob("*.jsonl")) for x in q.read_text().splitlines()]


MIXED = [_chat(1, 3000, 1024, 100), _message(1, 1000, 50000, 2000, 500), _responses(1, 8000, 6000, 300),
         _message(2, 40, 0, 0, 10)]
# by hand: OpenAI uncached input = (3000 - 1024) + (8000 - 6000) = 3976, cache read 1024 + 6000,
# output 400; Anthropic input as stated 1000 + 40, cache read 50000, write 2000, output 510
EXPECTED = {"openai": (2, 3976, 7024, 0, 400), "anthropic": (2, 1040, 50000, 2000, 510)}


@pytest.mark.parametrize("order", ["openai first", "anthropic first"])
def test_each_body_of_a_mixed_log_is_read_by_its_providers_rules(tmp_path: Path, order: str) -> None:
    records = MIXED if order == "openai first" else MIXED[1:] + MIXED[:1]
    f = _write(tmp_path / "app.jsonl", records)
    (r,) = load([f], tmp_path / "store").files
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (4, 4, 0)
    assert _by_provider(tmp_path / "store") == EXPECTED


def test_a_folder_of_mixed_and_single_logs_read_together(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    _write(logs / "a.jsonl", MIXED)
    _write(logs / "b.jsonl", [_chat(7, 500, 0, 50)])
    _write(logs / "c.jsonl", [_message(7, 10, 20, 30, 40)])
    result = load([logs], tmp_path / "store")
    assert sum(f.rows_stored for f in result.files) == 6 and sum(f.rows_quarantined for f in result.files) == 0
    assert _by_provider(tmp_path / "store") == {"openai": (3, 4476, 7024, 0, 450),
                                                 "anthropic": (3, 1050, 50020, 2030, 550)}


def test_a_body_of_the_other_kind_past_the_head_is_quarantined_not_misread(tmp_path: Path) -> None:
    # 200 OpenAI bodies, then one Anthropic body: the head shows one kind, the file is read as OpenAI's
    f = _write(tmp_path / "openai.jsonl", [_chat(i, 100, 0, 10) for i in range(200)]
               + [_message(1, 1000, 50000, 2000, 500)])
    (r,) = load([f], tmp_path / "s1").files
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (201, 200, 1)
    (q,) = _quarantine(tmp_path / "s1")
    assert q["line"] == 201 and q["reason"].startswith("an Anthropic Messages body in a file read as OpenAI bodies")
    assert _by_provider(tmp_path / "s1") == {"openai": (200, 20000, 0, 0, 2000)}

    # and the reverse: a Responses body (input includes its cached tokens) after 200 Anthropic ones
    g = _write(tmp_path / "anthropic.jsonl", [_message(i, 10, 0, 0, 1) for i in range(200)]
               + [_responses(1, 8000, 6000, 300)])
    (r,) = load([g], tmp_path / "s2").files
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (201, 200, 1)
    (q,) = _quarantine(tmp_path / "s2")
    assert q["line"] == 201 and q["reason"].startswith("an OpenAI body in a file read as Anthropic Messages bodies")
    assert _by_provider(tmp_path / "s2") == {"anthropic": (200, 2000, 0, 0, 200)}


def test_a_mixed_log_stored_by_the_old_reader_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store that read a mixed log before this fix lost a body of the other kind (the OpenAI reply
    in a file recognised as Anthropic's was quarantined as "no usage object"). The file is unchanged,
    but an older version of its reader stored it (`Ingestor.reader_changes`): the next run reads it
    again and replaces its rows, in a folder of small files read together too."""
    from llmcost.ingest import _mixed_bodies, anthropic_message_jsonl, openai_response_jsonl

    logs = tmp_path / "logs"
    logs.mkdir()
    _write(logs / "a.jsonl", [_chat(1, 3000, 1024, 100), _message(1, 1000, 50000, 2000, 500)])
    _write(logs / "b.jsonl", [_chat(7, 500, 0, 50)])
    store = tmp_path / "store"
    with monkeypatch.context() as m:  # the readers as they were: one kind per file
        m.setattr(_mixed_bodies, "is_mixed", lambda head: False)
        m.setattr(_mixed_bodies, "STRAY_ANTHROPIC", "")
        m.setattr(_mixed_bodies, "STRAY_OPENAI", "")
        m.setattr(openai_response_jsonl.OpenAIResponseJsonl, "reader_changes", {})
        m.setattr(anthropic_message_jsonl.AnthropicMessageJsonl, "reader_changes", {})
        first = load([logs], store)
    assert sum(r.rows_quarantined for r in first.files) == 1  # the chat reply in a.jsonl, as before
    assert _by_provider(store) == {"openai": (1, 500, 0, 0, 50), "anthropic": (1, 1000, 50000, 2000, 500)}

    again = load([logs], store)
    assert sorted(r.status for r in again.files) == ["replaced", "replaced"]
    assert sum(r.rows_quarantined for r in again.files) == 0
    # by hand: the chat reply now counts, uncached 3000 - 1024; nothing doubled
    assert _by_provider(store) == {"openai": (2, 1976 + 500, 1024, 0, 150), "anthropic": (1, 1000, 50000, 2000, 500)}
    assert sorted(r.status for r in load([logs], store).files) == ["unchanged", "unchanged"]
