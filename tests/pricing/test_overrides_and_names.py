"""Override file validation, default locations, name normalisation and the `prices` command."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from llmcost.cli.prices import prices_command
from llmcost.errors import ConfigError, PricingError
from llmcost.pricing import load_catalog

REPO = Path(__file__).resolve().parents[2]
AT = datetime(2025, 9, 1, 12, tzinfo=UTC)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prices.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[model]]\nprovider = \"openai\"\nmodel = \"gpt-4o\"\ninptu = 2.0\n",
         r"prices.toml:4: unknown key 'inptu' in \[\[model\]\] \(did you mean 'input'\?\)"),
        ("colour = 1\n", r"prices.toml:1: unknown key 'colour' in the top level"),
        ("[[model]]\nprovider = \"openai\"\nmodel = \"gpt-4o\"\ninput = \"2.0\"\n",
         r"prices.toml:1: input must be a number .* without quotes"),
        ("[[model]]\nprovider = \"acme\"\nmodel = \"mine\"\ninput = 1.0\n",
         r"prices.toml:1: model 'mine' \(acme\) is not in genai-prices 0.2.3, so the entry needs "
         r"both input and output"),
        ("[[model]]\nprovider = \"openai\"\nmodel = \"gpt-4o\"\neffective_from = \"2025-01-01\"\n",
         r"effective_from must be a TOML date.*2025-06-10 \(no quotes\)"),
        ("[[model]]\nmodel = \"gpt-4o\"\n", r"needs 'provider'"),
        ("[[adjustment]]\nprovider = \"anthropic\"\nfactor = 1.1\nmodle = \"x\"\n",
         r"prices.toml:4: unknown key 'modle' in \[\[adjustment\]\] \(did you mean 'model'\?\)"),
        ("[[model]]\nprovider = \"openai\"\nmodel = \"gpt-4o\"\n[[model.tier]]\nabove = 5\n",
         r"prices.toml:5: unknown key 'above' in \[\[model.tier\]\]"),
        ("[[model]\n", r"not valid TOML"),
    ],
)
def test_bad_override_file_names_file_line_and_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_catalog(write(tmp_path, text))


def test_missing_override_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such price override file"):
        load_catalog(tmp_path / "nope.toml")


def test_example_file_is_valid_and_info_has_sha256() -> None:
    path = REPO / "prices.example.toml"
    catalog = load_catalog(path)
    info = catalog.info()
    assert info["catalog"] == "genai-prices 0.2.3"
    assert info["overrides_file"] == str(path)
    assert info["overrides_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_default_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_catalog().info()["overrides_file"] is None
    env_file = tmp_path / "env.toml"
    env_file.write_text('[aliases]\n"x" = "gpt-4o"\n')
    monkeypatch.setenv("LLMCOST_PRICES", str(env_file))
    assert load_catalog().info()["overrides_file"] == str(env_file)
    local = tmp_path / "llmcost-prices.toml"  # the tests run in tmp_path (conftest)
    local.write_text("")
    found = load_catalog().info()["overrides_file"]
    assert found is not None and Path(found).name == "llmcost-prices.toml"  # wins over the env var


@pytest.mark.parametrize(
    ("model", "provider", "key"),
    [
        ("gpt-4o-2024-08-06", None, "gpt-4o"),
        ("openai/gpt-4o", None, "gpt-4o"),
        ("OpenAI/GPT-4o", "openai", "gpt-4o"),
        ("gpt-4o", "azure", "gpt-4o"),
        ("claude-3-5-haiku-latest", None, "claude-3-5-haiku-latest"),
        ("anthropic/claude-sonnet-4-20250514", None, "claude-sonnet-4-0"),
        ("claude-sonnet-4@20250514", "vertex_ai", "claude-4-sonnet"),
        ("models/gemini-2.5-pro", None, "gemini-2.5-pro"),
        ("gemini/gemini-2.5-flash", None, "gemini-2.5-flash"),
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", "bedrock",
         "regional.anthropic.claude-sonnet-4-20250514-v1:0"),
        ("global.anthropic.claude-sonnet-4-20250514-v1:0", "aws", None),
        ("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-20250514-v1:0",
         None, None),
        ("gpt-5.2-20251211", None, None),
    ],
)
def test_names_normalise(model: str, provider: str | None, key: str | None) -> None:
    m = load_catalog().match(model, provider)
    assert m is not None, model
    if key is not None:
        assert m.model_key == key


def test_unknown_name_did_you_mean() -> None:
    catalog = load_catalog()
    assert catalog.match("claude-sonet-4", "anthropic") is None
    assert "claude-sonnet-4" in catalog.did_you_mean("claude-sonet-4")


def test_adjustment_and_factor_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, """\
[[adjustment]]
provider = "anthropic"
model = "claude-sonnet-4*"
factor = 1.1
effective_from = 2026-01-01
note = "EU data residency"

[[model]]
provider = "openai"
model = "gpt-4.1"
priority_factor = 2
""")
    catalog = load_catalog(path)
    before = catalog.resolve("claude-sonnet-4-5", "anthropic", AT)
    after = catalog.resolve("claude-sonnet-4-5", "anthropic", datetime(2026, 2, 1, tzinfo=UTC))
    assert before is not None and after is not None
    assert (before.input, after.input) == (Decimal(3), Decimal("3.3"))
    assert "adjustment prices.toml:1" in after.source
    prio = catalog.resolve("gpt-4.1", "openai", AT, service_tier="priority")
    assert prio is not None and (prio.input, prio.output) == (Decimal(4), Decimal(16))


def test_resolve_source_and_tiers() -> None:
    catalog = load_catalog()
    r = catalog.resolve("o3", "openai", datetime(2025, 7, 1, tzinfo=UTC))
    assert r is not None and r.source == "genai-prices 0.2.3: openai/o3 (from 2025-06-10)"
    r = catalog.resolve("claude-sonnet-4-5", None, AT, total_input_tokens=200_001)
    assert r is not None and r.tier_above == 200_000 and r.output == Decimal("22.5")
    assert catalog.resolve("no-such-model-xyz", None, AT) is None


def test_prices_command_text() -> None:
    text = prices_command("o3", "2025-05-01", None, None)
    assert text.splitlines()[0] == "openai/o3 at 2025-05-01 00:00 UTC (USD per 1M tokens)"
    assert "cache read         2.5" in text
    assert "catalog: genai-prices 0.2.3; overrides: none" in text


def test_prices_command_unknown_model() -> None:
    with pytest.raises(PricingError, match=r"No price for model 'gtp-4o'.*\(did you mean 'gpt-4o'"):
        prices_command("gtp-4o", None, None, None)
