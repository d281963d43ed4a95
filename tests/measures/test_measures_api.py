"""compute_measures: the JSON contract (keys, Decimal money, unknown vs zero) and the config."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from llmcost.errors import ConfigError
from llmcost.measures.registry import compute_measures, load_config
from llmcost.storage.schema import USAGE_COLUMNS


def _usage(con: duckdb.DuckDBPyConnection) -> None:
    exprs = {c.name: f"CAST(NULL AS {c.duckdb})" for c in USAGE_COLUMNS}
    exprs.update(
        event_id="'e' || CAST(i AS VARCHAR)", grain="'request'",
        ts="TIMESTAMPTZ '2025-03-01 00:00:00+00' + to_minutes(CAST(i * 7 AS BIGINT))",
        provider="CASE WHEN i % 4 = 3 THEN 'acme' ELSE 'openai' END",
        model="CASE WHEN i % 4 = 3 THEN 'in-house' ELSE 'gpt-4o' END",
        conversation_id="'c' || CAST(i // 3 AS VARCHAR)", turn="CAST(i % 3 + 1 AS INTEGER)",
        request_count="1", input_tokens="1000 + 100 * i",
        cache_read_tokens="CASE WHEN i % 2 = 0 THEN 1024 ELSE 0 END",
        cache_write_tokens="0", output_tokens="50", reasoning_tokens="0", cache_known="true",
    )
    sel = ", ".join(f"{e} AS {n}" for n, e in exprs.items())
    con.execute(f"CREATE TABLE usage AS SELECT {sel} FROM range(40) t(i)")


def test_contract() -> None:
    con = duckdb.connect()
    _usage(con)
    m = compute_measures(con, since="2025-03-01", provider=None)
    for key in ("spend", "turns", "cache", "complexity", "bursts", "prefix"):
        assert key in m
    totals = m["spend"]["totals"]
    assert isinstance(totals["cost_usd"], Decimal) and totals["cost_usd"] > 0
    assert totals["unpriced_requests"] == 10  # acme rows: counted, not $0
    assert [u["model"] for u in m["spend"]["unpriced_models"]] == ["in-house"]
    assert set(m["spend"]["by_period"]) == {"day", "week", "month"}
    dims = {"total", "provider", "model", "project", "api_key", "user_id"}
    assert set(m["spend"]["by_period"]["day"]) == dims
    t1 = m["turns"][0]
    for k in ("turn", "conversations", "mean_input_tokens", "median_input_tokens", "cached_share",
              "history_share_of_input", "history_share_of_cost"):
        assert k in t1
    assert m["conversations"]["lengths"][0]["turns"] >= 1
    cache = m["cache"]
    assert "cache_read_tokens /" in cache["hit_rate_definition"]
    assert isinstance(cache["savings_usd"], Decimal) and cache["savings_usd"] > 0
    assert cache["hit_rate_overall"]["hit_rate"] > 0
    labels = {r["label"] for r in m["complexity"]["shares"]}
    assert labels <= {"simple", "medium", "complex"}
    assert m["bursts"]["hour"]["peak_requests"] >= 1
    # all 40 requests fall on one day, which cannot reach 2x its own median: no peak day, and
    # "the peak days' cost" is a true $0 (0% of spend), not unknown
    assert m["bursts"]["peak_days"] == []
    assert m["bursts"]["peak_days_cost_usd"] == Decimal(0) and m["bursts"]["peak_days_cost_share"] == 0.0
    assert m["prefix"]["block_reuse"]["reuse_share"] is None
    assert m["prefix"]["components"]["available"] is False
    # The private copy is gone and priced_usage is left for the caller.
    dbs = con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    assert not any("llmcost_measures" in r[0] for r in dbs)


def test_filters_window() -> None:
    con = duckdb.connect()
    _usage(con)
    m = compute_measures(con, provider="acme")
    assert m["spend"]["totals"]["requests"] == 10
    assert m["spend"]["totals"]["cost_usd"] is None
    m = compute_measures(con, until="2025-03-01")
    assert m["spend"]["totals"]["n_rows"] == 0


def test_config_override(tmp_path: Path) -> None:
    user = tmp_path / "m.toml"
    user.write_text("[complexity]\nsimple_max_input = 5\n[cache.min_cacheable_tokens]\nmistral = 2048\n")
    cfg = load_config(user)
    assert cfg["complexity"]["simple_max_input"] == 5
    assert cfg["complexity"]["complex_min_input"] == load_config()["complexity"]["complex_min_input"]
    assert cfg["cache"]["min_cacheable_tokens"]["mistral"] == 2048
    user.write_text("[complexity]\nsimple_max_inptu = 5\n")
    typo = r"m\.toml:2: unknown key 'simple_max_inptu' in \[complexity\] \(did you mean 'simple_max_input'\?\)"
    with pytest.raises(ConfigError, match=typo):
        load_config(user)
    with pytest.raises(ConfigError, match="must be a number"):
        load_config({"complexity": {"simple_max_input": "many"}})


_FULL_WINDOW = """SELECT * REPLACE (
    CASE WHEN turn IS NULL AND conversation_id IS NOT NULL
         THEN CAST(row_number() OVER (
             PARTITION BY conversation_id ORDER BY ts, source_file, source_line, event_id) AS INTEGER)
         ELSE turn END AS turn)
FROM usage_all WHERE NOT _dup"""
"""The turn fill's definition written plainly (a window over every row), to check the store's
split view against."""


def test_store_usage_view_fills_turns_like_the_plain_window(tmp_path: Path) -> None:
    """The store's `usage` view (window only over conversations with a missing turn) equals the
    plain definition: a conversation with no turns, one with a gap, and complete ones."""
    from llmcost.storage.store import USAGE_VIEW_FILL

    con = duckdb.connect()
    _usage(con)
    con.execute(
        "CREATE TABLE usage_all AS SELECT * EXCLUDE (turn), CASE WHEN conversation_id = 'c1' THEN NULL "
        "WHEN conversation_id = 'c2' AND turn = 2 THEN NULL ELSE turn END AS turn, false AS _dup FROM usage"
    )
    con.execute("DROP TABLE usage")
    con.execute(USAGE_VIEW_FILL)
    expected = con.execute(f"SELECT event_id, turn FROM ({_FULL_WINDOW}) ORDER BY event_id").fetchall()
    got = con.execute("SELECT event_id, turn FROM usage ORDER BY event_id").fetchall()
    assert got == expected
    assert len(got) == 40
    assert sum(1 for _, t in got if t is None) == con.execute(
        "SELECT count(*) FROM usage_all WHERE conversation_id IS NULL AND turn IS NULL"
    ).fetchone()[0]


def test_turn_fill_matches_the_store_view_on_time_ties(tmp_path: Path) -> None:
    """Same timestamp, no turn: the store orders by file and line before event_id, and so must
    the measures' own fill (the ids here run against the line order)."""
    from llmcost.storage.store import USAGE_VIEW_FILL, Store

    con = Store.open(tmp_path / "s", create=True).connect()
    exprs = {c.name: f"CAST(NULL AS {c.duckdb})" for c in USAGE_COLUMNS}
    exprs.update(
        event_id="'e' || CAST(9 - i AS VARCHAR)", grain="'request'", source_file="'a.jsonl'",
        source_line="i + 1", ts="TIMESTAMPTZ '2025-03-01 00:00:00+00' + to_minutes(CAST(i // 2 AS BIGINT))",
        conversation_id="'c' || CAST(i % 2 AS VARCHAR)", request_count="1", input_tokens="10",
    )
    sel = ", ".join(f"{e} AS {n}" for n, e in exprs.items())
    con.execute("DROP VIEW usage_all")
    con.execute(f"CREATE TABLE usage_all AS SELECT {sel}, false AS _dup FROM range(8) t(i)")
    con.execute("UPDATE usage_all SET ts = TIMESTAMPTZ '2025-03-01 00:00:00+00' WHERE conversation_id = 'c0'")
    con.execute(USAGE_VIEW_FILL)  # connect() chose its view before these rows existed
    store_turns = con.execute("SELECT event_id, turn FROM usage ORDER BY event_id").fetchall()
    plain = con.execute(f"SELECT event_id, turn FROM ({_FULL_WINDOW}) ORDER BY event_id").fetchall()
    assert store_turns == plain
    # c0's four rows share one timestamp: line order, not id order, numbers them.
    c0 = con.execute(
        "SELECT turn FROM usage WHERE conversation_id = 'c0' ORDER BY source_line"
    ).fetchall()
    assert [t for (t,) in c0] == [1, 2, 3, 4]


def test_bursts_look_at_the_recent_days_without_a_window_start() -> None:
    """One request in 2023 and 40 on 2025-03-01 (every 7 minutes, 00:00-04:33): over the whole
    span the median hour and day are 0. Without a start, bursts cover the 28 days up to the last
    request (from 2025-02-02 00:00), which hold only the 40: periods run from the first to the
    last of them, one day and 5 hours with 9, 9, 8, 9, 5 requests (the 7-minute grid). With a
    start, the caller's window counts, the 2023 request included."""
    con = duckdb.connect()
    _usage(con)
    con.execute("INSERT INTO usage SELECT * REPLACE (TIMESTAMPTZ '2023-11-16 10:00:00+00' AS ts, 'old' AS event_id) "
                "FROM usage LIMIT 1")
    b = compute_measures(con)["bursts"]
    w = b["window"]
    assert str(w["since"])[:10] == "2025-02-02" and w["recent_days"] == 28
    assert w["requests"] == 40  # the 2023 request is outside
    assert b["day"]["periods"] == 1  # from the first request in the window (2025-03-01) to the last
    assert b["hour"]["periods"] == 5 and b["hour"]["peak_requests"] == 9
    whole = compute_measures(con, since="2023-11-16")["bursts"]
    assert whole["window"]["recent_days"] is None and whole["window"]["requests"] == 41
    assert whole["day"]["median_requests"] == 0  # why the recent window is the default
