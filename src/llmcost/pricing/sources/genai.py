"""The genai-prices source: the pinned package's bundled data, or the data file `prices update`
installed (pricing/update.py). Read-only and offline: never `UpdatePrices`, never a global snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal

import genai_prices
from genai_prices import data_snapshot
from genai_prices import types as gp

from llmcost.pricing.sources import OfferedPrice
from llmcost.pricing.update import InstalledData

CATALOG_VERSION = f"genai-prices {genai_prices.__version__}"
"""Stated in every report: the pinned catalog the prices came from."""

GP_KEYS = {
    "input": "input_mtok",
    "cache_read": "cache_read_mtok",
    "cache_write_5m": "cache_write_mtok",
    "cache_write_1h": "cache_write_1h_mtok",
    "output": "output_mtok",
}
"""Our token kinds -> genai-prices `ModelPrice` fields (genai-prices types.py)."""


def _base(value: Decimal | gp.TieredPrices | None) -> Decimal | None:
    return value.base if isinstance(value, gp.TieredPrices) else value


def flat_prices(mp: gp.ModelPrice) -> dict[str, Decimal]:
    """The base (below any long-context tier) per-million prices a `ModelPrice` states."""
    out = {f: _base(getattr(mp, gk, None)) for f, gk in GP_KEYS.items()}
    return {f: v for f, v in out.items() if v is not None}


class GenaiPricesSource:
    """genai-prices as a `PriceSource`; the catalog also reads `snapshot` for tiers and variants."""

    def __init__(self, data: InstalledData | None = None) -> None:
        self.data = data
        self.snapshot = (data_snapshot.DataSnapshot(data.providers, from_auto_update=False)
                         if data is not None else data_snapshot.get_snapshot())
        self.label = data.label if data is not None else CATALOG_VERSION
        """How reports name the catalog."""
        self.short_label = f"genai-prices data {data.installed_at[:10]}" if data is not None else CATALOG_VERSION
        """The catalog's name in per-row price sources."""

    def offered(self) -> Iterator[OfferedPrice]:
        for p in self.snapshot.providers:
            for m in p.models:
                if not isinstance(m.prices, list):
                    yield OfferedPrice(p.id, m.id.lower(), flat_prices(m.prices), source=f"{self.short_label}: "
                                       f"{p.id}/{m.id}")
                    continue
                # dated prices follow one another; a time-of-day price is not a date range (the
                # unconstrained price is the one outside its windows)
                dated = [c for c in m.prices if c.constraint is None or isinstance(c.constraint,
                                                                                   gp.StartDateConstraint)]
                starts = sorted({c.constraint.start_date for c in dated
                                 if isinstance(c.constraint, gp.StartDateConstraint)})
                for c in dated:
                    start = c.constraint.start_date if isinstance(c.constraint, gp.StartDateConstraint) else None
                    until = next((d for d in starts if start is None or d > start), None)
                    yield OfferedPrice(p.id, m.id.lower(), flat_prices(c.prices), start, until,
                                       f"{self.short_label}: {p.id}/{m.id}")

    def lookup(self, provider: str | None, model: str, day: date) -> OfferedPrice | None:
        try:
            prov, info = self.snapshot.find_provider_model(model.strip().lower(), None, provider, None)
        except LookupError:
            return None
        mp = info.get_prices(datetime.combine(day, time(12), tzinfo=UTC))
        return OfferedPrice(prov.id, info.id.lower(), flat_prices(mp),
                            source=f"{self.short_label}: {prov.id}/{info.id}")


__all__ = ["CATALOG_VERSION", "GP_KEYS", "GenaiPricesSource", "flat_prices"]
