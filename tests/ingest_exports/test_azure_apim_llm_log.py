"""Azure API Management's AI gateway log (`ApiManagementGatewayLlmLog`): a request split over several
records is one request, counted once; prompt and completion text stay out of the store unless
--keep-text; the portal's localised times are read in UTC.

Hand count of tests/fixtures/ingest/azure_apim_llm_log_csv (portal export, header = line 1):
  line 2  a1f3... gpt-4o-2024-11-20   1,200 in   300 out   stored (its copy, line 9, skipped)
  line 3  b2e4... gpt-4o-mini         5,000 in   800 out   stored (streamed; lines 4 and 5, its
          SequenceNumber 1 and 2 chunks without counts, skipped: not 5,000 + 0 + 0 summed, not 3 requests)
  line 6  c3f5... chat-prod             40 in    10 out   stored (no ModelName: the deployment's name)
  line 7  PromptTokens "n/a"                               quarantined
  line 8  no counts on any record                          quarantined
  line 10 emb-FQf6 (RequestId only)     64 in     0 out   stored
  requests 4; input 1,200 + 5,000 + 40 + 64 = 6,304; output 300 + 800 + 10 + 0 = 1,110
Hand count of tests/fixtures/ingest/azure_apim_llm_log_json (az CLI array, record = line):
  record 1 gpt-4o 900 in / 150 out; record 2 o3-mini 2,000 / 600 (records 3 and 4, its chunk exported
  twice, skipped); record 5 CompletionTokens "12.5" quarantined.
  requests 2; input 900 + 2,000 = 2,900; output 150 + 600 = 750
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmcost import ingest
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
CSV = FIXTURES / "azure_apim_llm_log_csv" / "input_portal_export.csv"
JSON = FIXTURES / "azure_apim_llm_log_json" / "input_az_query.json"
SECRETS = (b"AbCdEfGhIjKlMnOpQrStUv1234", b"abcdefghijklmnopqrstuvwxyz0123456789", b"Deploy with key",
           b"Plan the migration", b"Summarise this contract")


def _totals(store: Path) -> tuple[int, int, int]:
    con = Store.open(store).connect()
    return con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens) FROM usage").fetchone()


def test_hand_counted_totals(tmp_path: Path) -> None:
    load([CSV], tmp_path / "csv")
    assert _totals(tmp_path / "csv") == (4, 6304, 1110)
    load([JSON], tmp_path / "json")
    assert _totals(tmp_path / "json") == (2, 2900, 750)


def test_text_stays_out_of_the_store_without_keep_text(tmp_path: Path) -> None:
    load([CSV, JSON], tmp_path / "s")
    files = [p for p in (tmp_path / "s").rglob("*") if p.is_file()]
    assert files
    for p in files:
        data = p.read_bytes()
        assert not any(s in data for s in SECRETS), p  # usage parts, quarantine, manifest


def test_keep_text_joins_a_requests_chunks_in_order_and_masks_secrets(tmp_path: Path) -> None:
    load([CSV], tmp_path / "s", keep_text=True)
    con = Store.open(tmp_path / "s").connect()
    text = dict(con.execute("SELECT source_line, prompt_text FROM usage").fetchall())
    response = dict(con.execute("SELECT source_line, response_text FROM usage").fetchall())
    # line 3's prompt is lines 3 and 4 (SequenceNumber 0, 1) joined: the whole JSON array again
    assert json.loads(text[3])[0]["content"] == "Summarise this contract: " + "clause; " * 20
    assert json.loads(response[3])[0]["content"] == "Done. The deploy finished without errors."  # line 5
    # line 2 and its copy (line 9): the prompt once, its key masked (llmcost.ingest.privacy)
    assert len(json.loads(text[2])) == 2
    assert "sk-proj-***wxyz" in text[2] and "AbCdEf" not in text[2]


def test_the_same_request_in_two_overlapping_exports_is_stored_once(tmp_path: Path) -> None:
    # the JSON export again, as a second file holding record 2's request with record 1 of a later
    # window: the request is one event (its CorrelationId); its counts are the largest either states
    later = json.loads(JSON.read_text())[:3]
    later[0]["CorrelationId"] = "0a9b8c7d-4444-4aaa-8bbb-000000000004"  # a new request: 900 / 150
    later[1]["CompletionTokens"] = 650  # the same request stated with 50 more output tokens
    f2 = tmp_path / "later.json"
    f2.write_text(json.dumps(later))
    load([JSON, f2], tmp_path / "s")
    con = Store.open(tmp_path / "s").connect()
    # requests 0001, 0002, 0004: input 900 + 2,000 + 900 = 3,800; output 150 + max(600, 650) + 150 = 950
    assert _totals(tmp_path / "s") == (3, 3800, 950)
    assert con.execute("SELECT count(DISTINCT event_id) FROM usage").fetchone() == (3,)


@pytest.mark.parametrize(
    "value, iso",
    [
        ("12/1/2026, 9:05:12.123 AM", "2026-12-01 09:05:12.123+00"),
        ("12/1/2026, 12:05:12 AM", "2026-12-01 00:05:12+00"),  # 12 AM is midnight
        ("12/1/2026, 12:05:12 PM", "2026-12-01 12:05:12+00"),
        ("2026-12-01T21:05:12.1234567Z", "2026-12-01 21:05:12.123456+00"),  # a KQL datetime's 7 digits
    ],
)
def test_portal_times_are_utc(tmp_path: Path, value: str, iso: str) -> None:
    f = tmp_path / "llm.csv"
    f.write_text("TimeGenerated [UTC],CorrelationId,DeploymentName,ModelName,PromptTokens,CompletionTokens\n"
                 f'"{value}",c-1,chat,gpt-4o,10,5\n')
    load([f], tmp_path / "s")
    con = Store.open(tmp_path / "s").connect()
    assert con.execute(f"SELECT ts = TIMESTAMPTZ '{iso}' FROM usage").fetchall() == [(True,)]


def test_other_apim_and_azure_files_are_not_claimed() -> None:
    # the gateway's request log (no token columns) and a cost-details export are other files
    gateway = b"TimeGenerated [UTC],CorrelationId,OperationName,ResponseCode,BackendResponseBody\n"
    cost = b"date,meterId,meterName,meterCategory,quantity,costInUsd,ResourceId\n"
    tokens_only = b"PromptTokens,CompletionTokens,TotalTokens\n1,2,3\n"
    for head in (gateway, cost, tokens_only):
        assert not [i.name for i in ingest.detect(head, "x.csv") if i.name.startswith("azure_apim")]


@pytest.mark.parametrize("value", ["13/12/2026, 09:05:12", "01/12/2026 09:05:12", "1.12.2026, 09:05:12"],
                         ids=["en-gb", "en-gb-ambiguous", "de"])
def test_a_time_that_may_be_day_first_is_quarantined_not_guessed(tmp_path: Path, value: str) -> None:
    f = tmp_path / "llm.csv"
    f.write_text("TimeGenerated [UTC],CorrelationId,DeploymentName,ModelName,PromptTokens,CompletionTokens\n"
                 f'"{value}",c-1,chat,gpt-4o,10,5\n"12/1/2026, 9:05:12 AM",c-2,chat,gpt-4o,20,7\n')
    result = load([f], tmp_path / "s")
    assert [(r.rows_stored, r.rows_quarantined) for r in result.files] == [(1, 1)]
    [q] = [json.loads(line) for p in (tmp_path / "s" / "quarantine").glob("*.jsonl")
           for line in p.read_text().splitlines()]
    assert q["line"] == 2 and "en-US form" in q["reason"]


def test_a_query_result_longer_than_the_head_is_detected(tmp_path: Path) -> None:
    # 40 records of 4 KB messages: the head (64 KB) ends inside the array
    first = json.loads(JSON.read_text())[0]
    recs = [first | {"CorrelationId": f"c-{i}", "RequestMessages": "x" * 4096} for i in range(40)]
    f = tmp_path / "big.json"
    f.write_text(json.dumps(recs))
    result = load([f], tmp_path / "s")
    # 40 requests of 900 in / 150 out: 36,000 and 6,000
    assert [(r.ingestor, r.rows_stored) for r in result.files] == [("azure_apim_llm_log_json", 40)]
    assert _totals(tmp_path / "s") == (40, 36000, 6000)
