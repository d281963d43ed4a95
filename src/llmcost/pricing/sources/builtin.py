"""llmcost's built-in price fixes (`pricing/builtin.toml`) as a price source."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from llmcost.pricing.overrides import Overrides, builtin_overrides
from llmcost.pricing.sources import OfferedPrice


class OverridesSource:
    """Entries of an override file (the built-in fixes or the user's) as a `PriceSource`. An entry
    may state only some prices (the rest come from genai-prices), so `prices` can lack input/output;
    the catalog applies entries with their full semantics (match globs, tiers, factors, fees)."""

    def __init__(self, overrides: Overrides, label: str) -> None:
        self.overrides = overrides
        self.label = label

    def offered(self) -> Iterator[OfferedPrice]:
        for e in self.overrides.models:
            yield OfferedPrice(e.provider, e.model, dict(e.prices), e.effective_from, e.effective_until,
                               f"override {e.origin}")

    def lookup(self, provider: str | None, model: str, day: date) -> OfferedPrice | None:
        model = model.strip().lower()
        hit = None
        for o in self.offered():  # later entries win, as in the catalog
            if o.model == model and (provider is None or o.provider in (provider, "*")) and o.active(day):
                hit = o
        return hit


def builtin_source() -> OverridesSource:
    return OverridesSource(builtin_overrides(), "llmcost builtin.toml")


__all__ = ["OverridesSource", "builtin_source"]
