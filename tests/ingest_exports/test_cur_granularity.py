"""AWS CUR exports with MONTHLY (or DAILY over several days) time granularity: a line item whose
usage period covers N > 1 whole UTC days is spread over those days, as FOCUS charges are, so a
month's Bedrock usage and money are not all dated on the month's first day.

The export below uses the columns of the CUR fixture (tests/fixtures/ingest/aws_cur_bedrock_csv);
its values are made up here and every expected figure is worked out by hand:

- line 2, a MONTHLY input-token line, 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z = 30 days,
  3,000,001 tokens, unblended $9.000003, net unblended $8.100007:
  - tokens: 3,000,001 = 30 x 100,000 + 1, so day 1 (Nov 1) gets 100,001 and days 2-30 get
    100,000 each (100,001 + 29 x 100,000 = 3,000,001);
  - unblended (list_cost_usd): 9.000003 = 9,000,003,000,000 units of 1e-12 = 30 x 300,000,100,000
    exactly, so every day gets 0.3000001;
  - net unblended (cost_usd, billed_amount): 8.100007 = 8,100,007,000,000 units = 30 x
    270,000,233,333 + 10, so days 1-10 get 0.270000233334 and days 11-30 get 0.270000233333
    (10 x 0.270000233334 + 20 x 0.270000233333 = 2.70000233334 + 5.40000466666 = 8.100007).
- line 3, a DAILY output-token line (Nov 5 to Nov 6, one day): stays one row, dated Nov 5, with the
  event id it always had: md5 of 'aws', identity_line_item_id, identity_time_interval joined by chr(31).
- line 4, a MONTHLY line with an unreadable cost: quarantined, once (one row, not 30).

Accounting, as for a spread FOCUS charge: each day row of a line counts as a row read, so the file
reads 30 + 1 + 1 = 32 rows = 31 stored + 0 duplicate + 1 quarantined.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from llmcost.document.analysis import ReportOptions, build_report
from llmcost.ingest._records import DECIMAL_COMMA_CHANGE, GROUPED_CHANGE
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

HEADER = [
    "identity_line_item_id", "identity_time_interval", "bill_billing_period_start_date", "bill_payer_account_id",
    "line_item_usage_account_id", "line_item_line_item_type", "line_item_usage_start_date",
    "line_item_usage_end_date", "line_item_product_code", "line_item_usage_type", "line_item_operation",
    "line_item_resource_id", "line_item_usage_amount", "pricing_unit", "line_item_unblended_rate",
    "line_item_unblended_cost", "line_item_net_unblended_cost", "line_item_line_item_description",
    "line_item_currency_code", "product_region_code",
]
NOV = ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")  # 30 whole days
NOV5 = ("2026-11-05T00:00:00Z", "2026-11-06T00:00:00Z")  # one day


def _row(item: str, period: tuple[str, str], usage_type: str, amount: str, unblended: str, net: str) -> list[str]:
    start, end = period
    return [item, f"{start}/{end}", NOV[0], "999999999999", "123456789012", "Usage", start, end, "AmazonBedrock",
            usage_type, "InvokeModelInference", "", amount, "tokens", "0.000003", unblended, net,
            "Claude 4.6 Opus tokens", "USD", "us-east-1"]


ROWS = [
    _row("li-m1", NOV, "USE1-Claude4.6Opus-input-tokens", "3000001", "9.000003", "8.100007"),  # line 2
    _row("li-d1", NOV5, "USE1-Claude4.6Opus-output-tokens", "20000", "0.5", "0.45"),  # line 3
    _row("li-m2", NOV, "USE1-Claude4.6Opus-output-tokens", "100", "abc", ""),  # line 4: no cost
]


def _export(path: Path) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(ROWS)
    path.write_text(buf.getvalue())
    return path


def _all(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_a_monthly_cur_line_is_spread_over_its_days_exactly(tmp_path: Path) -> None:
    f = _export(tmp_path / "cur.csv")
    store = tmp_path / "store"
    result = load([f], store)
    assert [(r.status, r.ingestor) for r in result.files] == [("ingested", "aws_cur_bedrock_csv")]
    con = Store.open(store).connect()

    # line 2: 30 day rows, one event id each, Nov 1 .. Nov 30, each a day long
    assert _all(con, "SELECT count(*), count(DISTINCT event_id), min(ts), max(ts), max(bucket_end) "
                     "FROM costs WHERE source_line = 2") == [
        (30, 30, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC),
         datetime(2026, 12, 1, tzinfo=UTC))]
    assert _all(con, "SELECT count(*) FROM costs WHERE source_line = 2 AND bucket_end - ts <> INTERVAL 1 DAY") == [(0,)]
    # tokens: 100,001 on Nov 1, then 29 days of 100,000
    per_day = _all(con, "SELECT quantity, count(*), min(ts) FROM costs WHERE source_line = 2 GROUP BY 1 ORDER BY 1")
    assert per_day == [(Decimal("100000"), 29, datetime(2026, 11, 2, tzinfo=UTC)),
                       (Decimal("100001"), 1, datetime(2026, 11, 1, tzinfo=UTC))]
    # unblended: 0.3000001 every day; net: 10 days of 0.270000233334, then 20 of 0.270000233333
    assert _all(con, "SELECT DISTINCT list_cost_usd FROM costs WHERE source_line = 2") == [(Decimal("0.3000001"),)]
    net = _all(con, "SELECT cost_usd, count(*), min(ts), max(ts) FROM costs WHERE source_line = 2 "
                    "GROUP BY 1 ORDER BY 1")
    assert net == [
        (Decimal("0.270000233333"), 20, datetime(2026, 11, 11, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)),
        (Decimal("0.270000233334"), 10, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC)),
    ]
    assert _all(con, "SELECT count(*) FROM costs WHERE billed_amount <> cost_usd") == [(0,)]
    # the day rows add up to the line exactly
    assert _all(con, "SELECT sum(quantity), sum(cost_usd), sum(list_cost_usd), sum(billed_amount) "
                     "FROM costs WHERE source_line = 2") == [
        (Decimal("3000001"), Decimal("8.100007"), Decimal("9.000003"), Decimal("8.100007"))]
    assert _all(con, "SELECT DISTINCT model, token_type, project FROM costs WHERE source_line = 2") == [
        ("Claude4.6Opus", "input", "123456789012")]

    # Nov 1 keeps the line's own event id (a store that holds the month as one row under that id has
    # it replaced by a later copy of the export, not added to); Nov 2 .. 30 have ids of their own
    line_id = hashlib.md5("\x1f".join(["aws", "li-m1", f"{NOV[0]}/{NOV[1]}"]).encode()).hexdigest()
    assert con.execute("SELECT ts FROM costs WHERE event_id = ?", [line_id]).fetchall() == [
        (datetime(2026, 11, 1, tzinfo=UTC),)]

    # line 3, a daily line: one row, its old event id
    old_id = hashlib.md5("\x1f".join(["aws", "li-d1", f"{NOV5[0]}/{NOV5[1]}"]).encode()).hexdigest()
    assert _all(con, "SELECT event_id, ts, bucket_end, quantity, cost_usd FROM costs WHERE source_line = 3") == [
        (old_id, datetime(2026, 11, 5, tzinfo=UTC), datetime(2026, 11, 6, tzinfo=UTC), Decimal("20000"),
         Decimal("0.45"))]

    # accounting: every day row is a row read; the rejected monthly line is one quarantined row
    entry = Store.open(store).read_manifest().files[str(f.resolve())]
    assert (entry.rows_read, entry.rows_stored, entry.rows_duplicate, entry.rows_quarantined) == (32, 31, 0, 1)

    # the report sees the data end on Nov 30, not Nov 1
    doc = build_report(ReportOptions(store=store))
    assert str(doc["period"]["data_first_day"]) == "2026-11-01"
    assert str(doc["period"]["data_last_day"]) == "2026-11-30"


def test_a_monthly_cur_line_ingested_again_changes_no_total(tmp_path: Path) -> None:
    f = _export(tmp_path / "cur.csv")
    store = tmp_path / "store"
    load([f], store)
    totals = "SELECT count(*), sum(quantity), sum(cost_usd), sum(list_cost_usd) FROM costs"
    before = _all(Store.open(store).connect(), totals)
    assert before == [(31, Decimal("3020001"), Decimal("8.550007"), Decimal("9.500003"))]

    again = load([f], store)
    assert [r.status for r in again.files] == ["unchanged"]
    # the same export delivered again under another name: the same events, no new money or tokens
    copy = tmp_path / "redelivered" / "cur.csv"
    copy.parent.mkdir()
    shutil.copy(f, copy)
    load([copy], store)
    assert _all(Store.open(store).connect(), totals) == before
    entry = Store.open(store).read_manifest().files[str(copy.resolve())]
    assert (entry.rows_read, entry.rows_stored + entry.rows_duplicate, entry.rows_quarantined) == (32, 31, 1)


def test_a_cur_read_before_the_spread_is_read_again_and_its_rows_replaced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store that ingested this export before lines were spread holds line 2 whole on Nov 1. Running
    ingest again on the same, unchanged file used to skip it ("unchanged": its size and hash match), so
    the old store kept the month on its first day. The manifest now records the version of the reader
    that read each file (`Ingestor.reader_changes`); a file read by an older version of its format's
    reader is read again and its rows replaced: the days change, the total does not double."""
    from llmcost.ingest import aws_cur_bedrock_csv

    f = _export(tmp_path / "cur.csv")
    store = tmp_path / "store"
    # the reader as it was: every line one row (spread over 1 day), and version 1, which wrote no
    # version into the manifest
    with monkeypatch.context() as m:
        m.setattr(aws_cur_bedrock_csv, "spread_days", lambda start, end: "1")
        m.setattr(aws_cur_bedrock_csv.AwsCurBedrockCsv, "reader_changes", {}, raising=False)
        load([f], store)
    key = str(f.resolve())
    assert "reader_version" not in json.loads((store / "manifest.json").read_text())["files"][key]
    by_day = "SELECT CAST(ts AT TIME ZONE 'UTC' AS DATE) AS day, sum(cost_usd) FROM costs GROUP BY 1 ORDER BY 1"
    total = "SELECT count(*), sum(cost_usd), sum(quantity) FROM costs"
    # the old rows, by hand: line 2's $8.100007 on Nov 1, line 3's $0.45 on Nov 5
    assert _all(Store.open(store).connect(), by_day) == [
        (date(2026, 11, 1), Decimal("8.100007")), (date(2026, 11, 5), Decimal("0.45"))]
    assert _all(Store.open(store).connect(), total) == [(2, Decimal("8.550007"), Decimal("3020001"))]

    again = load([f], store)
    assert [(r.status, r.rows_read, r.rows_stored, r.rows_duplicate, r.rows_quarantined) for r in again.files] == [
        ("replaced", 32, 31, 0, 1)]
    # versions 3 and 4 read `;` files' decimal commas and dot-grouped counts
    # (tests/ingest_exports/test_decimal_comma.py): every change named
    assert again.files[0].note == (
        f"{key} was read again: version 1 of the aws_cur_bedrock_csv reader stored it, and version 4 reads it "
        "differently (a line item over several whole days is spread over those days; before, all of it sat on "
        f"its first day; {DECIMAL_COMMA_CHANGE}; {GROUPED_CHANGE}); its rows were replaced")
    con = Store.open(store).connect()
    days = _all(con, by_day)
    # 30 days now: Nov 1-10 $0.270000233334 each, Nov 11-30 $0.270000233333, and Nov 5 adds line 3's $0.45
    assert len(days) == 30 and days[0] == (date(2026, 11, 1), Decimal("0.270000233334"))
    assert days[4] == (date(2026, 11, 5), Decimal("0.270000233334") + Decimal("0.45"))
    assert days[29] == (date(2026, 11, 30), Decimal("0.270000233333"))
    # the same total, not doubled: $8.100007 + $0.45, 3,000,001 + 20,000 tokens
    assert _all(con, total) == [(31, Decimal("8.550007"), Decimal("3020001"))]
    assert _all(con, "SELECT count(*) FROM costs_all") == [(31,)]  # the old parts are gone, not shadowed
    assert json.loads((store / "manifest.json").read_text())["files"][key]["reader_version"] == 4
    # read by the current reader now: unchanged from here on
    assert [r.status for r in load([f], store).files] == ["unchanged"]


def test_the_cli_says_why_an_unchanged_file_was_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from llmcost.cli import app
    from llmcost.ingest import aws_cur_bedrock_csv

    f = _export(tmp_path / "cur.csv")
    store = tmp_path / "store"
    with monkeypatch.context() as m:
        m.setattr(aws_cur_bedrock_csv.AwsCurBedrockCsv, "reader_changes", {}, raising=False)
        load([f], store)
    res = CliRunner().invoke(app, ["ingest", str(f), "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert f"Note: {f.resolve()} was read again: version 1 of the aws_cur_bedrock_csv reader stored it" in res.output
    assert "0 ingested, 1 replaced, 0 unchanged" in res.output
