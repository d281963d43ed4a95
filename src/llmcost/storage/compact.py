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
