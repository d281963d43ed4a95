"""Azure API Management AI gateway log (`ApiManagementGatewayLlmLog`) exported from the Log Analytics
portal (Logs -> run the query -> Export -> "CSV (all columns)").

Same columns and mapping as `azure_apim_llm_log_json` (`mapping_sql`; formats-provider-exports.md
5.2), read by name from the header: the portal names a datetime column with a ` [UTC]` suffix
(`TimeGenerated [UTC]`) and may write its value localised (`12/1/2026, 9:05:12.123 AM`, read by
`time_sql`); `RequestMessages` / `ResponseMessages` are JSON text in a quoted cell.
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, csv_has, register
from llmcost.ingest import _records as records
from llmcost.ingest._records import csv_changes
from llmcost.ingest.azure_apim_llm_log_json import FIELDS, PORTAL_TIME, mapping_sql


def _is_header(head: bytes) -> bool:
    return csv_has(head, "PromptTokens", "CompletionTokens") and (
        csv_has(head, "DeploymentName") or csv_has(head, "CorrelationId"))


@register
class AzureApimLlmLogCsv(Ingestor):
    name = "azure_apim_llm_log_csv"
    reader_changes: ClassVar[dict[int, str]] = csv_changes()
    title = "Azure API Management AI gateway log (ApiManagementGatewayLlmLog), Log Analytics portal CSV export"
    obtain = ("Log Analytics workspace -> Logs -> `ApiManagementGatewayLlmLog | where TimeGenerated > ago(30d)` "
              "-> Export -> CSV (all columns)")
    snapshots: ClassVar[bool] = True  # one request in two overlapping exports: the per-field maximum

    def sniff(self, head: bytes, name: str) -> bool:
        return _is_header(head)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        src = records.csv_records_sql(f, [*FIELDS.values(), PORTAL_TIME])
        cols = ", ".join(f'"{c}" AS {n}' for n, c in FIELDS.items())
        portal = f'"{PORTAL_TIME}" AS time_portal'
        return mapping_sql(f"SELECT source_line, raw, true AS _json_ok, _cut, {cols}, {portal} FROM ({src})", ctx)
