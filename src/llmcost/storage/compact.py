"""Compaction: a month's small parts merged into one (docs/reliability.md, "Compaction").

A store operation on the manifest and its parts through the store's writer (no format is read):
a load run calls `compact_parts` before its commit, `llmcost-forecast compact` calls `compact`."""

from __future__ import annotations

import uuid
from pathlib import Path

from llmcost.storage.schema import TABLES
from llmcost.storage.store import Store, StoreWriter

# Compaction (docs/reliability.md, "Compaction"): the parts of one table and month smaller than
# SMALL_PART_BYTES are merged into one part when there are more than AUTO_COMPACT_PARTS of them at
# the end of a run (in the run's commit), or more than one when `llmcost-forecast compact` runs.
# Merging writes a new part first; the manifest's atomic replace is the commit; the old parts are
# deleted after it, so a run killed at any point leaves the old state or the new one.
AUTO_COMPACT_PARTS = 32
SMALL_PART_BYTES = 64 * 1024**2
# At most this many parts are read by one scan of a merge: more are merged in rounds (groups of
# MERGE_FAN_IN into intermediate files in the writer's staging folder, then those), so a merge's
# memory does not grow with the number of parts. DuckDB holds a reader with the metadata and
# buffers of every file of one read_parquet: one scan over 2,000 one-row parts took 1.9 GB.
MERGE_FAN_IN = 128

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
            rel_new = _merge(w, [str(root / r) for r in rels], f"{table}/{folder}/m{uuid.uuid4().hex}.parquet")
            merged = set(rels)
            for fe in manifest.files.values():
                if merged.intersection(fe.parts):
                    kept = [p for p in fe.parts if p not in merged]
                    fe.parts = sorted({*kept, rel_new})
            w.retire(*rels)
            merged_all += rels
    return merged_all


def _merge(w: StoreWriter, paths: list[str], rel: str) -> str:
    """Write the rows of the Parquet files `paths` as the new part `rel`, reading at most
    MERGE_FAN_IN files per scan (rounds of intermediate files in the writer's staging folder,
    deleted once read). Returns `rel`."""
    scan = "SELECT * FROM read_parquet(?, union_by_name=true)"
    temps: list[Path] = []
    try:
        while len(paths) > MERGE_FAN_IN:
            merged = []
            for i in range(0, len(paths), MERGE_FAN_IN):
                tmp = w.work / f"merge-{uuid.uuid4().hex}.parquet"
                quoted = str(tmp).replace("'", "''")
                w.con.execute(f"COPY ({scan}) TO '{quoted}' (FORMAT parquet)", [paths[i:i + MERGE_FAN_IN]])
                temps.append(tmp)
                merged.append(str(tmp))
            paths = merged
        return w.write_part(scan, rel, [paths])
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)


def compact(store_dir: Path, *, wait: float = 0.0) -> tuple[int, int]:
    """`llmcost-forecast compact`: merge each month's small parts into one (see compact_parts).
    Returns (parts before, parts after)."""
    with Store.open(store_dir).writer(wait=wait) as w:
        before = sum(len(w.manifest.parts(t)) for t in TABLES)
        if compact_parts(w, 1):
            w.commit()
        return before, sum(len(w.manifest.parts(t)) for t in TABLES)
