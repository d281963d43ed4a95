"""A provider whose data ends before the rest of the history: an export made on the 17th beside
logs that run to the 31st, or a provider that stopped long ago.

The forecast read the days after such a provider's last day two ways at once: its volume model
imputed them (the provider goes on), while the month medians, recentred on the total daily spend,
read them as $0 (it stopped), and the days between its last day and the history's last day entered
no total at all. November read $105 (as if anthropic had stopped) beside a quarter that kept it.

The rule now (engine._known_until, history.source_ends): each source (format) of priced usage
reaches as far as the newest day of any row it stored; a day up to there without a provider's
usage in it is $0, a day after is unknown. When some source ends less than 28 days before the
history's last day, every provider's history stops there and the later days are forecast, with a
note; a provider all of whose sources end more than 28 days before is not forecast.

Expected money, by hand (../shared/reference/pricing-caching-routing.md): gpt-4o-2024-08-06 is
priced as gpt-4o at $2.50 per million input and $10 per million output tokens, so a day of
1,000,000 input and 100,000 output tokens costs $2.50 + $1.00 = $3.50; claude-sonnet-4-5 at $3 and
$15 per million ("Tiered prices") makes the same day $3.00 + $1.50 = $4.50. Both: $8.00 a day.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.pricing import load_catalog
from llmcost.scenarios import forecast_section
from tests.scenarios.conftest import usage_con

OPENAI_DAY = Decimal("3.50")
ANTHROPIC_DAY = Decimal("4.50")


def _rows(as_of: date, anthropic_gap: int, anthropic_source: str = "anthropic_usage_report_json") -> list[dict]:
    """80 days of openai request logs up to `as_of`, and anthropic's usage export ending
    `anthropic_gap` days before it."""
    out = []
    for i in range(80):
        d = as_of - timedelta(days=i)
        ts = datetime(d.year, d.month, d.day, tzinfo=UTC)
        out.append({"ts": ts, "provider": "openai", "model": "gpt-4o-2024-08-06", "input_tokens": 1_000_000,
                    "output_tokens": 100_000, "grain": "bucket", "request_count": 10, "requests_known": True,
                    "source": "openai_response_jsonl"})
        if i >= anthropic_gap:
            out.append({"ts": ts, "provider": "anthropic", "model": "claude-sonnet-4-5-20250929",
                        "input_tokens": 1_000_000, "output_tokens": 100_000, "grain": "bucket", "request_count": 0,
                        "requests_known": False, "source": anthropic_source})
    return out


def _forecast(rows: list[dict], as_of: date) -> dict:
    return forecast_section(usage_con(rows), load_catalog(), as_of=as_of, tz="UTC", scenarios_file=None,
                            n_paths=200)["forecast"]


def _period(f: dict, label: str) -> dict:
    (p,) = [p for p in f["periods"] if p["period"] == label]
    return p


def _near(value: Decimal, expected: Decimal, rel: str) -> bool:
    return abs(Decimal(value) - expected) <= expected * Decimal(rel)


def test_an_export_that_ends_two_weeks_early_is_not_read_as_stopped() -> None:
    f = _forecast(_rows(date(2026, 10, 31), anthropic_gap=14), date(2026, 10, 31))
    nov = _period(f, "2026-11")
    # both providers go on: 30 x $8.00 = $240.00 (it read $105.00, openai alone)
    assert _near(nov["p50_usd"], 30 * (OPENAI_DAY + ANTHROPIC_DAY), "0.01"), nov
    assert f["history_last_day"] == date(2026, 10, 17)
    (note,) = [n for n in f["notes"] if n.startswith("some data ends before")]
    assert "anthropic_usage_report_json (anthropic) on 2026-10-17" in note and "--as-of 2026-10-17" in note, note


def test_the_days_after_an_early_end_are_forecast_not_lost_from_the_month() -> None:
    # as of 2026-11-15, anthropic's export ends on 2026-11-08: the actual to date stops there,
    # 8 days x $8.00 = $64.00 (it was 8 x $8.00 + 7 x $3.50 = $88.50, anthropic's 7 days lost), and
    # the month is 30 x $8.00 = $240.00
    f = _forecast(_rows(date(2026, 11, 15), anthropic_gap=7), date(2026, 11, 15))
    nov = _period(f, "2026-11")
    assert Decimal(nov["actual_to_date_usd"]) == 8 * (OPENAI_DAY + ANTHROPIC_DAY)
    assert _near(nov["p50_usd"], 30 * (OPENAI_DAY + ANTHROPIC_DAY), "0.01"), nov


def test_data_that_ended_long_ago_is_not_forecast_in_any_period() -> None:
    f = _forecast(_rows(date(2026, 10, 31), anthropic_gap=40), date(2026, 10, 31))
    # openai alone: November 30 x $3.50 = $105.00; the first quarter of 2027, 90 x $3.50 = $315.00
    # (the quarter read $835.80: the months dropped anthropic, the quarter's model kept it; then
    # $335.43, the model's own paths, whose level drift lifts a 90-day median, until the quarter
    # was recentred like the months: forecast.periods.quarter_forecasts)
    assert _near(_period(f, "2026-11")["p50_usd"], 30 * OPENAI_DAY, "0.03")
    assert _near(_period(f, "2027-Q1")["p50_usd"], 90 * OPENAI_DAY, "0.03")
    assert f["history_last_day"] == date(2026, 10, 31)
    ended = "anthropic: its data ends on 2026-09-21, more than 28 days"
    assert any(n.startswith(ended) for n in f["notes"]), f["notes"]
    assert not any(d["series"].endswith("|anthropic") for d in f["drivers"])


def test_a_provider_that_stops_inside_a_log_that_goes_on_is_zero_not_unknown() -> None:
    # one gateway log (one source) holds both providers: anthropic's last 14 days in it have no
    # usage, a true $0, so the history is not cut and anthropic's level falls to nothing
    f = _forecast(_rows(date(2026, 10, 31), anthropic_gap=14, anthropic_source="openai_response_jsonl"),
                  date(2026, 10, 31))
    assert f["history_last_day"] == date(2026, 10, 31)
    assert not any("ends before" in n for n in f["notes"]), f["notes"]
    assert _near(_period(f, "2026-11")["p50_usd"], 30 * OPENAI_DAY, "0.05")


def test_an_export_that_ends_early_beside_logs_of_the_same_provider_cuts_the_history() -> None:
    # anthropic's usage export ends on 2026-10-17, its Claude Code logs go on to 2026-10-31 (100,000
    # input and 10,000 output tokens a day: $0.30 + $0.15 = $0.45 at $3 / $15 per million): the
    # export's later days are unknown, not $0, though anthropic has newer rows. November:
    # 30 x ($3.50 + $4.50 + $0.45) = $253.50 (it read about 30 x ($3.50 + $0.45) = $118.50)
    as_of = date(2026, 10, 31)
    rows = _rows(as_of, anthropic_gap=14)
    for i in range(80):
        d = as_of - timedelta(days=i)
        rows.append({"ts": datetime(d.year, d.month, d.day, 12, tzinfo=UTC), "provider": "anthropic",
                     "model": "claude-sonnet-4-5-20250929", "input_tokens": 100_000, "output_tokens": 10_000,
                     "grain": "request", "request_count": 1, "requests_known": True, "source": "claude_code_jsonl"})
    f = _forecast(rows, as_of)
    assert f["history_last_day"] == date(2026, 10, 17)
    assert _near(_period(f, "2026-11")["p50_usd"], 30 * (OPENAI_DAY + ANTHROPIC_DAY + Decimal("0.45")), "0.01")


def test_the_report_of_an_export_that_ends_early_beside_logs(tmp_path: Path) -> None:
    """End to end, in the formats as written: an Anthropic usage report (one bucket a day, 60 days
    to 2026-10-17) beside OpenAI chat-completion bodies (one a day, 60 days to 2026-10-31)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    last = date(2026, 10, 31)
    buckets = []
    for i in range(14, 74):
        d = last - timedelta(days=i)
        buckets.append({"starting_at": f"{d}T00:00:00Z", "ending_at": f"{d + timedelta(days=1)}T00:00:00Z",
                        "results": [{"uncached_input_tokens": 1_000_000, "cache_creation": None,
                                     "cache_read_input_tokens": 0, "output_tokens": 100_000,
                                     "model": "claude-sonnet-4-5-20250929", "service_tier": "standard",
                                     "context_window": "0-200k"}]})
    (logs / "anthropic usage.json").write_text(json.dumps({"data": buckets, "has_more": False}))
    with (logs / "openai.jsonl").open("w") as out:
        for i in range(60):
            d = last - timedelta(days=i)
            out.write(json.dumps({"ts": f"{d}T09:00:00Z", "response": {
                "id": f"chatcmpl-{i}", "object": "chat.completion", "model": "gpt-4o-2024-08-06",
                "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 100_000}}}) + "\n")
    store = tmp_path / "store"
    res = CliRunner().invoke(app, ["--logs", str(logs), "--store", str(store), "--format", "json",
                                   "--as-of", str(last), "-q", "-o", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    f = json.loads((tmp_path / "r.json").read_text())["forecast"]
    assert f["history_last_day"] == "2026-10-17"
    assert any("anthropic_usage_report_json (anthropic) on 2026-10-17" in n for n in f["notes"]), f["notes"]
    (nov,) = [p for p in f["periods"] if p["period"] == "2026-11"]
    # within 2%: the history steps up from $4.50 to $8.00 a day where the OpenAI logs begin (14 days
    # after the export), which the short-horizon forecasts weigh (it read about $105, openai alone)
    assert _near(Decimal(nov["p50_usd"]), 30 * (OPENAI_DAY + ANTHROPIC_DAY), "0.02"), nov
