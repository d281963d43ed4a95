"""CSV exports re-saved by a spreadsheet in a locale whose decimal mark is the comma (German, French,
... Excel opening an Azure or OpenAI export and saving it as "CSV"): cells are delimited by `;` and
numbers written `3,75`, `0,0025`, `1.234,5`. The number parsers drop commas as US grouping, so
`3,75` was read as 375 and an Azure bill of $6.25 reported as $382.00, silently.

Every CSV fixture is re-saved that way (`;`, each decimal number with a comma, UTF-8 with BOM,
CRLF) and must store what the original stores, row for row. The hand-written exports below check
the figures themselves, worked out in the comments."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
# every export and log CSV (ServeGen's rate trace is a headerless research file, no spreadsheet's)
CSV_FORMATS = sorted(p.name for p in FIXTURES.iterdir() if p.name.endswith("_csv") and p.name != "servegen_rate_csv")
_DECIMAL = re.compile(r"-?\d+\.\d+")
_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+")
_WHOLE = re.compile(r"-?[1-9]\d{3,}")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?")


def _dotted(cell: str) -> str:
    """An ISO date (with a time after a space, seconds 00) as a German spreadsheet writes it."""
    m = _ISO.fullmatch(cell)
    if not m or (m[6] or "00") != "00":
        return cell
    y, mo, d, h, mi, _ = m.groups()
    return f"{int(d)}.{int(mo)}.{y}" + (f" {h}:{mi}" if h else "")


def _resave(src: Path, dst: Path, grouped: bool = False, dates: bool = False) -> int:
    """`src` written as such a spreadsheet would: `;` between cells, a decimal comma, a count written
    `"40,000"` as a plain 40000 (a number cell in the General format), or with `grouped` every whole
    number of four digits or more with a dot every three (`40.000`, the Number format), with `dates`
    each ISO date day first with dots (`2026-10-01 09:05:00` as `1.10.2026 09:05`), BOM, CRLF.
    Returns how many cells changed their decimal mark."""
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8-sig"), newline="")))
    changed = 0
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for i, row in enumerate(rows):
        if i:
            new = [c.replace(".", ",") if _DECIMAL.fullmatch(c) else c for c in row]
            changed += sum(a != b for a, b in zip(row, new, strict=True))
            row = [c.replace(",", "") if _GROUPED.fullmatch(c) else c for c in new]
            if grouped:
                row = [f"{int(c):,}".replace(",", ".") if _WHOLE.fullmatch(c) else c for c in row]
            if dates:
                row = [_dotted(c) for c in row]
        w.writerow(row)
    dst.write_bytes(("\ufeff" + out.getvalue()).encode())
    return changed


def _rows(store: Path) -> dict[str, list[tuple[object, ...]]]:
    con = Store.open(store).connect()
    got = {}
    for table in ("usage", "costs"):
        rel = con.sql(f"SELECT * EXCLUDE (event_id, source_file) FROM {table}")
        cols = [c for c in rel.columns if c not in ("extra",)]
        got[table] = sorted(map(repr, con.sql(f"SELECT {', '.join(cols)} FROM rel").fetchall()))
    return got


@pytest.mark.parametrize("grouped, dates", [(False, False), (True, False), (True, True)],
                         ids=["plain", "grouped", "grouped-dotted-dates"])
@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_a_csv_resaved_with_decimal_commas_stores_what_the_original_stores(
        tmp_path: Path, fmt: str, grouped: bool, dates: bool) -> None:
    inputs = sorted(p for p in (FIXTURES / fmt).iterdir() if p.suffix == ".csv")
    orig, eu = tmp_path / "orig", tmp_path / "eu"
    orig.mkdir()
    eu.mkdir()
    changed = 0
    for p in inputs:
        (orig / p.name).write_bytes(p.read_bytes())
        changed += _resave(p, eu / p.name, grouped, dates)
    a, b = load([orig], tmp_path / "s1"), load([eu], tmp_path / "s2")
    assert [(f.status, f.ingestor, f.rows_stored, f.rows_quarantined) for f in b.files] == [
        (f.status, f.ingestor, f.rows_stored, f.rows_quarantined) for f in a.files]
    assert _rows(tmp_path / "s2") == _rows(tmp_path / "s1")
    if fmt in ("azure_cost_details_csv", "openai_cost_dashboard_csv", "litellm_spend_logs_csv"):
        assert changed > 0  # these fixtures hold decimal money: the test re-saves something


AZURE = "date;meterId;meterName;meterCategory;meterSubCategory;consumedService;quantity;unitOfMeasure;costInUsd"


def _azure(tmp_path: Path, lines: list[str], head: str = AZURE) -> Path:
    f = tmp_path / "cost_details.csv"
    f.write_bytes(("\ufeff" + "\r\n".join([head, *lines]) + "\r\n").encode())
    return f


def test_an_azure_bill_with_decimal_commas_reads_its_dollars(tmp_path: Path) -> None:
    meters = "Cognitive Services;Azure OpenAI;Microsoft.CognitiveServices"
    f = _azure(tmp_path, [
        f"10/01/2026;m-in;gpt 4o 1120 Inp glbl Tokens;{meters};1.500;1K;3,75",
        f"10/01/2026;m-cached;gpt 4o 1120 cached Inp glbl Tokens;{meters};400;1K;0,5",
        f"10/01/2026;m-out;gpt 4o 1120 Outp glbl Tokens;{meters};1.200,5;1K;1.234,50",
    ])
    load([f], tmp_path / "store")
    con = Store.open(tmp_path / "store").connect()
    got = con.execute("SELECT token_type, quantity, cost_usd FROM costs ORDER BY cost_usd").fetchall()
    # 3,75 is $3.75 (was 375), 0,5 is $0.50 (was 5), 1.234,50 is $1,234.50, 1.200,5 is 1,200.5 and 1.500 is
    # 1,500 (dots group thousands in such a file): $1,238.75 in all
    assert [(t, Decimal(str(q)), c) for t, q, c in got] == [
        ("cache_read", Decimal("400"), Decimal("0.5")),
        ("input", Decimal("1500"), Decimal("3.75")),
        ("output", Decimal("1200.5"), Decimal("1234.5")),
    ]
    assert con.execute("SELECT sum(cost_usd) FROM costs").fetchone() == (Decimal("1238.75"),)


def test_a_comma_delimited_file_keeps_commas_as_grouping(tmp_path: Path) -> None:
    # the usual export: `"1,234.50"` quoted in a comma-delimited file is $1,234.50, and `"1,500"` 1,500
    head = AZURE.replace(";", ",")
    meters = "Cognitive Services,Azure OpenAI,Microsoft.CognitiveServices"
    f = _azure(tmp_path, [
        f'10/01/2026,m-in,gpt 4o 1120 Inp glbl Tokens,{meters},"1,500",1K,"1,234.50"',
        f"10/01/2026,m-out,gpt 4o 1120 Outp glbl Tokens,{meters},200,1K,2.00",
    ], head)
    load([f], tmp_path / "store")
    con = Store.open(tmp_path / "store").connect()
    # 1,234.50 + 2.00 = 1,236.50; 1,500 + 200 = 1,700 units
    assert con.execute("SELECT sum(cost_usd), sum(quantity) FROM costs").fetchone()[0] == Decimal("1236.50")
    assert float(con.execute("SELECT sum(quantity) FROM costs").fetchone()[0]) == 1700


def test_text_with_commas_in_a_semicolon_file_is_left_as_it_is(tmp_path: Path) -> None:
    # an OpenAI cost dashboard re-saved with `;`: the line item "gpt-5-mini-2025-08-07, input" holds a
    # comma and is no number; the amounts are 0,25 and 0,00383598: $0.25383598 in all
    f = tmp_path / "cost_2026-10-01_2026-10-02.csv"
    f.write_text(
        "start_time;end_time;amount_value;amount_currency;quantity;quantity_unit;line_item;project_id;"
        "organization_id\n"
        "1790812800;1790899200;0,25;usd;1000000;tokens;gpt-5-mini-2025-08-07, input;proj_a;org_1\n"
        "1790812800;1790899200;0,00383598;usd;15344;tokens;gpt-4o-mini-2024-07-18, cached input;proj_b;org_1\n"
    )
    load([f], tmp_path / "store")
    con = Store.open(tmp_path / "store").connect()
    got = con.execute("SELECT model, token_type, cost_usd FROM costs ORDER BY model").fetchall()
    assert got == [("gpt-4o-mini-2024-07-18", "cache_read", Decimal("0.00383598")),
                   ("gpt-5-mini-2025-08-07", "input", Decimal("0.25"))]


def test_a_file_stored_with_its_commas_dropped_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a store written before the fix holds the Azure bill at $580 (3,75 read as 375, 0,5 as 5, 2,00 as 200): the
    # next run reads the unchanged file again (its reader's version went up) and replaces its rows
    from llmcost.ingest import _records, azure_cost_details_csv

    meters = "Cognitive Services;Azure OpenAI;Microsoft.CognitiveServices"
    f = _azure(tmp_path, [
        f"10/01/2026;m-in;gpt 4o 1120 Inp glbl Tokens;{meters};1500;1K;3,75",
        f"10/01/2026;m-cached;gpt 4o 1120 cached Inp glbl Tokens;{meters};400;1K;0,5",
        f"10/01/2026;m-out;gpt 4o 1120 Outp glbl Tokens;{meters};200;1K;2,00",
    ])
    store = tmp_path / "store"
    with monkeypatch.context() as m:  # the reader as it was: no locale rewrite, version 1
        m.setattr(_records, "decimal_comma_sql", lambda read, head, delim=None: read)  # via _records.csv_relation
        m.setattr(azure_cost_details_csv.AzureCostDetailsCsv, "reader_changes", {}, raising=False)
        load([f], store)
    total = "SELECT sum(cost_usd) FROM costs"
    assert Store.open(store).connect().execute(total).fetchone() == (Decimal("580"),)
    again = load([f], store)
    assert [r.status for r in again.files] == ["replaced"]
    assert _records.DECIMAL_COMMA_CHANGE in (again.files[0].note or "")
    # 3.75 + 0.50 + 2.00, not doubled
    assert Store.open(store).connect().execute(total).fetchone() == (Decimal("6.25"),)
    assert [r.status for r in load([f], store).files] == ["unchanged"]


ANTHROPIC_USAGE = ("usage_date_utc;model_version;api_key;workspace;usage_type;context_window;"
                   "usage_input_tokens_no_cache;"
                   "usage_input_tokens_cache_write_5m;usage_input_tokens_cache_write_1h;usage_input_tokens_cache_read;"
                   "usage_output_tokens;web_search_count;inference_geo;speed")


def test_whole_counts_grouped_with_dots_in_a_semicolon_file(tmp_path: Path) -> None:
    # a Claude Console token export re-saved by a German spreadsheet with the counts in the Number
    # format: no decimal anywhere, so nothing told the file's locale, and 40.000 was read as 40 (a
    # thousandth). A count is whole: 40.000 is 40,000 and 1.250.000 is 1,250,000. Its dates are
    # written day first with dots (1.10.2026: they were quarantined as "not YYYY-MM-DD").
    f = tmp_path / "claude_api_tokens_2026_10_01_to_2026_10_01.csv"
    f.write_bytes(("\ufeff" + "\r\n".join([
        ANTHROPIC_USAGE,
        "1.10.2026;claude-sonnet-4-5-20250929;prod-key;Support;standard;≤ 200k;40.000;20.000;10.000;1.250.000;"
        "50.000;3;not_available;",
        "02.10.2026;claude-haiku-4-5-20251001;;Default;standard;≤ 200k;1.000;0;0;0;200;0;not_available;",
    ]) + "\r\n").encode())
    load([f], tmp_path / "store")
    con = Store.open(tmp_path / "store").connect()
    got = con.execute("SELECT CAST(ts AT TIME ZONE 'UTC' AS DATE)::VARCHAR, input_tokens, cache_write_tokens, "
                      "cache_write_1h_tokens, cache_read_tokens, output_tokens FROM usage "
                      "ORDER BY input_tokens").fetchall()
    # cache writes: 20,000 (5 minutes) + 10,000 (1 hour) = 30,000, of which 10,000 1-hour
    assert got == [("2026-10-02", 1000, 0, 0, 0, 200), ("2026-10-01", 40000, 30000, 10000, 1250000, 50000)]


def test_a_semicolon_file_with_decimal_points_keeps_them(tmp_path: Path) -> None:
    # `;` between cells but decimal points (a US tool's `;` export): 0.5 is a point decimal, so the
    # file is not read as a comma-decimal one and 1.500 stays 1.5 units: 1.5 + 0.5 = 2 units, $3.75 + $0.50
    meters = "Cognitive Services;Azure OpenAI;Microsoft.CognitiveServices"
    f = _azure(tmp_path, [
        f"10/01/2026;m-in;gpt 4o 1120 Inp glbl Tokens;{meters};1.500;1K;3.75",
        f"10/01/2026;m-out;gpt 4o 1120 Outp glbl Tokens;{meters};0.5;1K;0.50",
    ])
    load([f], tmp_path / "store")
    con = Store.open(tmp_path / "store").connect()
    row = con.execute("SELECT sum(quantity), sum(cost_usd) FROM costs").fetchone()
    assert row is not None and (float(row[0]), row[1]) == (2.0, Decimal("4.25"))
