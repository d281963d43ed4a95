"""Anthropic Message Batches results (JSONL, one request's result per line), dated by its batch.

Field mapping (formats-request-logs.md 5c, "Anthropic's equivalent"; anthropics/anthropic-sdk-python
`types/messages/message_batch_individual_response.py` and `message_batch_result.py`): a line is
`{"custom_id": ..., "result": {"type": "succeeded" | "errored" | "canceled" | "expired", ...}}`.
A succeeded result holds the Messages body under `result.message`, mapped as
`anthropic_message_jsonl` maps one (5d: `input_tokens` excludes cache reads and writes; the
writes split by lifetime). An errored, canceled or expired request made no billed call: it is
not a usage row (the Message Batches docs: "you are not billed for errored, canceled or expired
requests"). Every stored row has `batch = true` (billed at the batch discount); `custom_id` is
the caller's key, kept in `extra.custom_id`.

The results carry no time at all. The time of every row is the batch's: `ended_at` (processing
ended; a batch ends within 24 hours of `created_at`), else `created_at`, from the batch object
(`GET /v1/messages/batches/{id}`, `"type": "message_batch"`, or a page of `GET
/v1/messages/batches` holding it) saved as JSON in the same folder: the one whose id is in the
results file's name, else the folder's only one. Without one the file fails with that fix, and is
read again on the next run (a failed file is not recorded), so adding the batch object is enough.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from llmcost.errors import FormatError
from llmcost.ingest import (
    GEO_CHANGE,
    IngestContext,
    Ingestor,
    InputFile,
    json_lines,
    json_lines_sql,
    on_disk,
    register,
    sql_str,
    text_fields,
)
from llmcost.ingest import _envelope as envelope
from llmcost.ingest.anthropic_message_jsonl import BODY_FIELDS, rows_sql

RESULT_TYPES = ("succeeded", "errored", "canceled", "expired")
BATCH_OBJECT_BYTES = 4 << 20  # a batch object is about 600 bytes; a list page of 1,000 about 600 KB


def is_result(obj: Any) -> bool:
    """A Message Batches result line: `custom_id` and a `result` whose type is one of RESULT_TYPES."""
    return (isinstance(obj, dict) and "custom_id" in obj and isinstance(obj.get("result"), dict)
            and obj["result"].get("type") in RESULT_TYPES)


def batch_objects(doc: Any) -> list[dict[str, Any]]:
    """The Message Batch objects in one parsed JSON document: a batch itself, or a list page's."""
    data = doc.get("data") if isinstance(doc, dict) else None
    items = data if isinstance(data, list) else [doc]
    return [b for b in items if isinstance(b, dict) and b.get("type") == "message_batch"
            and str(b.get("id", "")).startswith("msgbatch_")]


def _siblings(folder: Path, skip: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for cand in sorted(folder.iterdir()):
        if cand == skip or cand.suffix.lower() != ".json" or not cand.is_file():
            continue
        try:
            if cand.stat().st_size > BATCH_OBJECT_BYTES:
                continue
            with open(cand, "rb") as fh:
                head = fh.read(4096)
            if b'"message_batch"' not in head:
                continue
            found += batch_objects(json.loads(cand.read_bytes().decode("utf-8-sig")))
        except (OSError, ValueError):
            continue  # not a batch object we can read: another format's file
    return found


def batch_time(f: InputFile) -> tuple[str, str] | None:
    """(batch id, ISO time) of the batch that dates `f`'s results, or None when none is found."""
    if "!" in f.display:  # inside an archive: no folder to look in
        return None
    path = on_disk(f)
    found = _siblings(path.parent, path)
    named = [b for b in found if b["id"] in Path(f.display).name]
    pick = named[0] if named else found[0] if len({b["id"] for b in found}) == 1 else None
    if pick is None:
        return None
    when = pick.get("ended_at") or pick.get("created_at")
    return (pick["id"], when) if isinstance(when, str) and when else None


@register
class AnthropicBatchResultsJsonl(Ingestor):
    name = "anthropic_batch_results_jsonl"
    reader_changes: ClassVar[dict[int, str]] = {2: GEO_CHANGE}
    title = "Anthropic Message Batches results (JSONL), dated by the batch object saved beside them"
    obtain = (
        "`client.messages.batches.results(id)` (or GET /v1/messages/batches/{id}/results) saved as "
        "<id>.jsonl, and the batch itself (GET /v1/messages/batches/{id}) as <id>.json in the same folder."
    )

    def sniff(self, head: bytes, name: str) -> bool:
        objs = json_lines(head, limit=1)
        return bool(objs) and is_result(objs[0])

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        found = batch_time(f)
        if found is None:
            raise FormatError(
                "Anthropic Message Batches results carry no time, and no batch object to date "
                "them was found in the same folder. Fix: save the batch (GET /v1/messages/batches/<id>, "
                "`client.messages.batches.retrieve(id)`) as JSON beside it, named after the batch id if the "
                "folder holds several batches, and run again."
            )
        batch_id, when = found
        fields = envelope.fields(envelope.Envelope(body_prefix="$.result.message"), BODY_FIELDS)
        fields.update(custom_id="$.custom_id", result_type="$.result.type")
        # an errored, canceled or expired request is no usage row (the lines read, not stored)
        lines = (f"SELECT * REPLACE ({sql_str(when)} AS env_ts) "
                 f"FROM ({json_lines_sql(f, text_fields(fields, ctx))}) "
                 "WHERE NOT _json_ok OR coalesce(result_type, '') NOT IN ('errored', 'canceled', 'expired')")
        rows = rows_sql(lines, f, ctx, carry=("custom_id",), checks=(
            "WHEN result_type IS DISTINCT FROM 'succeeded' "
            "THEN 'not a Message Batches result (no result.type succeeded, errored, canceled or expired)'"))
        extra = (f"json_merge_patch(coalesce(extra, '{{}}'), json_object('custom_id', custom_id, "
                 f"'batch_id', {sql_str(batch_id)}))")
        return f"""
        SELECT * EXCLUDE (custom_id) REPLACE (
          true AS batch, coalesce(service_tier, 'batch') AS service_tier, {extra} AS extra)
        FROM ({rows})
        """
