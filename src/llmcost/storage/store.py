"""The Parquet store: layout, manifest, quarantine, atomic commits and the lock.

Layout of a store directory::

    manifest.json                 the one commit point: ingested files and the live Parquet parts
    usage/month=YYYY-MM/*.parquet canonical usage rows, one part per (ingested file or batch of
                                  files, month); a part's rows belong to the file whose `_seq` they carry
    costs/month=YYYY-MM/*.parquet billed money lines from cost exports
    quarantine/*.jsonl            rejected rows: file, line, reason, shape (raw text, masked, only with --keep-text)
    .lock                         flock held by writers (exclusive) and readers (shared)
    .filestat.json                size, mtime and sha256 of each input (and each archive's members) when last
                                  read (a cache for re-runs)
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

from llmcost import __version__, clock
from llmcost.errors import StoreError, StoreLockedError, UsageError
from llmcost.storage import interrupt
from llmcost.storage.cleanup import pid_running
from llmcost.storage.duck import (  # `X as X`: importable from here by the report modules (home: storage.duck)
    attach_work_file as attach_work_file,
)
from llmcost.storage.duck import bounded, bounded_config, one
from llmcost.storage.duck import connect as connect_duckdb
from llmcost.storage.duck import has_relation as has_relation
from llmcost.storage.duck import work_table as work_table
from llmcost.storage.schema import INTERNAL_COLUMNS, TABLES

MANIFEST = "manifest.json"
STORE_FORMAT = "llmcost-store"
STORE_VERSION = 3
"""The manifest's format version, written by every commit; a reader refuses a higher one with "written
by a newer llmcost-forecast ... Fix: upgrade" (`manifest_data`). Raise it whenever an older reader
would misread the new manifest or refuse it as damaged, and keep reading the versions before.

2: a part may hold the rows of many files (a batch, or merged by compaction), each row's file
named by its `_seq`. A version-1 reader would read such a part once per file that lists it, so it
is told to upgrade instead.
3: an entry may carry `reader_version` (FileEntry). A version-2 reader takes an entry with a field it
does not know for damage ("malformed entry ... delete the store directory"), so it is told to
upgrade instead.
Stores of versions 1 and 2 read as they are (their entries have no `reader_version`: version 1 of
each reader); the next commit writes them as version 3."""
DEFAULT_STORE = Path(".llmcost")
READ_WAIT = 30.0
"""Seconds a reader (report, forecast, plan, swap) waits for a writer to finish before it says the
store is busy."""
MAX_WAIT = 7 * 86400
"""The longest `--wait` for the store's lock: a week (a longer wait is a mistake, not a plan)."""


STORE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
"""A store named by a URL (`s3a://bucket/store`, `gs://`, `abfss://`, `hdfs://`, `file:///...`),
which only `report --engine spark` reads (engine.spark, through Hadoop's file systems)."""


def is_store_url(text: str) -> bool:
    """Whether `text` names a store by URL rather than a local directory."""
    return STORE_URL.match(text.strip()) is not None


def default_store() -> Path:
    """`--store` default: $LLMCOST_STORE, else ./.llmcost in the working directory."""
    env = os.environ.get("LLMCOST_STORE")
    if env and is_store_url(env):  # a Path would fold the URL's `//` and look for a local folder
        raise StoreError(
            f"$LLMCOST_STORE is a URL ({env}); it names a local store directory. Fix: pass the URL as "
            "--store to `report --engine spark`, the one command that reads a store there."
        )
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
    reader_version: int | None = None
    """The version of the format's reader that read the file (`Ingestor.reader_version`) when above
    1; None (not written) for version 1 and for entries written before versions were recorded."""

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for optional in ("derived_from", "labels", "reader_version"):
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


def manifest_data(raw: bytes, where: str, root: str) -> dict[str, Any]:
    """The JSON of a manifest read as `raw` bytes from `where` (a path or URI), after checking it
    is an llmcost manifest this version can read; `root` names the store in the messages."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise StoreError(
            f"The store manifest {where} is corrupted ({e}). Fix: restore it from a backup, or delete the "
            "store directory and ingest again."
        ) from None
    if not isinstance(data, dict) or data.get("format") != STORE_FORMAT:
        raise StoreError(
            f"{where} is not an llmcost-forecast manifest. Fix: point --store at an llmcost store or an empty "
            "directory."
        )
    if data.get("version", 0) > STORE_VERSION:
        raise StoreError(
            f"The store at {root} was written by a newer llmcost-forecast (store version "
            f"{data['version']}). Fix: upgrade llmcost-forecast."
        )
    return data


def parse_manifest(data: dict[str, Any], where: str) -> Manifest:
    """The Manifest of checked manifest JSON (`manifest_data`) read from `where`; every entry is
    checked (its fields, and that its parts stay inside the store)."""
    fix = "Fix: restore it from a backup, or delete the store directory and ingest again."
    raw_files, next_seq = data.get("files", {}), data.get("next_seq", 1)
    if not isinstance(raw_files, dict) or not isinstance(next_seq, int) or isinstance(next_seq, bool):
        raise StoreError(f"The store manifest {where} is malformed (files or next_seq has the wrong type). {fix}")
    files = {}
    known = FileEntry.__dataclass_fields__.keys()
    for key, entry in raw_files.items():
        unknown = sorted(map(str, set(entry) - known)) if isinstance(entry, dict) else []
        if unknown:
            # a field a later version added (one that should have raised STORE_VERSION): most likely
            # not damage, and "delete the store" would lose it
            raise StoreError(
                f"The store manifest {where} has a field this llmcost-forecast ({__version__}) does not know in its "
                f"entry for {key} ({', '.join(unknown)}): the store was most likely written by a newer "
                f"llmcost-forecast (created by {data.get('created_by') or 'an unknown version'}). Fix: upgrade "
                "llmcost-forecast; if no newer version wrote it, restore the manifest from a backup."
            )
        try:
            if not isinstance(entry, dict):
                raise TypeError("not an object")
            files[key] = FileEntry(**entry)
        except TypeError as e:
            raise StoreError(f"The store manifest {where} has a malformed entry for {key}: {e}. {fix}") from None
        fe = files[key]
        listed = [*fe.parts, *([fe.quarantine] if fe.quarantine else [])] if isinstance(fe.parts, list) else [0]
        if not all(_inside(p) for p in listed):
            # a part outside the store would be read by reports and deleted when its file is replaced
            raise StoreError(f"The store manifest {where} lists a path outside the store for {key}. {fix}")
    return Manifest(files=files, next_seq=next_seq, created_by=str(data.get("created_by", "")))


def _inside(relpath: object) -> bool:
    """A manifest path that stays inside the store (relative, no `..`)."""
    if not isinstance(relpath, str) or not relpath or relpath.startswith(("/", "\\")):
        return False
    # the split only for paths with ".." in them (10,000 paths per read of a large manifest)
    return ".." not in relpath or ".." not in relpath.replace("\\", "/").split("/")


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
            # its format and version here; its entries each time it is read (every reader and
            # writer does), not twice per run (0.1 s for a manifest of 5,000 files)
            store._manifest_data()
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

    def _manifest_data(self) -> dict[str, Any]:
        """The manifest's JSON, after checking it is an llmcost manifest this version can read."""
        path = self.root / MANIFEST
        return manifest_data(path.read_bytes(), str(path), str(self.root))

    def read_manifest(self) -> Manifest:
        path = self.root / MANIFEST
        if not path.exists():
            return Manifest()
        return parse_manifest(self._manifest_data(), str(path))

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
        """A DuckDB connection with views `usage_all`, `usage` (live rows), `usage_stored` (the same
        rows without the turn fill), `usage_shadowed`, `usage_overlaps`, `costs_overlaps` and `costs`
        over the store.

        `usage` hides duplicates and the rows another source already counts (USAGE_SHADOWED_VIEW), and
        fills `turn` (1-based order by time within a conversation) where the source gave none.
        `months` ('YYYY-MM') limits the parts read.
        """
        manifest = manifest or self.read_manifest()
        if con is None:
            con = connect_duckdb(bounded_config())
        for table in TABLES:
            parts = [str(self.root / p) for p in manifest.parts(table, months)]
            all_view = f"{table}_all"
            if parts:
                listing = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in parts) + "]"
                # each row's part and row number in it (ROW_KEY, for the turn fill), hidden from
                # `{table}_all`
                scan = f"read_parquet({listing}, union_by_name=true, filename='_part', file_row_number=true)"
                # The stored columns only, each by name: parts written before a column was added lack
                # it (union_by_name fills it only when another part has it): an old store reads with
                # the new column NULL. And a part that is a file's stage itself (ingest/commit.py,
                # nothing to rewrite) also holds the stage's bookkeeping columns (`_error`, `_raw`,
                # ...), all NULL: they are left out.
                have = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()}
                cols = ", ".join(c.name if c.name in have else f"CAST(NULL AS {c.duckdb}) AS {c.name}"
                                 for c in (*TABLES[table], *INTERNAL_COLUMNS))
                con.execute(f"CREATE OR REPLACE VIEW _{table}_rows AS SELECT {cols}, {', '.join(ROW_KEY)} "
                            f"FROM {scan}")
                con.execute(f"CREATE OR REPLACE VIEW {all_view} AS SELECT * EXCLUDE ({', '.join(ROW_KEY)}) "
                            f"FROM _{table}_rows")
            else:
                con.execute(f"CREATE OR REPLACE VIEW {all_view} AS {empty_select(table)}")
        for view in OVERLAPS_VIEWS.values():
            con.execute(view)
        shadowed = usage_shadowed(con) > 0
        if turns_to_fill(con):
            con.execute(usage_view_fill("_usage_rows", ROW_KEY, hidden=True, shadowed=shadowed))
        else:
            con.execute(USAGE_VIEW_PLAIN.format(live=live_rows(shadowed)))
        con.execute(USAGE_STORED_VIEW.format(live=live_rows(shadowed)))
        con.execute(COSTS_VIEW)
        return con


    # ---- the two ways in: a reader and a writer ---------------------------------------------
    @contextlib.contextmanager
    def reader(self, wait: float = READ_WAIT, months: set[str] | None = None) -> Iterator[StoreReader]:
        """Read the store: the shared lock (waiting up to `wait` seconds, then the busy message of
        `lock`), the checked manifest and a bounded DuckDB connection with the views of `connect`
        (`usage`, `usage_all`, `costs`, over the parts of `months` when given). Everything is
        closed on exit. Use as::

            with Store.open(path).reader() as r:
                r.con.execute("SELECT count(*) FROM usage")  # r.manifest: what is live
        """
        with self.lock(exclusive=False, wait=wait):
            manifest = self.checked_manifest()
            con = self.connect(manifest, months)
            try:
                yield StoreReader(self, manifest, con)
            finally:
                con.close()

    @contextlib.contextmanager
    def writer(self, wait: float = 0.0) -> Iterator[StoreWriter]:
        """Change the store: the exclusive lock, the checked manifest (a writer never builds on a
        damaged store), garbage left by a killed run collected, a staging folder and a bounded
        DuckDB connection (spilling into the staging folder). Nothing is visible to readers until
        `StoreWriter.commit`; leaving without a commit (an error, Ctrl-C, kill -9) leaves the store
        as it was, and the parts staged meanwhile are garbage for the next writer. Use as::

            with Store.open(path).writer(wait=wait) as w:
                rel = w.rewrite_part(old, "SELECT * REPLACE (...) FROM read_parquet(?)", [str(w.path(old))])
                w.commit()
        """
        with self.lock(exclusive=True, wait=wait):
            manifest = self.checked_manifest()
            self.collect_garbage(manifest)
            work = self.staging_dir()
            try:
                con = bounded(work / "spill")
                try:
                    yield StoreWriter(self, manifest, work, con)
                finally:
                    con.close()
            finally:
                shutil.rmtree(work, ignore_errors=True)


@dataclass
class StoreReader:
    """What `Store.reader()` hands out: the store, its checked manifest and the connection."""

    store: Store
    manifest: Manifest
    con: duckdb.DuckDBPyConnection


class StoreWriter:
    """What `Store.writer()` hands out, under the exclusive lock: `manifest` (the state being
    built; change its entries freely, nothing is visible before `commit`), `con` (a bounded
    DuckDB connection), `work` (a private staging folder, deleted on exit) and the methods that
    keep the commit protocol: new parts are written under new names (never over a live one), the
    parts they replace are retired, and `commit` replaces the manifest atomically and only then
    deletes what it retired."""

    def __init__(self, store: Store, manifest: Manifest, work: Path, con: duckdb.DuckDBPyConnection):
        self.store = store
        self.root = store.root
        self.manifest = manifest
        self.work = work
        self.con = con
        self.retired: list[str] = []
        """Store paths (relative) the next commit makes obsolete; deleted right after it."""

    def path(self, rel: str) -> Path:
        """The file of a store path (`usage/month=2026-09/x.parquet`)."""
        return self.root / rel

    def views(self) -> duckdb.DuckDBPyConnection:
        """Create (or refresh) the read views of `Store.connect` (`usage`, `costs`...) on `con`
        over the manifest as it stands now; returns `con`."""
        return self.store.connect(self.manifest, con=self.con)

    def write_part(self, select: str, rel: str, params: list[Any] | None = None) -> str:
        """Write the rows of `select` as a new Parquet file at store path `rel` (staged in `work`
        first, then moved in: a half-written file is never at a store path). The part is unlisted,
        so invisible, until the manifest that lists it is committed. Returns `rel`."""
        if (self.root / rel).exists():
            raise StoreError(f"refusing to overwrite {rel} in the store {self.root}: parts are immutable")
        tmp = self.work / f"part-{uuid.uuid4().hex}.parquet"
        quoted = str(tmp).replace("'", "''")
        self.con.execute(f"COPY ({select}) TO '{quoted}' (FORMAT parquet)", params or [])
        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, self.root / rel)
        return rel

    def replace_part(self, old: str, new: str) -> list[FileEntry]:
        """List part `new` instead of `old` in every manifest entry that lists `old`, and retire
        `old`. Returns the entries changed."""
        touched = []
        for fe in self.manifest.files.values():
            if old in fe.parts:
                fe.parts = [new if p == old else p for p in fe.parts]
                touched.append(fe)
        self.retire(old)
        return touched

    def rewrite_part(self, old: str, select: str, params: list[Any] | None = None, tag: str = "r") -> str:
        """Rewrite part `old` as the rows of `select` (which reads it, e.g. `read_parquet(?)` with
        `params=[str(w.path(old))]`) under a new name in the same folder (`successor_part`):
        the new part replaces `old` in the manifest, `old` is deleted after the commit. Returns the
        new store path."""
        new = self.write_part(select, successor_part(old, tag), params)
        self.replace_part(old, new)
        return new

    def retire(self, *rels: str) -> None:
        """Store paths the next commit makes obsolete (deleted after it, never before)."""
        self.retired.extend(rels)

    def collect_garbage(self) -> int:
        """Delete staging leftovers and parts no committed manifest lists (`Store.collect_garbage`):
        the writer does it on entry. Only before staging: a part written since is unlisted too."""
        removed = self.store.collect_garbage(self.manifest)
        self.work.mkdir(parents=True, exist_ok=True)  # the staging folder was under .staging
        return removed

    def commit(self, *, keep_retired: bool = False) -> None:
        """The commit point: replace the manifest atomically (`Store.write_manifest`: write,
        fsync, rename, fsync the folder), then delete the retired parts. A kill before the rename
        leaves the old state, after it the new one. `keep_retired` (a checkpoint in the middle of
        a run that may still read them) keeps the retired parts until a later commit."""
        self.store.write_manifest(self.manifest)
        if keep_retired:
            return
        for rel in self.retired:
            (self.root / rel).unlink(missing_ok=True)
        self.retired.clear()


def empty_select(table: str) -> str:
    """A SELECT of no rows with the stored columns of `table` (internal ones too) and their types:
    the view of a table the store has no part of. Plain SQL: registering an empty pyarrow table
    instead made pyarrow import pandas, 0.2-0.3 s of every report over a store without costs."""
    cols = TABLES[table] + INTERNAL_COLUMNS
    return "SELECT " + ", ".join(f'CAST(NULL AS {c.duckdb}) AS "{c.name}"' for c in cols) + " WHERE false"


def turns_to_fill(con: duckdb.DuckDBPyConnection) -> int:
    """Live conversation rows without a turn in `usage_all` (Parquet statistics answer it at once):
    when there are any, the `usage` view numbers turns itself (USAGE_VIEW_FILL)."""
    (n,) = one(con.execute(
        "SELECT count(*) FROM usage_all WHERE NOT _dup AND turn IS NULL AND conversation_id IS NOT NULL"
    ))
    return int(n)


_ORG_TOTAL = "coalesce(TRY_CAST(json_extract_string({t}.extra, '$.org_total') AS BOOLEAN), false)"

WIDTH_FAMILIES: dict[str, str] = {
    # usage buckets
    "openai_usage_api_json": "openai_usage",
    "openai_usage_dashboard_csv": "openai_usage",  # the Usage API's buckets and event ids (its module)
    "anthropic_usage_report_json": "anthropic_usage_report",
    "anthropic_console_usage_csv": "anthropic_console_usage",
    "anthropic_claude_code_report_json": "anthropic_claude_code_report",
    "azure_monitor_metrics_json": "azure_monitor_metrics",  # PT1H and P1D fetches of the same metrics
    # cost lines (and FOCUS's token buckets)
    "openai_costs_api_json": "openai_costs",
    "openai_cost_dashboard_csv": "openai_costs",  # the Costs API's buckets and event ids (its module)
    "anthropic_cost_report_json": "anthropic_cost_report",
    "anthropic_console_cost_csv": "anthropic_console_cost",
    "aws_cur_bedrock_csv": "aws_cur",
    "azure_cost_details_csv": "azure_cost_details",
    "gcp_billing_export_jsonl": "gcp_billing_export",
    "gcp_billing_export_csv": "gcp_billing_export",  # the same export's rows flattened (its module)
    "focus_csv": "focus",
}
"""Formats whose rows are a provider's calendar buckets or billing periods (an hour, a day, a month),
which an export restates at another width when the user fetches it again with another
`bucket_width` or exports it at another granularity, and the family each belongs to (formats that
write the same buckets, e.g. the OpenAI Usage API and its dashboard CSV). Rows of one family at two
widths over the same time are the same usage twice: `overlaps_select` counts the coarser ones
(docs/formats-provider-exports.md, "Overlapping exports at two widths"). Left out on purpose: request
logs, and bucket formats whose periods are not calendar buckets (GitHub Copilot CLI's per-session
rows, a user's --mapping), which may overlap without being the same usage."""

FOCUS_SOURCE = "focus_csv"


def _family() -> str:
    """SQL: the WIDTH_FAMILIES family of a row's `source` (NULL for any other format)."""
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in WIDTH_FAMILIES.items())
    return f"CASE source {whens} END"


def _width() -> str:
    """SQL: the width in seconds of the bucket or billing period a row stands for. A day row of a line
    spread over its days (ingest/_exports.spread_days: CUR `usage_period_days`, FOCUS
    `charge_period_days`) stands for the whole line, so a month's day rows are a month wide."""
    days = ("coalesce(TRY_CAST(json_extract_string(extra, '$.usage_period_days') AS BIGINT), "
            "TRY_CAST(json_extract_string(extra, '$.charge_period_days') AS BIGINT), 1)")
    return (f"CASE WHEN {days} > 1 THEN 86400 * {days} "
            "ELSE CAST((epoch_us(bucket_end) - epoch_us(ts)) / 1000000 AS BIGINT) END")


def overlaps_select(table: str, live: str) -> str:
    """SQL (DuckDB's; engine.spark runs it transpiled) over `live`, the live rows of `table` ('usage'
    or 'costs'): the rows left out because another export of the same usage or money counts them,
    one row each (event_id, why, source, ts, width_s, coarse_width_s, by_source):

    - why 'width': a bucket of a WIDTH_FAMILIES format that a strictly wider bucket of the same
      family, provider, kind (usage: `extra.kind`), org-total flag, model and project (cost lines:
      and line item) from another file overlaps in time: the same usage fetched or exported at two
      widths (1d and 1h pages of the Usage API, a DAILY and an HOURLY CUR). The coarser row counts: it
      states the whole of its period, where a finer export may hold only part of it; where only
      the finer export covers a time, its rows count. Rows of one file are that file's own (a CUR
      may bill a line over several days beside hourly lines) and never leave each other out.
      `coarse_width_s` is the widest such bucket.
    - why 'focus' (cost lines): a FOCUS line naming a model whose provider's own cost export (any
      other WIDTH_FAMILIES cost format) bills the same model and token type over overlapping time:
      FOCUS restates that bill, so the provider's own lines count. A FOCUS line without a model
      (tax, support, another service) always counts.

    The rows stay stored; `usage` and `costs` leave them out (docs/formats-provider-exports.md,
    "Overlapping exports at two widths")."""
    family, width = _family(), _width()
    scope = "AND g.line_item IS NOT DISTINCT FROM o.line_item" if table == "costs" else "AND g._kind = o._kind"
    cols = ("line_item, token_type" if table == "costs"
            else "coalesce(json_extract_string(extra, '$.kind'), '') AS _kind")
    grain = "" if table == "costs" else "AND grain = 'bucket'"
    org = _ORG_TOTAL.replace("{t}.", "")
    key = "_family, provider, _org, model, project, " + ("line_item" if table == "costs" else "_kind")
    # Speed: rows are paired only within the scopes that hold two widths from two files (most
    # stores have none), and on each UTC day a row covers (`_day`), so a year of hourly CUR lines is
    # not paired with itself: the report over 12 monthly hourly CUR files (105,120 lines) took 53 s
    # with a join on the scope alone, against 3.4 s before overlaps were looked for.
    days = "unnest(range(epoch_us(ts) // 86400000000, (epoch_us(bucket_end) - 1) // 86400000000 + 1))"
    sql = f"""
WITH b AS (
    SELECT event_id, source, provider, model, project, source_file, ts, bucket_end, {cols},
           {family} AS _family, {width} AS _width, {org} AS _org
    FROM ({live}) b WHERE {family} IS NOT NULL {grain}
),
mixed AS (
    SELECT {key} FROM b GROUP BY ALL
    HAVING count(DISTINCT _width) > 1 AND count(DISTINCT source_file) > 1
),
d AS (
    SELECT b.*, {days} AS _day FROM b SEMI JOIN mixed m
      ON m._family = b._family AND m.provider IS NOT DISTINCT FROM b.provider AND m._org = b._org
     AND m.model IS NOT DISTINCT FROM b.model AND m.project IS NOT DISTINCT FROM b.project
     AND m.{key.split(", ")[-1]} IS NOT DISTINCT FROM b.{key.split(", ")[-1]}
)
SELECT o.event_id, 'width' AS why, o.source, o.ts, o._width AS width_s, max(g._width) AS coarse_width_s,
       max(g.source) AS by_source
FROM d o JOIN d g
  ON g._day = o._day AND g._family = o._family AND g.provider IS NOT DISTINCT FROM o.provider AND g._org = o._org
 AND g.model IS NOT DISTINCT FROM o.model AND g.project IS NOT DISTINCT FROM o.project {scope}
 AND g.source_file IS DISTINCT FROM o.source_file AND g._width > o._width
 AND g.ts < o.bucket_end AND o.ts < g.bucket_end
GROUP BY o.event_id, o.source, o.ts, o._width"""
    if table == "costs":
        # FOCUS beside the provider's own export: the same pairing on days, within the models both bill
        sql = sql.replace("\n)\nSELECT o.event_id, 'width'", f"""\n),
fk AS (
    SELECT provider, model, token_type FROM b WHERE model IS NOT NULL GROUP BY ALL
    HAVING bool_or(source = '{FOCUS_SOURCE}') AND bool_or(source <> '{FOCUS_SOURCE}' AND NOT _org)
),
fd AS (
    SELECT b.*, {days} AS _day FROM b SEMI JOIN fk
      ON fk.provider IS NOT DISTINCT FROM b.provider AND fk.model = b.model
     AND fk.token_type IS NOT DISTINCT FROM b.token_type
)
SELECT o.event_id, 'width'""", 1)
        sql += f"""
UNION ALL
SELECT o.event_id, 'focus' AS why, o.source, o.ts, o._width AS width_s, max(g._width) AS coarse_width_s,
       max(g.source) AS by_source
FROM fd o JOIN fd g
  ON g._day = o._day AND o.source = '{FOCUS_SOURCE}' AND g.source <> '{FOCUS_SOURCE}' AND NOT g._org
 AND g.provider IS NOT DISTINCT FROM o.provider AND g.model = o.model
 AND g.token_type IS NOT DISTINCT FROM o.token_type
 AND g.ts < o.bucket_end AND o.ts < g.bucket_end
GROUP BY o.event_id, o.source, o.ts, o._width"""
    return sql


COSTS_VIEW = f"""
CREATE OR REPLACE VIEW costs AS
WITH live AS (SELECT * FROM costs_all WHERE NOT _dup),
shadowed AS (
    SELECT DISTINCT o.event_id FROM live o JOIN live g
      ON g.provider IS NOT DISTINCT FROM o.provider AND g.ts < o.bucket_end AND o.ts < g.bucket_end
     AND NOT {_ORG_TOTAL.format(t="g")}
    WHERE {_ORG_TOTAL.format(t="o")}
    UNION SELECT event_id FROM costs_overlaps
)
SELECT * FROM live WHERE NOT EXISTS (SELECT 1 FROM shadowed s WHERE s.event_id = live.event_id)
"""
"""The billed cost lines that count: no duplicate, no organisation-wide total (`extra.org_total`,
an ungrouped cost export) where grouped lines of the same provider cover the same time, since those
are its breakdown (docs/formats-provider-exports.md, "Org totals are not added to their breakdown";
within one file the ingestor quarantines such a total), and no line another export of the same money
counts (`costs_overlaps`, `overlaps_select`). The row stays stored; it is not counted."""

USAGE_SHADOWED_VIEW = f"""
CREATE OR REPLACE VIEW usage_shadowed AS
WITH b AS (
    SELECT provider, ts, bucket_end, event_id, {_ORG_TOTAL.format(t="usage_all")} AS _org,
           coalesce(json_extract_string(extra, '$.kind'), '') AS _kind,
           lower(coalesce(json_extract_string(extra, '$.customer_type'), '')) AS _customer
    FROM usage_all WHERE grain = 'bucket' AND NOT _dup
)
SELECT o.event_id FROM b o JOIN b g
  ON g.provider IS NOT DISTINCT FROM o.provider AND g._kind = o._kind AND NOT g._org
 AND g.ts < o.bucket_end AND o.ts < g.bucket_end
WHERE o._org
UNION
SELECT o.event_id FROM b o JOIN b g
  ON g.provider IS NOT DISTINCT FROM o.provider AND g._kind = ''
 AND g.ts < o.bucket_end AND o.ts < g.bucket_end
WHERE o._kind = 'claude_code' AND o._customer = 'api'
UNION
SELECT event_id FROM usage_overlaps
"""
"""The event_ids of the usage rows left out of `usage` because another source of the same provider
and time already counts them:

- an organisation-wide row (`extra.org_total`: an ungrouped Usage API or usage report page) that
  grouped rows of the same provider and kind cover in time, from another file (within one file
  the ingestor quarantines such a total): the grouped rows are its breakdown, as COSTS_VIEW leaves
  out an org total's money. Where an org total is the only source of its time it counts.
- a Claude Code Analytics report row of an API customer (`extra.kind = 'claude_code'`,
  `customer_type = 'api'`) whose time a Messages usage report of the same provider (rows without
  a kind, grouped or not) covers: Claude Code's calls are billed to the organisation's API keys, so
  that report already holds their tokens (docs/formats-provider-exports.md). A subscription
  customer's Claude Code usage is not in the Messages usage report and always counts.
- a bucket inside a wider bucket of the same export family, provider, model and project from
  another file (`usage_overlaps`, `overlaps_select`): the same usage fetched at two widths.

Bucket rows only (Parquet statistics skip the parts of request logs). The rows stay stored."""

OVERLAPS_VIEWS = {
    table: f"CREATE OR REPLACE VIEW {table}_overlaps AS "
    + overlaps_select(table, f"SELECT * FROM {table}_all WHERE NOT _dup")
    for table in TABLES
}
"""The views `usage_overlaps` and `costs_overlaps` (`overlaps_select` over the live rows), which the
`usage` and `costs` views leave out and the report names (document.overlaps)."""


def usage_shadowed(con: duckdb.DuckDBPyConnection) -> int:
    """Create the view `usage_shadowed` (USAGE_SHADOWED_VIEW) over `usage_all` and return how many
    rows it leaves out: when none, the `usage` views need no anti-join."""
    con.execute(USAGE_SHADOWED_VIEW)
    (n,) = one(con.execute("SELECT count(*) FROM usage_shadowed"))
    return int(n)


NOT_SHADOWED = "NOT EXISTS (SELECT 1 FROM usage_shadowed s WHERE s.event_id = {t}.event_id)"
"""SQL: the row of `{t}` is not one left out (USAGE_SHADOWED_VIEW)."""


def live_rows(shadowed: bool = False) -> str:
    """The stored rows that count, turns as stored: not duplicates, and (`shadowed`: the store has
    rows another source counts, `usage_shadowed`) not such a row."""
    where = f" AND {NOT_SHADOWED.format(t='usage_all')}" if shadowed else ""
    return f"SELECT * FROM usage_all WHERE NOT _dup{where}"


USAGE_VIEW_PLAIN = "CREATE OR REPLACE VIEW usage AS {live}"
"""The live rows (`live`: `live_rows`), when every conversation row has its turn (nothing to fill)."""

USAGE_STORED_VIEW = "CREATE OR REPLACE VIEW usage_stored AS {live}"
"""The live rows with `turn` as stored: the rows of `usage` without its turn fill, for a scan
that reads no turn (the price keys, the last day). Where turns are filled, `usage` joins every
row to its number: on the 35.7M-row store without turns that join cost the key scan most of its
74.6 s and the last day 23.4 s."""

def successor_part(rel: str, tag: str) -> str:
    """The store path for a rewrite of part `rel` (without a file's rows, with other duplicate flags,
    merged): the same folder, the stem of the part it descends from, `-<tag>` and 12 random hex
    digits. A rewrite of a rewrite gets a name of the same length: each rewrite used to add its own
    suffix (`-d<seq>`) to the last name, and a batch's part rewritten once for each of its changed
    files (sessions that grew, a reader that changed) reached the file system's 255-byte limit
    after about 50 rewrites, and the run failed."""
    p = Path(rel)
    base = re.sub(r"(-[dvr][0-9a-f]+)+$", "", p.stem)
    return f"{p.parent.as_posix()}/{base}-{tag}{uuid.uuid4().hex[:12]}.parquet"


ROW_KEY = ("_part", "file_row_number")

"""A stored row's identity in `_usage_rows`: its part and its row number there (read_parquet's
`filename` and `file_row_number`)."""


def usage_view_fill(rows: str, key: tuple[str, ...], hidden: bool = False, shadowed: bool = False) -> str:
    """SQL (two statements) for the `usage` view over `rows` (the stored rows, `_dup` included) with
    `turn` filled where the source gave none: the 1-based position by ts, source_file,
    source_line, event_id within the conversation (rows with a turn count too).

    The numbers are computed once, into TEMP TABLE `_usage_turns` (`key`, the columns that name
    a row of `rows`, and the turn), and only for the conversations that need them; the view joins
    them back. The window sorts those key columns and the five it orders by, not every column:
    filling by a window over the whole rows sorted the store with every column on every scan (a
    35M-row report spilled tens of GB), and even once, into a table, it took twice the memory of
    the rows themselves (a Claude Code store: +112 MB RSS for 60,000 rows; +55 MB this way).
    `hidden`: the key columns are in `rows`' `*` and are left out of the view. `shadowed`: the
    rows of `usage_shadowed` are left out too (`live_rows`)."""
    cols = ", ".join(key)
    on = " AND ".join(f"u.{k} = t.{k}" for k in key)
    star = f"u.* EXCLUDE ({cols})" if hidden else "u.*"
    return f"""
CREATE OR REPLACE TEMP TABLE _usage_turns AS
WITH live AS (SELECT {cols}, conversation_id, ts, source_file, source_line, event_id, turn FROM {rows} WHERE NOT _dup),
need AS (SELECT DISTINCT conversation_id FROM live WHERE turn IS NULL AND conversation_id IS NOT NULL)
SELECT {cols}, CAST(row_number() OVER (
    PARTITION BY conversation_id ORDER BY ts, source_file, source_line, event_id) AS INTEGER) AS _turn
FROM live WHERE conversation_id IN (SELECT conversation_id FROM need);
CREATE OR REPLACE VIEW usage AS
SELECT {star} REPLACE (CASE WHEN u.turn IS NULL THEN t._turn ELSE u.turn END AS turn)
FROM {rows} u LEFT JOIN _usage_turns t ON {on}
WHERE NOT u._dup{f" AND {NOT_SHADOWED.format(t='u')}" if shadowed else ""}
"""


USAGE_VIEW_FILL = usage_view_fill("usage_all", ("rowid",))
"""`usage_view_fill` over a TABLE `usage_all` (its rows named by `rowid`), for a connection whose
rows are a table rather than the store's parts."""


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
