"""A JSON document that breaks is read as far as it holds (llmcost.ingest.salvage).

DuckDB parses a JSON document whole, so one broken record used to fail the file and lose every
record in it. Each whole record is now stored, each broken stretch quarantined at its index with
where and why it breaks, and the file named with the command that shows the break. Expected
figures are counted by hand from the records each test writes: reply i has prompt 1000 + i
(200 of it cached) and completion 10 + i."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _chat(i: int) -> dict[str, Any]:
    return {"id": f"chatcmpl-b{i}", "object": "chat.completion", "created": 1793696400 + 60 * i,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1000 + i, "completion_tokens": 10 + i, "total_tokens": 1010 + 2 * i,
                      "prompt_tokens_details": {"cached_tokens": 200}}}


def _stored(store: Path) -> list[tuple[int, int, int]]:
    """(input, cache read, output) of each stored row, by input."""
    rows = Store.open(store).connect().execute(
        "SELECT input_tokens, cache_read_tokens, output_tokens FROM usage ORDER BY input_tokens").fetchall()
    return [tuple(r) for r in rows]


def _quarantine(store: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for p in sorted((store / "quarantine").glob("*.jsonl"))
            for line in p.read_text().splitlines()]


def _expect(*ids: int) -> list[tuple[int, int, int]]:
    return sorted((800 + i, 200, 10 + i) for i in ids)


def test_a_record_broken_in_the_middle_of_a_pretty_array(tmp_path: Path) -> None:
    """Six replies as `json.dump(indent=2)` writes them; reply 3 lost a comma (a hand edit).
    Replies 0-2 and 4-5 are stored; the broken one is quarantined as record 4 of 6."""
    logs = tmp_path / "logs"
    logs.mkdir()
    text = json.dumps([_chat(i) for i in range(6)], indent=2)
    broken = text.replace('"completion_tokens": 13,', '"completion_tokens": 13', 1)
    assert broken != text
    line = broken[: broken.index('"completion_tokens": 13')].count("\n") + 2  # the next key's line
    (logs / "replies.json").write_text(broken)
    [f] = load([logs], tmp_path / "store").files
    assert (f.status, f.rows_read, f.rows_stored, f.rows_quarantined) == ("ingested", 6, 5, 1)
    assert _stored(tmp_path / "store") == _expect(0, 1, 2, 4, 5)
    [q] = _quarantine(tmp_path / "store")
    assert q["line"] == 4
    assert q["reason"].startswith(f"the JSON document breaks here (line {line}, column ")
    assert "Expecting ',' delimiter" in q["reason"]
    assert f.message is not None and "replies.json is a JSON document that breaks at record 4" in f.message
    assert f"python3 -m json.tool logs/replies.json` names line {line}" in f.message.replace(str(tmp_path) + "/", "")


def test_documents_one_after_another_with_a_broken_one_and_a_cut_tail(tmp_path: Path) -> None:
    """`jq . log.jsonl` output (documents back to back) where document 2 is broken and the file
    ends inside document 5: documents 1, 3 and 4 are stored, 2 and 5 quarantined."""
    logs = tmp_path / "logs"
    logs.mkdir()
    docs = [json.dumps(_chat(i), indent=2) for i in range(1, 6)]
    docs[1] = docs[1].replace('"model":', '"model"', 1)
    docs[4] = docs[4][: len(docs[4]) // 2]
    (logs / "replies.json").write_text("\n".join(docs))
    [f] = load([logs], tmp_path / "store").files
    assert (f.status, f.rows_read, f.rows_stored, f.rows_quarantined) == ("ingested", 5, 3, 2)
    assert _stored(tmp_path / "store") == _expect(1, 3, 4)
    assert [q["line"] for q in _quarantine(tmp_path / "store")] == [2, 5]
    assert f.message is not None and "breaks at record 2 (line " in f.message and "; record 5 (line " in f.message


def test_a_one_line_array_cut_short_and_gzipped(tmp_path: Path) -> None:
    """A one-line array has no mark where a record starts: what follows its break is one broken
    stretch. Cut inside reply 3 of 0..4: replies 0-2 stored, the rest one quarantined record."""
    logs = tmp_path / "logs"
    logs.mkdir()
    text = json.dumps([_chat(i) for i in range(5)])
    with gzip.open(logs / "replies.json.gz", "wt") as fh:
        fh.write(text[: text.index('"chatcmpl-b3"') + 30])
    [f] = load([logs], tmp_path / "store").files
    assert (f.status, f.rows_read, f.rows_stored, f.rows_quarantined) == ("ingested", 4, 3, 1)
    assert _stored(tmp_path / "store") == _expect(0, 1, 2)
    assert f.message is not None and "gzip -dc" in f.message


def test_a_re_run_changes_nothing_and_the_whole_copy_replaces_the_cut_one(tmp_path: Path) -> None:
    """The cut file's rows stay as they are on a re-run; copied again whole, it is read again and
    every reply is stored once (no row of the cut copy doubled)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    whole = json.dumps([_chat(i) for i in range(4)], indent=2)
    (logs / "replies.json").write_text(whole[: len(whole) - 40])
    load([logs], tmp_path / "store")
    assert _stored(tmp_path / "store") == _expect(0, 1, 2)
    [again] = load([logs], tmp_path / "store").files
    assert again.status == "unchanged"
    assert _stored(tmp_path / "store") == _expect(0, 1, 2)
    (logs / "replies.json").write_text(whole)
    [fixed] = load([logs], tmp_path / "store").files
    assert (fixed.status, fixed.rows_stored, fixed.message) == ("replaced", 4, None)
    assert _stored(tmp_path / "store") == _expect(0, 1, 2, 3)


def test_one_broken_file_among_many_read_together(tmp_path: Path) -> None:
    """Forty three-reply arrays are read by one scan; the one whose first record is broken fails
    the scan, is read alone, and keeps its two whole records (which tell its format)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    for n in range(40):
        text = json.dumps([_chat(3 * n + k) for k in range(3)], indent=2)
        if n == 17:
            text = text.replace('"object":', '"object" :,', 1)
        (logs / f"replies-{n:02d}.json").write_text(text)
    res = load([logs], tmp_path / "store")
    assert [f.status for f in res.files] == ["ingested"] * 40
    assert sum(f.rows_stored for f in res.files) == 119
    assert _stored(tmp_path / "store") == _expect(*(i for i in range(120) if i != 51))
    [bad] = [f for f in res.files if f.message]
    assert bad.path.endswith("replies-17.json") and (bad.rows_stored, bad.rows_quarantined) == (2, 1)
