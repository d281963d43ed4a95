"""Checks shared by the reliability tests and bench/fuzz_long.py: what must hold after any run."""

from __future__ import annotations

import json
from pathlib import Path

from llmcost.ingest.results import FileResult
from llmcost.storage.schema import TABLES
from llmcost.storage.store import Store

STATUSES = {"ingested", "replaced", "unchanged", "unrecognised", "failed"}


def check_results(files: list[FileResult]) -> list[str]:
    """Per-file promises: a known status, a message when not ingested, counts that add up."""
    bad = []
    for f in files:
        where = f"{f.path} ({f.ingestor}, {f.status})"
        if f.status not in STATUSES:
            bad.append(f"{where}: unknown status")
        if f.status in ("failed", "unrecognised") and not f.message:
            bad.append(f"{where}: no message")
        if f.message and ("Traceback" in f.message or "\n" in f.message.strip()):
            bad.append(f"{where}: message is not one line: {f.message[:300]!r}")
        counts = (f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_skipped, f.rows_quarantined)
        if min(counts) < 0:
            bad.append(f"{where}: negative count {counts}")
        if f.rows_read != sum(counts[1:]):
            bad.append(f"{where}: rows_read {f.rows_read} != stored + duplicate + skipped + quarantined {counts[1:]}")
    return bad


def check_store(root: Path) -> list[str]:
    """Store promises: parts readable, per-file counts match the parts and the quarantine."""
    store = Store(root)
    manifest = store.read_manifest()
    bad = [f"verify: {p}" for p in store.verify(manifest)]
    if bad:
        return bad
    con = store.connect(manifest)
    live_by_table = {t: 0 for t in TABLES}
    for key, fe in manifest.files.items():
        if fe.rows_read != fe.rows_stored + fe.rows_duplicate + fe.rows_skipped + fe.rows_quarantined:
            bad.append(f"manifest {key}: counts do not add up")
        if fe.parts:
            paths = [str(root / p) for p in fe.parts]
            # a part written by a batch holds many files' rows: a file's rows are those of its seq
            n, live = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE NOT _dup) FROM read_parquet(?, union_by_name=true) "
                "WHERE _seq = ?", [paths, fe.seq]
            ).fetchone()
        else:
            n = live = 0
        live_by_table[fe.table] += live
        if live != fe.rows_stored:
            bad.append(f"manifest {key}: {live} live rows in its parts, manifest says {fe.rows_stored}")
        if n > fe.rows_read - fe.rows_skipped - fe.rows_quarantined:
            bad.append(f"manifest {key}: {n} rows in parts exceed read - quarantined")
        q = 0
        if fe.quarantine:
            # JSON Lines ends a record at "\n" only: str.splitlines() would also split at a U+2028
            # that JSON keeps raw inside a string (a quarantined row's shape may hold one)
            lines = [x for x in (root / fe.quarantine).read_text(encoding="utf-8").split("\n") if x.strip()]
            q = len(lines)
            for line in lines[:3]:
                entry = json.loads(line)
                if not entry.get("reason"):
                    bad.append(f"quarantine {fe.quarantine}: entry without a reason")
        if q != fe.rows_quarantined:
            bad.append(f"manifest {key}: {q} quarantine lines, manifest says {fe.rows_quarantined}")
    owners: dict[str, set[int]] = {}
    for fe in manifest.files.values():
        for p in fe.parts:
            owners.setdefault(p, set()).add(fe.seq)
    for p, seqs in sorted(owners.items()):
        (stray,) = con.execute(
            "SELECT count(*) FROM read_parquet(?) WHERE _seq NOT IN (SELECT unnest(?))", [str(root / p), sorted(seqs)]
        ).fetchone()
        if stray:
            bad.append(f"part {p}: {stray} rows of no file that lists it")
    # every live row (no duplicate) is counted by `usage` / `costs`, or left out because another
    # source counts the same usage or money, with that reason: `usage_shadowed` (org totals, Claude
    # Code beside the usage report, two widths), `costs_overlaps` and an org-wide cost total
    live = {t: con.execute(f"SELECT count(*) FROM {t}_all WHERE NOT _dup").fetchone()[0] for t in TABLES}
    if live != live_by_table:
        bad.append(f"live rows {live} != manifest {live_by_table}")
    org_total = "coalesce(TRY_CAST(json_extract_string(l.extra, '$.org_total') AS BOOLEAN), false)"
    reasons = {"usage": "l.event_id IN (SELECT event_id FROM usage_shadowed)",
               "costs": f"(l.event_id IN (SELECT event_id FROM costs_overlaps) OR {org_total})"}
    for t in TABLES:
        (unexplained,) = con.execute(
            f"SELECT count(*) FROM {t}_all l WHERE NOT _dup AND NOT EXISTS "
            f"(SELECT 1 FROM {t} c WHERE c.event_id IS NOT DISTINCT FROM l.event_id) AND NOT {reasons[t]}"
        ).fetchone()
        if unexplained:
            bad.append(f"{unexplained} live {t} rows left out of `{t}` with no reason (no overlap, no org total)")
        (counted,) = con.execute(f"SELECT count(*) FROM {t}").fetchone()
        if counted > live[t]:
            bad.append(f"`{t}` counts {counted} rows, more than the {live[t]} live ones")
    (neg,) = con.execute(
        """SELECT count(*) FROM usage WHERE input_tokens < 0 OR output_tokens < 0 OR cache_read_tokens < 0
           OR cache_write_tokens < 0 OR reasoning_tokens < 0 OR ts IS NULL
           OR ts < TIMESTAMPTZ '1990-01-01' OR ts > now() + INTERVAL 3 DAY"""
    ).fetchone()
    if neg:
        bad.append(f"{neg} stored usage rows with negative tokens or out-of-range time")
    con.close()
    return bad
