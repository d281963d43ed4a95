"""Format cases beyond the shared fixtures: several spans per line, legacy Codex totals, bare
LiteLLM arrays, long first lines, a Langfuse export without its traces file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from llmcost import ingest
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"


def _rows(store: Path, sql: str = "SELECT * FROM usage ORDER BY source_line, ts") -> list[dict]:
    con = Store.open(store).connect()
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _attr(k: str, v: object) -> dict:
    return {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}


def test_otel_line_with_two_chat_spans_and_an_agent_span(tmp_path: Path) -> None:
    def span(sid: str, op: str, inp: int, out: int) -> dict:
        return {"traceId": "ab" * 16, "spanId": sid, "name": op, "kind": 3,
                "startTimeUnixNano": "1791633600000000000", "endTimeUnixNano": "1791633601000000000",
                "attributes": [_attr("gen_ai.operation.name", op), _attr("gen_ai.provider.name", "openai"),
                               _attr("gen_ai.request.model", "gpt-4.1-mini"),
                               _attr("gen_ai.usage.input_tokens", inp),
                               _attr("gen_ai.usage.output_tokens", out)]}
    line = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [
        {"scope": {"name": "x"}, "spans": [span("01", "chat", 100, 10), span("02", "invoke_agent", 999, 99)]},
        {"scope": {"name": "y"}, "spans": [span("03", "chat", 200, 20)]}]}]}
    f = tmp_path / "spans.jsonl"
    f.write_text(json.dumps(line) + "\n")
    load([f], tmp_path / "store")
    rows = _rows(tmp_path / "store", "SELECT event_id, source_line, input_tokens, output_tokens, cache_known "
                                     "FROM usage ORDER BY event_id")
    # OpenAI-style spans without cache attributes: input as stated, cache unknown; the agent span is dropped
    assert [(r["event_id"][-2:], r["source_line"], r["input_tokens"], r["output_tokens"], r["cache_known"])
            for r in rows] == [("01", 1, 100, 10, False), ("03", 1, 200, 20, False)]


def test_codex_legacy_running_totals_are_differenced(tmp_path: Path) -> None:
    sid = "legacy-1"
    def count(ts: str, i: int, c: int, o: int, r: int) -> dict:
        usage = {"input_tokens": i, "cached_input_tokens": c, "output_tokens": o,
                 "reasoning_output_tokens": r, "total_tokens": i + o}
        return {"timestamp": ts, "type": "event_msg",
                "payload": {"type": "token_count", "info": {"total_token_usage": usage}}}

    lines = [
        {"timestamp": "2026-10-08T10:00:00Z", "type": "session_meta", "payload": {"id": sid}},
        count("2026-10-08T10:00:01Z", 1000, 0, 100, 10),
        count("2026-10-08T10:00:05Z", 2300, 896, 150, 10),
    ]
    f = tmp_path / "rollout-legacy.jsonl"
    f.write_text("".join(json.dumps(x) + "\n" for x in lines))
    load([f], tmp_path / "store")
    got = [(r["input_tokens"], r["cache_read_tokens"], r["output_tokens"], r["reasoning_tokens"], r["model"])
           for r in _rows(tmp_path / "store")]
    # by hand: call 2 = totals minus call 1: input 1300 of which 896 cached, output 50, reasoning 0
    assert got == [(1000, 0, 100, 10, "gpt-5"), (404, 896, 50, 0, "gpt-5")]


def test_litellm_bare_array(tmp_path: Path) -> None:
    pages = (FIXTURES / "litellm_spend_logs_json" / "input_spend_logs_v2.json").read_text().splitlines()
    records = [r for p in pages for r in json.loads(p)["data"]]
    f = tmp_path / "spend_logs.json"
    f.write_text(json.dumps(records, indent=2))
    assert [i.name for i in ingest.detect(f.read_bytes()[:65536], str(f))] == ["litellm_spend_logs_json"]
    result = load([f], tmp_path / "store")
    r = result.files[0]
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (5, 4, 1)


def test_claude_code_first_line_longer_than_the_head(tmp_path: Path) -> None:
    src = (FIXTURES / "claude_code_jsonl" / "input_session.jsonl").read_text().splitlines()
    big = json.loads(src[1])
    big["message"]["content"] = "x" * 100_000  # a pasted file in the first user message
    f = tmp_path / "projects" / "p" / "s.jsonl"
    f.parent.mkdir(parents=True)
    f.write_text(json.dumps(big) + "\n" + "\n".join(src[2:]) + "\n")
    assert [i.name for i in ingest.detect(f.read_bytes()[:65536], str(f))] == ["claude_code_jsonl"]
    result = load([tmp_path / "projects"], tmp_path / "store")
    assert (result.files[0].rows_stored, result.files[0].rows_duplicate) == (3, 2)


def test_langfuse_without_traces_export_has_no_session(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "langfuse_observations_jsonl" / "input_observations.jsonl", tmp_path / "obs.jsonl")
    load([tmp_path / "obs.jsonl"], tmp_path / "store")
    rows = _rows(tmp_path / "store")
    assert len(rows) == 3 and all(r["conversation_id"] is None for r in rows)
