"""The public traces ingest through the generic mapping with the row counts their README states.

Expected figures are copied from ../shared/traces/README.md ("Facts measured on the files").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store
from tests.conftest import TRACES, requires_traces

pytestmark = [requires_traces(), pytest.mark.traces]


@pytest.mark.parametrize(
    ("path", "source", "rows", "input_tokens", "output_tokens"),
    [
        (
            "azure-llm-2023/AzureLLMInferenceTrace_conv.csv.gz",
            "azure_llm_trace_csv",
            19_366,
            22_361_870,
            4_088_665,
        ),
        (
            "azure-llm-2023/AzureLLMInferenceTrace_code.csv.gz",
            "azure_llm_trace_csv",
            8_819,
            18_059_974,
            245_896,
        ),
        ("mooncake-fast25/conversation_trace.jsonl.gz", "mooncake_trace_jsonl", 12_031, None, None),
        ("mooncake-fast25/synthetic_trace.jsonl.gz", "mooncake_trace_jsonl", 3_993, None, None),
        ("ragpulse/0_trace.jsonl.gz", "ragpulse_trace_jsonl", 7_106, None, None),
    ],
)
def test_trace_row_counts(tmp_path: Path, path, source, rows, input_tokens, output_tokens) -> None:
    result = load([TRACES / path], tmp_path / "s")
    (f,) = result.files
    assert f.ingestor == source
    assert (f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined) == (rows, rows, 0, 0)
    con = Store.open(tmp_path / "s").connect()
    n, inp, out = con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens) FROM usage").fetchone()
    assert n == rows
    if input_tokens is not None:
        assert (inp, out) == (input_tokens, output_tokens)


def test_ragpulse_sessions_and_two_week_span(tmp_path: Path) -> None:
    load([TRACES / "ragpulse/0_trace.jsonl.gz"], tmp_path / "s")
    con = Store.open(tmp_path / "s").connect()
    sessions, longest, days = con.execute(
        "SELECT count(DISTINCT conversation_id), max(turn), epoch(max(ts) - min(ts)) / 86400 FROM usage"
    ).fetchone()
    # README: 3,990 sessions, longest 25 turns, two consecutive 7-day segments (just under 14 days)
    assert (sessions, longest) == (3_990, 25)
    assert 13.9 < days < 14.0


def test_servegen_rates_become_buckets(tmp_path: Path) -> None:
    folder = TRACES / "servegen/language/m-small"
    load([folder], tmp_path / "s")
    con = Store.open(tmp_path / "s").connect()
    n, clients, grain = con.execute(
        "SELECT count(*), count(DISTINCT project), any_value(grain) FROM usage"
    ).fetchone()
    # README: 43 clients x 2,016 ten-minute windows over 14 days
    assert (n, clients, grain) == (43 * 2016, 43, "bucket")
