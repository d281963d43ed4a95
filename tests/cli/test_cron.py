"""Cron mode, end to end in subprocesses: the crontab line from docs/cron.md, budgets, placeholders."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent
TOOL = str(Path(sys.executable).parent / "llmcost-forecast")
APP_LOGS = REPO / "sample_logs/app-logs"


def _crontab_line() -> str:
    text = (REPO / "docs/cron.md").read_text()
    block = text.split("<!-- CRONTAB:START -->", 1)[1].split("<!-- CRONTAB:END -->", 1)[0]
    (line,) = [ln for ln in block.splitlines() if re.match(r"^[\d*/,-]+( [\d*/,-]+){4} ", ln)]
    return line


def _run_cron_command(home: Path) -> subprocess.CompletedProcess[str]:
    command = _crontab_line().split(" ", 5)[5]  # drop the five schedule fields
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMCOST_")}
    env |= {"HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def _check_exit(p: subprocess.CompletedProcess[str], work: Path) -> None:
    log = (work / "reports" / "cron.log").read_text()
    assert p.returncode in (0, 1, 4), log
    assert (p.returncode == 1) == ("no data for this period" in log), log
    assert "Traceback" not in log


def test_crontab_line_twice_ingests_only_the_new_file(tmp_path: Path) -> None:
    work = tmp_path / "llmcost"
    (work / "exports").mkdir(parents=True)
    (work / "reports").mkdir()
    (work / ".venv").symlink_to(VENV)
    (work / "exports/assistant-openai.jsonl").write_bytes((APP_LOGS / "assistant-openai.jsonl").read_bytes())
    month = datetime.now(ZoneInfo("Europe/Paris")).strftime("%Y-%m")
    report = work / "reports" / f"llmcost-{month}.html"

    first = _run_cron_command(tmp_path)
    # 4 only if this month's sample spend passes the budget; 1 when this month (today's) lies after the
    # sample data's last day: the report says "no data for this period" (spend unknown, not $0)
    _check_exit(first, work)
    assert report.exists()
    assert "This run: 1 ingested, 0 replaced, 0 unchanged" in report.read_text()
    manifest = json.loads((work / ".llmcost/manifest.json").read_text())
    stamps = {Path(k).name: v for k, v in _ingested_at(manifest).items()}

    # a new export arrives; the old one is still there
    (work / "exports/support-bot-anthropic.jsonl").write_bytes(
        (APP_LOGS / "support-bot-anthropic.jsonl").read_bytes())
    second = _run_cron_command(tmp_path)
    _check_exit(second, work)
    html = report.read_text()
    assert "This run: 1 ingested, 0 replaced, 1 unchanged" in html
    after = {Path(k).name: v for k, v in _ingested_at(json.loads((work / ".llmcost/manifest.json").read_text()))
             .items()}
    assert after["assistant-openai.jsonl"] == stamps["assistant-openai.jsonl"]  # not read again
    assert set(after) == {"assistant-openai.jsonl", "support-bot-anthropic.jsonl"}
    assert "1,865" in html  # the new file's rows are in the second report


def _ingested_at(manifest: dict) -> dict[str, str]:
    files = manifest["files"]
    items = files.items() if isinstance(files, dict) else ((f["path"], f) for f in files)
    return {path: entry["ingested_at"] for path, entry in items}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = tmp_path_factory.mktemp("cron") / "store"
    res = subprocess.run([TOOL, "ingest", str(REPO / "sample_logs"), "--store", str(s), "--quiet"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    return s


def test_budget_below_spend_exits_4_and_still_writes(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "r-{month}.json"
    res = subprocess.run([TOOL, "report", "--store", str(store), "--month", "2026-10", "--budget", "10",
                          "--format", "json", "--out", str(out), "--quiet"],
                         capture_output=True, text=True, timeout=300, check=False,
                         env={**os.environ, "LLMCOST_TODAY": "2026-12-05"})
    assert res.returncode == 4, res.stderr
    assert res.stdout == ""
    # a closed month is checked against its actual spend (the whole month's, not "month-to-date"), not
    # against the current month's forecast
    assert res.stderr.startswith(
        "Error: Over budget: spend for 2026-10 (the whole month; the report's month, not the forecast month 2026-11) is"
    )
    doc = json.loads((tmp_path / "r-2026-10.json").read_text())
    assert doc["budget"]["exceeded"] is True and doc["budget"]["basis"] == "month_to_date"
    assert doc["budget"]["value_usd"] == doc["compare"]["totals"]["current_cost_usd"]


def test_budget_above_spend_exits_0(store: Path) -> None:
    res = subprocess.run([TOOL, "report", "--store", str(store), "--month", "2026-10", "--budget", "$1,000",
                          "--format", "md", "--quiet"], capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout == "" and res.stderr == ""


def test_budget_uses_the_forecast_when_present() -> None:
    from decimal import Decimal

    from llmcost.document.analysis import budget_check

    doc = {"forecast": {"month": "2026-11", "p50_usd": Decimal("90"), "hi_80_usd": Decimal("120")}}
    b = budget_check(doc, Decimal("100"))
    assert (b["exceeded"], b["basis"], b["value_usd"]) == (True, "forecast_hi_80", Decimal("120"))
    b = budget_check(doc, Decimal("80"))
    assert (b["exceeded"], b["basis"]) == (True, "forecast_p50")
    assert budget_check(doc, Decimal("150"))["exceeded"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "--month '2026-13' is not a month. Fix: use current, last or YYYY-MM."),
        (["--month", "last", "--since", "2026-10-01"], "--month cannot be combined with --since/--until"),
        (["--tz", "Mars/Olympus"], "--tz 'Mars/Olympus' is not a time zone"),
        (["--budget", "lots"], "--budget 'lots' is not an amount"),
        (["--format", "csv"], "--format csv writes one file per table. Fix: add --out DIR"),
        (["--format", "csv", "--table", "total"], "Unknown --table 'total' (did you mean 'totals'?). Fix:"),
        (["--table", "totals"], "--table works with --format csv"),
        (["--out", "r-{monht}.html", "--format", "html"], "unknown placeholder {monht}"),
        (["--currency", "EUR"], "--currency EUR needs dated rates. Fix: add --rates FILE"),
    ],
)
def test_report_option_mistakes(store: Path, args: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from llmcost.cli import app

    res = CliRunner().invoke(app, ["report", "--store", str(store), *args])
    assert res.exit_code == 2, res.output
    assert res.output.startswith("Error: ") and message in res.output, res.output
    assert "Traceback" not in res.output


def test_csv_dir_and_export_focus(store: Path, tmp_path: Path) -> None:
    res = subprocess.run([TOOL, "report", "--store", str(store), "--format", "csv", "--out", str(tmp_path / "csv")],
                         capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "csv/totals.csv").read_text().startswith("requests,")
    res = subprocess.run([TOOL, "export-focus", "--store", str(store), "--out", str(tmp_path / "focus.csv")],
                         capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    assert "FOCUS 1.2 rows" in res.stderr and "300 unpriced requests left out" in res.stderr
    assert (tmp_path / "focus.csv").read_text().startswith("AvailabilityZone,BilledCost,")
    assert shlex.split(_crontab_line())[5] == "cd"


def test_new_commands_and_options_have_help() -> None:
    from typer.testing import CliRunner

    from llmcost.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["export-focus", "--help"])
    assert res.exit_code == 0 and "FOCUS 1.2" in res.output
    res = runner.invoke(app, ["report", "--help"])
    for opt in ("--month", "--tz", "--budget", "--table", "--currency", "--rates", "{month}"):
        assert opt in res.output, opt


def test_all_unpriced_usage_is_unknown_money_not_zero(tmp_path: Path) -> None:
    """A store holding only a model without a price (the Azure 2023 trace): the month comparison
    and a month-to-date budget say the money is unknown; nothing reads '$0.00'."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "azure.csv").write_bytes((REPO / "tests/fixtures/ingest/azure_llm_trace_csv/input_conv.csv").read_bytes())
    store = tmp_path / "store"
    res = subprocess.run([TOOL, "--logs", str(logs), "--store", str(store), "--no-forecast", "--format", "md",
                          "--budget", "5"], capture_output=True, text=True, timeout=300, check=False,
                         env={**os.environ, "NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "no priced usage in either month, so the money change is unknown (n/a), not $0" in out
    assert "$0.00 -> $0.00" not in out
    # the trace's month (2023-11) ended long ago: its whole spend, not "month-to-date"
    assert re.search(r"UNKNOWN: spend for \d{4}-\d{2} \(the whole month; no forecast was computed\) is unknown: its "
                     r"[\d,]+ requests have no known price", out), out
    # not over, not within: a cron log (stderr, shown even with --quiet) says the budget was not checked
    assert "Warning: budget not checked:" in res.stderr
    # with the forecast on, the reason is that nothing is priced, not a short history
    res = subprocess.run([TOOL, "report", "--store", str(store), "--quiet", "--budget", "5", "--as-of", "2023-11-16"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0 and res.stdout == "", res.stderr
    # with --as-of, the forecast's month to that day (whatever the day the report is run)
    checked = ("Warning: budget not checked: month-to-date spend (no priced usage to forecast) for 2023-11 to "
               "2023-11-16 (--as-of) is unknown: its 2 requests have no known price")
    assert checked in res.stderr, res.stderr
    res = subprocess.run([TOOL, "report", "--store", str(store), "--format", "json", "--as-of", "2023-11-16"],
                         capture_output=True, text=True, timeout=300, check=False)
    fc = json.loads(res.stdout)["forecast"]
    assert fc["actual_to_date_usd"] is None and fc["run_rate_usd"] is None  # unknown, not $0
    assert "2 requests this month have no known price" in " ".join(fc["notes"])  # the fixture's 2 valid rows
    html = tmp_path / "r.html"
    subprocess.run([TOOL, "report", "--store", str(store), "--format", "html", "--out", str(html), "--budget", "5",
                    "--no-forecast"], capture_output=True, text=True, timeout=300, check=True)
    page = html.read_text()
    assert "budget unknown" in page and "within budget" not in page
    assert "no priced spend (see the unpriced models)" in page  # not a $0 line
    res = subprocess.run([TOOL, "report", "--store", str(store), "--no-forecast", "--format", "json", "--budget", "5"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["budget"]["value_usd"] is None and doc["compare"]["totals"]["change_usd"] is None
    from tests.report.schema_check import validate

    schema = json.loads((REPO / "docs/report-schema.json").read_text())
    assert validate(doc, schema) == []
