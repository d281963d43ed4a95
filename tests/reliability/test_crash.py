"""Crash safety in CI: a few kill -9 trials at random moments of an ingest over a mixed input set.

Each trial starts from a populated store, runs `llmcost-forecast ingest` on changed inputs (a file
grown, a file added, bucket exports restating each other), kills it after a random delay, checks
the store is exactly the old state or the committed new one, re-runs, and compares everything a
reader sees with a clean run. bench/reliability_trials.py runs 100 of these.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.reliability.crash import run_compact_trials, run_trials

TRIALS = int(os.environ.get("LLMCOST_KILL_TRIALS", "3"))


def test_random_kill_9_then_rerun_equals_clean_run(tmp_path: Path) -> None:
    seed = int(os.environ.get("LLMCOST_FUZZ_SEED", "20261124"))
    s, stats = run_trials(tmp_path, TRIALS, seed=seed, request_files=3)
    assert stats.trials == TRIALS
    assert not stats.differences, "\n".join(stats.differences)
    assert s.base_fp != s.final_fp  # the changed inputs change the store: the trials test something


def test_random_kill_9_of_compact_leaves_old_or_new_parts(tmp_path: Path) -> None:
    seed = int(os.environ.get("LLMCOST_FUZZ_SEED", "20261124"))
    stats = run_compact_trials(tmp_path, TRIALS, seed=seed)
    assert stats.trials == TRIALS
    assert not stats.differences, "\n".join(stats.differences)
    assert stats.parts_after < stats.parts_before  # compaction merged parts: the trials test something
