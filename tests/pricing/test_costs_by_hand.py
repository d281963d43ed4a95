# ruff: noqa: E501  (one price-sheet case per line reads better than wrapped tuples)
"""Costs checked against the providers' published price sheets, computed by hand.

Every expected number below was worked out by hand from the sheet cited beside it (tokens x USD
per 1M tokens / 1,000,000), not by the engine or by genai-prices. Token columns follow our
schema: `input` is *uncached* input only, `cr` cache reads, `cw` all cache writes of which `cw1h`
have a 1-hour lifetime, `out` output with reasoning inside.

Sheets:
  OAI   = https://platform.openai.com/docs/pricing (Standard, Batch, Flex and Priority tabs, as of 2025-09)
  O3CUT = https://community.openai.com/t/o3-price-drop/1289161 (o3 cut to $2/$8 on 2025-06-10);
          launch price $10 in / $2.50 cached / $40 out: https://openai.com/index/introducing-o3-and-o4-mini/ (2025-04-16)
  ANT   = https://docs.anthropic.com/en/docs/about-claude/pricing (model table, prompt caching 1.25x/2x/0.1x,
          batch 50%, long context over 200k: Sonnet 4/4.5 $6 in / $22.50 out; as of 2025-10)
  GEM   = https://ai.google.dev/gemini-api/docs/pricing (as of 2025-10; context caching at 0.1x input)
  FAST  = https://platform.claude.com/docs/en/build-with-claude/fast-mode#pricing (Claude fast mode, `speed: "fast"`,
          stored as service_tier 'fast': Opus 5 / 4.8 $10 in / $50 out, 2x standard, not with Batch; the prompt
          caching multipliers 0.1x read, 1.25x 5m write, 2x 1h write stack on top; ../shared/reference/
          pricing-caching-routing.md, the Anthropic row of the tier table and "Multipliers stack")
  BR    = https://aws.amazon.com/bedrock/pricing/ (Anthropic Claude Sonnet 4, on-demand, as of 2025-10)

genai-prices 0.2.3 disagrees with these sheets in two places, fixed in pricing/builtin.toml:
o3's cached input before 2025-06-10 ($0.50 stored, $2.50 charged) and claude-sonnet-4's
long-context tier (missing). Batch/flex/priority before October 2026 come from the catalog's own
variant ratios or the 50% default (docs/pricing.md).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llmcost.pricing import attach_costs, load_catalog

OVERRIDES = """\
[azure_deployments]
"prod-chat" = "gpt-4o"

[[model]]
provider = "acme"
model = "acme-llm-70b"
input = 0.50
output = 1.50
note = "self-hosted, amortised GPU cost"

[[model]]
provider = "openai"
model = "gpt-4.1-mini"
effective_from = 2026-01-01
input = 0.30
cache_read = 0.075
output = 1.20
note = "negotiated from 2026"
"""

# id, provider, model, ts (UTC), input, cr, cw, cw1h, out, batch, tier, grain, expected USD
CASES = [
    # OAI gpt-4o $2.50 / cached $1.25 (50%) / $10: 1000*2.5 + 1000*1.25 + 500*10 = 8750 -> 0.00875
    ("oai-4o-cached", "openai", "gpt-4o", "2025-03-01", 1000, 1000, 0, 0, 500, False, None, "request", "0.00875"),
    # OAI dated snapshot gpt-4o-2024-08-06 = gpt-4o: 200000*2.5/1e6
    ("oai-4o-snapshot", "openai", "gpt-4o-2024-08-06", "2025-03-01", 200000, 0, 0, 0, 0, False, None, "request",
     "0.5"),
    # OAI gpt-4o-mini $0.15 / $0.075 (50%) / $0.60: 0.0015 + 0.0015 + 0.0006
    ("oai-4o-mini", "openai", "gpt-4o-mini", "2025-03-01", 10000, 20000, 0, 0, 1000, False, None, "request",
     "0.0036"),
    # OAI gpt-4.1 $2 / cached $0.50 (75% off) / $8: 0.02 + 0.015 + 0.016
    ("oai-41-cached", "openai", "gpt-4.1", "2025-05-01", 10000, 30000, 0, 0, 2000, False, None, "request", "0.051"),
    # OAI gpt-4.1-mini $0.40 / $0.10 (75% off) / $1.60: 0.04 + 0.01 + 0.016
    ("oai-41-mini", "openai", "gpt-4.1-mini", "2025-05-01", 100000, 100000, 0, 0, 10000, False, None, "request",
     "0.066"),
    # OAI gpt-5 $1.25 / cached $0.125 (90% off) / $10 (reasoning billed as output): 0.005 + 0.012 + 0.03
    ("oai-5-cached", "openai", "gpt-5", "2025-09-01", 4000, 96000, 0, 0, 3000, False, None, "request", "0.047"),
    # OAI gpt-5-mini $0.25 / $0.025 / $2: 0.25 + 0.025 + 0.2
    ("oai-5-mini", "openai", "gpt-5-mini", "2025-09-01", 1000000, 1000000, 0, 0, 100000, False, None, "request",
     "0.475"),
    # OAI provider prefix openai/gpt-4o: 1000*2.5 + 1000*10 -> 0.0125
    ("oai-prefix", "openai", "openai/gpt-4o", "2025-03-01", 1000, 0, 0, 0, 1000, False, None, "request",
     "0.0125"),
    # OAI Batch gpt-4o $1.25 / $5: 0.125 + 0.05
    ("oai-4o-batch", "openai", "gpt-4o", "2025-03-01", 100000, 0, 0, 0, 10000, True, None, "request", "0.175"),
    # OAI Batch gpt-4.1 $1 / $4: 1 + 4
    ("oai-41-batch", "openai", "gpt-4.1", "2025-05-01", 1000000, 0, 0, 0, 1000000, True, None, "request", "5"),
    # OAI Batch gpt-5 $0.625 / cached $0.0625 / $5: 0.0625 + 0.00625 + 0.05
    ("oai-5-batch", "openai", "gpt-5", "2025-09-01", 100000, 100000, 0, 0, 10000, True, None, "request",
     "0.11875"),
    # OAI Flex gpt-5 $0.625 / $5: 0.125 + 0.25
    ("oai-5-flex", "openai", "gpt-5", "2025-09-01", 200000, 0, 0, 0, 50000, False, "flex", "request", "0.375"),
    # OAI Flex o3 $1 / cached $0.25 / $4: 0.1 + 0.025 + 0.04
    ("oai-o3-flex", "openai", "o3", "2025-09-01", 100000, 100000, 0, 0, 10000, False, "flex", "request", "0.165"),
    # OAI Priority gpt-4o $4.25 / cached $2.125 / $17: 0.425 + 0.2125 + 0.17
    ("oai-4o-priority", "openai", "gpt-4o", "2025-09-01", 100000, 100000, 0, 0, 10000, False, "priority",
     "request", "0.8075"),
    # O3CUT before the cut: $10 / cached $2.50 / $40: 1.0 + 0.25 + 0.4
    ("o3-before-cut", "openai", "o3", "2025-05-01", 100000, 100000, 0, 0, 10000, False, None, "request", "1.65"),
    # O3CUT after the cut: $2 / cached $0.50 / $8: 0.2 + 0.05 + 0.08
    ("o3-after-cut", "openai", "o3", "2025-07-01", 100000, 100000, 0, 0, 10000, False, None, "request", "0.33"),
    # O3CUT last minute before the cut, in UTC: 1M input at $10
    ("o3-eve-utc", "openai", "o3", "2025-06-09 23:59:59+00", 1000000, 0, 0, 0, 0, False, None, "request", "10"),
    # O3CUT first second of 2025-06-10 UTC (still 2025-06-09 in New York): 1M input at $2
    ("o3-day-utc", "openai", "o3", "2025-06-10 00:00:00+00", 1000000, 0, 0, 0, 0, False, None, "request", "2"),
    # ANT Sonnet 4 $3 in, 5m write $3.75 (1.25x), read $0.30 (0.1x), $15 out: 0.006 + 0.0375 + 0.015 + 0.015
    ("ant-s4-5m", "anthropic", "claude-sonnet-4-20250514", "2025-09-01", 2000, 50000, 10000, 0, 1000, False,
     None, "request", "0.0735"),
    # ANT Sonnet 4, 1h write $6 (2x): 0.003 + 20000*6 + 500*15 -> 0.003 + 0.12 + 0.0075
    ("ant-s4-1h", "anthropic", "claude-sonnet-4-20250514", "2025-09-01", 1000, 0, 20000, 20000, 500, False,
     None, "request", "0.1305"),
    # ANT Sonnet 4.5 mixed TTLs: 0.003 + 20000*3.75 + 10000*6 + 100000*0.3 + 2000*15
    ("ant-s45-mixed", "anthropic", "claude-sonnet-4-5", "2025-10-15", 1000, 100000, 30000, 10000, 2000, False,
     None, "request", "0.198"),
    # ANT Opus 4.1 $15 / 5m $18.75 / read $1.50 / $75: 0.15 + 0.1875 + 0.15 + 0.375
    ("ant-opus41", "anthropic", "claude-opus-4-1", "2025-09-01", 10000, 100000, 10000, 0, 5000, False, None,
     "request", "0.8625"),
    # ANT Haiku 3.5 via -latest alias: $0.80 / 1h $1.60 / read $0.08 / $4: 0.08 + 0.16 + 0.08 + 0.04
    ("ant-haiku35-latest", "anthropic", "claude-3-5-haiku-latest", "2025-03-01", 100000, 1000000, 100000,
     100000, 10000, False, None, "request", "0.36"),
    # ANT Sonnet 4 long context (total input 250k > 200k): $6 in, $0.60 read, $22.50 out: 0.9 + 0.06 + 0.045
    ("ant-s4-long", "anthropic", "claude-sonnet-4-20250514", "2025-09-01", 150000, 100000, 0, 0, 2000, False,
     None, "request", "1.005"),
    # ANT Sonnet 4.5 at exactly 200,000 input stays base: 0.6 + 0.015
    ("ant-s45-200k", "anthropic", "claude-sonnet-4-5", "2025-10-15", 200000, 0, 0, 0, 1000, False, None,
     "request", "0.615"),
    # ANT Sonnet 4.5 at 200,001 input: every token at $6 / $22.50: 1.200006 + 0.0225
    ("ant-s45-200k+1", "anthropic", "claude-sonnet-4-5", "2025-10-15", 200001, 0, 0, 0, 1000, False, None,
     "request", "1.222506"),
    # ANT long-context tier is per request: a 300k-token *bucket* stays at the base $3 -> 0.9
    ("ant-s4-bucket", "anthropic", "claude-sonnet-4-20250514", "2025-09-01", 300000, 0, 0, 0, 0, False, None,
     "bucket", "0.9"),
    # ANT Batch 50% stacks with cache multipliers (total input 160k, base tier): 0.5 * (0.15 + 0.03 + 0.0375 + 0.15)
    ("ant-s4-batch", "anthropic", "claude-sonnet-4-20250514", "2025-09-01", 50000, 100000, 10000, 0, 10000,
     True, None, "request", "0.18375"),
    # FAST Opus 4.8 fast mode (before its removal on 2026-11-30): $10 in, read $1 (0.1x), 5m write $12.50
    # (1.25x), 1h write $20 (2x), $50 out: 10000*10 + 100000*1 + 10000*12.5 + 10000*20 + 5000*50 -> 0.775
    ("ant-opus48-fast", "anthropic", "claude-opus-4-8", "2026-11-15", 10000, 100000, 20000, 10000, 5000, False,
     "fast", "request", "0.775"),
    # FAST the same request on Opus 5 (also $10 / $50 in fast mode): 0.775
    ("ant-opus5-fast", "anthropic", "claude-opus-5", "2026-11-15", 10000, 100000, 20000, 10000, 5000, False,
     "fast", "request", "0.775"),
    # ANT Opus 5 at its standard price, the same request ($5 / read $0.50 / 5m $6.25 / 1h $10 / $25): half, 0.3875
    ("ant-opus5-standard", "anthropic", "claude-opus-5", "2026-11-15", 10000, 100000, 20000, 10000, 5000, False,
     None, "request", "0.3875"),
    # GEM 2.5 Pro <=200k $1.25 / cached $0.125 / $10: 0.0125 + 0.01125 + 0.05
    ("gem-25pro-cached", "google", "gemini-2.5-pro", "2025-10-01", 10000, 90000, 0, 0, 5000, False, None,
     "request", "0.07375"),
    # GEM 2.5 Pro >200k prompt $2.50 / cached $0.25 / $15: 0.375 + 0.025 + 0.15
    ("gem-25pro-long", "google", "gemini-2.5-pro", "2025-10-01", 150000, 100000, 0, 0, 10000, False, None,
     "request", "0.55"),
    # GEM 2.5 Flash as models/..., $0.30 / cached $0.03 / $2.50: 0.03 + 0.003 + 0.025
    ("gem-25flash", "google", "models/gemini-2.5-flash", "2025-10-01", 100000, 100000, 0, 0, 10000, False, None,
     "request", "0.058"),
    # BR Claude Sonnet 4 $3 / write $3.75 / read $0.30 / $15: 0.003 + 0.0375 + 0.03 + 0.015
    ("br-s4-cache", "aws", "us.anthropic.claude-sonnet-4-20250514-v1:0", "2025-09-01", 1000, 100000, 10000, 0,
     1000, False, None, "request", "0.0855"),
    # BR the same model by inference-profile ARN: 1M input is over 200k, so the long-context $6 (ANT): 1M * 6
    ("br-s4-arn", None,
     "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0",
     "2025-09-01", 1000000, 0, 0, 0, 0, False, None, "request", "6"),
    # ANT on Vertex, claude-sonnet-4@20250514: $3 / $15: 0.003 + 0.015
    ("vertex-s4", "google", "claude-sonnet-4@20250514", "2025-09-01", 1000, 0, 0, 0, 1000, False, None,
     "request", "0.018"),
    # Override: self-hosted acme-llm-70b at $0.50 / $1.50: 0.5 + 1.5
    ("override-acme", "acme", "acme-llm-70b", "2025-09-01", 1000000, 0, 0, 0, 1000000, False, None, "request",
     "2"),
    # Override, effective-dated: negotiated gpt-4.1-mini from 2026 $0.30 / $0.075 / $1.20: 0.03 + 0.0075 + 0.012
    ("override-dated", "openai", "gpt-4.1-mini", "2026-02-01", 100000, 100000, 0, 0, 10000, False, None,
     "request", "0.0495"),
    # Override: Azure deployment name prod-chat serves gpt-4o ($2.50 / $10): 2.5 + 10
    ("azure-deployment", "azure", "prod-chat", "2025-03-01", 1000000, 0, 0, 0, 1000000, False, None, "request",
     "12.5"),
    # Unknown model: no price, cost NULL (never 0)
    ("unknown", "openai", "gpt-99-ultra", "2025-03-01", 1000, 0, 0, 0, 1000, False, None, "request", None),
]


@pytest.fixture(scope="module")
def priced(tmp_path_factory: pytest.TempPathFactory, make_usage: Any) -> dict[str, tuple]:
    path: Path = tmp_path_factory.mktemp("prices") / "prices.toml"
    path.write_text(OVERRIDES)
    rows = []
    for (cid, prov, model, ts, inp, cr, cw, cw1h, out, batch, tier, grain, _) in CASES:
        ts = ts if "+" in ts else f"{ts} 12:00:00+00"
        rows.append(dict(event_id=cid, provider=prov, model=model, ts=ts, input_tokens=inp, cache_read_tokens=cr,
                         cache_write_tokens=cw, cache_write_1h_tokens=cw1h, output_tokens=out, batch=batch,
                         service_tier=tier, grain=grain))
    con = make_usage(rows)
    attach_costs(con, load_catalog(path))
    got = con.execute("SELECT event_id, cost_usd, priced, price_source FROM priced_usage").fetchall()
    return {r[0]: r[1:] for r in got}


def test_enough_cases() -> None:
    assert len(CASES) >= 25
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_cost_matches_price_sheet(case: tuple, priced: dict[str, tuple]) -> None:
    cost, is_priced, source = priced[case[0]]
    expected = case[-1]
    if expected is None:
        assert cost is None and is_priced is False and source is None
        return
    assert is_priced, source
    assert isinstance(cost, Decimal)
    assert abs(cost - Decimal(expected)) <= Decimal("0.000001"), (cost, expected, source)
