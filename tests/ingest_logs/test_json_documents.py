"""Request logs saved as one JSON document instead of JSON lines.

Real users save API replies as `curl ... | jq . > reply.json` (one body pretty-printed), dump a
list of replies with `json.dump(replies, f, indent=2)` (a JSON array), run `jq . log.jsonl >
pretty.json` (the documents pretty-printed one after another), or export with `bq query
--format=prettyjson`. The line formats read such a file record by record (`ingest.json_document`,
`lines_sql`): before, each was "no known format" with a `jq -c` command to run first.

Expected values: the same records written as JSON lines, read by the line path that the format
fixtures pin (tests/test_formats.py), and hand-counted sums.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from llmcost import ingest
from llmcost.ingest.loader import load
from llmcost.storage.schema import COSTS_COLUMNS, USAGE_COLUMNS
from llmcost.storage.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"

# The fixtures' JSON-lines request logs whose records a user may hold as one document. Each keeps
# its file name (some formats are told by it) and its sibling files (a batch object, a traces file).
LINE_FORMATS = {
    "openai_response_jsonl": "input.jsonl",
    "anthropic_message_jsonl": "input.jsonl",
    "gemini_generate_content_jsonl": "input.jsonl",
    "openai_stream_jsonl": "input.jsonl",
    "anthropic_stream_jsonl": "input.jsonl",
    "aws_bedrock_invocation_jsonl": "input.jsonl",
    "helicone_export_jsonl": "input_export.jsonl",
    "portkey_logs_export_jsonl": "input.jsonl",
    "litellm_standard_payload_json": "input.jsonl",
    "openai_batch_output_jsonl": "input_batch_output.jsonl",
    "anthropic_batch_results_jsonl": "input_msgbatch_01AbC_results.jsonl",
    "otel_genai_spans_jsonl": "input_spans.jsonl",
    "openinference_spans_jsonl": "input_spans.jsonl",
    "gcp_billing_export_jsonl": "input.jsonl",
}
# Columns that name where a row came from, not what it says: a record's line differs between
# the JSON-lines file and the document, and an id-less record's event id is made from its file
# and line.
WHERE = {"event_id", "source_file", "source_line"}


def _records(path: Path) -> list[Any]:
    """The file's records that are JSON (a broken line has no place in a document)."""
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def _rows(store: Path, fmt: str) -> list[tuple[Any, ...]]:
    """The rows the format stored (usage, or costs for a billing export), where they came from left out."""
    table = ingest.get(fmt).table
    cols = ", ".join(c.name for c in (USAGE_COLUMNS if table == "usage" else COSTS_COLUMNS) if c.name not in WHERE)
    con = Store.open(store).connect()
    return sorted(con.execute(f"SELECT {cols} FROM {table}").fetchall(), key=repr)


def _copy(fmt: str, name: str, body: str, dest: Path) -> Path:
    """The fixture folder of `fmt` at `dest`, its file `name` holding `body`."""
    shutil.copytree(FIXTURES / fmt, dest, ignore=shutil.ignore_patterns("expected.jsonl"))
    (dest / name).write_text(body)
    return dest


@pytest.mark.parametrize("fmt", sorted(LINE_FORMATS))
def test_a_log_saved_as_a_json_document_stores_what_its_lines_store(fmt: str, tmp_path: Path) -> None:
    name = LINE_FORMATS[fmt]
    recs = _records(FIXTURES / fmt / name)
    lines = "".join(json.dumps(r) + "\n" for r in recs)
    forms = {
        "lines": lines,
        "array": json.dumps(recs, indent=2) + "\n",
        "pretty": "".join(json.dumps(r, indent=2) + "\n" for r in recs),  # what `jq .` writes
        "one_line_array": json.dumps(recs),
    }
    got = {}
    for form, body in forms.items():
        logs = _copy(fmt, name, body, tmp_path / form / "logs")
        res = load([logs], tmp_path / form / "store")
        [f] = [f for f in res.files if Path(f.path).name == name]
        assert (f.status, f.ingestor) == ("ingested", fmt), (form, f)
        assert f.rows_read == f.rows_stored + f.rows_duplicate + f.rows_skipped + f.rows_quarantined
        counts = (f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined)
        got[form] = (*counts, _rows(tmp_path / form / "store", fmt))
    assert got["lines"][4], f"{fmt}: the fixture stores no row"
    for form in ("array", "pretty", "one_line_array"):
        assert got[form] == got["lines"], f"{fmt} as {form}"


def _chat(i: int, prompt: int, cached: int, completion: int) -> dict[str, Any]:
    return {"id": f"chatcmpl-{i}", "object": "chat.completion", "created": 1793696400 + 60 * i,
            "model": "gpt-4o-mini-2024-07-18", "choices": [{"index": 0, "message": {"role": "assistant",
                                                                                     "content": "ok"}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                      "prompt_tokens_details": {"cached_tokens": cached}}}


def _sums(store: Path) -> tuple[int, int, int, int]:
    row = Store.open(store).connect().execute(
        "SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(output_tokens) FROM usage").fetchone()
    assert row is not None
    return row


def test_thousands_of_small_pretty_printed_replies_and_one_cut_short(tmp_path: Path) -> None:
    """Many one-reply files are read together (one scan over the list); a file cut short is named,
    and the others are stored. Reply i: prompt 1000 + i of which 512 cached, completion 10 + i, so
    over i = 0..59: input sum(488 + i) = 60 x 488 + 1,770 = 31,050, cache read 60 x 512 = 30,720,
    output 60 x 10 + 1,770 = 2,370. The array cut in its second record keeps its first (prompt
    5,000, none cached, completion 500): 61 requests, input 36,050, output 2,870."""
    logs = tmp_path / "logs" / "replies ü [2026]"
    logs.mkdir(parents=True)
    for i in range(60):
        (logs / f"reply-{i:03d}.json").write_text(json.dumps(_chat(i, 1000 + i, 512, 10 + i), indent=2))
    # cut before its usage: nothing tells its format; cut in its second record, after the first
    # one's usage: read as replies, DuckDB's parse of the whole document fails, and the records
    # before the cut are read (llmcost.ingest.salvage), the cut one quarantined
    cut = json.dumps(_chat(99, 5000, 0, 500), indent=2)
    (logs / "reply-cut.json").write_text(cut[: len(cut) // 2])
    two = json.dumps([_chat(100, 5000, 0, 500), _chat(101, 5000, 0, 500)], indent=2)
    (logs / "replies-cut.json").write_text(two[: len(two) * 3 // 4])
    res = load([tmp_path / "logs"], tmp_path / "store")
    status = {Path(f.path).name: f.status for f in res.files}
    assert sorted(status.values()) == ["ingested"] * 61 + ["unrecognised"]
    assert status["reply-cut.json"] == "unrecognised"
    msg = {Path(f.path).name: f.message or "" for f in res.files}
    assert "is a JSON document cut short: it breaks before" in msg["reply-cut.json"]
    assert "Fix: " in msg["reply-cut.json"]
    [cut_two] = [f for f in res.files if Path(f.path).name == "replies-cut.json"]
    assert (cut_two.rows_read, cut_two.rows_stored, cut_two.rows_quarantined) == (2, 1, 1)
    assert "replies-cut.json is a JSON document that breaks at record 2" in msg["replies-cut.json"]
    assert _sums(tmp_path / "store") == (61, 36_050, 30_720, 2_870)
    again = load([tmp_path / "logs"], tmp_path / "store")  # a re-run changes no total
    assert sorted(f.status for f in again.files) == ["unchanged"] * 61 + ["unrecognised"]
    assert _sums(tmp_path / "store") == (61, 36_050, 30_720, 2_870)


def test_a_record_of_an_array_without_usage_is_quarantined_at_its_index(tmp_path: Path) -> None:
    """Records 1 and 3 are replies (input 1,200 - 1,024 = 176 and 300 - 0 = 300; output 300 + 20);
    record 2 is an error body with no usage: quarantined at 2, the record's index in the array."""
    logs = tmp_path / "logs"
    logs.mkdir()
    error = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
    recs = [_chat(1, 1200, 1024, 300), error, _chat(3, 300, 0, 20)]
    with gzip.open(logs / "replies.json.gz", "wt") as fh:  # and gzip'd, as a log rotation leaves it
        json.dump(recs, fh, indent=2)
    [f] = load([logs], tmp_path / "store").files
    assert (f.status, f.rows_read, f.rows_stored, f.rows_quarantined) == ("ingested", 3, 2, 1)
    q = [json.loads(x) for p in sorted((tmp_path / "store" / "quarantine").glob("*.jsonl"))
         for x in p.read_text().splitlines()]
    assert [e["line"] for e in q] == [2]
    assert _sums(tmp_path / "store") == (2, 476, 1024, 320)


def test_a_pretty_printed_body_and_the_same_body_in_lines_are_one_request(tmp_path: Path) -> None:
    """The same reply saved twice, once pretty-printed and once in a JSON-lines log: one request,
    one duplicate (its id is the provider's, wherever the record is)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    body = _chat(7, 2000, 1024, 100)
    (logs / "reply.json").write_text(json.dumps(body, indent=2))
    (logs / "log.jsonl").write_text(json.dumps(body) + "\n" + json.dumps(_chat(8, 100, 0, 5)) + "\n")
    res = load([logs], tmp_path / "store")
    assert sum(f.rows_read for f in res.files) == 3 and sum(f.rows_duplicate for f in res.files) == 1
    assert _sums(tmp_path / "store") == (2, 976 + 100, 1024, 105)


def test_a_json_lines_file_whose_only_line_is_cut_says_so(tmp_path: Path) -> None:
    """A one-line log cut inside its first record: nothing in it tells its format, and the message
    says what it is rather than "no known format"; a good log beside it lands."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "cut.jsonl").write_text(json.dumps(_chat(1, 100, 0, 5))[:40])
    (logs / "good.jsonl").write_text(json.dumps(_chat(2, 100, 0, 5)) + "\n")
    res = load([logs], tmp_path / "store")
    got = {Path(f.path).name: f for f in res.files}
    assert (got["cut.jsonl"].status, got["good.jsonl"].status) == ("unrecognised", "ingested")
    assert "is JSON lines none of which is a whole record" in (got["cut.jsonl"].message or "")
    assert _sums(tmp_path / "store") == (1, 100, 0, 5)
