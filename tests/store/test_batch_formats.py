"""Every batchable format reads a batch of files as it reads them one at a time (issue 22).

A format marked `batchable` has its new files read by one scan over the list of files
(llmcost.ingest.batches); its query must then keep each file's rows to that file (windows,
numbering, names). For each batchable format with a fixture folder, the fixture's inputs and a copy
of each in a subfolder (so every batch holds at least two files, and a window or a join that runs
across files would mix the copies) are loaded twice into fresh stores:

- the reference: the same format with `batchable` off, so every file takes the per-file path;
- the batch: as registered.

The per-file results (status and counts), the stored rows and the quarantined rows must be equal,
with and without --keep-text, and the batch run must really have read a batch. The reference is
the per-file path, which the fixture tests (tests/test_formats.py) check against hand-counted rows.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from llmcost import ingest
from llmcost.ingest import batches, dedupe
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ingest"


def _batchable() -> list[str]:
    return sorted(n for n, ing in ingest.registry().items()
                  if ing.batchable and (FIXTURES / n).is_dir())


def _folder(name: str, root: Path) -> Path:
    """The fixture's inputs, and a copy of each under `copy/` (the same names)."""
    folder = root / "in"
    (folder / "copy").mkdir(parents=True)
    for p in sorted((FIXTURES / name).iterdir()):
        if p.name.startswith("input"):
            shutil.copy(p, folder / p.name)
            shutil.copy(p, folder / "copy" / p.name)
    return folder


def _rows(store: Path, table: str, order: str) -> list[tuple]:
    """Every stored row of `table`, every column but `_seq`: the view's columns are the schema's and
    the internal ones, whatever the parts hold (a per-file part that is its stage keeps the stage's
    bookkeeping columns; tests/store/test_reader_writer.py). `_seq` numbers the files of a run in
    the order they are committed: one by one that is the walk's order, and batches are committed
    group by group (a format's JSON documents and its JSON lines are two groups: Amp's fixture), so
    the numbers may differ while the rows, live and duplicate, are the same."""
    con = Store.open(store).connect()
    try:
        return con.execute(f"SELECT * EXCLUDE (_seq) FROM {table} ORDER BY {order}").fetchall()
    finally:
        con.close()


def _quarantine(store: Path) -> list[tuple]:
    """Every quarantined row of the store: (file, line, reason, raw), whichever run wrote it."""
    rows = []
    for part in sorted((store / "quarantine").glob("*.jsonl")):
        for line in part.read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            rows.append((q["file"], q["line"], q["reason"], q.get("raw")))
    return sorted(rows, key=repr)


def _files(result) -> list[tuple]:
    return sorted((f.path, f.status, f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_skipped,
                   f.rows_quarantined, f.message) for f in result.files)


def _count_batches(monkeypatch) -> list[int]:
    """The size of each batch the loader reads from now on, in order."""
    scans: list[int] = []
    real = batches.BatchCommit._batch

    def counted(self, con, manifest, ing, items, *args, **kwargs):
        scans.append(len(items))
        return real(self, con, manifest, ing, items, *args, **kwargs)

    monkeypatch.setattr(batches.BatchCommit, "_batch", counted)
    return scans


@pytest.mark.parametrize("keep_text", [False, True])
@pytest.mark.parametrize("name", _batchable())
def test_a_batch_reads_as_one_file_at_a_time(name: str, keep_text: bool, tmp_path: Path, monkeypatch) -> None:
    folder = _folder(name, tmp_path)
    cls = type(ingest.get(name))
    monkeypatch.setattr(cls, "batchable", False)
    one_by_one = load([folder], tmp_path / "single", source=name, keep_text=keep_text)
    monkeypatch.setattr(cls, "batchable", True)
    scans = _count_batches(monkeypatch)
    batch = load([folder], tmp_path / "batch", source=name, keep_text=keep_text)
    assert scans and max(scans) >= 2, f"{name}: no batch of two or more files was read ({scans})"
    assert _files(batch) == _files(one_by_one)
    order = "event_id, source_file, source_line"
    assert _rows(tmp_path / "batch", "usage", order) == _rows(tmp_path / "single", "usage", order)
    assert _quarantine(tmp_path / "batch") == _quarantine(tmp_path / "single")


@pytest.mark.parametrize("which", ["all", "originals"])
@pytest.mark.parametrize("name", _batchable())
def test_changed_files_are_replaced_in_a_batch_as_one_at_a_time(name: str, which: str, tmp_path: Path,
                                                                 monkeypatch) -> None:
    """Files already stored and read again (here: a newer version of their reader) are replaced in
    a batch as they are one at a time. `all`: every file of the store; `originals`: the fixture's
    files but not their copies, so the events the originals held live (and their copies held as
    duplicates) are weighed again with the copies' rows (a snapshot format's election, else the
    revival of the earliest copy). Before, a changed file was always read on its own, and each
    rewrote the batch's shared part: a store's files read again after a reader change took
    quadratic time (5,160 Claude Code sessions did not finish in 15 minutes)."""
    folder = _folder(name, tmp_path)
    cls = type(ingest.get(name))
    again = [folder] if which == "all" else sorted(p for p in folder.iterdir() if p.is_file())
    runs = {}
    for batched in (False, True):
        monkeypatch.setattr(cls, "batchable", batched)
        monkeypatch.setattr(cls, "reader_changes", dict(ingest.get(name).reader_changes))
        store = tmp_path / f"store-{batched}"
        load([folder], store, source=name)
        newer = max(cls.reader_changes, default=1) + 1
        monkeypatch.setattr(cls, "reader_changes", {**cls.reader_changes, newer: "a test's change"})
        scans = _count_batches(monkeypatch)
        result = load(again, store, source=name)
        monkeypatch.undo()
        if batched and which == "all":  # every group holds a file and its copy
            assert scans and max(scans) >= 2, f"{name}: no batch of changed files was read ({scans})"
        assert {f.status for f in result.files} <= {"replaced", "companion"}, _files(result)
        assert all(f.note for f in result.files if f.status == "replaced"), _files(result)
        order = "event_id, source_file, source_line"
        runs[batched] = (_files(result), _rows(store, "usage", order), _quarantine(store))
    assert runs[True] == runs[False]


def _session(sid: str, cut_text: str | None = None) -> str:
    line = {"parentUuid": None, "isSidechain": False, "cwd": "/home/dev/app", "version": "2.1.3",
            "type": "assistant", "sessionId": sid, "timestamp": "2026-09-01T10:00:00Z", "requestId": f"req_{sid}",
            "message": {"id": f"msg_{sid}", "model": "claude-sonnet-4-5", "role": "assistant",
                        "content": [{"type": "text", "text": "the reply"}],
                        "usage": {"input_tokens": 10, "output_tokens": 5}}}
    lines = [json.dumps(line)]
    if cut_text:
        cut = dict(line, requestId="req_cut", message=dict(line["message"], id="msg_cut",
                                                             content=[{"type": "text", "text": cut_text}]))
        lines.append(json.dumps(cut)[:-40])  # cut off after its text: not valid JSON
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("keep_text", [False, True])
def test_a_batch_keeps_a_rejected_lines_text_only_with_keep_text(tmp_path: Path, keep_text: bool) -> None:
    """A batch's quarantine holds what the per-file path's does: without --keep-text the rejected
    line's shape (its words replaced), never its text; with it, the text. Before, a batch kept the
    first 2,000 characters of the line, prompt and reply included, whatever the flag."""
    folder = tmp_path / "projects" / "-home-dev-app"
    folder.mkdir(parents=True)
    for i in range(3):
        (folder / f"s{i}.jsonl").write_text(_session(f"s{i}", "zebra prompt words" if i == 1 else None))
    result = load([tmp_path / "projects"], tmp_path / "store", keep_text=keep_text)
    assert sorted((f.rows_read, f.rows_stored, f.rows_quarantined) for f in result.files) == [
        (1, 1, 0), (1, 1, 0), (2, 1, 1)]
    quarantined = b"".join(p.read_bytes() for p in (tmp_path / "store" / "quarantine").glob("*.jsonl"))
    assert b'"line":2' in quarantined and b"not valid JSON" in quarantined
    assert (b"zebra prompt words" in quarantined) is keep_text


def _opencode_message(mid: str, sid: str, role: str = "assistant") -> str:
    msg = {"id": mid, "sessionID": sid, "role": role, "time": {"created": 1791190800000},
           "modelID": "claude-sonnet-4-5", "providerID": "anthropic", "cost": 0.01,
           "tokens": {"input": 10, "output": 5, "reasoning": 0, "cache": {"read": 0, "write": 0}}}
    return json.dumps(msg, indent=2)


def test_an_opencode_batch_keeps_each_message_to_its_file(tmp_path: Path) -> None:
    """OpenCode writes one file per message: a batch holds two sessions' messages, a user message
    and a message cut short. Each message is row 1 of its own file; the broken file fails on its own
    (the batch is split to find it) and the others are stored."""
    root = tmp_path / "message"
    for sid in ("ses_a", "ses_b"):
        (root / sid).mkdir(parents=True)
        for i in range(3):
            (root / sid / f"msg_{sid}_{i}.json").write_text(_opencode_message(f"msg_{sid}_{i}", sid))
    (root / "ses_a" / "msg_user.json").write_text(_opencode_message("msg_user", "ses_a", role="user"))
    (root / "ses_b" / "msg_cut.json").write_text(_opencode_message("msg_cut", "ses_b")[:-60])
    result = load([root], tmp_path / "store")
    by_name = {Path(f.path).name: f for f in result.files}
    assert by_name["msg_cut.json"].status == "failed"
    assert by_name["msg_user.json"].rows_skipped == 1
    assert sorted((f.rows_read, f.rows_stored) for n, f in by_name.items() if n.startswith("msg_ses")) == [(1, 1)] * 6
    rows = _rows(tmp_path / "store", "usage", "event_id")
    assert [(r[0], Path(r[2]).stem, r[3]) for r in rows] == [
        (f"opencode:msg_{s}_{i}", f"msg_{s}_{i}", 1) for s in ("ses_a", "ses_b") for i in range(3)]
    assert {r[12] for r in rows} == {"ses_a", "ses_b"}


def _amp_thread(tid: str, cache_read: int) -> str:
    return json.dumps({
        "v": 1, "id": tid, "created": 1793610000000,
        "usageLedger": {"events": [{"id": f"ev-{tid}", "timestamp": "2026-11-02T09:00:05.000Z",
                                    "model": "claude-sonnet-4-5", "tokens": {"input": 20, "output": 300},
                                    "operationType": "inference", "fromMessageId": 0, "toMessageId": 1}]},
        "messages": [{"role": "user", "messageId": 0},
                     {"role": "assistant", "messageId": 1,
                      "usage": {"model": "claude-sonnet-4-5", "inputTokens": 20, "outputTokens": 300,
                                "cacheCreationInputTokens": 0, "cacheReadInputTokens": cache_read}}]}, indent=2)


def test_an_amp_batch_looks_a_ledger_events_message_up_in_its_own_thread(tmp_path: Path) -> None:
    """Amp numbers a thread's messages from 0, so two threads in one batch have the same message
    ids: a ledger event takes the cache counts of the message it ends at in its own thread."""
    threads = tmp_path / "threads"
    threads.mkdir()
    for i, tid in enumerate(("T-aaa", "T-bbb", "T-ccc")):
        (threads / f"{tid}.json").write_text(_amp_thread(tid, 1000 * (i + 1)))
    result = load([threads], tmp_path / "store")
    assert [(f.rows_read, f.rows_stored) for f in result.files] == [(1, 1)] * 3
    con = Store.open(tmp_path / "store").connect()
    try:
        rows = con.execute("SELECT conversation_id, cache_read_tokens FROM usage ORDER BY 1").fetchall()
    finally:
        con.close()
    assert rows == [("T-aaa", 1000), ("T-bbb", 2000), ("T-ccc", 3000)]


def test_copilot_sessions_read_in_one_batch_keep_their_own_session_and_project(tmp_path: Path, monkeypatch) -> None:
    """Copilot CLI's session id and folder are on the file's `session.start` line, not on its
    shutdowns: read in one batch (its query allows it, though the format is not batchable, see
    copilot_cli_events_jsonl), each session's rows keep their own file's, as when read one at a time."""
    cls = type(ingest.get("copilot_cli_events_jsonl"))
    monkeypatch.setattr(cls, "batchable", True)
    fixture = (FIXTURES / "copilot_cli_events_jsonl" / "input_events.jsonl").read_text().splitlines()
    root = tmp_path / "session-state"
    for s in ("a", "b"):
        lines = []
        for line in fixture:
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue  # the fixture's broken line
            if event.get("type") == "session.start":
                event["data"]["sessionId"] = f"session-{s}"
                event["data"].setdefault("context", {})["cwd"] = f"/work/{s}"
            event["id"] = f"{s}-{event.get('id')}"  # the shutdowns of two sessions are two events
            lines.append(json.dumps(event))
        (root / s).mkdir(parents=True)
        (root / s / "events.jsonl").write_text("\n".join(lines) + "\n")
    scans = _count_batches(monkeypatch)
    load([root], tmp_path / "store", source="copilot_cli_events_jsonl")
    assert scans == [2]
    rows = _rows(tmp_path / "store", "usage", "event_id")
    con = Store.open(tmp_path / "store").connect()
    try:
        got = sorted(set(con.execute("SELECT regexp_extract(source_file, '/(a|b)/events', 1), conversation_id, "
                                     "project FROM usage").fetchall()))
    finally:
        con.close()
    assert rows and got == [("a", "session-a", "/work/a"), ("b", "session-b", "/work/b")]


def test_a_runs_counts_are_the_stores_when_a_later_file_restates_a_row(tmp_path: Path) -> None:
    """Droid keeps one row per session, the copy read last winning (a session and its backup copy):
    read one file at a time, the earlier file was reported as "stored" when it was committed, though
    the later copy made its rows duplicates before the run ended. The run's counts are the
    manifest's at the end of the run: the rows stored add up to the live rows."""
    folder = _folder("droid_session_settings_json", tmp_path)
    result = load([folder], tmp_path / "store")
    manifest = Store(tmp_path / "store").read_manifest()
    ingested = [f for f in result.files if f.status == "ingested"]
    assert ingested and all(f.path in manifest.files for f in ingested)
    assert [(f.rows_stored, f.rows_duplicate) for f in ingested] == [
        (manifest.files[f.path].rows_stored, manifest.files[f.path].rows_duplicate) for f in ingested]
    con = Store.open(tmp_path / "store").connect()
    try:
        (live,) = con.execute("SELECT count(*) FROM usage").fetchone()
    finally:
        con.close()
    assert sum(f.rows_stored for f in ingested) == live
    assert sum(f.rows_duplicate for f in ingested) > 0  # the copies' rows are duplicates of the later ones


def test_a_batch_part_rewritten_for_each_of_its_files_keeps_a_short_name(tmp_path: Path, monkeypatch) -> None:
    """70 sessions read in one batch share its part; the next day every one has grown. Each grown
    file read again on its own (grown files are read in batches now, but a file too large for a
    batch is not) writes the batch's part again without its rows, once per file: each rewrite added
    `-d<seq>` to the last name, so after about 50 the name passed the file system's 255 bytes and the
    run failed (OSError: File name too long). Now a rewrite's name is the first part's stem, a tag
    and 12 random hex digits, whatever the chain."""
    root = tmp_path / "projects" / "-home-dev-app"
    root.mkdir(parents=True)
    for i in range(70):
        (root / f"s{i:03d}.jsonl").write_text(_session(f"s{i:03d}"))
    first = load([tmp_path / "projects"], tmp_path / "store")
    assert [f.status for f in first.files] == ["ingested"] * 70
    # grown files read one at a time, as a file too large for a batch is
    monkeypatch.setattr(type(ingest.get("claude_code_jsonl")), "batchable", False)
    for i in range(70):  # each session grows by one reply
        more = _session(f"s{i:03d}").replace(f"msg_s{i:03d}", f"msg_s{i:03d}_2").replace(f"req_s{i:03d}", f"req2_{i}")
        with (root / f"s{i:03d}.jsonl").open("a") as fh:
            fh.write(more)
    second = load([tmp_path / "projects"], tmp_path / "store")
    assert [f.status for f in second.files] == ["replaced"] * 70
    names = [p.name for p in (tmp_path / "store" / "usage").rglob("*.parquet")]
    assert names and max(len(n) for n in names) < 100, names
    con = Store.open(tmp_path / "store").connect()
    try:
        assert con.execute("SELECT count(*), sum(output_tokens) FROM usage").fetchone() == (140, 700)
    finally:
        con.close()


def _reply(sid: str, msg: str, output: int, *, agent: bool = False) -> str:
    """One line of a Claude Code session: a snapshot of reply `msg` (request `req_<msg>`) with 10
    input tokens and `output` output tokens."""
    return json.dumps({
        "parentUuid": None, "isSidechain": agent, "cwd": "/home/dev/app", "version": "2.1.3", "type": "assistant",
        "sessionId": sid, "timestamp": "2026-09-01T10:00:00Z", "requestId": f"req_{msg}",
        "message": {"id": msg, "model": "claude-sonnet-4-5", "role": "assistant",
                    "content": [{"type": "text", "text": "the reply"}],
                    "usage": {"input_tokens": 10, "output_tokens": output}}}) + "\n"


def test_grown_sessions_are_replaced_in_one_batch(tmp_path: Path, monkeypatch) -> None:
    """The next day's run over a Claude Code folder: two sessions grew (one reply's final snapshot,
    one new reply), one is as it was, and a new sub-agent transcript holds a larger snapshot of a
    reply of the fourth. The grown sessions are read in one batch with the new file, and the part
    the first run's batch wrote for all four sessions is written again once (without the grown
    sessions' rows), not once per grown session. Totals by hand: replies a (50, its final
    snapshot), b (5), b2 (5), c (5) and d (40, the sub-agent's snapshot): 5 requests, input 50,
    output 105."""
    folder = tmp_path / "projects" / "-home-dev-app"
    folder.mkdir(parents=True)
    for sid in "abcd":
        (folder / f"{sid}.jsonl").write_text(_reply(sid, sid, 5))
    first = load([tmp_path / "projects"], tmp_path / "store")
    assert [f.status for f in first.files] == ["ingested"] * 4
    with (folder / "a.jsonl").open("a") as fh:
        fh.write(_reply("a", "a", 50))
    with (folder / "b.jsonl").open("a") as fh:
        fh.write(_reply("b", "b2", 5))
    (folder / "d" / "subagents").mkdir(parents=True)
    (folder / "d" / "subagents" / "agent-1.jsonl").write_text(_reply("d", "d", 40, agent=True))
    scans = _count_batches(monkeypatch)
    detached: list[str] = []
    real = dedupe.successor_part

    def counted(rel: str, tag: str) -> str:
        if tag == "d":
            detached.append(rel)
        return real(rel, tag)

    monkeypatch.setattr(dedupe, "successor_part", counted)
    second = load([tmp_path / "projects"], tmp_path / "store")
    got = {Path(f.path).name: (f.status, f.rows_read, f.rows_stored, f.rows_duplicate) for f in second.files}
    assert got == {"a.jsonl": ("replaced", 2, 1, 1), "b.jsonl": ("replaced", 2, 2, 0),
                   "c.jsonl": ("unchanged", 0, 0, 0), "d.jsonl": ("unchanged", 0, 0, 0),
                   "agent-1.jsonl": ("ingested", 1, 1, 0)}
    assert scans == [3] and len(detached) == 1
    con = Store.open(tmp_path / "store").connect()
    try:
        live = "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM usage WHERE NOT _dup"
        assert con.execute(live).fetchone() == (5, 50, 105)
    finally:
        con.close()
    manifest = json.loads((tmp_path / "store" / "manifest.json").read_text())
    d = next(fe for k, fe in manifest["files"].items() if k.endswith("/d.jsonl"))
    assert (d["rows_stored"], d["rows_duplicate"]) == (0, 1)  # its reply's live copy is the sub-agent's
