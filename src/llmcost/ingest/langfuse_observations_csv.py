"""Langfuse observations batch export, CSV (every cell quoted, objects as JSON, dates JSON-quoted).

Mapping in `llmcost.ingest._langfuse` (formats-request-logs.md section 2).
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, csv_has, register
from llmcost.ingest import _langfuse as lf
from llmcost.ingest import _records as records


@register
class LangfuseObservationsCsv(Ingestor):
    name = "langfuse_observations_csv"
    reader_changes: ClassVar[dict[int, str]] = records.csv_changes(lf.READER_CHANGES)
    title = "Langfuse observations export (CSV), joined to a traces export in the same folder"
    obtain = ("Langfuse UI > Observations > Export > CSV; also export Traces into the same folder for "
              "session ids.")

    def sniff(self, head: bytes, name: str) -> bool:
        return csv_has(head, "traceId", "startTime", "type", "usageDetails")

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        src = records.csv_records_sql(f, lf.OBS_COLUMNS)
        return lf.mapping_sql(f"SELECT *, true AS _json_ok FROM ({src})", f, ctx)
