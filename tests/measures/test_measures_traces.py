"""The measures on the public traces, against computations written independently of the SQL:
polars straight on RAGPulse's gzipped JSONL, and a plain-Python prefix walk over Mooncake."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from llmcost.ingest.loader import load
from llmcost.measures.registry import compute_measures
from llmcost.storage.store import Store
from tests.conftest import TRACES, requires_traces

pytestmark = [requires_traces(), pytest.mark.traces]

RAG = TRACES / "ragpulse"
MOONCAKE = TRACES / "mooncake-fast25" / "conversation_trace.jsonl.gz"


def _measures(tmp_path_factory: pytest.TempPathFactory, path: Path) -> dict[str, Any]:
    store_dir = tmp_path_factory.mktemp("store")
    result = load([path], store_dir)
    assert result.files[0].rows_quarantined == 0
    con = Store.open(store_dir).connect()
    return compute_measures(con)


@pytest.fixture(scope="module")
def rag(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _measures(tmp_path_factory, RAG / "0_trace.jsonl.gz")


@pytest.fixture(scope="module")
def moon(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _measures(tmp_path_factory, MOONCAKE)


def _ndjson(path: Path) -> pl.DataFrame:
    with gzip.open(path, "rb") as fh:
        return pl.read_ndjson(fh.read())


def _raw_ragpulse() -> pl.DataFrame:
    """Requests with their session, absolute second and turn: the trace is two 7-day segments
    whose relative timestamps restart at 0 (traces-notes.md 4), found here where time goes back."""
    df = _ndjson(RAG / "0_trace.jsonl.gz").with_row_index("line")
    t = df["timestamp"].cast(pl.Int64)
    segment = (t.diff().fill_null(0) < 0).cum_sum()
    df = df.with_columns(sec=t + segment * 7 * 86400)
    return df.sort(["session_id", "sec", "line"]).with_columns(
        turn=pl.int_range(1, pl.len() + 1).over("session_id"),
        growth=pl.col("input_length").diff().over("session_id"),
    )


def _tied_sessions(df: pl.DataFrame) -> set[str]:
    """Sessions with two requests in the same second: their order, hence turn, is ambiguous."""
    dup = df.group_by(["session_id", "sec"]).len().filter(pl.col("len") > 1)
    return set(dup["session_id"].to_list())


def _expected_turns(df: pl.DataFrame) -> pl.DataFrame:
    return (
        df.group_by("turn")
        .agg(
            conversations=pl.col("session_id").n_unique(),
            mean_input=pl.col("input_length").mean(),
            median_input=pl.col("input_length").median(),
            mean_growth=pl.col("growth").mean(),
            median_growth=pl.col("growth").median(),
        )
        .sort("turn")
    )


def _assert_turns(tool_turns: list[dict[str, Any]], expected: pl.DataFrame, skip: set[int]) -> None:
    tool = {t["turn"]: t for t in tool_turns}
    assert sorted(tool) == expected["turn"].to_list()
    for row in expected.iter_rows(named=True):
        t = tool[row["turn"]]
        assert t["conversations"] == row["conversations"]
        if row["turn"] in skip:
            continue
        assert t["mean_input_tokens"] == pytest.approx(row["mean_input"], rel=1e-12)
        assert t["median_input_tokens"] == pytest.approx(row["median_input"], rel=1e-12)
        if row["turn"] > 1:
            assert t["mean_growth_tokens"] == pytest.approx(row["mean_growth"], rel=1e-12)
            assert t["median_growth_tokens"] == pytest.approx(row["median_growth"], rel=1e-12)


def test_ragpulse_turn_growth_matches_polars(rag: dict[str, Any]) -> None:
    df = _raw_ragpulse()
    tied = _tied_sessions(df)
    assert len(tied) == 6  # measured: 6 sessions have two requests in the same second
    # Those requests' order is ambiguous: the store breaks the tie by event_id, the file by line,
    # so the turns they sit at may differ; every other turn must agree exactly.
    tied_turns = set(df.filter(pl.col("session_id").is_in(list(tied)))["turn"].to_list())
    _assert_turns(rag["turns"], _expected_turns(df), skip=tied_turns)
    assert sum(t["input_tokens"] for t in rag["turns"]) == df["input_length"].sum()


def test_ragpulse_turn_growth_exact_without_ties(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same trace without the 6 sessions whose requests tie on time: every turn agrees."""
    df = _raw_ragpulse()
    tied = _tied_sessions(df)
    keep = tmp_path_factory.mktemp("rag") / "0_trace.jsonl.gz"
    with gzip.open(RAG / "0_trace.jsonl.gz", "rt") as src, gzip.open(keep, "wt") as dst:
        for line in src:
            if line.strip() and json.loads(line)["session_id"] not in tied:
                dst.write(line)
    m = _measures(tmp_path_factory, keep)
    expected = _expected_turns(df.filter(~pl.col("session_id").is_in(list(tied))))
    _assert_turns(m["turns"], expected, skip=set())
    growth = {t["turn"]: t["median_growth_tokens"] for t in m["turns"]}
    assert growth[2] == expected.filter(pl.col("turn") == 2)["median_growth"].item()


def test_ragpulse_history_and_system_prompt_share(rag: dict[str, Any]) -> None:
    comp = rag["prefix"]["components"]
    assert comp["available"] and comp["component_lengths"] > 0
    # Independent: polars over the raw trace and side files.
    trace = _ndjson(RAG / "0_trace.jsonl.gz")
    sys_len = _ndjson(RAG / "1_sys_prompt.jsonl.gz")
    ids = trace.select(pl.col("hash_ids").struct.field("sys_prompt")).explode("sys_prompt")
    sys_tokens = ids.join(sys_len, left_on="sys_prompt", right_on="sys_prompt_id")["token_length"].sum()
    expected_share = sys_tokens / trace["input_length"].sum()
    assert comp["sys_prompt_share"] == pytest.approx(expected_share, rel=1e-12)
    sys_row = next(r for r in comp["shares"] if r["kind"] == "sys_prompt")
    # traces-notes.md 4: 46.9% -- of the component tokens (input less the template overhead).
    assert sys_row["share_of_components"] == pytest.approx(0.469, abs=0.0005)
    assert comp["sys_prompt_share"] == pytest.approx(0.467, abs=0.001)
    # traces-notes.md 4: median history tokens by turn 11, 239, 544, 883, 1,005.
    medians = [r["median_history_tokens"] for r in comp["by_turn"][:5]]
    assert medians == [11, 239, 544, 883, 1005]


def _mooncake_reuse(path: Path, block: int = 512) -> tuple[int, int]:
    """Plain Python: file order, a trie of seen prefixes as chained (parent, id) keys."""
    seen: dict[tuple[int, int], int] = {}
    hit = total = 0
    with gzip.open(path, "rt") as fh:
        for line in fh:
            if not line.strip():
                continue
            r = json.loads(line)
            node, k, matching = -1, 0, True
            for h in r["hash_ids"]:
                key = (node, h)
                if key in seen:
                    if matching:
                        k += 1
                else:
                    matching = False
                    seen[key] = len(seen)
                node = seen[key]
            hit += min(k * block, r["input_length"])
            total += r["input_length"]
    return hit, total


def test_mooncake_prefix_reuse_matches_python(moon: dict[str, Any]) -> None:
    hit, total = _mooncake_reuse(MOONCAKE)
    reuse = moon["prefix"]["block_reuse"]
    (src,) = reuse["by_source"]
    assert src["project"] == "conversation"
    assert src["requests"] == 12031
    assert src["input_tokens"] == total
    assert src["hit_tokens"] == hit
    assert reuse["reuse_share"] == pytest.approx(hit / total, rel=1e-12)
    assert reuse["reuse_share"] == pytest.approx(0.374, abs=0.001)  # traces-notes.md 2


def test_trace_cache_is_unknown_not_zero(moon: dict[str, Any]) -> None:
    overall = moon["cache"]["hit_rate_overall"]
    assert overall["hit_rate"] is None
    assert "unknown" in overall["reason"]
    assert moon["spend"]["totals"]["cost_usd"] is None
    assert moon["spend"]["totals"]["unpriced_requests"] == 12031
