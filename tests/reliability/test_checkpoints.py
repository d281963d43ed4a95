"""A long run commits as it goes (issue 17: a kill lost hours of a large run), archives have a
member limit, and the busy-store message never names a process that is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from llmcost.errors import StoreLockedError
from llmcost.ingest import files as files_mod
from llmcost.ingest.loader import load
from llmcost.storage.store import Store
from tests.reliability.harness import build_inputs, fingerprint
from tests.reliability.invariants import check_store

KILL_AT = 3
"""The run kills itself when it reaches this file (0-based, in walk order)."""


def _killed_run(store: Path, logs: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Ingest `logs` into `store` in a child process whose progress callback kills it (SIGKILL: no
    cleanup runs) as it reaches file KILL_AT."""
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from llmcost.ingest.loader import Loader
        from llmcost.storage.store import Store
        def progress(name, i, n):
            if i == {KILL_AT}:
                os.kill(os.getpid(), signal.SIGKILL)
        Loader(Store.open(Path({str(store)!r}), create=True), progress=progress).run([Path({str(logs)!r})])
    """)
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)


def test_a_killed_long_run_keeps_what_it_committed_and_the_rerun_equals_a_clean_run(tmp_path: Path) -> None:
    logs = build_inputs(tmp_path / "in", request_files=6, lines_per_file=50)
    files = sorted(p.name for p in logs.iterdir())
    assert len(files) > KILL_AT + 1
    store = tmp_path / "store"
    # checkpoint before every file: files 0 .. KILL_AT-1 were committed by the checkpoint
    p = _killed_run(store, logs, {**os.environ, "LLMCOST_CHECKPOINT_SECONDS": "0"})
    assert p.returncode == -9, p.stderr
    assert check_store(store) == []
    committed = Store.open(store).read_manifest().files
    assert len(committed) == KILL_AT, sorted(committed)
    # the re-run adds the rest; the store then equals one made by a clean run
    load([logs], store)
    clean = tmp_path / "clean"
    load([logs], clean)
    assert check_store(store) == []
    assert fingerprint(store) == fingerprint(clean)


def test_without_checkpoints_a_kill_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    """The default (a checkpoint a minute) does not fire in a short run: all or nothing."""
    logs = build_inputs(tmp_path / "in", request_files=6, lines_per_file=50)
    store = tmp_path / "store"
    p = _killed_run(store, logs, {k: v for k, v in os.environ.items() if k != "LLMCOST_CHECKPOINT_SECONDS"})
    assert p.returncode == -9, p.stderr
    assert not (store / "manifest.json").exists() or not Store.open(store).read_manifest().files


def test_an_archive_over_the_member_limit_is_refused_with_a_message(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(files_mod, "MAX_ARCHIVE_MEMBERS", 5)
    logs = build_inputs(tmp_path / "in", request_files=2, lines_per_file=10)
    many = tmp_path / "logs" / "many.zip"
    many.parent.mkdir()
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(6):
            zf.writestr(f"part-{i}.jsonl", (logs / "app-0.jsonl").read_text())
    result = load([many.parent], tmp_path / "store")
    (f,) = result.files
    assert f.status == "failed"
    assert "holds 6 files, over the limit of 5 per archive" in f.message and "Fix:" in f.message


def test_the_busy_message_names_a_live_writer_but_not_a_dead_one(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store", create=True)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id that has just ended
    (store.root / ".lock").write_text(f"pid {gone.pid} (since 2026-01-01 00:00:00 UTC)")
    with store.lock(exclusive=False):
        with pytest.raises(StoreLockedError) as e:
            with Store(store.root).lock(exclusive=True):
                pass
    assert f"pid {gone.pid}" not in str(e.value)
    assert "another run (a report or another reader of the store)" in str(e.value)
    # a live holder is named: this process
    (store.root / ".lock").write_text(f"pid {os.getpid()} (since 2026-01-01 00:00:00 UTC)")
    with store.lock(exclusive=False):
        with pytest.raises(StoreLockedError) as e:
            with Store(store.root).lock(exclusive=True):
                pass
    assert f"pid {os.getpid()}" in str(e.value)


def test_a_process_id_too_large_for_the_system_is_kept_not_a_traceback(tmp_path: Path) -> None:
    """`llmcost-spill-99999999999999999999` in the temp folder made every command's start-up
    clean-up raise OverflowError (os.kill takes a C long); such an entry is not ours: kept."""
    from llmcost.storage.cleanup import clean_stale_temp

    odd = tmp_path / "llmcost-spill-99999999999999999999"
    odd.mkdir()
    assert clean_stale_temp(tmp_path) == []
    assert odd.exists()
    store = Store.open(tmp_path / "store", create=True)
    (store.root / ".lock").write_text("pid 99999999999999999999 (since 2026-01-01 00:00:00 UTC)")
    with store.lock(exclusive=False):
        with pytest.raises(StoreLockedError) as e:
            with Store(store.root).lock(exclusive=True):
                pass
    assert "pid 99999999999999999999" in str(e.value)  # shown as written, as before
