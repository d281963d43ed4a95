"""Values no source can mean are quarantined with file, line and reason, never stored changed: a UTC
offset no time zone has, a token count that is not a whole number, a main token count stated as
null (not reported, so unknown: not 0). Expected values are by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from llmcost.ingest import ts_sql
from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _line(i: int, ts: str, prompt: str) -> str:
    return (f'{{"ts":"{ts}","session_id":"k","response":{{"id":"chatcmpl-{i}","object":"chat.completion",'
            f'"model":"gpt-4o-mini-2024-07-18","usage":{{"prompt_tokens":{prompt},"completion_tokens":1}}}}}}')


def _quarantine(store: Path) -> list[dict]:
    return [json.loads(x) for q in sorted((store / "quarantine").glob("*.jsonl")) for x in q.read_text().splitlines()]


def test_openai_lines_with_impossible_values_are_quarantined(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "app.jsonl"
    log.parent.mkdir()
    lines = [
        _line(1, "2026-10-05T09:00:00+25:00", "1000"),   # no zone is 25 hours from UTC
        _line(2, "2026-10-05T09:00:01Z", "1000.7"),      # a fraction of a token
        _line(3, "2026-10-05T09:00:02Z", "null"),        # not reported
        _line(4, "2026-10-05T09:00:03Z", "1000.0"),      # a whole number written as a float: 1000
        _line(5, "2026-10-05T09:00:04+14:00", "7"),      # Kiribati: 09:00:04 - 14 h = 2026-10-04 19:00:04Z
        _line(6, "2026-10-05T09:00:05-03:30", "8"),      # Newfoundland: 09:00:05 + 3.5 h = 12:30:05Z
        _line(7, "2026-10-05T09:00:06+05:75", "9"),      # no offset has 75 minutes
    ]
    log.write_text("\n".join(lines) + "\n")
    store = tmp_path / "store"
    [f] = load([log.parent], store).files
    assert (f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined) == (7, 3, 0, 4)
    q = {e["line"]: e for e in _quarantine(store)}
    assert sorted(q) == [1, 2, 3, 7]
    assert all(e["file"] == str(log) for e in q.values())
    assert q[1]["reason"] == "timestamp with an impossible UTC offset: 2026-10-05T09:00:00+25:00"
    assert "non-integer" in q[2]["reason"]
    assert q[3]["reason"].startswith("usage.prompt_tokens is null or missing (not reported)")
    assert q[7]["reason"] == "timestamp with an impossible UTC offset: 2026-10-05T09:00:06+05:75"
    con = Store.open(store).connect()
    got = con.execute("SELECT source_line, ts, input_tokens FROM usage ORDER BY source_line").fetchall()
    assert [(r[0], r[1].astimezone(UTC), r[2]) for r in got] == [
        (4, datetime(2026, 10, 5, 9, 0, 3, tzinfo=UTC), 1000),
        (5, datetime(2026, 10, 4, 19, 0, 4, tzinfo=UTC), 7),
        (6, datetime(2026, 10, 5, 12, 30, 5, tzinfo=UTC), 8),
    ]


def test_gemini_fractional_count_is_quarantined_not_rounded(tmp_path: Path) -> None:
    body = {"ts": "2026-10-05T09:00:00Z", "response": {
        "candidates": [{"content": {"parts": [{"text": "x"}], "role": "model"}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 10.5, "candidatesTokenCount": 2, "totalTokenCount": 12.5},
        "modelVersion": "gemini-2.5-flash", "responseId": "r-1"}}
    whole = json.loads(json.dumps(body))
    whole["response"]["usageMetadata"].update(promptTokenCount=10.0, totalTokenCount=12.0)
    whole["response"]["responseId"] = "r-2"
    log = tmp_path / "logs" / "gemini.jsonl"
    log.parent.mkdir()
    log.write_text(json.dumps(body) + "\n" + json.dumps(whole) + "\n")
    store = tmp_path / "store"
    [f] = load([log.parent], store).files
    assert (f.rows_read, f.rows_stored, f.rows_quarantined) == (2, 1, 1)
    [e] = _quarantine(store)
    assert e["line"] == 1 and "non-integer" in e["reason"]
    con = Store.open(store).connect()
    assert con.execute("SELECT sum(input_tokens), sum(output_tokens) FROM usage").fetchone() == (10, 2)


def test_ts_sql_offsets() -> None:
    cases = {
        "2026-10-05T09:00:00+25:00": None,
        "2026-10-05T09:00:00-15:00": None,
        "2026-10-05T09:00:00+0560": None,
        "2026-10-05T09:00:00+14:00": datetime(2026, 10, 4, 19, 0, tzinfo=UTC),
        "2026-10-05T09:00:00-12:00": datetime(2026, 10, 5, 21, 0, tzinfo=UTC),
        "2026-10-05T09:00:00+0530": datetime(2026, 10, 5, 3, 30, tzinfo=UTC),
        "2026-10-05 09:00:00.123456789-03:00": datetime(2026, 10, 5, 12, 0, 0, 123456, tzinfo=UTC),
        "2026-10-05T09:00:00Z": datetime(2026, 10, 5, 9, 0, tzinfo=UTC),
        "2026-10-05": datetime(2026, 10, 5, tzinfo=UTC),
    }
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for text, want in cases.items():
        (got,) = con.execute(f"SELECT {ts_sql('x')} FROM (SELECT ?::VARCHAR AS x)", [text]).fetchone()
        assert (got.astimezone(UTC) if got else None) == want, text
