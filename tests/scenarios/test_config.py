"""The scenario file: the packaged defaults, and strict validation with file, line, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmcost.errors import ConfigError
from llmcost.scenarios import default_scenarios_path, load_scenarios, parse_scenarios


def test_default_file_has_the_three_seed_scenarios() -> None:
    f = load_scenarios()
    by = {s.name: s for s in f.scenarios}
    assert set(by) == {"conservative", "base", "aggressive"}
    assert (by["conservative"].traffic, by["conservative"].context) == (0.2, 1.0)
    assert (by["base"].traffic, by["base"].context, by["base"].caching) == (1.0, 1.3, True)
    assert (by["aggressive"].traffic, by["aggressive"].context, by["aggressive"].caching) == (3.0, 1.5, False)
    kinds = {type(a).__name__ for a in f.alternatives}
    assert kinds == {"Routing", "Caching", "Trimming", "Batch"}
    assert default_scenarios_path().name == "default.toml"


def test_user_scenario_with_price_change() -> None:
    f = parse_scenarios(
        '[[scenario]]\nname = "cut"\ntraffic = 1.5\n[[scenario.price]]\nprovider = "openai"\nmodel = "gpt-4o*"\n'
        "factor = 0.8\nfrom = 2027-01-01\n"
    )
    (s,) = f.scenarios
    assert s.traffic == 1.5 and s.prices[0].factor == 0.8 and s.prices[0].start.isoformat() == "2027-01-01"
    assert s.prices[0].matches("openai", "gpt-4o") and not s.prices[0].matches("anthropic", "gpt-4o")
    assert f.alternatives == ()


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('[[scenario]]\nname = "x"\ntrafic = 2\n',
         ["my.toml:3: unknown key 'trafic' in [[scenario]] (did you mean 'traffic'?)"]),
        ('[[routing]]\nname = "r"\nto_modle = "gpt-4o"\n',
         ["my.toml:3: unknown key 'to_modle' in [[routing]] (did you mean 'to_model'?)"]),
        ('[[scenarios]]\nname = "x"\n', ["my.toml:1: unknown section 'scenarios' (did you mean [[scenario]]?)"]),
        ('[[caching]]\nname = "c"\nlifetime = "2h"\n', ["lifetime = '2h' is not one of", "1h, 5m, unlimited"]),
        ('[[scenario]]\nname = "x"\ntraffic = "lots"\n', ["traffic must be a number", "without quotes"]),
        ('[[batch]]\nname = "b"\nshare = 1.5\n', ["share = 1.5 is out of range", "between 0.0 and 1.0"]),
        ('[[scenario]]\nname = "x"\n[[scenario]]\nname = "x"\n', ["name 'x' is used twice"]),
        ("[[trimming]]\nkeep_turns = 3\n", ["missing name"]),
        ("[[scenario]\n", ["not valid TOML"]),
    ],
)
def test_bad_files_say_where_and_how_to_fix(text: str, needles: list[str]) -> None:
    with pytest.raises(ConfigError) as e:
        parse_scenarios(text, "my.toml")
    msg = str(e.value)
    assert msg.startswith("my.toml")
    for n in needles:
        assert n in msg, msg


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"does not exist\. Fix: pass an existing TOML file"):
        load_scenarios(tmp_path / "nope.toml")
