"""Load input files into the store: detect, parse, stage, dedupe, commit.

Walking the inputs and expanding archives (with their limits) live in `llmcost.ingest.files`, the
validation query every row passes in `llmcost.ingest.validate`; this module stages and commits.
A run is one transaction (one manifest write at its end, plus a checkpoint commit a minute in a
long run). A file's rows are parsed and checked by one DuckDB query (the format's SQL wrapped in
the validation) and staged to Parquet; new files of a batchable format are read together, by one
scan over the list of files, and stored as one part per month per batch (`Loader._batch`,
docs/reliability.md "Batches"); small parts are merged past a threshold (`compact_parts`). Good
rows become parts of the store, bad rows go to the quarantine with file, line and reason, records
the format marks as not usage (`skip`) are only counted, and the manifest is replaced atomically.
Rows read = stored + duplicate + skipped + quarantined, for every file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import stat
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from llmcost import clock, ingest
from llmcost.errors import FormatError, UsageError
from llmcost.ingest import IngestContext, Ingestor, InputFile, intake, sql_str
from llmcost.ingest.files import check_gzip, expand, hash_pool, real_path, sha256, walk
from llmcost.ingest.privacy import mask_key, mask_sql, mask_text
from llmcost.ingest.validate import RAW_KEEP, validated_sql
from llmcost.storage.schema import TABLES, USAGE_TOKEN_COLUMNS, duckdb_types
from llmcost.storage.store import FileEntry, Manifest, Store, StoreWriter, now_iso, one
from llmcost.text import shown, shown_name


def _checkpoint_seconds() -> float:
    """Seconds between the commits of a long run ($LLMCOST_CHECKPOINT_SECONDS, default 60)."""
    try:
        v = float(os.environ.get("LLMCOST_CHECKPOINT_SECONDS", "60"))
    except ValueError:
        return 60.0
    return v if v == v and v >= 0 else 60.0  # NaN or negative: the default


CHECKPOINT_SECONDS = _checkpoint_seconds()
"""A run that has been going this long commits what it has stored so far (the same atomic manifest
replace as its final commit) and goes on: a kill then loses at most this much work, and the re-run
skips the files already committed (issue 17: a kill used to lose hours of a large run)."""


@dataclass
class FileResult:
    path: str
    status: str  # ingested | unchanged | replaced | companion | unrecognised | failed
    ingestor: str | None = None
    rows_read: int = 0
    rows_stored: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    message: str | None = None
    rows_skipped: int = 0


@dataclass
class LoadResult:
    files: list[FileResult] = field(default_factory=list)

    def by_status(self, status: str) -> list[FileResult]:
        return [f for f in self.files if f.status == status]


# ---- walking inputs -----------------------------------------------------------------------------

def derived_key(key: str, reader: Ingestor) -> str:
    """Manifest key of the rows `reader` derives from the file at `key` (see Ingestor.derived)."""
    return f"{key}#derived:{reader.table}"


def _month_name(month: int) -> str:
    """202609 -> '2026-09' (the partition folder name)."""
    return f"{month // 100:04d}-{month % 100:02d}"


def _near_months(name: str) -> set[str]:
    """'2026-09' -> {'2026-08', '2026-09', '2026-10'}."""
    year, month = int(name[:4]), int(name[5:7])
    index = year * 12 + month - 1
    return {f"{i // 12:04d}-{i % 12 + 1:02d}" for i in (index - 1, index, index + 1)}


SNAPSHOT_FIELDS = (*USAGE_TOKEN_COLUMNS, "reported_cost_usd", "web_search_calls", "file_search_calls")
"""The columns a snapshot format's stored row takes the per-field maximum of (Ingestor.snapshots)."""


# ---- the loader -----------------------------------------------------------------------------------

ID_CACHE_ROWS = 2_000_000
"""Event ids of existing parts a run keeps in memory for its duplicate checks (about 100 MB)."""

# Batches (docs/reliability.md, "Batches"): new files of a format that allows it
# (`Ingestor.batchable`) are read by one scan over the list of files, BATCH_FILES files or
# BATCH_BYTES bytes at most per batch (so memory stays bounded: the stage is Parquet on disk and
# DuckDB stays under its memory limit), and stored as one part per month per batch. A file larger
# than BATCH_FILE_BYTES is read on its own (the fast JSON path suits it better).
BATCH_FILES = 2000
BATCH_BYTES = 256 * 1024**2
BATCH_FILE_BYTES = 64 * 1024**2


FILESTAT = ".filestat.json"
"""Beside the manifest: the size, modification time (ns) and sha256 of each file when a run last
read it, so a re-run skips unchanged files without reading them (a cache, never the commit)."""


def _read_filestat(root: Path) -> dict[str, list[Any]]:
    try:
        data = json.loads((root / FILESTAT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class _Pending:
    """A new file waiting for its batch."""

    disk: Path
    display: str
    key: str
    size: int
    hashing: Any

class Loader:
    """Ingest files into one store. Use as `Loader(store, ...).run(paths, wait=...)`: the run is one
    `Store.writer()` (it takes the lock)."""

    def __init__(
        self,
        store: Store,
        *,
        source: str | None = None,
        keep_text: bool = False,
        labels: Mapping[str, str] | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ):
        self.store = store
        self.forced = ingest.get(source) if source else None
        self.ctx = IngestContext(keep_text=keep_text)
        self.labels = dict(labels or {})
        self.progress = progress
        self.w: StoreWriter  # set by `run`: the store's writer (lock, manifest, connection, commit)
        self.changed = False
        self._work = Path()
        # Parts whose event ids are cached in TEMP TABLE part_ids for this run (parts are
        # immutable: a rewrite is a new file), and how many ids the cache holds.
        self._cached_parts: set[str] = set()
        self._cached_ids = 0
        # new files of a batchable format waiting for their batch, by (format, gzip, CRLF)
        self._pending: dict[tuple[str, bool, bool], list[_Pending]] = {}
        self._pending_keys: set[str] = set()
        self._filestat = _read_filestat(store.root)
        self._seen: dict[str, tuple[int, int]] = {}  # key -> (size, mtime_ns) when this run opened it
        self._pending_bytes: dict[tuple[str, bool, bool], int] = {}
        self._last_format: dict[str, Ingestor] = {}  # folder -> format of its last file detected

    def run(self, paths: Iterable[Path], *, wait: float = 0.0) -> LoadResult:
        """Ingest `paths` as one writer of the store (`Store.writer`: the exclusive lock, waiting up
        to `wait` seconds)."""
        with intake.private_store(self.store.root), self.store.writer(wait=wait) as w:  # 0600/0700 (ingest.intake)
            self.w = w
            return self._run(paths)

    def _run(self, paths: Iterable[Path]) -> LoadResult:
        result = LoadResult()
        w = self.w
        manifest, con, work = w.manifest, w.con, w.work
        self._work = work
        self.ctx.con = con
        skip = self.store.root.resolve()
        files = list(walk(paths, skip))
        last_commit = clock.wall_now()
        for i, (path, unreadable) in enumerate(files):
            if self.changed and (clock.wall_now() - last_commit).total_seconds() >= CHECKPOINT_SECONDS:
                self._checkpoint(con, manifest, work, result)
                last_commit = clock.wall_now()
            if self.progress:
                self.progress(mask_text(shown_name(path)), i, len(files))
            if unreadable:
                result.files.append(FileResult(mask_key(shown_name(path)), "failed",
                                               message=mask_text(shown(unreadable))))
                continue
            if self._unchanged_by_stat(manifest, path, result):
                continue
            try:
                for disk, display, key, is_gz in expand(path, work):
                    manifest = self._one(con, manifest, disk, display, key, is_gz, work, result)
            except FormatError as e:
                result.files.append(FileResult(mask_key(shown_name(path)), "failed", message=mask_text(shown(e))))
        self._flush(con, manifest, work, result)
        if self.progress:
            self.progress("", len(files), len(files))
        w.manifest = manifest
        # small parts merged in the same commit (AUTO_COMPACT_PARTS)
        if compact_parts(w, AUTO_COMPACT_PARTS):
            self.changed = True
        if self.changed or not (self.store.root / "manifest.json").exists():
            # The run's one commit point: until this replace, readers and a re-run see the
            # store exactly as it was before the run.
            w.commit()
        self._write_filestat(manifest)
        return result

    def _checkpoint(self, con: duckdb.DuckDBPyConnection, manifest: Manifest, work: Path, result: LoadResult) -> None:
        """Commit the files done so far in the middle of a long run. Pending batches are stored
        first; the parts this run replaced stay on disk until the final commit (a part still
        read by this run is never deleted under it; a kill leaves them for the next run's garbage
        collection)."""
        self._flush(con, manifest, work, result)
        self.w.manifest = manifest
        self.w.commit(keep_retired=True)

    def _unchanged_by_stat(self, manifest: Manifest, path: Path, result: LoadResult) -> bool:
        """True (and the file recorded as unchanged) when a stat shows the file as the last run
        left it: a regular file whose key is in the manifest with this size, and whose size and
        modification time the file-stat cache (FILESTAT) records with the manifest's hash. Such a
        file is not opened at all; any doubt (an archive member, a file given other labels, rows
        derived into another table missing) leaves it to `expand` and `_one`, which decide as before."""
        if not manifest.files:  # a new store: nothing can be unchanged
            return False
        try:
            st = os.stat(path)
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode) or not st.st_size:
            return False
        display = shown_name(path)
        key = mask_key(display if "!" in display else shown_name(real_path(path)))
        old = manifest.files.get(key)
        if old is None or old.size != st.st_size or key in self._pending_keys:
            return False
        if self._filestat.get(key) != [st.st_size, st.st_mtime_ns, old.sha256]:
            return False
        if self.labels and self.labels != (old.labels or {}):
            return False
        if not self._derived_complete(manifest, key, old.ingestor):
            return False
        self._seen[key] = (st.st_size, st.st_mtime_ns)
        result.files.append(FileResult(key, "unchanged", old.ingestor))
        return True

    def _one(
        self,
        con: duckdb.DuckDBPyConnection,
        manifest: Manifest,
        disk: Path,
        display: str,
        key: str,
        is_gz: bool,
        work: Path,
        result: LoadResult,
    ) -> Manifest:
        display, key = mask_key(display), mask_key(key)  # a secret in a file name (llmcost.ingest.privacy)
        size = disk.stat().st_size
        if size == 0:
            result.files.append(FileResult(
                key, "unrecognised",
                message=f"{display} is empty (0 bytes): nothing to ingest. Fix: check the export finished, or "
                "remove the file."))
            return manifest
        old = manifest.files.get(key)
        # A file keeps the labels it was stored with unless this run gives labels; an unchanged
        # file given other labels is read again to carry them.
        old_labels = (old.labels or {}) if old else {}
        labels = self.labels or old_labels
        hashing = None
        mtime = disk.stat().st_mtime_ns
        self._seen[key] = (size, mtime)
        if old and old.size == size:
            # size and modification time as the last run saw them: the hash it recorded stands
            # (FILESTAT: a cache beside the manifest; without it, or on any mismatch, hash)
            sha = old.sha256 if self._filestat.get(key) == [size, mtime, old.sha256] else sha256(disk)
            if old.sha256 == sha and self._derived_complete(manifest, key, old.ingestor) and labels == old_labels:
                result.files.append(FileResult(key, "unchanged", old.ingestor))
                return manifest
        else:
            # new or resized: it must be parsed anyway, so it is hashed while DuckDB parses
            # (hashlib releases the GIL on large buffers); a batch's files when their batch is
            # read (hashing thousands of small files beside the detection only fought for the GIL)
            sha = ""
        if is_gz:
            try:
                check_gzip(disk, display)
            except FormatError as e:
                result.files.append(FileResult(key, "failed", message=mask_text(str(e))))
                return manifest
        # hooks (llmcost.ingest.intake): a long first record, UTF-16/32 text, our own reports
        head = intake.head(disk, is_gz)
        utf8 = intake.transcode(disk, is_gz, head, work)
        if utf8:
            disk, is_gz, head = utf8
        ours = intake.own_output(head, display)
        if ours:
            result.files.append(FileResult(key, "unrecognised", message=ours))
            return manifest
        f = InputFile(path=disk, display=key, head=head, size=size, sha256=sha, gzip=is_gz, hashing=hashing)
        if self.forced:
            ing = self.forced
        else:
            # the format of the previous file of the same folder (else of the previous file) is
            # asked first: the answer is the same as detect()'s, with fewer sniffers asked
            # (ingest.detect_best)
            folder = os.path.dirname(display)
            hint = self._last_format.get(folder) or self._last_format.get("")
            best = ingest.detect_best(head, display, hint)
            why = None if best else ingest.companion(head, display)
            if why:
                result.files.append(FileResult(key, "companion", message=why))
                return manifest
            if best is None:
                result.files.append(FileResult(
                    key, "unrecognised",
                    message=f"no known format matches {display} (`llmcost-forecast formats` lists the "
                    f"{len(ingest.registry())} known formats). Fix: pass --source NAME, or describe your "
                    "columns with --mapping FILE / --map col=field.",
                ))
                return manifest
            ing = self._last_format[folder] = self._last_format[""] = best
        if key in self._pending_keys:
            self._flush(con, manifest, work, result)  # the same file twice: the second sees the first
            return self._one(con, manifest, disk, display, key, is_gz, work, result)
        if ing.batchable and old is None and size <= BATCH_FILE_BYTES and not ing.derived:
            group = (ing.name, is_gz, b"\r\n" in head)
            pending = self._pending.setdefault(group, [])
            pending.append(_Pending(disk, display, key, size, None))
            self._pending_keys.add(key)
            self._pending_bytes[group] = self._pending_bytes.get(group, 0) + size
            if len(pending) >= BATCH_FILES or self._pending_bytes[group] >= BATCH_BYTES:
                self._flush(con, manifest, work, result, group)
            return manifest
        if not sha:
            f = replace(f, hashing=hash_pool().submit(sha256, disk))
        self.ctx.labels = labels
        self._single(con, manifest, ing, f, old, result, display)
        return manifest

    def _single(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, ing: Ingestor, f: InputFile,
        old: FileEntry | None, result: LoadResult, display: str,
    ) -> None:
        """Stage and commit one file (and the rows its format derives from it) on its own."""
        key = f.display
        work = self._work
        try:
            entry = self._stage_and_commit(con, manifest, ing, f, work)
            for reader in ing.derived:
                self._stage_and_commit(con, manifest, reader, f, work, key=derived_key(key, reader), derived_from=key)
            self._drop_derived(manifest, key, {derived_key(key, r) for r in ing.derived})
        except (duckdb.Error, sqlite3.Error, pa.ArrowException, UnicodeError, RecursionError) as e:
            # Hostile or damaged input (DuckDB and SQLite errors, a value Arrow cannot convert in a
            # format read in Python, text DuckDB cannot decode, JSON nested too deep for Python):
            # the file fails with one line, the run goes on. The message may quote the input, so
            # it is masked like everything else.
            msg = (str(e).splitlines() or [type(e).__name__])[0][:500]
            fix = ("Fix: save the file as UTF-8." if isinstance(e, UnicodeError)
                   else "Fix: check the file is complete, or force another format with --source.")
            result.files.append(FileResult(
                key, "failed", ing.name, message=mask_text(f"{display} could not be read as {ing.name}: {msg}. {fix}"),
            ))
            return
        status = "replaced" if old else "ingested"
        result.files.append(FileResult(
            key, status, ing.name, entry.rows_read, entry.rows_stored, entry.rows_duplicate, entry.rows_quarantined,
            rows_skipped=entry.rows_skipped,
        ))

    def _write_filestat(self, manifest: Manifest) -> None:
        """Record (size, mtime_ns, sha256) of the files this run saw, after the commit: a file
        whose size and mtime match next time is not hashed again. Only a cache: an entry whose
        hash is not the manifest's is ignored, so a run killed before this write costs a hash."""
        cache = {k: v for k, v in self._filestat.items() if k in manifest.files}
        for key, (size, mtime) in self._seen.items():
            fe = manifest.files.get(key)
            if fe is not None and fe.size == size:
                cache[key] = [size, mtime, fe.sha256]
        if cache == self._filestat:
            return
        tmp = self.store.root / f"{FILESTAT}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps(cache), encoding="utf-8")
        os.replace(tmp, self.store.root / FILESTAT)

    def _flush(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, work: Path, result: LoadResult,
        group: tuple[str, bool, bool] | None = None,
    ) -> None:
        """Ingest the pending new files of `group` (all groups when None) as batches."""
        for g in [group] if group else sorted(self._pending):
            items = self._pending.pop(g, [])
            self._pending_bytes.pop(g, None)
            self._pending_keys.difference_update(it.key for it in items)
            if items:
                self._batch(con, manifest, ingest.get(g[0]) if not self.forced else self.forced, items,
                            g[1], g[2], work, result)

    def _batch(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, ing: Ingestor, items: list[_Pending],
        gz: bool, crlf: bool, work: Path, result: LoadResult,
    ) -> None:
        """Read new files of one format with one scan and store them as one batch. When the scan
        fails, the batch is staged in halves (and halves of those) until each file that fails is
        alone; the good files are still stored as one batch (one part per month), and each file
        that failed is read on its own, on the per-file path, which reports why. One bad file
        never stops the good ones."""
        self.ctx.labels = dict(self.labels)
        for it in items:
            if it.hashing is None:  # hashed while DuckDB reads the batch (it releases the GIL)
                it.hashing = hash_pool().submit(sha256, it.disk)
        if len(items) == 1:
            it = items[0]
            f = InputFile(path=it.disk, display=it.key, head=b"\r\n" if crlf else b"\n", size=it.size, sha256="",
                          gzip=gz, hashing=it.hashing)
            self._single(con, manifest, ing, f, None, result, it.display)
            return
        seq0 = manifest.next_seq
        stage_dir = work / f"b{seq0}-{uuid.uuid4().hex[:8]}"
        stage_dir.mkdir()
        stages: list[Path] = []
        bad: list[_Pending] = []
        self._stage_batch(con, ing, [(it, seq0 + i) for i, it in enumerate(items)], gz, crlf, stage_dir, stages, bad)
        good = [(it, seq0 + i) for i, it in enumerate(items) if it not in bad]
        manifest.next_seq = seq0 + len(items)  # a failed file's seq is left unused
        if good:
            entries = self._commit_batch(con, manifest, ing, good, stages, stage_dir)
            for (it, _seq), entry in zip(good, entries, strict=True):
                result.files.append(FileResult(
                    it.key, "ingested", ing.name, entry.rows_read, entry.rows_stored, entry.rows_duplicate,
                    entry.rows_quarantined, rows_skipped=entry.rows_skipped,
                ))
        shutil.rmtree(stage_dir, ignore_errors=True)
        for it in bad:
            self._batch(con, manifest, ing, [it], gz, crlf, work, result)

    def _stage_batch(
        self, con: duckdb.DuckDBPyConnection, ing: Ingestor, members: list[tuple[_Pending, int]], gz: bool,
        crlf: bool, stage_dir: Path, stages: list[Path], bad: list[_Pending],
    ) -> None:
        """Stage `members` (file, seq) with one scan to a Parquet file added to `stages`; when the
        scan fails, stage each half the same way; a file that fails alone goes to `bad`."""
        first = members[0][0]
        f = InputFile(path=first.disk, display=first.key, head=b"\r\n" if crlf else b"\n",
                      size=sum(it.size for it, _ in members), sha256="", gzip=gz,
                      batch=tuple((str(it.disk), it.key, seq) for it, seq in members))
        stage = stage_dir / f"stage{len(stages)}-{uuid.uuid4().hex[:8]}.parquet"
        try:
            sql = validated_sql(con, ing, f, self.ctx, members[0][1])
            _copy_stage(con, ing, sql, sql_str(str(stage)))
        except (duckdb.Error, UnicodeError, RecursionError):
            stage.unlink(missing_ok=True)
            if len(members) == 1:
                bad.append(first)
                return
            half = len(members) // 2
            self._stage_batch(con, ing, members[:half], gz, crlf, stage_dir, stages, bad)
            self._stage_batch(con, ing, members[half:], gz, crlf, stage_dir, stages, bad)
            return
        stages.append(stage)

    def _commit_batch(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, ing: Ingestor, items: list[tuple[_Pending, int]],
        stages: list[Path], stage_dir: Path,
    ) -> list[FileEntry]:
        """Add a staged batch (rows of many new files, `_seq` naming each file) to the manifest:
        one part per month for the whole batch, one manifest entry per file with its own counts
        (read = stored + duplicate + skipped + quarantined, from GROUP BY _seq). Duplicates resolve
        as if the files had been ingested one by one in order: a request's first copy (store,
        then earlier file) stays live, a bucket's last, a snapshot's largest (`_elect_snapshots`)."""
        root = self.store.root
        table = ing.table
        types = duckdb_types(table)
        cols = ", ".join(types)
        seq0 = items[0][1]
        con.execute("CREATE OR REPLACE TEMP VIEW stage AS SELECT * FROM read_parquet("
                    f"[{', '.join(sql_str(str(p)) for p in stages)}])")
        counts = {r[0]: r[1:] for r in con.execute(
            "SELECT _seq, count(*), count(*) FILTER (WHERE _error IS NOT NULL), count(*) FILTER (WHERE _skip) "
            "FROM stage GROUP BY _seq"
        ).fetchall()}
        quarantine: dict[int, str] = {}
        for seq, (_read, quarantined, _skipped) in sorted(counts.items()):
            if not quarantined:
                continue
            qname = f"{seq:06d}-{uuid.uuid4().hex[:8]}.jsonl"
            qtmp = stage_dir / qname
            con.execute(
                f"""COPY (SELECT source_file AS file, source_line AS line, _error AS reason,
                        left({mask_sql('_raw')}, {RAW_KEEP}) AS raw
                      FROM stage WHERE _error IS NOT NULL AND _seq = {int(seq)} ORDER BY source_line)
                    TO {sql_str(str(qtmp))} (FORMAT json)"""
            )
            (root / "quarantine").mkdir(exist_ok=True)
            quarantine[seq] = f"quarantine/{qname}"
            os.replace(qtmp, root / quarantine[seq])

        # one row per (file, event): the first line's fields; a snapshot format's per-field maximum
        snap = ing.snapshots
        latest_wins = ing.grain == "bucket"
        picked = ", ".join(f"max({c}) OVER (PARTITION BY _seq, event_id) AS {c}" if snap and c in SNAPSHOT_FIELDS
                           else c for c in types)
        order = "_seq DESC" if latest_wins else "_seq"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE good_in AS
                SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY {order}) > 1 AS _bdup FROM (
                  SELECT {picked}, _seq, month FROM stage WHERE _error IS NULL AND NOT _skip
                  QUALIFY row_number() OVER (PARTITION BY _seq, event_id ORDER BY source_line) = 1)"""
        )
        months = [r[0] for r in con.execute("SELECT DISTINCT month FROM good_in ORDER BY 1").fetchall()]
        month_names = {_month_name(m) for m in months}
        if snap:
            month_names = {n for m in month_names for n in _near_months(m)}
        existing = [str(root / p) for p in manifest.parts(table, month_names)]
        ids = "good_in"
        if snap:
            con.execute("CREATE OR REPLACE TEMP TABLE snap_ids AS SELECT DISTINCT event_id FROM good_in")
            ids = "snap_ids"
        if existing:
            self._clash(con, existing, ids)
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE clash (event_id VARCHAR, filename VARCHAR)")
        (n_clash,) = one(con.execute("SELECT count(*) FROM clash"))
        rewrites: dict[str, str] = {}
        if snap:
            # the election weighs every copy: the store's and each file's of this batch
            rewrites = self._elect_snapshots(con)
            dup_expr = "_snap_dup"
        else:
            con.execute("CREATE OR REPLACE TEMP VIEW good AS SELECT * FROM good_in")
            dup_expr = "_bdup"
            if latest_wins:
                for (fname,) in con.execute("SELECT DISTINCT filename FROM clash").fetchall():
                    rewrites[fname] = (f"SELECT * REPLACE (_dup OR event_id IN (SELECT event_id FROM good) AS _dup) "
                                       f"FROM read_parquet({sql_str(fname)})")
            elif n_clash:
                dup_expr = "_bdup OR event_id IN (SELECT event_id FROM clash)"
        stored = {r[0]: r[1] for r in con.execute(
            f"SELECT _seq, count(*) FILTER (WHERE NOT ({dup_expr})) FROM good GROUP BY _seq"
        ).fetchall()}

        rewritten: dict[str, str] = {}
        for fname, select_old in rewrites.items():
            rel_old = Path(fname).relative_to(root).as_posix()
            rel_new = f"{Path(rel_old).parent.as_posix()}/{Path(rel_old).stem}-r{seq0}.parquet"
            self.w.write_part(select_old, rel_new)
            rewritten[rel_old] = rel_new

        # the batch's parts: one per month (unlisted until the manifest commit)
        by_month: dict[int, str] = {}
        if months:
            out_dir = stage_dir / "parts"
            con.execute(
                f"""COPY (SELECT {cols}, _seq, {dup_expr} AS _dup, month FROM good)
                    TO {sql_str(str(out_dir))} (FORMAT parquet, PARTITION_BY (month),
                    FILENAME_PATTERN 'b{seq0:06d}_{{uuid}}')"""
            )
            for p in sorted(out_dir.rglob("*.parquet")):
                month = int(p.parent.name.split("=", 1)[1])
                folder = f"month={_month_name(month)}"
                rel = f"{table}/{folder}/{p.name}"
                (root / table / folder).mkdir(parents=True, exist_ok=True)
                os.replace(p, root / rel)
                by_month[month] = rel
        file_months = {r[0]: r[1] for r in con.execute(
            "SELECT _seq, list(DISTINCT month ORDER BY month) FROM good_in GROUP BY _seq"
        ).fetchall()}

        entries = []
        for it, seq in items:
            read, quarantined, skipped = counts.get(seq, (0, 0, 0))
            parts = [by_month[m] for m in file_months.get(seq, [])]
            entry = FileEntry(
                path=it.key, size=it.size, sha256=it.hashing.result() if it.hashing else sha256(it.disk),
                ingestor=ing.name, table=table, seq=seq, ingested_at=now_iso(), rows_read=read,
                rows_stored=stored.get(seq, 0), rows_duplicate=read - quarantined - skipped - stored.get(seq, 0),
                rows_quarantined=quarantined, rows_skipped=skipped, parts=parts, quarantine=quarantine.get(seq),
                months=sorted({Path(p).parent.name.split("=", 1)[1] for p in parts}),
                labels=dict(self.ctx.labels) or None,
            )
            manifest.files[it.key] = entry
            entries.append(entry)
        if rewritten:
            mine = {id(e) for e in entries}
            touched = []
            for fe in manifest.files.values():
                if id(fe) not in mine and any(p in rewritten for p in fe.parts):
                    fe.parts = [rewritten.get(p, p) for p in fe.parts]
                    touched.append(fe)
            self._recount(con, touched)
        self.changed = True
        self.w.retire(*rewritten)
        con.execute("DROP VIEW IF EXISTS good")
        con.execute("DROP VIEW IF EXISTS stage")
        for t in ("good_in", "clash", "snap_ids", "snap_copies", "snap_win"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        return entries

    def _derived_complete(self, manifest: Manifest, key: str, ingestor: str) -> bool:
        """False when the file's format derives rows into another table and the store lacks them
        (a store written before the format did, e.g. FOCUS token buckets): the file is read again."""
        ing = ingest.registry().get(ingestor)
        return ing is None or all(derived_key(key, r) in manifest.files for r in ing.derived)

    def _drop_derived(self, manifest: Manifest, key: str, keep: set[str]) -> None:
        """Forget the derived rows of a file that its format no longer derives (the file changed
        into another format). Their parts become garbage at the commit."""
        for k in [k for k, fe in manifest.files.items() if fe.derived_from == key and k not in keep]:
            fe = manifest.files.pop(k)
            self.w.retire(*fe.parts, *([fe.quarantine] if fe.quarantine else []))
            self.changed = True

    def _stage_and_commit(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, ing: Ingestor, f: InputFile, work: Path,
        key: str | None = None, derived_from: str | None = None,
    ) -> FileEntry:
        """Stage the rows `ing` reads from `f` and add them to the manifest under `key` (the
        file's own key unless these are rows derived into another table)."""
        key = key or f.display
        root = self.store.root
        seq = manifest.next_seq
        stage_dir = work / f"s{seq}-{uuid.uuid4().hex[:8]}"
        stage_dir.mkdir()
        stage = stage_dir / "stage.parquet"
        known_dups = self._stage(con, ing, f, stage, seq)
        con.execute(f"CREATE OR REPLACE TEMP VIEW stage AS SELECT * FROM read_parquet({sql_str(str(stage))})")
        read, quarantined, skipped = one(con.execute(
            "SELECT count(*), count(*) FILTER (WHERE _error IS NOT NULL), count(*) FILTER (WHERE _skip) FROM stage"
        ))

        # quarantine
        qrel = None
        if quarantined:
            qname = f"{seq:06d}-{uuid.uuid4().hex[:8]}.jsonl"
            qtmp = stage_dir / qname
            con.execute(
                f"""COPY (SELECT {intake.quarantine_sql(self.ctx.keep_text, RAW_KEEP)}
                      FROM stage WHERE _error IS NOT NULL ORDER BY source_line)
                    TO {sql_str(str(qtmp))} (FORMAT json)"""
            )
            (root / "quarantine").mkdir(exist_ok=True)
            qrel = f"quarantine/{qname}"
            os.replace(qtmp, root / qrel)

        # within-file duplicates, then the store's; `good` is a view over the stage file (no copy)
        table = ing.table
        types = duckdb_types(table)
        cols = ", ".join(c for c in types)
        keep = "_error IS NULL AND NOT _skip"
        if known_dups is None:
            (dups,) = one(con.execute(
                f"SELECT count(*) - count(DISTINCT event_id) FROM stage WHERE {keep}"
            ))
        else:
            dups = known_dups
        snap = ing.snapshots
        # snapshots: `good_in` holds this file's rows, `good` is defined once the store's copies are weighed
        base = "good_in" if snap else "good"
        picked = cols
        if snap and dups:
            # one row per event: the first snapshot's fields with the per-field maximum of the counts
            picked = ", ".join(f"max({c}) OVER (PARTITION BY event_id) AS {c}" if c in SNAPSHOT_FIELDS else c
                               for c in types)
        qualify = "QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY source_line) = 1" if dups else ""
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {base} AS SELECT {picked}, _seq, month FROM stage WHERE {keep} {qualify}"
        )
        old = manifest.files.get(key)
        if old:
            self._detach(con, manifest, old)
        replaced_parts = set(old.parts) if old else set()
        # a changed file of a snapshot format re-weighs the events it held as well as those it holds now
        old_snap = snap and old is not None and old.ingestor == ing.name and bool(old.parts)
        months = [r[0] for r in con.execute(f"SELECT DISTINCT month FROM {base} ORDER BY 1").fetchall()]
        # the same event has the same time, so only parts of the same months can hold it (snapshots
        # of one reply may straddle a month's end: the months either side are searched too)
        month_names = {_month_name(m) for m in months}
        if snap:
            near = month_names | (set(old.months) if old is not None and old_snap else set())
            month_names = {n for m in near for n in _near_months(m)}
        existing = [str(root / p) for p in manifest.parts(table, month_names) if p not in replaced_parts]
        latest_wins = ing.grain == "bucket"
        ids = base
        if snap:
            gone = f" UNION SELECT event_id FROM read_parquet(?) WHERE _seq = {old.seq}" if old and old_snap else ""
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE snap_ids AS SELECT DISTINCT event_id FROM {base}{gone}",
                [[str(root / p) for p in old.parts]] if old is not None and old_snap else [],
            )
            ids = "snap_ids"
        rewrites: dict[str, str] = {}  # part -> the SELECT that rewrites it
        if existing:
            self._clash(con, existing, ids)
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE clash (event_id VARCHAR, filename VARCHAR)")
        (n_clash,) = one(con.execute("SELECT count(*) FROM clash"))
        dup_expr = "false"
        if latest_wins:
            # the older copies of restated buckets stop being live
            for (fname,) in con.execute("SELECT DISTINCT filename FROM clash").fetchall():
                rewrites[fname] = (f"SELECT * REPLACE (_dup OR event_id IN (SELECT event_id FROM good) AS _dup) "
                                   f"FROM read_parquet({sql_str(fname)})")
        elif snap and n_clash:
            rewrites = self._elect_snapshots(con)
            dup_expr = "_snap_dup"
        elif n_clash:
            dup_expr = "event_id IN (SELECT event_id FROM clash)"
        if snap and dup_expr == "false":
            con.execute("CREATE OR REPLACE TEMP VIEW good AS SELECT * FROM good_in")
        unique, dup_rows = one(con.execute(f"SELECT count(*), count(*) FILTER (WHERE {dup_expr}) FROM good"))
        stored = unique - dup_rows

        # rewrite older parts whose rows lose to restated buckets or to a larger snapshot
        rewritten: dict[str, str] = {}
        for fname, select_old in rewrites.items():
            rel_old = Path(fname).relative_to(root).as_posix()
            new_name = f"{Path(rel_old).stem}-r{seq}.parquet"
            rel_new = f"{Path(rel_old).parent.as_posix()}/{new_name}"
            self.w.write_part(select_old, rel_new)
            rewritten[rel_old] = rel_new

        # write the new parts (unlisted until the manifest commit); one file per month
        select = f"SELECT {cols}, CAST({seq} AS BIGINT) AS _seq, {dup_expr} AS _dup"
        new_parts = []
        if len(months) == 1:
            rel = f"{table}/month={_month_name(months[0])}/p{seq:06d}_{uuid.uuid4().hex}.parquet"
            tmp = stage_dir / "part.parquet"
            if not quarantined and not skipped and not dups and dup_expr == "false":
                # the common case: the stage already is the part (its bookkeeping columns are all
                # NULL or constant and readers select by name), so no second write of the data
                tmp = stage
            else:
                con.execute(f"COPY ({select} FROM good) TO {sql_str(str(tmp))} (FORMAT parquet)")
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, root / rel)
            new_parts.append(rel)
        elif months:
            out_dir = stage_dir / "parts"
            con.execute(
                f"""COPY ({select}, month FROM good)
                    TO {sql_str(str(out_dir))} (FORMAT parquet, PARTITION_BY (month),
                    FILENAME_PATTERN 'p{seq:06d}_{{uuid}}')"""
            )
            for p in sorted(out_dir.rglob("*.parquet")):
                folder = f"month={_month_name(int(p.parent.name.split('=', 1)[1]))}"
                rel = f"{table}/{folder}/{p.name}"
                (root / table / folder).mkdir(parents=True, exist_ok=True)
                os.replace(p, root / rel)
                new_parts.append(rel)

        months = sorted({Path(p).parent.name.split("=", 1)[1] for p in new_parts})
        entry = FileEntry(
            path=f.display, size=f.size, sha256=f.content_hash(), ingestor=ing.name, table=table, seq=seq,
            ingested_at=now_iso(), rows_read=read, rows_stored=stored,
            rows_duplicate=read - quarantined - skipped - stored, rows_quarantined=quarantined,
            rows_skipped=skipped, parts=new_parts, quarantine=qrel, months=months, derived_from=derived_from,
            labels=dict(self.ctx.labels) or None,
        )
        manifest.files[key] = entry
        manifest.next_seq = seq + 1
        if rewritten:
            touched = []
            for fe in manifest.files.values():
                if fe is entry:
                    continue
                if any(p in rewritten for p in fe.parts):
                    fe.parts = [rewritten.get(p, p) for p in fe.parts]
                    touched.append(fe)
            self._recount(con, touched)
        if old and old.parts and not old_snap:
            # (a snapshot format's old events were re-weighed above, with the store's other copies)
            self._revive(con, manifest, table, set(old.parts), old.seq, entry)
        self.changed = True
        # the old files become garbage at the commit; a crash before it leaves them in force
        self.w.retire(*(old.parts if old else ()), *rewritten, *([old.quarantine] if old and old.quarantine else ()))
        con.execute("DROP VIEW IF EXISTS good")
        con.execute("DROP VIEW IF EXISTS good_in")
        for t in ("clash", "snap_ids", "snap_copies", "snap_win"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        shutil.rmtree(stage_dir, ignore_errors=True)
        return entry

    def _elect_snapshots(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """Weigh the new rows (`good_in`: one file's, or a batch's, each with its `_seq`) against
        the store's copies of the same events (the parts in `clash`, ids in `snap_ids`); define the
        view `good` with `_snap_dup`; return the rewrite of every older part whose rows change.

        Per event, every copy keeps its own counts (its file's per-field maximum) and exactly one is
        live: the one with the largest output, then the largest total, then the earliest file. The
        live copy's counts become the per-field maximum over all copies; copies of one reply repeat
        the same input and cache counts, so it is nearly always its own already. (When it is not,
        the raised counts stand in for its own in later elections: exact as long as files only grow.)
        A copy is named by its part and its file's seq (`filename#_seq`; a new row: `#_seq`): a
        part written by a batch holds the rows of many files.
        """
        fields = ", ".join(SNAPSHOT_FIELDS)
        parts = [r[0] for r in con.execute("SELECT DISTINCT filename FROM clash ORDER BY 1").fetchall()]
        if parts:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE snap_copies AS
                    SELECT event_id, filename, filename || '#' || _seq AS copy, _seq, _dup, {fields}
                    FROM read_parquet(?, filename=true, union_by_name=true) SEMI JOIN snap_ids USING (event_id)""",
                [parts],
            )
        else:  # a batch with no copies in the store: its files' copies are weighed among themselves
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE snap_copies AS
                    SELECT event_id, '' AS filename, '' AS copy, _seq, false AS _dup, {fields} FROM good_in LIMIT 0"""
            )
        total = " + ".join(f"coalesce({c}, 0)" for c in ("input_tokens", "cache_read_tokens", "cache_write_tokens",
                                                        "output_tokens"))
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE snap_win AS
                SELECT event_id, {", ".join(f"max({c}) AS {c}" for c in SNAPSHOT_FIELDS)},
                       first(copy ORDER BY output_tokens DESC NULLS LAST, {total} DESC, _seq, copy) AS winner
                FROM (SELECT event_id, copy, _seq, {fields} FROM snap_copies
                      UNION ALL
                      SELECT event_id, '#' || _seq AS copy, _seq, {fields} FROM good_in)
                GROUP BY event_id"""
        )

        def raised(alias: str, mine: str) -> str:
            return ", ".join(f"CASE WHEN w.winner = {mine} THEN w.{c} ELSE {alias}.{c} END AS {c}"
                             for c in SNAPSHOT_FIELDS)

        con.execute(
            f"""CREATE OR REPLACE TEMP VIEW good AS
                SELECT g.* REPLACE ({raised("g", "'#' || g._seq")}),
                       coalesce(w.winner <> '#' || g._seq, false) AS _snap_dup
                FROM good_in g LEFT JOIN snap_win w USING (event_id)"""
        )
        differs = " OR ".join(f"c.{c} IS DISTINCT FROM w.{c}" for c in SNAPSHOT_FIELDS)
        changed = [r[0] for r in con.execute(
            f"""SELECT DISTINCT c.filename FROM snap_copies c JOIN snap_win w USING (event_id)
                WHERE (w.winner = c.copy) = c._dup OR (w.winner = c.copy AND ({differs}))
                ORDER BY 1"""
        ).fetchall()]
        out = {}
        for fname in changed:
            mine = f"{sql_str(fname)} || '#' || p._seq"
            out[fname] = (
                f"SELECT p.* REPLACE ({raised('p', mine)}, "
                f"CASE WHEN w.event_id IS NULL THEN p._dup ELSE w.winner <> {mine} END AS _dup) "
                f"FROM read_parquet({sql_str(fname)}) p LEFT JOIN snap_win w USING (event_id)"
            )
        return out

    def _clash(self, con: duckdb.DuckDBPyConnection, existing: list[str], ids: str = "good") -> None:
        """TEMP TABLE clash: (event_id, part) of the `existing` parts' rows whose id is in `ids`.

        Every part's ids are read once per run into a cache (up to ID_CACHE_ROWS ids), so a run
        of many small files into one month does not re-read every earlier part for each file
        (which made the per-file time grow with the files already there); parts beyond the
        cache are read from disk each time, as before.
        """
        if not self._cached_parts:
            con.execute("CREATE OR REPLACE TEMP TABLE part_ids (event_id VARCHAR, filename VARCHAR)")
        new = [p for p in existing if p not in self._cached_parts]
        if new:
            (rows,) = one(con.execute("SELECT count(*) FROM read_parquet(?)", [new]))
            if self._cached_ids + rows <= ID_CACHE_ROWS:
                con.execute("INSERT INTO part_ids SELECT event_id, filename FROM read_parquet(?, filename=true)", [new])
                self._cached_parts.update(new)
                self._cached_ids += rows
        uncached = [p for p in existing if p not in self._cached_parts]
        cached = [p for p in existing if p in self._cached_parts]
        sources = []
        params: list[Any] = []
        if cached:
            sources.append("SELECT event_id, filename FROM part_ids WHERE filename IN (SELECT unnest(?))")
            params.append(cached)
        if uncached:
            sources.append("SELECT event_id, filename FROM read_parquet(?, filename=true)")
            params.append(uncached)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE clash AS
                SELECT DISTINCT e.event_id, e.filename
                FROM ({" UNION ALL ".join(sources)}) e SEMI JOIN {ids} g ON e.event_id = g.event_id""",
            params,
        )

    def _stage(
        self, con: duckdb.DuckDBPyConnection, ing: Ingestor, f: InputFile, stage: Path, seq: int
    ) -> int | None:
        """Parse, validate and stage the file to Parquet (the fast JSON path first where allowed).

        The fast path (read_json, parallel, without line numbers) is kept only when it rejected
        nothing, every row had its own id and no id repeats within the file; otherwise the file
        is staged again on the line path, which numbers every line (the quarantine's and the
        in-file duplicates' order) and keeps the raw text the quarantine needs. Returns the
        in-file duplicate count when the fast path was kept (0), else None.
        """
        target = sql_str(str(stage))
        if ing.fast_json:
            try:
                sql = validated_sql(con, ing, replace(f, fast_json=True), self.ctx, seq)
                # rows carry no line number on this path, so their order does not matter; the
                # line path below needs the file's order for row_number()
                con.execute("SET preserve_insertion_order = false")
                try:
                    con.execute(f"COPY ({sql}) TO {target} (FORMAT parquet)")
                finally:
                    con.execute("SET preserve_insertion_order = true")
                bad, dups = one(con.execute(
                    "SELECT count(*) FILTER (WHERE NOT _skip AND (_error IS NOT NULL OR _id_from_raw)), "
                    f"count(*) - count(DISTINCT event_id) FROM read_parquet({target})"
                ))
                if not bad and not dups:
                    return 0
            except duckdb.Error:
                pass  # malformed records: the line path reports each with its line number
        _copy_stage(con, ing, validated_sql(con, ing, f, self.ctx, seq), target)
        return None

    def _revive(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, table: str, removed: set[str], old_seq: int,
        entry: FileEntry,
    ) -> None:
        """After a changed file replaced its old rows, re-elect the live copy of ids it used to win.
        A copy is named by its part and its file's seq (a batch's part holds many files' rows)."""
        root = self.store.root
        removed_paths = [str(root / p) for p in removed if (root / p).exists()]
        others = [
            (fe, p) for fe in manifest.files.values() for p in fe.parts if fe.table == table and fe is not entry
        ]
        if not removed_paths or not others:
            return
        con.execute(
            "CREATE OR REPLACE TEMP TABLE gone AS SELECT DISTINCT event_id FROM read_parquet(?) "
            f"WHERE NOT _dup AND _seq = {int(old_seq)}",
            [removed_paths],
        )
        all_parts = sorted({str(root / p) for fe, p in others} | {str(root / p) for p in entry.parts})
        con.execute(
            """CREATE OR REPLACE TEMP TABLE cand AS
                SELECT event_id, filename, filename || '#' || _seq AS copy, _seq, grain, bool_or(NOT _dup) AS live
                FROM read_parquet(?, filename=true) SEMI JOIN gone USING (event_id)
                GROUP BY ALL""",
            [all_parts],
        )
        (n,) = one(con.execute("SELECT count(*) FROM cand"))
        if not n:
            return
        con.execute(
            """CREATE OR REPLACE TEMP TABLE winner AS
               SELECT event_id, arg_max(copy, CASE WHEN grain = 'bucket' THEN _seq ELSE -_seq END) AS copy
               FROM cand GROUP BY event_id"""
        )
        changed = [r[0] for r in con.execute(
            """SELECT DISTINCT c.filename FROM cand c LEFT JOIN winner w USING (event_id)
               WHERE (w.copy = c.copy) <> c.live"""
        ).fetchall()]
        for fname in changed:
            rel_old = Path(fname).relative_to(root).as_posix()
            if rel_old in entry.parts:
                continue  # the new file's own rows were decided at write time
            rel_new = f"{Path(rel_old).parent.as_posix()}/{Path(rel_old).stem}-v{entry.seq}.parquet"
            mine = f"{sql_str(fname)} || '#' || p._seq"
            self.w.write_part(
                f"""SELECT p.* REPLACE (CASE WHEN w.event_id IS NULL THEN p._dup
                                             ELSE w.copy <> {mine} END AS _dup)
                    FROM read_parquet({sql_str(fname)}) p LEFT JOIN winner w USING (event_id)""",
                rel_new,
            )
            touched = []
            for fe in manifest.files.values():
                if rel_old in fe.parts:
                    fe.parts = [rel_new if p == rel_old else p for p in fe.parts]
                    touched.append(fe)
            self._recount(con, touched)
            self.w.retire(rel_old)

    def _detach(self, con: duckdb.DuckDBPyConnection, manifest: Manifest, old: FileEntry) -> None:
        """Before a file's rows are replaced: every part it shares with other files (a batch's part)
        is written again without its rows, for the others; the file keeps the old part, which
        becomes garbage at the commit with its other parts."""
        root = self.store.root
        for rel in list(old.parts):
            sharers = [fe for fe in manifest.files.values() if fe is not old and rel in fe.parts]
            if not sharers:
                continue
            rel_new = f"{Path(rel).parent.as_posix()}/{Path(rel).stem}-d{old.seq}.parquet"
            self.w.write_part(
                f"SELECT * FROM read_parquet({sql_str(str(root / rel))}) WHERE _seq <> {int(old.seq)}", rel_new
            )
            for fe in sharers:
                fe.parts = [rel_new if p == rel else p for p in fe.parts]
            self.changed = True

    def _recount(self, con: duckdb.DuckDBPyConnection, entries: list[FileEntry]) -> None:
        """Stored and duplicate counts of `entries` again, from their parts, in one scan: a file's
        rows are those of its seq (a batch's part holds many files' rows, and a rewrite of it
        touches them all)."""
        if not entries:
            return
        root = self.store.root
        paths = sorted({str(root / p) for fe in entries for p in fe.parts})
        live = dict(con.execute(
            "SELECT _seq, count(*) FILTER (WHERE NOT _dup) FROM read_parquet(?) WHERE _seq IN (SELECT unnest(?)) "
            "GROUP BY _seq",
            [paths, [fe.seq for fe in entries]],
        ).fetchall()) if paths else {}
        for fe in entries:
            n = int(live.get(fe.seq, 0))
            fe.rows_stored = n
            fe.rows_duplicate = fe.rows_read - fe.rows_quarantined - fe.rows_skipped - n


# Compaction (docs/reliability.md, "Compaction"): the parts of one table and month smaller than
# SMALL_PART_BYTES are merged into one part when there are more than AUTO_COMPACT_PARTS of them at
# the end of a run (in the run's commit), or more than one when `llmcost-forecast compact` runs.
# Merging writes a new part first; the manifest's atomic replace is the commit; the old parts are
# deleted after it, so a run killed at any point leaves the old state or the new one.
AUTO_COMPACT_PARTS = 32
SMALL_PART_BYTES = 64 * 1024**2


def _copy_stage(con: duckdb.DuckDBPyConnection, ing: Ingestor, sql: str, target: str) -> None:
    """Stage the rows of `sql` (a validated line-path query) to the Parquet file `target`, with
    filter pushdown off for a format that asks (`Ingestor.extract_once`)."""
    if not ing.extract_once:
        con.execute(f"COPY ({sql}) TO {target} (FORMAT parquet)")
        return
    con.execute("SET disabled_optimizers = 'filter_pushdown'")
    try:
        con.execute(f"COPY ({sql}) TO {target} (FORMAT parquet)")
    finally:
        con.execute("RESET disabled_optimizers")


def compact_parts(w: StoreWriter, more_than: int) -> list[str]:
    """Merge, per table and month, the small parts of the writer's manifest when there are more
    than `more_than`: one new part replaces them in every manifest entry that lists them. Returns
    the merged parts, retired (deleted after the writer's commit)."""
    root, manifest = w.root, w.manifest
    merged_all: list[str] = []
    for table in TABLES:
        by_month: dict[str, list[str]] = {}
        for rel in manifest.parts(table):
            if (root / rel).stat().st_size < SMALL_PART_BYTES:
                by_month.setdefault(Path(rel).parent.name, []).append(rel)
        for folder, rels in sorted(by_month.items()):
            if len(rels) <= more_than:
                continue
            rel_new = w.write_part("SELECT * FROM read_parquet(?, union_by_name=true)",
                                   f"{table}/{folder}/m{uuid.uuid4().hex}.parquet", [[str(root / r) for r in rels]])
            merged = set(rels)
            for fe in manifest.files.values():
                if merged.intersection(fe.parts):
                    kept = [p for p in fe.parts if p not in merged]
                    fe.parts = sorted({*kept, rel_new})
            w.retire(*rels)
            merged_all += rels
    return merged_all


def compact(store_dir: Path, *, wait: float = 0.0) -> tuple[int, int]:
    """`llmcost-forecast compact`: merge each month's small parts into one (see compact_parts).
    Returns (parts before, parts after)."""
    with Store.open(store_dir).writer(wait=wait) as w:
        before = sum(len(w.manifest.parts(t)) for t in TABLES)
        if compact_parts(w, 1):
            w.commit()
        return before, sum(len(w.manifest.parts(t)) for t in TABLES)


def load(
    paths: Iterable[Path],
    store_dir: Path,
    *,
    source: str | None = None,
    keep_text: bool = False,
    labels: Mapping[str, str] | None = None,
    wait: float = 0.0,
    progress: Callable[[str, int, int], None] | None = None,
) -> LoadResult:
    """Ingest `paths` (files or directories) into the store at `store_dir`, creating it if needed.

    `labels` (e.g. {"host": "laptop"}, from --label) are stored with every row of the files this
    run stores; see `parse_labels`.
    """
    store = Store.open(store_dir, create=True)
    return Loader(store, source=source, keep_text=keep_text, labels=labels, progress=progress).run(paths, wait=wait)


_LABEL_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def parse_labels(values: Iterable[str]) -> dict[str, str]:
    """`["host=laptop", "team=infra"]` (--label KEY=VALUE, repeatable) as a dict; UsageError if malformed."""
    out: dict[str, str] = {}
    for v in values:
        key, sep, value = v.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not _LABEL_KEY.match(key) or not value:
            raise UsageError(
                f"--label {v!r} is not KEY=VALUE. Fix: write it as --label host=laptop (the key: letters, "
                "digits, '_', '-' or '.'; the value not empty)."
            )
        if key in out and out[key] != value:
            raise UsageError(f"--label {key} is given twice ({out[key]!r} and {value!r}). Fix: keep one of them.")
        if len(value) > 200:
            raise UsageError(f"--label {key}=... is {len(value)} characters long. Fix: use a value of at most 200.")
        out[key] = value
    return out



__all__ = ["TABLES", "FileResult", "LoadResult", "Loader", "compact", "load", "parse_labels"]
