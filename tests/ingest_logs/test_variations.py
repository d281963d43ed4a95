"""Variants real users produce of the API-body and agent-log formats (a line that is not JSON,
a main token count null or left out): every line is stored, a duplicate, skipped or quarantined
with its line and reason, never lost and never stored as 0. Expected values are by hand."""

from __future__ import annotations

import json
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _quarantine(store: Path) -> dict[int, str]:
    return {e["line"]: e["reason"] for q in sorted((store / "quarantine").glob("*.jsonl"))
            for e in map(json.loads, q.read_text().splitlines())}


def _sums(store: Path) -> tuple[int, int, int]:
    con = Store.open(store).connect()
    row = con.execute("SELECT sum(input_tokens), sum(output_tokens), sum(cache_read_tokens) FROM usage").fetchone()
    assert row is not None
    return row


def test_a_short_chat_file_whose_first_line_is_not_json_keeps_its_good_line(tmp_path: Path) -> None:
    # line 1: `"prompt_tokens":abc` unquoted, so not JSON; line 2 a good body. The format was told by
    # the head's lines but the last one, kept back as maybe cut: nothing was left, the whole file
    # was "no known format" and its good line lost.
    log = tmp_path / "logs" / "chat.jsonl"
    log.parent.mkdir()
    body = '{"id":"chatcmpl-%d","object":"chat.completion","created":1767225600,"model":"gpt-4o","usage":%s}'
    log.write_text(body % (1, '{"prompt_tokens":abc,"completion_tokens":30}') + "\n"
                   + body % (2, '{"prompt_tokens":5,"completion_tokens":7}') + "\n")
    store = tmp_path / "store"
    [f] = load([log.parent], store).files
    assert (f.status, f.ingestor) == ("ingested", "openai_response_jsonl")
    # read 2 = stored 1 (line 2) + quarantined 1 (line 1)
    assert (f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined) == (2, 1, 0, 1)
    assert _quarantine(store) == {1: "not valid JSON"}
    assert _sums(store) == (5, 7, 0)  # line 2 alone: input 5 (no cache), output 7
