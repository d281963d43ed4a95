"""`llmcost-forecast forecast` and `llmcost-forecast backtest` through the store path."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from llmcost.cli import app

runner = CliRunner()


def test_backtest_prints_mase_and_coverage(sample_store: Path) -> None:
    r = runner.invoke(app, ["backtest", "--store", str(sample_store), "--as-of", "2026-11-23"])
    assert r.exit_code == 0, r.output
    assert "relMASE" in r.output and "cov80" in r.output and "tot80" in r.output and "APEtot" in r.output
    pooled = next(line for line in r.output.splitlines() if line.startswith("POOLED")).split()
    assert int(pooled[1]) == 4  # 84 days, 30-day horizon, 28 days of training: 4 weekly origins
    assert 0 < float(pooled[2]) < 2  # relative MASE against seasonal naive
    assert pooled[7].endswith("%")  # daily 80% coverage


def test_backtest_json_and_drivers(sample_store: Path) -> None:
    r = runner.invoke(
        app,
        [
            "backtest",
            "--store",
            str(sample_store),
            "--as-of",
            "2026-11-23",
            "--series",
            "drivers",
            "--origins",
            "2",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert set(doc["summary"]["series"]) == {"requests|anthropic", "requests|openai"}
    assert 0 <= doc["summary"]["coverage_80"] <= 1


def test_forecast_json(sample_store: Path) -> None:
    r = runner.invoke(app, ["forecast", "--store", str(sample_store), "--as-of", "2026-11-23", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert set(doc) == {"forecast", "scenarios", "alternatives"}
    assert doc["forecast"]["month"] == "2026-11"
    assert doc["forecast"]["p50_usd"].count(".") == 1  # Decimal money as a string


def test_forecast_table(sample_store: Path) -> None:
    r = runner.invoke(app, ["forecast", "--store", str(sample_store), "--as-of", "2026-11-23", "--tz", "Asia/Tokyo"])
    assert r.exit_code == 0, r.output
    assert "Forecast as of 2026-11-23 (Asia/Tokyo)" in r.output
    assert "2027-Q1" in r.output and "run-rate for 2026-11" in r.output
    assert "aggressive" in r.output and "hit rate" in r.output


def test_errors_name_the_fix(sample_store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text('[[scenario]]\nname = "x"\ntrafic = 2\n')
    r = runner.invoke(app, ["forecast", "--store", str(sample_store), "--scenarios", str(bad)])
    assert r.exit_code == 2
    assert f"Error: {bad}:3: unknown key 'trafic' in [[scenario]] (did you mean 'traffic'?)" in r.output
    r = runner.invoke(app, ["backtest", "--store", str(sample_store), "--as-of", "2026-11-23", "--horizon", "70"])
    assert r.exit_code == 2 and "Fix: use a shorter --horizon" in r.output
    r = runner.invoke(app, ["forecast", "--store", str(sample_store), "--as-of", "23/11/2026"])
    assert r.exit_code == 2 and "--as-of '23/11/2026' is not a date" in r.output
    r = runner.invoke(app, ["forecast", "--store", str(sample_store), "--format", "csv"])
    assert r.exit_code == 2 and "use table or json" in r.output


def test_forecast_names_every_unpriced_model_without_a_none_provider(tmp_path: Path) -> None:
    """The forecast's note on unpriced models: a model logged without a provider reads
    'name (unknown provider)' as in the report's warnings (was 'None/name'), and past the first
    three the note says how many more there are (was: silently only three)."""
    rows = []
    for day, (model, tokens) in enumerate(
        [("gpt-4.1-mini-2025-04-14", 100), ("zz-model-a", 4000), ("zz-model-b", 3000), ("zz-model-c", 2000),
         ("zz-model-d", 1000)], start=1):
        rows.append({"id": f"o{day}", "traceId": f"t{day}", "type": "GENERATION", "name": "gen", "model": model,
                     "startTime": f"2026-10-0{day}T10:00:00.000Z", "endTime": f"2026-10-0{day}T10:00:01.000Z",
                     "usageDetails": {"input": tokens, "output": 0, "total": tokens}})
    logs = tmp_path / "obs.jsonl"
    logs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    store = tmp_path / "store"
    assert runner.invoke(app, ["ingest", "--store", str(store), str(logs)]).exit_code == 0
    r = runner.invoke(app, ["forecast", "--store", str(store), "--as-of", "2026-10-05", "--format", "json"])
    assert r.exit_code == 0, r.output
    notes = [n for n in json.loads(r.output)["forecast"]["notes"] if n.startswith("unpriced models")]
    assert notes == ["unpriced models are left out of the money forecast: zz-model-a (unknown provider), "
                     "zz-model-b (unknown provider), zz-model-c (unknown provider) and 1 more "
                     "(add them to the --prices file)"]


def test_forecast_table_keeps_a_scenario_name_on_one_line(sample_store: Path, tmp_path: Path) -> None:
    """A newline or tab in a scenario's name (it comes from the user's --scenarios file) is a space in
    `forecast --format table`, as in the report's tables: it cannot forge a row (was: 'base' and
    'fake ...' on two lines)."""
    default = Path(__file__).resolve().parents[2] / "src" / "llmcost" / "scenarios" / "default.toml"
    scen = tmp_path / "scenarios.toml"
    scen.write_text(default.read_text().replace('name = "base"', 'name = "base\\nfake\\trow"'))
    r = runner.invoke(app, ["forecast", "--store", str(sample_store), "--as-of", "2026-11-23",
                            "--scenarios", str(scen)])
    assert r.exit_code == 0, r.output
    assert not any(line.startswith("fake") for line in r.output.splitlines())
    assert any(line.startswith("base fake row ") and " scenario " in line for line in r.output.splitlines())
