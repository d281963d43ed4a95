"""Langfuse's scheduled blob-storage export (S3 / Azure): the ClickHouse columns in snake_case.

langfuse/langfuse `packages/shared/src/domain/observation-field-groups.ts`
(`LEGACY_OBSERVATION_EXPORT_FIELDS`: `id, trace_id, ..., start_time, ..., provided_model_name,
usage_details, cost_details, ..., total_cost, ...`), `packages/shared/src/server/repositories/traces.ts`
(`buildTracesForBlobStorageExportQuery`: `id, timestamp, ..., user_id, session_id, ..., tags`) and
`worker/src/features/blobstorage/handleBlobStorageIntegrationProjectJob.ts` (files at
`<prefix><projectId>/<table>/<YYYY-MM-DDTHH-mm-ss>.<csv|json|jsonl>[.gz]` or `.parquet`, one per table
and run, with the same name in `observations/` and `traces/`). Dates are ClickHouse's text
(`2026-10-12 15:31:46.402`, UTC, no zone); CSV cells hold strings as they are and maps as JSON
(`packages/shared/src/server/utils/transforms/transformStreamToCsv.ts`, `utils/stringify.ts`).

The fixtures are written by hand in that shape. Before, each file was "no known format matches ...".
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from llmcost import ingest
from llmcost.ingest import intake
from llmcost.ingest.loader import load
from llmcost.storage.duck import connect
from llmcost.storage.store import Store

STAMP = "2026-10-12T16-00-00"
"""The file name a run gives every table (formatBlobExportTimestamp of the window's end)."""


def _obs(oid: str, trace: str, start: str, kind: str, model: str | None, usage: dict[str, int],
         cost: dict[str, float], total: float | None) -> dict[str, object]:
    return {"id": oid, "trace_id": trace, "project_id": "proj-1", "environment": "default", "type": kind,
            "parent_observation_id": None, "start_time": start, "end_time": start, "name": kind.lower(),
            "metadata": {"feature": "chat"}, "level": "DEFAULT", "status_message": None, "version": None,
            "input": None, "output": None, "provided_model_name": model, "model_parameters": None,
            "usage_details": usage, "cost_details": cost, "completion_start_time": None, "prompt_name": None,
            "prompt_version": None, "total_cost": total, "latency": 1.2, "time_to_first_token": None,
            "model_id": None, "created_at": start, "updated_at": start, "prompt_id": None, "tool_calls": [],
            "tool_call_names": [], "tool_definitions": {}, "usage_pricing_tier_name": None}


OBSERVATIONS = [
    # GPT-4.1 mini: input 279 uncached, 2,176 cached, output 140; cost $0.0005532
    _obs("o1", "t1", "2026-10-12 15:31:46.402", "GENERATION", "gpt-4.1-mini-2025-04-14",
         {"input": 279, "input_cached_tokens": 2176, "output": 140, "total": 2595},
         {"input": 0.0001116, "input_cached_tokens": 0.0002176, "output": 0.000224, "total": 0.0005532}, 0.0005532),
    # o3: input 1,200 + 800 cached; output 60 + reasoning 340 = 400; cost $0.01
    _obs("o2", "t1", "2026-10-12 15:31:50.100", "GENERATION", "o3-2025-04-16",
         {"input": 1200, "input_cached_tokens": 800, "output": 60, "output_reasoning_tokens": 340, "total": 2400},
         {"total": 0.01}, 0.01),
    # the agent's span around them: no usage, not a usage row
    _obs("s1", "t1", "2026-10-12 15:31:46.000", "SPAN", None, {}, {}, None),
    # Claude: input 50, 3,000 read from cache, 1,000 written to it, output 200; cost $0.0135
    _obs("o3", "t2", "2026-10-12 15:40:02.000", "GENERATION", "claude-sonnet-4-5-20250929",
         {"input": 50, "input_cache_read": 3000, "input_cache_creation": 1000, "output": 200, "total": 4250},
         {"total": 0.0135}, 0.0135),
]
TRACES = [
    {"id": "t1", "timestamp": "2026-10-12 15:31:45.000", "name": "turn", "environment": "default",
     "project_id": "proj-1", "metadata": {"team": "ml"}, "user_id": "user-1", "session_id": "sess-a",
     "release": None, "version": None, "public": False, "bookmarked": False, "tags": ["prod"], "input": None,
     "output": None, "created_at": "2026-10-12 15:31:45.000", "updated_at": "2026-10-12 15:31:45.000"},
    {"id": "t2", "timestamp": "2026-10-12 15:40:00.000", "name": "turn", "environment": "default",
     "project_id": "proj-1", "metadata": {}, "user_id": "user-2", "session_id": "sess-a", "release": None,
     "version": None, "public": False, "bookmarked": False, "tags": [], "input": None, "output": None,
     "created_at": "2026-10-12 15:40:00.000", "updated_at": "2026-10-12 15:40:00.000"},
]

# By hand, over o1, o2, o3 (s1 has no usage):
#   input       279 + 1,200 + 50       = 1,529
#   cache read  2,176 + 800 + 3,000    = 5,976
#   cache write 1,000 (o3)
#   output      140 + (60 + 340) + 200 = 740; reasoning 340 (o2)
#   cost        0.0005532 + 0.01 + 0.0135 = 0.0240532
# Sessions: t1 (user-1) and t2 (user-2) are turns 1 and 2 of sess-a.
EXPECTED = [
    # event_id, user, conversation, turn, input, read, write, output, reasoning, cost
    ("o1", "user-1", "sess-a", 1, 279, 2176, 0, 140, 0, Decimal("0.0005532")),
    ("o2", "user-1", "sess-a", 1, 1200, 800, 0, 400, 340, Decimal("0.01")),
    ("o3", "user-2", "sess-a", 2, 50, 3000, 1000, 200, 0, Decimal("0.0135")),
]
COLS = ("event_id, user_id, conversation_id, turn, input_tokens, cache_read_tokens, cache_write_tokens, "
        "output_tokens, reasoning_tokens, reported_cost_usd")


def _csv(rows: list[dict[str, object]]) -> str:
    # transformStreamToCsv: every cell quoted; strings as they are, anything else JSON, null empty
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(list(rows[0]))
    for r in rows:
        w.writerow(["" if v is None else v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
                    for v in r.values()])
    return out.getvalue()


def _text(kind: str, rows: list[dict[str, object]]) -> str:
    if kind == "csv":
        return _csv(rows)
    if kind == "json":
        return json.dumps(rows)
    return "".join(json.dumps(r) + "\n" for r in rows)


def _parquet(path: Path, rows: list[dict[str, object]], types: dict[str, str]) -> None:
    """`rows` written as Parquet with DuckDB, each column of `types` cast to its ClickHouse-like type."""
    con = connect()
    try:
        src = path.with_suffix(".src.json")
        src.write_text(json.dumps(rows))
        cols = ", ".join(
            f"CAST({c} AS {types[c]}) AS {c}" if c in types else f"CAST({c} AS VARCHAR) AS {c}" for c in rows[0]
        )
        con.execute(f"COPY (SELECT {cols} FROM read_json('{src}', records=true, columns={{"
                    + ", ".join(f"'{c}': '{'JSON' if c in types else 'VARCHAR'}'" for c in rows[0])
                    + f"}})) TO '{path}' (FORMAT parquet)")
        src.unlink()
    finally:
        con.close()


OBS_TYPES = {"start_time": "TIMESTAMP", "end_time": "TIMESTAMP", "created_at": "TIMESTAMP",
             "updated_at": "TIMESTAMP", "metadata": "MAP(VARCHAR, VARCHAR)",
             "usage_details": "MAP(VARCHAR, UBIGINT)", "cost_details": "MAP(VARCHAR, DECIMAL(18, 12))",
             "total_cost": "DECIMAL(18, 12)", "latency": "DOUBLE", "tool_call_names": "VARCHAR[]"}
TRACE_TYPES = {"timestamp": "TIMESTAMP", "created_at": "TIMESTAMP", "updated_at": "TIMESTAMP",
               "metadata": "MAP(VARCHAR, VARCHAR)", "tags": "VARCHAR[]", "public": "BOOLEAN", "bookmarked": "BOOLEAN"}


def _export(root: Path, kind: str, obs: list[dict[str, object]] = OBSERVATIONS) -> Path:
    """A blob export of one run under `root`: `<project>/observations/<stamp>.<ext>` and
    `<project>/traces/<stamp>.<ext>` (kind: csv, json, jsonl, jsonl.gz, parquet)."""
    project = root / "proj-1"
    for table, rows, types in (("observations", obs, OBS_TYPES), ("traces", TRACES, TRACE_TYPES)):
        (project / table).mkdir(parents=True)
        path = project / table / f"{STAMP}.{kind}"
        if kind == "parquet":
            _parquet(path, rows, types)
        elif kind.endswith(".gz"):
            path.write_bytes(gzip.compress(_text(kind.removesuffix(".gz"), rows).encode()))
        else:
            path.write_text(_text(kind, rows))
    return project


def _rows(store: Path, cols: str = COLS) -> list[tuple[object, ...]]:
    return Store.open(store).connect().execute(f"SELECT {cols} FROM usage ORDER BY event_id").fetchall()


KINDS = {"csv": "langfuse_observations_csv", "json": "langfuse_observations_json",
         "jsonl": "langfuse_observations_jsonl", "jsonl.gz": "langfuse_observations_jsonl",
         "parquet": "langfuse_observations_csv"}


@pytest.mark.parametrize("kind", list(KINDS))
def test_blob_export_is_read_and_joined_to_its_traces(tmp_path: Path, kind: str) -> None:
    project = _export(tmp_path / "bucket", kind)
    result = load([project], tmp_path / "store")
    by_file = {f.path.split("proj-1/")[-1]: (f.status, f.ingestor) for f in result.files}
    # the traces file is a companion (read with the observations), not an unrecognised file
    assert by_file[f"observations/{STAMP}.{kind}"] == ("ingested", KINDS[kind])
    assert by_file[f"traces/{STAMP}.{kind}"][0] == "companion"
    got = _rows(tmp_path / "store")
    assert [r[:9] for r in got] == [e[:9] for e in EXPECTED]
    assert [r[9] for r in got] == [e[9] for e in EXPECTED]
    totals = Store.open(tmp_path / "store").connect().execute(
        "SELECT sum(input_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(output_tokens), "
        "sum(reasoning_tokens), sum(reported_cost_usd) FROM usage").fetchone()
    assert totals == (1529, 5976, 1000, 740, 340, Decimal("0.0240532"))
    tags = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, extra ->> '$.tags.prod', extra ->> '$.tags.team', extra ->> '$.tags.feature' "
        "FROM usage ORDER BY event_id").fetchall()
    assert tags == [("o1", "true", "ml", "chat"), ("o2", "true", "ml", "chat"), ("o3", None, None, "chat")]


@pytest.mark.parametrize("kind", ["csv", "jsonl", "parquet"])
def test_exactly_one_format_claims_each_blob_file(tmp_path: Path, kind: str) -> None:
    project = _export(tmp_path, kind)
    obs, traces = project / "observations" / f"{STAMP}.{kind}", project / "traces" / f"{STAMP}.{kind}"
    assert [i.name for i in ingest.detect(intake.head(obs, False), str(obs))] == [KINDS[kind]]
    assert ingest.detect(intake.head(traces, False), str(traces)) == []


CAMEL = {"trace_id": "traceId", "start_time": "startTime", "provided_model_name": "model",
         "usage_details": "usageDetails", "cost_details": "costDetails", "total_cost": "totalCost"}
"""The batch export's names of the same columns (formats-request-logs.md section 2)."""


def _camel(row: dict[str, object], table: str) -> dict[str, object]:
    names = CAMEL if table == "observations" else {"session_id": "sessionId", "user_id": "userId"}
    out = {names.get(k, k): v for k, v in row.items()}
    for k in ("startTime", "timestamp"):  # the batch export's dates: ISO 8601 with Z
        if isinstance(out.get(k), str):
            out[k] = str(out[k]).replace(" ", "T") + "Z"
    return out


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_batch_and_blob_exports_of_the_same_observations_store_the_same_rows(tmp_path: Path, kind: str) -> None:
    _export(tmp_path / "blob", kind)
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / f"observations.{kind}").write_text(_text(kind, [_camel(r, "observations") for r in OBSERVATIONS]))
    (batch / f"traces.{kind}").write_text(_text(kind, [_camel(r, "traces") for r in TRACES]))
    load([tmp_path / "blob"], tmp_path / "s_blob")
    load([batch], tmp_path / "s_batch")
    # every stored column but source_file (the file's own name): event_id is the observation id in both
    cols = Store.open(tmp_path / "s_batch").connect().execute("SELECT * FROM usage LIMIT 0").description
    names = ", ".join(f'"{c[0]}"' for c in cols if c[0] != "source_file")
    assert _rows(tmp_path / "s_blob", names) == _rows(tmp_path / "s_batch", names)
    assert len(_rows(tmp_path / "s_blob", names)) == 3
