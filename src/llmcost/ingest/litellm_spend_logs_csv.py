"""LiteLLM `LiteLLM_SpendLogs` table dumped to CSV with psql.

Same columns and mapping as `litellm_spend_logs_json` (formats-request-logs.md section 1), read
by name from the header: `metadata` is a JSON cell (jsonb printed with `", "` separators, quotes
doubled by CSV), `cache_hit` is the text "True"/"False", `startTime` is
`YYYY-MM-DD HH:MM:SS.mmm` in UTC without a zone, NULL is an empty unquoted cell.
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, csv_has, register
from llmcost.ingest import _records as records
from llmcost.ingest._records import csv_changes
from llmcost.ingest.litellm_spend_logs_json import COLUMNS, mapping_sql


@register
class LiteLLMSpendLogsCsv(Ingestor):
    name = "litellm_spend_logs_csv"
    reader_changes: ClassVar[dict[int, str]] = csv_changes()
    title = "LiteLLM LiteLLM_SpendLogs table as CSV (psql \\copy ... csv header)"
    obtain = (
        "`psql $DATABASE_URL -c "
        "'\\copy (select * from \"LiteLLM_SpendLogs\") to spend_logs.csv csv header'`"
    )

    def sniff(self, head: bytes, name: str) -> bool:
        return csv_has(head, "request_id", "startTime", "spend", "prompt_tokens", "cache_hit", "metadata")

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        src = records.csv_records_sql(f, COLUMNS)
        return mapping_sql(f"SELECT *, true AS _json_ok FROM ({src})", ctx)
