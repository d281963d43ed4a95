"""Any history gives a report (exit 0) whose forecast says what it is: a prototype's few scattered
days, a single day, and a store whose data ended a year before today."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = str(Path(sys.executable).parent / "llmcost-forecast")
SOURCE = REPO / "sample_logs/app-logs/assistant-openai.jsonl"

SCATTERED = {
    "one day": ["2025-10-06"],
    "two days": ["2025-10-06", "2025-10-16"],
    "three days": ["2025-10-06", "2025-10-16", "2025-11-02"],
    "seven days": ["2025-09-01", "2025-09-09", "2025-09-20", "2025-10-06", "2025-10-16", "2025-10-20", "2025-11-02"],
    "one day, many requests": ["2025-10-06"] * 40,
}


def _logs(tmp: Path, days: list[str]) -> Path:
    """The sample app's first requests moved onto `days` (one request per entry, ids made unique)."""
    lines = SOURCE.read_text().splitlines()
    out = []
    for i, day in enumerate(days):
        rec = json.loads(lines[i])
        rec["ts"] = f"{day}T10:{i % 60:02d}:00.000Z"
        rec["response"]["id"] = f"scattered-{i}"
        out.append(json.dumps(rec))
    folder = tmp / "logs"
    folder.mkdir()
    (folder / "prototype.jsonl").write_text("\n".join(out) + "\n")
    return folder


def _run(args: list[str], today: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LLMCOST_TODAY": today, "NO_COLOR": "1"}
    return subprocess.run([TOOL, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("name", list(SCATTERED))
def test_scattered_days_give_a_report_that_says_what_it_can(tmp_path: Path, name: str) -> None:
    days = SCATTERED[name]
    logs = _logs(tmp_path, days)
    store = tmp_path / "store"
    res = _run(["--logs", str(logs), "--store", str(store)], "2026-12-03")
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr and "Error" not in res.stderr
    assert "Forecast from the data up to" in res.stdout
    doc = json.loads(_run(["report", "--store", str(store), "--format", "json"], "2026-12-03").stdout)
    fc = doc["forecast"]
    assert fc["as_of"] == max(days) and fc["anchored_to_data"] is True
    assert fc["notes"][0].startswith(f"the data ends on {max(days)}, before yesterday")
    active = len(set(days))
    if active < 7:
        # run-rate only, said in words, and the month's actual spend is kept (not $0.00)
        assert fc["confidence"] == "none" and fc["p50_usd"] is None
        noun = "1 day" if active == 1 else f"{active} days"
        assert f"too little history for a statistical forecast ({noun} with usage; it needs 7)" in " ".join(fc["notes"])
        assert "no forecast: too little history" in res.stdout and "simple run-rate" in res.stdout
        month = max(days)[:7]
        month_cost = sum(Decimal(d["cost_usd"]) for d in doc["daily"] if str(d["day"]).startswith(month))
        assert Decimal(fc["actual_to_date_usd"]) == month_cost.quantize(Decimal("0.0001"))
        assert Decimal(fc["actual_to_date_usd"]) > 0
    else:
        # seven scattered days over two months: a forecast, marked low confidence, with intervals
        assert fc["confidence"] == "low"
        assert fc["lo_80_usd"] is not None and Decimal(fc["lo_80_usd"]) <= Decimal(fc["p50_usd"])


def test_a_store_whose_data_ended_a_year_ago(tmp_path: Path) -> None:
    store = tmp_path / "store"
    res = _run(["--logs", str(REPO / "sample_logs"), "--store", str(store), "--format", "json"], "2027-11-30")
    assert res.returncode == 0, res.stderr
    fc = json.loads(res.stdout)["forecast"]
    # anchored to the data, said first, instead of a year of invented actuals
    assert fc["as_of"] == "2026-11-23" and fc["month"] == "2026-11" and fc["anchored_to_data"] is True
    assert fc["notes"][0] == ("the data ends on 2026-11-23, before yesterday: the forecast starts from that day "
                              "(current month 2026-11); pass --as-of YYYY-MM-DD to choose another day")
