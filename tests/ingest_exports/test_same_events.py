"""The same billed line exported two ways is one event; money stays exact Decimal end to end."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"


def test_gcp_rows_as_ndjson_and_as_csv_are_the_same_events(tmp_path: Path) -> None:
    store = tmp_path / "store"
    load([FIXTURES / "gcp_billing_export_jsonl" / "input.jsonl"], store)
    load([FIXTURES / "gcp_billing_export_csv" / "input.csv"], store)
    con = Store.open(store).connect()
    # NDJSON: flash input, flash output, pro input, flash cached (4); the CSV repeats flash input
    # and pro input and adds the EUR row: 5 live lines, net $0.45 + 2.5 + 0 + 0.075 + 1
    n, total = con.execute("SELECT count(*), sum(cost_usd) FROM costs").fetchone()
    assert (n, total) == (5, Decimal("4.025"))


def test_anthropic_cents_become_exact_dollars(tmp_path: Path) -> None:
    store = tmp_path / "store"
    load([FIXTURES / "anthropic_cost_report_json" / "input.json"], store)
    con = Store.open(store).connect()
    typ, total = con.execute("SELECT typeof(sum(cost_usd)), sum(cost_usd) FROM costs").fetchone()
    # 12 + 9 + 7.5 + 6 + 75 + 3 + 0.1 + 0.1 + 1.5 + 3 + 150 + 2.25 = 269.45 cents
    assert typ.startswith("DECIMAL") and total == Decimal("2.6945")


def test_a_restated_cost_day_replaces_the_earlier_lines(tmp_path: Path) -> None:
    import json

    store = tmp_path / "store"
    load([FIXTURES / "anthropic_cost_report_json" / "input.json"], store)
    # a later fetch of 2026-10-01 restates the Sonnet input line from 12.00 to 15.00 cents
    page = json.loads((FIXTURES / "anthropic_cost_report_json" / "input.json").read_text())
    day = page["data"][0]
    day["results"][0]["amount"] = "15.00"
    later = tmp_path / "cost_report_refetch.json"
    later.write_text(json.dumps({"data": [day], "has_more": False, "next_page": None}))
    load([later], store)
    con = Store.open(store).connect()
    n, total = con.execute("SELECT count(*), sum(cost_usd) FROM costs").fetchone()
    assert (n, total) == (12, Decimal("2.7245"))  # 269.45 - 12 + 15 = 272.45 cents
