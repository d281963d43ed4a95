"""Two runs at once, as real processes: one waits or exits 75 with a clear message; nothing is lost or doubled.

Writers take the store lock exclusively, readers shared (llmcost.storage.store.Store.lock). `--wait` is
how long an ingest waits for the lock; a report waits up to 30 s.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from llmcost.storage.store import Store
from tests.reliability.harness import build_inputs, change_inputs, cli, fingerprint, run_cli
from tests.reliability.invariants import check_store

ROUNDS = int(os.environ.get("LLMCOST_CONCURRENCY_ROUNDS", "1"))


def _requests(report: Path) -> int:
    return json.loads(report.read_text())["totals"]["requests"]


def test_locked_store_ingest_exits_75_and_report_waits(tmp_path: Path) -> None:
    logs = build_inputs(tmp_path, request_files=2, lines_per_file=50)
    store = tmp_path / "store"
    code, _, err, _ = run_cli("ingest", str(logs), "--store", str(store), "--quiet")
    assert code in (0, 1), err
    s = Store.open(store)
    with s.lock(exclusive=True):
        code, out, err, _ = run_cli("ingest", str(logs), "--store", str(store), "--wait", "0")
        assert code == 75, (code, out, err)
        assert err.startswith("Error: The store") and "is busy" in err and f"pid {os.getpid()}" in err, err
        assert "--wait" in err and err.count("\n") == 1, err
        report = cli("report", "--store", str(store), "--format", "json", "--out", str(tmp_path / "r.json"))
        time.sleep(2.0)
        assert report.poll() is None  # waiting for the writer, not reading a store mid-write
    _, err = report.communicate(timeout=120)
    assert report.returncode == 0, err
    assert _requests(tmp_path / "r.json") > 0


def test_two_ingests_and_a_report_at_once_lose_and_double_nothing(tmp_path: Path) -> None:
    a = build_inputs(tmp_path / "a", request_files=2, lines_per_file=200)
    b = tmp_path / "b" / "logs"
    shutil.copytree(a, b)
    change_inputs(b)  # overlapping inputs: b's rows are a's plus some
    clean = tmp_path / "clean"
    for logs in (a, b):
        code, _, err, _ = run_cli("ingest", str(logs), "--store", str(clean), "--quiet")
        assert code in (0, 1), err
    want = fingerprint(clean)["usage"][:4]
    # what a report may see: no store yet, a alone, b alone, or both (never a part of a run)
    allowed = {_report_requests(tmp_path, "both", clean)}
    for name, logs in (("a", a), ("b", b)):
        one = tmp_path / f"only-{name}"
        run_cli("ingest", str(logs), "--store", str(one), "--quiet")
        allowed.add(_report_requests(tmp_path, name, one))
    for rnd in range(ROUNDS):
        store = tmp_path / f"s{rnd}"
        procs = [cli("ingest", str(a), "--store", str(store), "--wait", "120", "--quiet"),
                 cli("ingest", str(b), "--store", str(store), "--wait", "120", "--quiet")]
        time.sleep(0.5 + rnd * 0.7)
        report = cli("report", "--store", str(store), "--format", "json", "--out", str(tmp_path / f"r{rnd}.json"))
        for p in procs:
            _, err = p.communicate(timeout=300)
            assert p.returncode in (0, 1), err
        _, err = report.communicate(timeout=300)
        if report.returncode == 0:
            # the report saw a committed state: nothing half-written
            seen = _requests(tmp_path / f"r{rnd}.json")
            assert seen in allowed | {0}, (seen, allowed)
        else:
            assert report.returncode in (3, 75), err  # 3: no store yet when it started
        assert not check_store(store)
        # the same live rows as the sequential run, whichever ingest won the lock first
        assert fingerprint(store)["usage"][:4] == want


def _report_requests(tmp_path: Path, name: str, store: Path) -> int:
    out = tmp_path / f"ref-{name}.json"
    code, _, err, _ = run_cli("report", "--store", str(store), "--format", "json", "--out", str(out))
    assert code == 0, err
    return _requests(out)


def test_two_ingests_without_wait_one_exits_75_or_both_finish(tmp_path: Path) -> None:
    logs = build_inputs(tmp_path, request_files=2, lines_per_file=200)
    clean = tmp_path / "clean"
    run_cli("ingest", str(logs), "--store", str(clean), "--quiet")
    store = tmp_path / "store"
    run_cli("ingest", str(logs / "app-0.jsonl"), "--store", str(store), "--quiet")  # the store exists
    procs = [cli("ingest", str(logs), "--store", str(store), "--wait", "0", "--quiet") for _ in range(2)]
    codes, errs = [], []
    for p in procs:
        _, err = p.communicate(timeout=300)
        codes.append(p.returncode)
        errs.append(err)
    assert all(c in (0, 1, 75) for c in codes), (codes, errs)
    assert any(c in (0, 1) for c in codes), (codes, errs)
    for c, err in zip(codes, errs, strict=True):
        if c == 75:
            assert "is busy" in err and "--wait" in err, err
    assert fingerprint(store)["usage"] == fingerprint(clean)["usage"]


def test_two_first_runs_creating_the_store_at_once(tmp_path: Path, monkeypatch) -> None:
    """The other run creates the store directory between our existence check and our mkdir
    (seen as a FileExistsError traceback, exit 1, in the concurrent test above)."""
    root = tmp_path / "store"
    real_exists = Path.exists

    def racy_exists(self: Path) -> bool:
        if self == root:
            if not real_exists(root):
                root.mkdir()  # the other process wins the race: it exists, but we saw it missing
                (root / ".lock").touch()
            return False
        return real_exists(self)

    monkeypatch.setattr(Path, "exists", racy_exists)
    store = Store.open(root, create=True)
    assert store.root == root and (root / ".lock").is_file()
