"""Load input files into the store: the run that walks, detects and routes each file.

A run is one transaction (one manifest write at its end, plus a checkpoint commit a minute in a
long run), taken through `Store.writer()`. Each job lives in its own module: walking the inputs
and expanding archives (with their limits) in `ingest/files.py`; the validation query every row
passes in `ingest/validate.py`; staging and committing one file in `ingest/commit.py`; batches
(new files of a batchable format read together, by one scan over the list of files, and stored
as one part per month per batch, docs/reliability.md "Batches") in `ingest/batches.py`; the
duplicate and snapshot elections against the store in `ingest/dedupe.py`; the file-stat cache in
`ingest/filestat.py`; small parts merged past a threshold in `storage/compact.py`. Good rows
become parts of the store, bad rows go to the quarantine with file, line and reason, records the
format marks as not usage (`skip`) are only counted, and the manifest is replaced atomically.
Rows read = stored + duplicate + skipped + quarantined, for every file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

import duckdb

from llmcost import clock, ingest
from llmcost.errors import FormatError
from llmcost.ingest import IngestContext, Ingestor, InputFile, intake
from llmcost.ingest._parquet import ParquetHead, columns_hint
from llmcost.ingest.batches import BATCH_BYTES, BATCH_FILE_BYTES, BATCH_FILES, BatchCommit, _Pending
from llmcost.ingest.files import (
    OLE2_MAGIC,
    StoreNote,
    check_gzip,
    expand,
    expansion_limit,
    hash_pool,
    real_path,
    sha256,
    spreadsheet_message,
    store_part_note,
    unread_archive_message,
    walk,
)
from llmcost.ingest.filestat import archive_members, companion_why, read_filestat, write_filestat
from llmcost.ingest.privacy import mask_key, mask_text
from llmcost.ingest.results import FileResult, LoadResult
from llmcost.storage.compact import AUTO_COMPACT_PARTS, compact_parts
from llmcost.storage.store import FileEntry, Manifest, Store, StoreWriter
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


def _done(value: str) -> Future[str]:
    """A finished Future holding `value` (a hash known before a batch is read)."""
    fut: Future[str] = Future()
    fut.set_result(value)
    return fut


def _parquet_columns(head: bytes) -> str:
    """`: it is a Parquet file with the columns ...` for a Parquet file's head (what a --mapping
    names), else ""."""
    return f": it is {columns_hint(head)}" if isinstance(head, ParquetHead) else ""


class Loader(BatchCommit):
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
        # new files of a batchable format waiting for their batch, by (format, gzip, CRLF, shape),
        # and the first head of a group whose format reads it (`Ingestor.batch_shape`)
        self._pending: dict[tuple[str, bool, bool, str], list[_Pending]] = {}
        self._pending_head: dict[tuple[str, bool, bool, str], bytes] = {}
        self._pending_keys: set[str] = set()
        self._filestat = read_filestat(store.root)
        self._seen: dict[str, tuple[int, int]] = {}  # key -> (size, mtime_ns) when this run opened it
        # archive key -> (size, mtime_ns, member keys) of the archives this run read or skipped whole
        self._archives: dict[str, tuple[int, int, list[str]]] = {}
        self._pending_bytes: dict[tuple[str, bool, bool, str], int] = {}
        # companion files (no usage rows: an agent's side files) found or skipped by this run, by key:
        # (size, mtime_ns, why), so the next run skips them by a stat (FILESTAT)
        self._companions: dict[str, tuple[int, int, str]] = {}
        self._keys: dict[Path, str] = {}  # `_key`
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
            # a checkpoint commits what is done: changed files, and new files waiting for their batch
            if ((self.changed or self._pending)
                    and (clock.wall_now() - last_commit).total_seconds() >= CHECKPOINT_SECONDS):
                self._checkpoint(con, manifest, work, result)
                last_commit = clock.wall_now()
            if self.progress:
                self.progress(mask_text(shown_name(path)), i, len(files))
            if isinstance(unreadable, StoreNote):  # another llmcost store: not read, said once
                result.files.append(FileResult(mask_key(shown_name(path)), "store", note=mask_text(unreadable)))
                continue
            if unreadable:
                result.files.append(FileResult(mask_key(shown_name(path)), "failed",
                                               message=mask_text(shown(unreadable))))
                continue
            if (self._unchanged_by_stat(manifest, path, result) or self._archive_unchanged(manifest, path, result)
                    or self._companion_by_stat(path, result)):
                continue
            try:
                before: os.stat_result | None = os.stat(path)  # an archive's, as found before reading it
            except OSError:
                before = None  # `expand` says why it cannot be read (files._open_regular)
            try:
                keys: list[str] = []
                for disk, display, key, is_gz in expand(path, work):
                    keys.append(key)
                    manifest = self._one(con, manifest, disk, display, key, is_gz, work, result)
                if before is not None and keys != [_plain_key(path, masked=False)]:  # an archive's members
                    self._archives[_plain_key(path)] = (before.st_size, before.st_mtime_ns, [mask_key(k) for k in keys])
                elif (before is not None and self.forced is None and result.files
                      and result.files[-1].status == "companion" and result.files[-1].path == self._key(path)):
                    self._companions[result.files[-1].path] = (before.st_size, before.st_mtime_ns,
                                                               result.files[-1].message or "")
            except FormatError as e:
                result.files.append(FileResult(mask_key(shown_name(path)), "failed", message=mask_text(shown(e))))
        self._flush(con, manifest, work, result)
        if self.forced is not None:
            self._note_empty_reads(result)
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
        write_filestat(self.store.root, self._filestat, self._seen, self._archives, manifest, self._companions)
        _final_counts(result, manifest)
        return result

    def _checkpoint(self, con: duckdb.DuckDBPyConnection, manifest: Manifest, work: Path, result: LoadResult) -> None:
        """Commit the files done so far in the middle of a long run. Pending batches are stored
        first; the parts this run replaced stay on disk until the final commit (a part still
        read by this run is never deleted under it; a kill leaves them for the next run's garbage
        collection)."""
        self._flush(con, manifest, work, result)
        self.w.manifest = manifest
        self.w.commit(keep_retired=True)

    def _note_empty_reads(self, result: LoadResult) -> None:
        """A file --source read no usable rows from (none at all, or every one quarantined; it is
        not empty: empty files are refused before) is most likely not that format: said with the
        way out, never a silent 0 (LoadResult.problems)."""
        assert self.forced is not None
        fix = ("Fix: run again with --source and the file's own format (`llmcost-forecast formats` lists them), "
               "or without --source to let its content decide: the file is then read again.")
        for f in result.files:
            if f.status not in ("ingested", "replaced"):
                continue
            if f.rows_read == 0:
                f.message = (f"--source {self.forced.name} read no rows from {f.path}: its content does not have "
                             f"that format's fields. {fix}")
            elif f.rows_quarantined == f.rows_read:
                rows = f"{f.rows_read:,} row{'' if f.rows_read == 1 else 's'}"
                f.message = (f"--source {self.forced.name} quarantined every row of {f.path} ({rows}): its content "
                             f"is most likely another format. {fix}")

    def _same_format(self, stored_as: str | None) -> bool:
        """False when --source forces another format than the one a stored file was read as: the
        file is read again as the forced format (its rows replaced), not skipped as unchanged."""
        return self.forced is None or self.forced.name == stored_as

    @staticmethod
    def _nothing_usable(old: FileEntry) -> bool:
        """A stored file whose read gave no usable row (none read, or every one quarantined), as a
        wrong --source leaves it: a run without --source asks detection again (`_one`) instead of
        keeping it as unchanged, and reads it again when its content names another format."""
        return old.rows_stored == 0 and (old.rows_read or 0) == (old.rows_quarantined or 0)

    def _detected_anew(self, old: FileEntry, disk: Path, display: str, is_gz: bool) -> bool:
        """True when an unchanged file that gave nothing usable (`_nothing_usable`) is, by its
        content, another format than the one it was stored as, in a run without --source."""
        if self.forced is not None or not self._nothing_usable(old):
            return False
        try:
            head = intake.head(disk, is_gz)
        except (OSError, FormatError):
            return False
        best = ingest.detect_best(head, display)
        return best is not None and best.name != old.ingestor

    @staticmethod
    def _older_reader(old: FileEntry) -> str | None:
        """Why a stored file is read again though unchanged: an older version of its format's reader
        read it (FileEntry.reader_version below Ingestor.reader_version), and the versions since change
        the rows it stores (Ingestor.reader_changes), e.g. a CUR read before its monthly lines were
        spread over their days. None when the reader that read it is current."""
        ing = ingest.lookup(old.ingestor)
        had = old.reader_version or 1
        if ing is None or had >= ing.reader_version:
            return None
        changes = "; ".join(ing.reader_changes[v] for v in sorted(ing.reader_changes) if v > had)
        return (f"{old.path} was read again: version {had} of the {ing.name} reader stored it, and version "
                f"{ing.reader_version} reads it differently ({changes}); its rows were replaced")

    def _unchanged_by_stat(self, manifest: Manifest, path: Path, result: LoadResult) -> bool:
        """True (and the file recorded as unchanged) when a stat shows the file as the last run
        left it: a regular file whose key is in the manifest with this size, and whose size and
        modification time the file-stat cache (FILESTAT) records with the manifest's hash. Such a
        file is not opened at all; any doubt (an archive member, a file given other labels, rows
        derived into another table missing) leaves it to `expand` and `_one`, which decide as before."""
        if not manifest.files:  # a new store: nothing can be unchanged
            return False
        found = self._regular(path)
        if found is None or not found[0].st_size:
            return False
        st, key = found
        old = manifest.files.get(key)
        if old is None or old.size != st.st_size:
            return False
        if self._filestat.files.get(key) != [st.st_size, st.st_mtime_ns, old.sha256]:
            return False
        if not self._as_stored(manifest, key, old):
            return False
        self._seen[key] = (st.st_size, st.st_mtime_ns)
        result.files.append(FileResult(key, "unchanged", old.ingestor))
        return True

    def _key(self, path: Path) -> str:
        """`_plain_key(path)`, once per path of the run (its secret masking runs a dozen patterns,
        and a re-run asks it of every file up to three times before it knows the file is unchanged)."""
        key = self._keys.get(path)
        if key is None:
            key = self._keys[path] = _plain_key(path)
        return key

    def _regular(self, path: Path) -> tuple[os.stat_result, str] | None:
        """The stat and manifest key of `path` when it is a regular file (what a re-run decides by
        its stat alone), else None."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (st, self._key(path)) if stat.S_ISREG(st.st_mode) else None

    def _companion_by_stat(self, path: Path, result: LoadResult) -> bool:
        """True (and the file recorded as a companion again) when a stat shows a file the last run
        found to be a companion (no format reads it: OpenCode's message parts, an agent's session
        index) as that run left it, and the same formats would ask it: it is not opened. A heavy
        OpenCode user's storage holds several part files per message, each opened and asked every
        format on every run before (12,150 side files: 8.7 s of a re-run that changed nothing)."""
        if self.forced is not None or not self._filestat.companions:
            return False
        found = self._regular(path)
        if found is None:
            return False
        st, key = found
        why = companion_why(self._filestat, key, st.st_size, st.st_mtime_ns)
        if why is None:
            return False
        self._companions[key] = (st.st_size, st.st_mtime_ns, why)
        result.files.append(FileResult(key, "companion", message=why or None))
        return True

    def _archive_unchanged(self, manifest: Manifest, path: Path, result: LoadResult) -> bool:
        """True (and each member recorded as unchanged) when a stat shows an archive (.zip, tar) as
        the last run that read it left it: the file-stat cache (FILESTAT) records its size and
        modification time with its member keys, and every member is in the manifest and would be
        kept as it is (`_as_stored`). The archive is then not extracted, nor any member hashed:
        without this a re-run extracted every archive again to find each member unchanged."""
        if not manifest.files or not self._filestat.archives:
            return False
        found = self._regular(path)
        if found is None:
            return False
        st, key = found
        members = archive_members(self._filestat, key, st.st_size, st.st_mtime_ns)
        if members is None:
            return False
        olds = [manifest.files.get(m) for m in members]
        kept = [(m, old) for m, old in zip(members, olds, strict=True)
                if old is not None and self._as_stored(manifest, m, old)]
        if len(kept) != len(members):
            return False
        result.files.extend(FileResult(m, "unchanged", old.ingestor) for m, old in kept)
        self._archives[key] = (st.st_size, st.st_mtime_ns, members)
        return True

    def _as_stored(self, manifest: Manifest, key: str, old: FileEntry) -> bool:
        """True when a stored file whose content is unchanged stays as it is in this run: not waiting
        in a batch, given no other labels, not forced to another format, not a read that gave nothing
        usable (asked again), its derived rows complete and read by the current reader."""
        if key in self._pending_keys:
            return False
        if self.labels and self.labels != (old.labels or {}):
            return False
        if not self._same_format(old.ingestor) or (self.forced is None and self._nothing_usable(old)):
            return False
        return self._derived_complete(manifest, key, old.ingestor) and not self._older_reader(old)

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
        # a copy of files in an agent's home (a backup, a plugin's clone) is never read, even when
        # it holds a usage log; an agent's side file left empty in its place is a companion
        why = ingest.agent_copy(display) or (
            ingest.agent_home_file(b"", display) if size == 0 and self.forced is None else None)
        if why:
            result.files.append(FileResult(key, "companion", message=why))
            return manifest
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
        reread = None  # why an unchanged file is read again (an older reader read it), said with its result
        if old and old.size == size:
            # size and modification time as the last run saw them: the hash it recorded stands
            # (FILESTAT: a cache beside the manifest; without it, or on any mismatch, hash)
            sha = old.sha256 if self._filestat.files.get(key) == [size, mtime, old.sha256] else sha256(disk)
            reread = self._older_reader(old) if old.sha256 == sha else None
            if (old.sha256 == sha and self._derived_complete(manifest, key, old.ingestor) and labels == old_labels
                    and self._same_format(old.ingestor) and not self._detected_anew(old, disk, display, is_gz)
                    and reread is None):
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
        if not is_gz:  # a zstd file (a Codex rollout idle for 7 days), bzip2 or xz: read from a plain copy
            try:
                plain = intake.uncompress(disk, work, display, expansion_limit(size))
            except FormatError as e:
                result.files.append(FileResult(key, "failed", message=mask_text(str(e))))
                return manifest
            if plain is not None:
                sha = sha or sha256(disk)  # the original's hash, as a re-run computes it
                hashing = _done(sha)
                disk = plain
        # hooks (llmcost.ingest.intake): a long first record, UTF-16/32 text, our own reports
        try:
            head = intake.head(disk, is_gz)
        except FormatError as e:  # a Parquet file DuckDB cannot read (ingest/_parquet.py)
            result.files.append(FileResult(key, "failed", message=mask_text(f"{display} {e}")))
            return manifest
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
            if best is None and not is_gz and display.lower().endswith((".gz", ".gzip")):
                # a .gz without a gzip header that reads as no format: damaged, not a new format
                result.files.append(FileResult(
                    key, "failed",
                    message=f"{display} is named as gzip but holds no gzip data (its first bytes are not a "
                    "gzip header), and no known format matches it as text: a damaged or renamed file. "
                    "Fix: copy or download it again; if it is not compressed, remove .gz from its name.",
                ))
                return manifest
            if best is None and display.lower().endswith(".zip"):
                # an archive is opened before this point: a .zip that got here is no zip archive
                result.files.append(FileResult(
                    key, "failed",
                    message=f"{display} is named as a zip archive but is not one (no zip directory in it), and "
                    "no known format matches it as text: a damaged or renamed file. Fix: copy or download it "
                    "again; if it is not an archive, rename it.",
                ))
                return manifest
            if best is None and head.startswith(OLE2_MAGIC):
                result.files.append(FileResult(
                    key, "failed", message=spreadsheet_message(display, "an Excel 97-2003 workbook (.xls)")))
                return manifest
            packed = unread_archive_message(display, head) if best is None else None
            if packed:
                result.files.append(FileResult(key, "failed", message=packed))
                return manifest
            if best is None and not is_gz and size <= len(head) and not head.strip():
                result.files.append(FileResult(
                    key, "unrecognised",
                    message=f"{display} holds only blank lines: no data to read. Fix: nothing, if the "
                    "export had nothing to write; else check the tool that wrote it.",
                ))
                return manifest
            unread = ingest.antigravity_file(display) if best is None else None
            if unread:  # an agent's store of no documented format: what it is and what to do
                result.files.append(FileResult(key, "unrecognised", message=unread))
                return manifest
            part = store_part_note(disk) if best is None and isinstance(head, ParquetHead) else None
            if part:
                result.files.append(FileResult(key, "unrecognised", message=part))
                return manifest
            cut = ingest.json_cut_short(head) if best is None and len(head) < intake.HEAD_BYTES else ""
            if cut:  # the head is the whole file: nothing whole to read in it
                result.files.append(FileResult(
                    key, "unrecognised",
                    message=f"{display} is {cut}: it breaks before anything that tells its format. "
                    "Fix: copy the file again from where it was written (an "
                    "interrupted download or copy, or a full disk, cuts a file); if a program is still "
                    "writing it, ingest it once it is complete.",
                ))
                return manifest
            if best is None:
                result.files.append(FileResult(
                    key, "unrecognised",
                    message=f"no known format matches {display} (`llmcost-forecast formats` lists the "
                    f"{len(ingest.registry())} known formats){_parquet_columns(head)}. Fix: "
                    "pass "
                    "--source NAME, or describe your columns with --mapping FILE / --map col=field.",
                ))
                return manifest
            ing = self._last_format[folder] = self._last_format[""] = best
        if key in self._pending_keys:
            self._flush(con, manifest, work, result)  # the same file twice: the second sees the first
            return self._one(con, manifest, disk, display, key, is_gz, work, result)
        # A changed file (a session that grew, a file a newer reader reads again) joins a batch when it
        # was stored as the same format with the labels the batch's rows get: its rows are replaced
        # with the batch's commit, and a part it shares with other files is rewritten once per batch,
        # not once per changed file. A saved event stream (ingest.is_sse) is read alone: a batch's
        # lines are read as its first file's.
        replacing = (old is not None and old.ingestor == ing.name and old.table == ing.table
                     and old.derived_from is None and labels == self.labels)
        if ing.batchable and (old is None or replacing) and size <= BATCH_FILE_BYTES and not ing.derived \
                and not ingest.is_sse(head):
            doc = ingest.json_document(head)  # a JSON document's records are read by another scan
            group = (ing.name, is_gz, b"\r\n" in head, ing.batch_shape(head) + (f"+{doc}" if doc else ""))
            if group[3]:
                self._pending_head.setdefault(group, head)  # the batch's query is built from it
            pending = self._pending.setdefault(group, [])
            pending.append(_Pending(disk, display, key, size, hashing or (_done(sha) if sha else None),
                                    replacing=old is not None, note=reread))
            self._pending_keys.add(key)
            self._pending_bytes[group] = self._pending_bytes.get(group, 0) + size
            if len(pending) >= BATCH_FILES or self._pending_bytes[group] >= BATCH_BYTES:
                self._flush(con, manifest, work, result, group)
            return manifest
        if not sha:
            f = replace(f, hashing=hash_pool().submit(sha256, disk))
        elif hashing is not None:
            f = replace(f, sha256=sha, hashing=None)
        self.ctx.labels = labels
        self._single(con, manifest, ing, f, old, result, display)
        if reread and result.files[-1].status == "replaced" and result.files[-1].path == key:
            result.files[-1].note = reread
        return manifest


def _final_counts(result: LoadResult, manifest: Manifest) -> None:
    """Each file this run stored, with the stored and duplicate counts its manifest entry ends the
    run with. A file read one at a time was counted when it was committed; a later file of the same
    run that restates its rows (a bucket's last copy wins, a session's settings) makes some of
    them duplicates, and the entry is counted again (dedupe.py `_recount`): the run's report gave
    the first count, a batch of the same files the final one."""
    for r in result.files:
        if r.status in ("ingested", "replaced") and (fe := manifest.files.get(r.path)) is not None:
            r.rows_stored, r.rows_duplicate = fe.rows_stored, fe.rows_duplicate


def _plain_key(path: Path, *, masked: bool = True) -> str:
    """The manifest key of a file given as `path` (`expand` gives the same one for a file that is
    not an archive): its resolved path, shown escaped, unless its name has the archive-member form
    (`a.zip!x.jsonl`), which is kept as spelt; `masked`: with secrets masked (ingest.privacy)."""
    display = shown_name(path)
    key = display if "!" in display else shown_name(real_path(path))
    return mask_key(key) if masked else key


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

__all__ = ["FileResult", "LoadResult", "Loader", "load"]
