"""Usage from exports that state no request count reads as "not stated", never as "0 requests".

The Anthropic Admin usage report (and the Claude Code report, the Console usage CSV, FOCUS token
rows) give tokens and money per bucket but no request count: such a store printed "..., n/a billed,
0 requests" and "0 requests" per model, and a store mixing it with request logs printed the logs'
count alone, silently.

Expected figures, by hand from tests/fixtures/ingest/anthropic_usage_report_json/input.json (its 4
good rows; the 5th is quarantined), tokens = uncached input + cache read + cache writes (5m + 1h) +
output:
  sonnet 0-200k standard: 40,000 + 300,000 + (20,000 + 10,000) + 50,000 = 420,000
  haiku:                   1,000 +       0 +                 0 +    200 =   1,200
  sonnet batch:           10,000 +       0 +                 0 +  4,000 =  14,000
  sonnet 200k-1M:        250,000 +       0 +                 0 +  1,000 = 251,000
  all: 686,200 tokens with no request count; sonnet 685,000, haiku 1,200.
tests/fixtures/ingest/anthropic_message_jsonl/expected.jsonl: 3 requests, tokens
  msg_01 40 + 0 + 3,000 + 210 = 3,250; msg_02 55 + 3,000 + 260 + 400 = 3,715; msg_04 900 + 50 = 950:
  7,915. Mixed: 3 requests stated; 686,200 / (686,200 + 7,915) = 686,200 / 694,115 = 0.98860 of the
  tokens have no count ("99% of tokens").
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.measures import queries

REPO = Path(__file__).resolve().parents[2]
REPORT = REPO / "tests/fixtures/ingest/anthropic_usage_report_json/input.json"
LOGS = REPO / "tests/fixtures/ingest/anthropic_message_jsonl/input.jsonl"
runner = CliRunner()


def _store(tmp: Path, *files: Path, options: tuple[str, ...] = ()) -> str:
    logs = tmp / "logs"
    logs.mkdir()
    for i, f in enumerate(files):
        shutil.copy(f, logs / f"{i}-{f.name}")
    store = str(tmp / "store")
    res = runner.invoke(app, ["ingest", str(logs), "--store", store, "-q", *options])
    assert res.exit_code == 0, res.output
    return store


def _first_line(text: str) -> str:
    """The summary's first line, unwrapped (up to the Ingested line)."""
    return " ".join(x.strip() for x in text.split("Ingested:")[0].splitlines())


def _report(store: str, *args: str) -> str:
    res = runner.invoke(app, ["report", "--store", store, "--no-forecast", *args])
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMCOST_TODAY", "2026-11-15")


def test_an_export_only_store_states_no_request_count(tmp_path: Path) -> None:
    store = _store(tmp_path, REPORT)
    doc = json.loads(_report(store, "--format", "json"))
    t = doc["totals"]
    assert (t["requests"], t["requests_known"], t["no_request_count_tokens"], t["no_request_count_token_share"]) == (
        0, False, 686_200, 1.0)
    assert t["no_request_count_cost_usd"] == t["cost_usd"]  # all the estimated money is that usage's
    by_model = {m["model"]: (m["requests_known"], m["no_request_count_tokens"]) for m in doc["by_provider_model"]}
    assert by_model == {"claude-sonnet-4-5-20250929": (False, 685_000), "claude-haiku-4-5-20251001": (False, 1_200)}
    assert [(d["day"], d["requests_known"]) for d in doc["by_day"]] == [("2026-10-01", False)]
    assert all(p["requests_known"] is False for p in doc["by_project"])

    text = _report(store)
    first = _first_line(text)
    assert "requests not stated by the sources" in first, first
    assert "0 requests" not in text, text
    md = _report(store, "--format", "md")
    assert "0 requests" not in md and "| not stated |" in md, md
    assert "686,200 tokens (100% of the tokens)" in md and "the request count is not stated, not zero" in md
    csv = runner.invoke(app, ["report", "--store", store, "--no-forecast", "--format", "csv", "--table", "totals"])
    head, row = csv.stdout.splitlines()[:2]
    values = dict(zip(head.split(","), row.split(","), strict=True))
    assert (values["requests"], values["requests_known"], values["no_request_count_tokens"]) == ("0", "false", "686200")


def test_a_store_mixing_exports_and_request_logs_gives_a_lower_bound(tmp_path: Path) -> None:
    store = _store(tmp_path, REPORT, LOGS)
    t = json.loads(_report(store, "--format", "json"))["totals"]
    assert (t["requests"], t["requests_known"], t["no_request_count_tokens"]) == (3, False, 686_200)
    assert t["no_request_count_token_share"] == pytest.approx(686_200 / 694_115)
    first = _first_line(_report(store))
    assert "3 requests + usage from exports that state no request count (99% of tokens)" in first, first


def test_request_logs_alone_are_unchanged(tmp_path: Path) -> None:
    store = _store(tmp_path, LOGS)
    t = json.loads(_report(store, "--format", "json"))["totals"]
    assert (t["requests"], t["requests_known"], t["no_request_count_tokens"], t["no_request_count_cost_usd"]) == (
        3, True, 0, "0")
    assert "3 requests. Prices" in _first_line(_report(store))


def test_a_store_written_before_the_column_decides_from_grain_and_count() -> None:
    """requests_known NULL (an old part): a bucket with request_count 0 states no count; a bucket
    with a count, and a request row, do."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE w AS SELECT * FROM (VALUES
        (DATE '2026-10-01', 'anthropic', 'bucket', 0, 100, NULL::BOOLEAN),
        (DATE '2026-10-01', 'openai', 'bucket', 7, 50, NULL::BOOLEAN),
        (DATE '2026-10-01', 'openai', 'request', 1, 30, NULL::BOOLEAN))
        t(local_day, provider, grain, request_count, input_tokens, requests_known)""")
    con.execute("ALTER TABLE w ADD COLUMN cache_read_tokens BIGINT DEFAULT 0")
    for c in ("cache_write_tokens", "output_tokens", "reasoning_tokens"):
        con.execute(f"ALTER TABLE w ADD COLUMN {c} BIGINT DEFAULT 0")
    con.execute("ALTER TABLE w ADD COLUMN cost_usd DECIMAL(38, 12) DEFAULT 1")
    rows = {r["provider"]: r for r in queries.rows(con, "report_by_day", relation="w")}
    assert (rows["anthropic"]["requests_known"], rows["anthropic"]["no_request_count_tokens"]) == (False, 100)
    assert (rows["openai"]["requests"], rows["openai"]["requests_known"],
            rows["openai"]["no_request_count_tokens"]) == (8, True, 0)


def _csv(store: str, table: str, *args: str) -> list[dict[str, str]]:
    res = runner.invoke(app, ["report", "--store", store, "--no-forecast", "--format", "csv", "--table", table, *args])
    assert res.exit_code == 0, res.output
    head, *rows = res.stdout.splitlines()
    return [dict(zip(head.split(","), r.split(","), strict=True)) for r in rows]


def _labelled_store(tmp: Path, *files: Path) -> str:
    return _store(tmp, *files, options=("--label", "host=a"))


def test_every_table_of_an_export_only_store_states_no_request_count(tmp_path: Path) -> None:
    """by_label, by_tag, daily, the spend by month and the cache's models (schema 1.8), spend.totals
    (1.9), as totals and by_day (1.7): 686,200 tokens without a request count, none stated."""
    store = _labelled_store(tmp_path, REPORT)
    doc = json.loads(_report(store, "--format", "json", "--by", "tag:team"))
    assert tuple(map(int, doc["schema_version"].split("."))) >= (1, 9)
    assert (doc["spend"]["totals"]["requests"], doc["spend"]["totals"]["requests_known"],
            doc["spend"]["totals"]["no_request_count_tokens"]) == (0, False, 686_200)
    assert [(r["label"], r["requests"], r["requests_known"], r["no_request_count_tokens"])
            for r in doc["by_label"]] == [("host=a", 0, False, 686_200)]
    assert [(r["value"], r["requests"], r["requests_known"], r["no_request_count_tokens"])
            for r in doc["by_tag"]] == [("(untagged)", 0, False, 686_200)]
    assert [(d["day"], d["requests"], d["requests_known"], d["no_request_count_tokens"])
            for d in doc["daily"]] == [("2026-10-01", 0, False, 686_200)]
    assert [(m["period_start"], m["requests"], m["requests_known"], m["no_request_count_tokens"])
            for m in doc["spend"]["by_month"]] == [("2026-10-01", 0, False, 686_200)]
    assert [(m["month"], m["requests_known"], m["no_request_count_tokens"])
            for m in doc["spend"]["month_over_month"]] == [("2026-10-01", False, 686_200)]
    assert {m["model"]: (m["requests"], m["requests_known"]) for m in doc["cache"]["by_model"]} == {
        "claude-sonnet-4-5-20250929": (0, False), "claude-haiku-4-5-20251001": (0, False)}

    lines = _report(store, "--full", "--by", "tag:team").splitlines()
    for title, first in (("By label", "host=a "), ("By tag", "team "), ("Spend by month", "2026-10 "),
                         ("Cache", "anthropic ")):
        after = lines[next(i for i, ln in enumerate(lines) if ln.startswith(title)):]
        row = next(ln for ln in after if ln.startswith(first))  # the table's first row
        assert "not stated" in row, (title, row)
    md = _report(store, "--format", "md", "--by", "tag:team")
    assert "| host=a | not stated |" in md and "| team | (untagged) | not stated |" in md, md
    assert "| 2026-10 | not stated |" in md, md
    html = _report(store, "--format", "html", "--by", "tag:team")
    # totals, by model 2, cache 2, by project 2, label, tag, month, day (the 1.7 tables alone: 6)
    assert html.count("<td>not stated</td>") == 11, html
    for table, key in (("by_label", "label"), ("by_tag", "value"), ("daily", "day"),
                       ("spend_by_month", "period_start")):
        rows = _csv(store, table, "--by", "tag:team")
        assert [(r[key], r["requests"], r["requests_known"], r["no_request_count_tokens"]) for r in rows] == [
            (rows[0][key], "0", "false", "686200")], table
    assert {r["requests_known"] for r in _csv(store, "cache_by_model")} == {"false"}


def test_a_mixed_store_gives_a_lower_bound_in_every_table(tmp_path: Path) -> None:
    store = _labelled_store(tmp_path, REPORT, LOGS)
    doc = json.loads(_report(store, "--format", "json", "--by", "tag:team"))
    for rows in (doc["by_label"], doc["by_tag"], doc["spend"]["by_month"]):
        assert [(r["requests"], r["requests_known"], r["no_request_count_tokens"]) for r in rows] == [
            (3, False, 686_200)]
    # the export's day (10-01) states no count; the logs' days (10-03: msg_01 and msg_02; 10-04: msg_04) do
    assert [(d["day"], d["requests"], d["requests_known"], d["no_request_count_tokens"]) for d in doc["daily"]] == [
        ("2026-10-01", 0, False, 686_200), ("2026-10-02", 0, True, 0), ("2026-10-03", 2, True, 0),
        ("2026-10-04", 1, True, 0)]
    # sonnet: msg_01 and msg_02 beside the export's sonnet rows; msg_04 names its model claude-haiku-4-5
    assert {m["model"]: (m["requests"], m["requests_known"]) for m in doc["cache"]["by_model"]} == {
        "claude-sonnet-4-5-20250929": (2, False), "claude-haiku-4-5-20251001": (0, False),
        "claude-haiku-4-5": (1, True)}
    md = _report(store, "--format", "md", "--by", "tag:team")
    assert "| host=a | 3+ |" in md and "| team | (untagged) | 3+ |" in md and "| 2026-10 | 3+ |" in md, md


def test_the_most_expensive_users_of_a_claude_code_report_state_no_requests(tmp_path: Path) -> None:
    """The Claude Code analytics report names its user (the actor's email) but counts no request:
    the Most expensive units table read "requests 0" beside the user's cost."""
    store = _store(tmp_path, REPO / "tests/fixtures/ingest/anthropic_claude_code_report_json/input.json")
    res = runner.invoke(app, ["report", "--store", store, "--section", "unit-top", "--no-forecast"],
                        env={"COLUMNS": "120"})
    assert res.exit_code == 0, res.output
    rows = [line.split() for line in res.stdout.splitlines() if line.startswith("user ")]
    assert rows and all(r[-3:-1] == ["not", "stated"] for r in rows), res.stdout
