"""The Parquet store: layout, manifest, quarantine, atomic commits and the lock.

Layout of a store directory::

    manifest.json                 the one commit point: ingested files and the live Parquet parts
    usage/month=YYYY-MM/*.parquet canonical usage rows, one part per (ingested file or batch of
                                  files, month); a part's rows belong to the file whose `_seq` they carry
    costs/month=YYYY-MM/*.parquet billed money lines from cost exports
    quarantine/*.jsonl            rejected rows: file, line, reason, shape (raw text, masked, only with --keep-text)
    .lock                         flock held by writers (exclusive) and readers (shared)
    .filestat.json                size, mtime and sha256 of each input when last read (a cache for re-runs)
    .staging/                     work in progress; anything here or unlisted is garbage

A run writes new parts first and then replaces `manifest.json` atomically (write, fsync,
`os.replace`). A run killed at any point therefore leaves the previous manifest in force, and the
parts it wrote are unlisted orphans that readers never see and the next writer deletes.

Duplicates: every part keeps a `_dup` flag. Rows sharing an `event_id` across files are all
stored, and exactly one of them is live: for requests the earliest ingested file wins (a
re-sent copy changes nothing); for provider buckets the latest wins (exports restate periods);
for formats that write one request as growing snapshots (`Ingestor.snapshots`, Claude Code) the
copy with the largest counts wins and carries the per-field maximum over all copies.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from llmcost import __version__, clock, interrupt
from llmcost.cleanup import pid_running
from llmcost.errors import StoreError, StoreLockedError, UsageError
from llmcost.schema import TABLES, arrow_schema, duckdb_types

MANIFEST = "manifest.json"
STORE_FORMAT = "llmcost-store"
STORE_VERSION = 2
"""2: a part may hold the rows of many files (a batch, or merged by compaction), each row's file
named by its `_seq`. A version-1 reader would read such a part once per file that lists it, so it
is told to upgrade instead; version-1 stores read as they are."""
DEFAULT_STORE = Path(".llmcost")
MAX_WAIT = 7 * 86400
"""The longest `--wait` for the store's lock: a week (a longer wait is a mistake, not a plan)."""


def default_store() -> Path:
    """`--store` default: $LLMCOST_STORE, else ./.llmcost in the working directory."""
    env = os.environ.get("LLMCOST_STORE")
    return Path(env) if env else DEFAULT_STORE


@dataclass
class FileEntry:
    """One ingested input file, as recorded in the manifest."""

    path: str
    size: int
    sha256: str
    ingestor: str
    table: str
    seq: int
    ingested_at: str
    rows_read: int = 0
    rows_stored: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    # records read that the format marks as not usage (a Claude Code reply with no API call):
    # rows_read = rows_stored + rows_duplicate + rows_skipped + rows_quarantined
    rows_skipped: int = 0
    parts: list[str] = field(default_factory=list)
    quarantine: str | None = None
    months: list[str] = field(default_factory=list)
    derived_from: str | None = None
    """Set on the rows a format derives from a file into its other table (`Ingestor.derived`):
    the manifest key of that file. Such an entry is replaced and dropped with the file."""
    labels: dict[str, str] | None = None
    """--label KEY=VALUE the file's rows were stored with (their run_labels)."""

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for optional in ("derived_from", "labels"):
            if out[optional] is None:
                del out[optional]  # entries without them read as before these fields existed
        return out


@dataclass
class Manifest:
    files: dict[str, FileEntry] = field(default_factory=dict)
    next_seq: int = 1
    created_by: str = f"llmcost-forecast {__version__}"

    def parts(self, table: str, months: set[str] | None = None) -> list[str]:
        out = set()  # a part written by a batch is listed by each of its files
        for f in self.files.values():
            if f.table != table:
                continue
            for p in f.parts:
                if months is None or _part_month(p) in months:
                    out.add(p)
        return sorted(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": STORE_FORMAT,
            "version": STORE_VERSION,
            "created_by": self.created_by,
            "next_seq": self.next_seq,
            "files": {k: v.to_json() for k, v in sorted(self.files.items())},
        }


def _inside(relpath: object) -> bool:
    """A manifest path that stays inside the store (relative, no `..`)."""
    if not isinstance(relpath, str) or not relpath or relpath.startswith(("/", "\\")):
        return False
    return ".." not in relpath.replace("\\", "/").split("/")


def _part_month(relpath: str) -> str:
    for piece in relpath.split("/"):
        if piece.startswith("month="):
            return piece[len("month=") :]
    return ""


class Store:
    """A store directory. Use `Store.open(dir)`; writes go through `Store.writer()`."""

    def __init__(self, root: Path):
        self.root = root

    # ---- opening and validation -------------------------------------------------------------
    @classmethod
    def open(cls, root: Path, create: bool = False) -> Store:
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise StoreError(f"Store path {root} is a file, not a directory. Fix: pass --store DIR.")
        if not root.exists():
            if not create:
                raise StoreError(
                    f"No store at {root}. Fix: ingest first (`llmcost-forecast ingest PATH --store {root}`) "
                    "or point --store / LLMCOST_STORE at an existing store."
                )
            # exist_ok: another run may create it between the check and here (two first ingests
            # at once); the contents are checked next either way
            root.mkdir(parents=True, exist_ok=True)
        store = cls(root)
        if (root / MANIFEST).exists():
            store.read_manifest()  # validates
        else:
            # A first run that committed nothing (every file failed, or killed) leaves only the
            # lock and work folders: that is an empty store. Anything else is someone's directory,
            # which a writer must not adopt (its garbage collection deletes unlisted files).
            own = {".lock", ".staging", ".filestat.json", *TABLES, "quarantine"}
            if any(p.name not in own and not p.name.startswith(f".{MANIFEST}.") for p in root.iterdir()):
                raise StoreError(
                    f"{root} is not an llmcost store (no {MANIFEST}) and is not empty. "
                    "Fix: use an empty or new directory for --store."
                )
        return store

    def read_manifest(self) -> Manifest:
        path = self.root / MANIFEST
        if not path.exists():
            return Manifest()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise StoreError(
                f"The store manifest {path} is corrupted ({e}). Fix: restore it from a backup, or delete the "
                "store directory and ingest again."
            ) from None
        if not isinstance(data, dict) or data.get("format") != STORE_FORMAT:
            raise StoreError(
                f"{path} is not an llmcost-forecast manifest. Fix: point --store at an llmcost store or an empty "
                "directory."
            )
        if data.get("version", 0) > STORE_VERSION:
            raise StoreError(
                f"The store at {self.root} was written by a newer llmcost-forecast (store version "
                f"{data['version']}). Fix: upgrade llmcost-forecast."
            )
        fix = "Fix: restore it from a backup, or delete the store directory and ingest again."
        raw_files, next_seq = data.get("files", {}), data.get("next_seq", 1)
        if not isinstance(raw_files, dict) or not isinstance(next_seq, int) or isinstance(next_seq, bool):
            raise StoreError(f"The store manifest {path} is malformed (files or next_seq has the wrong type). {fix}")
        files = {}
        for key, entry in raw_files.items():
            try:
                if not isinstance(entry, dict):
                    raise TypeError("not an object")
                files[key] = FileEntry(**entry)
            except TypeError as e:
                raise StoreError(f"The store manifest {path} has a malformed entry for {key}: {e}. {fix}") from None
            fe = files[key]
            listed = [*fe.parts, *([fe.quarantine] if fe.quarantine else [])] if isinstance(fe.parts, list) else [0]
            if not all(_inside(p) for p in listed):
                # a part outside the store would be read by reports and deleted when its file is replaced
                raise StoreError(f"The store manifest {path} lists a path outside the store for {key}. {fix}")
        return Manifest(files=files, next_seq=next_seq, created_by=str(data.get("created_by", "")))

    def checked_manifest(self) -> Manifest:
        """The manifest, after checking every live part is there and is Parquet (StoreError if not)."""
        manifest = self.read_manifest()
        problems = self.verify(manifest)
        if problems:
            raise StoreError(
                f"The store {self.root} is damaged: {'; '.join(problems[:3])}. Fix: delete the store "
                "directory and ingest again (inputs are never modified)."
            )
        return manifest

    def verify(self, manifest: Manifest | None = None) -> list[str]:
        """Problems with the live parts (missing or not Parquet); empty when healthy."""
        manifest = manifest or self.read_manifest()
        problems = []
        for table in TABLES:
            for rel in manifest.parts(table):
                p = self.root / rel
                if not p.is_file():
                    problems.append(f"missing part {rel}")
                    continue
                size = p.stat().st_size
                head = tail = b""
                footer = 0
                if size >= 12:
                    with open(p, "rb") as fh:
                        head = fh.read(4)
                        fh.seek(-8, os.SEEK_END)
                        footer = int.from_bytes(fh.read(4), "little")
                        tail = fh.read(4)
                # magic at both ends and a footer length that fits the file (a truncated or
                # overwritten part fails one of these)
                if head != b"PAR1" or tail != b"PAR1" or not 0 < footer <= size - 12:
                    problems.append(f"part {rel} is not a Parquet file (corrupted or foreign)")
        return problems

    # ---- locking -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, exclusive: bool, wait: float = 0.0) -> Iterator[None]:
        """Hold the store lock. Writers are exclusive; readers share. Waits up to `wait` seconds."""
        if not (isinstance(wait, int | float) and math.isfinite(wait) and 0 <= wait <= MAX_WAIT):
            # `--wait nan` waited forever (no time is >= nan), inf too (issue 17)
            raise UsageError(f"--wait {wait} is not a number of seconds this tool can wait. Fix: give 0 to "
                             f"{MAX_WAIT:,} seconds, e.g. --wait 30.")
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".lock", "a+")
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = _lock_holder(fh.read().strip())
                    fh.close()
                    raise StoreLockedError(
                        f"The store {self.root} is busy: {holder} holds its lock. Fix: wait for it to finish "
                        "and run again, or pass --wait SECONDS to wait for the lock."
                    ) from None
                time.sleep(0.1)
        try:
            if exclusive:
                fh.seek(0)
                fh.truncate()
                fh.write(f"pid {os.getpid()} (since {clock.wall_now():%Y-%m-%d %H:%M:%S} UTC)")
                fh.flush()
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

    # ---- writing -----------------------------------------------------------------------------
    def write_manifest(self, manifest: Manifest) -> None:
        """Atomically replace the manifest: the commit point of every write."""
        interrupt.check()  # Ctrl-C pressed during the run (maybe swallowed as a bad file): no commit
        tmp = self.root / f".{MANIFEST}.{uuid.uuid4().hex}.tmp"
        # compact: json's C encoder (an indent makes it use the pure-Python one, 5x slower on
        # thousands of entries)
        data = json.dumps(manifest.to_json(), separators=(",", ":"))
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / MANIFEST)
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def staging_dir(self) -> Path:
        d = self.root / ".staging" / uuid.uuid4().hex
        d.mkdir(parents=True)
        return d

    def collect_garbage(self, manifest: Manifest) -> int:
        """Delete staging leftovers and parts no manifest lists (left by a killed run)."""
        removed = 0
        shutil.rmtree(self.root / ".staging", ignore_errors=True)
        for p in [*self.root.glob(".manifest.json.*.tmp"), *self.root.glob(".filestat.json.*.tmp")]:
            p.unlink(missing_ok=True)
        live = {p for t in TABLES for p in manifest.parts(t)}
        live |= {f.quarantine for f in manifest.files.values() if f.quarantine}
        for sub in (*TABLES, "quarantine"):
            base = self.root / sub
            if not base.exists():
                continue
            for p in base.rglob("*"):
                if p.is_file() and p.relative_to(self.root).as_posix() not in live:
                    p.unlink()
                    removed += 1
        return removed

    # ---- reading -----------------------------------------------------------------------------
    def connect(
        self,
        manifest: Manifest | None = None,
        months: set[str] | None = None,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with views `usage_all`, `usage` (live rows) and `costs` over the store.

        `usage` hides duplicates and fills `turn` (1-based order by time within a conversation)
        where the source gave none. `months` ('YYYY-MM') limits the parts read.
        """
        manifest = manifest or self.read_manifest()
        if con is None:
            con = connect_duckdb(bounded_config())
            con.execute("SET enable_progress_bar = false")  # it would draw on stdout, inside the report
        for table in TABLES:
            parts = [str(self.root / p) for p in manifest.parts(table, months)]
            all_view = f"{table}_all"
            if parts:
                listing = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in parts) + "]"
                scan = f"read_parquet({listing}, union_by_name=true)"
                con.execute(f"CREATE OR REPLACE VIEW {all_view} AS SELECT * FROM {scan}")
                # Parts written before a column was added lack it (union_by_name fills it only when
                # another part has it): an old store reads with the new column NULL.
                have = {r[0] for r in con.execute(f"DESCRIBE {all_view}").fetchall()}
                missing = [f"CAST(NULL AS {t}) AS {c}" for c, t in duckdb_types(table).items() if c not in have]
                if missing:
                    con.execute(f"CREATE OR REPLACE VIEW {all_view} AS SELECT *, {', '.join(missing)} FROM {scan}")
            else:
                empty = arrow_schema(table).empty_table()
                con.register(f"_{table}_empty", empty)
                con.execute(f"CREATE OR REPLACE VIEW {all_view} AS SELECT * FROM _{table}_empty")
        con.execute(USAGE_VIEW_FILL if turns_to_fill(con) else USAGE_VIEW_PLAIN)
        con.execute("CREATE OR REPLACE VIEW costs AS SELECT * FROM costs_all WHERE NOT _dup")
        return con


def turns_to_fill(con: duckdb.DuckDBPyConnection) -> int:
    """Live conversation rows without a turn in `usage_all` (Parquet statistics answer it at once):
    when there are any, the `usage` view numbers turns itself (USAGE_VIEW_FILL)."""
    (n,) = one(con.execute(
        "SELECT count(*) FROM usage_all WHERE NOT _dup AND turn IS NULL AND conversation_id IS NOT NULL"
    ))
    return int(n)


USAGE_VIEW_PLAIN = "CREATE OR REPLACE VIEW usage AS SELECT * FROM usage_all WHERE NOT _dup"
"""The live rows, when every conversation row has its turn (nothing to fill)."""

USAGE_VIEW_FILL = """
CREATE OR REPLACE VIEW usage AS
WITH live AS (SELECT * FROM usage_all WHERE NOT _dup),
need AS (SELECT DISTINCT conversation_id FROM live WHERE turn IS NULL AND conversation_id IS NOT NULL)
SELECT * FROM live WHERE conversation_id IS NULL OR conversation_id NOT IN (SELECT conversation_id FROM need)
UNION ALL
SELECT * REPLACE (
    CASE WHEN turn IS NULL
         THEN CAST(row_number() OVER (
             PARTITION BY conversation_id ORDER BY ts, source_file, source_line, event_id) AS INTEGER)
         ELSE turn END AS turn)
FROM live WHERE conversation_id IN (SELECT conversation_id FROM need)
"""
"""The live rows with `turn` filled where the source gave none: the 1-based position by ts,
source_file, source_line, event_id within the conversation (rows with a turn count too). The
window runs only over the conversations that need it: over every row, it sorted the whole store
with every column on every scan (a 35M-row report spilled tens of GB)."""


def work_table(con: duckdb.DuckDBPyConnection) -> str:
    """'TABLE' when the connection's default database is a file (large work, see
    `attach_work_file`), else 'TEMP TABLE'. In-memory tables are stored uncompressed and spill
    as they are: a 35M-row priced window took 25 GB of spill; a database file compresses it."""
    (path,) = one(con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ))
    return "TABLE" if path else "TEMP TABLE"


def attach_work_file(con: duckdb.DuckDBPyConnection) -> Path:
    """Make a new temporary database file the connection's default database (for
    `work_table`); the caller deletes the returned path after closing the connection."""
    import tempfile
    import uuid

    path = Path(tempfile.gettempdir()) / f"llmcost-work-{os.getpid()}-{uuid.uuid4().hex[:8]}.duckdb"
    con.execute(f"ATTACH '{path}' AS llmcost_work")
    (home,) = one(con.execute("SELECT current_database()"))
    con.execute("USE llmcost_work")
    # the store's views stay visible by their plain names
    con.execute(f"SET search_path = 'llmcost_work.main,{home}.main'")
    return path


def one(cur: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The one row of an aggregate query (DuckDB's stubs type fetchone() as optional)."""
    row = cur.fetchone()
    if row is None:  # an aggregate without GROUP BY always returns a row
        raise RuntimeError("the query returned no row")
    return row


def has_relation(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when `name` is a table or view the connection can read."""
    try:
        con.execute(f"SELECT 1 FROM {name} LIMIT 0").fetchall()
    except duckdb.Error:
        return False
    return True


def bounded_config() -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB settings that keep memory bounded whatever the store's size: a memory limit
    ($LLMCOST_MEMORY_LIMIT, default 2GB; DuckDB's own default is 80% of RAM) and a spill
    directory in the system temp dir (not `./.tmp` in the working directory)."""
    import tempfile

    spill = Path(tempfile.gettempdir()) / f"llmcost-spill-{os.getpid()}"
    return {
        "memory_limit": os.environ.get("LLMCOST_MEMORY_LIMIT", "2GB"),
        "temp_directory": str(spill),
    }


SAFE_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    # No extension is ever downloaded or loaded behind the user's back: a mapping's SQL (opt-in,
    # llmcost.ingest.mapped) or a path such as `https://...` then fails instead of fetching httpfs.
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def connect_duckdb(
    config: dict[str, str | bool | int | float | list[str]] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Every DuckDB connection the tool opens: `config` plus extension auto-install and
    auto-load off (`SAFE_CONFIG`)."""
    return duckdb.connect(config={**(config or {}), **SAFE_CONFIG})


def now_iso() -> str:
    return clock.wall_now().strftime("%Y-%m-%dT%H:%M:%SZ")


def _lock_holder(text: str) -> str:
    """Who holds the lock, for the busy message. The file names the last writer ("pid N (since
    ...)"); when that process is gone the lock is held by a run that does not write its name (a
    report or another reader), and naming the dead writer would mislead (issue 17)."""
    m = re.match(r"pid (\d+)\b", text)
    if m and pid_running(int(m.group(1))):
        return text
    return "another run (a report or another reader of the store)"
