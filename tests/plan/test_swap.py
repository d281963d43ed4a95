"""The model-swap what-if: sample_logs re-priced on GPT-4o, against polars on the stored rows
priced at GPT-4o's list prices written here ($2.50 input, $1.25 cache read, $2.50 cache write,
$10 output per million tokens)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.storage.store import Store

REPO = Path(__file__).resolve().parents[2]
GPT4O = {"input_tokens": Decimal("2.50"), "cache_read_tokens": Decimal("1.25"), "cache_write_tokens": Decimal("2.50"),
         "output_tokens": Decimal(10)}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("swap") / "store"
    res = CliRunner().invoke(app, ["ingest", "--store", str(d), str(REPO / "sample_logs" / "app-logs")])
    assert res.exit_code == 0, res.output
    return d


def _by_model(store: Path) -> dict[str, Decimal]:
    con = Store.open(store).connect()
    rows = con.sql("SELECT model, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens FROM usage").pl()
    con.close()
    sums = rows.group_by("model").agg(pl.col(k).fill_null(0).sum() for k in GPT4O)
    return {r["model"]: sum((Decimal(int(r[k])) * p for k, p in GPT4O.items()), Decimal(0)) / 1_000_000
            for r in sums.iter_rows(named=True)}


@pytest.mark.parametrize("ratio", ["1.0", "1.1"])
def test_swap_to_gpt4o_matches_polars(store: Path, ratio: str) -> None:
    res = CliRunner().invoke(app, ["swap", "gpt-4o", "--store", str(store), "--format", "json",
                                   "--tokenizer-ratio", ratio])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    want = {m: v * Decimal(ratio) for m, v in _by_model(store).items()}
    got = {m["model"]: Decimal(m["swapped_usd"]) for m in doc["by_model"]}
    assert set(got) == set(want) and len(got) >= 4
    for m, v in want.items():
        assert abs(got[m] - v) < Decimal("1e-9"), (m, got[m], v)
    assert abs(Decimal(doc["swapped_priced_usd"]) - sum(want.values())) < Decimal("1e-9")
    assert doc["target"] == "openai/gpt-4o"
    assert doc["tokenizer_ratio_source"].startswith("default") == (ratio == "1.0")
    # the logged gpt-4o traffic costs the same on gpt-4o
    logged = next(m for m in doc["by_model"] if m["model"].startswith("gpt-4o"))
    if ratio == "1.0":
        assert abs(Decimal(logged["cost_usd"]) - Decimal(logged["swapped_usd"])) < Decimal("1e-9")


def test_swap_errors(store: Path) -> None:
    res = CliRunner().invoke(app, ["swap", "gpt-4oo", "--store", str(store)])
    assert res.exit_code == 2 and res.stderr.startswith("Error: No price for model 'gpt-4oo'")
    assert "(did you mean 'gpt-4o'" in res.stderr
    res = CliRunner().invoke(app, ["swap", "gpt-4o", "--store", str(store), "--tokenizer-ratio", "0"])
    assert res.exit_code == 2 and "--tokenizer-ratio 0 must be above 0" in res.stderr


def test_swap_prices_through_the_reports_one_pass(store: Path, price_once_names: list[str]) -> None:
    """`swap` prices the logged rows with the report's pricing pass (document/priced_rows.py), once."""
    from llmcost.planning.swap import swap_whatif
    from llmcost.pricing import load_catalog
    from llmcost.pricing.engine import pricing_passes

    names = price_once_names
    with Store.open(store).reader() as r:
        before = pricing_passes()
        doc = swap_whatif(r.con, load_catalog(), "gpt-4o")
        assert pricing_passes() - before == 1
    assert names == ["swap_priced"] and doc["requests"] > 0


@pytest.mark.parametrize("command", [["swap", "gpt-4o"],
                                     ["plan", str(REPO / "sample_logs" / "plans" / "launch-50k-users.toml")]])
def test_since_after_until_is_refused(store: Path, command: list[str]) -> None:
    """--since after --until is a typo, refused as `report` refuses it; before, `swap` answered
    "$0.00 ... 0 requests" (an empty window) and `plan` blamed the logs ("widen --since/--until")."""
    res = CliRunner().invoke(app, [*command, "--store", str(store), "--since", "2026-11-01", "--until", "2026-10-01"])
    assert res.exit_code == 2, res.output
    assert res.stderr == "Error: --since 2026-11-01 is after --until 2026-10-01. Fix: swap them.\n"


def test_swap_table_shows_logged_names_inert(tmp_path: Path) -> None:
    """Model names come from the logs: in the swap table an escape sequence is '?' text and a newline is
    a space, as in the report (docs/reliability.md, Output rules); before, both reached the terminal raw."""
    rows = [{"id": f"o{i}", "traceId": f"t{i}", "type": "GENERATION", "name": "gen", "model": model,
             "startTime": "2026-10-01T10:00:00.000Z", "endTime": "2026-10-01T10:00:01.000Z",
             "usageDetails": {"input": 1000, "output": 100, "total": 1100}}
            for i, model in enumerate(["gpt-4o-2024-08-06", "\x1b]0;owned\x07evil\x1b[31m", "line\nforged  1  $9.99"])]
    logs = tmp_path / "obs.jsonl"
    logs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    store = tmp_path / "store"
    assert CliRunner().invoke(app, ["ingest", "--store", str(store), str(logs)]).exit_code == 0
    res = CliRunner().invoke(app, ["swap", "gpt-4o", "--store", str(store)], color=True)
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout
    lines = res.stdout.splitlines()
    assert not any(line.startswith("forged") for line in lines)
    assert any(line.startswith("-         ?]0;owned?evil?[31m ") for line in lines), res.stdout
    assert any(line.startswith("-         line forged  1  $9.99 ") for line in lines), res.stdout


def test_swap_on_an_empty_window_says_so(store: Path) -> None:
    # the sample logs are of 2026; a window in 2020 holds no request (one after today is refused:
    # tests/cli/test_old_data.py). The text used to read "On gpt-4o: $0.00 for the priced traffic that
    # cost n/a as logged; 0 requests." above an empty table, a $0.00 that reads like a result
    res = CliRunner().invoke(app, ["swap", "gpt-4o", "--store", str(store), "--since", "2020-01-01",
                                   "--until", "2020-12-31"])
    assert res.exit_code == 0, res.output
    assert "no requests in the store from 2020-01-01 to 2020-12-31" in res.output
    assert "$0.00" not in res.output
