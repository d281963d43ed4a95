"""Azure OpenAI meter names written with hyphens give the same model as the spaced spelling.

Cost details rows carry both spellings, often for one model in one file: `gpt-4o-mini-0718-Inp-glbl
Tokens` and `gpt-4o-mini-0718-Outp-glbl Tokens` beside `gpt 4o mini 0718 cached Inp glbl Tokens`
(public cost-details tables and Retail Prices meters quoted in several repositories;
formats-provider-exports.md 5.1 lists the spaced ones). Before, the hyphenated meters gave the model
`gpt-4o-mini-0718---` (the direction and deployment words were cut out between their hyphens), so
one model showed as two in the billed spend by model.
The rows are made up; every total is worked out by hand in the comments.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

HEADER = "date,meterId,meterName,meterCategory,meterSubCategory,consumedService,quantity,unitOfMeasure,costInUsd"
ROWS = [
    # meter, quantity (1K blocks), USD
    ("gpt-4o-mini-0718-Inp-glbl Tokens", "100", "0.015"),
    ("gpt-4o-mini-0718-Outp-glbl Tokens", "10", "0.006"),
    ("gpt 4o mini 0718 cached Inp glbl Tokens", "40", "0.003"),
    ("gpt-35-turbo-4k-Input-regional", "2", "0.003"),
]


def test_hyphenated_meters_name_the_model(tmp_path: Path) -> None:
    lines = [HEADER] + [
        f"10/01/2026,m{i},{meter},Cognitive Services,Azure OpenAI,Microsoft.CognitiveServices,{qty},1K,{usd}"
        for i, (meter, qty, usd) in enumerate(ROWS)
    ]
    f = tmp_path / "cost_details.csv"
    f.write_text("\r\n".join(lines) + "\r\n")
    store = tmp_path / "store"
    load([f], store)
    con = Store.open(store).connect()
    got = con.execute(
        "SELECT model, list(token_type ORDER BY token_type), sum(cost_usd) FROM costs GROUP BY 1 ORDER BY 1"
    ).fetchall()
    # gpt-4o-mini-0718: 0.015 input + 0.006 output + 0.003 cached = 0.024; gpt-35-turbo: 0.003 input
    assert got == [
        ("gpt-35-turbo", ["input"], Decimal("0.003")),
        ("gpt-4o-mini-0718", ["cache_read", "input", "output"], Decimal("0.024")),
    ]
