"""Issue 17, the data half: mappings are data, lines without ids stay distinct, UTF-16 CSV and a
first record over 64 KB are read, and our own exports are not ingested as billed costs.

Expected counts are written by hand from the files the tests build.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.ingest.loader import load
from llmcost.storage.store import Store, connect_duckdb


def _one_error_line(output: str) -> str:
    lines = [x for x in output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), output
    assert "Traceback" not in output
    return lines[0]


CSV = "when,tok_in,tok_out,who\n2026-10-01T10:00:00Z,100,10,alice\n2026-10-01T10:00:00Z,100,10,alice\n"
HEAD = """name = "hostile_map"
format = "csv"
match_columns = ["when", "tok_in", "tok_out"]
[time]
column = "when"
[fields]
input_tokens = "tok_in"
output_tokens = "tok_out"
"""


def _ingest(tmp_path: Path, mapping: str, *extra: str) -> tuple[int, str]:
    (tmp_path / "logs").mkdir(exist_ok=True)
    if not (tmp_path / "logs" / "app.csv").exists():
        (tmp_path / "logs" / "app.csv").write_text(CSV)
    (tmp_path / "m.toml").write_text(mapping)
    res = CliRunner().invoke(app, ["ingest", str(tmp_path / "logs"), "--store", str(tmp_path / "s"),
                                   "--mapping", str(tmp_path / "m.toml"), *extra])
    return res.exit_code, res.output


@pytest.mark.parametrize("expr", [
    "read_text('/etc/passwd')",
    "(SELECT content FROM read_text('/etc/passwd'))",
    "getenv('HOME')",
])
def test_a_mapping_with_sql_is_refused_without_opt_in(tmp_path: Path, expr: str) -> None:
    code, out = _ingest(tmp_path, HEAD + f'user_id = {{ expr = "{expr}" }}\n')
    line = _one_error_line(out)
    assert code != 0 and "SQL expression" in line and "--allow-mapping-sql" in line and "passwd" not in out.replace(
        expr, "")
    # allow_sql in the file alone is not enough either: the user must pass the flag
    code, out = _ingest(tmp_path, "allow_sql = true\n" + HEAD + f'user_id = {{ expr = "{expr}" }}\n')
    line = _one_error_line(out)
    assert code != 0 and "--allow-mapping-sql" in line
    assert not (tmp_path / "s" / "manifest.json").exists()


@pytest.mark.parametrize("field", [
    'user_id = "x\\", read_text(\'/etc/passwd\') AS \\"y"',  # a quote to break out of the identifier
    'user_id = "tok_in; INSTALL httpfs"',
    'user_id = { column = "who", transform = "read_text" }',
    'user_id = { value = "a", expr = "1" }',
    "project = { file_regex = 'no-group' }",
    "project = { file_regex = '(' }",
])
def test_a_mapping_field_is_a_column_name_or_a_documented_transform(tmp_path: Path, field: str) -> None:
    code, out = _ingest(tmp_path, HEAD + field + "\n")
    assert code != 0
    _one_error_line(out)


def test_hostile_time_column_and_match_columns_are_refused(tmp_path: Path) -> None:
    bad_time = HEAD.replace('column = "when"', 'column = "when\\" || read_text(\'/etc/passwd\') || \\""')
    code, out = _ingest(tmp_path, bad_time)
    assert code != 0 and "time.column" in _one_error_line(out)
    bad_match = HEAD.replace('match_columns = ["when", "tok_in", "tok_out"]',
                             "match_columns = [\"when') , read_text('/etc/passwd\"]")
    code, out = _ingest(tmp_path, bad_match.replace('format = "csv"', 'format = "jsonl"'))
    assert code != 0 and "match_columns" in _one_error_line(out)


def test_sql_runs_with_both_opt_ins_and_no_extension_is_fetched(tmp_path: Path) -> None:
    ok = "allow_sql = true\n" + HEAD + "user_id = { expr = \"upper(who) || '!'\" }\n"
    code, out = _ingest(tmp_path, ok, "--allow-mapping-sql")
    assert code == 0, out
    con = Store.open(tmp_path / "s").connect()
    assert con.execute("SELECT DISTINCT user_id FROM usage").fetchall() == [("ALICE!",)]
    # with the user's consent an expression may try the network: the extension is not fetched
    remote = "(SELECT 1 FROM read_csv('https://example.invalid/x.csv'))"
    net = "allow_sql = true\n" + HEAD + f'user_id = {{ expr = "{remote}" }}\n'
    (tmp_path / "n").mkdir()
    code, out = _ingest(tmp_path / "n", net, "--allow-mapping-sql")
    assert code == 1 and "Traceback" not in out and "httpfs" in out  # the file fails with its message


def test_extension_autoload_is_off_on_every_connection(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s", create=True)
    with store.writer() as w:  # the loader's connection (Loader.run works on its writer's)
        cons = [connect_duckdb(), store.connect(), w.con]
        for con in cons:
            got = con.execute("SELECT current_setting('autoinstall_known_extensions'), "
                              "current_setting('autoload_known_extensions')").fetchone()
            assert got == (False, False)
            with pytest.raises(duckdb.Error, match="httpfs"):
                con.execute("SELECT * FROM read_csv('https://example.invalid/x.csv')")
    # and INSTALL itself cannot reach a repository that is not there: it fails, with no traceback in the CLI
    assert duckdb.connect().execute("SELECT current_setting('autoload_known_extensions')").fetchone() == (True,)


def test_transforms_apply(tmp_path: Path) -> None:
    fields = ('user_id = { column = "who", transform = "upper" }\n'
              "project = { file_regex = '/(a[a-z]+)\\.csv$', prefix = \"p-\", default = \"none\" }\n"
              'model = { value = "m1" }\nprovider = { column = "who" }\n')
    code, out = _ingest(tmp_path, HEAD + fields)
    assert code == 0, out
    con = Store.open(tmp_path / "s").connect()
    assert con.execute("SELECT DISTINCT user_id, project, model, provider FROM usage").fetchall() == [
        ("ALICE", "p-app", "m1", "alice")]


def test_builtin_mappings_use_transforms_and_trusted_sql_only() -> None:
    from llmcost.ingest.mapped import builtin_mappings

    ms = {m.name: m for m in builtin_mappings()}
    assert not ms["azure_llm_trace_csv"].allow_sql  # file name parts are a transform now
    for m in ms.values():
        uses_sql = any(isinstance(v, dict) and "expr" in v for v in m.fields.values())
        assert uses_sql == m.allow_sql, m.name


# -- identity of rows without ids -------------------------------------------------------------------

def test_identical_lines_without_ids_are_two_requests_and_reingest_changes_nothing(tmp_path: Path) -> None:
    code, out = _ingest(tmp_path, HEAD)
    assert code == 0, out
    con = Store.open(tmp_path / "s").connect()
    # the file has two identical lines: two requests, 200 input tokens
    assert con.execute("SELECT count(*), sum(input_tokens) FROM usage").fetchone() == (2, 200)
    con.close()
    # the same file again (unchanged), and then touched (read again): still 2 requests
    code, out = _ingest(tmp_path, HEAD)
    assert code == 0, out
    (tmp_path / "logs" / "app.csv").write_text(CSV)  # same bytes, new mtime
    code, out = _ingest(tmp_path, HEAD)
    assert code == 0
    # appended: the file is read again and replaces its rows; 3 lines, 3 requests
    (tmp_path / "logs" / "app.csv").write_text(CSV + "2026-10-01T10:00:00Z,100,10,alice\n")
    code, out = _ingest(tmp_path, HEAD)
    assert code == 0, out
    con = Store.open(tmp_path / "s").connect()
    assert con.execute("SELECT count(*), sum(input_tokens) FROM usage").fetchone() == (3, 300)


def test_identity_content_keeps_the_old_rule(tmp_path: Path) -> None:
    code, out = _ingest(tmp_path, HEAD.replace('format = "csv"', 'format = "csv"\nidentity = "content"'))
    assert code == 0, out
    con = Store.open(tmp_path / "s").connect()
    assert con.execute("SELECT count(*) FROM usage").fetchone() == (1,)


# -- encodings and long first records ---------------------------------------------------------------

OPENAI_LINE = {"ts": "2026-10-01T00:00:00Z", "response": {
    "id": "chatcmpl-A1", "object": "chat.completion", "model": "gpt-4o-2024-08-06",
    "usage": {"prompt_tokens": 1200, "completion_tokens": 80}}}


def _usage(store: Path) -> tuple[int, int, int]:
    con = Store.open(store).connect()
    got = con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens) FROM usage").fetchone()
    assert got is not None
    return got


@pytest.mark.parametrize("encoding,bom", [("utf-16", b""), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                          ("utf-16-le", b""), ("utf-32", b"")])
def test_utf16_csv_is_read_like_utf8(tmp_path: Path, encoding: str, bom: bytes) -> None:
    src = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "openrouter_activity_csv"
    plain = sorted(p for p in src.iterdir() if p.name.startswith("input"))[0]
    text = plain.read_text(encoding="utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "activity.csv").write_text(text, encoding="utf-8")
    (tmp_path / "b" / "activity.csv").write_bytes(bom + text.encode(encoding))
    ra = load([tmp_path / "a"], tmp_path / "sa")
    rb = load([tmp_path / "b"], tmp_path / "sb")
    assert [f.status for f in ra.files] == ["ingested"]
    assert [(f.status, f.ingestor, f.rows_stored) for f in rb.files] == [
        (f.status, f.ingestor, f.rows_stored) for f in ra.files]
    assert _usage(tmp_path / "sb") == _usage(tmp_path / "sa")
    assert ra.files[0].rows_stored > 0


def test_gzipped_utf16_csv_is_read_like_utf8(tmp_path: Path) -> None:
    import gzip

    src = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "openrouter_activity_csv"
    text = sorted(p for p in src.iterdir() if p.name.startswith("input"))[0].read_text(encoding="utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "activity.csv").write_text(text, encoding="utf-8")
    (tmp_path / "b" / "activity.csv.gz").write_bytes(gzip.compress(text.encode("utf-16")))
    ra = load([tmp_path / "a"], tmp_path / "sa")
    rb = load([tmp_path / "b"], tmp_path / "sb")
    assert [(f.status, f.ingestor, f.rows_stored) for f in rb.files] == [
        (f.status, f.ingestor, f.rows_stored) for f in ra.files] and ra.files[0].rows_stored > 0
    assert _usage(tmp_path / "sb") == _usage(tmp_path / "sa")
    assert rb.files[0].path.endswith("activity.csv.gz")  # known by its own name


def test_a_first_record_over_64_kb_is_detected(tmp_path: Path) -> None:
    first = dict(OPENAI_LINE, metadata={"note": "x" * 200_000})  # a 200 KB first line
    second = json.loads(json.dumps(OPENAI_LINE))
    second["response"]["id"] = "chatcmpl-A2"
    f = tmp_path / "app.jsonl"
    f.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    result = load([f], tmp_path / "s")
    assert [(r.status, r.ingestor, r.rows_stored) for r in result.files] == [
        ("ingested", "openai_response_jsonl", 2)]
    assert _usage(tmp_path / "s") == (2, 2400, 160)


def test_a_first_record_over_the_head_limit_falls_back_to_unrecognised(tmp_path: Path) -> None:
    from llmcost.ingest.intake import MAX_HEAD_BYTES

    first = dict(OPENAI_LINE, metadata={"note": "x" * (MAX_HEAD_BYTES + 10)})
    f = tmp_path / "app.jsonl"
    f.write_text(json.dumps(first) + "\n")
    result = load([f], tmp_path / "s")
    assert [r.status for r in result.files] == ["unrecognised"]  # one line, no traceback, nothing stored


# -- our own outputs ----------------------------------------------------------------------------

def test_our_focus_export_and_json_report_in_the_logs_folder_are_skipped(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    line = json.dumps(OPENAI_LINE)
    (logs / "app.jsonl").write_text(line + "\n")
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", str(logs), "--store", str(tmp_path / "s")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["export-focus", "--store", str(tmp_path / "s"), "--out", str(logs / "focus.csv")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["report", "--store", str(tmp_path / "s"), "--format", "json",
                              "--out", str(logs / "report.json")])
    assert res.exit_code == 0, res.output
    before = _usage(tmp_path / "s")
    res = runner.invoke(app, ["ingest", str(logs), "--store", str(tmp_path / "s")])
    # each of ours named once, with why; nothing new stored
    assert res.exit_code == 1
    assert res.output.count("written by llmcost-forecast") == 2, res.output
    assert "focus.csv is a FOCUS export written by llmcost-forecast export-focus: skipped" in res.output
    assert "report.json is a JSON report written by llmcost-forecast: skipped" in res.output
    assert _usage(tmp_path / "s") == before == (1, 1200, 80)
    con = Store.open(tmp_path / "s").connect()
    assert con.execute("SELECT count(*) FROM costs").fetchone() == (0,)
    # forcing the FOCUS format does not bring it in either
    res = runner.invoke(app, ["ingest", str(logs / "focus.csv"), "--store", str(tmp_path / "s"),
                              "--source", "focus_csv"])
    assert "skipped" in res.output
    con = Store.open(tmp_path / "s").connect()
    assert con.execute("SELECT count(*) FROM costs").fetchone() == (0,)


def test_our_csv_report_tables_are_recognised_and_none_is_ingested(tmp_path: Path) -> None:
    from llmcost.ingest.intake import report_headers

    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "app.jsonl").write_text(json.dumps(OPENAI_LINE) + "\n")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(logs), "--store", str(tmp_path / "s")]).exit_code == 0
    res = runner.invoke(app, ["report", "--store", str(tmp_path / "s"), "--format", "csv", "--out", str(logs / "csv")])
    assert res.exit_code == 0, res.output
    tables = sorted(p.stem for p in (logs / "csv").glob("*.csv"))
    res = runner.invoke(app, ["ingest", str(logs), "--store", str(tmp_path / "s")])
    ours = [x for x in res.output.splitlines() if "table of a CSV report written by llmcost-forecast: skipped" in x]
    # every table whose columns do not depend on the data is named as ours (21 of 26 today)
    assert len(ours) == len(set(report_headers().values()) & set(tables)) >= 20
    assert "0 ingested, 0 replaced, 1 unchanged" in res.output  # nothing of the report went in
    assert _usage(tmp_path / "s") == (1, 1200, 80)
