"""Langfuse observations batch export, JSON (one array); `source_line` is the record number.

Mapping in `llmcost.ingest._langfuse` (formats-request-logs.md section 2).
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, first_json, register
from llmcost.ingest import _langfuse as lf
from llmcost.ingest import _records as records


@register
class LangfuseObservationsJson(Ingestor):
    name = "langfuse_observations_json"
    reader_changes: ClassVar[dict[int, str]] = lf.READER_CHANGES
    title = ("Langfuse observations export (JSON array; UI batch export or scheduled blob export), joined to its "
             "traces export")
    obtain = ("Langfuse UI > Observations > Export > JSON; also export Traces into the same folder for "
              "session ids. Or the scheduled blob-storage export (project Settings > Integrations > Blob Storage, "
              "file type JSON): sync `<projectId>/` with its observations/ and traces/ folders.")

    def sniff(self, head: bytes, name: str) -> bool:
        obj = first_json(head)
        if isinstance(obj, list):
            return bool(obj) and lf.is_observation(obj[0])
        return isinstance(obj, str) and obj.lstrip().startswith("[") and lf.names_observations(obj[:8192])

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        fields = {c: f"$.{c}" for c in lf.READ_COLUMNS}
        return lf.mapping_sql(records.json_records_sql(f, fields), f, ctx)
