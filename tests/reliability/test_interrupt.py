"""Ctrl-C (SIGINT) during ingest and report, and stale temporary files of killed runs (issue 17).

The CLI runs as a real subprocess (tests/reliability/harness.py). Ctrl-C must give one
`Interrupted: ...` line saying what is true, exit 130, no traceback, the store's old state and its
lock free. A run killed with -9 leaves its work files; the next run removes them once they are
provably stale (their pid is gone), never those of a live run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from llmcost.storage import cleanup
from tests.reliability.harness import build_inputs, change_inputs, cli, fingerprint, run_cli

STARTED = 0.3
"""Seconds to wait after the run shows it is working, before the signal."""


def _wait_for(cond: object, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def _interrupted(err: str) -> list[str]:
    assert "Traceback" not in err, err[-3000:]
    return [line for line in err.splitlines() if line.startswith("Interrupted:")]


def test_ctrl_c_during_ingest_keeps_the_old_store_and_frees_the_lock(tmp_path: Path) -> None:
    v1 = build_inputs(tmp_path / "v1", request_files=2)
    store = tmp_path / "store"
    code, _, err, _ = run_cli("ingest", str(v1), "--store", str(store), "--quiet")
    assert code in (0, 1), err
    before = fingerprint(store)
    v2 = build_inputs(tmp_path / "v2", request_files=12, lines_per_file=3000)
    change_inputs(v2)
    interrupted = 0
    for attempt in range(3):
        proc = cli("ingest", str(v2), "--store", str(store), "--quiet")
        # the writer holds the lock: its pid is in the lock file
        assert _wait_for(lambda p=proc: f"pid {p.pid}" in (store / ".lock").read_text() or p.poll() is not None)
        time.sleep(STARTED * attempt)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        lines = _interrupted(err)
        if proc.returncode == 130:
            interrupted += 1
            assert lines == ["Interrupted: the ingest stopped before its commit, so the store keeps its "
                             "previous state."], err
            assert fingerprint(store) == before
        else:  # it finished first: then it committed
            assert proc.returncode in (0, 1), err
            break
        # the lock is free: a writer that will not wait gets it
        code, _, err, _ = run_cli("ingest", str(v1), "--store", str(store), "--quiet", "--wait", "0")
        assert code in (0, 1), err
        assert fingerprint(store) == before  # unchanged inputs: nothing to do
    assert interrupted >= 1
    staging = store / ".staging"
    assert not staging.exists() or not any(staging.iterdir())  # no staging left behind


def test_ctrl_c_during_the_report_writes_nothing(tmp_path: Path) -> None:
    logs = build_inputs(tmp_path / "v1", request_files=6, lines_per_file=2000)
    store = tmp_path / "store"
    code, _, err, _ = run_cli("ingest", str(logs), "--store", str(store), "--quiet")
    assert code in (0, 1), err
    before = fingerprint(store)
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    t0 = time.monotonic()
    code, _, err, _ = run_cli("report", "--store", str(store), "--format", "html", "--out", str(tmp_path / "full.html"))
    assert code == 0, err
    full = time.monotonic() - t0
    interrupted = 0
    for frac in (0.5, 0.7, 0.3):
        proc = cli("report", "--store", str(store), "--format", "html", "--out", str(out))
        time.sleep(full * frac)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
        lines = _interrupted(err)
        if proc.returncode == 130:
            interrupted += 1
            assert len(lines) == 1 and lines[0] in (
                "Interrupted: nothing was changed.",
                "Interrupted: no report was written and the store was not changed.",
            ), err
            assert list(out.parent.iterdir()) == []  # no report, no temporary file
        else:
            assert proc.returncode == 0, err
            out.unlink()
    assert interrupted >= 1
    assert fingerprint(store) == before


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _age(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    for p in [path, *(path.rglob("*") if path.is_dir() else [])]:
        os.utime(p, (t, t), follow_symlinks=False)


def test_kill_9_leftovers_are_removed_by_the_next_run_but_not_a_live_runs(tmp_path: Path) -> None:
    """A report on the large-window path (forced: LARGE_ROWS = 0) killed with -9 leaves its work
    database in the temp folder; the next command removes it once it is stale."""
    logs = build_inputs(tmp_path / "v1", request_files=4, lines_per_file=3000)
    store = tmp_path / "store"
    code, _, err, _ = run_cli("ingest", str(logs), "--store", str(store), "--quiet")
    assert code in (0, 1), err
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "NO_COLOR": "1"}
    code_large = "import llmcost.document.analysis as a; a.LARGE_ROWS = 0; from llmcost.cli import main; main()"
    proc = subprocess.Popen([sys.executable, "-c", code_large, "report", "--store", str(store), "--format", "json",
                             "--quiet"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert _wait_for(lambda: any(tmp.glob("llmcost-work-*.duckdb")) or proc.poll() is not None)
    assert proc.poll() is None, "the report ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = sorted(p.name for p in tmp.iterdir() if p.name.startswith("llmcost-"))
    assert any(n.startswith(f"llmcost-work-{proc.pid}-") for n in left), left

    # a live run's leftovers-to-be (this test process's and a sleeping child's pid), old as well
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        live = [tmp / f"llmcost-work-{sleeper.pid}-0123abcd.duckdb", tmp / f"llmcost-spill-{os.getpid()}"]
        live[0].write_bytes(b"x")
        live[1].mkdir()
        (live[1] / "duckdb_temp_1.tmp").write_bytes(b"x")
        recent_dead = tmp / f"llmcost-spill-{_dead_pid()}"  # dead but touched just now: kept for now
        recent_dead.mkdir()
        # every age is set from the process clock that the clean-up reads (under faketime the file
        # system would stamp the real date, a year behind the process's "now")
        _age(recent_dead, 0)
        for p in tmp.iterdir():
            if p != recent_dead:
                _age(p, cleanup.STALE_AFTER_SECONDS + 60)
        # the next run (any command) cleans up at start-up
        code, _, err, _ = run_cli_env(env, "formats")
        assert code == 0, err
        after = sorted(p.name for p in tmp.iterdir())
        assert not any(n.startswith(f"llmcost-work-{proc.pid}-") for n in after), after
        assert all(p.exists() for p in live), after
        assert recent_dead.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def run_cli_env(env: dict[str, str], *args: str) -> tuple[int, str, str, float]:
    t = time.monotonic()
    p = subprocess.run([sys.executable, "-c", "from llmcost.cli import main; main()", *args], env=env,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t


def test_stale_out_temporaries_are_removed_before_writing_again(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    dead = tmp_path / f".report.md.{_dead_pid()}-0123456789ab.tmp"
    mine = cleanup.sibling_tmp_name(target, "ba9876543210")  # this live process's
    other = tmp_path / f".other.md.{_dead_pid()}-0123456789ab.tmp"  # another target's
    for p in (dead, mine, other):
        p.write_text("half a report")
        _age(p, cleanup.STALE_AFTER_SECONDS + 60)
    from llmcost.storage.output import write_text

    write_text(target, "# report\n")
    assert target.read_text() == "# report\n"
    assert not dead.exists() and mine.exists() and other.exists()


_CALLBACK_SCRIPT = """
import decimal, signal, time
import polars as pl
from llmcost.storage import interrupt

class Digits(decimal.Decimal):
    calls = 0
    def as_tuple(self):  # polars' Rust reads each Decimal's digits through this call
        Digits.calls += 1
        if Digits.calls == 50:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C, landing inside the callback
        return super().as_tuple()

interrupt.install()
try:
    series = pl.Series("usd", [Digits("1.5")] * 200, dtype=pl.Decimal(18, 6))
    print("built", series.len(), flush=True)
    time.sleep(5)
    print("not interrupted")
except KeyboardInterrupt:
    print("interrupted", interrupt.pressed())
"""


def test_ctrl_c_inside_a_polars_callback_is_raised_after_it_not_as_a_panic() -> None:
    """A CI run, 2026-12-06: Ctrl-C landed while polars built the price table's Decimal column,
    inside Python code its Rust had called; the KeyboardInterrupt became a Rust panic printed with a
    backtrace. The press is raised once polars has returned."""
    proc = subprocess.run([sys.executable, "-c", _CALLBACK_SCRIPT], capture_output=True, text=True, timeout=60)
    assert "panicked" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == ["built 200", "interrupted True"], proc.stdout
