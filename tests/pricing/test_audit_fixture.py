"""The audit's kind of request set (issue 16), priced to $0.0001 from the providers' pages.

`fixtures/audit_requests.csv` holds 35 requests: OpenAI, Anthropic, Google and DeepSeek plus
Mistral; Bedrock (global and regional), Vertex and OpenRouter hosts; batch, flex and fast/priority;
long context; fine-tunes; dated ids; and one unknown model that must stay unpriced. Each row carries
the per-million prices read off the page named in its `page` column (typed in by hand, not taken
from our catalog); the expected cost is tokens x those prices. An empty price is a kind the page
does not price, billed as its parent (cache read and 5m write as input, 1h write as 5m write), the
rule the pages state ("-" = no separate price).

Pages: OAI = https://platform.openai.com/docs/pricing (Standard, Batch, Flex, Fast mode, Fine-tuning
tabs); ANT = https://docs.anthropic.com/en/docs/about-claude/pricing (model table, caching 1.25x/2x/
0.1x, batch 50%, long context over 200k $6 / $22.50); BR = https://aws.amazon.com/bedrock/pricing/
(regional Claude 4.5+ 1.1x); GEM = https://ai.google.dev/gemini-api/docs/pricing; DS =
https://api-docs.deepseek.com/quick_start/pricing; MIS = https://mistral.ai/pricing#api-pricing.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmcost.pricing import attach_costs, load_catalog

FIXTURE = Path(__file__).with_name("fixtures") / "audit_requests.csv"
TOLERANCE = Decimal("0.0001")


def _rows() -> list[dict[str, str]]:
    with FIXTURE.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _expected(r: dict[str, str]) -> Decimal | None:
    if not r["p_input"]:
        return None
    p_in = Decimal(r["p_input"])
    p_cr = Decimal(r["p_cache_read"] or r["p_input"])
    p_cw5 = Decimal(r["p_cache_write_5m"] or r["p_input"])
    p_cw1h = Decimal(r["p_cache_write_1h"] or p_cw5)
    cw1h = int(r["cache_write_1h"])
    return (int(r["input"]) * p_in + int(r["cache_read"]) * p_cr + (int(r["cache_write"]) - cw1h) * p_cw5
            + cw1h * p_cw1h + int(r["output"]) * Decimal(r["p_output"])) / 1_000_000


def test_audit_set_prices_to_a_hundredth_of_a_cent(make_usage: Any) -> None:
    rows = _rows()
    assert len(rows) == 35
    con = make_usage([
        dict(event_id=r["id"], provider=r["provider"], model=r["model"], ts=f"{r['ts']}:00+00",
             input_tokens=int(r["input"]), cache_read_tokens=int(r["cache_read"]),
             cache_write_tokens=int(r["cache_write"]), cache_write_1h_tokens=int(r["cache_write_1h"]),
             output_tokens=int(r["output"]), batch=r["batch"] == "true", service_tier=r["service_tier"] or None)
        for r in rows
    ])
    summary = attach_costs(con, load_catalog(None))
    got = {e: (c, p, s) for e, c, p, s in
           con.execute("SELECT event_id, cost_usd, priced, price_source FROM priced_usage").fetchall()}
    off = []
    total_expected = total_got = Decimal(0)
    for r in rows:
        cost, priced, source = got[r["id"]]
        want = _expected(r)
        if want is None:
            assert cost is None and priced is False, (r["id"], cost)
            continue
        total_expected += want
        total_got += cost or 0
        if cost is None or abs(cost - want) > TOLERANCE:
            off.append((r["id"], cost, want, source))
    assert not off, "\n".join(map(str, off))
    assert abs(total_got - total_expected) <= TOLERANCE
    assert [(u.provider, u.model) for u in summary.unpriced] == [("openai", "gpt-99-ultra")]
