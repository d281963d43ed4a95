"""Re-ingesting and overlapping OpenAI exports give the totals of one clean export.

Daily completions buckets, grouped by model, for 2026-10-01 + d (d = 0..20). For day d and model m
(index k = 0 or 1) the export says: uncached input 1000(d+1) + 7k, cached 100(d+1), cache writes 10,
output 50(d+1), requests d+1. A restatement of a day adds 500 uncached input and 5 requests.
The expected totals below are summed from that rule, not read back from the store.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

DAY0 = 1790812800  # 2026-10-01T00:00:00Z
MODELS = ("gpt-5-mini-2025-08-07", "gpt-4o-2024-08-06")


def _result(d: int, k: int, restated: bool) -> dict:
    uncached = 1000 * (d + 1) + 7 * k + (500 if restated else 0)
    cached, cwrite = 100 * (d + 1), 10
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": uncached + cached + cwrite,
        "input_cached_tokens": cached,
        "input_cache_write_tokens": cwrite,
        "input_uncached_tokens": uncached,
        "output_tokens": 50 * (d + 1),
        "num_model_requests": d + 1 + (5 if restated else 0),
        "project_id": None,
        "user_id": None,
        "api_key_id": None,
        "model": MODELS[k],
        "batch": None,
        "service_tier": None,
    }


def _pages(days: range, restated: set[int], per_page: int = 7) -> list[dict]:
    buckets = [
        {
            "object": "bucket",
            "start_time": DAY0 + 86400 * d,
            "end_time": DAY0 + 86400 * (d + 1),
            "results": [_result(d, k, d in restated) for k in range(2)],
        }
        for d in days
    ]
    pages = [buckets[i : i + per_page] for i in range(0, len(buckets), per_page)]
    return [
        {"object": "page", "data": p, "has_more": i < len(pages) - 1, "next_page": None}
        for i, p in enumerate(pages)
    ]


def _expected(days: range, restated: set[int]) -> tuple[int, int, int, int, int]:
    inp = sum(1000 * (d + 1) * 2 + 7 + (1000 if d in restated else 0) for d in days)
    cached = sum(100 * (d + 1) * 2 for d in days)
    cwrite = 20 * len(days)
    out = sum(50 * (d + 1) * 2 for d in days)
    req = sum(2 * (d + 1) + (10 if d in restated else 0) for d in days)
    return inp, cached, cwrite, out, req


def _totals(store: Path) -> tuple[int, ...]:
    con = Store.open(store).connect()
    row = con.execute(
        "SELECT sum(input_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(output_tokens), "
        "sum(request_count) FROM usage"
    ).fetchone()
    return tuple(int(v) for v in row)


def _per_day(store: Path) -> list[tuple]:
    con = Store.open(store).connect()
    return con.execute(
        "SELECT ts, model, input_tokens, request_count FROM usage ORDER BY ts, model"
    ).fetchall()


def test_twice_and_overlapping_exports_equal_one_clean_export(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    first = exports / "usage_2026-10-01_2026-10-14.json"
    first.write_text(json.dumps(_pages(range(0, 14), set())))  # a JSON array of two pages
    # the second export overlaps the first by a week and restates 2026-10-10 (d = 9)
    second = exports / "usage_2026-10-08_2026-10-21.json"
    second.write_text(json.dumps(_pages(range(7, 21), {9})))
    copy = exports / "usage_again.json"
    shutil.copy(first, copy)

    store = tmp_path / "store"
    load([first], store)
    again = load([first], store)  # the same file again: unchanged
    assert [f.status for f in again.files] == ["unchanged"]
    load([copy], store)  # the same export under another name: the same 28 bucket events
    assert _totals(store) == _expected(range(0, 14), set())
    load([second], store)

    clean_file = tmp_path / "clean" / "usage_2026-10-01_2026-10-21.json"
    clean_file.parent.mkdir()
    clean_file.write_text(json.dumps(_pages(range(0, 21), {9})))
    clean = tmp_path / "clean_store"
    load([clean_file], clean)

    expected = _expected(range(0, 21), {9})
    assert _totals(store) == expected
    assert _totals(clean) == expected
    assert _per_day(store) == _per_day(clean)


def test_dashboard_csv_and_api_page_of_the_same_bucket_are_one_event(tmp_path: Path) -> None:
    fixtures = Path(__file__).parents[1] / "fixtures" / "ingest"
    api = fixtures / "openai_usage_api_json" / "input_completions.json"
    csv = fixtures / "openai_usage_dashboard_csv" / "input_completions_usage_2026-10-01_2026-10-03.csv"
    store = tmp_path / "store"
    load([api], store)
    res = load([csv], store)
    con = Store.open(store).connect()
    # both files describe proj_a/key_1 and proj_b/key_2 on 2026-10-01; the CSV adds 2026-10-03
    n, inp = con.execute("SELECT count(*), sum(input_tokens) FROM usage").fetchone()
    assert (n, inp) == (3, 5000 + 3000 + 900)
    assert res.files[0].rows_stored == 3  # stored, and the two API rows it restates became stale


def test_org_total_in_another_export_is_not_counted_twice(tmp_path: Path) -> None:
    from llmcost.document.reconcile import money_usage

    grouped = tmp_path / "grouped.json"
    grouped.write_text(json.dumps(_pages(range(0, 1), set())))
    org = {
        "object": "organization.usage.completions.result",
        "input_tokens": 2 * 1110 + 7,
        "input_cached_tokens": 200,
        "input_cache_write_tokens": 20,
        "input_uncached_tokens": 2007,
        "output_tokens": 100,
        "num_model_requests": 2,
        "project_id": None,
        "user_id": None,
        "api_key_id": None,
        "model": None,
        "batch": None,
        "service_tier": None,
    }
    total = tmp_path / "org_total.json"
    total.write_text(
        json.dumps(
            {
                "object": "page",
                "data": [
                    {"object": "bucket", "start_time": DAY0, "end_time": DAY0 + 86400, "results": [org]}
                ],
            }
        )
    )
    store = tmp_path / "store"
    load([grouped, total], store)
    con = Store.open(store).connect()
    money_usage(con)
    counted = con.execute(
        "SELECT sum(input_tokens) FILTER (WHERE counts_for_tokens), count(*) FROM money_usage"
    ).fetchone()
    # the org row is stored but shadowed by its breakdown: out of `usage` (2 rows), in `usage_all` (3)
    assert counted == (1000 + 1007, 2)
    assert con.execute("SELECT count(*) FROM usage_all WHERE NOT _dup").fetchone() == (3,)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    split=st.integers(min_value=1, max_value=9),
    overlap=st.integers(min_value=0, max_value=4),
    restated=st.sets(st.integers(min_value=0, max_value=9), max_size=2),
)
def test_any_overlapping_split_gives_the_clean_totals(
    tmp_path_factory, split: int, overlap: int, restated: set[int]
) -> None:
    tmp = tmp_path_factory.mktemp("split")
    a, b = tmp / "a.json", tmp / "b.json"
    a.write_text(json.dumps(_pages(range(0, split), set())))
    b.write_text(json.dumps(_pages(range(max(0, split - overlap), 10), restated)))
    load([a], tmp / "s")
    load([b], tmp / "s")
    # days only in the first export keep their first numbers; later days carry the restatement
    only_first = set(range(0, max(0, split - overlap)))
    expected = _expected(range(0, 10), restated - only_first)
    assert _totals(tmp / "s") == expected
