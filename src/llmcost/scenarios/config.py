"""The scenario file: built-in and user scenarios and what-if alternatives, strictly validated.

The alternatives' sections, keys and parsers come from the registry (`alternatives/`, one module each).

Why a file: the three seed scenarios (conservative, base, aggressive) and the default
alternatives are data the user edits, not code. The packaged `default.toml` is the starting
point; `--scenarios FILE` replaces it. Like the price override file, an unknown key is an
error naming the file, the line, the key and the fix ("did you mean ...").
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from llmcost.config.strict import parse_toml, read_text, unknown_section
from llmcost.errors import ConfigError

from .alternatives import registry
from .fields import Ctx, Table


def default_scenarios_path() -> Path:
    return Path(str(resources.files("llmcost"))) / "scenarios" / "default.toml"


@dataclass(frozen=True)
class PriceChange:
    """A factor on the prices of matching models, optionally from a date."""

    provider: str = "*"
    """Glob over the provider id."""
    model: str = "*"
    """Glob over the priced model id (model_key)."""
    factor: float = 1.0
    """Multiplier on every per-token price of the model."""
    start: date | None = None
    """First day the factor applies (inclusive); None = from the first forecast day."""

    def matches(self, provider: str, model: str) -> bool:
        return fnmatch.fnmatch(provider.lower(), self.provider.lower()) and fnmatch.fnmatch(
            model.lower(), self.model.lower()
        )


@dataclass(frozen=True)
class Scenario:
    """Deterministic changes to the projected drivers."""

    name: str
    description: str = ""
    traffic: float = 1.0
    """Multiplier on projected requests."""
    context: float = 1.0
    """Multiplier on projected input-side tokens per request (uncached, cache read, cache write)."""
    caching: bool = True
    """False: cache reads and writes are billed as uncached input."""
    growth: str | None = None
    """"ramp" or "step"; None = the file's [settings] growth."""
    prices: tuple[PriceChange, ...] = ()


@dataclass(frozen=True)
class ScenarioFile:
    path: str
    growth: str = "ramp"
    window_days: int = 28
    scenarios: tuple[Scenario, ...] = ()
    alternatives: tuple[Any, ...] = ()
    """The what-if alternatives' configs, in registry order (alternatives/*.py)."""


_KEYS: dict[str, set[str]] = {
    "settings": {"growth", "window_days"},
    "scenario": {"name", "description", "traffic", "context", "caching", "growth", "price"},
    "scenario.price": {"provider", "model", "factor", "from"},
}


def parse_scenarios(text: str, path: str = "<scenarios>") -> ScenarioFile:
    """Validate a scenario file's text (see default.toml for every key)."""
    ctx = Ctx(path, text)
    data = parse_toml(text, path, kind="scenario")
    kinds = registry()
    sections = {"settings", "scenario", *kinds}
    for sec in data:
        if sec not in sections:
            line = ctx.pos.line(None, sec) or ctx.pos.line(sec)
            raise unknown_section(path, line, sec, sections, "docs/scenarios.md", arrays=sections - {"settings"})
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}: [settings] must be a table. Fix: write [settings] with single brackets.")
    st = Table(ctx, settings, "settings", 0)
    st.check_keys(_KEYS["settings"])
    growth = st.text("growth", "ramp", {"ramp", "step"}) or "ramp"
    window = st.whole("window_days", 28, lo=1) or 28

    def tables(sec: str) -> list[dict[str, Any]]:
        items = data.get(sec, [])
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise ConfigError(f"{path}: {sec} must be written as [[{sec}]] tables. Fix: use double brackets.")
        return items

    seen: set[str] = set()
    scenarios = []
    for i, raw in enumerate(tables("scenario")):
        t = Table(ctx, raw, "scenario", i, seen)
        t.check_keys(_KEYS["scenario"])
        name = t.name()
        caching = raw.get("caching", True)
        if not isinstance(caching, bool):
            raise t.fail(
                "caching", f"caching must be true or false, got {caching!r}", "write caching = false without quotes"
            )
        prices = []
        praw = raw.get("price", [])
        if not isinstance(praw, list):
            raise t.fail("price", "price must be [[scenario.price]] tables", "use double brackets")
        for j, p in enumerate(praw):
            pt = Table(ctx, p, "scenario.price", j, parent=i)
            pt.check_keys(_KEYS["scenario.price"])
            start = p.get("from")
            if start is not None and not isinstance(start, date):
                raise pt.fail("from", f"from must be a date, got {start!r}", "write from = 2027-01-01 without quotes")
            prices.append(
                PriceChange(
                    provider=pt.text("provider", "*") or "*",
                    model=pt.text("model", "*") or "*",
                    factor=pt.num("factor", 1.0),
                    start=start,
                )
            )
        scenarios.append(
            Scenario(
                name=name,
                description=t.text("description", "") or "",
                traffic=t.num("traffic", 1.0),
                context=t.num("context", 1.0),
                caching=caching,
                growth=t.text("growth", None, {"ramp", "step"}),
                prices=tuple(prices),
            )
        )

    alternatives = []
    for sec, kind in kinds.items():
        for i, raw in enumerate(tables(sec)):
            t = Table(ctx, raw, sec, i, seen)
            t.check_keys(kind.keys)
            alternatives.append(kind.parse(t))
    return ScenarioFile(path, growth, window, tuple(scenarios), tuple(alternatives))


def load_scenarios(path: Path | None = None) -> ScenarioFile:
    """The packaged default file, or `path` (which replaces it entirely)."""
    p = default_scenarios_path() if path is None else Path(path)
    if not p.exists():
        raise ConfigError(
            f"Scenario file {p} does not exist. Fix: pass an existing TOML file to --scenarios "
            f"(start from a copy of {default_scenarios_path()})."
        )
    return parse_scenarios(read_text(p, kind="scenario", option="--scenarios"), str(p))


__all__ = [
    "PriceChange",
    "Scenario",
    "ScenarioFile",
    "default_scenarios_path",
    "load_scenarios",
    "parse_scenarios",
]
