"""Staging one file and committing its rows (one job of the loader): parse and validate it to a
Parquet stage (the fast JSON path first where allowed), quarantine its bad rows with file, line
and reason, drop in-file and store duplicates (`llmcost.ingest.dedupe`), and write its parts,
listed only by the manifest's commit."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sqlite3
import uuid
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa

from llmcost.ingest import Ingestor, InputFile, intake, json_document, reads_records, salvage, sql_str
from llmcost.ingest.dedupe import SNAPSHOT_FIELDS, Dedupe, derived_key, month_name, near_months
from llmcost.ingest.privacy import mask_text
from llmcost.ingest.results import FileResult, LoadResult
from llmcost.ingest.validate import RAW_KEEP, validated_sql
from llmcost.storage.schema import duckdb_types
from llmcost.storage.store import FileEntry, Manifest, now_iso, one


def copy_stage(con: duckdb.DuckDBPyConnection, ing: Ingestor, sql: str, target: str) -> None:
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


_BAD_DOCUMENT = re.compile(r"Malformed JSON .*: (?P<why>[^:]*)$")
"""DuckDB's message for a JSON document it cannot parse (read_json_objects); its byte and record
numbers count within DuckDB's read buffer, not the file, so only the reason is kept."""


def _broken_document(display: str, saved: salvage.Salvage) -> str:
    """What a user is told of a JSON document read as far as it holds (`llmcost.ingest.salvage`)."""
    first = saved.breaks[0]
    where = "; ".join(f"record {b.record} (line {b.line}, column {b.column}: {b.why})" for b in saved.breaks[:3])
    more = f" and {len(saved.breaks) - 3} more" if len(saved.breaks) > 3 else ""
    q = shlex.quote(display)
    tool = f"gzip -dc {q} | python3 -m json.tool" if display.endswith(".gz") else f"python3 -m json.tool {q}"
    return mask_text(
        f"{display} is a JSON document that breaks at {where}{more}: its {saved.records} whole records were read "
        f"and the broken text is quarantined in its place. Fix: if the file was cut short (an interrupted copy, a "
        f"full disk, a writer still at work), copy it again and run again (the file is read again); else "
        f"`{tool}` names line {first.line}"
    )


class FileCommit(Dedupe):
    """Stage and commit one file at a time (`_single`); batches build on it (llmcost.ingest.batches)."""

    _work: Path  # the run's staging folder

    def _single(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, ing: Ingestor, f: InputFile,
        old: FileEntry | None, result: LoadResult, display: str,
    ) -> None:
        """Stage and commit one file (and the rows its format derives from it) on its own."""
        key = f.display
        work = self._work
        saved: salvage.Salvage | None = None
        try:
            try:
                entry = self._commit_file(con, manifest, ing, f)
            except duckdb.Error as e:
                # a JSON document DuckDB cannot parse whole: read the records it holds, once
                fixed = work / f"salvaged-{uuid.uuid4().hex[:8]}.json"
                saved = (salvage.salvage(f.path, f.gzip, fixed) if json_document(f.head)
                         and _BAD_DOCUMENT.search(str(e)) and reads_records(ing.query(f, self.ctx)) else None)
                if saved is None:
                    raise
                try:
                    entry = self._commit_file(con, manifest, ing, replace(f, path=fixed, gzip=False, fast_json=False))
                except duckdb.Error:
                    raise e from None  # the rewritten records fail too: say what the file itself does
        except (duckdb.Error, sqlite3.Error, pa.ArrowException, UnicodeError, RecursionError) as e:
            # Hostile or damaged input (DuckDB and SQLite errors, a value Arrow cannot convert in a
            # format read in Python, text DuckDB cannot decode, JSON nested too deep for Python):
            # the file fails with one line, the run goes on. The message may quote the input, so
            # it is masked like everything else.
            msg = (str(e).splitlines() or [type(e).__name__])[0][:500].rstrip(" .")  # the sentence ends below
            fix = ("Fix: save the file as UTF-8." if isinstance(e, UnicodeError)
                   else "Fix: check the file is complete, or force another format with --source.")
            bad = _BAD_DOCUMENT.search(msg) if json_document(f.head) else None
            if bad:  # a JSON document is parsed whole: say where it breaks (ingest.json_document)
                msg = (f"it is one JSON document, read whole, and it is not valid JSON ({bad['why']}), "
                       "so none of it was stored")
                fix = ("Fix: if the file was cut short (an interrupted copy, a full disk), copy it again; "
                       f"else `python3 -m json.tool {shlex.quote(display)}` names the line that breaks it.")
            result.files.append(FileResult(
                key, "failed", ing.name, message=mask_text(f"{display} could not be read as {ing.name}: {msg}. {fix}"),
            ))
            return
        status = "replaced" if old else "ingested"
        result.files.append(FileResult(
            key, status, ing.name, entry.rows_read, entry.rows_stored, entry.rows_duplicate, entry.rows_quarantined,
            rows_skipped=entry.rows_skipped, message=_broken_document(display, saved) if saved else None,
        ))

    def _commit_file(self, con: duckdb.DuckDBPyConnection, manifest: Manifest, ing: Ingestor,
                     f: InputFile) -> FileEntry:
        """Stage and commit the rows of `f` and the rows its format derives from it."""
        key = f.display
        entry = self._stage_and_commit(con, manifest, ing, f, self._work)
        for reader in ing.derived:
            self._stage_and_commit(con, manifest, reader, f, self._work, key=derived_key(key, reader), derived_from=key)
        self._drop_derived(manifest, key, {derived_key(key, r) for r in ing.derived})
        return entry

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
            self._detach(con, manifest, [old])
        replaced_parts = set(old.parts) if old else set()
        # a changed file of a snapshot format re-weighs the events it held as well as those it holds now
        old_snap = snap and old is not None and old.ingestor == ing.name and bool(old.parts)
        months = [r[0] for r in con.execute(f"SELECT DISTINCT month FROM {base} ORDER BY 1").fetchall()]
        # the same event has the same time, so only parts of the same months can hold it (snapshots
        # of one reply may straddle a month's end: the months either side are searched too)
        month_names = {month_name(m) for m in months}
        if snap:
            near = month_names | (set(old.months) if old is not None and old_snap else set())
            month_names = {n for m in near for n in near_months(m)}
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
            rewrites = self._restated_rewrites(con)
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
        rewritten = self._write_rewrites(rewrites, seq)

        # write the new parts (unlisted until the manifest commit); one file per month
        select = f"SELECT {cols}, CAST({seq} AS BIGINT) AS _seq, {dup_expr} AS _dup"
        new_parts = []
        if len(months) == 1:
            rel = f"{table}/month={month_name(months[0])}/p{seq:06d}_{uuid.uuid4().hex}.parquet"
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
                folder = f"month={month_name(int(p.parent.name.split('=', 1)[1]))}"
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
            reader_version=ing.reader_version if ing.reader_version > 1 else None,
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
            self._revive(con, manifest, table, set(old.parts), [old.seq], [entry])
        self.changed = True
        # the old files become garbage at the commit; a crash before it leaves them in force
        self.w.retire(*(old.parts if old else ()), *rewritten, *([old.quarantine] if old and old.quarantine else ()))
        con.execute("DROP VIEW IF EXISTS good")
        con.execute("DROP VIEW IF EXISTS good_in")
        for t in ("clash", "snap_ids", "snap_copies", "snap_win"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        shutil.rmtree(stage_dir, ignore_errors=True)
        return entry

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
        copy_stage(con, ing, validated_sql(con, ing, f, self.ctx, seq), target)
        return None
