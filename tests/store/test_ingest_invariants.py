"""The store's promises: nothing lost, nothing doubled, a killed run leaves no trace.

Expected totals come from the input files themselves (summed with the json module, a path
independent of the DuckDB pipeline under test).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_logs" / "app-logs" / "assistant-openai.jsonl"


def _line(i: int, prompt: int, cached: int, out: int, conv: str = "c") -> str:
    return json.dumps(
        {
            "ts": f"2026-10-{1 + i % 28:02d}T10:{i % 60:02d}:00Z",
            "session_id": f"{conv}{i % 7}",
            "response": {
                "id": f"chatcmpl-{i}",
                "object": "chat.completion",
                "created": 1790000000 + i,
                "model": "gpt-4o-2024-08-06",
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": out,
                    "prompt_tokens_details": {"cached_tokens": cached},
                },
            },
        }
    )


def _totals(store: Path) -> tuple[int, int, int, int]:
    con = Store.open(store).connect()
    return con.execute(
        "SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(output_tokens) FROM usage"
    ).fetchone()


def _expected(lines: list[str]) -> tuple[int, int, int, int]:
    seen = {}
    for line in lines:
        body = json.loads(line)["response"]
        seen.setdefault(body["id"], body["usage"])
    u = seen.values()
    return (
        len(seen),
        sum(x["prompt_tokens"] - x["prompt_tokens_details"]["cached_tokens"] for x in u),
        sum(x["prompt_tokens_details"]["cached_tokens"] for x in u),
        sum(x["completion_tokens"] for x in u),
    )


def test_reingest_same_directory_is_a_no_op(tmp_path: Path) -> None:
    store = tmp_path / "s"
    first = load([SAMPLE.parent], store)
    before = _totals(store)
    second = load([SAMPLE.parent], store)
    assert {f.status for f in second.files} == {"unchanged"}
    assert _totals(store) == before
    assert sum(f.rows_read for f in first.files) == sum(
        f.rows_stored + f.rows_duplicate + f.rows_quarantined for f in first.files
    )


def test_sample_totals_match_independent_sum(tmp_path: Path) -> None:
    load([SAMPLE], tmp_path / "s")
    lines = SAMPLE.read_text().splitlines()
    assert _totals(tmp_path / "s") == _expected(lines)


@pytest.fixture(params=["id cache", "no id cache"])
def id_cache(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader's duplicate check with its per-run id cache and without it (a huge month)."""
    import llmcost.ingest.dedupe

    if request.param == "no id cache":
        monkeypatch.setattr(llmcost.ingest.dedupe, "ID_CACHE_ROWS", 0)


def test_overlapping_files_count_once(tmp_path: Path, id_cache: None) -> None:
    lines = [_line(i, 2000 + i, 1024 if i % 2 else 0, 50 + i) for i in range(60)]
    (tmp_path / "a.jsonl").write_text("\n".join(lines[:40]) + "\n")
    (tmp_path / "b.jsonl").write_text("\n".join(lines[25:]) + "\n")
    result = load([tmp_path / "a.jsonl", tmp_path / "b.jsonl"], tmp_path / "s")
    assert _totals(tmp_path / "s") == _expected(lines)
    b = next(f for f in result.files if f.path.endswith("b.jsonl"))
    assert (b.rows_read, b.rows_stored, b.rows_duplicate) == (35, 20, 15)


def test_changed_file_replaces_its_rows_and_revives_shared_ones(tmp_path: Path, id_cache: None) -> None:
    lines = [_line(i, 3000, 0, 10) for i in range(30)]
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("\n".join(lines[:20]) + "\n")
    b.write_text("\n".join(lines[10:]) + "\n")
    load([a, b], tmp_path / "s")
    assert _totals(tmp_path / "s")[0] == 30
    # a shrinks to its first 5 rows: rows 10-19 now live only in b, rows 5-9 are gone
    a.write_text("\n".join(lines[:5]) + "\n")
    load([a], tmp_path / "s")
    assert _totals(tmp_path / "s") == _expected(lines[:5] + lines[10:])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 500), st.integers(1100, 90000), st.integers(0, 1), st.integers(1, 4000)),
        min_size=1,
        max_size=40,
        unique_by=lambda r: r[0],
    ),
    cut=st.integers(0, 40),
    overlap=st.integers(0, 10),
)
def test_property_split_overlap_and_reingest_preserve_totals(tmp_path_factory, rows, cut, overlap) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    lines = [_line(i, p, (p // 2 // 128) * 128 if c else 0, o) for i, p, c, o in rows]
    cut = min(cut, len(lines))
    (tmp / "one.jsonl").write_text("\n".join(lines) + "\n")
    (tmp / "p1.jsonl").write_text("\n".join(lines[: cut + overlap]) + "\n")
    (tmp / "p2.jsonl").write_text("\n".join(lines[cut:]) + "\n")
    load([tmp / "one.jsonl"], tmp / "whole")
    load([tmp / "p1.jsonl", tmp / "p2.jsonl"], tmp / "split")
    load([tmp / "p2.jsonl", tmp / "p1.jsonl", tmp / "one.jsonl"], tmp / "split")
    expected = _expected(lines)
    assert _totals(tmp / "whole") == expected
    assert _totals(tmp / "split") == expected
    m = Store.open(tmp / "split").read_manifest()
    for f in m.files.values():
        assert f.rows_read == f.rows_stored + f.rows_duplicate + f.rows_quarantined


def test_bad_lines_are_quarantined_with_file_line_and_reason(tmp_path: Path) -> None:
    good = [_line(i, 1500, 0, 20) for i in range(3)]
    bad = [
        "{not json",
        json.dumps(
            {
                "ts": "2026-10-01T00:00:00Z",
                "response": {
                    "id": "x1",
                    "object": "chat.completion",
                    "model": "gpt-4o",
                    "usage": {"prompt_tokens": -4, "completion_tokens": 1},
                },
            }
        ),
        json.dumps(
            {
                "ts": "yesterday",
                "response": {
                    "id": "x2",
                    "object": "chat.completion",
                    "model": "gpt-4o",
                    "usage": {"prompt_tokens": 4, "completion_tokens": 1},
                },
            }
        ),
        json.dumps(
            {
                "ts": "2026-10-01T00:00:00Z",
                "response": {
                    "id": "x3",
                    "object": "chat.completion",
                    "model": "gpt-4o",
                    "usage": {"prompt_tokens": "ten", "completion_tokens": 1},
                },
            }
        ),
    ]
    f = tmp_path / "mixed.jsonl"
    f.write_text("\n".join([good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3]]) + "\n")
    result = load([f], tmp_path / "s")
    r = result.files[0]
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (7, 3, 4)
    q = sorted((tmp_path / "s" / "quarantine").glob("*.jsonl"))[0]
    entries = [json.loads(x) for x in q.read_text().splitlines()]
    assert [e["line"] for e in entries] == [2, 4, 5, 7]
    assert all(e["file"] == str(f.resolve()) for e in entries)
    reasons = [e["reason"] for e in entries]
    assert reasons[0] == "not valid JSON"
    assert "negative" in reasons[1]
    assert "timestamp" in reasons[2]
    assert "non-numeric" in reasons[3]


def _kill_run(src: Path, store: Path, delay: float) -> None:
    code = (
        "import sys; from pathlib import Path; from llmcost.ingest.loader import load; "
        f"load([Path({str(src)!r})], Path({str(store)!r}))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], env=os.environ.copy())
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_kill_9_mid_ingest_then_rerun_equals_clean_run(tmp_path: Path) -> None:
    src = tmp_path / "logs"
    src.mkdir()
    lines = [_line(i, 1200 + i % 900, 1024 if i % 3 else 0, 30 + i % 50) for i in range(4000)]
    for k in range(8):
        (src / f"part{k}.jsonl").write_text("\n".join(lines[k * 500 : (k + 1) * 500 + 50]) + "\n")
    clean = tmp_path / "clean"
    load([src], clean)
    expected = _totals(clean)
    assert expected == _expected(lines)
    for trial, delay in enumerate((0.3, 0.6, 0.9, 1.3)):
        store = tmp_path / f"killed{trial}"
        _kill_run(src, store, delay)
        load([src], store)
        assert _totals(store) == expected, f"trial {trial} (killed after {delay}s)"


def test_in_file_duplicates_keep_the_first_line(tmp_path: Path) -> None:
    """A clean file takes the parallel reader (no line numbers: each row has the source's unique
    id); a repeated id sends it down the line path, which keeps the first copy by line."""
    clean = tmp_path / "clean.jsonl"
    clean.write_text("\n".join(_line(i, 100 + i, 0, 5) for i in range(4)) + "\n")
    first = json.loads(_line(1, 100, 0, 5))
    later = json.loads(_line(1, 100, 0, 5))
    later["ts"] = "2026-10-02T11:00:00Z"  # the same response logged again later
    rows = [_line(0, 100, 0, 5), json.dumps(first), _line(2, 102, 0, 5), json.dumps(later)]
    dup = tmp_path / "dup.jsonl"
    dup.write_text("\n".join(rows) + "\n")
    r_clean = load([clean], tmp_path / "a").files[0]
    r_dup = load([dup], tmp_path / "b").files[0]
    assert (r_clean.rows_read, r_clean.rows_stored, r_clean.rows_duplicate) == (4, 4, 0)
    assert (r_dup.rows_read, r_dup.rows_stored, r_dup.rows_duplicate) == (4, 3, 1)
    con = Store.open(tmp_path / "a").connect()
    assert con.execute("SELECT count(*), count(DISTINCT event_id) FROM usage").fetchone() == (4, 4)
    con = Store.open(tmp_path / "b").connect()
    got = con.execute(
        "SELECT source_line, strftime(ts, '%Y-%m-%dT%H:%M:%SZ') FROM usage WHERE event_id = 'chatcmpl-1'"
    ).fetchall()
    assert got == [(2, first["ts"])]
