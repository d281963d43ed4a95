"""Overlapping exports at two widths count once (docs/formats-provider-exports.md, "Overlapping
exports at two widths"): the same usage fetched with `bucket_width=1d` and again with `1h`, or an
AWS CUR exported daily and hourly (or monthly), is stored whole, and the coarser rows count where
both cover the same time, for the same provider, source, model and project (for cost lines: the
same line item); the finer rows are left out of `usage` / `costs` there and the report says so.
Where only the finer export covers a time, its rows count. Before, the report added both: twice
the tokens and the money.

Every figure below is worked out by hand from the rows written here:

- OpenAI Usage API, completions, model gpt-4o-mini-2024-07-18, project proj_a, 2026-10-01 and -02:
  each hour 1 request, 100 uncached input tokens, 20 output tokens; each day (24 hours) 24
  requests, 2,400 input, 480 output. Two days: 48 requests, 4,800 input, 960 output. Priced at
  OpenAI's $0.15 input / $0.60 output per 1M: 4,800 x 0.15 + 960 x 0.60 = 720 + 576 = 1,296 x 1e-6
  = $0.001296 (both exports added: 96 requests, 9,600, 1,920, $0.002592).
- Anthropic usage report, claude-sonnet-4-5-20250929, workspace wrkspc_01, the same two days: each
  hour 100 uncached input and 20 output tokens, each day 2,400 and 480; two days 4,800 and 960.
- AWS CUR, usage type USE1-Claude4.6Opus-input-tokens, account 123456789012, 2026-11-05 and -06:
  each hour 1,000 tokens for $0.003; each day 24,000 tokens for $0.072. Two days: $0.144 (both
  exports added: $0.288).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

DAY0 = 1790812800  # 2026-10-01T00:00:00Z
HOUR, DAY = 3600, 86400


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMCOST_TODAY", "2026-12-15")  # no figure here depends on the real date


# ---- OpenAI Usage API ---------------------------------------------------------------------------


def _openai_result(hours: int, model: str = "gpt-4o-mini-2024-07-18", project: str | None = "proj_a") -> dict:
    return {"object": "organization.usage.completions.result", "input_tokens": 100 * hours,
            "input_cached_tokens": 0, "input_cache_write_tokens": 0, "input_uncached_tokens": 100 * hours,
            "output_tokens": 20 * hours, "num_model_requests": hours, "project_id": project, "user_id": None,
            "api_key_id": None, "model": model, "batch": None, "service_tier": None}


def openai_page(width: int, start: int, n: int, **group: str | None) -> dict:
    """Usage API page of `n` buckets `width` seconds wide from `start`, one result per bucket."""
    hours = width // HOUR
    return {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": start + i * width, "end_time": start + (i + 1) * width,
         "results": [_openai_result(hours, **group)]} for i in range(n)]}


OPENAI_1D = openai_page(DAY, DAY0, 2)  # 2026-10-01, -02
OPENAI_1H = openai_page(HOUR, DAY0, 48)  # the same two days, hour by hour


def _write(folder: Path, files: dict[str, object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, doc in files.items():
        (folder / name).write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return folder


def _report(tmp_path: Path, store: Path, logs: Path, *args: str) -> dict:
    out = tmp_path / "r.json"
    res = CliRunner().invoke(app, ["--logs", str(logs), "--store", str(store), "--no-forecast", "--format", "json",
                                   "--quiet", "--out", str(out), *args])
    assert res.exit_code == 0, res.output
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def _counts(doc: dict) -> tuple[int, int, int]:
    t = doc["totals"]
    return t["requests"], t["input_tokens"], t["output_tokens"]


def _overlap_notes(doc: dict) -> list[str]:
    return [w for w in doc["warnings"] if w.startswith("overlapping exports")]


@pytest.mark.parametrize("names", [("a_1d.json", "b_1h.json"), ("b_1d.json", "a_1h.json")],
                         ids=["daily-first", "hourly-first"])
def test_openai_daily_and_hourly_pages_of_the_same_days_count_once(tmp_path: Path, names: tuple[str, str]) -> None:
    logs = _write(tmp_path / "logs", {names[0]: OPENAI_1D, names[1]: OPENAI_1H})
    doc = _report(tmp_path, tmp_path / "store", logs)
    assert _counts(doc) == (48, 4800, 960)
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("0.001296")
    assert [(d["day"], d["requests"]) for d in doc["daily"]] == [("2026-10-01", 24), ("2026-10-02", 24)]
    # the reconciliation's provider volume: 4,800 + 960 = 5,760
    assert sum(r["provider_tokens"] for r in doc["reconciliation"]["by_provider"]) == 5760
    # nothing lost: 2 + 48 rows read and stored; only the counting leaves the hourly ones out
    assert doc["ingest"]["rows_read"] == doc["ingest"]["rows_stored"] == 50
    con = Store.open(tmp_path / "store").connect()
    assert con.execute("SELECT count(*) FROM usage_all WHERE NOT _dup").fetchone() == (50,)
    assert con.execute("SELECT count(*), min(bucket_end - ts) FROM usage").fetchone() == (2, _td(DAY))
    # the report says so
    assert _overlap_notes(doc) == [
        "overlapping exports: 48 usage rows of openai_usage_api_json in 1-hour buckets (2026-10-01 to 2026-10-02) "
        "lie inside 1-day buckets of the same provider, source, model and project from another file; they "
        "stay stored and are not counted, the 1-day buckets are (docs/formats-provider-exports.md, "
        "\"Overlapping exports at two widths\")"]


def _td(seconds: int) -> object:
    from datetime import timedelta

    return timedelta(seconds=seconds)


def test_hours_outside_the_daily_export_still_count(tmp_path: Path) -> None:
    # hourly pages for 2026-10-01 .. -03, daily pages for the first two days only: the third day's 24
    # hours are its only source. 48 + 24 = 72 requests, 7,200 input, 1,440 output.
    logs = _write(tmp_path / "logs", {"1d.json": OPENAI_1D, "1h.json": openai_page(HOUR, DAY0, 72)})
    doc = _report(tmp_path, tmp_path / "store", logs)
    assert _counts(doc) == (72, 7200, 1440)
    assert [(d["day"], d["requests"]) for d in doc["daily"]] == [
        ("2026-10-01", 24), ("2026-10-02", 24), ("2026-10-03", 24)]


def test_another_project_at_another_width_is_not_left_out(tmp_path: Path) -> None:
    # the daily pages hold proj_a, the hourly pages proj_b: two projects' usage, not one usage twice.
    # 48 + 48 = 96 requests, 4,800 + 4,800 input, 960 + 960 output; no overlap to report
    logs = _write(tmp_path / "logs", {"1d.json": OPENAI_1D, "1h.json": openai_page(HOUR, DAY0, 48, project="proj_b")})
    doc = _report(tmp_path, tmp_path / "store", logs)
    assert _counts(doc) == (96, 9600, 1920)
    assert _overlap_notes(doc) == []


def test_reingesting_and_a_third_width_change_no_total(tmp_path: Path) -> None:
    store = tmp_path / "store"
    logs = _write(tmp_path / "logs", {"1d.json": OPENAI_1D, "1h.json": OPENAI_1H})
    assert _counts(_report(tmp_path, store, logs)) == (48, 4800, 960)
    assert _counts(_report(tmp_path, store, logs)) == (48, 4800, 960)  # unchanged files
    # the same two days by the minute (OpenAI's bucket_width=1m), one minute a bucket for the first
    # hour only: inside the daily (and hourly) buckets, so nothing changes
    minute = {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": DAY0 + 60 * i, "end_time": DAY0 + 60 * (i + 1),
         "results": [{**_openai_result(1), "num_model_requests": 0, "input_tokens": 2, "input_uncached_tokens": 2,
                      "output_tokens": 0}]} for i in range(60)]}
    _write(logs, {"1m.json": minute})
    doc = _report(tmp_path, store, logs)
    assert _counts(doc) == (48, 4800, 960)
    notes = _overlap_notes(doc)
    assert len(notes) == 2 and "60 usage rows of openai_usage_api_json in 1-minute buckets" in notes[0]


# ---- Anthropic usage report -----------------------------------------------------------------------


def _iso(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def anthropic_page(width: int, start: int, n: int) -> dict:
    hours = width // HOUR
    return {"has_more": False, "next_page": None, "data": [
        {"starting_at": _iso(start + i * width), "ending_at": _iso(start + (i + 1) * width), "results": [
            {"uncached_input_tokens": 100 * hours, "cache_read_input_tokens": 0,
             "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
             "output_tokens": 20 * hours, "server_tool_use": {"web_search_requests": 0},
             "api_key_id": None, "workspace_id": "wrkspc_01", "model": "claude-sonnet-4-5-20250929",
             "service_tier": "standard", "context_window": "0-200k", "inference_geo": None}]}
        for i in range(n)]}


@pytest.mark.parametrize("names", [("a_1d.json", "b_1h.json"), ("b_1d.json", "a_1h.json")],
                         ids=["daily-first", "hourly-first"])
def test_anthropic_daily_and_hourly_reports_of_the_same_days_count_once(
        tmp_path: Path, names: tuple[str, str]) -> None:
    logs = _write(tmp_path / "logs", {names[0]: anthropic_page(DAY, DAY0, 2), names[1]: anthropic_page(HOUR, DAY0, 48)})
    doc = _report(tmp_path, tmp_path / "store", logs)
    t = doc["totals"]
    assert (t["input_tokens"], t["output_tokens"]) == (4800, 960)
    # claude-sonnet-4-5 at $3 input / $15 output per 1M: 4,800 x 3 + 960 x 15 = 14,400 + 14,400 = $0.0288
    assert Decimal(t["cost_usd"]) == Decimal("0.0288")
    assert doc["ingest"]["rows_read"] == doc["ingest"]["rows_stored"] == 50
    assert [n.split(" (")[0] for n in _overlap_notes(doc)] == [
        "overlapping exports: 48 usage rows of anthropic_usage_report_json in 1-hour buckets"]


# ---- AWS CUR ---------------------------------------------------------------------------------------

CUR_HEADER = [
    "identity_line_item_id", "identity_time_interval", "line_item_usage_account_id", "line_item_line_item_type",
    "line_item_usage_start_date", "line_item_usage_end_date", "line_item_product_code", "line_item_usage_type",
    "line_item_usage_amount", "pricing_unit", "line_item_unblended_cost", "line_item_currency_code",
]
NOV5 = 1793836800  # 2026-11-05T00:00:00Z


def cur(width: int, start: int, n: int, tokens: int, cost: str, usage_type: str = "USE1-Claude4.6Opus-input-tokens",
        item: str = "li") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CUR_HEADER)
    for i in range(n):
        a, b = _iso(start + i * width), _iso(start + (i + 1) * width)
        w.writerow([f"{item}-{i}", f"{a}/{b}", "123456789012", "Usage", a, b, "AmazonBedrock", usage_type,
                    str(tokens), "tokens", cost, "USD"])
    return buf.getvalue()


def _billed(doc: dict) -> Decimal:
    return Decimal(doc["totals"]["billed_cost_usd"])


@pytest.mark.parametrize("names", [("a_daily.csv", "b_hourly.csv"), ("b_daily.csv", "a_hourly.csv")],
                         ids=["daily-first", "hourly-first"])
def test_cur_daily_and_hourly_exports_of_the_same_days_count_once(tmp_path: Path, names: tuple[str, str]) -> None:
    logs = _write(tmp_path / "logs", {names[0]: cur(DAY, NOV5, 2, 24000, "0.072", item="d"),
                                      names[1]: cur(HOUR, NOV5, 48, 1000, "0.003", item="h")})
    doc = _report(tmp_path, tmp_path / "store", logs)
    assert _billed(doc) == Decimal("0.144")
    assert Decimal(doc["reconciliation"]["money_usd"]) == Decimal("0.144")
    assert doc["ingest"]["rows_read"] == doc["ingest"]["rows_stored"] == 50
    assert [n.split(" (")[0] for n in _overlap_notes(doc)] == [
        "overlapping exports: 48 cost lines of aws_cur_bedrock_csv in 1-hour periods"]


def test_cur_monthly_export_beside_daily_lines_counts_the_month_once(tmp_path: Path) -> None:
    # a MONTHLY line for November (30 days, 720,000 tokens, $2.16: $0.072 a day once spread) and the
    # DAILY export's lines of Nov 5 and 6 ($0.072 each): the month is $2.16, not $2.16 + $0.144
    month = cur(30 * DAY, NOV5 - 4 * DAY, 1, 720000, "2.16", item="m")
    logs = _write(tmp_path / "logs", {"monthly.csv": month, "daily.csv": cur(DAY, NOV5, 2, 24000, "0.072", item="d")})
    doc = _report(tmp_path, tmp_path / "store", logs)
    assert _billed(doc) == Decimal("2.16")
    # rows read: 30 day rows of the spread line + 2 daily lines
    assert doc["ingest"]["rows_read"] == doc["ingest"]["rows_stored"] == 32
    assert [n.split(" (")[0] for n in _overlap_notes(doc)] == [
        "overlapping exports: 2 cost lines of aws_cur_bedrock_csv in 1-day periods"]


def test_cur_another_line_item_at_another_width_is_not_left_out(tmp_path: Path) -> None:
    # the daily export bills input tokens, the hourly one output tokens: different charges, both
    # count: 2 x $0.072 + 48 x $0.003 = $0.144 + $0.144 = $0.288
    logs = _write(tmp_path / "logs", {
        "daily.csv": cur(DAY, NOV5, 2, 24000, "0.072", item="d"),
        "hourly.csv": cur(HOUR, NOV5, 48, 1000, "0.003", usage_type="USE1-Claude4.6Opus-output-tokens", item="h")})
    doc = _report(tmp_path, tmp_path / "store", logs)
    assert _billed(doc) == Decimal("0.288")
    assert _overlap_notes(doc) == []


def test_cur_widths_in_one_file_are_the_files_own_lines(tmp_path: Path) -> None:
    # one export holding a daily and an hourly line of the same usage type is not two deliveries of
    # one charge: both count ($0.072 + $0.003 = $0.075)
    one = cur(DAY, NOV5, 1, 24000, "0.072", item="d") + cur(HOUR, NOV5, 1, 1000, "0.003", item="h").split("\n", 1)[1]
    store = tmp_path / "store"
    load([_write(tmp_path / "logs", {"cur.csv": one})], store)
    con = Store.open(store).connect()
    assert con.execute("SELECT sum(cost_usd) FROM costs").fetchone() == (Decimal("0.075"),)


# ---- FOCUS -----------------------------------------------------------------------------------------

FOCUS_HEADER = ["ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeDescription", "BilledCost", "ListCost",
                "BillingCurrency", "ConsumedQuantity", "ConsumedUnit", "ProviderName", "ServiceCategory",
                "ServiceName", "SubAccountId", "SkuId", "SkuMeter", "x_UsageType"]


def focus(width: int, start: int, n: int, tokens: int, cost: str, tax: str | None = None) -> str:
    """AWS's FOCUS export: `n` Bedrock input-token lines `width` seconds wide from `start`, and a tax
    line for the first period when `tax` is given."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FOCUS_HEADER)
    for i in range(n):
        a, b = _iso(start + i * width), _iso(start + (i + 1) * width)
        w.writerow([a, b, "Usage", "Claude 4.6 Opus input tokens", cost, cost, "USD", str(tokens), "Tokens", "AWS",
                    "AI and Machine Learning", "Amazon Bedrock", "123456789012", "SKU-1", "Input Tokens",
                    "USE1-Claude4.6Opus-input-tokens"])
    if tax is not None:
        a, b = _iso(start), _iso(start + width)
        w.writerow([a, b, "Tax", "Tax for Amazon Bedrock", tax, tax, "USD", "", "", "AWS", "AI and Machine Learning",
                    "Amazon Bedrock", "123456789012", "SKU-T", "Tax", ""])
    return buf.getvalue()


def test_focus_daily_and_hourly_exports_of_the_same_days_count_once(tmp_path: Path) -> None:
    # the money as the CUR case ($0.144, not $0.288) and the tokens FOCUS also writes to usage:
    # 2 x 24,000 = 48 x 1,000 = 48,000 input tokens, not 96,000
    logs = _write(tmp_path / "logs", {"focus_daily.csv": focus(DAY, NOV5, 2, 24000, "0.072"),
                                      "focus_hourly.csv": focus(HOUR, NOV5, 48, 1000, "0.003")})
    doc = _report(tmp_path, tmp_path / "store", logs)
    assert _billed(doc) == Decimal("0.144")
    assert doc["totals"]["input_tokens"] == 48000
    assert [n.split(" (")[0] for n in _overlap_notes(doc)] == [
        "overlapping exports: 48 usage rows of focus_csv in 1-hour buckets",
        "overlapping exports: 48 cost lines of focus_csv in 1-hour periods"]


def test_focus_export_beside_the_providers_own_cur_counts_the_bill_once(tmp_path: Path) -> None:
    # AWS's FOCUS export (daily, with a $0.01 tax line) and its CUR (hourly) bill the same Bedrock input
    # tokens: the CUR's $0.144 counts, with FOCUS's tax line, which the CUR (Bedrock usage only here)
    # does not bill: $0.144 + $0.01 = $0.154 (both added: $0.298)
    logs = _write(tmp_path / "logs", {"focus.csv": focus(DAY, NOV5, 2, 24000, "0.072", tax="0.01"),
                                      "cur.csv": cur(HOUR, NOV5, 48, 1000, "0.003", item="h")})
    doc = _report(tmp_path, tmp_path / "store", logs)
    assert _billed(doc) == Decimal("0.154")
    assert _overlap_notes(doc) == [
        "overlapping exports: 2 cost lines of focus_csv (2026-11-05 to 2026-11-06) bill what the provider's own "
        "cost export (aws_cur_bedrock_csv) bills, the same model and token type over the same time; they stay "
        "stored and are not counted, the aws_cur_bedrock_csv lines are (docs/formats-provider-exports.md, "
        "\"Overlapping exports at two widths\")"]


def test_every_bucket_format_is_in_a_width_family_or_left_out_on_purpose() -> None:
    """A new export format is placed in a family (storage.store.WIDTH_FAMILIES) or named here: its
    buckets overlapping at two widths must not silently count twice."""
    from llmcost import ingest
    from llmcost.storage.store import WIDTH_FAMILIES

    buckets = {n for n, i in ingest.registry().items() if i.grain == "bucket" or i.table == "costs"}
    # GitHub Copilot CLI, Factory Droid, Goose and Hermes: one row per session (sessions overlap without being
    # the same usage); servegen_rate_csv: a --mapping built in (a trace's request rate per bucket, no provider export)
    assert buckets - set(WIDTH_FAMILIES) == {"copilot_cli_events_jsonl", "droid_session_settings_json",
                                             "goose_sessions_sqlite", "hermes_state_sqlite", "servegen_rate_csv"}
    assert set(WIDTH_FAMILIES) <= buckets
