"""What-if alternatives measured on logged requests: hand-computed fixtures and the sample logs.

Prices used by hand (USD per million tokens, genai-prices 0.2.3 = the providers' sheets):
gpt-4o input 2.50, cached input 1.25, output 10.00, batch input 1.25, batch output 5.00;
gpt-4.1-mini input 0.40, cached input 0.10, output 1.60.
Priority ("Fast mode"; pricing-caching-routing.md: gpt-4o 1.7x, gpt-4.1 family 1.75x): gpt-4o input
4.25, cached input 2.125, output 17; gpt-4.1-mini input 0.70, cached input 0.175, output 2.80.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from llmcost.pricing import load_catalog
from llmcost.scenarios.alternatives.batch import Batch, measure_batch
from llmcost.scenarios.alternatives.caching import Caching, measure_caching
from llmcost.scenarios.alternatives.routing import Routing, measure_routing
from llmcost.scenarios.alternatives.trimming import Trimming, measure_trimming
from llmcost.scenarios.history import prepare
from llmcost.scenarios.whatif import Prices, window_totals
from tests.scenarios.conftest import usage_con

AS_OF = date(2026, 11, 30)
SINCE = AS_OF - timedelta(days=27)
T = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
M = Decimal(1_000_000)


def _measure(rows: list[dict], fn, alt):  # type: ignore[no-untyped-def]
    con = usage_con(rows)
    catalog = load_catalog()
    rows_of = prepare(con, catalog, AS_OF, "UTC").table
    return fn(con, rows_of, Prices(catalog, {}, AS_OF), alt, SINCE, window_totals(con, rows_of, SINCE))


def _row(model: str, i: int, **kw: object) -> dict:
    return {
        "ts": T + timedelta(minutes=i),
        "provider": "openai",
        "model": model,
        "conversation_id": f"c{i}",
        "turn": 1,
        **kw,
    }


ROUTING_ROWS = [
    _row("gpt-4o", 1, input_tokens=1500, output_tokens=400),  # A: simple -> moves
    _row("gpt-4o", 2, input_tokens=476, cache_read_tokens=1024, output_tokens=300, turn=2),  # B: simple, cached
    _row("gpt-4o", 3, input_tokens=5000, output_tokens=300),  # C: prompt > 2000 -> medium, stays
    _row("gpt-4.1-mini", 4, input_tokens=800, output_tokens=100),  # D: already on the target
    _row("gpt-4o", 5, input_tokens=1000, output_tokens=600),  # E: output > 500 -> medium, stays
]


def test_routing_savings_equal_the_hand_computation() -> None:
    rule = Routing(
        "simple_4o_to_mini",
        from_model="gpt-4o",
        to_model="gpt-4.1-mini",
        labels=("simple",),
        classifier_usd_per_1k_requests=0.5,
    )
    e = _measure(ROUTING_ROWS, measure_routing, rule)
    # A: logged 1500*2.50 + 400*10 = 7750; on mini 1500*0.40 + 400*1.60 = 1240 -> 6510
    # B: logged 476*2.50 + 1024*1.25 + 300*10 = 5470; on mini with its cache reads lost
    #    (1500 uncached) 1500*0.40 + 300*1.60 = 1080 -> 4390
    # classifier: 4 gpt-4o requests examined * $0.50 / 1000 = $0.002
    assert e.measured["requests_moved"] == 2
    assert e.window_savings_usd == Decimal(6510 + 4390) / M - Decimal("0.002")
    # cache kept warm on the target: B on mini 476*0.40 + 1024*0.10 + 300*1.60 = 772.8 -> 4697.2
    assert e.window_savings_best_usd == (Decimal(6510) + Decimal("4697.2")) / M - Decimal("0.002")
    assert e.measured["moves"] == {"gpt-4o -> gpt-4.1-mini": 2.0}


def test_routing_conditions_and_share() -> None:
    rule = Routing(
        "r",
        from_model="gpt-4o",
        to_model="gpt-4.1-mini",
        labels=(),
        max_input_tokens=1500,
        max_output_tokens=350,
        share=0.5,
    )
    e = _measure(ROUTING_ROWS, measure_routing, rule)
    # any label; prompt <= 1500 and output <= 350: only B; half of it moves
    assert e.measured["requests_moved"] == 0.5
    assert e.window_savings_usd == Decimal(4390) / M / 2


def test_batch_savings_by_hand() -> None:
    rows = [
        _row("gpt-4o", 1, input_tokens=1000, output_tokens=1000),
        _row("gpt-4o", 2, input_tokens=1000, output_tokens=1000, conversation_id="multi"),
        _row("gpt-4o", 3, input_tokens=1000, output_tokens=1000, conversation_id="multi", turn=2),
    ]
    e = _measure(rows, measure_batch, Batch("b", share=0.5))
    # only the single-request conversation is eligible: 0.5 * (1000*(2.50-1.25) + 1000*(10-5))
    assert e.measured["requests_moved"] == 0.5
    assert e.window_savings_usd == Decimal("0.5") * (1000 * Decimal("1.25") + 1000 * Decimal(5)) / M


def test_what_ifs_start_from_what_priority_requests_cost() -> None:
    # the same requests at the priority tier cost 1.7x (gpt-4o): what the batch API, routing and
    # trimming save is counted from that, not from the standard price
    rows = [_row("gpt-4o", 1, input_tokens=2000, output_tokens=500, service_tier="priority"),
            _row("gpt-4o", 2, input_tokens=2000, output_tokens=500)]
    e = _measure(rows, measure_batch, Batch("b", share=1.0))
    # priority: 2000*4.25 + 500*17 = 17,000 against batch 2000*1.25 + 500*5 = 5,000 -> 12,000;
    # standard: 2000*2.50 + 500*10 = 10,000 against the same 5,000 -> 5,000
    assert e.measured["requests_moved"] == 2
    assert e.window_savings_usd == Decimal(12_000 + 5_000) / M

    routed = _measure(rows, measure_routing, Routing("r", from_model="gpt-4o", to_model="gpt-4.1-mini", labels=()))
    # the moved requests keep their tier: priority 17,000 against mini at priority
    # 2000*0.70 + 500*2.80 = 2,800 -> 14,200; standard 10,000 against 2000*0.40 + 500*1.60 = 1,600 -> 8,400
    assert routed.window_savings_usd == Decimal(14_200 + 8_400) / M

    turns = [_row("gpt-4o", i, input_tokens=p, output_tokens=50, conversation_id="c", turn=i + 1,
                  service_tier="priority") for i, p in enumerate([1000, 1500, 2000, 2600])]
    trimmed = _measure(turns, measure_trimming, Trimming("t", keep_turns=2))
    # as test_trimming_by_hand, the 500 tokens dropped at the priority input price
    assert trimmed.window_savings_usd == 500 * Decimal("4.25") / M

    calls = [_row("gpt-4o", i, input_tokens=3000, output_tokens=100, conversation_id="c", turn=i + 1,
                  service_tier="priority") for i in range(3)]
    cached = _measure(calls, measure_caching, Caching("k", prefix_tokens=1024, lifetime="5m", min_tokens=1024))
    # one minute apart: the first call writes the 1,024-token prefix (OpenAI: no write fee, the
    # input price), the next two read it: 2 x 1,024 tokens at 2.125 instead of 4.25
    assert cached.window_savings_usd == 2 * 1024 * (Decimal("4.25") - Decimal("2.125")) / M


def test_trimming_by_hand() -> None:
    rows = [
        _row("gpt-4o", i, input_tokens=p, output_tokens=50, conversation_id="c", turn=i + 1)
        for i, p in enumerate([1000, 1500, 2000, 2600])
    ]
    e = _measure(rows, measure_trimming, Trimming("t", keep_turns=2))
    # growth per turn: 500, 500, 600; keeping the last 2 turns drops turn 2's 500 from turn 4
    assert e.measured["requests_trimmed"] == 1
    assert e.measured["prompt_tokens_removed_share"] == 500 / 7100
    assert e.window_savings_usd == 500 * Decimal("2.50") / M


def test_trimming_counts_the_history_before_the_window() -> None:
    # SINCE is 2026-11-03: "x" has two turns before the window and two in it; "gone" is over
    # before the window (it would trim, but adds nothing); "late" starts in it (nothing to trim).
    days = [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 5)]

    def conv(name: str, when: list[date], prompts: list[int]) -> list[dict]:
        return [{"ts": datetime(d.year, d.month, d.day, 12, tzinfo=UTC), "provider": "openai", "model": "gpt-4o",
                 "conversation_id": name, "turn": i + 1, "input_tokens": p, "output_tokens": 50}
                for i, (d, p) in enumerate(zip(when, prompts, strict=True))]

    rows = [*conv("x", days, [1000, 1500, 2000, 2600]),
            *conv("gone", [date(2026, 10, d) for d in (20, 21, 22, 23)], [100, 5000, 9000, 20000]),
            *conv("late", days[2:], [700, 900])]
    e = _measure(rows, measure_trimming, Trimming("t", keep_turns=2))
    # x's turn 4 (in the window) drops turn 2's growth of 500 (made before the window)
    assert e.measured["requests_trimmed"] == 1
    assert e.measured["prompt_tokens_removed_share"] == 500 / (2000 + 2600 + 700 + 900)
    assert e.window_savings_usd == 500 * Decimal("2.50") / M


def _simple(r: dict) -> bool:
    """The measures' rule (docs/measures.md), written again in Python."""
    label = (r["label"] or "").strip().lower()
    if label in ("simple", "medium", "complex"):
        return label == "simple"
    prompt = r["input_tokens"] + r["cache_read_tokens"] + r["cache_write_tokens"]
    out, reasoning, tools, turn = r["output_tokens"], r["reasoning_tokens"] or 0, r["tool_calls"] or 0, r["turn"] or 1
    if prompt >= 32000 or out >= 4000 or reasoning >= 2048 or tools >= 3 or turn >= 20:
        return False
    return prompt <= 2000 and out <= 500 and reasoning <= 0 and tools <= 0 and turn <= 3


def test_routing_on_the_sample_logs_moves_exactly_the_selected_requests(sample_store: Path) -> None:
    from llmcost.storage.store import Store

    con = Store.open(sample_store).connect()
    as_of = date(2026, 11, 23)
    since = as_of - timedelta(days=27)
    # independent count: plain rows from the store, the rule applied in Python
    cur = con.execute("SELECT * FROM usage")
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    expected = sum(
        1
        for r in rows
        if r["model"].startswith("gpt-4o")
        and since <= r["ts"].date() <= as_of
        and _simple(r)
        and r["input_tokens"] + r["cache_read_tokens"] <= 1800
    )
    assert expected > 50
    catalog = load_catalog()
    rows_of = prepare(con, catalog, as_of, "UTC").table
    rule = Routing("r", from_model="gpt-4o", to_model="gpt-4.1-mini", labels=("simple",), max_input_tokens=1800)
    e = measure_routing(con, rows_of, Prices(catalog, {}, as_of), rule, since, window_totals(con, rows_of, since))
    assert e.measured["requests_moved"] == expected
    assert e.window_savings_usd > 0
    cheapest = measure_routing(con, rows_of, Prices(catalog, {}, as_of), Routing("c"), since,
                               window_totals(con, rows_of, since))
    # o3 rows carry reasoning tokens and the support bot's prompts a 2,500+ token cached prefix:
    # none of them is "simple", so only gpt-4o traffic moves to the cheapest OpenAI model
    assert set(cheapest.measured["moves"]) == {"gpt-4o -> gpt-4.1-mini"}
    con.close()


def test_glob_selects_what_fnmatch_selects() -> None:
    """whatif.glob (the SQL the routing, batch, trimming and caching alternatives filter with)
    matches on DuckDB exactly what Python's fnmatch matches, ignoring case, for random patterns
    over an alphabet of the characters that mean something to a glob, a regex or SQL (the Spark
    side: tests/engine/test_spark_parity.py, the glob test)."""
    from fnmatch import fnmatchcase

    import duckdb
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from llmcost.scenarios.whatif import glob

    alphabet = "aBz09-*?[]!^\\.$()'|{}+ ä\n"
    con = duckdb.connect()

    @settings(max_examples=400, deadline=None)
    @given(pattern=st.text(alphabet, max_size=8), texts=st.lists(st.text(alphabet, max_size=6), min_size=1, max_size=6))
    def check(pattern: str, texts: list[str]) -> None:
        sql = "SELECT " + ", ".join(glob("'" + t.replace("'", "''") + "'", pattern) for t in texts)
        got = list(con.execute(sql).fetchall()[0])
        assert got == [fnmatchcase(t.lower(), pattern.lower()) for t in texts], (pattern, texts)

    check()
