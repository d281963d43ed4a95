"""The price override file: negotiated prices, private models, aliases and catalog fixes.

genai-prices is the base catalog, but every team has prices it cannot know (a contract discount,
a fine-tuned or self-hosted model, an Azure deployment name) and the catalog has known gaps
(see docs/pricing.md). This module reads one TOML file in our own small schema, validates it
strictly (an unknown key is an error naming file, line and the fix, as genai-prices does with
`extra="forbid"`), and turns it into plain dataclasses. Numbers are read as `Decimal`
(`tomllib` with `parse_float=Decimal`), never float.

The built-in fixes we ship (`builtin.toml`, next to this module) use the same format.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmcost.config.strict import Positions, check_keys, decode, finite, parse_toml, read_bytes, unknown_key
from llmcost.errors import ConfigError

PRICE_FIELDS = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output")
"""USD per million tokens, in this order everywhere in the pricing package."""

FACTOR_FIELDS = ("batch_factor", "flex_factor", "priority_factor")

FEE_FIELDS = ("web_search_per_1k", "file_search_per_1k")
"""Server-tool fees, USD per 1,000 calls (not per token): priced apart from tokens."""

_TOP_KEYS = {"aliases", "azure_deployments", "model", "adjustment"}
_MODEL_KEYS = {
    "provider", "model", "match", "effective_from", "effective_until", "note", "source", "tier",
    *PRICE_FIELDS, *FACTOR_FIELDS, *FEE_FIELDS,
}
_TIER_KEYS = {"above_input_tokens", *PRICE_FIELDS}
_ADJ_KEYS = {"provider", "model", "factor", "effective_from", "effective_until", "note"}


@dataclass(frozen=True)
class Tier:
    """Long-context tier: once a request's total input exceeds `above`, all its tokens pay these."""

    above: int
    """Threshold on total input tokens (uncached + cache read + cache write), exclusive."""
    prices: dict[str, Decimal]
    """Per-million prices for this tier; a field left out keeps the base price."""


@dataclass(frozen=True)
class ModelOverride:
    """One `[[model]]` entry: prices (all or some fields) for a model over a date range."""

    provider: str
    """Billing provider the entry applies to (as in the `provider` column, lower case)."""
    model: str
    """Normalised model id rows are reported under (lower case)."""
    match: tuple[str, ...]
    """Extra raw names (case-insensitive globs) that mean this model."""
    effective_from: date | None
    """First UTC day the entry applies (inclusive); None = since always."""
    effective_until: date | None
    """UTC day the entry stops applying (exclusive); None = still in force."""
    prices: dict[str, Decimal]
    """Per-million prices set by the entry; missing fields come from the catalog."""
    tiers: tuple[Tier, ...]
    """Long-context tiers; when given they replace the catalog's tiers."""
    factors: dict[str, Decimal]
    """Batch / flex / priority multipliers set by the entry."""
    note: str
    """Why the entry exists (shown in `prices` output)."""
    origin: str
    """Where the entry was read: `file:line`."""
    source: str = ""
    """The provider's price page the entry's numbers come from (required in builtin.toml)."""
    fees: dict[str, Decimal] = field(default_factory=dict)
    """Server-tool fees set by the entry (FEE_FIELDS: USD per 1,000 calls)."""

    def active(self, day: date) -> bool:
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_until is None or day < self.effective_until

    def matches_name(self, name: str) -> bool:
        return name == self.model or any(fnmatch.fnmatchcase(name, pat) for pat in self.match)


@dataclass(frozen=True)
class Adjustment:
    """One `[[adjustment]]` entry: a factor on final prices (contract discount, data residency)."""

    provider: str
    model: str
    """Glob over the normalised model id."""
    factor: Decimal
    effective_from: date | None
    effective_until: date | None
    note: str
    origin: str

    def applies(self, provider: str, model: str, day: date) -> bool:
        if self.provider not in ("*", provider) or not fnmatch.fnmatchcase(model, self.model):
            return False
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_until is None or day < self.effective_until


@dataclass(frozen=True)
class Overrides:
    """Everything read from one override file (or the built-in fixes)."""

    path: Path | None
    sha256: str | None
    aliases: dict[str, str] = field(default_factory=dict)
    azure_deployments: dict[str, str] = field(default_factory=dict)
    models: tuple[ModelOverride, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()

    def zero_priced(self) -> list[ModelOverride]:
        """Entries whose input and output prices are both 0 (and no price or tier in them above 0):
        often the unpriced-model snippet pasted without its real prices."""
        return [
            m for m in self.models
            if {"input", "output"} <= m.prices.keys()
            and not any(m.prices.values())
            and not any(v for t in m.tiers for v in t.prices.values())
        ]


EMPTY = Overrides(path=None, sha256=None)


def _fail(where: str, what: str, fix: str) -> ConfigError:
    return ConfigError(f"{where}: {what}. {fix}")


def _check_keys(raw: dict[str, Any], allowed: set[str], where: str, lines: Positions, table: str, index: int,
                start: int, end: int | None) -> None:
    """Unknown keys of the `index`-th `[[table]]` between lines `start` and `end` (or of the top level)."""
    check_keys(raw, allowed, file=where.rsplit(":", 1)[0], positions=lines, table=table, index=index,
               shown=f"[[{table}]]" if table else None, doc="docs/pricing.md", start=start, end=end)


def _money(value: Any, where: str, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise _fail(where, f"{key} must be a number (USD per million tokens), got {value!r}",
                    f"Write e.g. {key} = 2.50 without quotes.")
    dec = Decimal(value)
    if not finite(dec) or dec < 0:
        raise _fail(where, f"{key} must be a finite number >= 0, got {value}", "Fix the value.")
    return dec


def _date(value: Any, where: str, key: str) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    raise _fail(where, f"{key} must be a TOML date, got {value!r}",
                f"Write e.g. {key} = 2025-06-10 (no quotes).")


def _text(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"{key} must be a non-empty string, got {value!r}",
                    f'Write e.g. {key} = "openai".')
    return value.strip()


def _name_map(raw: Any, where: str, section: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise _fail(where, f"[{section}] must be a table of name = \"model\"",
                    f'Write e.g. [{section}] then "my-name" = "gpt-4o".')
    out = {}
    for k, v in raw.items():
        out[k.strip().lower()] = _text(v, where, f"{section}.{k}").lower()
    return out


def _model(raw: dict[str, Any], where: str, lines: Positions, start: int, end: int) -> ModelOverride:
    _check_keys(raw, _MODEL_KEYS, where, lines, "model", 0, start, end)
    for req in ("provider", "model"):
        if req not in raw:
            raise _fail(where, f"[[model]] needs {req!r}", f'Add {req} = "..." to the entry.')
    prices = {k: _money(raw[k], where, k) for k in PRICE_FIELDS if k in raw}
    factors = {k: _money(raw[k], where, k) for k in FACTOR_FIELDS if k in raw}
    fees = {k: _money(raw[k], where, k) for k in FEE_FIELDS if k in raw}
    match = raw.get("match", [])
    if isinstance(match, str):
        match = [match]
    if not isinstance(match, list):
        raise _fail(where, "match must be a list of names", 'Write e.g. match = ["my-model-*"].')
    tiers = []
    raw_tiers = raw.get("tier", [])
    if not isinstance(raw_tiers, list):
        raise _fail(where, "tier must be written as [[model.tier]] tables", "See prices.example.toml.")
    for n, t in enumerate(raw_tiers):
        _check_keys(t, _TIER_KEYS, where, lines, "model.tier", n, start, end)
        above = t.get("above_input_tokens")
        if isinstance(above, bool) or not isinstance(above, int) or above < 0:
            raise _fail(where, "[[model.tier]] needs above_input_tokens = <int>",
                        "Write e.g. above_input_tokens = 200000.")
        tiers.append(Tier(above, {k: _money(t[k], where, k) for k in PRICE_FIELDS if k in t}))
    tiers.sort(key=lambda t: t.above)
    eff_from = _opt_date(raw, where, "effective_from")
    eff_until = _opt_date(raw, where, "effective_until")
    if eff_from and eff_until and eff_until <= eff_from:
        raise _fail(where, "effective_until must be after effective_from", "Swap or fix the dates.")
    return ModelOverride(
        provider=_text(raw["provider"], where, "provider").lower(),
        model=_text(raw["model"], where, "model").lower(),
        match=tuple(_text(m, where, "match").lower() for m in match),
        effective_from=eff_from,
        effective_until=eff_until,
        prices=prices,
        tiers=tuple(tiers),
        factors=factors,
        note=str(raw.get("note", "")),
        origin=where,
        source=_text(raw["source"], where, "source") if "source" in raw else "",
        fees=fees,
    )


def _adjustment(raw: dict[str, Any], where: str, lines: Positions, start: int, end: int) -> Adjustment:
    _check_keys(raw, _ADJ_KEYS, where, lines, "adjustment", 0, start, end)
    for req in ("provider", "factor"):
        if req not in raw:
            raise _fail(where, f"[[adjustment]] needs {req!r}", f"Add {req} = ... to the entry.")
    return Adjustment(
        provider=_text(raw["provider"], where, "provider").lower(),
        model=_text(raw.get("model", "*"), where, "model").lower(),
        factor=_money(raw["factor"], where, "factor"),
        effective_from=_opt_date(raw, where, "effective_from"),
        effective_until=_opt_date(raw, where, "effective_until"),
        note=str(raw.get("note", "")),
        origin=where,
    )


def _opt_date(raw: dict[str, Any], where: str, key: str) -> date | None:
    return _date(raw[key], where, key) if key in raw else None


def parse_overrides(text: str, name: str, path: Path | None = None, sha256: str | None = None) -> Overrides:
    """Validate override TOML `text`; `name` is how messages and price sources refer to the file."""
    raw = parse_toml(text, name, decimals=True, kind="price override (see prices.example.toml)")
    lines = Positions(text)
    for key in raw:
        if key not in _TOP_KEYS:  # a top-level key, or a [table] of that name
            raise unknown_key(name, lines.line(key) or lines.line(None, key), key, _TOP_KEYS, "the top level",
                              "docs/pricing.md")
    aliases = _name_map(raw.get("aliases", {}), f"{name}:{lines.line(None, 'aliases') or lines.line('aliases') or 1}",
                        "aliases")
    azure = _name_map(raw.get("azure_deployments", {}), name, "azure_deployments")

    def entries(section: str) -> list[tuple[dict[str, Any], int, int]]:
        items = raw.get(section, [])
        if not isinstance(items, list):
            raise _fail(name, f"{section} must be written as [[{section}]] tables",
                        "See prices.example.toml.")
        heads = lines.headers(section)
        out = []
        for i, item in enumerate(items):
            start = heads[i] if i < len(heads) else 1
            # the entry runs to the next top-level array header of any kind
            nxt = [h for h in lines.headers("model") + lines.headers("adjustment") if h > start]
            out.append((item, start, min(nxt) - 1 if nxt else len(lines.lines)))
        return out

    models = tuple(_model(item, f"{name}:{s}", lines, s, e) for item, s, e in entries("model"))
    adjustments = tuple(_adjustment(item, f"{name}:{s}", lines, s, e) for item, s, e in entries("adjustment"))
    return Overrides(path=path, sha256=sha256, aliases=aliases, azure_deployments=azure,
                     models=models, adjustments=adjustments)


def read_overrides(path: Path) -> Overrides:
    """Read and validate the override file at `path` (ConfigError when missing or invalid)."""
    data = read_bytes(path, kind="price override", option="--prices (or LLMCOST_PRICES)")
    text = decode(data, path, kind="price override")
    return parse_overrides(text, path.name, path=path, sha256=hashlib.sha256(data).hexdigest())


def builtin_overrides() -> Overrides:
    """The fixes llmcost ships for gaps in the pinned catalog (`builtin.toml`)."""
    path = Path(__file__).with_name("builtin.toml")
    return parse_overrides(path.read_text("utf-8"), "llmcost builtin.toml", path=path)
