"""Variants real users produce of the API-body and agent-log formats (a line that is not JSON,
a main token count null or left out): every line is stored, a duplicate, skipped or quarantined
with its line and reason, never lost and never stored as 0. Expected values are by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.ingest import INPUT_NOT_REPORTED
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


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


# (fixture file, the main input count as written, as null or left out, the record quarantined,
# the input and output sums then)
NULL_INPUT = [
    # anthropic: input 40 + 55 + 900 (line 3 has no time: quarantined) = 995; less line 1 = 55 + 900;
    # output 210 + 400 + 50 = 660; less line 1 = 450
    ("anthropic_message_jsonl/input.jsonl", '"input_tokens": 40', '"input_tokens": null', 1, (955, 450)),
    # openai batch: (1200 - 1024 cached) + 900 + 50 = 1126; less line 1 = 900 + 50; output 390 - 80
    ("openai_batch_output_jsonl/input_batch_output.jsonl", '"prompt_tokens":1200', '"prompt_tokens":null', 1,
     (950, 310)),
    # gemini: 1800 + (2450 - 1024) + (2900 - 2048 + 100) = 4178; less line 1 = 1426 + 952;
    # output (220 + 400 thoughts) + 180 + (300 + 150) = 1250; less line 1 = 630
    ("gemini_generate_content_jsonl/input.jsonl", '"promptTokenCount":1800,', '', 1, (2378, 630)),
    # bedrock: 412 + 30 + 2200 = 2642; less line 1 = 2230; output 350 + 120 + 640 = 1110; less 350 = 760
    ("aws_bedrock_invocation_jsonl/input.jsonl", '"inputTokenCount": 412', '"inputTokenCount": null', 1,
     (2230, 760)),
    # gemini cli: (12840 - 0 + 0) + (15310 - 11904 + 35) = 16281; less message 2 = 3441;
    # output (210 + 388) + (540 + 1020) = 2158; less message 2 = 1560
    ("gemini_cli_session_json/input_session-2026-10-06T09-15-0a1b2c3d.json", '"input": 12840', '"input": null', 2,
     (3441, 1560)),
    # copilot: line 4's sonnet bucket is 152340 - 139776 - 12050 = 514 uncached input, 2210 output;
    # the fixture's totals 2770 and 3160 (expected.jsonl) less those
    ("copilot_cli_events_jsonl/input_events.jsonl", '"inputTokens":152340', '"inputTokens":null', 4,
     (2770 - 514, 3160 - 2210)),
    # amp: message 2 (input 12) of the current thread; left: 8 + 1520 input, 1290 + 96 output
    ("amp_thread_json/input_T-7f3c9a1e-2b4d-4c8e-9f01-5a6b7c8d9e0f.json", '"inputTokens":12,', '"inputTokens":null,',
     2, (1528, 1386)),
    # droid: the file's one session total, so nothing is stored
    ("droid_session_settings_json/input_4b0f6c2e-8d1a-4f3b-9c5e-1a2b3c4d5e6f.settings.json", '"inputTokens":1842,',
     '"inputTokens":null,', 1, (None, None)),
    # opencode: the file's one message, so nothing is stored
    ("opencode_message_json/input_msg_a.json", '"input": 1200', '"input": null', 1, (None, None)),
    # anthropic stream: message_start of msg_1 states input 25 of the total 25 + 15 = 40; its
    # message_delta (output 150 of 150 + 42 + 1 = 193) does not restate the input, so the message
    # is quarantined whole (its delta was stored alone, with input and cache write 0)
    ("anthropic_stream_jsonl/input.jsonl", '"input_tokens": 25', '"input_tokens": null', 1, (15, 43)),
]


@pytest.mark.parametrize(("fixture", "old", "new", "line", "sums"), NULL_INPUT,
                         ids=[c[0].split("/")[0] for c in NULL_INPUT])
def test_a_null_or_missing_input_count_is_quarantined_not_stored_as_0(
    tmp_path: Path, fixture: str, old: str, new: str, line: int, sums: tuple[int | None, int | None]
) -> None:
    text = (FIXTURES / fixture).read_text()
    assert old in text
    log = tmp_path / "logs" / Path(fixture).name
    log.parent.mkdir()
    log.write_text(text.replace(old, new, 1))
    store = tmp_path / "store"
    [f] = load([log.parent], store).files
    assert _quarantine(store)[line] == INPUT_NOT_REPORTED
    assert f.rows_read == f.rows_stored + f.rows_duplicate + f.rows_skipped + f.rows_quarantined
    assert _sums(store)[:2] == sums


def test_a_bucket_with_more_tokens_than_its_requests_can_hold_is_quarantined(tmp_path: Path) -> None:
    # Copilot CLI's line 4 states 7 requests; 9,999,999,999,999 input tokens is 1.4e12 a request,
    # over the 100M a request can hold, though under the bucket limit (1e15). Uncached input
    # 9999999999999 - 139776 - 12050 = 9999999848173. Stored before: input 2770 - 514 + that.
    fixture = FIXTURES / "copilot_cli_events_jsonl" / "input_events.jsonl"
    log = tmp_path / "logs" / fixture.name
    log.parent.mkdir()
    log.write_text(fixture.read_text().replace('"inputTokens":152340', '"inputTokens":9999999999999', 1))
    store = tmp_path / "store"
    load([log.parent], store)
    assert _quarantine(store)[4] == "implausible input_tokens: 9999999848173 for 7 requests"
    assert _sums(store)[:2] == (2770 - 514, 3160 - 2210)  # the fixture's totals less line 4's sonnet bucket


def test_a_mapping_without_an_input_column_keeps_its_rows(tmp_path: Path) -> None:
    """A user's `--map` that maps output tokens and no input states no input at all: its rows are
    read with their output (2 rows, 100 + 200 = 300 output tokens), not quarantined as an input not
    reported; with an input column mapped, the row leaving it empty is (1 stored, 1 quarantined)."""
    f = tmp_path / "out.csv"
    f.write_text("ts,model,prompt,completion\n2026-10-01T00:00:00Z,gpt-4o,,100\n2026-10-02T00:00:00Z,gpt-4o,5,200\n")
    base = ["ingest", str(f), "--map", "ts=ts", "--map", "model=model", "--map", "output_tokens=completion", "-q"]
    res = CliRunner().invoke(app, [*base, "--store", str(tmp_path / "s1")])
    assert res.exit_code == 0, res.output
    con = Store.open(tmp_path / "s1").connect()
    assert con.execute("SELECT count(*), sum(output_tokens) FROM usage").fetchone() == (2, 300)
    res = CliRunner().invoke(app, [*base, "--map", "input_tokens=prompt", "--store", str(tmp_path / "s2")])
    assert res.exit_code == 0, res.output
    con = Store.open(tmp_path / "s2").connect()
    assert con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens) FROM usage").fetchone() == (1, 5, 200)


def test_a_map_naming_a_column_the_csv_lacks_says_which_and_how_to_fix(tmp_path: Path) -> None:
    # `--map provider=openai` meant a constant; DuckDB read it as a column: "Binder Error:
    # Referenced column "openai" not found", with "check the file is complete" as the fix
    f = tmp_path / "out.csv"
    f.write_text("ts,model,completion\n2026-10-01T00:00:00Z,gpt-4o,100\n")
    res = CliRunner().invoke(app, ["ingest", str(f), "--store", str(tmp_path / "s"), "--map", "ts=ts",
                                   "--map", "model=modle", "--map", "output_tokens=completion",
                                   "--map", "provider=openai"])
    out = " ".join(res.output.split())
    assert res.exit_code != 0 and "Traceback" not in out and "Binder Error" not in out, out
    assert "--map names column(s) the file does not have (model=modle, provider=openai)" in out, out
    assert "its columns are ts, model, completion (did you mean 'model'?)" in out, out
    assert '`provider = { value = "openai" }`' in out, out
