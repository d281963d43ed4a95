# ruff: noqa: E501  (one price-sheet case per line reads better than wrapped tuples)
"""The price audit's corrections (issue 16, pricing/builtin.toml), each checked by hand.

Every expected cost is worked out by hand from the page cited beside the case (tokens x USD per
1M tokens / 1,000,000), not from the engine or genai-prices. Token columns follow our schema:
`input` is uncached input only, `cr` cache reads, `cw` cache writes (`cw1h` of them 1-hour).

Pages:
  DS    = https://api-docs.deepseek.com/quick_start/pricing: from 16:00 UTC 2025-09-05 deepseek-chat and
          deepseek-reasoner $0.56 miss / $0.07 hit / $1.68 out, nighttime discount cancelled
  DS929 = https://api-docs.deepseek.com/news/news250929 and the same pricing page: from 2025-09-29
          $0.28 miss / $0.028 hit / $0.42 out
  DSOLD = the February 2025 list on the same page (until 2025-09-05): deepseek-chat $0.27 / $0.07 / $1.10
          (UTC 00:30-16:30)
  MIS   = https://mistral.ai/pricing#api-pricing: Mistral Large 3 (mistral-large-2512) $0.50 in / $0.05
          cached / $1.50 out; Mistral Large 2 $2 / $6
  OAIFT = https://platform.openai.com/docs/pricing, Fine-tuning, Standard: gpt-4o-2024-08-06 $3.75 /
          $1.875 / $15; gpt-4o-mini-2024-07-18 $0.30 / $0.15 / $1.20; gpt-4.1-2025-04-14 $3 / $0.75 / $12;
          gpt-4.1-mini $0.80 / $0.20 / $3.20; gpt-4.1-nano $0.20 / $0.05 / $0.80
  ANTLC = https://docs.anthropic.com/en/docs/about-claude/pricing#long-context-pricing: Sonnet 4 / 4.5
          over 200k input $6 in / $22.50 out; cache 5m write 1.25x ($7.50), read 0.1x ($0.60)
  BR    = https://aws.amazon.com/bedrock/pricing/: regional endpoints of Claude 4.5+ cost 1.1x global,
          long context $6.60 in / $24.75 out, read $0.66
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llmcost.pricing import attach_costs, load_catalog

# id, provider, model, ts (UTC), input, cr, cw, cw1h, out, expected USD
CASES = [
    # DS: 100000*0.56 + 50000*0.07 + 10000*1.68 = 0.056 + 0.0035 + 0.0168
    ("ds-chat-sept", "deepseek", "deepseek-chat", "2025-09-10 12:00", 100000, 50000, 0, 0, 10000, "0.0763"),
    # DS: the old off-peak window (16:30-00:30 UTC) no longer discounts: the same 0.0763
    ("ds-chat-sept-night", "deepseek", "deepseek-chat", "2025-09-10 20:00", 100000, 50000, 0, 0, 10000, "0.0763"),
    # DS: deepseek-reasoner the same list: 1M*0.56 + 1M*1.68
    ("ds-reasoner-sept", "deepseek", "deepseek-reasoner", "2025-09-20 03:00", 1000000, 0, 0, 0, 1000000, "2.24"),
    # DS929: 100000*0.28 + 50000*0.028 + 10000*0.42 = 0.028 + 0.0014 + 0.0042
    ("ds-chat-oct-night", "deepseek", "deepseek-chat", "2025-10-15 20:00", 100000, 50000, 0, 0, 10000, "0.0336"),
    # DS929: 1M*0.28 + 1M*0.42
    ("ds-reasoner-oct", "deepseek", "deepseek-reasoner", "2025-10-15 03:00", 1000000, 0, 0, 0, 1000000, "0.70"),
    # DSOLD, before the change, standard hours: 1M*0.27 + 1M*1.10
    ("ds-chat-aug", "deepseek", "deepseek-chat", "2025-08-01 12:00", 1000000, 0, 0, 0, 1000000, "1.37"),
    # MIS Large 3 after 2025-12-02: 1M*0.50 + 100000*0.05 + 100000*1.50 = 0.5 + 0.005 + 0.15
    ("mistral-latest-2026", "mistral", "mistral-large-latest", "2026-01-15 12:00", 1000000, 100000, 0, 0, 100000, "0.655"),
    # MIS Large 2 before: 1M*2 + 100000*6 = 2 + 0.6
    ("mistral-latest-2025", "mistral", "mistral-large-latest", "2025-11-01 12:00", 1000000, 0, 0, 0, 100000, "2.6"),
    # MIS a pinned Large 2 id stays Large 2 after the alias moved: 1M*2
    ("mistral-2411-2026", "mistral", "mistral-large-2411", "2026-01-15 12:00", 1000000, 0, 0, 0, 0, "2"),
    # OAIFT ft:gpt-4o: 100000*3.75 + 100000*1.875 + 10000*15 = 0.375 + 0.1875 + 0.15
    ("ft-4o", "openai", "ft:gpt-4o-2024-08-06:acme::abc123", "2025-06-01 12:00", 100000, 100000, 0, 0, 10000, "0.7125"),
    # OAIFT ft:gpt-4o-mini: 1M*0.30 + 1M*0.15 + 1M*1.20
    ("ft-4o-mini", "openai", "ft:gpt-4o-mini-2024-07-18:acme::x1", "2025-06-01 12:00", 1000000, 1000000, 0, 0, 1000000, "1.65"),
    # OAIFT ft:gpt-4.1: 100000*3 + 100000*0.75 + 10000*12 = 0.3 + 0.075 + 0.12
    ("ft-41", "openai", "ft:gpt-4.1-2025-04-14:acme::x2", "2025-06-01 12:00", 100000, 100000, 0, 0, 10000, "0.495"),
    # OAIFT ft:gpt-4.1-mini: 1M*0.80 + 1M*0.20 + 1M*3.20
    ("ft-41-mini", "openai", "ft:gpt-4.1-mini-2025-04-14:acme::x3", "2025-06-01 12:00", 1000000, 1000000, 0, 0, 1000000, "4.2"),
    # OAIFT ft:gpt-4.1-nano: 1M*0.20 + 1M*0.05 + 1M*0.80
    ("ft-41-nano", "openai", "ft:gpt-4.1-nano-2025-04-14:acme::x4", "2025-06-01 12:00", 1000000, 1000000, 0, 0, 1000000, "1.05"),
    # ANTLC on Bedrock (global), total input 240k > 200k: 200000*6 + 40000*0.60 + 1000*22.50 = 1.2 + 0.024 + 0.0225
    ("br-s4-global-long", "aws", "global.anthropic.claude-sonnet-4-20250514-v1:0", "2025-09-01 12:00", 200000, 40000, 0, 0, 1000, "1.2465"),
    # ANTLC on Bedrock (regional Sonnet 4 is $3 like global), exactly 200k stays base: 200000*3 + 1000*15
    ("br-s4-regional-200k", "aws", "us.anthropic.claude-sonnet-4-20250514-v1:0", "2025-09-01 12:00", 200000, 0, 0, 0, 1000, "0.615"),
    # BR regional Sonnet 4.5 over 200k: 240000*6.60 + 1000*24.75 = 1.584 + 0.02475
    ("br-s45-regional-long", "aws", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "2025-10-15 12:00", 240000, 0, 0, 0, 1000, "1.60875"),
    # ANTLC on Bedrock (global Sonnet 4.5), 240k + 10k 5m writes: 240000*6 + 10000*7.50 + 1000*22.50 = 1.44 + 0.075 + 0.0225
    ("br-s45-global-long", "aws", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "2025-10-15 12:00", 240000, 0, 10000, 0, 1000, "1.5375"),
    # ANTLC on Vertex: 240000*6 + 1000*22.50 = 1.44 + 0.0225
    ("vertex-s4-long", "google", "claude-sonnet-4@20250514", "2025-09-01 12:00", 240000, 0, 0, 0, 1000, "1.4625"),
    # ANTLC on OpenRouter: the same 1.4625
    ("openrouter-s4-long", "openrouter", "anthropic/claude-sonnet-4", "2025-09-01 12:00", 240000, 0, 0, 0, 1000, "1.4625"),
]


@pytest.fixture(scope="module")
def priced(make_usage: Any) -> dict[str, tuple]:
    rows = [
        dict(event_id=cid, provider=prov, model=model, ts=f"{ts}:00+00", input_tokens=inp, cache_read_tokens=cr,
             cache_write_tokens=cw, cache_write_1h_tokens=cw1h, output_tokens=out)
        for cid, prov, model, ts, inp, cr, cw, cw1h, out, _ in CASES
    ]
    con = make_usage(rows)
    attach_costs(con, load_catalog(None))
    got = con.execute("SELECT event_id, cost_usd, priced, price_source, model_key FROM priced_usage").fetchall()
    return {r[0]: r[1:] for r in got}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_correction_matches_price_page(case: tuple, priced: dict[str, tuple]) -> None:
    cost, is_priced, source, _ = priced[case[0]]
    assert is_priced, source
    assert cost == Decimal(case[-1]), (cost, case[-1], source)


def test_alias_entry_reported_under_catalog_model(priced: dict[str, tuple]) -> None:
    assert priced["mistral-latest-2026"][3] == "mistral-large"
    assert priced["mistral-2411-2026"][3] == "mistral-large"


def test_every_builtin_entry_cites_a_page_and_a_date() -> None:
    path = Path(__file__).parents[2] / "src" / "llmcost" / "pricing" / "builtin.toml"
    raw = tomllib.loads(path.read_text("utf-8"))
    assert len(raw["model"]) >= 17
    for entry in raw["model"]:
        assert entry.get("source", "").startswith("https://"), entry
        assert "effective_from" in entry, entry
