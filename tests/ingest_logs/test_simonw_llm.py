"""simonw/llm logs.db: each plugin's token convention, as its `token_details` shows it (issue 20)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _db(path: Path, rows: list[tuple[str, str, int, int, dict | None]]) -> None:
    """A logs.db with the columns llm 0.31 writes (llm/migrations.py) and the given responses."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE _llm_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    db.execute("INSERT INTO _llm_migrations VALUES ('m001_initial', '2026-10-01'), ('m013_usage', '2026-10-01')")
    db.execute(
        "CREATE TABLE responses (id TEXT PRIMARY KEY, model TEXT, prompt TEXT, response TEXT, conversation_id TEXT, "
        "duration_ms INTEGER, datetime_utc TEXT, input_tokens INTEGER, output_tokens INTEGER, token_details TEXT, "
        "resolved_model TEXT)"
    )
    for i, (rid, model, inp, out, details) in enumerate(rows):
        db.execute(
            "INSERT INTO responses VALUES (?, ?, 'q', 'a', 'c1', 10, ?, ?, ?, ?, NULL)",
            (rid, model, f"2026-10-13T10:0{i}:00+00:00", inp, out, json.dumps(details) if details else None),
        )
    db.commit()
    db.close()


def test_openai_cache_writes_leave_input_and_anthropic_writes_stay_beside_it(tmp_path: Path) -> None:
    f = tmp_path / "logs.db"
    _db(f, [
        # OpenAI plugin: 4,020 prompt tokens of which 4,012 written to the cache (the real llm 0.36
        # row in real-samples/simonw_llm): uncached 8, cache write 4,012
        ("r1", "gpt-5.6-sol", 4020, 4, {"prompt_tokens_details": {"cache_write_tokens": 4012}}),
        # the next call reads them back: uncached 8, cache read 4,012
        ("r2", "gpt-5.6-sol", 4020, 4, {"prompt_tokens_details": {"cached_tokens": 4012}}),
        # both parts on one row: 100 - 30 read - 50 written = 20 uncached
        ("r3", "gpt-5.6-sol", 100, 1, {"prompt_tokens_details": {"cached_tokens": 30, "cache_write_tokens": 50}}),
        # llm-anthropic: input_tokens is already uncached, the cache counts sit beside it
        ("r4", "claude-sonnet-4.5", 12, 200, {"cache_creation_input_tokens": 3000, "cache_read_input_tokens": 0}),
    ])
    result = load([f], tmp_path / "store", source="simonw_llm_logs_sqlite")
    assert [r.status for r in result.files] == ["ingested"]
    con = Store.open(tmp_path / "store").connect()
    rows = con.execute(
        "SELECT event_id, input_tokens, cache_read_tokens, cache_write_tokens, cache_known FROM usage ORDER BY event_id"
    ).fetchall()
    assert rows == [
        ("r1", 8, 0, 4012, True),
        ("r2", 8, 4012, 0, True),
        ("r3", 20, 30, 50, True),
        ("r4", 12, 0, 3000, True),
    ]


def test_gemini_rows_subtract_their_cached_tokens_and_state_their_thoughts(tmp_path: Path) -> None:
    # llm-gemini (simonw/llm-gemini `set_usage`): input_tokens = promptTokenCount (+ toolUsePromptTokenCount),
    # which INCLUDES cachedContentTokenCount; output_tokens = candidatesTokenCount + thoughtsTokenCount;
    # token_details = the rest of usageMetadata. Before, the cached tokens stayed in the uncached
    # input and the thoughts were no reasoning.
    f = tmp_path / "logs.db"
    _db(f, [
        # 10,000 prompt of which 8,192 cached: 1,808 uncached; output 1,300 = 300 + 1,000 thoughts
        ("g1", "gemini-2.5-pro", 10000, 1300, {"candidatesTokenCount": 300, "thoughtsTokenCount": 1000,
                                               "cachedContentTokenCount": 8192,
                                               "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 10000}]}),
        # no cache: Gemini omits a zero count, so none is 0 cached (known); no thoughts
        ("g2", "gemini-2.5-flash", 50, 7, {"candidatesTokenCount": 7,
                                           "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 50}]}),
    ])
    result = load([f], tmp_path / "store", source="simonw_llm_logs_sqlite")
    assert [r.status for r in result.files] == ["ingested"]
    rows = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, input_tokens, cache_read_tokens, output_tokens, reasoning_tokens, cache_known "
        "FROM usage ORDER BY event_id").fetchall()
    assert rows == [("g1", 1808, 8192, 1300, 1000, True), ("g2", 50, 0, 7, 0, True)]
