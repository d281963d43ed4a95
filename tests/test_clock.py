"""Today comes from one place (llmcost.clock): LLMCOST_TODAY fixes it, and nothing else asks the system."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from llmcost import clock
from llmcost.errors import UsageError

REPO = Path(__file__).resolve().parents[1]


def test_a_fixed_day_is_today_in_every_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMCOST_TODAY", "2027-02-28")
    assert clock.today() == date(2027, 2, 28)
    assert clock.today("Pacific/Kiritimati") == date(2027, 2, 28)
    assert clock.now("Europe/Paris").isoformat() == "2027-02-28T12:00:00+01:00"


def test_a_fixed_instant_gives_the_local_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMCOST_TODAY", "2027-03-01T02:30:00")  # no offset: UTC
    assert clock.now() == datetime(2027, 3, 1, 2, 30, tzinfo=UTC)
    assert clock.today("UTC") == date(2027, 3, 1)
    assert clock.today("America/New_York") == date(2027, 2, 28)  # still the evening before there


def test_unset_is_the_system_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLMCOST_TODAY", raising=False)
    before = datetime.now(UTC)
    got = clock.now()
    assert before <= got <= datetime.now(UTC)
    assert clock.today() in {before.date(), datetime.now(UTC).date()}


@pytest.mark.parametrize("bad", ["tomorrow", "2027-13-01", "03/01/2027"])
def test_a_bad_value_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv("LLMCOST_TODAY", bad)
    with pytest.raises(UsageError, match=r"LLMCOST_TODAY=.* is not a date\. Fix: set it to YYYY-MM-DD"):
        clock.today()


_SYSTEM_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
                 ("time", "time"), ("time", "localtime"), ("time", "gmtime")}


def _system_clock_calls(path: Path, root: Path = REPO) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if (name, node.func.attr) in _SYSTEM_CLOCK:
                found.append(f"{path.relative_to(root)}:{node.lineno} {name}.{node.func.attr}()")
    return found


def test_nothing_but_the_clock_module_reads_the_system_clock() -> None:
    """A regression guard: a new `date.today()` would make a test or the demo depend on the day it runs."""
    calls = [c for p in sorted((REPO / "src").rglob("*.py")) if p.name != "clock.py" for c in _system_clock_calls(p)]
    assert calls == []
    sql = [
        f"{p.relative_to(REPO)}: {m.group(0)}"
        for p in sorted((REPO / "sql").rglob("*.sql"))  # the queries and their include/ parts
        for m in re.finditer(r"(?i)\b(now\(\)|current_date|current_timestamp|today\(\))", p.read_text())
    ]
    assert sql == []


def test_the_guard_finds_a_system_clock_call(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import datetime as dt\nfrom datetime import date\nx = date.today()\ny = dt.datetime.now()\n")
    assert _system_clock_calls(probe, tmp_path) == ["probe.py:3 date.today()", "probe.py:4 datetime.now()"]
