"""FOCUS AI rows: model and token kinds from SkuPriceDetails, tokens as usage buckets, and a
charge period of several days spread over its days with money exact (issue 20).

The export below follows the columns of the FOCUS specification's AI samples
(FOCUS_Spec `specification/data/ai_prompt_caching/ai_prompt_caching_a.csv`); its values are made
up here and every expected figure is worked out by hand in the comments.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from llmcost.document.reconcile import reconcile
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

HEADER = [
    "BilledCost", "BillingAccountId", "BillingCurrency", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargePeriodEnd", "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit", "ListCost", "PricingUnit",
    "ServiceCategory", "ServiceName", "ServiceProviderName", "SkuId", "SkuMeter", "SkuPriceDetails",
]
FEB = ("2026-03-01T00:00:00Z", "2026-02-01T00:00:00Z")  # 28 whole days


def _details(direction: str | None, action: str | None = None, model: str = "acme-large") -> str:
    d = {"ModelId": model}
    if direction:
        d["TokenDirection"] = direction
    if action:
        d["TokenCacheAction"] = action
    return json.dumps(d)


def _row(cost: str, qty: str, unit: str, meter: str, details: str, period: tuple[str, str] = FEB,
         category: str = "Usage", klass: str = "") -> list[str]:
    end, start = period
    return [cost, "acct-1", "USD", category, klass, f"{meter} for Acme Large", end, start, qty, unit, cost,
            "1000000 Tokens", "AI and Machine Learning", "Acme AI API", "Acme AI", f"acme-{meter}", meter, details]


ROWS = [
    _row("10.00", "1000003", "Tokens", "Input Tokens", _details("Input", "Uncached")),       # line 2
    _row("2.80", "28000000", "Tokens", "Cache Read Input Tokens", _details("Input", "Read")),  # line 3
    _row("5.60", "2800", "1000 Tokens", "Cache Write Input Tokens", _details("Input", "Write")),  # line 4
    _row("7.00", "700000", "Tokens", "Output Tokens", _details("Output")),                      # line 5
    _row("1.00", "1000000", "Token-Hours", "Context Cache Storage", _details(None)),            # line 6
    _row("-0.50", "-50000", "Tokens", "Input Tokens", _details("Input", "Uncached"), klass="Correction"),  # 7
    # one hour of an AWS Bedrock meter without SkuPriceDetails: not spread, cache unknown (line 8)
    ["0.3", "acct-1", "USD", "Usage", "", "Claude input tokens", "2026-02-03T11:00:00Z", "2026-02-03T10:00:00Z",
     "100000", "Tokens", "0.3", "1000 Tokens", "AI and Machine Learning", "Amazon Bedrock", "AWS", "SKU-1",
     "Input Tokens", ""],
]


def _export(tmp_path: Path) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(ROWS)
    f = tmp_path / "focus.csv"
    f.write_text(buf.getvalue())
    return f


def _all(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_focus_money_is_spread_exactly_and_tokens_become_usage(tmp_path: Path) -> None:
    f = _export(tmp_path)
    result = load([f], tmp_path / "store")
    assert [(r.status, r.ingestor) for r in result.files] == [("ingested", "focus_csv")]
    con = Store.open(tmp_path / "store").connect()

    # costs: lines 2-7 cover 28 whole days each -> 6 x 28 day rows; line 8 (one hour) stays one row
    assert _all(con, "SELECT count(*), count(DISTINCT event_id) FROM costs") == [(6 * 28 + 1, 6 * 28 + 1)]
    assert _all(con, "SELECT sum(cost_usd) FROM costs") == [(Decimal("26.2"),)]  # 10+2.8+5.6+7+1-0.5+0.3
    # $10.00 over 28 days = 10,000,000,000,000 units of 1e-12 = 28 x 357,142,857,142 + 24:
    # the first 24 days get 0.357142857143, the last 4 get 0.357142857142
    shares = _all(con, "SELECT cost_usd, count(*) FROM costs WHERE source_line = 2 GROUP BY 1 ORDER BY 1")
    assert shares == [(Decimal("0.357142857142"), 4), (Decimal("0.357142857143"), 24)]
    first, last = _all(con, "SELECT min(ts), max(bucket_end) FROM costs WHERE source_line = 2")[0]
    assert (first, last) == (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    assert _all(con, "SELECT DISTINCT model FROM costs WHERE source_line <= 7") == [("acme-large",)]
    kinds = _all(con, "SELECT source_line, any_value(token_type) FROM costs GROUP BY 1 ORDER BY 1")
    assert kinds == [(2, "input"), (3, "cache_read"), (4, "cache_write"), (5, "output"), (6, None), (7, "input"),
                     (8, "input")]
    assert _all(con, "SELECT sum(quantity) FROM costs WHERE source_line = 4") == [(Decimal("2800"),)]
    assert _all(con, "SELECT ts, bucket_end, cost_usd FROM costs WHERE source_line = 8") == [
        (datetime(2026, 2, 3, 10, tzinfo=UTC), datetime(2026, 2, 3, 11, tzinfo=UTC), Decimal("0.3"))]

    # usage: token lines 2-5 (28 day rows each) and line 8; not the Token-Hours storage (6) nor
    # the negative correction (7)
    sums = _all(con, """SELECT source_line, count(*), sum(input_tokens), sum(cache_read_tokens),
                               sum(cache_write_tokens), sum(output_tokens), bool_and(cache_known),
                               any_value(model), sum(request_count)
                        FROM usage GROUP BY 1 ORDER BY 1""")
    assert sums == [
        (2, 28, 1_000_003, 0, 0, 0, True, "acme-large", 0),
        (3, 28, 0, 28_000_000, 0, 0, True, "acme-large", 0),
        (4, 28, 0, 0, 2_800_000, 0, True, "acme-large", 0),  # 2,800 x "1000 Tokens"
        (5, 28, 0, 0, 0, 700_000, True, "acme-large", 0),
        (8, 1, 100_000, 0, 0, 0, False, None, 0),  # AWS meter, no usage type: no model, cache unknown
    ]
    # 1,000,003 tokens over 28 days = 28 x 35,714 + 11: 11 days of 35,715, then 17 of 35,714
    per_day = _all(con, "SELECT input_tokens, count(*) FROM usage WHERE source_line = 2 GROUP BY 1 ORDER BY 1")
    assert per_day == [(35_714, 17), (35_715, 11)]
    assert _all(con, "SELECT min(ts) FROM usage WHERE source_line = 2 AND input_tokens = 35714") == [
        (datetime(2026, 2, 12, tzinfo=UTC),)]

    # money counted once per day, billed: each February day carries 26.2 - 0.3 (line 8) over 28
    daily = reconcile(con)
    billed = {(r["provider"], r["day"]): r["billed_usd"] for r in daily.to_dicts()}
    assert sum(billed.values()) == Decimal("26.2")
    assert len([k for k in billed if k[0] == "acme ai"]) == 28
    assert billed[("aws", date(2026, 2, 3))] == Decimal("0.3")


def test_a_store_from_before_the_token_buckets_gets_them_on_the_next_run(tmp_path: Path) -> None:
    f = _export(tmp_path)
    store = tmp_path / "store"
    load([f], store)
    again = load([f], store)
    assert [r.status for r in again.files] == ["unchanged"]

    # a store written before FOCUS tokens went to `usage` has no derived entry for the file
    s = Store.open(store)
    manifest = s.read_manifest()
    derived = [k for k, fe in manifest.files.items() if fe.derived_from]
    assert derived == [f"{f.resolve()}#derived:usage"]
    del manifest.files[derived[0]]
    s.write_manifest(manifest)
    assert s.connect().execute("SELECT count(*) FROM usage").fetchone() == (0,)

    rerun = load([f], store)
    assert [r.status for r in rerun.files] == ["replaced"]
    con = Store.open(store).connect()
    assert con.execute("SELECT sum(input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) "
                       "FROM usage").fetchone() == (1_000_003 + 28_000_000 + 2_800_000 + 700_000 + 100_000,)
    assert con.execute("SELECT sum(cost_usd) FROM costs").fetchone() == (Decimal("26.2"),)
    # one file in the summary, its rows in both tables: 169 cost rows + 113 usage rows
    from llmcost.document.analysis import ingest_summary

    summary = ingest_summary(Store.open(store).read_manifest())
    assert (summary["files"], summary["rows_read"], summary["rows_stored"]) == (1, 169 + 113, 169 + 113)


def test_an_unpriced_model_from_a_billing_export_says_its_billed_cost_is_counted(tmp_path: Path) -> None:
    """acme-large has no list price, so its tokens have no estimated cost; but the export states what
    was paid, and the warning must not read as if that money were left out ("0 requests ...
    excluded from cost totals" said so before)."""
    from llmcost.document.analysis import ReportOptions, build_report

    load([_export(tmp_path)], tmp_path / "store")
    doc = build_report(ReportOptions(store=tmp_path / "store"))
    (warning,) = [w for w in doc["warnings"] if w.startswith("acme-large")]
    # billed for acme-large, lines 2-7 by hand: 10.00 + 2.80 + 5.60 + 7.00 + 1.00 - 0.50 = 25.90
    assert "(no request counts)" in warning and "0 requests" not in warning
    assert warning.endswith("excluded from estimated cost totals; its billed cost ($25.90) is in the billed total")
