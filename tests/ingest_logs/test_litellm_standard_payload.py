"""LiteLLM StandardLoggingPayload files (litellm_standard_payload_json): a bucket the `s3_v2` and
`gcs_bucket` loggers filled, one small file per request in date folders, plus a callback's JSON lines.

The payloads under tests/fixtures/litellm_standard_payload/bucket/ and
tests/fixtures/ingest/litellm_standard_payload_json/input.jsonl were written by hand in the shape of
BerriAI/litellm `StandardLoggingPayload` (litellm/types/utils.py). Every expected figure below is
counted by hand from those files (formats-request-logs.md 1b; token rules of section 1: LiteLLM's
`prompt_tokens` includes the cache read and write of `metadata.usage_object`).

The files, with what each should give (input = prompt_tokens - cache read - cache write):

  bucket/litellm-logs/search/2026-10-05/ (the s3 logger: <date>/time-<hh-mm-ss-ffffff>_<id>.json)
    B1 time-09-00-00-118000_chatcmpl-B7e1c0a2.json  gpt-4o-mini, prompt 2000 (1536 cached), out 150,
       $0.000499, startTime 1791190800.118 -> 2026-10-05 09:00:00.118 UTC; input 2000 - 1536 = 464
    B2 time-09-02-30-000000_chatcmpl-0e5f6a7b.json  Claude, prompt 3012 (cache write 3000), out 200,
       $0.014286; input 3012 - 3000 = 12
    B3 time-09-05-10-250000_..._cache_hit....json    LiteLLM response-cache hit of B1: prompt 2000
       (1536 cached), out 150, $0; input 464, response_cache_hit
    B4 time-09-06-00-000000_<uuid>.json              failure (rate limit): 0 tokens, $0, stored with
       extra.status 'failure' as the spend logs keep failures
  bucket/litellm-logs/search/2026-10-06/
    B5 time-14-00-00-500000_chatcmpl-9Zq.json        Bedrock Claude, prompt 5100 (read 4000, write
       1000), out 300, $0.0081, startTime 1791295200.5; input 5100 - 4000 - 1000 = 100
    B6 time-14-01-00-000000_chatcmpl-nousage.json    prompt_tokens and completion_tokens null:
       quarantined (line 1, no token counts)
  bucket/gcs/2026-10-06/chatcmpl-Gc5 (the gcs_bucket logger: no extension)
    B7 Gemini, prompt 800 (none cached), out 120 of which reasoning 40, $0.00054; input 800
  input.jsonl (a callback's JSON lines)
    J1 line 1  gpt-4.1, prompt 1200, out 80, $0.00304; input 1200
    J2 line 2  B1 again (same id): a duplicate
    J3 line 3  J4 cut after 300 characters: quarantined (not valid JSON)
    J4 line 4  Claude Haiku, prompt 2050 (read 2000), out 90, $0.00153; input 2050 - 2000 = 50
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from llmcost import ingest
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures"
BUCKET = FIXTURES / "litellm_standard_payload" / "bucket"
JSONL = FIXTURES / "ingest" / "litellm_standard_payload_json" / "input.jsonl"
B1 = BUCKET / "litellm-logs/search/2026-10-05/time-09-00-00-118000_chatcmpl-B7e1c0a2.json"
NAME = "litellm_standard_payload_json"

# By hand, over the 8 stored rows B1 B2 B3 B4 B5 B7 J1 J4 (B1 and J2 are one request):
INPUT = 464 + 12 + 464 + 0 + 100 + 800 + 1200 + 50  # = 3090
CACHE_READ = 1536 + 0 + 1536 + 0 + 4000 + 0 + 0 + 2000  # = 9072
CACHE_WRITE = 0 + 3000 + 0 + 0 + 1000 + 0 + 0 + 0  # = 4000
OUTPUT = 150 + 200 + 150 + 0 + 300 + 120 + 80 + 90  # = 1090
REASONING = 40  # B7 only
COST = Decimal("0.000499") + Decimal("0.014286") + 0 + 0 + Decimal("0.0081") + Decimal("0.00054") \
    + Decimal("0.00304") + Decimal("0.00153")  # = 0.027995
TOTALS = (8, INPUT, CACHE_READ, CACHE_WRITE, OUTPUT, REASONING, COST)


def _totals(store: Path) -> tuple:
    con = Store.open(store).connect()
    row = con.execute(
        "SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(output_tokens), "
        "sum(reasoning_tokens), sum(reported_cost_usd) FROM usage").fetchone()
    assert row is not None
    return (*row[:6], Decimal(str(row[6])).normalize())


def _counts(result) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {k: sum(getattr(f, k) for f in result.files)
            for k in ("rows_read", "rows_stored", "rows_duplicate", "rows_quarantined", "rows_skipped")}


def test_a_bucket_dump_and_a_callbacks_jsonl_give_the_hand_counted_totals(tmp_path: Path) -> None:
    result = load([BUCKET, JSONL], tmp_path / "store")
    assert {f.status for f in result.files} == {"ingested"} and len(result.files) == 8  # 7 bucket files + 1
    assert {f.ingestor for f in result.files} == {NAME}
    # read 7 + 4 = 11 = stored 8 + duplicate 1 (J2) + quarantined 2 (B6, J3)
    assert _counts(result) == {"rows_read": 11, "rows_stored": 8, "rows_duplicate": 1, "rows_quarantined": 2,
                               "rows_skipped": 0}
    assert _totals(tmp_path / "store") == (8, 3090, 9072, 4000, 1090, 40, Decimal("0.027995"))
    assert _totals(tmp_path / "store") == TOTALS

    con = Store.open(tmp_path / "store").connect()
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT event_id, CAST(ts AS VARCHAR), provider, user_id, conversation_id, project, response_cache_hit, "
        "json_extract_string(extra, '$.status'), json_extract_string(extra, '$.key_owner') FROM usage").fetchall()}
    # startTime in float seconds, UTC, to the microsecond (B1 .118, B5 .5)
    assert rows["chatcmpl-B7e1c0a2"][0] == "2026-10-05 09:00:00.118+00"
    assert rows["chatcmpl-9Zq"][0] == "2026-10-06 14:00:00.5+00"
    # end_user is the user, else the key owner (B2's end_user is ""); trace_id is the conversation
    assert rows["chatcmpl-B7e1c0a2"][1:5] == ("openai", "cust_17", "trace-aa", "team_search")
    assert rows["chatcmpl-0e5f6a7b"][1:5] == ("anthropic", "u_alice", "trace-aa", "team_search")
    assert rows["chatcmpl-0e5f6a7b"][7] == "u_alice"
    # the cache hit is its own request, flagged; the failure is kept with its status
    assert [k for k, r in rows.items() if r[5]] == ["chatcmpl-B7e1c0a2_cache_hit1791191110.2531"]
    assert [k for k, r in rows.items() if r[6] == "failure"] == ["4f9c2d10-6a1b-4c1e-9a55-0b2f3e4d5c6a"]
    tags = json.loads(con.execute("SELECT extra FROM usage WHERE event_id = 'chatcmpl-B7e1c0a2'").fetchone()[0])
    assert tags["tags"] == {"prod": True, "feature": "autocomplete"}

    quarantined = sorted(
        (Path(q["file"]).name, q["line"], q["reason"])
        for p in (Store.open(tmp_path / "store").root / "quarantine").glob("*.jsonl")
        for q in map(json.loads, p.read_text().splitlines()))
    assert quarantined == [
        ("input.jsonl", 3, "not valid JSON"),
        ("time-14-01-00-000000_chatcmpl-nousage.json", 1,
         "no token counts (prompt_tokens and completion_tokens missing or null)"),
    ]

    # the new bucket files of one run were read as one batch: one part per month for all of them
    manifest = Store.open(tmp_path / "store").read_manifest()
    parts = {tuple(e.parts) for k, e in manifest.files.items() if "/bucket/" in k and e.rows_stored}
    assert len(parts) == 1


def test_ingesting_the_same_files_again_changes_no_total(tmp_path: Path) -> None:
    load([BUCKET, JSONL], tmp_path / "store")
    again = load([BUCKET, JSONL], tmp_path / "store")
    assert {f.status for f in again.files} == {"unchanged"}
    # the same files in another order, one by one, into a second store: the same totals
    for p in [JSONL, *sorted(q for q in BUCKET.rglob("*") if q.is_file())]:
        load([p], tmp_path / "one-by-one")
    assert _totals(tmp_path / "store") == _totals(tmp_path / "one-by-one") == TOTALS


def test_the_prompt_and_reply_are_stored_only_with_keep_text(tmp_path: Path) -> None:
    load([B1], tmp_path / "plain")
    load([B1], tmp_path / "text", keep_text=True)
    sql = "SELECT prompt_text, response_text FROM usage"
    assert Store.open(tmp_path / "plain").connect().execute(sql).fetchall() == [(None, None)]
    prompt, reply = Store.open(tmp_path / "text").connect().execute(sql).fetchall()[0]
    assert "Summarise ticket 4411" in prompt and reply == "Ticket 4411: refund issued."


def test_a_payload_is_claimed_by_this_format_alone(tmp_path: Path) -> None:
    # its `response` holds an OpenAI reply: it is no app envelope around an API body
    assert [i.name for i in ingest.detect(B1.read_bytes(), B1.name)] == [NAME]
    # one payload longer than the head (a long prompt): its first keys are enough
    obj = json.loads(B1.read_text())
    obj["messages"] = [{"role": "user", "content": "x" * 100_000}]
    big = tmp_path / "time-09-00-00-118000_chatcmpl-big.json"
    big.write_text(json.dumps(obj))
    assert [i.name for i in ingest.detect(big.read_bytes()[:65536], big.name)] == [NAME]
    load([big], tmp_path / "store")
    assert _totals(tmp_path / "store")[:5] == (1, 464, 1536, 0, 150)  # B1's counts


def test_a_payload_stored_as_an_openai_body_is_read_again_as_a_payload(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before this format, a payload whose `response` is an OpenAI reply was read by
    openai_response_jsonl as an app envelope around that reply: B3, LiteLLM's cache hit of B1,
    carries B1's reply id, so it was B1's duplicate, and no row had a cost. The files are unchanged,
    but that reader's version 4 reads them otherwise: the next run reads them again, as payloads."""
    from llmcost.ingest import _envelope, litellm_standard_payload_json, openai_response_jsonl

    logs = tmp_path / "logs"
    logs.mkdir()
    b3 = B1.with_name("time-09-05-10-250000_chatcmpl-B7e1c0a2_cache_hit1791191110.2531.json")
    for p in (B1, b3):
        (logs / p.name).write_bytes(p.read_bytes())
    old = {v: c for v, c in openai_response_jsonl.OpenAIResponseJsonl.reader_changes.items() if v < 4}
    with monkeypatch.context() as m:  # the code as it was: no payload format, the payload an envelope
        m.setattr(litellm_standard_payload_json.LiteLLMStandardPayloadJson, "sniff", lambda self, head, name: False)
        m.setattr(_envelope, "is_payload", lambda obj: False)
        m.setattr(openai_response_jsonl.OpenAIResponseJsonl, "reader_changes", old)
        first = load([logs], tmp_path / "store")
    assert {f.ingestor for f in first.files} == {"openai_response_jsonl"}
    assert _counts(first)["rows_duplicate"] == 1  # the cache hit, taken for B1 again
    con = Store.open(tmp_path / "store").connect()
    assert con.execute("SELECT count(*), sum(reported_cost_usd) FROM usage").fetchone() == (1, None)

    again = load([logs], tmp_path / "store")
    assert sorted(f.status for f in again.files) == ["replaced", "replaced"]
    assert {f.ingestor for f in again.files} == {NAME}
    con = Store.open(tmp_path / "store").connect()
    # by hand: B1 and B3, 464 uncached input each; only B1 is billed ($0.000499); B3 is the cache hit
    assert con.execute(
        "SELECT count(*), sum(input_tokens), sum(reported_cost_usd), count(*) FILTER (response_cache_hit) "
        "FROM usage").fetchone() == (2, 928, Decimal("0.000499"), 1)
    assert sorted(f.status for f in load([logs], tmp_path / "store").files) == ["unchanged", "unchanged"]
