"""--tz cuts every calendar figure of one document alike: the window, by day, by week and month,
the month over month, the unit costs' months and the daily series (README: "--tz chooses the
zone calendar days, months and quarters are cut in")."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmcost.document.analysis import ReportOptions, build_report
from llmcost.ingest.loader import load
from llmcost.report.json_report import render
from tests.bodies import write_chat_bodies

# four requests of one model with the same tokens, so each costs the same: one on 2026-10-31 in
# Tokyo (UTC+9), three on 2026-11-01 there, though three of the four are on 2026-10-31 in UTC
STAMPS = ("2026-10-31T14:59:59Z", "2026-10-31T15:00:00Z", "2026-10-31T23:30:00Z", "2026-11-01T00:30:00Z")


def _store(tmp_path: Path) -> Path:
    logs = tmp_path / "logs"
    logs.mkdir()
    write_chat_bodies(logs / "tz.jsonl", STAMPS)
    store = tmp_path / "store"
    load([logs], store)
    return store


def _doc(store: Path, tz: str, month: str | None = None) -> dict[str, Any]:
    doc = build_report(ReportOptions(store=store, tz=tz, month=month, forecast=False))
    return json.loads(render(doc))


def _by(rows: list[dict[str, Any]], key: str) -> dict[str, tuple[int, Decimal]]:
    return {str(r[key]): (r["requests"], Decimal(r["cost_usd"])) for r in rows}


def test_every_calendar_figure_in_the_reports_zone(tmp_path: Path) -> None:
    store = _store(tmp_path)
    doc = _doc(store, "Asia/Tokyo")
    one = Decimal(doc["totals"]["cost_usd"]) / 4  # every request costs the same
    assert one > 0
    assert _by(doc["spend"]["by_month"], "period_start") == {"2026-10-01": (1, one), "2026-11-01": (3, 3 * one)}
    assert _by(doc["by_day"], "day") == {"2026-10-31": (1, one), "2026-11-01": (3, 3 * one)}
    assert _by(doc["daily"], "day") == {"2026-10-31": (1, one), "2026-11-01": (3, 3 * one)}
    # 2026-10-31 (Saturday) and 2026-11-01 (Sunday) share the ISO week from Monday 2026-10-26
    assert _by(doc["spend"]["by_week"], "period_start") == {"2026-10-26": (4, 4 * one)}
    mom = {r["month"]: Decimal(r["cost_usd"]) for r in doc["spend"]["month_over_month"]}
    assert mom == {"2026-10-01": one, "2026-11-01": 3 * one}
    # the headline of --month 2026-10 says what the month row says
    oct_doc = _doc(store, "Asia/Tokyo", month="2026-10")
    assert (oct_doc["totals"]["requests"], Decimal(oct_doc["totals"]["cost_usd"])) == (1, one)
    # the unit costs' months: requests as units, one in the Tokyo October and three in November
    months = [r for r in doc["unit_costs"]["by_month"] if r["unit"] == "request"]
    assert {r["month"]: r["units"] for r in months} == {"2026-10-01": 1, "2026-11-01": 3}


def test_utc_cuts_by_the_utc_day(tmp_path: Path) -> None:
    store = _store(tmp_path)
    doc = _doc(store, "UTC")
    one = Decimal(doc["totals"]["cost_usd"]) / 4
    assert _by(doc["spend"]["by_month"], "period_start") == {"2026-10-01": (3, 3 * one), "2026-11-01": (1, one)}
    assert _by(doc["by_day"], "day") == {"2026-10-31": (3, 3 * one), "2026-11-01": (1, one)}
    months = [r for r in doc["unit_costs"]["by_month"] if r["unit"] == "request"]
    assert {r["month"]: r["units"] for r in months} == {"2026-10-01": 3, "2026-11-01": 1}
    assert date.fromisoformat(doc["by_day"][0]["day"]) == date(2026, 10, 31)
