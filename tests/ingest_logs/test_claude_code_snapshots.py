"""Claude Code replies written as growing snapshots: one request per (message.id, requestId),
counts the per-field maximum of its lines wherever and whenever they arrive (issue 22).

The fixture `tests/fixtures/claude_code_snapshots/projects/` is laid out like ~/.claude/projects:

    -home-dev-app/11111111-...-001.jsonl                       A: main session, current version
    -home-dev-app/33333333-...-003.jsonl                       C: a resumed session replaying A
    -home-dev-app/11111111-...-001/subagents/agent-a7f3e.jsonl B: a sub-agent of A
    -home-dev-old/22222222-...-002.jsonl                       D: an old version (full count first)
    -home-dev-legacy/session-legacy/chat.jsonl                 E: lines without `type` (ccusage style)

Counted by hand from the lines (in = input, cr = cache read, cw = cache write, out = output):

    msg_01/req_01  A2-4 out 1, 57, 212 (growing)            in 8   cr 0     cw 4000  out 212
    msg_02/req_02  A6-7 out 2, 148; C2 replays 148          in 3   cr 4000  cw 650   out 148
    msg_03/req_03  A11 out 1 (A stops there); C3 out 96     in 5   cr 4650  cw 1200  out 96  (1h 1200)
    msg_04/req_04  C5-6 out 1, 41                           in 4   cr 5850  cw 300   out 41
    msg_S1/req_S1  B2-4 out 4, 4, 389 (sub-agent)           in 12  cr 0     cw 3000  out 389
    msg_S2 (no requestId) B5-6 out 75, 310                  in 20  cr 3000  cw 0     out 310
    msg_L1/req_L1  D2 full 530 ($0.0174), D3 delta 6        in 40  cr 0     cw 2500  out 530
    msg_L2/req_L2  D5 full 260 ($0.0081), D6-7 deltas 3, 2  in 7   cr 2500  cw 900   out 260
    msg_T1/req_T1  E1 (no `type`)                           in 100 cr 10    cw 25    out 50
    msg_T2/req_T2  E2-3 out 20, 70 (no `type`)              in 200 cr 20    cw 50    out 70
    A8: `<synthetic>` API-error reply, all-zero usage: read, skipped. D8: cut-off line: quarantined.

    10 requests; in 399; cr 20,030; cw 12,625 (1h 1,200); out 2,106; stated cost $0.0255.
    Lines read 25 = A 7 + B 5 + C 4 + D 6 + E 3 (user, summary and system lines are not read);
    stored 10, skipped 1, quarantined 1, duplicates 25 - 10 - 1 - 1 = 13:
    A 4 (msg_01 x2, msg_02, msg_03: C holds its larger copy), B 3, C 2 (msg_02 ties A's copy and
    the earlier file keeps it; msg_04), D 3, E 1.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store
from tests.reliability.invariants import check_results, check_store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "claude_code_snapshots" / "projects"
A_SID = "11111111-aaaa-4000-8000-000000000001"
C_SID = "33333333-cccc-4000-8000-000000000003"
A = f"-home-dev-app/{A_SID}.jsonl"
B = f"-home-dev-app/{A_SID}/subagents/agent-a7f3e.jsonl"
C = f"-home-dev-app/{C_SID}.jsonl"
D = "-home-dev-old/22222222-bbbb-4000-8000-000000000002.jsonl"
E = "-home-dev-legacy/session-legacy/chat.jsonl"

HAND_TOTALS = {"requests": 10, "input": 399, "cache_read": 20030, "cache_write": 12625, "cache_write_1h": 1200,
               "output": 2106, "reported_cost_usd": Decimal("0.0255")}
# file -> (read, stored, duplicate, skipped, quarantined), from the table above
HAND_FILES = {A: (7, 2, 4, 1, 0), B: (5, 2, 3, 0, 0), C: (4, 2, 2, 0, 0), D: (6, 2, 3, 0, 1), E: (3, 2, 1, 0, 0)}
# UTC day -> (in, cr, cw, out): A, B, C on 11-02; D on 11-03; E on 11-04
HAND_DAILY = {"2026-11-02": (52, 17500, 9150, 1196), "2026-11-03": (47, 2500, 3400, 790),
              "2026-11-04": (300, 30, 75, 120)}


def _totals(store: Path) -> dict[str, object]:
    con = Store.open(store).connect()
    row = con.execute(
        """SELECT sum(request_count), sum(input_tokens), sum(cache_read_tokens), sum(cache_write_tokens),
                  sum(cache_write_1h_tokens), sum(output_tokens), sum(reported_cost_usd) FROM usage"""
    ).fetchone()
    con.close()
    assert row is not None
    keys = ("requests", "input", "cache_read", "cache_write", "cache_write_1h", "output", "reported_cost_usd")
    return dict(zip(keys, row, strict=True))


def _output_of(store: Path, event_id: str) -> list[int]:
    con = Store.open(store).connect()
    out = [r[0] for r in con.execute("SELECT output_tokens FROM usage WHERE event_id = ?", [event_id]).fetchall()]
    con.close()
    return out


def _files(store: Path, root: Path) -> dict[str, tuple[int, int, int, int, int]]:
    manifest = Store.open(store).read_manifest()
    return {
        Path(k).relative_to(root.resolve()).as_posix():
            (f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_skipped, f.rows_quarantined)
        for k, f in manifest.files.items()
    }


def test_fixture_gives_the_hand_counted_totals(tmp_path: Path) -> None:
    result = load([FIXTURE], tmp_path / "store")
    assert sorted(f.status for f in result.files) == ["ingested"] * 5
    assert check_results(result.files) == []
    assert _totals(tmp_path / "store") == HAND_TOTALS
    assert _files(tmp_path / "store", FIXTURE) == HAND_FILES
    assert check_store(tmp_path / "store") == []
    con = Store.open(tmp_path / "store").connect()
    daily = {d: (i, r, w, o) for d, i, r, w, o in con.execute(
        """SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d'), sum(input_tokens), sum(cache_read_tokens),
                  sum(cache_write_tokens), sum(output_tokens) FROM usage GROUP BY 1"""
    ).fetchall()}
    assert daily == HAND_DAILY
    # keyed by message.id alone without requestId; the sub-agent's rows stay in its sidechain
    rows = dict(con.execute("SELECT event_id, conversation_id FROM usage").fetchall())
    assert rows["msg_S2"] == rows["msg_S1:req_S1"] == f"{A_SID}:sidechain:a7f3e"
    assert rows["msg_02:req_02"] == A_SID and rows["msg_03:req_03"] == C_SID


def test_reingest_changes_nothing(tmp_path: Path) -> None:
    load([FIXTURE], tmp_path / "store")
    manifest = (tmp_path / "store" / "manifest.json").read_text()
    again = load([FIXTURE], tmp_path / "store")
    assert {f.status for f in again.files} == {"unchanged"}
    assert (tmp_path / "store" / "manifest.json").read_text() == manifest
    assert _totals(tmp_path / "store") == HAND_TOTALS


def test_files_in_any_order_and_any_runs_give_the_same_totals(tmp_path: Path) -> None:
    # C (the larger msg_03) before A, each file in its own run, in reverse order
    store = tmp_path / "store"
    for rel in (E, D, C, B, A):
        load([FIXTURE / rel], store)
    assert _totals(store) == HAND_TOTALS
    assert check_store(store) == []
    by_file = {Path(k).name: v[1:4] for k, v in _files(store, FIXTURE).items()}
    # A's msg_02 now is the later copy (C came first) and its msg_03 lost to C's at once
    assert by_file[Path(A).name] == (1, 5, 1) and by_file[Path(C).name] == (3, 1, 0)


def _session(tmp: Path) -> tuple[Path, list[str]]:
    lines = (FIXTURE / A).read_text().splitlines(keepends=True)
    proj = tmp / "projects" / "-home-dev-app"
    proj.mkdir(parents=True)
    return proj / f"{A_SID}.jsonl", lines


def test_later_run_final_snapshot_in_the_same_file_raises_the_count(tmp_path: Path) -> None:
    path, lines = _session(tmp_path)
    store = tmp_path / "store"
    path.write_text("".join(lines[:3]))  # msg_01 has streamed 57 of its 212 output tokens
    load([tmp_path / "projects"], store)
    assert _output_of(store, "msg_01:req_01") == [57]
    path.write_text("".join(lines))  # the session file grew: its final snapshot says 212
    result = load([tmp_path / "projects"], store)
    assert [f.status for f in result.files] == ["replaced"]
    assert _output_of(store, "msg_01:req_01") == [212]
    # A alone: msg_01 212 + msg_02 148 + msg_03 1 (its final snapshot is in C, not here)
    assert _totals(store)["output"] == 212 + 148 + 1
    assert _files(store, tmp_path / "projects") == {A: (7, 3, 3, 1, 0)}
    assert check_store(store) == []


def test_later_run_final_snapshot_in_another_file_raises_the_count(tmp_path: Path) -> None:
    path, lines = _session(tmp_path)
    store = tmp_path / "store"
    path.write_text("".join(lines))  # msg_03 stops at 1 output token in A
    load([tmp_path / "projects"], store)
    assert _output_of(store, "msg_03:req_03") == [1]
    shutil.copy(FIXTURE / C, path.parent / Path(C).name)  # the resumed session holds its final 96
    load([tmp_path / "projects"], store)
    assert _output_of(store, "msg_03:req_03") == [96]
    # A: 212 + 148 (msg_03 now a duplicate); C: msg_03 96 + msg_04 41 (its msg_02 a duplicate)
    assert _totals(store)["output"] == 212 + 148 + 96 + 41
    files = _files(store, tmp_path / "projects")
    assert files[A] == (7, 2, 4, 1, 0) and files[C] == (4, 2, 2, 0, 0)
    # A grows later with msg_03's final line: a tie with C's copy; nothing doubles. A replaced file
    # comes after C in ingest order, so C keeps the tied copies (msg_03, and now msg_02 too)
    path.write_text("".join(lines) + (FIXTURE / C).read_text().splitlines(keepends=True)[2])
    assert [f.status for f in load([tmp_path / "projects"], store).files if f.status != "unchanged"] == ["replaced"]
    assert _output_of(store, "msg_03:req_03") == [96]
    assert _totals(store)["output"] == 212 + 148 + 96 + 41
    files = _files(store, tmp_path / "projects")
    assert files[A] == (8, 1, 6, 1, 0) and files[C] == (4, 3, 1, 0, 0)
    assert check_store(store) == []


def test_replacing_the_file_with_the_live_copy_elects_the_remaining_copy(tmp_path: Path) -> None:
    path, lines = _session(tmp_path)
    store = tmp_path / "store"
    other = path.parent / "other.jsonl"
    other.write_text(lines[1])  # msg_01's first snapshot only: 1 output token
    path.write_text("".join(lines[:4]))  # msg_01 up to its final 212
    load([tmp_path / "projects"], store)
    assert _output_of(store, "msg_01:req_01") == [212]
    path.write_text(lines[0])  # the session file now holds no reply at all
    load([tmp_path / "projects"], store)
    assert _output_of(store, "msg_01:req_01") == [1]
    assert check_store(store) == []


def test_reply_streamed_across_a_month_end_is_one_request(tmp_path: Path) -> None:
    path, lines = _session(tmp_path)
    store = tmp_path / "store"
    first = lines[1].replace("2026-11-02T09:00:03.000Z", "2026-10-31T23:59:59.500Z")
    final = lines[3].replace("2026-11-02T09:00:06.000Z", "2026-11-01T00:00:01.000Z")
    path.write_text(first)
    load([tmp_path / "projects"], store)
    (path.parent / "resumed.jsonl").write_text(final)
    load([tmp_path / "projects"], store)
    assert _output_of(store, "msg_01:req_01") == [212]
    assert _totals(store)["requests"] == 1


def test_cli_and_report_show_the_skipped_reply(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from llmcost.cli import app

    store = str(tmp_path / "store")
    res = CliRunner().invoke(app, ["ingest", str(FIXTURE), "--store", store])
    assert res.exit_code == 0, res.output
    assert "25 rows read = 10 stored + 13 duplicate + 1 skipped + 1 quarantined" in res.output
    res = CliRunner().invoke(app, ["report", "--store", store, "--section", "ingest"])
    assert res.exit_code == 0, res.output
    header = next(line for line in res.output.splitlines() if line.startswith("source"))
    assert header.split() == ["source", "files", "read", "stored", "duplicate", "skipped", "quarantined"]
