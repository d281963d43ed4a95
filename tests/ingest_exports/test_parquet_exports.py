"""Provider exports delivered as Parquet: AWS Data Exports (CUR 2.0) and FOCUS exports default to
it, Azure Cost Management and Langfuse's blob export offer it, a BigQuery extract keeps its nesting
in it (formats-provider-exports.md 3.1, 4.2, 5.1, 6; formats-request-logs.md 2). Each was "no known
format"; it is read by the CSV format of the same columns (ingest/_parquet.py).

Every CSV fixture of a CSV format is written to Parquet with the types a real export has where
its values fit them (counts BIGINT, money DOUBLE or DECIMAL, times TIMESTAMP / TIMESTAMP WITH TIME
ZONE, dates DATE, tags MAP, a BigQuery extract's records STRUCT and repeated fields LIST), and must
store what the CSV stores, row for row. A hand-written CUR 2.0 Parquet checks the figures
themselves, worked out in the comments."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from llmcost import ingest
from llmcost.cli import app
from llmcost.ingest import intake
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
# every export and log CSV read by a CSV format; not the built-in mappings of research traces
# (azure_llm_trace_csv, servegen_rate_csv: a `format = "csv"` mapping reads CSV only, and no such
# trace is published as Parquet)
CSV_FORMATS = sorted(p.name for p in FIXTURES.iterdir()
                     if p.name.endswith("_csv") and p.name not in ("azure_llm_trace_csv", "servegen_rate_csv"))

UTC_TIME = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z| UTC|[+]00:?00)?"
"""A time that is UTC as written (a time with another offset is left as text: TIMESTAMPTZ would move it)."""

# Types no value would tell: a CUR 2.0 Parquet's usage dates are TIMESTAMP (UTC, no zone; AWS Data
# Exports table dictionary), its costs DOUBLE; a FOCUS export's money is Decimal and its Tags a map
# (FOCUS 1.2 column types); an Azure Parquet export's `date` a DATE; a BigQuery extract's usage times
# are TIMESTAMP WITH TIME ZONE, its `sku`, `usage`, ... records and `credits`, `labels` repeated
# records (formats-provider-exports.md 3.1). The CUR's costs are DOUBLE as undeclared columns are.
DECLARED = {
    "line_item_usage_start_date": "TIMESTAMP",
    "line_item_usage_end_date": "TIMESTAMP",
    "bill_billing_period_start_date": "TIMESTAMP",
    "BilledCost": "DECIMAL(38,10)",
    "ListCost": "DECIMAL(38,10)",
    "EffectiveCost": "DECIMAL(38,10)",
    "Tags": "MAP(VARCHAR, VARCHAR)",
    "date": "DATE",
    "usage_start_time": "TIMESTAMPTZ",
    "usage_end_time": "TIMESTAMPTZ",
    "credits": "STRUCT(name VARCHAR, amount DOUBLE, type VARCHAR)[]",
    "labels": "STRUCT(key VARCHAR, value VARCHAR)[]",
}


def _typed(con: duckdb.DuckDBPyConnection, col: str) -> str:
    """SQL: column `col` of table `t` (every value text) in the type a real export gives it: the
    declared one (`DECLARED`; a fixture's deliberately bad cell, `soon` for a CUR date, is NULL, as a
    typed column can hold nothing else: the reader quarantines it with the same reason, checked by
    the test), else the first type every value fits and reads back from as the same value (else as
    text: a bad cell, `n/a` for a cost, keeps an undeclared column text)."""
    q = '"' + col.replace('"', '""') + '"'
    candidates = []
    if col in DECLARED:
        t = DECLARED[col]
        if t == "DATE":  # Azure's month-first slash dates, or ISO
            candidates.append((f"coalesce(try_strptime({q}, '%m/%d/%Y')::DATE, TRY_CAST({q} AS DATE))",
                               f"regexp_full_match({q}, '\\d{{2}}/\\d{{2}}/\\d{{4}}|\\d{{4}}-\\d{{2}}-\\d{{2}}')"))
        elif t == "TIMESTAMPTZ":
            candidates.append((f"TRY_CAST(replace({q}, ' UTC', 'Z') AS TIMESTAMPTZ)", ""))
        elif t == "TIMESTAMP":
            candidates.append((f"CAST(TRY_CAST({q} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)",
                               f"regexp_full_match({q}, '{UTC_TIME}')"))
        elif t.startswith(("MAP", "STRUCT")):
            candidates.append((f"TRY_CAST(TRY_CAST({q} AS JSON) AS {t})", f"json_valid({q})"))
        else:
            candidates.append((f"TRY_CAST({q} AS {t})", f"TRY_CAST({q} AS {t}) = TRY_CAST({q} AS DECIMAL(38,12))"))
    candidates += [
        (f"TRY_CAST({q} AS BIGINT)", f"CAST(TRY_CAST({q} AS BIGINT) AS VARCHAR) = {q}"),
        (f"TRY_CAST({q} AS DOUBLE)",
         f"regexp_full_match({q}, '-?[0-9]+(\\.[0-9]+)?') "
         f"AND TRY_CAST(CAST(TRY_CAST({q} AS DOUBLE) AS VARCHAR) AS DECIMAL(38,12)) = TRY_CAST({q} AS DECIMAL(38,12))"),
        (f"TRY_CAST(replace({q}, ' UTC', 'Z') AS TIMESTAMPTZ)", f"regexp_full_match({q}, '{UTC_TIME}')"),
    ]
    if col in DECLARED:
        return f"{candidates[0][0]} AS {q}"
    for expr, fits in candidates:
        ok = con.execute(f"SELECT count(*) FILTER (WHERE {q} IS NOT NULL), count(*) FILTER (WHERE {q} IS NOT NULL "
                     f"AND coalesce({fits}, false) AND {expr} IS NOT NULL) FROM t").fetchone()
        if ok is not None and ok[0] > 0 and ok[0] == ok[1]:
            return f"{expr} AS {q}"
    return q


def _to_parquet(src: Path, dst: Path, *, nest: bool = False) -> dict[str, str]:
    """`src` (a CSV fixture) written to `dst` as Parquet with typed columns (`_typed`); with `nest`,
    dotted columns (`sku.description`) become the fields of a STRUCT (`sku`), as in a BigQuery
    extract. Returns each column's Parquet type."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{src}', header=true, all_varchar=true, quote='\"', "
                "escape='\"', strict_mode=false, null_padding=true)")
    cols = [c for c in con.sql("SELECT * FROM t").columns]
    typed = {c: _typed(con, c) for c in cols}
    items: list[str] = []
    groups: dict[str, list[str]] = {}
    for c in cols:
        if nest and "." in c:
            groups.setdefault(c.split(".", 1)[0], []).append(c)
            if len(groups[c.split(".", 1)[0]]) == 1:
                items.append(f"__group__{c.split('.', 1)[0]}")
        else:
            items.append(typed[c])
    select = []
    for it in items:
        if it.startswith("__group__"):
            g = it.removeprefix("__group__")
            fields = ", ".join(f'"{c.split(".", 1)[1]}" := {typed[c].rsplit(" AS ", 1)[0]}' for c in groups[g])
            select.append(f'struct_pack({fields}) AS "{g}"')
        else:
            select.append(it)
    con.execute(f"COPY (SELECT {', '.join(select)} FROM t) TO '{dst}' (FORMAT parquet)")
    rel = con.sql(f"SELECT * FROM read_parquet('{dst}')")
    return {c: str(t) for c, t in zip(rel.columns, rel.dtypes, strict=True)}


def _number(v: object) -> object:
    try:
        return Decimal(v).normalize() if isinstance(v, str) else v
    except ArithmeticError:
        return v


def _rows(store: Path) -> dict[str, list[str]]:
    """Every stored row of both tables, but for `event_id` (a hash of the row's text where the
    export has no line id: a Parquet cell's text differs from the CSV cell's, `0.5` for `0.50` or a
    DOUBLE's shortest digits, so the same line is another id; stable across runs, tested below) and
    `source_file` (the file's name: `.parquet` for `.csv`). In `extra`, which keeps some cells as
    their text, a number is compared as a number (a DOUBLE 0 is written `0.0` where the CSV says `0`)."""
    con = Store.open(store).connect()
    got = {}
    for table in ("usage", "costs"):
        cur = con.execute(f"SELECT * EXCLUDE (event_id, source_file) FROM {table}")
        names = [d[0] for d in cur.description]
        rows = []
        for row in cur.fetchall():
            rec = dict(zip(names, row, strict=True))
            if rec.get("extra"):
                rec["extra"] = {k: _number(v) for k, v in json.loads(rec["extra"]).items()}
            rows.append(repr(rec))
        got[table] = sorted(rows)
    return got


def _quarantine(store: Path) -> list[tuple[object, ...]]:
    """The quarantine's line numbers and reasons (not the shape of the record: a JSON row for a CSV
    record, the same row with typed values for a Parquet one)."""
    con = duckdb.connect()
    files = list((store / "quarantine").rglob("*.parquet")) if (store / "quarantine").exists() else []
    if not files:
        return []
    return sorted(con.execute(f"SELECT line, reason FROM read_parquet({[str(f) for f in files]})").fetchall())


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_a_parquet_export_stores_what_its_csv_stores(tmp_path: Path, fmt: str) -> None:
    orig, pq = FIXTURES / fmt, tmp_path / "parquet"  # the fixture folder's CSV files, and each as Parquet
    pq.mkdir()
    types = {c: t for p in sorted(orig.glob("*.csv"))
             for c, t in _to_parquet(p, pq / f"{p.stem}.snappy.parquet", nest=fmt == "gcp_billing_export_csv").items()}
    assert set(types.values()) != {"VARCHAR"}  # typed, not a CSV in another container
    for p in sorted(pq.iterdir()):  # exactly the CSV's format claims each Parquet file, as its CSV
        csv_head = intake.head(orig / p.name.replace(".snappy.parquet", ".csv"), False)
        assert [i.name for i in ingest.detect(intake.head(p, False), p.name)] == [
            i.name for i in ingest.detect(csv_head, p.name.replace(".snappy.parquet", ".csv"))]
    a, b = load(sorted(orig.glob("*.csv")), tmp_path / "s1"), load([pq], tmp_path / "s2")
    assert [(f.status, f.ingestor, f.rows_read, f.rows_stored, f.rows_quarantined, f.message) for f in b.files] == [
        (f.status, f.ingestor, f.rows_read, f.rows_stored, f.rows_quarantined,
         f.message and f.message.replace(".csv", ".snappy.parquet")) for f in a.files]
    assert _rows(tmp_path / "s2") == _rows(tmp_path / "s1")
    assert _quarantine(tmp_path / "s2") == _quarantine(tmp_path / "s1")
    # the same files again change nothing; a changed file replaces its rows
    before = _rows(tmp_path / "s2")
    again = load([pq], tmp_path / "s2")
    assert {f.status for f in again.files} <= {"unchanged", "companion"}
    assert _rows(tmp_path / "s2") == before


def test_the_main_exports_keep_their_real_types(tmp_path: Path) -> None:
    # the cases above are typed as the real exports are, not left as text by a bad fixture value
    cur = _to_parquet(FIXTURES / "aws_cur_bedrock_csv" / "input.csv", tmp_path / "cur.parquet")
    assert cur["line_item_usage_start_date"] == "TIMESTAMP"
    assert cur["line_item_unblended_cost"] == "DOUBLE" and cur["line_item_usage_amount"] == "BIGINT"
    focus = _to_parquet(FIXTURES / "focus_csv" / "input_focus_export.csv", tmp_path / "focus.parquet")
    assert focus["BilledCost"] == "DECIMAL(38,10)" and focus["Tags"] == "MAP(VARCHAR, VARCHAR)"
    assert focus["ChargePeriodStart"] == "TIMESTAMP WITH TIME ZONE"
    azure = _to_parquet(FIXTURES / "azure_cost_details_csv" / "input_cost_details.csv", tmp_path / "az.parquet")
    assert azure["date"] == "DATE" and azure["costInUsd"] == "DOUBLE"
    gcp = _to_parquet(FIXTURES / "gcp_billing_export_csv" / "input.csv", tmp_path / "gcp.parquet", nest=True)
    assert gcp["sku"].startswith("STRUCT(") and gcp["credits"].startswith("STRUCT(") and gcp["credits"].endswith("[]")
    assert gcp["usage_start_time"] == "TIMESTAMP WITH TIME ZONE"


def _cur(path: Path) -> None:
    """A CUR 2.0 Parquet as AWS Data Exports writes it: snake_case names, TIMESTAMP usage dates,
    DOUBLE costs and amounts, `resource_tags` and `product` maps."""
    duckdb.sql(f"""
    COPY (SELECT * FROM (VALUES
      ('li-1', 'USE1-Claude4.6Opus-input-tokens', 'AmazonBedrock', 'Usage', 200000.0, 0.000005, 1.0, 0.9),
      ('li-2', 'USE1-Claude4.6Opus-output-tokens', 'AmazonBedrock', 'Usage', 40000.0, 0.000025, 1.0, NULL),
      ('li-3', 'USE1-Claude4.6Opus-cache-read-input-token-count', 'AmazonBedrock', 'Usage', 1000000.0, 0.0000005,
       0.5, NULL),
      ('li-4', 'USE1-BoxUsage:t3.micro', 'AmazonEC2', 'Usage', 1.0, 0.0104, 0.0104, NULL)
    ) v(identity_line_item_id, line_item_usage_type, line_item_product_code, line_item_line_item_type,
        line_item_usage_amount, line_item_unblended_rate, line_item_unblended_cost, line_item_net_unblended_cost)
    CROSS JOIN (SELECT TIMESTAMP '2026-10-01 10:00:00' AS line_item_usage_start_date,
                       TIMESTAMP '2026-10-01 11:00:00' AS line_item_usage_end_date,
                       '2026-10-01T10:00:00Z/2026-10-01T11:00:00Z' AS identity_time_interval,
                       '123456789012' AS line_item_usage_account_id, 'tokens' AS pricing_unit,
                       'USD' AS line_item_currency_code,
                       MAP {{'user_team': 'support', 'iamPrincipal/role': 'bot'}} AS resource_tags,
                       MAP {{'region': 'us-east-1'}} AS product))
    TO '{path}' (FORMAT parquet, COMPRESSION snappy)""")


def test_a_cur_2_parquet_reads_its_bedrock_lines(tmp_path: Path) -> None:
    src = tmp_path / "data" / "BILLING_PERIOD=2026-10"
    src.mkdir(parents=True)
    _cur(src / "cur-00001.snappy.parquet")
    res = load([tmp_path / "data"], tmp_path / "store")
    assert [(f.status, f.ingestor) for f in res.files] == [("ingested", "aws_cur_bedrock_csv")]
    con = Store.open(tmp_path / "store").connect()
    got = con.execute("SELECT model, token_type, quantity, cost_usd, list_cost_usd, ts, bucket_end, project "
                      "FROM costs ORDER BY token_type").fetchall()
    # three Bedrock lines (the EC2 line is no Bedrock line, skipped); the input line's net cost 0.90 is its
    # cost, the others have none and cost their unblended 1.00 and 0.50: 0.90 + 1.00 + 0.50 = 2.40 billed,
    # 1.00 + 1.00 + 0.50 = 2.50 at list; 200,000 + 40,000 + 1,000,000 = 1,240,000 tokens
    assert [(m, t, int(q), c, lc) for m, t, q, c, lc, *_ in got] == [
        ("Claude4.6Opus", "cache_read", 1000000, Decimal("0.5"), Decimal("0.5")),
        ("Claude4.6Opus", "input", 200000, Decimal("0.9"), Decimal("1")),
        ("Claude4.6Opus", "output", 40000, Decimal("1"), Decimal("1")),
    ]
    assert con.execute("SELECT sum(cost_usd), sum(list_cost_usd), sum(quantity) FROM costs").fetchone() == (
        Decimal("2.4"), Decimal("2.5"), 1240000)
    # the TIMESTAMP start date is the hour it names, in UTC, and the account is the project
    assert {(str(r[5]), str(r[6]), r[7]) for r in got} == {
        ("2026-10-01 10:00:00+00:00", "2026-10-01 11:00:00+00:00", "123456789012")}
    assert res.files[0].rows_read == 3 and res.files[0].rows_stored == 3  # the EC2 line is not read
    # the event ids are the CUR's line ids, the same in every run; the run again changes no total
    ids = sorted(r[0] for r in con.execute("SELECT event_id FROM costs").fetchall())
    again = load([tmp_path / "data"], tmp_path / "store")
    assert [f.status for f in again.files] == ["unchanged"]
    con = Store.open(tmp_path / "store").connect()
    assert con.execute("SELECT sum(cost_usd), count(*) FROM costs").fetchone() == (Decimal("2.4"), 3)
    assert sorted(r[0] for r in con.execute("SELECT event_id FROM costs").fetchall()) == ids


def test_a_changed_parquet_file_replaces_its_rows(tmp_path: Path) -> None:
    f = tmp_path / "cur.parquet"
    _cur(f)
    load([f], tmp_path / "store")
    # the export re-delivered with the output line restated at $2.00 (the line ids stay): 0.90 + 2.00 + 0.50
    duckdb.sql(f"COPY (SELECT * REPLACE (CASE WHEN identity_line_item_id = 'li-2' THEN 2.0 ELSE "
               f"line_item_unblended_cost END AS line_item_unblended_cost) FROM read_parquet('{f}')) "
               f"TO '{tmp_path / 'new.parquet'}' (FORMAT parquet)")
    (tmp_path / "new.parquet").replace(f)
    res = load([f], tmp_path / "store")
    assert [f.status for f in res.files] == ["replaced"]
    con = Store.open(tmp_path / "store").connect()
    assert con.execute("SELECT sum(cost_usd), count(*) FROM costs").fetchone() == (Decimal("3.4"), 3)


def test_a_parquet_file_inside_a_zip_is_read(tmp_path: Path) -> None:
    _cur(tmp_path / "cur-00001.snappy.parquet")
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as z:
        z.write(tmp_path / "cur-00001.snappy.parquet", "data/cur-00001.snappy.parquet")
    res = load([tmp_path / "export.zip"], tmp_path / "store")
    assert [(f.status, f.ingestor, f.rows_stored) for f in res.files] == [("ingested", "aws_cur_bedrock_csv", 3)]
    con = Store.open(tmp_path / "store").connect()
    assert con.execute("SELECT sum(cost_usd) FROM costs").fetchone() == (Decimal("2.4"),)  # as above


def test_a_parquet_file_of_no_known_columns_names_its_columns(tmp_path: Path) -> None:
    f = tmp_path / "mystery.parquet"
    duckdb.sql(f"COPY (SELECT 1 AS request_ts, 'x' AS llm_name, 2.5 AS dollars) TO '{f}' (FORMAT parquet)")
    res = load([f], tmp_path / "store")
    assert res.files[0].status == "unrecognised"
    assert "no known format matches" in (res.files[0].message or "")
    assert "a Parquet file with the columns request_ts, llm_name, dollars" in (res.files[0].message or "")


def test_a_damaged_parquet_file_fails_with_its_reason(tmp_path: Path) -> None:
    f = tmp_path / "cut.parquet"
    _cur(tmp_path / "whole.parquet")
    f.write_bytes((tmp_path / "whole.parquet").read_bytes()[:200])  # cut off: no footer
    res = load([f], tmp_path / "store")
    assert res.files[0].status == "failed"
    assert "starts as a Parquet file but cannot be read as one" in (res.files[0].message or "")


def _cli(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout + res.stderr


def test_the_cli_says_what_a_parquet_file_of_no_known_columns_holds(tmp_path: Path) -> None:
    f = tmp_path / "mystery.parquet"
    duckdb.sql(f"COPY (SELECT 1 AS request_ts, 'x' AS llm_name, 2.5 AS dollars) TO '{f}' (FORMAT parquet)")
    code, out = _cli("ingest", str(f), "--store", str(tmp_path / "store"))
    assert code == 1
    assert "it is a Parquet file with the columns request_ts, llm_name, dollars. Fix: pass --source NAME, or " \
           "describe your columns with --mapping FILE" in " ".join(out.split())


def test_a_parquet_mapping_claims_the_parquet_files_with_its_columns(tmp_path: Path) -> None:
    # a `format = "parquet"` mapping is detected by its match_columns (the Parquet file's columns, as its head
    # names them); it claimed any Parquet file before, and a CSV mapping never claims a Parquet file
    f = tmp_path / "mystery.parquet"
    duckdb.sql(f"COPY (SELECT TIMESTAMP '2026-10-01 10:00:00' AS request_ts, 'gpt-4o' AS llm_name, 120 AS prompt, "
               f"30 AS completion) TO '{f}' (FORMAT parquet)")
    _cur(tmp_path / "cur.parquet")
    m = tmp_path / "map.toml"
    m.write_text('name = "mystery_parquet"\nformat = "parquet"\nmatch_columns = ["request_ts", "llm_name"]\n'
                 '[time]\ncolumn = "request_ts"\n[fields]\nmodel = "llm_name"\nprovider = { value = "openai" }\n'
                 'input_tokens = "prompt"\noutput_tokens = "completion"\n')
    code, out = _cli("ingest", str(tmp_path), "--store", str(tmp_path / "store"), "--mapping", str(m))
    assert code == 0, out
    con = Store.open(tmp_path / "store").connect()
    assert con.execute("SELECT source, model, input_tokens, output_tokens FROM usage").fetchall() == [
        ("mystery_parquet", "gpt-4o", 120, 30)]
    assert con.execute("SELECT DISTINCT source FROM costs").fetchall() == [("aws_cur_bedrock_csv",)]


def test_a_store_part_named_as_input_is_said_to_be_one(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    _cur(tmp_path / "in" / "cur.parquet")
    assert _cli("ingest", str(tmp_path / "in"), "--store", str(tmp_path / "store"), "--quiet")[0] == 0
    part = next((tmp_path / "store" / "costs").rglob("*.parquet"))
    code, out = _cli("ingest", str(part), "--store", str(tmp_path / "other"))
    assert code == 1
    assert f"is a file of the llmcost store {tmp_path / 'store'}, not input: it was not read" in " ".join(out.split())
