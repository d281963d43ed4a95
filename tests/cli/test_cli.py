"""Every user-facing message: exit code and text (no tracebacks)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from llmcost.cli import app

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests/fixtures/ingest/openai_response_jsonl"


def _fixture_expected() -> tuple[int, str, str]:
    """Rows stored, first and last day of the OpenAI fixture, read from its expected.jsonl (the
    hand-written expectation, not the code under test)."""
    lines = [json.loads(x) for x in (FIXTURE / "expected.jsonl").read_text().splitlines() if x.strip()]
    summary = next(x for x in lines if "rows_stored" in x)
    days = sorted(x["ts"][:10] for x in lines if "ts" in x)
    return summary["rows_stored"], days[0], days[-1]
runner = CliRunner()


def test_main_job_on_sample_logs_json(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["--logs", str(REPO / "sample_logs"), "--store", str(tmp_path / "s"), "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    ing = doc["ingest"]
    assert ing["rows_read"] == ing["rows_stored"] + ing["rows_duplicate"] + ing["rows_quarantined"]
    # 4,947 + 1,865 generated rows and the 300-row trace slice (counted from the files)
    lines = sum(len(p.read_text().splitlines()) for p in (REPO / "sample_logs/app-logs").glob("*.jsonl"))
    assert ing["rows_read"] == lines + 300
    for k in (
        "requests",
        "input_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "output_tokens",
        "cost_usd",
        "unpriced_requests",
    ):
        assert k in doc["totals"]
    assert isinstance(doc["totals"]["cost_usd"], str)  # a decimal string, never a float
    assert doc["totals"]["unpriced_requests"] == 300


def test_missing_path_is_one_line_error(tmp_path: Path) -> None:
    res = runner.invoke(app, ["ingest", str(tmp_path / "nope"), "--store", str(tmp_path / "s")])
    assert res.exit_code == 2
    assert res.output.startswith("Error: No such file or directory")
    assert "Traceback" not in res.output


def test_unknown_engine_is_one_line_error(tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", "--store", str(tmp_path / "s"), "--engine", "presto"])
    assert res.exit_code == 2, res.output
    assert res.output.startswith("Error: Unknown --engine 'presto'") and "duckdb, spark" in res.output
    assert len(res.output.strip().splitlines()) == 1 and "Traceback" not in res.output


def test_report_without_store(tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", "--store", str(tmp_path / "none")])
    assert res.exit_code == 3
    assert "No store at" in res.output and "Fix:" in res.output


def test_main_job_without_logs_reports_the_store(tmp_path: Path) -> None:
    """`--store S --format json` with no --logs (cron after a separate ingest) reports the store;
    a bare call prints help; ingest-only options without --logs are a usage error."""
    store = str(tmp_path / "s")
    fixture = REPO / "tests/fixtures/ingest/openai_response_jsonl/input.jsonl"
    assert runner.invoke(app, ["ingest", str(fixture), "--store", store]).exit_code in (0, 1)
    res = runner.invoke(app, ["--store", store, "--format", "json", "--no-forecast"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["ingest"]["files"] == 1
    assert doc["totals"]["requests"] == _fixture_expected()[0]  # rows_stored in the fixture's expected.jsonl
    assert runner.invoke(app, []).output.startswith("Usage:")
    res = runner.invoke(app, ["--store", str(tmp_path / "none")])
    assert res.exit_code == 3 and "No store at" in res.output
    res = runner.invoke(app, ["--store", store, "--keep-text"])
    assert res.exit_code == 2 and "Fix: add --logs" in res.output


def test_unknown_file_is_named_and_others_still_go_in(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "weird.csv").write_text("a,b\n1,2\n")
    (logs / "good.jsonl").write_text(
        (REPO / "tests/fixtures/ingest/openai_response_jsonl/input.jsonl").read_text()
    )
    res = runner.invoke(app, ["ingest", str(logs), "--store", str(tmp_path / "s")])
    assert res.exit_code == 1
    assert "weird.csv" in res.output and "`llmcost-forecast formats` lists the" in res.output
    assert "1 ingested" in res.output


def test_unknown_source_did_you_mean(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "ingest",
            str(REPO / "sample_logs"),
            "--source",
            "openai_respons_jsonl",
            "--store",
            str(tmp_path / "s"),
        ],
    )
    assert res.exit_code == 2
    assert "(did you mean 'openai_response_jsonl'" in res.output


def test_bad_format_option(tmp_path: Path) -> None:
    runner.invoke(app, ["ingest", str(REPO / "sample_logs/public-trace"), "--store", str(tmp_path / "s")])
    res = runner.invoke(app, ["report", "--store", str(tmp_path / "s"), "--format", "xml"])
    assert res.exit_code == 2 and "Unknown --format 'xml'" in res.output


def test_formats_lists_every_format() -> None:
    from llmcost import ingest

    res = runner.invoke(app, ["formats"])
    assert res.exit_code == 0
    for name in ingest.registry():
        assert name in res.output


def test_locked_store_exits_75(tmp_path: Path) -> None:
    from llmcost.storage.store import Store

    store = Store.open(tmp_path / "s", create=True)
    with store.lock(exclusive=True):
        res = runner.invoke(
            app,
            ["ingest", str(REPO / "sample_logs/public-trace"), "--store", str(tmp_path / "s"), "--wait", "0"],
        )
    assert res.exit_code == 75
    assert "busy" in res.output and "--wait" in res.output


def test_map_option_reads_a_custom_csv(tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    f.write_text("when,model,pin,pout\n1790000000,gpt-4o,100,20\n1790000100,gpt-4o,300,40\n")
    res = runner.invoke(
        app,
        [
            "ingest",
            str(f),
            "--store",
            str(tmp_path / "s"),
            "--map",
            "ts=when",
            "--map",
            "ts_unit=s",
            "--map",
            "model=model",
            "--map",
            "input_tokens=pin",
            "--map",
            "output_tokens=pout",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "2 stored" in res.output


def test_full_disk_and_out_of_memory_are_one_line_errors(tmp_path: Path, monkeypatch) -> None:
    """DuckDB's spill failures (a full temp disk, the memory limit) reach the user as one line
    with a fix and exit code, not a traceback (the 20 GB scale run once ended in one)."""
    import duckdb

    import llmcost.document.analysis

    store = tmp_path / "s"
    fixture = REPO / "tests/fixtures/ingest/openai_response_jsonl/input.jsonl"
    assert runner.invoke(app, ["ingest", str(fixture), "--store", str(store)]).exit_code == 0
    for exc, code, words in (
        (duckdb.IOException('IO Error: Could not write file "/tmp/x.tmp": No space left on device'), 3,
         ("disk is full", "TMPDIR")),
        (duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate"), 2, ("Out of memory",
                                                                                     "LLMCOST_MEMORY_LIMIT")),
    ):
        def boom(*_a, _exc=exc, **_k):
            raise _exc

        monkeypatch.setattr(llmcost.document.analysis, "build_report", boom)
        res = runner.invoke(app, ["report", "--store", str(store)])
        assert res.exit_code == code, res.output
        assert res.output.startswith("Error: ") and len(res.output.strip().splitlines()) == 1, res.output
        assert all(w in res.output for w in words), res.output
        assert "Traceback" not in res.output


def test_quarantined_rows_are_shown_with_file_line_and_reason(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    good = (REPO / "tests/fixtures/ingest/openai_response_jsonl/input.jsonl").read_text().splitlines()
    (logs / "mixed.jsonl").write_text("\n".join([good[0], "{broken", good[1]]) + "\n")
    res = runner.invoke(app, ["--logs", str(logs), "--store", str(tmp_path / "s"), "--no-forecast"])
    assert res.exit_code == 0, res.output
    assert "Quarantined rows" in res.output
    words = " ".join(res.output.split())  # the summary wraps long lines
    assert "mixed.jsonl: 1 row, first at line 2: not valid JSON" in words, res.output
    res = runner.invoke(app, ["report", "--store", str(tmp_path / "s"), "--format", "json", "--no-forecast"])
    by_file = json.loads(res.stdout)["ingest"]["by_file"]
    assert [f["first_quarantined"] for f in by_file] == [{"line": 2, "reason": "not valid JSON"}]


def test_store_path_under_a_file_is_one_line_error(tmp_path: Path) -> None:
    """The file system refusing (here: a store path below a regular file) is one line, exit 3."""
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    fixture = REPO / "tests/fixtures/ingest/openai_response_jsonl/input.jsonl"
    res = runner.invoke(app, ["ingest", str(fixture), "--store", str(blocker / "s")])
    assert res.exit_code == 3, res.output
    assert res.output.startswith("Error: Not a directory") and str(blocker / "s") in res.output
    assert len(res.output.strip().splitlines()) == 1 and "Traceback" not in res.output


def test_a_pasted_snippet_with_zero_prices_is_warned_about(tmp_path: Path) -> None:
    """The unpriced-model snippet says 'replace the zeros'; left as is, the model costs $0, and the
    report says so instead of printing $0.00 silently."""
    store = str(tmp_path / "s")
    fixture = REPO / "tests/fixtures/ingest/azure_llm_trace_csv/input_conv.csv"
    runner.invoke(app, ["ingest", str(fixture), "--store", store])
    doc = json.loads(runner.invoke(app, ["report", "--store", store, "--format", "json", "--no-forecast"]).stdout)
    snippet = doc["unpriced"][0]["override_snippet"]
    zero = tmp_path / "zero.toml"
    zero.write_text(snippet + "\n")
    real = tmp_path / "real.toml"
    real.write_text(snippet.replace("input = 0.0", "input = 30.0").replace("output = 0.0", "output = 60.0") + "\n")
    res = runner.invoke(app, ["report", "--store", store, "--prices", str(zero), "--format", "json", "--no-forecast"])
    doc = json.loads(res.stdout)
    assert doc["totals"]["unpriced_requests"] == 0 and Decimal(doc["totals"]["cost_usd"]) == 0
    assert any(w.startswith(f"{zero.name}:1 prices azure/unspecified at $0") for w in doc["warnings"]), doc["warnings"]
    res = runner.invoke(app, ["report", "--store", store, "--prices", str(real), "--format", "json", "--no-forecast"])
    doc = json.loads(res.stdout)
    # the fixture's 2 valid rows: (374 + 396) input x $30/M + (44 + 109) output x $60/M = $0.03228
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("0.03228")
    assert not any("at $0" in w for w in doc["warnings"])


def test_an_empty_file_is_named(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "empty.jsonl").write_bytes(b"")
    (logs / "good.jsonl").write_text((REPO / "tests/fixtures/ingest/openai_response_jsonl/input.jsonl").read_text())
    res = runner.invoke(app, ["ingest", str(logs), "--store", str(tmp_path / "s")])
    assert res.exit_code == 1
    assert f"Warning: {logs / 'empty.jsonl'} is empty (0 bytes): nothing to ingest. Fix:" in res.output, res.output
    assert "1 ingested" in res.output


def test_a_window_before_the_data_says_no_data_not_zero(tmp_path: Path) -> None:
    """--month on a month before the store's first day: no data, so its spend is unknown (null, not
    $0, which would read as measured and empty), a warning naming the range the store holds and a
    month inside it, and exit 1 (tests/cli/test_period_data.py has the other formats and edges)."""
    store = str(tmp_path / "s")
    fixture = REPO / "tests/fixtures/ingest/openai_response_jsonl/input.jsonl"
    runner.invoke(app, ["ingest", str(fixture), "--store", store])
    res = runner.invoke(app, ["report", "--store", store, "--month", "2025-02", "--format", "json", "--no-forecast"])
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    assert doc["totals"]["requests"] == 0 and doc["totals"]["cost_usd"] is None
    # the range of the fixture's stored rows, from its expected.jsonl
    _, first, last = _fixture_expected()
    assert doc["period"] | {"covers": None} == {
        "since": "2025-02-01", "until": "2025-02-28", "month": "2025-02", "tz": "UTC", "covers": None,
        "has_data": False, "data_first_day": first, "data_last_day": last}
    assert doc["warnings"][0].startswith(
        f"no data for this period (2025-02): the store holds data from {first} to {last} (UTC); it starts on "
        f"{first}, so this period's spend is unknown, not $0. Fix: choose a period inside it (--month {first[:7]}"
    ), doc["warnings"]
    assert res.stderr == f"Warning: {doc['warnings'][0]}.\n"


def test_a_forced_source_that_reads_nothing_says_so_and_the_right_one_reads_the_file_again(tmp_path: Path) -> None:
    """--source naming the wrong format used to read 0 rows with exit 0 and no word; then the file
    counted as unchanged, so the right --source could not read it. Now the first run warns (exit 1,
    the file named with the way out) and a run with the file's own format replaces its rows."""
    store = str(tmp_path / "s")
    log = str(FIXTURE / "input.jsonl")
    stored, _, _ = _fixture_expected()
    res = runner.invoke(app, ["ingest", log, "--store", store, "--source", "azure_cost_details_csv"])
    assert res.exit_code == 1, res.output
    warning = [ln for ln in res.output.splitlines() if ln.startswith("Warning:")]
    assert len(warning) == 1 and f"--source azure_cost_details_csv read no rows from {log}" in warning[0], res.output
    assert "Fix:" in warning[0]
    res = runner.invoke(app, ["ingest", log, "--store", store, "--source", "openai_response_jsonl"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("0 ingested, 1 replaced, 0 unchanged"), res.output
    assert f"= {stored} stored" in res.output
    # the same format again: unchanged, as before
    res = runner.invoke(app, ["ingest", log, "--store", store, "--source", "openai_response_jsonl"])
    assert res.exit_code == 0 and res.output.startswith("0 ingested, 0 replaced, 1 unchanged"), res.output


def test_a_forced_source_that_quarantines_every_row_warns_and_a_run_without_it_reads_the_file_again(
        tmp_path: Path) -> None:
    """--source naming a format that reads the file's lines but quarantines every one (a JSON-lines
    format on another JSON-lines format) was silent with exit 0, and a later run without --source
    kept the file as unchanged: the wrong read could only be undone by the right --source. Now the
    first run warns (exit 1) and a run without --source detects the file and reads it again."""
    store = str(tmp_path / "s")
    log = str(REPO / "tests/fixtures/ingest/openai_stream_jsonl/input.jsonl")
    res = runner.invoke(app, ["ingest", log, "--store", store, "--source", "litellm_spend_logs_json"])
    assert res.exit_code == 1, res.output
    warning = [ln for ln in res.output.splitlines() if ln.startswith("Warning:")]
    # the file's 10 lines, each read and quarantined as a spend log
    assert len(warning) == 1 and f"--source litellm_spend_logs_json quarantined every row of {log} (10 rows)" \
        in warning[0] and "Fix:" in warning[0], res.output
    res = runner.invoke(app, ["ingest", log, "--store", store])
    assert res.exit_code == 0, res.output
    # read as openai_stream_jsonl: the fixture's expected.jsonl for this file: lines 4, 5, 7, 8, 9, 10
    # read; 4 and 7 stored, 8 and 9 duplicates of 7, 5 and 10 quarantined
    assert res.output.startswith("0 ingested, 1 replaced, 0 unchanged"), res.output
    assert "6 rows read = 2 stored + 2 duplicate + 2 quarantined" in res.output, res.output
    res = runner.invoke(app, ["ingest", log, "--store", store])
    assert res.exit_code == 0 and res.output.startswith("0 ingested, 0 replaced, 1 unchanged"), res.output


def test_a_truncated_export_fails_with_one_clean_sentence(tmp_path: Path) -> None:
    """A JSON page cut short: DuckDB's own message ends with '. '; ours must not add '. .'."""
    page = (REPO / "tests/fixtures/ingest/openai_usage_api_json/input_pages.json").read_bytes()
    cut = tmp_path / "usage.json"
    cut.write_bytes(page[:400])
    res = runner.invoke(app, ["ingest", str(cut), "--store", str(tmp_path / "s")])
    assert res.exit_code == 1, res.output
    warning = [ln for ln in res.output.splitlines() if ln.startswith("Warning:")]
    assert len(warning) == 1 and "could not be read as openai_usage_api_json" in warning[0], res.output
    # a JSON document is parsed whole: the reason in brackets, then the fix (ingest.commit)
    assert "(unexpected end of data)" in warning[0] and "Fix:" in warning[0], warning[0]
    assert ". ." not in warning[0] and "..." not in warning[0], warning[0]


def test_files_read_again_for_one_reason_are_noted_three_times_then_counted(tmp_path, monkeypatch) -> None:
    """After a release that changes a format's reader, every stored file of that format is read
    again, each with a note: a heavy Claude Code user's 5,000 sessions made 5,000 lines on stderr.
    Three are said, then how many more."""
    from llmcost import ingest
    from llmcost.ingest.loader import load

    folder = tmp_path / "projects" / "-home-dev-app"
    folder.mkdir(parents=True)
    for i in range(5):
        line = {"parentUuid": None, "isSidechain": False, "version": "2.1.3", "uuid": f"u{i}", "type": "assistant",
                "sessionId": f"s{i}", "timestamp": "2026-09-01T10:00:00Z", "requestId": f"req{i}",
                "cwd": "/home/dev/app", "message": {"id": f"msg{i}", "model": "claude-sonnet-4-5", "role": "assistant",
                                                    "content": [{"type": "text", "text": "hi"}],
                                                    "usage": {"input_tokens": 10, "output_tokens": 5}}}
        (folder / f"s{i}.jsonl").write_text(json.dumps(line) + "\n")
    store = tmp_path / "store"
    load([tmp_path / "projects"], store)
    cls = type(ingest.get("claude_code_jsonl"))
    monkeypatch.setattr(cls, "reader_changes", {**cls.reader_changes, max(cls.reader_changes, default=1) + 1: "x"})
    res = CliRunner().invoke(app, ["ingest", str(tmp_path / "projects"), "--store", str(store)])
    assert res.exit_code == 0, res.output
    notes = [ln for ln in res.output.splitlines() if ln.startswith("Note:")]
    assert len(notes) == 4, notes
    assert all(" was read again: version " in n for n in notes[:3])
    assert notes[3] == "Note: and 2 more files for the same reason."
    assert "0 ingested, 5 replaced, 0 unchanged" in res.output
