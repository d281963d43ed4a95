"""Langfuse observations batch export, CSV (every cell quoted, objects as JSON, dates JSON-quoted).

Mapping in `llmcost.ingest._langfuse` (formats-request-logs.md section 2).
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, register
from llmcost.ingest import _langfuse as lf
from llmcost.ingest import _records as records


@register
class LangfuseObservationsCsv(Ingestor):
    name = "langfuse_observations_csv"
    reader_changes: ClassVar[dict[int, str]] = records.csv_changes(lf.READER_CHANGES)
    title = ("Langfuse observations export (CSV; UI batch export or scheduled blob export), joined to its "
             "traces export")
    obtain = ("Langfuse UI > Observations > Export > CSV; also export Traces into the same folder for "
              "session ids. Or the scheduled blob-storage export (project Settings > Integrations > Blob Storage, "
              "file type CSV (or Parquet)): sync `<projectId>/` with its observations/ and traces/ folders.")

    def sniff(self, head: bytes, name: str) -> bool:
        return lf.is_observations_csv(head)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        src = records.csv_records_sql(f, lf.READ_COLUMNS)
        return lf.mapping_sql(f"SELECT *, true AS _json_ok FROM ({src})", f, ctx)
