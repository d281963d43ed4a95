"""Price sources: where per-token prices come from, behind one small interface.

A source offers (provider, model) prices with effective dates and looks one up for a day. The
catalog (`pricing.catalog.Catalog`) is built from sources, one module each:

* `genai.py`: the genai-prices data (bundled with the pinned package, or installed by `prices update`);
* `builtin.py`: llmcost's own fixes (`pricing/builtin.toml`);
* `user.py`: the user's override file (`--prices FILE`, ./llmcost-prices.toml or $LLMCOST_PRICES).

The three built-in sources keep their full semantics in the catalog (long-context tiers, batch and
service-tier variants, time-of-day prices, aliases, adjustments; docs/pricing.md): user entries win
over built-in ones, which win over genai-prices. Any further source passed to `Catalog(extra=...)`
is consulted, in order, for the models none of those three knows: it prices them with its flat
per-million prices from their effective dates (batch and flex at the default 50%, like any model).

To add a source: one module with a class satisfying `PriceSource` (or a `TableSource` of
`OfferedPrice` rows), passed to `Catalog(extra=[...])`; tests/pricing/test_price_sources.py shows a
toy one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class OfferedPrice:
    """One model's per-million-token USD prices over a date range, as a source states them."""

    provider: str
    """Provider id (lower case, e.g. `openai`)."""
    model: str
    """Model id (lower case), as the source names it."""
    prices: Mapping[str, Decimal] = field(hash=False)
    """Per-million USD by token kind: `input` and `output` at least; `cache_read`, `cache_write_5m`,
    `cache_write_1h` when the source prices them (otherwise billed as input, like genai-prices)."""
    effective_from: date | None = None
    """First day in force (inclusive); None = always."""
    effective_until: date | None = None
    """First day no longer in force (exclusive); None = still in force."""
    source: str = ""
    """Where the price comes from, stated in every priced row (e.g. `price sheet 2026-10, line 4`)."""

    def active(self, day: date) -> bool:
        return (self.effective_from is None or day >= self.effective_from) and (
            self.effective_until is None or day < self.effective_until
        )


@runtime_checkable
class PriceSource(Protocol):
    """What the catalog needs from a price source."""

    label: str
    """How reports name the source."""

    def offered(self) -> Iterable[OfferedPrice]:
        """Every (provider, model) price the source states, with its effective dates."""
        ...

    def lookup(self, provider: str | None, model: str, day: date) -> OfferedPrice | None:
        """The price of `model` (under `provider`, or any provider when None) in force on `day`."""
        ...


class TableSource:
    """A source given as a list of `OfferedPrice` rows: `lookup` picks the row in force (the latest
    started when ranges overlap). Enough for a price sheet."""

    def __init__(self, label: str, rows: Iterable[OfferedPrice]) -> None:
        self.label = label
        self.rows = tuple(rows)

    def offered(self) -> Iterable[OfferedPrice]:
        return self.rows

    def lookup(self, provider: str | None, model: str, day: date) -> OfferedPrice | None:
        model = model.strip().lower()
        hits = [r for r in self.rows if r.model == model and (provider is None or r.provider == provider)
                and r.active(day)]
        return max(hits, key=lambda r: r.effective_from or date.min) if hits else None


__all__ = ["OfferedPrice", "PriceSource", "TableSource"]
