"""Azure cost-details `date` values: each shape an export writes is read for its day, and a value
that is no day, or that could be read two ways, is quarantined with its line and what was expected.

The reference (formats-provider-exports.md 5.1 "Pitfalls", 7 "Time") documents `MM/DD/YYYY`
(month first); some downloads add a midnight time and newer export schemas write ISO. Before, a
file of `10/01/2026 00:00:00` dates was quarantined whole ("date missing or not MM/DD/YYYY").
The rows are made up; every total is worked out by hand in the comments.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

HEADER = "date,meterId,meterName,meterCategory,meterSubCategory,consumedService,quantity,unitOfMeasure,costInUsd"


def _export(tmp_path: Path, dates: list[str]) -> Path:
    # three Azure OpenAI meters, one a line from line 2: $3.75 input, $0.50 cached input, $2.00 output
    meters = [("m-in", "gpt 4o 1120 Inp glbl Tokens", "1500", "3.75"),
              ("m-cached", "gpt 4o 1120 cached Inp glbl Tokens", "400", "0.50"),
              ("m-out", "gpt 4o 1120 Outp glbl Tokens", "200", "2.00")]
    lines = [HEADER] + [
        f"{d},{mid},{name},Cognitive Services,Azure OpenAI,Microsoft.CognitiveServices,{qty},1K,{usd}"
        for d, (mid, name, qty, usd) in zip(dates, meters, strict=True)
    ]
    f = tmp_path / "cost_details.csv"
    f.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode())  # BOM and CRLF as Azure writes them
    return f


def _quarantine(store: Path) -> list[dict[str, object]]:
    return [json.loads(line) for q in sorted((store / "quarantine").glob("*.jsonl"))
            for line in q.read_text().splitlines()]


OCT1, OCT2 = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    "dates",
    [
        ["10/01/2026", "10/01/2026", "10/02/2026"],  # documented MM/DD/YYYY
        ["10/01/2026 00:00:00", "10/01/2026 00:00:00", "10/02/2026 00:00:00"],  # midnight time part
        ["2026-10-01", "2026-10-01", "2026-10-02"],  # ISO date
        ["2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z"],  # ISO date-time
    ],
    ids=["mm-dd-yyyy", "midnight-time", "iso-date", "iso-date-time"],
)
def test_each_date_shape_is_read_for_its_day(tmp_path: Path, dates: list[str]) -> None:
    store = tmp_path / "store"
    result = load([_export(tmp_path, dates)], store)
    assert [(r.status, r.ingestor) for r in result.files] == [("ingested", "azure_cost_details_csv")]
    assert _quarantine(store) == []
    con = Store.open(store).connect()
    days = con.execute("SELECT ts, min(bucket_end), sum(cost_usd) FROM costs GROUP BY 1 ORDER BY 1").fetchall()
    # October 1: 3.75 + 0.50 = 4.25 (lines 2, 3); October 2: 2.00 (line 4); 6.25 in all
    assert days == [(OCT1, OCT2, Decimal("4.25")), (OCT2, datetime(2026, 10, 3, tzinfo=UTC), Decimal("2.00"))]


@pytest.mark.parametrize(
    "bad",
    ["13/45/2026", "10/01/26", "2026-10-01T13:00:00Z", "2026-10-01T00:00:00+02:00", "Oct 1 2026"],
    ids=["no-date", "two-digit-year", "not-midnight", "not-utc", "words"],
)
def test_a_value_that_is_no_day_stays_quarantined_with_its_line(tmp_path: Path, bad: str) -> None:
    store = tmp_path / "store"
    f = _export(tmp_path, ["10/01/2026", bad, "10/02/2026"])
    load([f], store)
    # the cached-input line (3) is out; 3.75 + 2.00 = 5.75 stays
    assert Store.open(store).connect().execute("SELECT sum(cost_usd) FROM costs").fetchall() == [
        (Decimal("5.75"),)]
    [q] = _quarantine(store)
    assert (q["file"], q["line"]) == (str(f), 3)
    assert q["reason"] == ("date is not a day: expected MM/DD/YYYY (month first), optionally with a 00:00:00 "
                           "time, or YYYY-MM-DD, optionally T00:00:00Z")


def test_a_day_first_file_is_not_read_month_first(tmp_path: Path) -> None:
    # 13/10/2026 can only be 13 October, day first: 01/10/2026 in the same file could be 1 October
    # or 10 January, so it is not guessed; 10/10/2026 reads the same both ways and is kept
    store = tmp_path / "store"
    f = _export(tmp_path, ["01/10/2026", "10/10/2026", "13/10/2026"])
    load([f], store)
    con = Store.open(store).connect()
    assert con.execute("SELECT ts, sum(cost_usd) FROM costs GROUP BY 1").fetchall() == [
        (datetime(2026, 10, 10, tzinfo=UTC), Decimal("0.50"))]
    reasons = {q["line"]: q["reason"] for q in _quarantine(store)}
    assert sorted(reasons) == [2, 4]
    assert str(reasons[2]).startswith("date is ambiguous: this file also has day-first dates")
    assert str(reasons[4]).startswith("date is not a day: expected MM/DD/YYYY (month first)")
