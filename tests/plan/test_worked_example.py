"""The seed's worked example (issue 19), to the cent, from the list prices written here by hand.

List prices, USD per million tokens (the providers' price pages): GPT-4o $2.50 in / $10.00 out;
GPT-4o-mini $0.15 / $0.60; Claude Sonnet 4.5 $3.00 in, cache read $0.30 (0.1x), 5-minute cache
write $3.75 (1.25x). Every expected figure below is worked out from these, not from the catalog.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from llmcost.planning.plan import evaluate, load_plan, parse_plan
from llmcost.pricing import load_catalog
from llmcost.pricing.catalog import Catalog

REPO = Path(__file__).resolve().parents[2]
PLANS = REPO / "sample_logs" / "plans"
M = Decimal(1_000_000)
GPT4O = {"input": Decimal("2.50"), "output": Decimal("10.00")}
MINI = {"input": Decimal("0.15"), "output": Decimal("0.60")}
SONNET = {"input": Decimal("3.00"), "cache_read": Decimal("0.30"), "cache_write": Decimal("3.75")}
CENT = Decimal("0.01")


def _row(doc: dict, scenario: str, variant: str) -> dict:
    (row,) = [r for r in doc["rows"] if r["scenario"] == scenario and r["variant"] == variant]
    return row


def _cents(d: Decimal) -> Decimal:
    return d.quantize(CENT)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(None)


def test_catalog_prices_are_the_list_prices_the_example_uses(catalog: Catalog) -> None:
    # If the catalog ever changes these, the figures below are no longer the seed's example.
    docs = [evaluate(load_plan(PLANS / f), catalog) for f in ("seed-routing.toml", "seed-caching.toml")]
    prices = {p["model"]: p for d in docs for p in d["prices"]}
    assert (prices["gpt-4o"]["input_per_mtok"], prices["gpt-4o"]["output_per_mtok"]) == (GPT4O["input"],
                                                                                       GPT4O["output"])
    assert (prices["gpt-4o-mini"]["input_per_mtok"], prices["gpt-4o-mini"]["output_per_mtok"]) == (
        MINI["input"], MINI["output"])
    s = prices["claude-sonnet-4-5"]
    assert (s["input_per_mtok"], s["cache_read_per_mtok"], s["cache_write_per_mtok"]) == (
        SONNET["input"], SONNET["cache_read"], SONNET["cache_write"])


def test_gpt4o_and_routing_to_the_cent(catalog: Catalog) -> None:
    doc = evaluate(load_plan(PLANS / "seed-routing.toml"), catalog)
    n, p, o = 500_000, 2_000, 300
    plan = _row(doc, "plan", "plan")
    assert _cents(plan["monthly_input_cost_usd"]) == Decimal("2500.00") == n * p * GPT4O["input"] / M
    assert _cents(plan["monthly_output_cost_usd"]) == Decimal("1500.00") == n * o * GPT4O["output"] / M
    assert _cents(plan["monthly_cost_usd"]) == Decimal("4000.00")
    routed = _row(doc, "plan", "route 70% to gpt-4o-mini")
    by_hand = (Decimal("0.3") * n * (p * GPT4O["input"] + o * GPT4O["output"])
               + Decimal("0.7") * n * (p * MINI["input"] + o * MINI["output"])) / M
    assert by_hand == Decimal("1368")
    assert _cents(routed["monthly_cost_usd"]) == Decimal("1368.00")
    # The seed's "$983 input" prices the routed output at the input rate: 0.3 x 2,500 + 0.7 x 500,000 x
    # 2,300 x $0.15/M = 750 + 120.75 = 870.75, not the $855 input + $513 output computed here.
    assert _cents(routed["monthly_input_cost_usd"]) == Decimal("855.00")
    assert _cents(routed["monthly_output_cost_usd"]) == Decimal("513.00")
    assert _cents(routed["cost_per_session_usd"] * 1000) == Decimal("2.74")  # $0.002736 per session


def test_sonnet_caching_as_the_seed_computes_it_and_with_the_write_price(catalog: Catalog) -> None:
    doc = evaluate(load_plan(PLANS / "seed-caching.toml"), catalog)
    n, p, hit = 500_000, 3_000, Decimal("0.8")
    assert _cents(_row(doc, "plan", "plan")["monthly_cost_usd"]) == Decimal("4500.00") == n * p * SONNET["input"] / M
    seed = n * p * (hit * SONNET["cache_read"] + (1 - hit) * SONNET["input"]) / M
    right = n * p * (hit * SONNET["cache_read"] + (1 - hit) * SONNET["cache_write"]) / M
    assert (seed, right) == (Decimal("1260"), Decimal("1485"))
    assert _cents(_row(doc, "plan", "cache 80%, as the seed computes it")["monthly_cost_usd"]) == Decimal("1260.00")
    assert _cents(_row(doc, "plan", "cache 80%, misses pay the write price")["monthly_cost_usd"]) == Decimal("1485.00")


def test_the_three_scenarios_of_the_worked_example(catalog: Catalog) -> None:
    doc = evaluate(load_plan(PLANS / "seed-caching.toml"), catalog)
    n = 500_000
    # conservative: 20% of the traffic at today's context, caching kept
    assert _cents(_row(doc, "conservative", "plan")["monthly_cost_usd"]) == Decimal("900.00")
    assert _cents(_row(doc, "conservative", "cache 80%, misses pay the write price")["monthly_cost_usd"]) == (
        Decimal("297.00"))
    # base: the full projection, prompts 30% longer: 3,900 tokens
    assert _cents(_row(doc, "base", "plan")["monthly_cost_usd"]) == _cents(n * 3_900 * SONNET["input"] / M)
    assert _cents(_row(doc, "base", "cache 80%, misses pay the write price")["monthly_cost_usd"]) == _cents(
        n * 3_900 * (Decimal("0.8") * SONNET["cache_read"] + Decimal("0.2") * SONNET["cache_write"]) / M)
    # aggressive: 3x the traffic, prompts 50% longer (4,500 tokens), no caching: the cached variant costs as much
    aggressive = 3 * n * 4_500 * SONNET["input"] / M
    assert aggressive == Decimal("20250")
    for v in ("plan", "cache 80%, misses pay the write price"):
        assert _cents(_row(doc, "aggressive", v)["monthly_cost_usd"]) == Decimal("20250.00")
    assert _row(doc, "aggressive", "cache 80%, misses pay the write price")["caching_off"] is True
    assert _row(doc, "base", "plan")["requests_per_month"] == n


MULTI = """
[plan]
prices_at = 2026-11-01
[traffic]
sessions_per_month = 1000
turns_distribution = { "1" = 0.5, "3" = 0.5 }
[prompt]
system_tokens = 1000
user_tokens_per_turn = 100
output_tokens_per_turn = 200
[[models]]
model = "gpt-4o"
[[alternatives]]
name = "trim"
trim_history_tokens = 200
"""


def test_multi_turn_history_trimming_and_growth_by_hand(catalog: Catalog) -> None:
    doc = evaluate(parse_plan(MULTI, "multi.toml"), catalog)

    def req(prompt: int | Decimal) -> Decimal:
        return (Decimal(prompt) * GPT4O["input"] + 200 * GPT4O["output"]) / M

    # Half the sessions stop after turn 1, half go to turn 3: per session 1 request at turn 1, 0.5 at
    # turns 2 and 3. Turn k re-sends (k-1) x (100 user + 200 output) tokens of history.
    prompts = {1: 1100, 2: 1400, 3: 1700}
    session = req(prompts[1]) + Decimal("0.5") * (req(prompts[2]) + req(prompts[3]))
    assert session == Decimal("0.010625")
    assert _row(doc, "plan", "plan")["cost_per_session_usd"] == session
    assert _row(doc, "plan", "plan")["monthly_cost_usd"] == 1000 * session
    assert doc["requests_per_session"] == 2
    # trimming to 200 history tokens: turns 2 and 3 send 1,300 tokens
    trimmed = req(1100) + Decimal("0.5") * 2 * req(1300)
    assert _row(doc, "plan", "trim")["monthly_cost_usd"] == 1000 * trimmed == Decimal("10.00")
    # base: every prompt 30% longer
    base = req(Decimal(1430)) + Decimal("0.5") * (req(Decimal(1820)) + req(Decimal(2210)))
    assert _row(doc, "base", "plan")["monthly_cost_usd"] == 1000 * base == Decimal("12.6125")


def test_a_mean_turn_count_and_a_growth_path(catalog: Catalog) -> None:
    text = MULTI.replace('sessions_per_month = 1000\nturns_distribution = { "1" = 0.5, "3" = 0.5 }',
                         "users_per_month = [1000, 2000]\nsessions_per_user = 2\nturns_per_session = 1.5")
    doc = evaluate(parse_plan(text, "growth.toml"), catalog)
    row = _row(doc, "plan", "plan")
    # a mean of 1.5 turns: half the sessions have 1 turn, half 2
    per_session = (Decimal(1100) * GPT4O["input"] + 200 * GPT4O["output"]) / M + Decimal("0.5") * (
        Decimal(1400) * GPT4O["input"] + 200 * GPT4O["output"]) / M
    assert row["cost_per_session_usd"] == per_session
    assert [m["sessions"] for m in row["by_month"]] == [2000, 4000]
    assert [m["cost_usd"] for m in row["by_month"]] == [2000 * per_session, 4000 * per_session]
    assert row["requests_per_month"] == 3000
