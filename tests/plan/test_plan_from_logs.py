"""Issue 19: sample_logs cut to its first three days and a plan for 50,000 users. The per-turn
curve, the turns per session and the hit rate the plan takes from the store are checked against
polars on the raw JSONL (tokens normalised here by hand from the provider docs: OpenAI
prompt_tokens includes cached_tokens; Anthropic input_tokens excludes cache reads and writes), and
the three scenarios against that curve priced at the list prices written here."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from llmcost.cli import app

REPO = Path(__file__).resolve().parents[2]
LOGS = REPO / "sample_logs" / "app-logs"
PLAN = REPO / "sample_logs" / "plans" / "launch-50k-users.toml"
CUT = "2026-09-04"  # first three days: 2026-09-01 to 09-03
SONNET = {"input": Decimal(3), "cache_read": Decimal("0.30"), "cache_write": Decimal("3.75"), "output": Decimal(15)}
M = Decimal(1_000_000)


@pytest.fixture(scope="module")
def cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cut")
    for f in LOGS.glob("*.jsonl"):
        keep = [ln for ln in f.read_text().splitlines()
                if (json.loads(ln).get("ts") or json.loads(ln)["timestamp"])[:10] < CUT]
        (d / f.name).write_text("\n".join(keep) + "\n")
    return d


def _raw(cut: Path) -> pl.DataFrame:
    oa = pl.read_ndjson(cut / "assistant-openai.jsonl", infer_schema_length=None).select(
        conv=pl.col("session_id"), ts=pl.col("ts").str.to_datetime(time_zone="UTC"),
        prompt=pl.col("response").struct["usage"].struct["prompt_tokens"],
        output=pl.col("response").struct["usage"].struct["completion_tokens"],
        cache_read=pl.col("response").struct["usage"].struct["prompt_tokens_details"].struct["cached_tokens"],
    )
    u = pl.col("response").struct["usage"]
    an = pl.read_ndjson(cut / "support-bot-anthropic.jsonl", infer_schema_length=None).select(
        conv=pl.col("conversation_id"), ts=pl.col("timestamp").str.to_datetime(time_zone="UTC"),
        prompt=u.struct["input_tokens"] + u.struct["cache_creation_input_tokens"] + u.struct["cache_read_input_tokens"],
        output=u.struct["output_tokens"],
        cache_read=u.struct["cache_read_input_tokens"],
    )
    rows = pl.concat([oa, an])
    # turns by time within a conversation; a tie would make the order ambiguous, so there must be none
    assert rows.select(pl.struct("conv", "ts").is_duplicated().sum()).item() == 0
    return rows.with_columns(turn=pl.col("ts").rank("ordinal").over("conv"))


def test_plan_for_50000_users_from_three_days_of_logs(tmp_path: Path, cut: Path) -> None:
    store = tmp_path / "store"
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", "--store", str(store), str(cut)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["plan", str(PLAN), "--store", str(store), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)

    raw = _raw(cut)
    n_conv = raw["conv"].n_unique()
    per_turn = raw.group_by("turn").agg(n=pl.len(), prompt=pl.col("prompt").sum(), output=pl.col("output").sum()
                                        ).sort("turn")
    curve = [(int(t), Decimal(n) / n_conv, Decimal(p) / n, Decimal(o) / n) for t, n, p, o in per_turn.iter_rows()]
    assert len(curve) > 3  # the logs hold multi-turn conversations
    got = [(t["turn"], Decimal(t["requests_per_session"]), Decimal(t["prompt_tokens"]), Decimal(t["output_tokens"]))
           for t in doc["turns"]]
    assert [g[0] for g in got] == [c[0] for c in curve]
    for g, c in zip(got, curve, strict=True):
        assert all(abs(a - b) < Decimal("1e-12") for a, b in zip(g[1:], c[1:], strict=True)), (g, c)
    hit = Decimal(int(raw["cache_read"].sum())) / Decimal(int(raw["prompt"].sum()))
    assert Decimal("0.05") < hit < Decimal("0.95")
    src = {a["key"]: a for a in doc["assumptions"]}
    assert src["prompt (per-turn curve)"]["source"].startswith("logs")
    assert src["traffic.turns_per_session"]["source"].startswith("logs")
    assert src["traffic.users_per_month"]["source"] == "plan"
    hit_row = src["prompt caching at the logged hit rate: cache_hit_rate"]
    assert hit_row["source"].startswith("logs") and hit_row["value"].startswith(f"{hit * 100:.1f}%")

    sessions = Decimal(50_000 * 4)

    def month(traffic: str, growth: str, cached: bool) -> Decimal:
        total = Decimal(0)
        for _, w, p, o in curve:
            p = p * (1 + Decimal(growth))
            if cached:
                inp = hit * p * SONNET["cache_read"] + (1 - hit) * p * SONNET["cache_write"]
            else:
                inp = p * SONNET["input"]
            total += w * (inp + o * SONNET["output"]) / M
        return sessions * Decimal(traffic) * total

    rows = {(r["scenario"], r["variant"]): Decimal(r["monthly_cost_usd"]) for r in doc["rows"]}
    cache = "prompt caching at the logged hit rate"
    expected = {
        ("plan", "plan"): month("1", "0", False),
        ("conservative", "plan"): month("0.2", "0", False),
        ("conservative", cache): month("0.2", "0", True),
        ("base", "plan"): month("1", "0.3", False),
        ("base", cache): month("1", "0.3", True),
        ("aggressive", "plan"): month("3", "0.5", False),
        ("aggressive", cache): month("3", "0.5", False),  # no caching in the aggressive scenario
    }
    for key, want in expected.items():
        assert rows[key].quantize(Decimal("0.01")) == want.quantize(Decimal("0.01")), (key, rows[key], want)
    assert expected[("conservative", "plan")] < expected[("base", "plan")] < expected[("aggressive", "plan")]
    assert {("base", "on claude-haiku-4-5"), ("base", "on gpt-4.1-mini")} <= set(rows)


def test_the_routing_share_comes_from_the_logs_complexity_mix(tmp_path: Path, cut: Path) -> None:
    from llmcost.storage.store import Store

    store = tmp_path / "store"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", "--store", str(store), str(cut)]).exit_code == 0
    plan = tmp_path / "route.toml"
    plan.write_text(PLAN.read_text().replace(
        '[[alternatives]]\nname = "prompt caching at the logged hit rate"\ncache = true\n',
        '[[alternatives]]\nname = "route simple"\nroute_to = "claude-haiku-4-5"\n'))
    res = runner.invoke(app, ["plan", str(plan), "--store", str(store), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    # the complexity rule of docs/measures.md (defaults), written again here over the stored rows
    con = Store.open(store).connect()
    rows = con.sql("SELECT * FROM usage").pl()
    con.close()
    prompt = (pl.col("input_tokens").fill_null(0) + pl.col("cache_read_tokens").fill_null(0)
              + pl.col("cache_write_tokens").fill_null(0))
    simple = ((prompt <= 2000) & (pl.col("output_tokens").fill_null(0) <= 500)
              & (pl.col("reasoning_tokens").fill_null(0) <= 0) & (pl.col("tool_calls").fill_null(0) <= 0)
              & (pl.col("turn").fill_null(1) <= 3))
    assert rows["label"].null_count() == rows.height  # no user labels in these logs
    share = Decimal(int(rows.select(simple.sum()).item())) / Decimal(rows.height)
    assert Decimal("0.01") < share < Decimal("0.99")
    src = {a["key"]: a for a in doc["assumptions"]}
    assert src["route simple: route_share"]["source"].startswith("logs")
    assert src["route simple: route_share"]["value"].startswith(f"{share * 100:.1f}%")
    haiku = {"input": Decimal(1), "output": Decimal(5)}
    curve = [(Decimal(t["requests_per_session"]), Decimal(t["prompt_tokens"]), Decimal(t["output_tokens"]))
             for t in doc["turns"]]
    per_session = sum(((1 - share) * w * (p * SONNET["input"] + o * SONNET["output"])
                       + share * w * (p * haiku["input"] + o * haiku["output"])) / M for w, p, o in curve)
    (row,) = [r for r in doc["rows"] if r["scenario"] == "plan" and r["variant"] == "route simple"]
    assert Decimal(row["monthly_cost_usd"]).quantize(Decimal("0.01")) == (200_000 * per_session).quantize(
        Decimal("0.01"))


def test_log_profile_prices_through_the_reports_one_pass(tmp_path: Path, cut: Path,
                                                          price_once_names: list[str]) -> None:
    """The plan's log profile prices the logged rows with the report's pricing pass, once."""
    from llmcost.planning.plan import log_profile
    from llmcost.pricing import load_catalog
    from llmcost.pricing.engine import pricing_passes
    from llmcost.storage.store import Store

    store = tmp_path / "store"
    assert CliRunner().invoke(app, ["ingest", "--store", str(store), str(cut)]).exit_code == 0
    names = price_once_names
    with Store.open(store).reader() as r:
        before = pricing_passes()
        prof = log_profile(r.con, catalog=load_catalog())
        assert pricing_passes() - before == 1
    assert names == ["plan_priced"] and prof.turns
