"""Kill -9 trials: an ingest killed at a random moment, then re-run, equals a clean run.

Used by tests/reliability/test_crash.py (a few trials in CI) and bench/reliability_trials.py
(100 trials, figures in docs/reliability.md).
"""

from __future__ import annotations

import random
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability.harness import build_inputs, change_inputs, cli, fingerprint, run_cli
from tests.reliability.invariants import check_store


@dataclass
class KillSetup:
    work: Path
    logs_v1: Path
    logs_v2: Path
    base: Path  # a store after a clean run of v1
    base_fp: dict
    final_fp: dict  # a clean v1 run then a clean v2 run
    clean_seconds: float  # one v2 ingest as a subprocess, start to exit


@dataclass
class KillStats:
    trials: int = 0
    killed_mid_run: int = 0
    finished_before_kill: int = 0
    left_as_before: int = 0
    left_committed: int = 0
    differences: list[str] = field(default_factory=list)


def setup(work: Path, request_files: int = 8) -> KillSetup:
    v1 = build_inputs(work / "v1", request_files=request_files)
    v2 = work / "v2" / "logs"
    shutil.copytree(v1, v2)
    change_inputs(v2)
    base = work / "base"
    code, _, err, _ = run_cli("ingest", str(v1), "--store", str(base), "--quiet")
    assert code in (0, 1), err
    final = work / "final"
    shutil.copytree(base, final)
    code, _, err, seconds = run_cli("ingest", str(v2), "--store", str(final), "--quiet")
    assert code in (0, 1), err
    return KillSetup(work, v1, v2, base, fingerprint(base), fingerprint(final), seconds)


def trial(s: KillSetup, delay: float, stats: KillStats, n: int) -> None:
    store = s.work / f"trial{n}"
    shutil.rmtree(store, ignore_errors=True)
    shutil.copytree(s.base, store)
    proc = cli("ingest", str(s.logs_v2), "--store", str(store), "--quiet")
    time.sleep(delay)
    finished = proc.poll() is not None
    if not finished:
        proc.send_signal(signal.SIGKILL)
    proc.communicate()
    stats.trials += 1
    if finished:
        stats.finished_before_kill += 1
    else:
        stats.killed_mid_run += 1
    # straight after the kill: the store is either as before the run or fully committed
    problems = check_store(store)
    after_kill = fingerprint(store)
    if after_kill == s.base_fp:
        stats.left_as_before += 1
    elif after_kill == s.final_fp:
        stats.left_committed += 1
    else:
        problems.append("after the kill the store is neither the old state nor the committed one")
    code, _, err, _ = run_cli("ingest", str(s.logs_v2), "--store", str(store), "--quiet")
    if code not in (0, 1):
        problems.append(f"re-run exited {code}: {err.strip()[:300]}")
    problems += check_store(store)
    if fingerprint(store) != s.final_fp:
        problems.append("after the re-run the store differs from a clean run")
    if problems:
        stats.differences += [f"trial {n} (kill after {delay:.2f}s): {p}" for p in problems]
    shutil.rmtree(store, ignore_errors=True)


def run_trials(work: Path, count: int, seed: int, request_files: int = 8) -> tuple[KillSetup, KillStats]:
    s = setup(work, request_files)
    r = random.Random(seed)
    stats = KillStats()
    for n in range(count):
        trial(s, r.uniform(0.0, s.clean_seconds * 1.05), stats, n)
    return s, stats


def _parts(store: Path) -> list[str]:
    from llmcost.storage.schema import TABLES
    from llmcost.storage.store import Store

    m = Store.open(store).read_manifest()
    return sorted(p for t in TABLES for p in m.parts(t))


@dataclass
class CompactStats:
    trials: int = 0
    killed_mid_run: int = 0
    left_as_before: int = 0
    left_compacted: int = 0
    parts_before: int = 0
    parts_after: int = 0
    differences: list[str] = field(default_factory=list)


def run_compact_trials(work: Path, count: int, seed: int, request_files: int = 3) -> CompactStats:
    """`llmcost-forecast compact` killed at random moments: straight after the kill the store has
    its old parts or the compacted ones, and reads the same either way; a re-run compacts it."""
    logs = build_inputs(work / "v1", request_files=request_files)
    base = work / "base"
    # one run per file: one part per file and month, the shape compaction merges
    for f in sorted(p for p in logs.rglob("*") if p.is_file()):
        code, _, err, _ = run_cli("ingest", str(f), "--store", str(base), "--quiet")
        assert code in (0, 1), err
    base_fp, base_parts = fingerprint(base), _parts(base)
    clean = work / "clean"
    shutil.copytree(base, clean)
    code, _, err, seconds = run_cli("compact", "--store", str(clean), "--quiet")
    assert code == 0, err
    stats = CompactStats(parts_before=len(base_parts), parts_after=len(_parts(clean)))
    if fingerprint(clean) != base_fp or check_store(clean):
        stats.differences.append("a clean compact changed what a reader sees")
    r = random.Random(seed)
    for n in range(count):
        delay = r.uniform(0.0, seconds * 1.05)
        store = work / f"ctrial{n}"
        shutil.copytree(base, store)
        proc = cli("compact", "--store", str(store), "--quiet")
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            stats.killed_mid_run += 1
        proc.communicate()
        stats.trials += 1
        problems = check_store(store)
        parts = _parts(store)
        if parts == base_parts:
            stats.left_as_before += 1
        elif len(parts) == stats.parts_after:
            stats.left_compacted += 1
        else:
            problems.append(f"after the kill the store has {len(parts)} parts: neither the old nor the compacted set")
        if fingerprint(store) != base_fp:
            problems.append("after the kill a reader sees other rows")
        code, _, err, _ = run_cli("compact", "--store", str(store), "--quiet")
        if code != 0:
            problems.append(f"re-run exited {code}: {err.strip()[:300]}")
        problems += check_store(store)
        if len(_parts(store)) != stats.parts_after or fingerprint(store) != base_fp:
            problems.append("after the re-run the store differs from a clean compact")
        stats.differences += [f"compact trial {n} (kill after {delay:.2f}s): {p}" for p in problems]
        shutil.rmtree(store, ignore_errors=True)
    return stats
