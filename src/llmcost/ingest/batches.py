"""Batches (one job of the loader): new and changed files of a batchable format read by one scan over
the list of files and stored as one part per month per batch, with per-file accounting
(docs/reliability.md, "Batches"); a changed file's old rows are replaced at the batch's commit. A
batch whose scan fails is staged in halves until each bad file is alone; that file is then read on
its own by the per-file path (llmcost.ingest.commit), which reports why."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from llmcost import ingest
from llmcost.ingest import Ingestor, InputFile, intake, sql_str
from llmcost.ingest.commit import FileCommit, copy_stage
from llmcost.ingest.dedupe import SNAPSHOT_FIELDS, month_name, near_months
from llmcost.ingest.files import hash_pool, sha256
from llmcost.ingest.results import FileResult, LoadResult
from llmcost.ingest.validate import RAW_KEEP, validated_sql
from llmcost.storage.schema import duckdb_types
from llmcost.storage.store import FileEntry, Manifest, now_iso, one

# Batches (docs/reliability.md, "Batches"): new files of a format that allows it
# (`Ingestor.batchable`) are read by one scan over the list of files, BATCH_FILES files or
# BATCH_BYTES bytes at most per batch (so memory stays bounded: the stage is Parquet on disk and
# DuckDB stays under its memory limit), and stored as one part per month per batch. A file larger
# than BATCH_FILE_BYTES is read on its own (the fast JSON path suits it better).
BATCH_FILES = 2000
BATCH_BYTES = 256 * 1024**2
BATCH_FILE_BYTES = 64 * 1024**2


@dataclass
class _Pending:
    """A new or changed file waiting for its batch."""

    disk: Path
    display: str
    key: str
    size: int
    hashing: Any
    replacing: bool = False
    """The file is in the store already (it grew, or a newer reader reads it): its rows are replaced."""
    note: str | None = None
    """Why an unchanged file is read again (`Loader._older_reader`), said with its result."""

class BatchCommit(FileCommit):
    """Collect new files of a batchable format and store them as batches (`_flush`)."""

    forced: Ingestor | None  # the format --source names, if any
    labels: dict[str, str]
    # new files of a batchable format waiting for their batch, by (format, gzip, CRLF, shape:
    # `Ingestor.batch_shape`), and the first head of a group whose format's query reads it
    _pending: dict[tuple[str, bool, bool, str], list[_Pending]]
    _pending_head: dict[tuple[str, bool, bool, str], bytes]
    _pending_keys: set[str]
    _pending_bytes: dict[tuple[str, bool, bool, str], int]

    def _flush(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, work: Path, result: LoadResult,
        group: tuple[str, bool, bool, str] | None = None,
    ) -> None:
        """Ingest the pending new files of `group` (all groups when None) as batches."""
        for g in [group] if group else sorted(self._pending):
            items = self._pending.pop(g, [])
            self._pending_bytes.pop(g, None)
            head = self._pending_head.pop(g, None)
            self._pending_keys.difference_update(it.key for it in items)
            if items:
                self._batch(con, manifest, ingest.get(g[0]) if not self.forced else self.forced, items,
                            g[1], g[2], work, result, head)

    def _batch(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, ing: Ingestor, items: list[_Pending],
        gz: bool, crlf: bool, work: Path, result: LoadResult, head: bytes | None = None,
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
        # the query's head: the group's first (files of one shape read alike), else only the line ending
        head = head or (b"\r\n" if crlf else b"\n")
        if len(items) == 1:
            it = items[0]
            f = InputFile(path=it.disk, display=it.key, head=head, size=it.size, sha256="",
                          gzip=gz, hashing=it.hashing)
            self._single(con, manifest, ing, f, manifest.files.get(it.key) if it.replacing else None, result,
                         it.display)
            if it.note and result.files[-1].status == "replaced" and result.files[-1].path == it.key:
                result.files[-1].note = it.note
            return
        seq0 = manifest.next_seq
        stage_dir = work / f"b{seq0}-{uuid.uuid4().hex[:8]}"
        stage_dir.mkdir()
        stages: list[Path] = []
        bad: list[_Pending] = []
        self._stage_batch(con, ing, [(it, seq0 + i) for i, it in enumerate(items)], gz, head, stage_dir, stages,
                          bad)
        good = [(it, seq0 + i) for i, it in enumerate(items) if it not in bad]
        manifest.next_seq = seq0 + len(items)  # a failed file's seq is left unused
        if good:
            entries = self._commit_batch(con, manifest, ing, good, stages, stage_dir)
            for (it, _seq), entry in zip(good, entries, strict=True):
                result.files.append(FileResult(
                    it.key, "replaced" if it.replacing else "ingested", ing.name, entry.rows_read,
                    entry.rows_stored, entry.rows_duplicate, entry.rows_quarantined, rows_skipped=entry.rows_skipped,
                    note=it.note,
                ))
        shutil.rmtree(stage_dir, ignore_errors=True)
        for it in bad:
            self._batch(con, manifest, ing, [it], gz, crlf, work, result, head)

    def _stage_batch(
        self, con: duckdb.DuckDBPyConnection, ing: Ingestor, members: list[tuple[_Pending, int]], gz: bool,
        head: bytes, stage_dir: Path, stages: list[Path], bad: list[_Pending],
    ) -> None:
        """Stage `members` (file, seq) with one scan to a Parquet file added to `stages`; when the
        scan fails, stage each half the same way; a file that fails alone goes to `bad`. `head`:
        what the format's query reads of the files' heads (`_batch`)."""
        first = members[0][0]
        f = InputFile(path=first.disk, display=first.key, head=head,
                      size=sum(it.size for it, _ in members), sha256="", gzip=gz,
                      batch=tuple((str(it.disk), it.key, seq) for it, seq in members))
        stage = stage_dir / f"stage{len(stages)}-{uuid.uuid4().hex[:8]}.parquet"
        try:
            sql = validated_sql(con, ing, f, self.ctx, members[0][1])
            copy_stage(con, ing, sql, sql_str(str(stage)))
        except (duckdb.Error, UnicodeError, RecursionError):
            stage.unlink(missing_ok=True)
            if len(members) == 1:
                bad.append(first)
                return
            half = len(members) // 2
            self._stage_batch(con, ing, members[:half], gz, head, stage_dir, stages, bad)
            self._stage_batch(con, ing, members[half:], gz, head, stage_dir, stages, bad)
            return
        stages.append(stage)

    def _commit_batch(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, ing: Ingestor, items: list[tuple[_Pending, int]],
        stages: list[Path], stage_dir: Path,
    ) -> list[FileEntry]:
        """Add a staged batch (rows of many new or changed files, `_seq` naming each file) to the manifest:
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
                f"""COPY (SELECT {intake.quarantine_sql(self.ctx.keep_text, RAW_KEEP)}
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
        # the changed files among them: their old rows leave the store (`_detach`: each part they share
        # with other files is written again once, without them), and the events they held are
        # weighed again with the store's other copies (a snapshot format's election, else `_revive`)
        olds = [fe for it, _ in items if it.replacing and (fe := manifest.files.get(it.key)) is not None]
        replaced_parts = {p for fe in olds for p in fe.parts}
        old_snap = [fe for fe in olds if snap and fe.parts]
        if olds:
            self._detach(con, manifest, olds)
        months = [r[0] for r in con.execute("SELECT DISTINCT month FROM good_in ORDER BY 1").fetchall()]
        month_names = {month_name(m) for m in months} | {m for fe in old_snap for m in fe.months}
        if snap:
            month_names = {n for m in month_names for n in near_months(m)}
        existing = [str(root / p) for p in manifest.parts(table, month_names) if p not in replaced_parts]
        ids = "good_in"
        if snap:
            gone = " UNION SELECT event_id FROM read_parquet(?) WHERE _seq IN (SELECT unnest(?))" if old_snap else ""
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE snap_ids AS SELECT DISTINCT event_id FROM good_in{gone}",
                [sorted({str(root / p) for fe in old_snap for p in fe.parts}), [fe.seq for fe in old_snap]]
                if old_snap else [],
            )
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
                rewrites = self._restated_rewrites(con)
            elif n_clash:
                dup_expr = "_bdup OR event_id IN (SELECT event_id FROM clash)"
        stored = {r[0]: r[1] for r in con.execute(
            f"SELECT _seq, count(*) FILTER (WHERE NOT ({dup_expr})) FROM good GROUP BY _seq"
        ).fetchall()}

        rewritten = self._write_rewrites(rewrites, seq0)

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
                folder = f"month={month_name(month)}"
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
                reader_version=ing.reader_version if ing.reader_version > 1 else None,
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
        if olds and not snap:
            self._revive(con, manifest, table, replaced_parts, [fe.seq for fe in olds], entries)
        self.changed = True
        self.w.retire(*rewritten, *replaced_parts, *(fe.quarantine for fe in olds if fe.quarantine))
        con.execute("DROP VIEW IF EXISTS good")
        con.execute("DROP VIEW IF EXISTS stage")
        for t in ("good_in", "clash", "snap_ids", "snap_copies", "snap_win"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        return entries
