"""Langfuse observations batch export, JSONL (one observation per line).

Mapping in `llmcost.ingest._langfuse` (formats-request-logs.md section 2): usage from
`usageDetails` (input excludes cache), cost from `costDetails.total`, session and user from a
sibling traces export joined on `traceId`.
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, json_document, json_lines, json_lines_sql, register
from llmcost.ingest import _langfuse as lf


@register
class LangfuseObservationsJsonl(Ingestor):
    name = "langfuse_observations_jsonl"
    reader_changes: ClassVar[dict[int, str]] = lf.READER_CHANGES
    title = ("Langfuse observations export (JSONL; UI batch export or scheduled blob export), joined to its "
             "traces export")
    obtain = ("Langfuse UI > Observations > Export > JSONL; also export Traces (any format) into the same "
              "folder for session ids. Or the scheduled blob-storage export (project Settings > Integrations > "
              "Blob Storage, file type JSONL): sync `<projectId>/` with its observations/ and traces/ folders.")

    def sniff(self, head: bytes, name: str) -> bool:
        if json_document(head) == "array":  # langfuse_observations_json reads the UI's JSON array
            return False
        objs = json_lines(head, limit=2)
        return bool(objs) and lf.is_observation(objs[0])

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        fields = {c: f"$.{c}" for c in lf.READ_COLUMNS}
        src = json_lines_sql(f, fields)
        return lf.mapping_sql(f"SELECT *, false AS _cut FROM ({src})", f, ctx)
