"""The scenario file: built-in and user scenarios and what-if alternatives, strictly validated.

Why a file: the three seed scenarios (conservative, base, aggressive) and the default
alternatives are data the user edits, not code. The packaged `default.toml` is the starting
point; `--scenarios FILE` replaces it. Like the price override file, an unknown key is an
error naming the file, the line, the key and the fix ("did you mean ...").
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from llmcost.config.strict import (
    MAX_NUMBER,
    Positions,
    check_keys,
    finite,
    parse_toml,
    read_text,
    unknown_section,
)
from llmcost.errors import ConfigError
from llmcost.text import did_you_mean

LIFETIMES = {"5m": 300.0, "1h": 3600.0, "unlimited": None}
"""Cache lifetime name -> seconds (None = never expires), refreshed on every hit."""


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
class Routing:
    """Move requests from one model to another, selected by a rule."""

    name: str
    description: str = ""
    from_model: str = "*"
    from_provider: str = "*"
    to_model: str = "@cheapest"
    to_provider: str | None = None
    """Provider of the target; None = the source's provider."""
    labels: tuple[str, ...] = ("simple",)
    max_input_tokens: int | None = None
    """Only requests whose prompt (input + cache read + cache write) is at most this."""
    max_output_tokens: int | None = None
    share: float = 1.0
    classifier_usd_per_1k_requests: float = 0.0


@dataclass(frozen=True)
class Caching:
    """Cache a stable prefix, simulated on the logged timestamps."""

    name: str
    description: str = ""
    prefix_tokens: int | None = 1024
    """Stable prefix length; None (`prefix_tokens = "all"`) = the whole prompt (automatic caching)."""
    lifetime: str = "5m"
    key: str = "conversation"
    models: str = "*"
    min_tokens: int | None = None
    """Minimum cacheable length; None = the provider's (measures config [cache])."""


@dataclass(frozen=True)
class Trimming:
    """Keep only the last N turns of history in each prompt."""

    name: str
    description: str = ""
    keep_turns: int = 4
    models: str = "*"


@dataclass(frozen=True)
class Batch:
    """Move a share of non-interactive traffic to batch pricing."""

    name: str
    description: str = ""
    share: float = 0.5
    models: str = "*"
    projects: str = "*"
    """Glob over the project; non-interactive = single-request conversations (or no conversation)."""


@dataclass(frozen=True)
class ScenarioFile:
    path: str
    growth: str = "ramp"
    window_days: int = 28
    scenarios: tuple[Scenario, ...] = ()
    routing: tuple[Routing, ...] = ()
    caching: tuple[Caching, ...] = ()
    trimming: tuple[Trimming, ...] = ()
    batch: tuple[Batch, ...] = ()

    @property
    def alternatives(self) -> tuple[Routing | Caching | Trimming | Batch, ...]:
        return (*self.routing, *self.caching, *self.trimming, *self.batch)


_SECTIONS = {"settings", "scenario", "routing", "caching", "trimming", "batch"}
_KEYS: dict[str, set[str]] = {
    "settings": {"growth", "window_days"},
    "scenario": {"name", "description", "traffic", "context", "caching", "growth", "price"},
    "scenario.price": {"provider", "model", "factor", "from"},
    "routing": {
        "name",
        "description",
        "from_model",
        "from_provider",
        "to_model",
        "to_provider",
        "labels",
        "max_input_tokens",
        "max_output_tokens",
        "share",
        "classifier_usd_per_1k_requests",
    },
    "caching": {"name", "description", "prefix_tokens", "lifetime", "key", "models", "min_tokens"},
    "trimming": {"name", "description", "keep_turns", "models"},
    "batch": {"name", "description", "share", "models", "projects"},
}
_LABELS = {"simple", "medium", "complex"}


class _Ctx:
    """Where we are in the file, for messages: file, line, section."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.pos = Positions(text)

    def fail(self, section: str, key: str | None, what: str, fix: str, index: int = 0) -> ConfigError:
        head = section.split(" ")[0]
        line = self.pos.line(key, head, index) if key else None
        where = f"{self.path}" + (f", line {line}" if line else "") + f", [{section}]"
        where += f" key {key!r}" if key else ""
        return ConfigError(f"{where}: {what}. Fix: {fix}")


def _check_keys(ctx: _Ctx, raw: dict[str, Any], kind: str, index: int, parent: int | None = None) -> None:
    """Unknown keys of the `index`-th [[kind]] (of the `parent`-th [[scenario]] for scenario.price)."""
    start, end = 1, None
    if parent is not None:
        heads = ctx.pos.headers("scenario")
        start = heads[parent] if parent < len(heads) else 1
        end = next((h - 1 for h in heads if h > start), None)
    check_keys(raw, _KEYS[kind], file=ctx.path, positions=ctx.pos, table=kind, index=index,
               shown="[settings]" if kind == "settings" else f"[[{kind}]]", doc="docs/scenarios.md",
               start=start, end=end)


def _num(
    ctx: _Ctx,
    raw: dict[str, Any],
    key: str,
    label: str,
    index: int,
    default: float,
    *,
    lo: float = 0.0,
    hi: float | None = None,
) -> float:
    v = raw.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ctx.fail(
            label, key, f"{key} must be a number, got {v!r}", f"write e.g. {key} = 1.5 without quotes", index
        )
    if not finite(Decimal(repr(v) if isinstance(v, float) else v)):
        raise ctx.fail(label, key, f"{key} = {v} is not a usable number (not finite or over {MAX_NUMBER:,f})",
                       f"write a finite number, e.g. {key} = 1.5", index)
    if v < lo or (hi is not None and v > hi):
        rng = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        raise ctx.fail(label, key, f"{key} = {v} is out of range", f"use a value {rng}", index)
    return float(v)


def _int(
    ctx: _Ctx, raw: dict[str, Any], key: str, label: str, index: int, default: int | None, lo: int = 0
) -> int | None:
    v = raw.get(key, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < lo or v > MAX_NUMBER:
        raise ctx.fail(
            label, key, f"{key} must be a whole number >= {lo} (at most {MAX_NUMBER:,f}), got {v!r}",
            f"write e.g. {key} = 1024", index
        )
    return int(v)


def _str(
    ctx: _Ctx,
    raw: dict[str, Any],
    key: str,
    label: str,
    index: int,
    default: str | None,
    choices: set[str] | None = None,
) -> str | None:
    v = raw.get(key, default)
    if v is None:
        return None
    if not isinstance(v, str):
        raise ctx.fail(label, key, f"{key} must be text, got {v!r}", f'write {key} = "..." in quotes', index)
    if choices is not None and v not in choices:
        raise ctx.fail(label, key, f"{key} = {v!r} is not one of {', '.join(sorted(choices))}"
                       f"{did_you_mean(v, choices)}", "pick one", index)
    return v


def _name(ctx: _Ctx, raw: dict[str, Any], label: str, index: int, seen: set[str]) -> str:
    name = _str(ctx, raw, "name", label, index, None)
    if not name:
        raise ctx.fail(
            label, None, "missing name", f'add name = "..." to [[{label.split(" ")[0]}]] #{index + 1}', index
        )
    if name in seen:
        raise ctx.fail(
            label, "name", f"name {name!r} is used twice", "give every scenario and alternative its own name", index
        )
    seen.add(name)
    return name


def parse_scenarios(text: str, path: str = "<scenarios>") -> ScenarioFile:
    """Validate a scenario file's text (see default.toml for every key)."""
    ctx = _Ctx(path, text)
    data = parse_toml(text, path, kind="scenario")
    for sec in data:
        if sec not in _SECTIONS:
            raise unknown_section(path, ctx.pos.line(None, sec) or ctx.pos.line(sec), sec, _SECTIONS,
                                  "docs/scenarios.md", arrays=_SECTIONS - {"settings"})
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}: [settings] must be a table. Fix: write [settings] with single brackets.")
    _check_keys(ctx, settings, "settings", 0)
    growth = _str(ctx, settings, "growth", "settings", 0, "ramp", {"ramp", "step"}) or "ramp"
    window = _int(ctx, settings, "window_days", "settings", 0, 28, lo=1) or 28

    def tables(sec: str) -> list[dict[str, Any]]:
        items = data.get(sec, [])
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise ConfigError(f"{path}: {sec} must be written as [[{sec}]] tables. Fix: use double brackets.")
        return items

    seen: set[str] = set()
    scenarios = []
    for i, raw in enumerate(tables("scenario")):
        _check_keys(ctx, raw, "scenario", i)
        name = _name(ctx, raw, "scenario", i, seen)
        caching = raw.get("caching", True)
        if not isinstance(caching, bool):
            raise ctx.fail(
                "scenario",
                "caching",
                f"caching must be true or false, got {caching!r}",
                "write caching = false without quotes",
                i,
            )
        prices = []
        praw = raw.get("price", [])
        if not isinstance(praw, list):
            raise ctx.fail("scenario", "price", "price must be [[scenario.price]] tables", "use double brackets", i)
        for j, p in enumerate(praw):
            _check_keys(ctx, p, "scenario.price", j, parent=i)
            start = p.get("from")
            if start is not None and not isinstance(start, date):
                raise ctx.fail(
                    "scenario.price",
                    "from",
                    f"from must be a date, got {start!r}",
                    "write from = 2027-01-01 without quotes",
                    i,
                )
            prices.append(
                PriceChange(
                    provider=_str(ctx, p, "provider", "scenario.price", i, "*") or "*",
                    model=_str(ctx, p, "model", "scenario.price", i, "*") or "*",
                    factor=_num(ctx, p, "factor", "scenario.price", i, 1.0),
                    start=start,
                )
            )
        scenarios.append(
            Scenario(
                name=name,
                description=_str(ctx, raw, "description", "scenario", i, "") or "",
                traffic=_num(ctx, raw, "traffic", "scenario", i, 1.0),
                context=_num(ctx, raw, "context", "scenario", i, 1.0),
                caching=caching,
                growth=_str(ctx, raw, "growth", "scenario", i, None, {"ramp", "step"}),
                prices=tuple(prices),
            )
        )

    routing = []
    for i, raw in enumerate(tables("routing")):
        _check_keys(ctx, raw, "routing", i)
        labels = raw.get("labels", ["simple"])
        if not isinstance(labels, list) or any(lb not in _LABELS for lb in labels):
            raise ctx.fail(
                "routing",
                "labels",
                f"labels must be a list drawn from {sorted(_LABELS)}, got {labels!r}",
                'write e.g. labels = ["simple"] (or [] for any label)',
                i,
            )
        routing.append(
            Routing(
                name=_name(ctx, raw, "routing", i, seen),
                description=_str(ctx, raw, "description", "routing", i, "") or "",
                from_model=_str(ctx, raw, "from_model", "routing", i, "*") or "*",
                from_provider=_str(ctx, raw, "from_provider", "routing", i, "*") or "*",
                to_model=_str(ctx, raw, "to_model", "routing", i, "@cheapest") or "@cheapest",
                to_provider=_str(ctx, raw, "to_provider", "routing", i, None),
                labels=tuple(labels),
                max_input_tokens=_int(ctx, raw, "max_input_tokens", "routing", i, None),
                max_output_tokens=_int(ctx, raw, "max_output_tokens", "routing", i, None),
                share=_num(ctx, raw, "share", "routing", i, 1.0, hi=1.0),
                classifier_usd_per_1k_requests=_num(ctx, raw, "classifier_usd_per_1k_requests", "routing", i, 0.0),
            )
        )

    caching_alts = []
    for i, raw in enumerate(tables("caching")):
        _check_keys(ctx, raw, "caching", i)
        caching_alts.append(
            Caching(
                name=_name(ctx, raw, "caching", i, seen),
                description=_str(ctx, raw, "description", "caching", i, "") or "",
                prefix_tokens=None
                if raw.get("prefix_tokens") == "all"
                else _int(ctx, raw, "prefix_tokens", "caching", i, 1024, lo=1),
                lifetime=_str(ctx, raw, "lifetime", "caching", i, "5m", set(LIFETIMES)) or "5m",
                key=_str(ctx, raw, "key", "caching", i, "conversation", {"conversation", "project"}) or "conversation",
                models=_str(ctx, raw, "models", "caching", i, "*") or "*",
                min_tokens=_int(ctx, raw, "min_tokens", "caching", i, None),
            )
        )

    trims = []
    for i, raw in enumerate(tables("trimming")):
        _check_keys(ctx, raw, "trimming", i)
        trims.append(
            Trimming(
                name=_name(ctx, raw, "trimming", i, seen),
                description=_str(ctx, raw, "description", "trimming", i, "") or "",
                keep_turns=_int(ctx, raw, "keep_turns", "trimming", i, 4, lo=1) or 4,
                models=_str(ctx, raw, "models", "trimming", i, "*") or "*",
            )
        )

    batches = []
    for i, raw in enumerate(tables("batch")):
        _check_keys(ctx, raw, "batch", i)
        batches.append(
            Batch(
                name=_name(ctx, raw, "batch", i, seen),
                description=_str(ctx, raw, "description", "batch", i, "") or "",
                share=_num(ctx, raw, "share", "batch", i, 0.5, hi=1.0),
                models=_str(ctx, raw, "models", "batch", i, "*") or "*",
                projects=_str(ctx, raw, "projects", "batch", i, "*") or "*",
            )
        )
    return ScenarioFile(
        path, growth, window, tuple(scenarios), tuple(routing), tuple(caching_alts), tuple(trims), tuple(batches)
    )


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
    "LIFETIMES",
    "Batch",
    "Caching",
    "PriceChange",
    "Routing",
    "Scenario",
    "ScenarioFile",
    "Trimming",
    "default_scenarios_path",
    "load_scenarios",
    "parse_scenarios",
]
