"""An organisation's usage export, reported from the command line: the Anthropic usage report
counts tokens and money per day, not requests. Before, the summary's month comparison read
"requests 0 -> 0" with "main driver: requests", a month before the data read "$0.00", and 80 days
of the export had no forecast ("0 days with usage; it needs 7")."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from tests.conftest import REAL_SAMPLES, requires_real_samples

pytestmark = pytest.mark.usefixtures("today_2026_12_05")

FIRST = date(2026, 9, 10)  # the export's first day; its last is 2026-11-28 (80 days)


def _report(days: int) -> dict:
    """The usage report's JSON (formats-provider-exports.md: Admin API usage_report/messages,
    bucket_width 1d): one claude-sonnet-4-5 row a day, 1,000,000 uncached input and 100,000 output
    tokens ($4.50 a day at $3 / $15 per million)."""
    data = []
    for i in range(days):
        d = FIRST + timedelta(days=i)
        data.append({"starting_at": f"{d}T00:00:00Z", "ending_at": f"{d + timedelta(days=1)}T00:00:00Z",
                     "results": [{"uncached_input_tokens": 1_000_000,
                                  "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                                  "cache_read_input_tokens": 0, "output_tokens": 100_000,
                                  "server_tool_use": {"web_search_requests": 0}, "api_key_id": "apikey_01",
                                  "workspace_id": "wrkspc_01", "model": "claude-sonnet-4-5-20250929",
                                  "service_tier": "standard", "context_window": "0-200k", "inference_geo": None}]})
    return {"data": data, "has_more": False, "next_page": None}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("export_months")
    (root / "in").mkdir()
    (root / "in" / "usage_report.json").write_text(json.dumps(_report(80)))
    res = CliRunner().invoke(app, ["ingest", "--store", str(root / "s"), "--quiet", str(root / "in")])
    assert res.exit_code == 0, res.output
    return root / "s"


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args), env={"COLUMNS": "120", "NO_COLOR": "1"})
    return res.exit_code, res.stdout, res.stderr


def test_the_summary_compares_tokens_not_requests(store: Path) -> None:
    code, out, err = _run("report", "--store", str(store))
    assert code == 0, out + err
    block = out[out.index("This month vs last"):out.index("Forecast")]
    # November 1-28 against October 1-28: 28 days of $4.50 each side, the same tokens
    assert "requests        not stated  not stated" in block, block
    assert "tokens          30,800,000  30,800,000" in block, block
    assert "$126.00" in block and "main driver: requests" not in block
    assert "no forecast" not in out[out.index("Forecast"):]


def test_the_forecast_of_the_export_is_its_tokens_at_list_price(store: Path) -> None:
    code, out, err = _run("report", "--store", str(store), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    f = doc["forecast"]
    assert f["confidence"] == "normal", f["notes"]
    # November: 28 days of the export ($126.00) and 2 forecast days of about $4.50
    nov = next(p for p in f["periods"] if p["period"] == "2026-11")
    assert abs(float(nov["p50_usd"]) - 135.00) < 1.0, nov
    c = doc["compare"]
    assert c["applicable_drivers"] == ["tokens", "price", "cache"]
    assert c["totals"]["previous_requests_known"] is False and c["totals"]["current_requests_known"] is False


def test_a_month_before_the_data_is_not_zero(store: Path) -> None:
    # September against August: the export begins on 2026-09-10, so August holds no data
    code, out, err = _run("report", "--store", str(store), "--month", "2026-09", "--no-forecast")
    assert code == 0, out + err
    block = out[out.index("This month vs last"):]
    assert "estimated cost  no data" in block, block
    assert "$0.00" not in block.split("\n\n")[0]
    code, out, err = _run("report", "--store", str(store), "--month", "2026-10", "--no-forecast")
    assert "The store's data begins on 2026-09-10: 2026-09 holds only its days from then." in out, out


def test_the_html_page_says_no_data_for_a_month_before_the_data(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, _, err = _run("report", "--store", str(store), "--month", "2026-09", "--no-forecast", "--format", "html",
                        "--out", str(out))
    assert code == 0, err
    page = out.read_text()
    assert "2026-09 vs no data in 2026-08" in page and "n/a in 2026-08" not in page


@requires_real_samples()
def test_the_summary_shows_each_months_bill_from_a_cost_export(tmp_path: Path) -> None:
    # the FOCUS samples (SOURCES.md): BilledCost 33.90 in 2025-01 and 104.50 in 2025-05, tokens
    # 10,000,000 + 2,000,000 + 3,000,000 + 500,000 in May; their models have no list price, so the
    # estimate is n/a. April, a gap inside the data, has no cost line: its bill is n/a, not $0.
    res = CliRunner().invoke(app, ["--logs", str(REAL_SAMPLES / "focus"), "--store", str(tmp_path / "s"),
                                   "--no-forecast"], env={"COLUMNS": "120", "NO_COLOR": "1"})
    block = res.stdout[res.stdout.index("This month vs last"):].split("\n\n")[0]
    lines = [" ".join(line.split()) for line in block.splitlines()]
    assert "estimated cost n/a n/a n/a" in lines, block
    assert "billed cost n/a $104.50" in lines, block
    assert "requests 0 not stated" in lines, block
    assert "tokens 0 15,500,000" in lines, block


def test_bursts_of_an_export_are_not_measured_not_zero(store: Path) -> None:
    # bursts count requests: the export's days read "median requests 0.0 ... peak requests 0"
    code, out, err = _run("report", "--store", str(store), "--section", "bursts", "--no-forecast")
    assert code == 0, err
    assert out.startswith("Bursts: not measured: the usage comes from exports that state no request count"), out
    assert "peak requests" not in out


@requires_real_samples()
def test_a_cost_export_of_models_without_a_list_price_is_forecast_from_its_bill(tmp_path: Path) -> None:
    # the FOCUS samples bill $33.90 (2025-01) and $104.50 (2025-05) for Solora models the catalogue
    # does not know. Before: "no forecast: no priced usage on or before as_of: nothing to forecast".
    # February to April have no cost line: imputed, so the confidence is low and the note says why
    # (no figure is asserted beyond what the two billed months make plain)
    store = str(tmp_path / "s")
    CliRunner().invoke(app, ["--logs", str(REAL_SAMPLES / "focus"), "--store", store, "--no-forecast"])
    res = CliRunner().invoke(app, ["report", "--store", store, "--format", "json"])
    assert res.exit_code == 0, res.output
    f = json.loads(res.stdout)["forecast"]
    assert f["model_used"].startswith("billed money (solora ai: "), f["model_used"]
    assert f["confidence"] == "low" and f["p50_usd"] is not None
    assert [(b["series"], b["models"], b["first_day"], b["last_day"]) for b in f["billed_money"]] == [
        ("billed|solora ai", ["solora-atlas-5.4-mini", "solora-atlas-5.5", "solora-reasoning-pro"],
         "2025-01-01", "2025-05-31")]
    named = "solora ai/solora-atlas-5.4-mini, solora ai/solora-atlas-5.5, solora ai/solora-reasoning-pro"
    assert any(n.startswith(f"{named}: forecast from their billed money") for n in f["notes"]), f["notes"]
    assert any("no cost line in 2025-02, 2025-03, 2025-04" in n for n in f["notes"]), f["notes"]
    assert not any("nothing to forecast" in n or "left out of the money forecast" in n for n in f["notes"])
    # June has no actuals yet; May billed $104.50 over 31 days ($3.37 a day, $101.13 for 30 days): the
    # median sits near that level, inside its own intervals
    cur = f["periods"][0]
    assert cur["period"] == "2025-06" and f["actual_to_date_usd"] in ("0", "0.00", "0.0000")
    assert float(cur["lo_80_usd"]) <= float(cur["p50_usd"]) <= float(cur["hi_80_usd"])
    assert 50 < float(cur["p50_usd"]) < 150
    # no model has a list price, so no what-if can re-price a request: n/a on the first screen, not
    # "No what-if saves money: ... +$0.00"
    screen = " ".join(CliRunner().invoke(app, ["report", "--store", store]).stdout.split())
    assert ("What-ifs: n/a: each re-prices the logged requests at list prices, and the catalogue has no price "
            "for any model in the store (a --prices file gives them one).") in screen, screen
    assert "No what-if saves money" not in screen
    # its three warnings (one per unpriced model) are one list under one heading, in Markdown and HTML
    md = CliRunner().invoke(app, ["report", "--store", store, "--format", "md"]).stdout
    assert md.count("## Warning") == 1 and "## Warnings\n\n- solora-atlas-5.5 (solora ai) has no known price" in md
    assert len([line for line in md[md.index("## Warnings"):].split("\n\n")[1].splitlines()
                if line.startswith("- ")]) == len(json.loads(res.stdout)["warnings"]) == 3
    page = CliRunner().invoke(app, ["report", "--store", store, "--format", "html"]).stdout
    assert page.count("<h2>Warning") == 1 and page.count('<p class="note warn">') == 3
    # a column of words past the first two is left-aligned as on the terminal (TEXT_COLUMNS), figures right
    assert '<th class="text">description</th>' in page and '<th>monthly cost</th>' in page


def test_a_store_of_cost_lines_only_has_no_month_to_date_of_zero(tmp_path: Path) -> None:
    # the OpenAI Costs API fixture: cost lines of 2026-10-01 ($4.04; the 2026-10-03 line is quarantined), no
    # usage rows (no tokens, no requests). Today 2026-12-05. Before: "no forecast: no priced usage on or before
    # as_of: nothing to forecast; actual to date $0.00, simple run-rate $0.00 for the month", money the store
    # does not know; then the month 2026-12 with an unknown actual to date. Now the billed money is the history
    # (tests/cli/test_cost_lines_only.py): it ends on 2026-10-01, so the month is 2026-10 and its actual to
    # date is that day's bill; one day is too little for a statistical forecast
    store = str(tmp_path / "s")
    fixture = Path(__file__).resolve().parents[1] / "fixtures/ingest/openai_costs_api_json/input.json"
    assert CliRunner().invoke(app, ["ingest", str(fixture), "--store", store, "-q"]).exit_code == 0
    res = CliRunner().invoke(app, ["report", "--store", store, "--format", "json"])
    assert res.exit_code == 0, res.output
    f = json.loads(res.stdout)["forecast"]
    assert (f["month"], f["as_of"], f["actual_to_date_usd"]) == ("2026-10", "2026-10-01", "4.04"), f
    assert f["confidence"] == "none"
    assert any(n.startswith("the forecast rests on billed cost lines only (cost exports, 2026-10-01 to 2026-10-01)")
               for n in f["notes"]), f["notes"]
    res = CliRunner().invoke(app, ["report", "--store", store, "--section", "forecast"])
    assert "2026-10  current month           $4.04" in res.stdout, res.stdout
