"""The what-if alternatives registry: one module placed in `scenarios/alternatives/` is validated,
measured and rendered with no other edit (issue 18)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.errors import ConfigError
from llmcost.scenarios import alternatives, parse_scenarios
from tests.conftest import REPO

TOY = '''"""A toy alternative for the registry test: answers shortened by a share `cut`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from llmcost.scenarios.alternatives import AlternativeKind, Shown
from llmcost.scenarios.whatif import Effect, finish


@dataclass(frozen=True)
class Shorten:
    name: str
    description: str = ""
    cut: float = 0.1


def parse(t):
    return Shorten(t.name(), t.text("description", "") or "", t.num("cut", 0.1, hi=1.0))


def measure(con, history, prices, c, since, totals):
    e = Effect(c.name, "shorten", c.description)
    base = {}
    for g, t in totals.items():
        pr = prices.get(g)
        if pr is not None:
            base[g] = {"out": Decimal(repr(c.cut)) * t["output"] * pr.prices["output"]}
    e.window_savings_usd = sum((d["out"] for d in base.values()), Decimal(0))
    e.measured = {"output_tokens_cut": sum(t["output"] for g, t in totals.items() if g in base) * c.cut}
    return finish(e, base, totals)


KIND = AlternativeKind(
    section="shorten",
    config=Shorten,
    keys=frozenset({"name", "description", "cut"}),
    description="answers shortened by a share of their output tokens",
    parse=parse,
    measure=measure,
    shown=(Shown("output_tokens_cut", "output tokens cut"),),
)
'''

SCEN = """
[[scenario]]
name = "base"
traffic = 1.0

[[shorten]]
name = "short_answers_10"
description = "answers 10% shorter"
cut = 0.1

[[shorten]]
name = "short_answers_20"
description = "answers 20% shorter"
cut = 0.2
"""


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The toy module placed in the package (its search path), found by the registry's listing."""
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "shorten.py").write_text(TOY)
    monkeypatch.setattr(alternatives, "__path__", [*alternatives.__path__, str(folder)])
    alternatives.refresh()
    yield
    monkeypatch.undo()
    sys.modules.pop("llmcost.scenarios.alternatives.shorten", None)
    alternatives.refresh()


def test_builtins_are_registered_in_report_order() -> None:
    assert list(alternatives.registry()) == ["routing", "caching", "trimming", "batch"]


def test_docs_list_every_registered_alternative() -> None:
    text = (REPO / "docs/scenarios.md").read_text()
    start, end = "<!-- ALTERNATIVES:START -->\n", "<!-- ALTERNATIVES:END -->"
    block = text[text.index(start) + len(start) : text.index(end)]
    assert block == alternatives.doc_table(), "paste alternatives.doc_table() between the ALTERNATIVES markers"


def test_a_new_module_is_validated(toy: None) -> None:
    assert "shorten" in alternatives.registry()
    (a,) = parse_scenarios('[[shorten]]\nname = "s"\ncut = 0.25\n').alternatives
    assert (type(a).__name__, a.name, a.cut) == ("Shorten", "s", 0.25)
    with pytest.raises(ConfigError) as e:
        parse_scenarios('[[shorten]]\nname = "s"\ncutt = 0.25\n', "my.toml")
    assert "my.toml:3: unknown key 'cutt'" in str(e.value) and "did you mean 'cut'" in str(e.value)
    with pytest.raises(ConfigError, match=r"cut = 1.5 is out of range"):
        parse_scenarios('[[shorten]]\nname = "s"\ncut = 1.5\n', "my.toml")
    with pytest.raises(ConfigError, match=r"did you mean \[\[shorten\]\]"):
        parse_scenarios('[[shortn]]\nname = "s"\n', "my.toml")


def test_a_new_module_is_measured_and_rendered(toy: None, sample_store: Path, tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text(SCEN)
    runner = CliRunner()
    base = ["report", "--store", str(sample_store), "--as-of", "2026-11-23", "--scenarios", str(f)]
    r = runner.invoke(app, [*base, "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = {a["name"]: a for a in json.loads(r.output)["alternatives"]}
    assert set(rows) == {"short_answers_10", "short_answers_20"}
    ten, twenty = rows["short_answers_10"], rows["short_answers_20"]
    assert ten["kind"] == "shorten"
    # the saving is linear in the cut: 20% saves exactly twice 10% (Decimal, rounded to cents)
    w10, w20 = Decimal(ten["window_savings_usd"]), Decimal(twenty["window_savings_usd"])
    assert w10 > 0 and abs(w20 - 2 * w10) <= Decimal("0.01")
    assert twenty["measured"]["output_tokens_cut"] == pytest.approx(2 * ten["measured"]["output_tokens_cut"])
    for fmt in ("md", "html"):
        r = runner.invoke(app, [*base, "--format", fmt])
        assert r.exit_code == 0, r.output
        assert "short_answers_20" in r.output and "output tokens cut" in r.output, fmt
    r = runner.invoke(app, [*base, "--section", "whatifs"])
    assert r.exit_code == 0, r.output
    assert "short_answers_10" in r.output and "output tokens cut" in r.output
