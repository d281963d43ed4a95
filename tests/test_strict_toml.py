"""One strict TOML reader (issue 18): every config kind names a typo'd key as
`FILE:LINE: unknown key 'x' in [table] (did you mean 'y'?)`, the line being where the key is
written in the file (counted by hand in each text below), in the table it is under."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmcost.config.strict import Positions
from llmcost.errors import ConfigError
from llmcost.ingest.mapped import load_mapping_file
from llmcost.measures.registry import load_config
from llmcost.planning.plan import load_plan
from llmcost.pricing.overrides import read_overrides
from llmcost.scenarios.config import load_scenarios


def _message(tmp_path: Path, name: str, text: str, read: object) -> tuple[Path, str]:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        read(path)  # type: ignore[operator]
    return path, str(e.value)


def test_price_overrides_typo_in_the_second_models_tier(tmp_path: Path) -> None:
    text = (
        '[[model]]\nprovider = "openai"\nmodel = "gpt-4o"\ninput = 2.5\noutput = 10\n'  # lines 1-5
        '[[model]]\nprovider = "openai"\nmodel = "gpt-4.1"\ninput = 2\noutput = 8\n'  # lines 6-10
        "[[model.tier]]\nabove_input_tokens = 200000\nimput = 4\n"  # lines 11-13
    )
    _, msg = _message(tmp_path, "prices.toml", text, read_overrides)
    # the file is named as the price sources name it (its file name)
    assert msg.startswith("prices.toml:13: unknown key 'imput' in [[model.tier]] (did you mean 'input'?). Fix:")


def test_scenarios_typo_in_the_second_scenarios_price(tmp_path: Path) -> None:
    text = (
        '[[scenario]]\nname = "a"\ntraffic = 2\n'  # lines 1-3
        '[[scenario]]\nname = "b"\n'  # lines 4-5
        '[[scenario.price]]\nmodel = "gpt-4o"\nfactr = 0.5\n'  # lines 6-8
    )
    path, msg = _message(tmp_path, "s.toml", text, load_scenarios)
    assert msg.startswith(f"{path}:8: unknown key 'factr' in [[scenario.price]] (did you mean 'factor'?). Fix:")


def test_measures_config_typo_in_a_subtable(tmp_path: Path) -> None:
    text = "[spend]\ntop_conversations = 5\n\n[bursts]\npeak_factr = 3.0\n"
    path, msg = _message(tmp_path, "m.toml", text, load_config)
    assert msg.startswith(f"{path}:5: unknown key 'peak_factr' in [bursts] (did you mean 'peak_factor'?). Fix:")


def test_mapping_typo_in_time(tmp_path: Path) -> None:
    text = (
        'name = "mine"\nformat = "csv"\n'  # lines 1-2
        '[time]\ncolumn = "ts"\nunti = "s"\n'  # lines 3-5
        '[fields]\nmodel = "model"\n'
    )
    path, msg = _message(tmp_path, "map.toml", text, load_mapping_file)
    assert msg.startswith(f"{path}:5: unknown key 'unti' in [time] (did you mean 'unit'?). Fix:")


def test_plan_typo_in_the_second_models_entry(tmp_path: Path) -> None:
    text = (
        "[traffic]\nsessions_per_month = 1000\n"  # lines 1-2
        '[[models]]\nmodel = "gpt-4o"\nshare = 0.5\n'  # lines 3-5
        '[[models]]\nmodel = "gpt-4o-mini"\nshar = 0.5\n'  # lines 6-8
    )
    path, msg = _message(tmp_path, "plan.toml", text, load_plan)
    assert msg.startswith(f"{path}:8: unknown key 'shar' in [[models]] (did you mean 'share'?). Fix:")


def test_positions_stop_at_the_next_table() -> None:
    pos = Positions('top = 1\n[a]\nx = 1\n[b]\ny = 2\n[[c]]\nz = 1\n[[c]]\nz = 2\n[d]\n"q" = 1\nd.w = 2\n')
    assert pos.line("top") == 1
    assert pos.line("y") is None  # y is in [b], not at the top level
    assert pos.line("y", "a") == 2  # not in [a]: the header's line
    assert pos.line("y", "b") == 5
    assert [pos.line("z", "c", i) for i in (0, 1)] == [7, 9]
    assert pos.line("q", "d") == 11
    assert pos.line("w", "d") == 12  # dotted key
    assert pos.line("x", "nowhere") is None
