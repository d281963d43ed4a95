"""Rows a built-in format gives no id (docs/reliability.md, "Rows without ids"): two identical lines
are two requests, and reading the file again (unchanged, touched, grown) changes no total.

Expected counts are by hand: each line below is one request of 50 input and 1 output tokens (the
OpenAI body) or 10 input and 2 output tokens (the Gemini body).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

OPENAI = ('{"ts":"2026-10-05T09:00:00Z","session_id":"k","response":{"object":"chat.completion",'
          '"model":"gpt-4o-mini-2024-07-18","usage":{"prompt_tokens":50,"completion_tokens":1}}}')
GEMINI = ('{"ts":"2026-10-05T09:00:00Z","session_id":"k","response":{"candidates":[{"content":{"parts":'
          '[{"text":"x"}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":10,'
          '"candidatesTokenCount":2,"totalTokenCount":12},"modelVersion":"gemini-2.5-flash"}}')


def _totals(store: Path) -> tuple[int, int, int]:
    """(rows, input tokens, output tokens) of the live rows."""
    con = Store.open(store).connect()
    n, inp, out = con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens) FROM usage").fetchone()
    return int(n), int(inp or 0), int(out or 0)


def _counts(result: object) -> tuple[int, int, int, int]:
    files = result.files  # type: ignore[attr-defined]
    return (sum(f.rows_read for f in files), sum(f.rows_stored for f in files),
            sum(f.rows_duplicate for f in files), sum(f.rows_quarantined for f in files))


def _identical(tmp_path: Path, name: str, line: str, n: int, totals: tuple[int, int, int]) -> tuple[Path, Path]:
    """`n` copies of `line` in logs/`name`, ingested twice: `n` stored rows with `totals` both times
    (the second read of the unchanged file moves nothing). Returns (log, store)."""
    log = tmp_path / "logs" / name
    log.parent.mkdir()
    log.write_text((line + "\n") * n)
    store = tmp_path / "store"
    assert _counts(load([log.parent], store)) == (n, n, 0, 0)
    assert _totals(store) == totals
    load([log.parent], store)
    assert _totals(store) == totals
    return log, store


def test_identical_openai_lines_without_ids_are_each_a_request(tmp_path: Path) -> None:
    log, store = _identical(tmp_path, "app.jsonl", OPENAI, 5, (5, 5 * 50, 5 * 1))
    # touched (new modification time, same bytes): read again if need be, the same ids
    st = log.stat()
    os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    load([log.parent], store)
    assert _totals(store) == (5, 250, 5)
    # grown by one identical line: 6 requests, the first five not counted twice
    with log.open("a") as fh:
        fh.write(OPENAI + "\n")
    load([log.parent], store)
    assert _totals(store) == (6, 300, 6)


def test_identical_gemini_bodies_without_response_id_are_each_a_request(tmp_path: Path) -> None:
    _identical(tmp_path, "gemini.jsonl", GEMINI, 3, (3, 3 * 10, 3 * 2))


def test_rows_with_ids_still_deduplicate(tmp_path: Path) -> None:
    line = json.loads(OPENAI)
    line["response"]["id"] = "chatcmpl-same"
    log = tmp_path / "logs" / "app.jsonl"
    log.parent.mkdir()
    log.write_text((json.dumps(line) + "\n") * 3)
    # the same id three times is one request, and its copy in another file is the same request
    (tmp_path / "logs" / "copy.jsonl").write_text(json.dumps(line) + "\n")
    store = tmp_path / "store"
    assert _counts(load([log.parent], store)) == (4, 1, 3, 0)
    assert _totals(store) == (1, 50, 1)
