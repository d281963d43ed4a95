"""The override file's semantics (docs/pricing.md, "What an override entry replaces"), issue 16.

Expected costs are worked out by hand from the price pages (tokens x USD per 1M / 1,000,000):
  ANT = https://docs.anthropic.com/en/docs/about-claude/pricing: claude-sonnet-4-5 $3 in / $0.30 read /
        $15 out; over 200k input $6 in / $0.60 read / $22.50 out
  OAI = https://platform.openai.com/docs/pricing: gpt-4o $2.50 in / $1.25 cached / $10 out
and from the override files written in each test.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.errors import ConfigError
from llmcost.pricing import attach_costs, load_catalog


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prices.toml"
    path.write_text(text)
    return path


def _costs(make_usage: Any, path: Path, rows: list[dict[str, Any]]) -> tuple[dict[str, tuple], Any]:
    con = make_usage([{**r, "ts": f"{r['ts']} 12:00:00+00"} for r in rows])
    summary = attach_costs(con, load_catalog(path))
    got = con.execute("SELECT event_id, cost_usd, priced, model_key FROM priced_usage").fetchall()
    return {r[0]: r[1:] for r in got}, summary


DISCOUNT = """\
[[model]]
provider = "anthropic"
model = "claude-sonnet-4-5"
input = 2.70
output = 13.50
"""


def test_base_override_of_tiered_model_scales_the_tier(tmp_path: Path, make_usage: Any) -> None:
    rows = [
        # total input 250k > 200k. input: ANT $6 x (2.70 / 3) = $5.40; cache read not overridden: ANT $0.60;
        # output: $22.50 x (13.50 / 15) = $20.25. 150000*5.40 + 100000*0.60 + 1000*20.25 = 0.81 + 0.06 + 0.02025
        dict(event_id="long", provider="anthropic", model="claude-sonnet-4-5", ts="2025-10-15",
             input_tokens=150000, cache_read_tokens=100000, output_tokens=1000),
        # under the threshold the entry's own prices: 100000*2.70 + 1000*13.50 = 0.27 + 0.0135
        dict(event_id="short", provider="anthropic", model="claude-sonnet-4-5", ts="2025-10-15",
             input_tokens=100000, output_tokens=1000),
    ]
    got, _ = _costs(make_usage, _write(tmp_path, DISCOUNT), rows)
    assert got["long"][0] == Decimal("0.89025")
    assert got["short"][0] == Decimal("0.2835")


def test_partial_tier_of_tiered_model_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, DISCOUNT + "\n[[model.tier]]\nabove_input_tokens = 200000\ninput = 5.40\noutput = 20.25\n")
    with pytest.raises(ConfigError) as err:
        load_catalog(path)
    msg = str(err.value)
    assert "prices.toml:1" in msg
    assert "leaves out cache_read, cache_write_5m, cache_write_1h" in msg
    assert "Add cache_read = ..., cache_write_5m = ..., cache_write_1h = ... to each [[model.tier]]" in msg


def test_partial_tier_refused_by_the_cli(tmp_path: Path) -> None:
    path = _write(tmp_path, DISCOUNT + "\n[[model.tier]]\nabove_input_tokens = 200000\ninput = 5.40\noutput = 20.25\n")
    result = CliRunner().invoke(app, ["prices", "claude-sonnet-4-5", "--prices", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: prices.toml:1:"), result.output
    assert "leaves out cache_read" in lines[0]


DATED = """\
[[model]]
provider = "acme"
model = "acme-llm"
effective_from = 2026-01-01
effective_until = 2026-02-01
input = 1
output = 2

[[model]]
provider = "acme"
model = "acme-llm"
effective_from = 2026-03-01
input = 1.5
output = 3
"""


def test_day_outside_every_dated_entry_is_unpriced_listed_and_warned(tmp_path: Path, make_usage: Any) -> None:
    rows = [
        # January entry: 1000000*1 + 0*2 = 1
        dict(event_id="jan", provider="acme", model="acme-llm", ts="2026-01-15", input_tokens=1000000),
        dict(event_id="feb", provider="acme", model="acme-llm", ts="2026-02-15", input_tokens=1000000),
        # March entry: 1000000*1.5 = 1.5
        dict(event_id="mar", provider="acme", model="acme-llm", ts="2026-03-15", input_tokens=1000000),
    ]
    got, summary = _costs(make_usage, _write(tmp_path, DATED), rows)
    assert got["jan"][:2] == (Decimal(1), True)
    assert got["mar"][:2] == (Decimal("1.5"), True)
    assert got["feb"][:2] == (None, False)
    assert summary.unpriced_rows == 1 and summary.priced_rows == 2
    [item] = summary.unpriced
    assert (item.provider, item.model, item.rows) == ("acme", "acme-llm", 1)
    assert "no override entry covers 2026-02-15" in item.reason
    assert any("Warning: acme-llm (acme) is unpriced on 1 day(s) from 2026-02-15 to 2026-02-15" in n
               for n in summary.notes), summary.notes


DATED_ID = """\
[[model]]
provider = "openai"
model = "gpt-4o-2024-08-06"
input = 2.00
output = 8.00
"""


def test_override_of_dated_id_keeps_catalog_fields_and_model(tmp_path: Path, make_usage: Any) -> None:
    rows = [
        # entry input $2, cached not set: OAI gpt-4o cached $1.25. 1000000*2 + 1000000*1.25 + 100000*8 = 2 + 1.25 + 0.8
        dict(event_id="dated", provider="openai", model="gpt-4o-2024-08-06", ts="2025-06-01",
             input_tokens=1000000, cache_read_tokens=1000000, output_tokens=100000),
        # the undated name keeps the list price: 1000000*2.50 + 100000*10 = 2.5 + 1
        dict(event_id="plain", provider="openai", model="gpt-4o", ts="2025-06-01",
             input_tokens=1000000, output_tokens=100000),
    ]
    got, _ = _costs(make_usage, _write(tmp_path, DATED_ID), rows)
    assert got["dated"] == (Decimal("4.05"), True, "gpt-4o")
    assert got["plain"] == (Decimal("3.5"), True, "gpt-4o")


def test_catalog_model_without_token_price_is_listed_unpriced(tmp_path: Path, make_usage: Any) -> None:
    # whisper-1 is priced per audio hour ($0.006 / minute on OpenAI's page), not per token: no token cost
    rows = [dict(event_id="w", provider="openai", model="whisper-1", ts="2025-06-01", input_tokens=1000)]
    got, summary = _costs(make_usage, _write(tmp_path, ""), rows)
    assert got["w"][:2] == (None, False)
    [item] = summary.unpriced
    assert item.model == "whisper-1"
    assert "the catalog has no per-token input price for it on 2025-06-01" in item.reason
    assert any(n.startswith("Warning: whisper-1 (openai) is unpriced on 1 day(s)") for n in summary.notes)
