"""The first five minutes: the demo reads the same on any date and matches the README; the terminal
report fits one screen; --full and --section show the rest; a bare path suggests --logs."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from llmcost.report.sections import KEYS

REPO = Path(__file__).resolve().parents[2]
TOOL = str(Path(sys.executable).parent / "llmcost-forecast")
SCREEN_LINES = 40
WIDTH = 120


def _run(args: list[str], today: str | None = None, **kw: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LLMCOST_TODAY"}
    env |= {"NO_COLOR": "1", "COLUMNS": str(WIDTH), **kw}
    if today:
        env["LLMCOST_TODAY"] = today
    return subprocess.run([TOOL, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def _demo(tmp: Path, today: str | None) -> str:
    """What `make demo` runs, on a fresh store (its stdout is a pipe here, as in a file)."""
    res = _run(["--logs", str(REPO / "sample_logs"), "--store", str(tmp / f"store-{today}")], today)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    return res.stdout


@pytest.fixture(scope="module")
def demo_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str | None, str]:
    tmp = tmp_path_factory.mktemp("demo")
    # the day after the data, a week later, a year later, and the real clock
    return {day: _demo(tmp, day) for day in ("2026-11-25", "2026-12-03", "2027-12-03", None)}


def test_the_demo_reads_the_same_on_any_date(demo_outputs: dict[str | None, str]) -> None:
    first = demo_outputs["2026-11-25"]
    for day, text in demo_outputs.items():
        assert text == first, day
    assert "Forecast from the data up to 2026-11-23" in first


def test_the_readme_excerpt_is_what_the_demo_prints(demo_outputs: dict[str | None, str]) -> None:
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- DEMO:START -->\n```\n", 1)[1].split("```\n<!-- DEMO:END -->", 1)[0]
    assert block == demo_outputs["2026-12-03"]


def test_the_default_report_fits_one_screen(demo_outputs: dict[str | None, str]) -> None:
    lines = demo_outputs["2026-12-03"].splitlines()
    assert len(lines) <= SCREEN_LINES
    assert max(len(ln) for ln in lines) <= WIDTH
    text = "\n".join(lines)
    # what a glance needs: this month and last, the forecast with its interval, top models and
    # projects, the biggest saving, the warnings, and how to see more
    for needle in ("This month vs last", "80% interval", "Top models", "Top projects", "Biggest saving",
                   "Warnings", "--full", "--section NAME", "--format html"):
        assert needle in text, needle
    assert not re.search(r"[\u2500-\u257f]", text), "box drawing in a pipe"


def test_full_shows_every_section_and_section_shows_one(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert _run(["ingest", str(REPO / "sample_logs"), "--store", str(store), "--quiet"]).returncode == 0
    full = _run(["report", "--store", str(store), "--full"], "2026-12-03")
    assert full.returncode == 0, full.stderr
    titles = ["Ingested", "Totals", "Estimate vs billed", "Forecast", "Scenarios", "What-if alternatives",
              "This month vs last", "By provider and model", "Unpriced models", "Spend by month",
              "Per-turn input growth", "Cache", "Complexity mix", "Bursts", "By project", "By day"]
    for title in titles:
        assert re.search(rf"^{re.escape(title)}(?=[: ]|$)", full.stdout, re.M), title
    assert max(len(ln) for ln in full.stdout.splitlines()) <= WIDTH
    assert not re.search(r"[\u2500-\u257f]", full.stdout), "box drawing in a pipe"
    # every scenario row says what it assumes
    doc = json.loads(_run(["report", "--store", str(store), "--format", "json"], "2026-12-03").stdout)
    scen = full.stdout[full.stdout.index("Scenarios:"):full.stdout.index("What-if alternatives")]
    for s in doc["scenarios"]:
        assert s["description"].split(",")[0] in scen, s["name"]

    one = _run(["report", "--store", str(store), "--section", "scenarios", "--section", "cache"], "2026-12-03")
    assert one.returncode == 0, one.stderr
    starts = [ln.split(":")[0] for ln in one.stdout.splitlines() if ln and not ln.startswith(" ")
              and ln.split(":")[0] in KEYS]
    assert starts == ["Scenarios", "Cache"]

    bad = _run(["report", "--store", str(store), "--section", "forcast"])
    assert bad.returncode == 2 and "Unknown --section 'forcast' (did you mean 'forecast'?). Fix:" in bad.stderr
    md = _run(["report", "--store", str(store), "--format", "md", "--full"])
    assert md.returncode == 2 and "--full and --section choose what the terminal report shows" in md.stderr


def test_data_that_ends_yesterday_is_not_anchored(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert _run(["ingest", str(REPO / "sample_logs"), "--store", str(store), "--quiet"]).returncode == 0
    fresh = json.loads(_run(["report", "--store", str(store), "--format", "json"], "2026-11-24").stdout)["forecast"]
    stale = json.loads(_run(["report", "--store", str(store), "--format", "json"], "2027-06-30").stdout)["forecast"]
    assert (fresh["as_of"], fresh["anchored_to_data"]) == ("2026-11-23", False)
    assert (stale["as_of"], stale["anchored_to_data"]) == ("2026-11-23", True)
    assert stale["notes"][0].startswith("the data ends on 2026-11-23, before yesterday")
    assert [p["p50_usd"] for p in fresh["periods"]] == [p["p50_usd"] for p in stale["periods"]]
    # an explicit --as-of wins over the anchor
    replay = json.loads(_run(["report", "--store", str(store), "--format", "json", "--as-of", "2026-10-31"],
                             "2027-06-30").stdout)["forecast"]
    assert (replay["month"], replay["anchored_to_data"]) == ("2026-11", False)


@pytest.mark.parametrize("word", ["sample_logs", "./exports", os.path.join("~", ".claude", "projects")])
def test_a_bare_path_suggests_logs(word: str) -> None:
    res = _run([word, "--format", "md"])
    assert res.returncode == 2
    assert res.stderr == (f"Error: {word!r} is not a command. Fix: to ingest the files there and report, run "
                          f"llmcost-forecast --logs {shlex.quote(word)} --format md\n")


def test_a_mistyped_option_is_named_not_its_value() -> None:
    # the value of an option the main job does not have is not taken for a path typed without --logs
    res = _run(["--logs", "sample_logs", "--output", "report.json"])
    assert res.returncode == 2
    assert "No such option: --output (Possible options: --out)" in res.stderr and "not a command" not in res.stderr


def test_a_mistyped_command_is_still_a_command_error() -> None:
    res = _run(["repot"])
    assert res.returncode == 2 and "No such command 'repot'" in res.stderr


def test_help_shows_no_internal_type_names() -> None:
    for cmd in ([], ["report"], ["ingest"], ["forecast"], ["backtest"], ["prices"], ["export-focus"]):
        res = _run([*cmd, "--help"])
        assert res.returncode == 0, cmd
        assert not re.search(r"<(str|float|int|path|list\[[^\]]*\])>", res.stdout), (cmd, res.stdout)
    # whitespace, and a line wrapped after a hyphen (YYYY-MM-\nDD, where the option column is wider), aside
    as_of = [re.sub(r"-\s+", "-", re.sub(r"\s+", " ", _run([c, "--help"]).stdout.split("--as-of", 1)[1]
                                                            .split("--", 1)[0]))
             for c in ("report", "forecast")]
    assert as_of[0] == as_of[1]  # one meaning in every command


def test_prices_lists_no_flex_tier_for_a_provider_without_one() -> None:
    res = _run(["prices", "claude-sonnet-4-5", "--at", "2025-11-01"])
    assert res.returncode == 0 and "flex" not in res.stdout
    assert "batch" in res.stdout
