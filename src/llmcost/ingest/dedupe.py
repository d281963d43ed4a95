"""Weighing a run's new rows against the store's copies of the same events (one job of the loader).

`clash` finds the existing parts holding the new rows' ids (with a per-run id cache); a snapshot
format's copies are elected (`elect_snapshots`: the largest output stays live); a changed file's
old events are re-elected among the remaining copies (`revive`); a part shared by a batch is
rewritten without a replaced file's rows (`detach`); the counts of the files whose parts were
rewritten are recomputed (`recount`). Every step is DuckDB SQL over Parquet parts; parts are
written through the store's writer and listed only by the manifest's commit.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

from llmcost import ingest
from llmcost.ingest import IngestContext, Ingestor, sql_str
from llmcost.storage.schema import USAGE_TOKEN_COLUMNS
from llmcost.storage.store import FileEntry, Manifest, Store, StoreWriter, one, successor_part


def derived_key(key: str, reader: Ingestor) -> str:
    """Manifest key of the rows `reader` derives from the file at `key` (see Ingestor.derived)."""
    return f"{key}#derived:{reader.table}"


def rewritten_part(rel_old: str, seq: int) -> str:
    """The name of part `rel_old` rewritten by commit `seq` (its rows losing to restated buckets or
    larger snapshots): its first name with `-r<seq>`. The suffix replaces an earlier rewrite's, so a
    part rewritten at every run (a session database re-read each day) keeps a name of fixed length
    (the suffixes used to pile up, `-r2-r3-...-r54`, until the name was too long to write)."""
    old = Path(rel_old)
    return f"{old.parent.as_posix()}/{re.sub(r'(?:-r[0-9]+)+$', '', old.stem)}-r{seq}.parquet"


def month_name(month: int) -> str:
    """202609 -> '2026-09' (the partition folder name)."""
    return f"{month // 100:04d}-{month % 100:02d}"


def near_months(name: str) -> set[str]:
    """'2026-09' -> {'2026-08', '2026-09', '2026-10'}."""
    year, month = int(name[:4]), int(name[5:7])
    index = year * 12 + month - 1
    return {f"{i // 12:04d}-{i % 12 + 1:02d}" for i in (index - 1, index, index + 1)}


SNAPSHOT_FIELDS = (*USAGE_TOKEN_COLUMNS, "reported_cost_usd", "web_search_calls", "file_search_calls")
"""The columns a snapshot format's stored row takes the per-field maximum of (Ingestor.snapshots)."""

ID_CACHE_ROWS = 2_000_000
"""Event ids of existing parts a run keeps in memory for its duplicate checks (about 100 MB)."""


class Dedupe:
    """The duplicate and snapshot bookkeeping of one run; `Loader` (llmcost.ingest.loader) sets
    the state below."""

    store: Store
    w: StoreWriter  # the store's writer (lock, manifest, connection, commit)
    ctx: IngestContext
    changed: bool
    # Parts whose event ids are cached in TEMP TABLE part_ids for this run (parts are
    # immutable: a rewrite is a new file), and how many ids the cache holds.
    _cached_parts: set[str]
    _cached_ids: int

    def _derived_complete(self, manifest: Manifest, key: str, ingestor: str) -> bool:
        """False when the file's format derives rows into another table and the store lacks them
        (a store written before the format did, e.g. FOCUS token buckets): the file is read again."""
        ing = ingest.lookup(ingestor)
        return ing is None or all(derived_key(key, r) in manifest.files for r in ing.derived)

    def _drop_derived(self, manifest: Manifest, key: str, keep: set[str]) -> None:
        """Forget the derived rows of a file that its format no longer derives (the file changed
        into another format). Their parts become garbage at the commit."""
        for k in [k for k, fe in manifest.files.items() if fe.derived_from == key and k not in keep]:
            fe = manifest.files.pop(k)
            self.w.retire(*fe.parts, *([fe.quarantine] if fe.quarantine else []))
            self.changed = True

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

    def _restated_rewrites(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """Each part holding an older copy of a restated bucket (TEMP TABLE clash) -> the SELECT that
        rewrites it with those copies no longer live (the rows of `good` win)."""
        return {
            fname: (f"SELECT * REPLACE (_dup OR event_id IN (SELECT event_id FROM good) AS _dup) "
                    f"FROM read_parquet({sql_str(fname)})")
            for (fname,) in con.execute("SELECT DISTINCT filename FROM clash").fetchall()
        }

    def _write_rewrites(self, rewrites: dict[str, str], seq: int) -> dict[str, str]:
        """Write each part of `rewrites` (part -> the SELECT that rewrites it) under its name for
        commit `seq`; returns old name -> new name, both relative to the store."""
        root = self.store.root
        rewritten: dict[str, str] = {}
        for fname, select_old in rewrites.items():
            rel_old = Path(fname).relative_to(root).as_posix()
            rel_new = rewritten_part(rel_old, seq)
            self.w.write_part(select_old, rel_new)
            rewritten[rel_old] = rel_new
        return rewritten

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

    def _revive(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, table: str, removed: set[str],
        old_seqs: list[int], entries: list[FileEntry],
    ) -> None:
        """After changed files replaced their old rows (`old_seqs`, in the `removed` parts) with
        `entries`, re-elect the live copy of the ids they used to win: one pass for a batch of
        changed files. A copy is named by its part and its file's seq (a batch's part holds many
        files' rows); the rows of `entries` were decided when they were written."""
        root = self.store.root
        removed_paths = [str(root / p) for p in sorted(removed) if (root / p).exists()]
        new_ids = {id(e) for e in entries}
        new_parts = {p for e in entries for p in e.parts}
        others = [
            (fe, p) for fe in manifest.files.values() for p in fe.parts if fe.table == table and id(fe) not in new_ids
        ]
        if not removed_paths or not others or not old_seqs:
            return
        con.execute(
            "CREATE OR REPLACE TEMP TABLE gone AS SELECT DISTINCT event_id FROM read_parquet(?) "
            "WHERE NOT _dup AND _seq IN (SELECT unnest(?))",
            [removed_paths, [int(s) for s in old_seqs]],
        )
        all_parts = sorted({str(root / p) for fe, p in others} | {str(root / p) for p in new_parts})
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
            if rel_old in new_parts:
                continue  # the new files' own rows were decided at write time
            rel_new = successor_part(rel_old, "v")
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

    def _detach(self, con: duckdb.DuckDBPyConnection, manifest: Manifest, olds: list[FileEntry]) -> None:
        """Before files' rows are replaced: every part they share with other files (a batch's part)
        is written again without their rows, for the others, once however many of its files
        change (a part rewritten once per changed file made a batch of changed files quadratic);
        the changed files keep the old parts, which become garbage at the commit with their other
        parts."""
        root = self.store.root
        mine = {id(fe) for fe in olds}
        seqs = ", ".join(str(int(fe.seq)) for fe in olds)
        sharers: dict[str, list[FileEntry]] = {}
        for fe in manifest.files.values():
            if id(fe) not in mine:
                for p in fe.parts:
                    sharers.setdefault(p, []).append(fe)
        for rel in sorted({p for fe in olds for p in fe.parts}):
            if rel not in sharers:
                continue
            rel_new = successor_part(rel, "d")
            self.w.write_part(
                f"SELECT * FROM read_parquet({sql_str(str(root / rel))}) WHERE _seq NOT IN ({seqs})", rel_new
            )
            for fe in sharers[rel]:
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
