"""Stale temporary files of killed runs, removed at start-up (issue 17).

A run killed with -9 (or by the out-of-memory killer) cannot clean up after itself. What it can
leave, and who removes it:

- in the system temp folder: a large report's work database `llmcost-work-<pid>-<hex>.duckdb`
  (and its `.wal`), up to several GB, and DuckDB's spill folder `llmcost-spill-<pid>/` (up to
  tens of GB, `duck.attach_work_file`, `duck.bounded_config`): `clean_stale_temp`, called by
  every CLI command before it starts;
- beside an `--out` file: `.NAME.<pid>-<hex>.tmp` (`output.write_text`): `clean_stale_siblings`,
  called by the writer before it writes NAME again;
- in the store: `.staging/` and unlisted parts: `Store.collect_garbage`, run by the next writer
  under the store's exclusive lock (nothing else writes there then).

An entry is removed only when it is provably stale: the process id in its name is not running
(`kill(pid, 0)` says no such process), it belongs to the user running this, and nothing in it
was modified for `STALE_AFTER_SECONDS` (a guard for a temp folder shared across PID namespaces,
e.g. containers, where a live run's pid looks dead). A live concurrent run's files are never
touched: its pid runs. A pid reused by an unrelated process keeps the leftover until that
process ends (the safe side).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from llmcost import clock

STALE_AFTER_SECONDS = 600
"""How long a leftover must have been untouched before it may be removed (10 minutes)."""

TEMP_NAME = re.compile(r"^llmcost-(?:work-(\d+)-[0-9a-f]+\.duckdb(?:\.wal|\.tmp)?|spill-(\d+))$")
"""The temp-folder entries a run makes, with its pid (duck.attach_work_file, duck.bounded_config)."""


def pid_running(pid: int) -> bool:
    """True unless the system says no process has this id (a process of another user counts)."""
    if pid <= 0:
        return True  # not a process id we could have written: keep
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or a number too large to be a process id: keep
    return True


def _newest_mtime(path: Path) -> float:
    """The latest modification time of `path` and, for a folder, of anything inside it."""
    newest = os.lstat(path).st_mtime
    if path.is_dir() and not path.is_symlink():
        for root, dirs, files in os.walk(path):
            for name in dirs + files:
                try:
                    newest = max(newest, os.lstat(os.path.join(root, name)).st_mtime)
                except OSError:
                    continue
    return newest


def _stale(path: Path, pid: int, now: float) -> bool:
    if pid == os.getpid() or pid_running(pid):
        return False
    try:
        st = os.lstat(path)
        if st.st_uid != os.getuid():
            return False
        return now - _newest_mtime(path) >= STALE_AFTER_SECONDS
    except OSError:
        return False


def _remove(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError:
        return False
    return True


def clean_stale_temp(folder: Path | None = None) -> list[Path]:
    """Remove the stale `llmcost-work-*`/`llmcost-spill-*` entries of the temp folder; return them.
    Never raises: a leftover that cannot be removed now is tried again by the next run."""
    where = Path(folder or tempfile.gettempdir())
    removed: list[Path] = []
    now = clock.wall_now().timestamp()  # file ages: the real clock, never LLMCOST_TODAY
    try:
        entries = list(os.scandir(where))
    except OSError:
        return removed
    for entry in entries:
        m = TEMP_NAME.match(entry.name)
        if not m:
            continue
        path = Path(entry.path)
        if _stale(path, int(m.group(1) or m.group(2)), now) and _remove(path):
            removed.append(path)
    return removed


def sibling_tmp_name(target: Path, token: str) -> Path:
    """The temporary file `output.write_text` writes before renaming it over `target`."""
    return target.with_name(f".{target.name}.{os.getpid()}-{token}.tmp")


def clean_stale_siblings(target: Path) -> list[Path]:
    """Remove stale `.NAME.<pid>-<hex>.tmp` files beside `target` (left by killed writers)."""
    pat = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)-[0-9a-f]+\.tmp$")
    removed: list[Path] = []
    now = clock.wall_now().timestamp()  # file ages: the real clock, never LLMCOST_TODAY
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        m = pat.match(entry.name)
        if m and not entry.is_dir(follow_symlinks=False):
            path = Path(entry.path)
            if _stale(path, int(m.group(1)), now) and _remove(path):
                removed.append(path)
    return removed
