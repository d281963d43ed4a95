"""The priced view: money stays Decimal, unpriced rows are NULL and reported with a fix."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import genai_prices
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmcost.pricing import COST_COLUMNS, PriceKey, attach_costs, load_catalog, price_table
from llmcost.storage.schema import column_names

ROWS = [
    dict(event_id="a", provider="openai", model="gpt-4o", ts="2025-03-01 10:00:00+00", input_tokens=500_000,
         cache_read_tokens=500_000, output_tokens=0, reported_cost_usd=Decimal("1.9")),
    dict(event_id="b", provider="anthropic", model="claude-3-5-sonnet-latest", ts="2025-03-01 10:00:00+00",
         input_tokens=300_000, cache_read_tokens=500_000, cache_write_tokens=200_000, output_tokens=0),
    dict(event_id="c", provider="acme", model="in-house-llm", ts="2025-03-01 10:00:00+00", input_tokens=9_000,
         output_tokens=1_000),
    dict(event_id="d", provider="openai", model="gtp-4o", ts="2025-03-02 10:00:00+00", input_tokens=1_000,
         output_tokens=0),
]


def test_money_columns_are_decimal(make_usage: Any) -> None:
    con = make_usage(ROWS)
    attach_costs(con, load_catalog())
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE priced_usage)").fetchall())
    for col in (*COST_COLUMNS, "reported_cost_usd"):
        assert types[col] == "DECIMAL(38,12)", (col, types[col])
    described = con.execute("SELECT column_name, column_type FROM (DESCRIBE priced_usage__prices)")
    prices = dict(described.fetchall())
    assert all(prices[c].startswith("DECIMAL") for c in prices if c.startswith("p_"))
    for row in con.execute(f"SELECT {', '.join(COST_COLUMNS)} FROM priced_usage").fetchall():
        for value in row:
            assert value is None or isinstance(value, Decimal)
    assert not any("DOUBLE" in t or "FLOAT" in t for t in types.values())


def test_view_keeps_source_columns_and_adds_ours(make_usage: Any) -> None:
    con = make_usage(ROWS)
    attach_costs(con, load_catalog())
    cols = [r[0] for r in con.execute("DESCRIBE priced_usage").fetchall()]
    assert cols[: len(column_names("usage"))] == column_names("usage")
    assert cols[len(column_names("usage")):] == ["model_key", "priced", "price_source", *COST_COLUMNS]


def test_worked_examples_and_savings(make_usage: Any) -> None:
    # genai-prices README worked checks: gpt-4o 1M input of which 0.5M cached = $1.875;
    # claude-3.5-sonnet 0.5M read, 0.2M write, 0.3M plain = $1.80
    con = make_usage(ROWS)
    attach_costs(con, load_catalog())
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT event_id, cost_usd, cache_read_saving_usd, cache_write_premium_usd, cost_minus_reported_usd, "
        "model_key FROM priced_usage").fetchall()}
    assert got["a"][0] == Decimal("1.875")
    assert got["a"][1] == Decimal("0.625")  # 0.5M reads at $2.50 would be 1.25, cost 0.625
    assert got["a"][3] == Decimal("-0.025")  # estimate minus the source's stated cost
    assert got["b"][0] == Decimal("1.80")
    assert got["b"][1] == Decimal("1.35")  # 0.5M * (3 - 0.30)
    assert got["b"][2] == Decimal("0.15")  # 0.2M * (3.75 - 3)
    assert got["b"][4] == "claude-3-5-sonnet"


def test_token_share_is_unknown_when_no_row_has_tokens(make_usage: Any) -> None:
    """A request-rate trace (ServeGen) has requests but no token counts: the unpriced model's
    share of tokens is unknown (None), not 0%."""
    con = make_usage([dict(event_id="r", provider="servegen", model="m-small", ts="2025-01-01 00:00:00+00",
                           request_count=600)])
    summary = attach_costs(con, load_catalog())
    (u,) = summary.unpriced
    assert (u.requests, u.tokens, u.token_share) == (600, 0, None)


def test_unpriced_model_is_named_with_share_and_snippet(make_usage: Any, tmp_path: Path) -> None:
    con = make_usage(ROWS)
    summary = attach_costs(con, load_catalog())
    assert (summary.priced_rows, summary.unpriced_rows) == (2, 2)
    row = con.execute("SELECT cost_usd, priced, model_key FROM priced_usage WHERE event_id = 'c'").fetchone()
    assert row == (None, False, None)  # unknown, never $0
    total = 1_000_000 + 1_000_000 + 10_000 + 1_000
    assert summary.total_tokens == total
    by_model = {u.model: u for u in summary.unpriced}
    acme = by_model["in-house-llm"]
    assert (acme.provider, acme.rows, acme.requests, acme.tokens) == ("acme", 1, 1, 10_000)
    assert acme.token_share == Decimal(10_000) / Decimal(total)
    assert "gpt-4o" in by_model["gtp-4o"].did_you_mean
    assert summary.unpriced_token_share == Decimal(11_000) / Decimal(total)
    assert summary.catalog["catalog"] == "genai-prices 0.2.3"

    # pasting the suggested snippet into an override file prices the rows
    snippet = acme.snippet.replace("input = 0.0", "input = 1.0").replace("output = 0.0", "output = 2.0")
    assert '[[model]]\nprovider = "acme"\nmodel = "in-house-llm"' in acme.snippet
    tomllib.loads(acme.snippet)
    path = tmp_path / "p.toml"
    path.write_text(snippet + "\n\n" + by_model["gtp-4o"].snippet + "\n")
    summary2 = attach_costs(con, load_catalog(path))
    assert summary2.unpriced_rows == 0
    cost = con.execute("SELECT cost_usd FROM priced_usage WHERE event_id = 'c'").fetchone()[0]
    assert cost == Decimal("0.011")  # 9000 * $1 + 1000 * $2 per 1M
    assert summary2.catalog["overrides_sha256"] is not None


def test_materialized_table_and_reattach(make_usage: Any) -> None:
    con = make_usage(ROWS)
    attach_costs(con, load_catalog(), target="p1", materialize=True)
    attach_costs(con, load_catalog(), target="p1")
    assert con.execute("SELECT count(*) FROM p1").fetchone()[0] == len(ROWS)


def test_price_table_for_what_if_rows() -> None:
    catalog = load_catalog()
    day = datetime(2025, 9, 1, tzinfo=UTC).date()
    keys = [PriceKey("openai", "gpt-4o", day), PriceKey("openai", "gpt-4o-mini", day, batch=True),
            PriceKey("openai", "nope-model", day)]
    table = price_table(catalog, keys)
    assert set(table.column("model_key").to_pylist()) == {"gpt-4o", "gpt-4o-mini"}
    assert str(table.schema.field("p_input").type) == "decimal128(38, 12)"
    mini = next(r for r in table.to_pylist() if r["model_key"] == "gpt-4o-mini")
    assert mini["p_input"] == Decimal("0.000000075")  # batch $0.075 per 1M


def test_pricing_a_store_does_not_import_pandas() -> None:
    """Pricing needs no pandas: a measures run that builds the price table and prices the rows
    must not pay its import (pyarrow's constructors import it to check their input)."""
    script = """
import sys, duckdb
from llmcost.pricing import attach_costs, load_catalog
from llmcost.storage.schema import USAGE_COLUMNS
nulls = ", ".join(f"CAST(NULL AS {c.duckdb}) AS {c.name}" for c in USAGE_COLUMNS)
con = duckdb.connect()
con.execute(f\"\"\"CREATE TABLE u AS SELECT * REPLACE (TIMESTAMPTZ '2025-09-01 10:00:00+00' AS ts,
    'request' AS grain, 'openai' AS provider, 'gpt-4o' AS model, 1 AS request_count,
    1000 AS input_tokens, 10 AS output_tokens) FROM (SELECT {nulls})\"\"\")
attach_costs(con, load_catalog(), source="u", target="p")
print(con.execute("SELECT cost_usd FROM p").fetchone()[0])
assert "pandas" not in sys.modules, "pandas was imported"
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert Decimal(run.stdout.strip()) == Decimal("0.002600")  # 1000 x $2.50 + 10 x $10 per 1M


# -- property: the fast path agrees with genai-prices' own calc_price --------------------------

MODELS = [
    ("openai", "gpt-4o", "2025-03-01"),
    ("openai", "gpt-5", "2025-09-01"),
    ("openai", "o3", "2025-07-01"),
    ("anthropic", "claude-sonnet-4-5", "2025-10-01"),
    ("anthropic", "claude-opus-4-1", "2025-10-01"),
    ("google", "gemini-2.5-pro", "2025-10-01"),
]
tokens = st.integers(min_value=0, max_value=600_000)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    model=st.sampled_from(MODELS),
    inp=tokens, cr=tokens, cw5=tokens, cw1h=tokens, out=tokens,
)
def test_fast_path_matches_calc_price(model: tuple[str, str, str], inp: int, cr: int, cw5: int, cw1h: int,
                                      out: int, make_usage: Any) -> None:
    provider, name, day = model
    if provider != "anthropic":
        cw5 = cw1h = 0  # OpenAI (before GPT-5.6) and Gemini have no cache-write fee
    con = make_usage([dict(event_id="x", provider=provider, model=name, ts=f"{day} 12:00:00+00",
                           input_tokens=inp, cache_read_tokens=cr, cache_write_tokens=cw5 + cw1h,
                           cache_write_1h_tokens=cw1h, output_tokens=out)])
    attach_costs(con, CATALOG_NO_FIXES)
    ours = con.execute("SELECT cost_usd FROM priced_usage").fetchone()[0]
    # genai-prices' Usage.input_tokens is the TOTAL input, cache reads and writes included
    usage = genai_prices.Usage(input_tokens=inp + cr + cw5 + cw1h, cache_read_tokens=cr,
                               cache_write_tokens=cw5 + cw1h, cache_write_1h_tokens=cw1h, output_tokens=out)
    ref = genai_prices.calc_price(usage, name, provider_id=provider,
                                  genai_request_timestamp=datetime.fromisoformat(f"{day}T12:00:00+00:00"))
    assert abs(ours - ref.total_price) <= Decimal("0.000001"), (ours, ref.total_price)


def _catalog_without_fixes() -> Any:
    from llmcost.pricing.catalog import Catalog
    from llmcost.pricing.overrides import EMPTY

    return Catalog(EMPTY, builtin=EMPTY)


CATALOG_NO_FIXES = _catalog_without_fixes()


def test_costs_never_negative_and_view_is_one_join(make_usage: Any) -> None:
    con = make_usage(ROWS)
    attach_costs(con, load_catalog())
    plan = con.execute("EXPLAIN SELECT sum(cost_usd) FROM priced_usage").fetchall()[0][1]
    assert plan.count("Hash Join") == 1 and "Nested Loop" not in plan, plan
    neg = con.execute("SELECT count(*) FROM priced_usage WHERE cost_usd < 0").fetchone()[0]
    assert neg == 0


def test_bad_source_name_is_rejected(make_usage: Any) -> None:
    from llmcost.errors import ConfigError

    con = make_usage(ROWS)
    with pytest.raises(ConfigError, match="plain table name"):
        attach_costs(con, load_catalog(), source="usage; DROP TABLE usage")
    assert isinstance(con, duckdb.DuckDBPyConnection)
