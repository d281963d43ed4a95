"""Smaller pricing fixes of issue 16: variant prices of token kinds with no price of their own, the
variant in force on the asked date, and what `prices MODEL` says (ambiguous names, ft: ids, DeepSeek
off-peak).

Hand-computed from:
  OAIFT = https://platform.openai.com/docs/pricing, Fine-tuning, Batch: gpt-4o-mini-2024-07-18
          $0.15 input / $0.075 cached / $0.60 output
  DSOLD = https://api-docs.deepseek.com/quick_start/pricing (list until 2025-09-05): deepseek-chat
          discount price (UTC 16:30-00:30) $0.135 miss / $0.035 hit / $0.550 output
  GP    = genai-prices 0.2.3 data (google): gemini-3.1-flash-image-preview $0.50 input, no cache price,
          batch $0.25 input; gemini-3.8-flash-lite-tts batch $0.25 / $3 from 2026-10-15, $0.50 / $6 from 2027-01-01
  GEM   = https://ai.google.dev/gemini-api/docs/pricing, Batch column: input and output half the Standard
          price, "Context caching price" the same as Standard. Gemini 3 Pro Preview (<= 200k) Standard
          $2 in / $0.20 cached / $12 out, Batch $1 / $0.20 / $6; Gemini 2.0 Flash Standard $0.10 / $0.025 /
          $0.40, Batch $0.05 / $0.025 / $0.20
  ANTB  = https://docs.anthropic.com/en/docs/about-claude/pricing#batch-processing: Batch 50% off, cache
          multipliers apply on top: Sonnet 4 batch $1.50 in / $0.15 cache read / $7.50 out
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.pricing import load_catalog


def _cost(model: str, provider: str | None, at: str, inp: int, cr: int, out: int, **kw: object) -> Decimal:
    r = load_catalog(None).resolve(model, provider, datetime.fromisoformat(at).replace(tzinfo=UTC),
                                   total_input_tokens=inp + cr, **kw)  # type: ignore[arg-type]
    assert r is not None
    return (inp * r.input + cr * r.cache_read + out * r.output) / 1_000_000


def test_batch_cache_read_of_finetune_follows_batch_input() -> None:
    # OAIFT batch: 1000000*0.15 + 1000000*0.075 + 1000000*0.60 = 0.15 + 0.075 + 0.6
    assert _cost("ft:gpt-4o-mini-2024-07-18:acme::x1", "openai", "2025-06-01T12:00", 1_000_000, 1_000_000,
                 1_000_000, batch=True) == Decimal("0.825")


def test_batch_cache_read_without_own_price_is_batch_input() -> None:
    # GP: cache reads have no price of their own, so they are billed as input, in batch as batch input:
    # 100000*0.25 + 100000*0.25 = 0.05 (not 100000*0.25 + 100000*0.50)
    assert _cost("gemini-3.1-flash-image-preview", "google", "2026-11-01T12:00", 100_000, 100_000, 0,
                 batch=True) == Decimal("0.05")


def test_gemini_batch_does_not_halve_cached_reads() -> None:
    # GEM 3 Pro Preview batch: 100000*1 + 100000*0.20 + 10000*6 = 0.1 + 0.02 + 0.06 (cached not 0.10)
    assert _cost("gemini-3-pro-preview", "google", "2025-12-01T12:00", 100_000, 100_000, 10_000,
                 batch=True) == Decimal("0.18")
    # GEM 2.0 Flash batch, also through Vertex: 1M*0.05 + 1M*0.025 + 1M*0.20 = 0.275
    for provider in ("google", "vertex"):
        assert _cost("gemini-2.0-flash", provider, "2025-06-01T12:00", 1_000_000, 1_000_000, 1_000_000,
                     batch=True) == Decimal("0.275")
    # GEM: the catalog-variant path agrees (2.5 Flash batch cached $0.03 = standard): 1M*0.03
    assert _cost("gemini-2.5-flash", "google", "2025-06-01T12:00", 0, 1_000_000, 0, batch=True) == Decimal("0.03")


def test_claude_on_vertex_batch_still_halves_cached_reads() -> None:
    # ANTB: the Gemini exception is Gemini's only (150k input in all, under the 200k tier):
    # 100000*1.50 + 50000*0.15 + 10000*7.50 = 0.15 + 0.0075 + 0.075 = 0.2325
    assert _cost("claude-sonnet-4@20250514", "vertex", "2025-09-01T12:00", 100_000, 50_000, 10_000,
                 batch=True) == Decimal("0.2325")


def test_variant_dated_after_the_asked_date_is_not_used() -> None:
    catalog = load_catalog(None)
    r = catalog.resolve("gemini-3.8-flash-lite-tts", "google", datetime(2026, 11, 1, 12, tzinfo=UTC), batch=True)
    assert r is not None
    assert "2027" not in r.source, r.source
    # GP batch from 2026-10-15: 1000000*0.25 + 1000000*3 = 3.25
    assert r.input + r.output == Decimal("3.25")


def test_prices_ambiguous_name_asks_for_provider() -> None:
    result = CliRunner().invoke(app, ["prices", "meta-llama/llama-3.3-70b-instruct"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: Model 'meta-llama/llama-3.3-70b-instruct' is priced by"), lines
    assert "Pass --provider, e.g. --provider novita." in lines[0]
    assert "did you mean" not in lines[0].lower()


def test_did_you_mean_never_suggests_the_name_itself() -> None:
    close = load_catalog(None).did_you_mean("meta-llama/llama-3.3-70b-instruct")
    assert close and "meta-llama/llama-3.3-70b-instruct" not in close


def test_prices_with_provider_for_the_ambiguous_name() -> None:
    result = CliRunner().invoke(app, ["prices", "meta-llama/llama-3.3-70b-instruct", "--provider", "openrouter",
                                      "--at", "2026-11-20"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("openrouter/meta-llama/llama-3.3-70b-instruct at 2026-11-20")


def test_prices_finetune_needs_no_provider() -> None:
    for name, expected in (
        # OAIFT standard gpt-4o-mini-2024-07-18: $0.30 / $0.15 / $1.20 (a catalog fine-tune)
        ("ft:gpt-4o-mini-2024-07-18:acme::x1", ["0.3", "0.15", "1.2"]),
        # OAIFT standard gpt-4.1-2025-04-14: $3 / $0.75 / $12 (a built-in entry)
        ("ft:gpt-4.1-2025-04-14:acme::x2", ["3", "0.75", "12"]),
    ):
        result = CliRunner().invoke(app, ["prices", name, "--at", "2025-06-01"])
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert lines[0].startswith("openai/ft:gpt-4"), lines
        assert [line.split()[-1] for line in lines[2:4]] + [lines[6].split()[-1]] == expected, lines


def test_prices_says_when_deepseek_price_is_off_peak() -> None:
    result = CliRunner().invoke(app, ["prices", "deepseek-chat", "--at", "2025-08-01"])  # 00:00 UTC, off-peak
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "off-peak price: outside 00:30-16:30 UTC" in lines[1], lines
    assert lines[2].split()[-1] == "0.135"  # DSOLD discount price
