"""The price catalog: genai-prices (pinned, offline) plus our built-in fixes and the user's overrides.

Each of the three is a price source, one module under `pricing/sources/` behind the `PriceSource`
interface; further sources (`Catalog(extra=...)`) price the models the three do not know.

Everything here resolves *one* price: a model name, a provider, a moment, batch and service tier
in, per-million-token Decimal prices and a human-readable source out. The cost engine
(engine.py) calls it once per distinct (provider, model, UTC day, batch, service tier) and never
per row. genai-prices is used read-only: we never construct `UpdatePrices` (that would start
network downloads), and we never install a custom snapshot (that would change global state for
other callers); overrides are applied on top of the prices genai-prices returns.
"""

from __future__ import annotations

import bisect
import fnmatch
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from genai_prices import types as gp

from llmcost.errors import ConfigError
from llmcost.pricing import names
from llmcost.pricing.overrides import (
    EMPTY,
    PRICE_FIELDS,
    ModelOverride,
    Overrides,
    builtin_overrides,
)
from llmcost.pricing.sources import OfferedPrice, PriceSource
from llmcost.pricing.sources.builtin import OverridesSource
from llmcost.pricing.sources.genai import GP_KEYS as _GP_KEYS
from llmcost.pricing.sources.genai import GenaiPricesSource
from llmcost.pricing.sources.user import user_source
from llmcost.pricing.update import InstalledData, installed
from llmcost.text import close_matches, suggestion

DEFAULT_FACTORS: dict[str, Decimal] = {"batch": Decimal("0.5"), "flex": Decimal("0.5")}
"""Used when neither an override nor a catalog variant says otherwise. Every provider's batch API
and OpenAI/Gemini flex are 50% off (docs/pricing.md cites the sheets). Priority has no safe
default: it is priced at the standard rate and the source says so."""

GEO_FACTORS: dict[str, Decimal] = {"us": Decimal("1.1")}
"""A row's `inference_geo` -> the factor on all its token prices (input, cache reads and writes,
output; not server-tool fees). Anthropic: US-only inference (`inference_geo: "us"`, Claude Opus 4.6
and later, the only models that accept it) costs 1.1x the standard price, and the multiplier stacks
with batch, fast mode and the caching multipliers (pricing-caching-routing.md A.2 and B, from
Anthropic's pricing page, "Data residency pricing"; docs.aws.amazon.com/claude-platform
"Data residency": "A 1.1x pricing multiplier applies"). `global` and `not_available` are the
standard price. Applied per row by pricing.engine.cost_sql, after the price lookup."""

DEFAULT_FACTOR_EXEMPT: dict[tuple[str, str, str], frozenset[str]] = {
    # Gemini Batch API: input and output are 50% off, cached reads are not. Google's price sheet
    # (https://ai.google.dev/gemini-api/docs/pricing, "Batch" column) lists the same "Context caching
    # price" as the Standard column (e.g. Gemini 2.5 Flash $0.03, 3 Pro Preview $0.20), and every
    # google batch variant in genai-prices 0.2.3 (prices/providers/google.yml) leaves cache reads out,
    # which the variant path already reads as "standard price". The default 0.5x must agree.
    # Only Gemini: Claude on Vertex (also provider google) halves cache reads in batch like Anthropic.
    ("batch", "google", "gemini*"): frozenset({"cache_read"}),
}
"""Token kinds a default factor leaves at the standard price, per (dimension, catalog provider, model
glob), when the
kind has a price of its own (a kind billed as its parent follows the parent's discount)."""

TOOL_FEES = {
    # genai-prices `data_units.py`: web_searches (tool_type web_search) and storage_searches
    # (tool_type storage_search: OpenAI file search, $2.50 per 1,000 tool calls on
    # https://platform.openai.com/docs/pricing "Built-in tools"), both per 1,000 calls
    "web_search": ("web_searches_kcount", "web_search_per_1k"),
    "file_search": ("storage_searches_kcount", "file_search_per_1k"),
}
"""Server-side tools priced per call: tool -> (genai-prices price key, override fee field)."""

FLEX_PROVIDERS = frozenset({"openai", "google"})
"""Providers that sell a flex tier (OpenAI's Flex processing, Gemini's Flex); `prices` lists the
default flex price only for these, or where an override or a catalog variant prices flex."""

_PARENT = {"cache_read": "input", "cache_write_5m": "input", "cache_write_1h": "cache_write_5m", "input": "input",
           "output": "output"}
"""The token kind a kind with no price of its own is billed as (the genai-prices fallbacks)."""

_TIER_VARIANTS: dict[str, tuple[dict[str, str], ...]] = {
    # OpenAI sells "fast" (Priority, renamed 2026-07-30) as `service_tier`; Anthropic sells its fast
    # mode as a request option, `speed: "fast"` (https://platform.claude.com/docs/en/build-with-claude/
    # fast-mode#pricing), which genai-prices 0.2.3 keys {"speed": "fast"} (Opus 4.8, Opus 5, Opus 5.5,
    # Fable and Mythos 5.2: 2x the standard price, the caching multipliers on top). The ingestors
    # store either as service_tier 'fast'.
    "fast": ({"service_tier": "fast"}, {"speed": "fast"}),
}
"""The catalog variant contexts a service tier is priced by, tried in order (default: {"service_tier": tier})."""
TIERS_WITHOUT_DEFAULT = frozenset({"priority", "fast"})
"""Service tiers with no safe default price: without an override factor or a catalog variant they
are priced at the standard rate, and the source says so (NO_TIER_PRICE)."""
_PRICED_TIERS = frozenset({"flex", *TIERS_WITHOUT_DEFAULT})
"""Service tiers priced apart from the standard rate; any other value (default, auto, ...) is standard."""
NO_TIER_PRICE = "no price known, standard rate"
"""In a price's source: its service tier has no known price, so the standard rate was used."""
_PER_MILLION = Decimal(1_000_000)
_Q12 = Decimal("1e-12")
_INF = 2**62

# A field's price: base per-million price and (threshold, price) cliffs, ascending.
_Field = tuple[Decimal, tuple[tuple[int, Decimal], ...]]


@dataclass(frozen=True)
class ResolvedPrice:
    """Per-million-token USD prices for one model at one moment, and where they came from."""

    provider: str
    """Provider the price is for (catalog provider id or the override's provider)."""
    model: str
    """Normalised model id (`model_key` in priced tables)."""
    input: Decimal
    """Uncached input."""
    cache_read: Decimal
    """Input read from the prompt cache."""
    cache_write_5m: Decimal
    """Input written to the cache with the default (5 minute) lifetime."""
    cache_write_1h: Decimal
    """Input written to the cache with a 1 hour lifetime."""
    output: Decimal
    """Output, reasoning included."""
    source: str
    """Where the price came from, e.g. `genai-prices 0.2.3: openai/gpt-4o` or `override prices.toml:12`."""
    tier_above: int | None = None
    """Long-context tier applied: total input above this many tokens; None for the base price."""


@dataclass(frozen=True)
class Band:
    """Prices for requests whose total input tokens lie in (lo, hi]."""

    lo: int
    hi: int
    prices: tuple[Decimal, ...]
    """Per-million prices in PRICE_FIELDS order."""
    tier_above: int | None


@dataclass(frozen=True)
class NameMatch:
    """What a (model, provider) pair from a log resolves to."""

    provider: str
    model_key: str
    info: gp.ModelInfo | None = field(compare=False, hash=False)
    catalog_provider: str | None
    step: str
    """Normalisation step that found it ("as written", "bedrock id", "alias", ...)."""
    entry_model: str | None = None
    """An override entry's own name when it names a dated id or alias of the catalog model
    (`gpt-4o-2024-08-06` for gpt-4o): its entries apply on top of the catalog model's."""
    source: str | None = None
    """The label of the further source (`Catalog(extra=...)`) that prices it; None for the built-in three."""

    @property
    def time_of_day(self) -> bool:
        """True when the catalog price depends on the time of day (DeepSeek off-peak)."""
        return self.info is not None and isinstance(self.info.prices, list) and any(
            isinstance(c.constraint, gp.TimeOfDateConstraint) for c in self.info.prices
        )


def _as_field(value: Decimal | gp.TieredPrices) -> _Field:
    if isinstance(value, gp.TieredPrices):
        return value.base, tuple((t.start, t.price) for t in value.tiers)
    return value, ()


def _scale(f: _Field, k: Decimal) -> _Field:
    return f[0] * k, tuple((a, p * k) for a, p in f[1])


def _base(value: Decimal | gp.TieredPrices | None) -> Decimal | None:
    return value.base if isinstance(value, gp.TieredPrices) else value


def _clean(d: Decimal) -> Decimal:
    """Quantized to 12 places, trailing zeros dropped, never in exponent form."""
    return Decimal(f"{d.quantize(_Q12).normalize():f}")


def _fmt(d: Decimal) -> str:
    q = d.quantize(_Q12).normalize()
    return f"{q:f}"


class Catalog:
    """genai-prices 0.2.3 + built-in fixes + the user's override file, resolved offline."""

    def __init__(
        self,
        overrides: Overrides = EMPTY,
        builtin: Overrides | None = None,
        data: InstalledData | None = None,
        *,
        extra: Sequence[PriceSource] = (),
    ) -> None:
        self.overrides = overrides
        self.data = data
        # The built-in fixes correct genai-prices 0.2.3's data; a newer data file (`prices update`) is
        # taken as it is, since an undated fix would otherwise hide its newer prices (docs/pricing.md).
        self.builtin = (EMPTY if data is not None else builtin_overrides()) if builtin is None else builtin
        self.genai = GenaiPricesSource(data)
        self.extra: tuple[PriceSource, ...] = tuple(extra)
        """Further sources, in order, for the models the built-in three do not know."""
        self.sources: tuple[PriceSource, ...] = (
            OverridesSource(overrides, str(overrides.path) if overrides.path else "no override file"),
            OverridesSource(self.builtin, "llmcost builtin.toml"),
            self.genai,
            *self.extra,
        )
        """Every source, the first winning: the user's overrides, the built-in fixes, genai-prices, extra."""
        self._snapshot = self.genai.snapshot
        self.label = self.genai.label
        """How reports name the catalog."""
        self.short_label = self.genai.short_label
        """The catalog's name in per-row price sources."""
        self._offered: dict[str, tuple[OfferedPrice, ...]] = {
            s.label: tuple(s.offered()) for s in self.extra
        }
        self._providers = {p.id: p for p in self._snapshot.providers}
        self._known_providers = frozenset(self._providers) | frozenset(
            p for p in names.PROVIDER_ALIASES
        )
        # user entries win over built-in ones; later entries in a file win over earlier ones
        self._entries: tuple[ModelOverride, ...] = self.builtin.models + overrides.models
        self._adjustments = self.builtin.adjustments + overrides.adjustments
        self._aliases = {**self.builtin.aliases, **overrides.aliases}
        self._azure = {**self.builtin.azure_deployments, **overrides.azure_deployments}
        self._match_cache: dict[tuple[str, str | None], NameMatch | None] = {}
        self._band_cache: dict[tuple[object, ...], tuple[tuple[Band, ...], str]] = {}
        self._suggestion_cache: dict[tuple[str, int], list[str]] = {}

    # -- provenance -----------------------------------------------------------------------------

    def info(self) -> dict[str, str | None]:
        """What every report states: catalog version and the override file with its sha256."""
        path = self.overrides.path
        return {
            "catalog": self.label,
            "overrides_file": str(path) if path is not None else None,
            "overrides_sha256": self.overrides.sha256,
        }

    def check_overrides(self) -> None:
        """Fail at load time (file and line) for an entry that cannot price anything on its own, or
        that would mix its own prices with the catalog's long-context tiers."""
        for e in self.builtin.models + self.overrides.models:
            info, _ = self._catalog_model(e.model, e.provider)
            if info is None:
                info, _ = self._catalog_base(e.model, e.provider)
            if info is None and not {"input", "output"} <= e.prices.keys():
                close = self.did_you_mean(e.model)
                hint = f", or fix the name{suggestion(close)}" if close else ""
                raise ConfigError(
                    f"{e.origin}: model {e.model!r} ({e.provider}) is not in {self.short_label}, so the entry "
                    f"needs both input and output prices. Add input = ... and output = ... "
                    f"(USD per million tokens){hint}."
                )
            if info is None:
                continue
            tiered = _tiered_fields(info)
            if e.tiers:
                named = {f for t in e.tiers for f in t.prices}
                missing = [f for f in PRICE_FIELDS if f in tiered and f not in named]
                if missing:
                    above = ", ".join(f"{f} ${_fmt(tiered[f][1])} above {tiered[f][0]:,}" for f in missing)
                    raise ConfigError(
                        f"{e.origin}: the [[model.tier]] of {e.model!r} replaces the catalog's long-context tiers "
                        f"but leaves out {', '.join(missing)} (catalog: {above}). Add "
                        + ", ".join(f"{f} = ..." for f in missing)
                        + " to each [[model.tier]], so no request mixes your tier with the catalog's."
                    )
            for f, v in e.prices.items():
                if f in tiered and not e.tiers and tiered[f][2] == 0:
                    raise ConfigError(
                        f"{e.origin}: {f} of {e.model!r} has long-context tiers in {self.short_label} over a "
                        f"base of 0, so {f} = {_fmt(v)} cannot scale them. Write the tier prices out: [[model.tier]] "
                        f"above_input_tokens = {tiered[f][0]} with {f} = ... (and the other fields)."
                    )

    # -- names ----------------------------------------------------------------------------------

    @cached_property
    def known_models(self) -> tuple[str, ...]:
        """Every model id the catalog and the overrides know (for "did you mean")."""
        ids = {m.id.lower() for p in self._snapshot.providers for m in p.models}
        ids |= {e.model for e in self._entries}
        ids |= {o.model for rows in self._offered.values() for o in rows}
        return tuple(sorted(ids))

    def did_you_mean(self, model: str, n: int = 3) -> list[str]:
        """Close known model ids for an unknown name (difflib over all ids), each name searched once
        per catalog (a report prices its window several times, issue 18)."""
        key = (model, n)
        if key not in self._suggestion_cache:
            self._suggestion_cache[key] = self._did_you_mean(model, n)
        return list(self._suggestion_cache[key])

    def _did_you_mean(self, model: str, n: int) -> list[str]:
        cands = names.candidates(model, self._known_providers)
        probe = cands[-1][1] if cands else model.lower()
        # the name itself is no suggestion (it is known, but not under the provider asked or inferred)
        known = [k for k in self.known_models if k != model.lower() and k != probe]
        out = close_matches(probe, known, n=n)
        if not out and probe != model.lower():
            out = close_matches(model.lower(), known, n=n)
        return out

    def providers_of(self, model: str) -> list[str]:
        """Catalog providers that price `model` as written (for "pass --provider" when it is ambiguous)."""
        out = []
        for pid in sorted(self._providers):
            try:
                prov, _ = self._snapshot.find_provider_model(model.strip().lower(), None, pid, None)
            except LookupError:
                continue
            if prov.id == pid:
                out.append(pid)
        return sorted(out, key=lambda p: ("_" in p, p))  # direct providers before routers' sub-providers

    def match(self, model: str | None, provider: str | None = None) -> NameMatch | None:
        """Resolve a raw (model, provider) pair from a log; None when nothing prices it."""
        if model is None or not model.strip():
            return None
        key = (model, provider)
        if key not in self._match_cache:
            self._match_cache[key] = self._match(model, provider)
        return self._match_cache[key]

    def _match(self, model: str, provider: str | None) -> NameMatch | None:
        pid = names.provider_id(provider)
        raw = model.strip().lower()
        if pid is None and raw.startswith("ft:"):
            pid = "openai"  # OpenAI's fine-tuned model ids (ft:<base>:<org>::<id>); genai-prices does not infer it
        step_prefix = ""
        if pid == "azure" and raw in self._azure:
            raw, step_prefix = self._azure[raw], "azure deployment -> "
        if raw in self._aliases:
            target = self._aliases[raw]
            step_prefix += "alias -> "
            if "/" in target and names.provider_id(target.split("/", 1)[0]) in self._known_providers:
                p, target = target.split("/", 1)
                pid = names.provider_id(p)
            raw = target
        cands = names.candidates(raw, self._known_providers)

        # 1. names the override files define. An entry for a catalog model is reached this way only by
        # its `match` globs; otherwise the catalog's own matcher decides (so an entry for gpt-4o does
        # not capture gpt-4o-2024-05-13, which the catalog prices apart) and the entry applies by model_key.
        # An entry naming a dated id or alias of a catalog model (gpt-4o-2024-08-06 -> gpt-4o) is reached
        # by that name and reported under the catalog's model, whose prices fill the fields it leaves out.
        for entry in reversed(self._entries):
            if pid is not None and entry.provider not in (pid, "*"):
                continue
            info, cprov = self._catalog_model(entry.model, entry.provider)
            base, bprov = (None, None) if info is not None else self._catalog_base(entry.model, entry.provider)
            for hint, name, step in cands:
                if hint is not None and pid is None and entry.provider != hint:
                    continue
                hit = entry.matches_name(name) if info is None else any(
                    fnmatch.fnmatchcase(name, pat) for pat in entry.match)
                if hit:
                    step = f"{step_prefix}override {step}"
                    if base is not None:
                        return NameMatch(entry.provider, base.id.lower(), base, bprov,
                                         f"{step} ({entry.model} of {bprov}/{base.id})", entry.model)
                    return NameMatch(entry.provider, entry.model, info, cprov, step)

        # 2. the catalog: under the row's provider first, then the provider a prefix names, then inferred
        tries: list[tuple[str | None, str, str]] = []
        if pid is not None and pid in self._providers:
            tries += [(pid, name, step) for _, name, step in cands]
        tries += [(hint, name, step) for hint, name, step in cands if hint is not None and hint != pid]
        tries += [(None, name, step) for _, name, step in cands]
        for try_pid, name, step in tries:
            try:
                prov, info = self._snapshot.find_provider_model(name, None, try_pid, None)
            except LookupError:
                continue
            note = step
            if pid is not None and prov.id != pid:
                note += f", priced as {prov.id} (no {pid} entry)"
            return NameMatch(prov.id if pid is None or prov.id != pid else pid, info.id.lower(), info,
                             prov.id, step_prefix + note)

        # 3. further sources, in order, for a model none of the above knows
        for src in self.extra:
            for hint, name, step in cands:
                prov_id = pid or hint
                for o in self._offered[src.label]:
                    if o.model == name and (prov_id is None or o.provider == prov_id):
                        return NameMatch(o.provider, name, None, None, f"{step_prefix}{step} ({src.label})",
                                         source=src.label)
        return None

    def _catalog_base(self, model: str, provider: str) -> tuple[gp.ModelInfo | None, str | None]:
        """The catalog model a dated id or alias resolves to (`gpt-4o-2024-08-06` -> gpt-4o)."""
        try:
            prov, info = self._snapshot.find_provider_model(model, None, names.provider_id(provider), None)
        except LookupError:
            return None, None
        return info, prov.id

    def _entries_for(self, m: NameMatch) -> list[ModelOverride]:
        """Override entries that apply to `m`: the catalog model's first, then its dated id's (which win)."""
        own = [e for e in self._entries if e.provider in (m.provider, "*") and e.model == m.model_key]
        if m.entry_model is not None and m.entry_model != m.model_key:
            own += [e for e in self._entries if e.provider in (m.provider, "*") and e.model == m.entry_model]
        return own

    def _catalog_model(self, model: str, provider: str) -> tuple[gp.ModelInfo | None, str | None]:
        pid = names.provider_id(provider)
        try:
            prov, info = self._snapshot.find_provider_model(model, None, pid, None)
        except LookupError:
            prov, info = None, None
        if prov is not None and info is not None and info.id.lower() == model:
            return info, prov.id
        # an entry may name a catalog id its own match clause does not cover (ft:gpt-4o matches only
        # ft:gpt-4o-2024-...): look the id up directly under the entry's provider
        p = self._providers.get(pid or "")
        if p is not None:
            for cand in p.models:
                if cand.id.lower() == model:
                    return cand, p.id
        return None, None

    # -- prices ---------------------------------------------------------------------------------

    def resolve(
        self,
        model: str,
        provider: str | None,
        at: datetime,
        *,
        batch: bool = False,
        service_tier: str | None = None,
        total_input_tokens: int = 0,
    ) -> ResolvedPrice | None:
        """Prices in force at `at` for one request; None when the model is unknown."""
        m = self.match(model, provider)
        if m is None:
            return None
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        bands, source = self.bands(m, at, batch=batch, service_tier=service_tier)
        if not bands:
            return None
        tin = max(total_input_tokens, 0)
        band = next(b for b in bands if b.lo < tin <= b.hi)
        prices = dict(zip(PRICE_FIELDS, band.prices, strict=True))
        return ResolvedPrice(m.provider, m.model_key, **prices, source=source, tier_above=band.tier_above)

    def tool_fee_price(self, m: NameMatch, at: datetime, tool: str) -> tuple[Decimal | None, str]:
        """USD per 1,000 calls of server-side tool `tool` (TOOL_FEES) in force at `at` and its
        source; None when neither the catalog nor an override prices them (unpriced, never $0).

        genai-prices carries `web_searches_kcount` (Anthropic $10, OpenAI $10, Gemini grounding $35
        or $14 per 1,000) and `storage_searches_kcount` (OpenAI file search $2.50 per 1,000).
        An override entry's fee field wins over the catalog. Batch, flex and priority do not change
        it: the providers discount tokens, not tool calls."""
        catalog_key, override_key = TOOL_FEES[tool]
        price: Decimal | None = None
        source = ""
        if m.info is not None:
            v = getattr(m.info.get_prices(at), catalog_key, None)
            if v is not None:
                price, source = Decimal(v), f"{self.short_label}: {m.catalog_provider}/{m.info.id}"
        for e in self._entries_for(m):
            if e.active(at.date()) and override_key in e.fees:
                price, source = e.fees[override_key], f"override {e.origin}"
        return price, source

    def uncovered(self, m: NameMatch, day: date) -> bool:
        """True when `m` has no price on `day` because none of its dated override entries covers it
        (a model only the override file knows, priced by entries with effective dates)."""
        bands, _ = self.bands(m, datetime.combine(day, time(12), tzinfo=UTC))
        return not bands

    def entry_dates(self, m: NameMatch) -> list[tuple[date | None, date | None]]:
        """The (effective_from, effective_until) ranges of the override entries that price `m`."""
        return [(e.effective_from, e.effective_until) for e in self._entries_for(m)]

    def _change_days(self, m: NameMatch) -> tuple[date, ...]:
        """UTC days on which anything affecting this model's price starts or stops."""
        days: set[date] = set()
        if m.info is not None:
            for c in m.info.prices if isinstance(m.info.prices, list) else ():
                if isinstance(c.constraint, gp.StartDateConstraint):
                    days.add(c.constraint.start_date)
            for v in m.info.price_variants or ():
                if isinstance(v.constraint, gp.StartDateConstraint):
                    days.add(v.constraint.start_date)
        for e in self._entries_for(m):
            days.update(d for d in (e.effective_from, e.effective_until) if d is not None)
        for a in self._adjustments:
            days.update(d for d in (a.effective_from, a.effective_until) if d is not None)
        for o in self._offered.get(m.source or "", ()):
            if o.model == m.model_key and o.provider == m.provider:
                days.update(d for d in (o.effective_from, o.effective_until) if d is not None)
        return tuple(sorted(days))

    def bands(
        self, m: NameMatch, at: datetime, *, batch: bool = False, service_tier: str | None = None
    ) -> tuple[tuple[Band, ...], str]:
        """All long-context bands in force at `at` (UTC) and the source text; memoised per price period."""
        raw_tier = (service_tier or "").strip().lower()
        tier_value = raw_tier if raw_tier in _PRICED_TIERS else ""
        changes = self._change_days(m)
        period = bisect.bisect_right(changes, at.date())
        slot = (at.hour * 60 + at.minute) // 30 if m.time_of_day else -1
        key = (m, period, slot, batch, tier_value)
        hit = self._band_cache.get(key)
        if hit is None:
            hit = self._compute_bands(m, at, batch, tier_value)
            self._band_cache[key] = hit
        return hit

    def _compute_bands(
        self, m: NameMatch, at: datetime, batch: bool, tier: str
    ) -> tuple[tuple[Band, ...], str]:
        day = at.date()
        fields: dict[str, _Field | None] = dict.fromkeys(PRICE_FIELDS)
        sources: list[str] = []
        std: gp.ModelPrice | None = None
        if m.info is not None:
            std = m.info.get_prices(at)
            for f, gk in _GP_KEYS.items():
                v = getattr(std, gk, None)
                fields[f] = _as_field(v) if v is not None else None
            since = ""
            if isinstance(m.info.prices, list):
                for c in reversed(m.info.prices):
                    if c.constraint is None or c.constraint.active(at):
                        if isinstance(c.constraint, gp.StartDateConstraint):
                            since = f" (from {c.constraint.start_date.isoformat()})"
                        elif isinstance(c.constraint, gp.TimeOfDateConstraint):
                            since = f" ({c.constraint.start_time:%H:%M}-{c.constraint.end_time:%H:%M} UTC)"
                        elif m.time_of_day:
                            # the unconstrained price of a time-of-day model is the one outside every window
                            windows = ", ".join(
                                f"{x.constraint.start_time:%H:%M}-{x.constraint.end_time:%H:%M}"
                                for x in m.info.prices if isinstance(x.constraint, gp.TimeOfDateConstraint))
                            since = f" (off-peak price: outside {windows} UTC)"
                        break
            sources.append(f"{self.short_label}: {m.catalog_provider}/{m.info.id}{since}")
        elif m.source is not None:
            src = next(s for s in self.extra if s.label == m.source)
            offered = src.lookup(m.provider, m.model_key, day)
            if offered is not None:
                for f, v in offered.prices.items():
                    if f in fields:
                        fields[f] = (Decimal(v), ())
                sources.append(offered.source or src.label)

        factors: dict[str, Decimal] = {}
        for e in self._entries_for(m):
            if not e.active(day):
                continue
            for f, v in e.prices.items():
                cur = fields[f]
                if cur is not None and cur[1] and not e.tiers:
                    # A new base price for a tiered field scales its tiers by the same ratio, so a
                    # discount on input is the same discount above the threshold and no request mixes
                    # the entry's base with the catalog's tier (check_overrides refuses a 0 base).
                    k = v / cur[0]
                    fields[f] = (v, tuple((a, p * k) for a, p in cur[1]))
                else:
                    fields[f] = (v, ())
            if e.tiers:
                for f in PRICE_FIELDS:
                    cur = fields[f]
                    if cur is not None:
                        fields[f] = (cur[0], tuple((t.above, t.prices[f]) for t in e.tiers if f in t.prices))
            factors.update(e.factors)
            sources.append(f"override {e.origin}")

        if fields["input"] is None:
            return (), "; ".join(sources) + " (no per-token input price)"
        # Fallbacks mirror genai-prices: tokens of a kind with no price of their own are billed as
        # their parent kind (cache read -> input, 5m write -> input, 1h write -> 5m write).
        if fields["output"] is None:
            fields["output"] = (Decimal(0), ())
        own = frozenset(f for f, v in fields.items() if v is not None)
        fields["cache_read"] = fields["cache_read"] or fields["input"]
        fields["cache_write_5m"] = fields["cache_write_5m"] or fields["input"]
        fields["cache_write_1h"] = fields["cache_write_1h"] or fields["cache_write_5m"]

        for dim, on in (("batch", batch), (tier, bool(tier))):
            if not on:
                continue
            ctxs = ({"processing": "batch"},) if dim == "batch" else _TIER_VARIANTS.get(dim, ({"service_tier": dim},))
            fname = {"batch": "batch_factor", "flex": "flex_factor"}.get(dim, "priority_factor")
            label = dim
            if fname in factors:
                k = factors[fname]
                fields = {f: _scale(v, k) for f, v in fields.items() if v is not None}
                sources.append(f"{label} x{_fmt(k)} (override)")
                continue
            variant = next((v for v in (self._variant(m, c, at) for c in ctxs) if v is not None), None)
            if variant is not None and std is not None:
                fields, note = self._apply_variant(m, variant, std, at, fields, own)
                sources.append(f"{label} {note}")
                continue
            default = DEFAULT_FACTORS.get(dim)
            if default is None:
                sources.append(f"{label}: {NO_TIER_PRICE} (set priority_factor)")
                continue
            keep = frozenset().union(*(
                kinds for (d, prov, pat), kinds in DEFAULT_FACTOR_EXEMPT.items()
                if d == dim and prov == (m.catalog_provider or m.provider) and fnmatch.fnmatchcase(m.model_key, pat)
            )) & own
            fields = {f: v if f in keep else _scale(v, default) for f, v in fields.items() if v is not None}
            kept = f", {', '.join(sorted(keep))} at standard" if keep else ""
            sources.append(f"{label} x{_fmt(default)} (default{kept})")

        for a in self._adjustments:
            if a.applies(m.provider, m.model_key, day):
                fields = {f: _scale(v, a.factor) for f, v in fields.items() if v is not None}
                sources.append(f"x{_fmt(a.factor)} adjustment {a.origin}")

        return _to_bands(fields), "; ".join(sources)

    def _variant(self, m: NameMatch, ctx: dict[str, str], at: datetime) -> gp.PriceVariant | None:
        """The catalog variant for `ctx` in force at `at` (the latest started); when none is in force
        yet, the earliest one, whose ratio to the standard price is then applied (see _apply_variant)."""
        if m.info is None:
            return None
        cands = [v for v in m.info.price_variants or ()
                 if v.when == ctx and any(x is not None for x in v.prices.__dict__.values())]

        def start(v: gp.PriceVariant) -> date:
            c = v.constraint
            return c.start_date if isinstance(c, gp.StartDateConstraint) else date.min

        active = [v for v in cands if v.constraint is None or v.constraint.active(at)]
        if active:
            return max(active, key=start)
        return min(cands, key=start) if cands else None

    def _apply_variant(
        self,
        m: NameMatch,
        v: gp.PriceVariant,
        std: gp.ModelPrice,
        at: datetime,
        fields: dict[str, _Field | None],
        own: frozenset[str],
    ) -> tuple[dict[str, _Field | None], str]:
        """Scale each field by the catalog's own variant/standard ratio.

        When the variant is in force this reproduces the catalog's variant price exactly. genai-prices
        0.2.3 only dates variants from October 2026, so for earlier requests the same ratio is applied
        to the price then in force (e.g. gpt-4o priority 1.7x, batch 0.5x without a cached-input discount).
        A field with no price of its own (not in `own`: billed like its parent) follows its parent's
        ratio, so batch cache reads of a model without a cache price are billed as batch input.
        """
        ref_std, note = std, "catalog variant"
        if v.constraint is not None and not v.constraint.active(at):
            start = v.constraint.start_date if isinstance(v.constraint, gp.StartDateConstraint) else at.date()
            assert m.info is not None
            ref_std = m.info.get_prices(datetime.combine(start, time(12), tzinfo=UTC))
            note = f"catalog ratio (variant dated {start.isoformat()})"
        out = dict(fields)
        ratios: dict[str, Decimal] = {}
        for f, gk in _GP_KEYS.items():
            cur = out.get(f)
            if cur is None:
                continue
            vp, sp = _base(getattr(v.prices, gk, None)), _base(getattr(ref_std, gk, None))
            if f in own and vp is not None and sp is not None and sp != 0:
                ratios[f] = vp / sp
            elif f in own and sp is not None:
                continue  # the catalog prices the kind but its variant does not: standard price
            elif _PARENT[f] in ratios and _PARENT[f] != f:
                ratios[f] = ratios[_PARENT[f]]
            else:
                continue
            out[f] = _scale(cur, ratios[f])
        return out, note


def _tiered_fields(info: gp.ModelInfo) -> dict[str, tuple[int, Decimal, Decimal]]:
    """Fields the catalog prices by long-context tier at some date: field -> (first threshold, its
    price, the base price)."""
    sets = [c.prices for c in info.prices] if isinstance(info.prices, list) else [info.prices]
    out: dict[str, tuple[int, Decimal, Decimal]] = {}
    for mp in sets:
        for f, gk in _GP_KEYS.items():
            v = getattr(mp, gk, None)
            if isinstance(v, gp.TieredPrices) and v.tiers:
                out[f] = (v.tiers[0].start, v.tiers[0].price, v.base)
    return out


def _to_bands(fields: dict[str, _Field | None]) -> tuple[Band, ...]:
    full = {f: v for f, v in fields.items() if v is not None}
    starts = sorted({a for _, tiers in full.values() for a, _ in tiers})
    edges = [-1, *starts, _INF]
    bands = []
    for lo, hi in itertools.pairwise(edges):
        prices = []
        for f in PRICE_FIELDS:
            base, tiers = full[f]
            price = base
            for a, p in tiers:
                if lo >= a:
                    price = p
            prices.append(_clean(price))
        bands.append(Band(lo, hi, tuple(prices), None if lo < 0 else lo))
    return tuple(bands)


def load_catalog(prices_file: Path | None = None, *, use_installed: bool = True) -> Catalog:
    """The catalog with the override file at `prices_file` (or the default location) applied, on the
    data file `prices update` installed if there is one (`use_installed=False`: the bundled data).

    Raises ConfigError when the override file or the installed data file is missing or invalid.
    """
    catalog = Catalog(user_source(prices_file).overrides, data=installed() if use_installed else None)
    catalog.check_overrides()
    return catalog
