"""Cloud Billing export rows appended later for the same SKU, project and hour add to the first.

The BigQuery billing export is appended to through the day: `export_time` is "a processing time
associated with an append of Cloud Billing data. This will always increase with each new export"
(docs.cloud.google.com billing/docs/how-to/export-data-bigquery-tables/standard-usage and
/detailed-usage), and usage that arrives late for an hour already exported comes as another row
with the same SKU, project and usage times and a later `export_time`; Google's own example queries
sum `cost` over every row. Before, the second row had the same event_id as the first and was
dropped as a duplicate (rows read 2 = 1 stored + 1 duplicate), so its money was lost.
The rows are made up; every total is worked out by hand in the comments.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _row(cost: float, tokens: int, export_time: str) -> str:
    return json.dumps({
        "billing_account_id": "01-AB", "service": {"id": "C7E2-9256-1C43", "description": "Vertex AI"},
        "sku": {"id": "A1", "description": "Gemini 2.5 Flash Text Input - Predictions"},
        "usage_start_time": "2026-10-01 07:00:00 UTC", "usage_end_time": "2026-10-01 08:00:00 UTC",
        "project": {"id": "p1"}, "labels": [], "location": {"region": "us-central1"}, "cost": cost,
        "currency": "USD", "usage": {"amount": tokens, "unit": "count"}, "credits": [],
        "invoice": {"month": "202610"}, "cost_type": "regular", "export_time": export_time,
    })


def test_appended_rows_add_up_and_a_second_extract_adds_nothing(tmp_path: Path) -> None:
    # $1.00 for 3,000,000 tokens exported at 12:00, then $0.25 for 750,000 late tokens at 18:00
    rows = [_row(1.0, 3_000_000, "2026-10-01 12:00:00.123 UTC"), _row(0.25, 750_000, "2026-10-01 18:00:00.456 UTC")]
    first = tmp_path / "billing-000.json"
    first.write_text("\n".join(rows) + "\n")
    # the same table extracted again the next day: the same two rows (the same export times)
    again = tmp_path / "again" / "billing-000.json"
    again.parent.mkdir()
    again.write_text("\n".join(rows) + "\n")
    store = tmp_path / "store"
    res = load([first], store)
    assert [(r.rows_read, r.rows_stored, r.rows_duplicate) for r in res.files] == [(2, 2, 0)]
    load([again], store)
    con = Store.open(store).connect()
    # 1.00 + 0.25 = 1.25; 3,000,000 + 750,000 = 3,750,000 tokens; two lines, not four
    assert con.execute("SELECT count(*), sum(cost_usd), sum(quantity) FROM costs").fetchone() == (
        2, Decimal("1.25"), Decimal("3750000"))
