"""The caching simulation: lifetimes refreshed on hit, minimum lengths, and Mooncake's real block hashes."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from llmcost.pricing import load_catalog
from llmcost.scenarios import simulate_cache
from llmcost.scenarios.history import prepare
from tests.conftest import requires_traces
from tests.scenarios.conftest import MOONCAKE, build_store, usage_con

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _conv(offsets_s: list[int], prompt: int = 3000, conv: str = "c1") -> list[dict]:
    return [
        {
            "ts": T0 + timedelta(seconds=s),
            "provider": "anthropic",
            "model": "claude-sonnet-4-5",
            "conversation_id": conv,
            "turn": i + 1,
            "input_tokens": prompt,
            "output_tokens": 100,
        }
        for i, s in enumerate(offsets_s)
    ]


def _sim(rows: list[dict], **kw: object):  # type: ignore[no-untyped-def]
    con = usage_con(rows)
    history = prepare(con, load_catalog(), date(2026, 11, 30), "UTC").table
    return simulate_cache(con, history, **kw)  # type: ignore[arg-type]


def test_lifetime_is_refreshed_on_every_hit() -> None:
    # 0 s write; 250 s hit (250 <= 300) and refresh; 500 s hit only because 250 s refreshed it
    # (500 s after the write it would have expired); 900 s: 400 s after the last touch -> miss, write again.
    s = _sim(_conv([0, 250, 500, 900]), prefix_tokens=1024, ttl_seconds=300, min_tokens=1024)
    assert s.hit_tokens == 2 * 1024
    assert s.write_tokens == 2 * 1024
    assert s.prompt_tokens == 4 * 3000
    assert s.hit_rate == pytest.approx(2048 / 12000)
    one_hour = _sim(_conv([0, 250, 500, 900]), prefix_tokens=1024, ttl_seconds=3600, min_tokens=1024)
    assert (one_hour.hit_tokens, one_hour.write_tokens) == (3 * 1024, 1024)


def test_minimum_length_and_short_prompts() -> None:
    # a prefix below the provider minimum is never cached; a prompt shorter than the prefix does not carry it
    assert _sim(_conv([0, 10, 20]), prefix_tokens=512, ttl_seconds=300, min_tokens=1024).hit_tokens == 0
    rows = _conv([0, 10], prompt=900) + _conv([20, 30], prompt=3000, conv="c2")
    s = _sim(rows, prefix_tokens=1024, ttl_seconds=300, min_tokens=1024)
    assert (s.hit_tokens, s.write_tokens) == (1024, 1024)  # only c2 carries the prefix


def test_whole_history_mode_reads_the_previous_prompt() -> None:
    third = {
        "ts": T0 + timedelta(seconds=120),
        "provider": "anthropic",
        "model": "claude-sonnet-4-5",
        "conversation_id": "c1",
        "turn": 3,
        "input_tokens": 2600,
        "output_tokens": 10,
    }
    rows = [*_conv([0, 60], prompt=2000), third]
    s = _sim(rows, prefix_tokens=None, ttl_seconds=300, min_tokens=1024)
    # turn 2 reads turn 1's 2000-token prompt; turn 3 reads turn 2's 2000; writes: 2000 + 0 + 600
    assert s.hit_tokens == 4000
    assert s.write_tokens == 2600


def _at(when: datetime, conv: str, prompt: int = 3000) -> dict:
    return {**_conv([0], prompt=prompt, conv=conv)[0], "ts": when}


@pytest.mark.parametrize("prefix_tokens", [1024, None])
def test_history_before_the_window_counts_only_within_one_lifetime(prefix_tokens: int | None) -> None:
    # Window from 2026-11-03 (UTC); its first request is at 00:00:00, so with a 300 s lifetime a
    # request before 23:55:00 on the 2nd cannot keep a window request's cache alive.
    start = datetime(2026, 11, 3, tzinfo=UTC)
    rows = [
        _at(start - timedelta(seconds=300), "a"), _at(start, "a"),  # exactly one lifetime: hit
        _at(start - timedelta(seconds=301), "b"), _at(start, "b"),  # one second more: write
        # a chain: 23:54 is before the cut, 23:58 is not, and it is 4 minutes before 00:02: hit
        _at(start - timedelta(seconds=360), "c"), _at(start - timedelta(seconds=120), "c"),
        _at(start + timedelta(seconds=120), "c"),
        _at(start - timedelta(days=1), "d"), _at(start + timedelta(seconds=30), "d"),  # a day apart: write
    ]
    s = _sim(rows, prefix_tokens=prefix_tokens, ttl_seconds=300, min_tokens=1024, since=start.date())
    hit = 1024 if prefix_tokens else 3000  # the fixed prefix, or the whole previous prompt
    assert s.requests == 4  # the window's requests only
    assert s.prompt_tokens == 4 * 3000
    assert s.hit_tokens == 2 * hit  # a and c
    assert s.write_tokens == 2 * hit  # b and d write what they would have read


def _reference_reuse(path: Path) -> tuple[int, int]:
    """Ideal prefix reuse computed independently, in plain Python on the raw trace file: a
    request's hit is its longest leading run of blocks whose prefix appeared before (file order
    = time order for this trace), hit tokens = min(run x 512, input_length)."""
    seen: set[tuple[int, ...]] = set()
    hit = total = 0
    with gzip.open(path, "rt") as fh:
        rows = [json.loads(line) for line in fh]
    rows.sort(key=lambda r: r["timestamp"])  # stable: ties keep file order
    for r in rows:
        blocks = tuple(r["hash_ids"])
        k = 0
        while k < len(blocks) and blocks[: k + 1] in seen:
            k += 1
        for j in range(1, len(blocks) + 1):
            seen.add(blocks[:j])
        hit += min(k * 512, r["input_length"])
        total += r["input_length"]
    return hit, total


@requires_traces()
def test_mooncake_unlimited_lifetime_reproduces_the_ideal_reuse_and_5_minutes_is_lower(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Mooncake's conversation trace (12,031 requests, one hour, 512-token blocks).

    With an unlimited lifetime and no minimum the simulation must equal the ideal prefix-reuse
    upper bound: 54,098,411 of 144,793,823 input tokens (37.36%), the figure of docs/measures.md,
    recomputed here in plain Python from the raw file. A 5-minute lifetime gives less (29.3%):
    multi-turn conversations come back after the user has read the answer and typed the next
    question, and shared system-prompt blocks are reused across sessions; whenever that gap
    exceeds 5 minutes since the block was last read or written, the entry has expired and the
    prefix is written again (a 1-hour lifetime covers the whole one-hour trace, so it equals
    the unlimited case). A 1,024-token minimum lowers it further, because single-block (512-
    token) matches are no longer served.
    """
    root = build_store([MOONCAKE], tmp_path_factory.mktemp("mooncake") / "store")
    from llmcost.storage.store import Store

    con = Store.open(root).connect()
    history = prepare(con, load_catalog(), date(2025, 3, 1), "UTC").table
    ideal = simulate_cache(con, history, prefix_tokens=None, ttl_seconds=None, min_tokens=0)
    assert (ideal.hit_tokens, ideal.prompt_tokens, ideal.requests) == (54_098_411, 144_793_823, 12_031)
    assert (ideal.hit_tokens, ideal.prompt_tokens) == _reference_reuse(MOONCAKE)
    assert round(ideal.hit_rate, 4) == 0.3736
    hour = simulate_cache(con, history, prefix_tokens=None, ttl_seconds=3600, min_tokens=0)
    assert hour.hit_tokens == ideal.hit_tokens
    five = simulate_cache(con, history, prefix_tokens=None, ttl_seconds=300, min_tokens=0)
    assert 0.25 < five.hit_rate < ideal.hit_rate
    assert five.write_tokens > ideal.write_tokens  # expired prefixes are written again
    with_min = simulate_cache(con, history, prefix_tokens=None, ttl_seconds=300, min_tokens=1024)
    assert with_min.hit_rate < five.hit_rate
    con.close()
