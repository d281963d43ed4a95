"""A FOCUS export billed in another currency that also states the USD amounts is read in USD.

Microsoft's FOCUS cost export carries `x_BilledCostInUsd` and `x_ListCostInUsd` beside `BilledCost`
in the billing currency (Cost Management FOCUS schema; the FinOps toolkit's mapping: "CostInUsd:
for actual cost, use x_BilledCostInUsd"). Before, every AI row of a EUR account's export was
quarantined ("billed in EUR, not USD"), its money and tokens lost, though the USD figure was there.
A row in another currency without the USD column is still quarantined. The rows are made up;
every total is worked out by hand in the comments.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

HEADER = (
    "BilledCost,BillingCurrency,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ConsumedQuantity,ConsumedUnit,"
    "ListCost,ProviderName,ServiceCategory,ServiceName,SkuMeter,SubAccountName,x_BilledCostInUsd,x_ListCostInUsd,"
    "x_BillingExchangeRate"
)
DAY = "2026-10-01T00:00:00Z,2026-10-02T00:00:00Z"
ROWS = [
    # EUR 4.60 = USD 5.00 for 2,000,000 input tokens; EUR 0.92 = USD 1.00 for 100,000 output tokens
    f"4.60,EUR,Usage,{DAY},2000000,Tokens,4.60,Microsoft,AI and Machine Learning,Azure OpenAI,"
    "gpt 4o 1120 Inp glbl Tokens,team-a,5.00,5.00,0.92",
    f"0.92,EUR,Usage,{DAY},100000,Tokens,0.92,Microsoft,AI and Machine Learning,Azure OpenAI,"
    "gpt 4o 1120 Outp glbl Tokens,team-a,1.00,1.00,0.92",
    # no USD figure: quarantined
    f"0.46,EUR,Usage,{DAY},200000,Tokens,0.46,Microsoft,AI and Machine Learning,Azure OpenAI,"
    "gpt 4o 1120 Inp glbl Tokens,team-b,,,0.92",
]


def test_non_usd_focus_rows_use_the_stated_usd_amounts(tmp_path: Path) -> None:
    f = tmp_path / "focus.csv"
    f.write_text("\n".join([HEADER, *ROWS]) + "\n")
    store = tmp_path / "store"
    load([f], store)
    con = Store.open(store).connect()
    # USD 5.00 + 1.00 = 6.00 billed (list the same); EUR 4.60 + 0.92 = 5.52 as billed
    assert con.execute("SELECT count(*), sum(cost_usd), sum(list_cost_usd), sum(billed_amount), "
                       "min(currency) FROM costs").fetchone() == (
        2, Decimal("6"), Decimal("6"), Decimal("5.52"), "EUR")
    # the tokens of the two rows read: 2,000,000 input and 100,000 output
    assert con.execute("SELECT sum(input_tokens), sum(output_tokens) FROM usage").fetchone() == (2_000_000, 100_000)
    quarantine = sorted((store / "quarantine").glob("*.jsonl"))
    quarantined = [json.loads(line) for q in quarantine for line in q.read_text().splitlines()]
    assert [(q["line"], q["reason"]) for q in quarantined] == [
        (4, "billed in EUR, not USD, and no x_BilledCostInUsd: export in USD or with the USD columns")
    ]
