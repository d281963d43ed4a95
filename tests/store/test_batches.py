"""The loader's batches: many new files of one format read by one scan, stored as one part per
month per batch, with per-file counts (issue 22).

The folder is generated here, and the expected figures are computed from the generator's own
record of what it wrote (the final counts of every reply), not by the loader:

- 40 Claude Code sessions, 3 replies each, each reply written as three growing snapshots
  (output 1, then half, then the final count; input and cache repeated on every line);
- every session after the first replays the previous session's last reply with its final count
  (a resumed session): 40 * 3 = 120 requests, of which 39 appear in two files;
- sessions 0-19 in 2026-09, 20-39 in 2026-10 (a replay of session 19 sits in session 20's file,
  in September: its time is the reply's);
- session 5 holds a `<synthetic>` reply (read, skipped) and session 7 a cut-off line
  (quarantined); `broken.jsonl` is not UTF-8 and fails on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store
from tests.reliability.invariants import check_results, check_store

SESSIONS = 40
REPLIES = 3


def _line(sid: str, mid: str, ts: str, inp: int, cr: int, cw: int, out: int) -> str:
    return json.dumps({
        "parentUuid": None, "isSidechain": False, "type": "assistant", "sessionId": sid, "cwd": "/home/dev/app",
        "timestamp": ts, "requestId": f"req_{mid}", "version": "2.1.3",
        "message": {"id": f"msg_{mid}", "model": "claude-sonnet-4-5", "role": "assistant",
                    "usage": {"input_tokens": inp, "cache_read_input_tokens": cr,
                              "cache_creation_input_tokens": cw, "output_tokens": out}},
    }, separators=(",", ":"))


def make_folder(root: Path) -> dict[str, object]:
    """Write the folder; return the expected totals and per-file counts."""
    finals: dict[str, tuple[int, int, int, int, str]] = {}
    files: dict[str, tuple[int, int, int, int, int]] = {}  # name -> read, stored, dup, skipped, quarantined
    prev_last: tuple[str, str, int, int, int, int] | None = None
    for s in range(SESSIONS):
        month, day = ("09", 1 + s % 28) if s < 20 else ("10", 1 + s % 28)
        sid = f"{s:08d}-0000-4000-8000-000000000000"
        lines = [json.dumps({"type": "user", "sessionId": sid, "parentUuid": None,
                             "message": {"role": "user", "content": "hi"}})]
        read = stored = dup = skipped = quarantined = 0
        if prev_last:
            mid, ts, inp, cr, cw, out = prev_last
            lines.append(_line(sid, mid, ts, inp, cr, cw, out))
            read += 1
            dup += 1  # the earlier file's copy has the same final counts and stays live
        for r in range(REPLIES):
            mid = f"{s}_{r}"
            ts = f"2026-{month}-{day:02d}T10:{r:02d}:00Z"
            inp, cr, cw, out = 10 + s, 1000 * r, 100 + s, 50 + 7 * s + r
            for snap in (1, out // 2, out):
                lines.append(_line(sid, mid, ts, inp, cr, cw, snap))
            read += 3
            stored += 1
            dup += 2
            finals[mid] = (inp, cr, cw, out, ts[:7])
            prev_last = (mid, ts, inp, cr, cw, out)
        if s == 5:
            synthetic = json.loads(_line(sid, "syn", f"2026-09-{day:02d}T11:00:00Z", 0, 0, 0, 0))
            synthetic["message"]["model"] = "<synthetic>"
            synthetic["isApiErrorMessage"] = True
            lines.append(json.dumps(synthetic))
            read += 1
            skipped += 1
        if s == 7:
            lines.append(_line(sid, "cut", f"2026-09-{day:02d}T11:00:00Z", 1, 2, 3, 4)[:60])
            read += 1
            quarantined += 1
        name = f"-home-dev-app/{sid}.jsonl"
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        files[name] = (read, stored, dup, skipped, quarantined)
    # a file the format claims (its first line is a transcript line) whose later bytes are not UTF-8
    (root / "-home-dev-app" / "broken.jsonl").write_bytes(
        (_line("b", "b0", "2026-09-03T10:00:00Z", 1, 1, 1, 1) + "\n").encode() + b"\xff\xfe\xc3\x28 not text\n"
    )
    return {
        "requests": len(finals),
        "input": sum(v[0] for v in finals.values()),
        "cache_read": sum(v[1] for v in finals.values()),
        "cache_write": sum(v[2] for v in finals.values()),
        "output": sum(v[3] for v in finals.values()),
        "months": sorted({v[4] for v in finals.values()}),
        "files": files,
    }


def totals(store: Path) -> dict[str, int]:
    con = Store.open(store).connect()
    n, i, cr, cw, o = con.execute(
        "SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(output_tokens) "
        "FROM usage"
    ).fetchone() or (0, 0, 0, 0, 0)
    con.close()
    return {"requests": n, "input": i, "cache_read": cr, "cache_write": cw, "output": o}


def counts(result_files: list, root: Path) -> dict[str, tuple[int, int, int, int, int]]:
    return {
        Path(f.path).relative_to(root.resolve()).as_posix(): (
            f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_skipped, f.rows_quarantined)
        for f in result_files if f.status == "ingested"
    }


@pytest.fixture()
def folder(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    root = tmp_path / "projects"
    root.mkdir()
    return root, make_folder(root)


def test_one_run_gives_the_generated_totals_and_per_file_counts(folder, tmp_path):
    root, want = folder
    result = load([root], tmp_path / "store")
    assert check_results(result.files) == []
    assert check_store(tmp_path / "store") == []
    failed = [f for f in result.files if f.status == "failed"]
    assert [Path(f.path).name for f in failed] == ["broken.jsonl"]  # it fails alone, with its message
    assert failed[0].message and "broken.jsonl" in failed[0].message
    assert counts(result.files, root) == want["files"]
    assert totals(tmp_path / "store") == {k: want[k] for k in ("requests", "input", "cache_read", "cache_write",
                                                                "output")}


def test_one_part_per_month_for_the_batch(folder, tmp_path):
    root, want = folder
    load([root], tmp_path / "store")
    manifest = Store(tmp_path / "store").read_manifest()
    parts = manifest.parts("usage")
    assert len(parts) == len(want["months"]) == 2  # 40 files, 2 months, 1 batch (the broken file left out)
    assert sorted(p.split("/")[1] for p in parts) == [f"month={m}" for m in want["months"]]


def test_batch_equals_one_file_at_a_time(folder, tmp_path):
    root, want = folder
    batch = load([root], tmp_path / "batch")
    one_by_one = []
    for path in sorted(p for p in root.rglob("*.jsonl")):
        one_by_one += load([path], tmp_path / "single").files
    assert counts(batch.files, root) == counts(one_by_one, root) == want["files"]
    assert totals(tmp_path / "batch") == totals(tmp_path / "single")
    assert check_store(tmp_path / "single") == []
    # one at a time, every file has its own part per month: session 20's file holds September's
    # replay and its own October replies
    assert len(Store(tmp_path / "single").read_manifest().parts("usage")) == SESSIONS + 1


def test_rerun_skips_unchanged_files_and_a_changed_file_leaves_the_others_rows(folder, tmp_path):
    root, want = folder
    store = tmp_path / "store"
    load([root], store)
    again = load([root], store)
    assert {f.status for f in again.files if not f.path.endswith("broken.jsonl")} == {"unchanged"}

    # session 3 grows: a new reply; its batch part is shared with 39 other files
    sid = f"{3:08d}-0000-4000-8000-000000000000"
    path = root / "-home-dev-app" / f"{sid}.jsonl"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(_line(sid, "3_new", "2026-09-04T12:00:00Z", 5, 6, 7, 8) + "\n")
    third = load([root], store)
    assert [(Path(f.path).name, f.status) for f in third.files if f.status == "replaced"] == [(path.name, "replaced")]
    assert check_store(store) == []
    got = totals(store)
    assert got == {"requests": want["requests"] + 1, "input": want["input"] + 5, "cache_read": want["cache_read"] + 6,
                   "cache_write": want["cache_write"] + 7, "output": want["output"] + 8}


def test_totals_match_an_independent_count(folder, tmp_path):
    """Plain DuckDB over the files: the per-field maximum per (message.id, requestId)."""
    root, _ = folder
    load([root], tmp_path / "store")
    good = sorted(str(p) for p in root.rglob("*.jsonl") if p.name != "broken.jsonl")
    con = duckdb.connect()
    (n, o) = con.execute(
        """SELECT count(*), sum(o) FROM (
             SELECT max(TRY_CAST(json_extract_string(j, '$.message.usage.output_tokens') AS BIGINT)) AS o
             FROM (SELECT CASE WHEN json_valid(column0) THEN column0 END AS j
                   FROM read_csv(?, header=false, delim='\x01', quote='', escape='', columns={'column0': 'VARCHAR'}))
             WHERE json_extract_string(j, '$.type') = 'assistant'
               AND json_extract_string(j, '$.message.model') <> '<synthetic>'
             GROUP BY json_extract_string(j, '$.message.id'), json_extract_string(j, '$.requestId'))""",
        [good],
    ).fetchone()
    got = totals(tmp_path / "store")
    assert (got["requests"], got["output"]) == (n, o)


def test_compact_merges_each_months_parts_and_keeps_every_row(folder, tmp_path):
    from llmcost.storage.compact import compact

    root, want = folder
    store = tmp_path / "store"
    for path in sorted(p for p in root.rglob("*.jsonl")):
        load([path], store)  # one run per file: a part per file and month
    before = totals(store)
    assert len(Store(store).read_manifest().parts("usage")) == SESSIONS + 1
    assert compact(store) == (SESSIONS + 1, 2)
    assert check_store(store) == []
    assert totals(store) == before == {k: want[k] for k in ("requests", "input", "cache_read", "cache_write",
                                                            "output")}
    # a file that changes after compaction leaves the other files' rows in the merged part
    sid = f"{30:08d}-0000-4000-8000-000000000000"
    with open(root / "-home-dev-app" / f"{sid}.jsonl", "a", encoding="utf-8") as fh:
        fh.write(_line(sid, "30_new", "2026-10-05T12:00:00Z", 5, 6, 7, 8) + "\n")
    load([root], store)
    assert check_store(store) == []
    assert totals(store)["output"] == want["output"] + 8
    assert totals(store)["requests"] == want["requests"] + 1


def test_a_run_compacts_a_month_past_the_threshold(folder, tmp_path, monkeypatch):
    import llmcost.ingest.loader

    monkeypatch.setattr(llmcost.ingest.loader, "AUTO_COMPACT_PARTS", 5)
    root, _ = folder
    store = tmp_path / "store"
    for path in sorted(p for p in root.rglob("*.jsonl"))[:8]:  # 8 September files, one run each
        load([path], store)
        assert len(Store(store).read_manifest().parts("usage")) <= 5
    assert check_store(store) == []


def test_rerun_trusts_size_and_mtime_then_hashes_without_the_cache(folder, tmp_path):
    """An unchanged file (same size and mtime as the last run recorded in .filestat.json) is not
    read again; without that record (or on any mismatch) the file is hashed."""
    import os

    root, _ = folder
    store = tmp_path / "store"
    load([root], store)
    assert (store / ".filestat.json").exists()
    path = sorted(root.rglob("*.jsonl"))[0]
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"hi"', '"ho"', 1), encoding="utf-8")  # same size, other bytes
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    status = {Path(f.path).name: f.status for f in load([path], store).files}
    assert status == {path.name: "unchanged"}  # size and mtime match: trusted, as documented
    (store / ".filestat.json").unlink()
    status = {Path(f.path).name: f.status for f in load([path], store).files}
    assert status == {path.name: "replaced"}  # no record: hashed, and the hash differs
    assert check_store(store) == []


def test_a_batch_of_sessions_without_replies(tmp_path):
    """Sessions with user lines only (the format claims them; nothing to store): read 0, ingested."""
    root = tmp_path / "projects"
    root.mkdir()
    for i in range(3):
        (root / f"s{i}.jsonl").write_text(json.dumps({"type": "user", "sessionId": f"s{i}", "parentUuid": None,
                                                      "message": {"role": "user", "content": "hi"}}) + "\n")
    result = load([root], tmp_path / "store")
    assert [(f.status, f.rows_read, f.rows_stored) for f in result.files] == [("ingested", 0, 0)] * 3
    assert check_store(tmp_path / "store") == []


def test_compaction_reads_a_bounded_number_of_parts_per_scan(tmp_path, monkeypatch):
    """Merging a month's many small parts reads at most MERGE_FAN_IN of them per scan (rounds of
    intermediate files), so its memory does not grow with the number of parts: DuckDB keeps a
    reader per file of one read_parquet, and one scan over the 2,000 one-file parts of 2,000 small
    request-log files peaked at 1.9 GB. Every row is kept and no intermediate file is left."""
    import llmcost.ingest.loader
    import llmcost.storage.compact

    monkeypatch.setattr(llmcost.storage.compact, "MERGE_FAN_IN", 4, raising=False)
    monkeypatch.setattr(llmcost.ingest.loader, "AUTO_COMPACT_PARTS", 5)
    # every file read on its own, one part per file (as a changed file is, or a format that is not
    # batchable): without batches the month gets one part per file to merge
    monkeypatch.setattr(llmcost.ingest.loader, "BATCH_FILE_BYTES", 0)
    root = tmp_path / "in"
    root.mkdir()
    n = 21
    for i in range(n):
        (root / f"f{i:02d}.jsonl").write_text(json.dumps({
            "ts": f"2026-10-{i % 28 + 1:02d}T09:00:00Z", "session_id": f"s{i}",
            "response": {"id": f"m{i}", "object": "chat.completion", "model": "gpt-4o-mini-2024-07-18",
                         "usage": {"prompt_tokens": 100, "completion_tokens": 10}},
        }) + "\n", encoding="utf-8")
    scans: list[int] = []
    real = llmcost.storage.compact.compact_parts

    class Spy:
        def __init__(self, con: duckdb.DuckDBPyConnection):
            self.con = con

        def execute(self, sql: str, params: list | None = None):
            if "read_parquet" in sql and params:
                scans.append(len(params[0]))
            return self.con.execute(sql, params or [])

    def spied(w, more_than):
        con = w.con
        w.con = Spy(con)
        try:
            merged = real(w, more_than)
        finally:
            w.con = con
        assert not list(w.work.glob("merge-*"))  # the intermediate files are gone
        return merged

    monkeypatch.setattr(llmcost.ingest.loader, "compact_parts", spied)
    result = load([root], tmp_path / "store")
    assert {f.ingestor for f in result.files} == {"openai_response_jsonl"}
    assert scans and max(scans) <= 4 and sum(scans) >= n  # every part read, 4 at most per scan
    store = tmp_path / "store"
    assert len(Store(store).read_manifest().parts("usage")) == 1
    assert check_store(store) == []
    (rows, out) = duckdb.sql(
        f"SELECT count(*), sum(output_tokens) FROM read_parquet('{store}/usage/**/*.parquet') WHERE NOT _dup"
    ).fetchall()[0]
    assert (rows, out) == (n, 10 * n)
