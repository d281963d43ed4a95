"""API bodies (OpenAI, Anthropic, Gemini; bare or in an app's envelope) are read in batches too,
one batch per envelope shape (`Ingestor.batch_shape`): many small files give what reading them one
at a time gives, and every figure below is counted by hand from the lines written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import llmcost.ingest.batches
from llmcost.ingest.loader import load
from llmcost.storage.store import Store
from tests.reliability.invariants import check_results, check_store


def _openai(i: int, prompt: int, out: int, *, rid: bool = True) -> dict[str, object]:
    body: dict[str, object] = {"object": "chat.completion", "model": "gpt-4o-mini-2024-07-18",
                               "usage": {"prompt_tokens": prompt, "completion_tokens": out}}
    if rid:
        body["id"] = f"chatcmpl-{i}"
    return body


def _write(root: Path) -> dict[str, tuple[int, int, int, int]]:
    """The folder, and per file (read, stored, duplicate, quarantined) as counted by hand."""
    want: dict[str, tuple[int, int, int, int]] = {}
    root.mkdir()
    for i in range(6):  # shape A: {ts, session_id, response}, two lines each (ids 100+2i, 101+2i)
        lines = [{"ts": f"2026-10-0{1 + i}T09:0{j}:00Z", "session_id": f"s{i}",
                  "response": _openai(100 + 2 * i + j, 1000, 10)} for j in range(2)]
        (root / f"a{i}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
        want[f"a{i}.jsonl"] = (2, 2, 0, 0)
    for i in range(4):  # shape B: {timestamp, user, project, body}, CRLF line endings, one line each
        line = {"timestamp": f"2026-10-1{i}T10:00:00Z", "user": f"u{i % 2}", "project": "p1",
                "body": _openai(200 + i, 500, 5)}
        (root / f"b{i}.jsonl").write_bytes((json.dumps(line) + "\r\n").encode())
        want[f"b{i}.jsonl"] = (1, 1, 0, 0)
    # shape A again, three identical lines without an id: three requests; then a line that is not
    # JSON (quarantined) and a copy of a0's first reply (a duplicate of a request already read)
    same = json.dumps({"ts": "2026-10-20T09:00:00Z", "session_id": "k", "response": _openai(0, 50, 1, rid=False)})
    copy = json.dumps({"ts": "2026-10-01T09:00:00Z", "session_id": "s0", "response": _openai(100, 1000, 10)})
    (root / "noid.jsonl").write_text(f"{same}\n{same}\n{same}\n{{not json\n{copy}\n")
    want["noid.jsonl"] = (5, 3, 1, 1)
    # Anthropic messages in shape A, two files of one line each
    for i in range(2):
        msg = {"id": f"msg_{i}", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
               "usage": {"input_tokens": 300, "output_tokens": 30, "cache_read_input_tokens": 7,
                         "cache_creation_input_tokens": 0}}
        (root / f"m{i}.jsonl").write_text(json.dumps({"ts": f"2026-10-2{i}T11:00:00Z", "session_id": "m",
                                                      "response": msg}) + "\n")
        want[f"m{i}.jsonl"] = (1, 1, 0, 0)
    return want


def _totals(store: Path) -> tuple[int, int, int, int, int]:
    con = Store.open(store).connect()
    n, inp, out, cr, users = con.execute(
        "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), count(user_id) FROM usage"
    ).fetchone()
    return int(n), int(inp), int(out), int(cr), int(users)


def test_envelope_files_are_batched_by_shape_and_count_as_one_by_one(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    want = _write(tmp_path / "in")
    scans: list[tuple[str, int]] = []
    stage = llmcost.ingest.batches.BatchCommit._stage_batch

    def spied(self, con, ing, members, *args, **kwargs):  # type: ignore[no-untyped-def]
        scans.append((ing.name, len(members)))
        return stage(self, con, ing, members, *args, **kwargs)

    monkeypatch.setattr(llmcost.ingest.batches.BatchCommit, "_stage_batch", spied)
    res = load([tmp_path / "in"], tmp_path / "store")
    got = {Path(f.path).name: (f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined) for f in res.files}
    assert got == want
    # one scan per shape: OpenAI in shape A (a0-a5 and noid), OpenAI in shape B, Anthropic
    assert sorted(scans) == [("anthropic_message_jsonl", 2), ("openai_response_jsonl", 4),
                             ("openai_response_jsonl", 7)]
    # requests: 12 (a) + 4 (b) + 3 (noid) + 2 (m) = 21; input: 12 x 1000 + 4 x 500 + 3 x 50 + 2 x 300
    # = 14,750 (Anthropic's input excludes its cache reads); output 120 + 20 + 3 + 60 = 203; cache
    # reads 2 x 7; a user id on the 4 rows of shape B
    assert _totals(tmp_path / "store") == (21, 14_750, 203, 14, 4)
    assert check_store(tmp_path / "store") == []
    assert check_results(res.files) == []
    # the same files one at a time (a file alone is never batched): the same rows
    for path in sorted((tmp_path / "in").iterdir()):
        load([path], tmp_path / "single")
    assert _totals(tmp_path / "single") == _totals(tmp_path / "store")
    # and a second run changes nothing
    again = load([tmp_path / "in"], tmp_path / "store")
    assert all(f.status == "unchanged" for f in again.files)
    assert _totals(tmp_path / "store") == (21, 14_750, 203, 14, 4)
