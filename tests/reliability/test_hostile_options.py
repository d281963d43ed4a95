"""Hostile option values and config files (issue 17): one `Error:` line, exit 2, never a traceback.

The options are run in-process (typer's runner) over a small store; the config files are every
single-change mutant of a shipped example (`hostile_config.py`), all through the library's reader
and a seeded sample through the CLI command that reads them.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.errors import LlmcostError
from tests.reliability.hostile_config import mutants

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests/fixtures/ingest/openai_response_jsonl/input.jsonl"
runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = tmp_path_factory.mktemp("hostile") / "store"
    res = runner.invoke(app, ["ingest", str(FIXTURE), "--store", str(s), "--quiet"])
    assert res.exit_code in (0, 1), res.output
    return s


def _one_error_line(res: Any, case: str) -> None:
    out = res.output
    assert "Traceback" not in out, f"{case}: {out[-2000:]}"
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), (
        f"{case}: {type(res.exception).__name__}: {res.exception}"
    )
    assert res.exit_code == 2, f"{case}: exit {res.exit_code}: {out[-800:]}"
    errors = [line for line in out.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, f"{case}: {out}"
    assert len(errors[0]) > 30, f"{case}: a message without a fix: {errors[0]}"


HOSTILE_OPTIONS: list[list[str]] = [
    ["report", "--out", "{nope}.md"],
    ["report", "--until", "9999-12-31"],
    ["report", "--since", "0001-01-01"],
    ["report", "--until", "1899-12-31"],
    ["report", "--month", "0001-01"],
    ["report", "--month", "9999-12"],
    ["report", "--month", ""],
    ["report", "--currency", ""],
    ["report", "--table", "", "--format", "csv"],
    ["ingest", str(FIXTURE), "--source", ""],
    ["report", "--month", "2026-13"],
    ["report", "--as-of", "9999-12-31"],
    ["report", "--as-of", "2999-12-31"],
    ["report", "--budget", "1e999999999"],
    ["report", "--budget", "nan"],
    ["report", "--budget", "inf"],
    ["report", "--budget", "-inf"],
    ["report", "--budget", "-1"],
    ["report", "--budget", ""],
    ["report", "--budget", "sNaN"],
    ["report", "--value-per-conversion", "1e999999999", "--conversion-rate", "2%"],
    ["report", "--value-per-conversion", "nan", "--conversion-rate", "2%"],
    ["report", "--value-per-conversion", "3", "--conversion-rate", "nan"],
    ["report", "--value-per-conversion", "3", "--conversion-rate", "inf%"],
    ["report", "--tz", "posixrules"],
    ["report", "--tz", "localtime"],
    ["report", "--tz", ""],
    ["report", "--tz", "../../etc/passwd"],
    ["report", "--format", ""],
    ["report", "--section", ""],
    ["report", "--currency", "EUR", "--rates", "/nonexistent/rates.csv"],
    ["report", "--prices", ""],
    ["report", "--scenarios", ""],
    ["report", "--out", ""],
    ["export-focus", "--out", "x.csv", "--until", "9999-12-31"],
    ["export-focus", "--out", "x.csv", "--tz", "posixrules"],
    ["export-focus", "--out", "x.csv", "--month", ""],  # exported the whole store (an unset $MONTH)
    ["export-focus", "--out", "x-{nope}.csv"],
    ["swap", "gpt-4o", "--since", "2026-11-01", "--until", "2026-10-01"],
    ["forecast", "--as-of", "9999-12-31"],
    ["forecast", "--tz", "posixrules"],
    ["backtest", "--horizon", "0"],
    ["backtest", "--horizon", "-5"],
    ["prices", "gpt-4o", "--at", "9999-12-31x"],
    ["swap", "gpt-4o", "--tokenizer-ratio", "nan"],
    ["swap", "gpt-4o", "--tokenizer-ratio", "inf"],
    ["swap", "gpt-4o", "--tokenizer-ratio", "1e999999999"],
    ["swap", "gpt-4o", "--until", "9999-12-31"],
    ["plan", str(REPO / "sample_logs/plans/seed-routing.toml"), "--since", "0001-01-01"],
    ["ingest", str(FIXTURE), "--wait", "nan"],
    ["ingest", str(FIXTURE), "--wait", "inf"],
    ["ingest", str(FIXTURE), "--wait", "-1"],
    ["ingest", str(FIXTURE), "--wait", "1e999999999"],
    ["ingest", str(FIXTURE), "--label", ""],
    ["ingest", str(FIXTURE), "--map", ""],
    ["ingest", str(FIXTURE), "--map", "ts=time", "--map", "bucket_seconds=nan"],
    ["ingest", str(FIXTURE), "--map", "ts=time", "--map", "bucket_seconds=99999999999999"],
    ["ingest", str(FIXTURE), "--map", "ts=time", "--map", "grain=bucket", "--map", "bucket_seconds=0"],
    ["ingest", str(FIXTURE), "--mapping", ""],
    ["ingest", str(FIXTURE), "--source", "no_such_format"],
]


@pytest.mark.parametrize("args", HOSTILE_OPTIONS, ids=lambda a: " ".join(a)[:60])
def test_hostile_option_is_one_error_line(args: list[str], store: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLMCOST_TODAY", "2026-11-20")
    extra = [] if args[0] == "prices" else ["--store", str(store)]
    res = runner.invoke(app, [*args, *extra])
    _one_error_line(res, " ".join(args))
    assert not list(tmp_path.iterdir()), "a refused command wrote a file"


def test_out_with_a_lone_brace_is_a_file_name(store: Path, tmp_path: Path) -> None:
    """`--out 'r{.md'` gave a ValueError traceback from str.format; a lone brace is literal."""
    res = runner.invoke(app, ["report", "--store", str(store), "--format", "json", "--no-forecast",
                              "--out", str(tmp_path / "r{.md")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r{.md").read_text().startswith("{")


# -- config files ------------------------------------------------------------------------------

def _kinds() -> dict[str, tuple[Path, Callable[[Path], Any]]]:
    from llmcost.ingest.mapped import load_mapping_file
    from llmcost.measures.registry import default_config_path, load_config
    from llmcost.planning.plan import load_plan
    from llmcost.pricing.currency import load_rates
    from llmcost.pricing.overrides import read_overrides
    from llmcost.scenarios.config import default_scenarios_path, load_scenarios

    return {
        "scenarios": (default_scenarios_path(), load_scenarios),
        "prices": (REPO / "prices.example.toml", read_overrides),
        "plan": (REPO / "sample_logs/plans/launch-50k-users.toml", load_plan),
        "plan-routing": (REPO / "sample_logs/plans/seed-routing.toml", load_plan),
        "measures": (default_config_path(), load_config),
        "mapping": (REPO / "src/llmcost/mappings/mooncake_trace.toml", load_mapping_file),
        "rates": (REPO / "tests/fixtures/rates.csv", load_rates),
    }


RATES = "date,currency,rate_per_usd\n2026-10-01,EUR,0.92\n2026-11-01,EUR,0.93\n"
RATE_VALUES = ("nan", "inf", "-inf", "1e999999999", "-1", "0", "ten", "", "1e-999999999", "0.92,extra")


def _rate_mutants() -> list[tuple[str, bytes]]:
    out = [(f"rate {v!r}", RATES.replace("0.93", v).encode()) for v in RATE_VALUES]
    out += [(f"date {v!r}", RATES.replace("2026-11-01", v).encode())
            for v in ("9999-12-31", "0001-01-01", "2026-02-30", "", "nan")]
    out += [(f"currency {v!r}", RATES.replace(",EUR,0.93", f",{v},0.93").encode()) for v in ("", "EURO", "1", "€")]
    out += [("no header", b"2026-10-01,EUR,0.92\n"), ("empty", b""), ("not UTF-8", b"date,currency\xff\n"),
            ("UTF-16", RATES.encode("utf-16")), ("binary", bytes(range(256)))]
    return out


def _cases(kind: str, base: Path) -> list[tuple[str, bytes]]:
    return _rate_mutants() if kind == "rates" else list(mutants(base.read_text(encoding="utf-8")))


@pytest.mark.parametrize("kind", ["scenarios", "prices", "plan", "plan-routing", "measures", "mapping", "rates"])
def test_every_config_mutant_is_valid_or_one_config_error(kind: str, tmp_path: Path) -> None:
    base, read = _kinds()[kind]
    path = tmp_path / ("rates.csv" if kind == "rates" else f"{kind}.toml")
    refused = 0
    cases = _cases(kind, base)
    for label, data in cases:
        path.write_bytes(data)
        try:
            read(path)
        except LlmcostError as e:
            refused += 1
            msg = str(e)
            assert "\n" not in msg, f"{kind} {label}: {msg!r}"
            assert path.name in msg, f"{kind} {label}: the message does not name the file: {msg}"
        except Exception as e:  # the point: nothing else may escape
            pytest.fail(f"{kind} {label}: {type(e).__name__}: {e}")
    # the mutants bite: most are refused (a changed note or description is still valid)
    assert refused > len(cases) // 2, (kind, refused, len(cases))


CLI_SAMPLE = int(os.environ.get("LLMCOST_FUZZ_CONFIG_CLI", "6"))


@pytest.mark.parametrize("kind", ["scenarios", "prices", "plan", "mapping", "rates"])
def test_config_mutants_through_the_cli(kind: str, store: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A seeded sample of the mutants through the command that reads the file: exit 0 (a mutant
    that is still valid) or exit 2 with one `Error:` line naming the file; never a traceback."""
    monkeypatch.setenv("LLMCOST_TODAY", "2026-11-20")
    base, _ = _kinds()[kind]
    cases = _cases(kind, base)
    rng = random.Random(f"{kind}-20261203")
    hostile = [c for c in cases if any(v in c[0] for v in ("nan", "inf", "1e999999999", "UTF", "TOML", "->"))]
    sample = rng.sample(hostile, min(CLI_SAMPLE, len(hostile))) + rng.sample(cases, min(CLI_SAMPLE, len(cases)))
    path = tmp_path / ("rates.csv" if kind == "rates" else f"{kind}.toml")
    command = {
        "scenarios": ["forecast", "--store", str(store), "--scenarios", str(path)],
        "prices": ["prices", "gpt-4o", "--prices", str(path)],
        "plan": ["plan", str(path)],
        "mapping": ["ingest", str(FIXTURE), "--store", str(tmp_path / "s"), "--mapping", str(path), "--quiet"],
        "rates": ["report", "--store", str(store), "--no-forecast", "--format", "json", "--currency", "EUR",
                  "--rates", str(path)],
    }[kind]
    for label, data in sample:
        path.write_bytes(data)
        res = runner.invoke(app, command)
        if res.exit_code in (0, 1) and (res.exception is None or isinstance(res.exception, SystemExit)):
            assert "Traceback" not in res.output, f"{kind} {label}: {res.output[-1500:]}"
            continue
        _one_error_line(res, f"{kind} {label}")
        assert path.name in res.output, f"{kind} {label}: the file is not named: {res.output}"


@pytest.mark.parametrize("args", [
    ["--since", "1900-01-01"], ["--until", "1900-01-01"], ["--month", "1900-01"],
    # a --month after today is refused (tests/cli/test_old_data.py): the last month is reached by --until
    ["--tz", "Pacific/Kiritimati", "--until", "2999-12-31"], ["--tz", "Etc/GMT+12", "--until", "2999-12-31"],
], ids=lambda a: " ".join(a))
def test_the_calendars_edges_are_accepted(args: list[str], store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first and last days the tool accepts work, in the zones furthest ahead and behind
    (stepping a day or a month past them overflowed before the bounds)."""
    monkeypatch.setenv("LLMCOST_TODAY", "2026-11-20")
    res = runner.invoke(app, ["report", "--store", str(store), "--format", "json", *args])
    # 1: a window before the data's first day holds no data, and the report says so (docs/cron.md)
    assert res.exit_code in (0, 1), res.output[-2000:]
    assert "Traceback" not in res.output
    assert res.stdout.lstrip().startswith("{")


def test_an_as_of_on_the_calendars_first_day_is_refused_cleanly(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--as-of on the first day the tool accepts: no overflow and, being before the data begins,
    the one-line refusal naming the data's first day (tests/cli/test_old_data.py), exit 2."""
    monkeypatch.setenv("LLMCOST_TODAY", "2026-11-20")
    res = runner.invoke(app, ["report", "--store", str(store), "--format", "json", "--as-of", "1900-01-01"])
    assert res.exit_code == 2, res.output[-2000:]
    assert "Traceback" not in res.output
    assert "--as-of 1900-01-01 is before the data begins" in res.output
