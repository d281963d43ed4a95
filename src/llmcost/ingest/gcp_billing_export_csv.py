"""Google Cloud Billing export rows for Gemini / Vertex AI, flattened to CSV, into `costs`.

Why: BigQuery cannot write repeated fields to CSV, so every billing CSV is a user's flattening; the
common one keeps the export's dotted column names (`sku.description`, `usage.amount`) and writes
repeated fields (`credits`, `labels`) as JSON strings. Underscored names (`sku_description`) are
accepted too.

Field mapping: exactly as `gcp_billing_export_jsonl` (formats-provider-exports.md 3.1): net
cost_usd = cost + sum(credits.amount), model and token_type from the SKU description, same
event_id, so the same rows as NDJSON and as CSV are the same events.
"""

from __future__ import annotations

from typing import ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, register
from llmcost.ingest._exports import Csv, header_has
from llmcost.ingest._records import csv_changes
from llmcost.ingest.gcp_billing_export_jsonl import FIELDS, billing_sql


@register
class GcpBillingExportCsv(Ingestor):
    name = "gcp_billing_export_csv"
    reader_changes: ClassVar[dict[int, str]] = csv_changes()
    title = "Google Cloud Billing export, Gemini / Vertex AI rows (CSV with dotted headers)"
    obtain = (
        "Run `SELECT * EXCEPT (credits, labels), TO_JSON_STRING(credits) AS credits, "
        "TO_JSON_STRING(labels) AS labels FROM "
        "<dataset>.gcp_billing_export_v1_<ACCOUNT> WHERE ...` in BigQuery and save the result as CSV; or "
        "`bq extract --destination_format PARQUET` the table (its records read as dotted columns)."
    )
    table = "costs"
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        return header_has(head, "sku.description", "usage_start_time", "cost") or header_has(
            head, "sku_description", "usage_start_time", "cost"
        )

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        c = Csv(f)
        cols = []
        for name, path in FIELDS.items():
            dotted = path.removeprefix("$.")
            cols.append(f"{c.col(dotted, dotted.replace('.', '_'), name)} AS {name}")
        src = f"SELECT source_line, raw, {', '.join(cols)}, NULL AS _src_error FROM ({c.source()})"
        return billing_sql(src)
