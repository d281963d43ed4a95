"""The price source seam (issue 18): a source is one module behind `PriceSource`; the catalog
takes further sources for the models genai-prices, the built-in fixes and the overrides do not know."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

from llmcost.pricing.catalog import Catalog
from llmcost.pricing.overrides import EMPTY, builtin_overrides
from llmcost.pricing.sources import OfferedPrice, PriceSource, TableSource
from llmcost.pricing.sources.builtin import OverridesSource, builtin_source
from llmcost.pricing.sources.genai import GenaiPricesSource
from llmcost.pricing.sources.user import user_source


class ToySheet:
    """A toy source module's class: a negotiated sheet for a provider genai-prices does not list,
    with a price cut from 2026-11-01, and a (lower) gpt-4o price that must NOT win over genai-prices."""

    label = "toy sheet"

    def offered(self) -> Iterator[OfferedPrice]:
        yield OfferedPrice("acmeai", "acme-large", {"input": Decimal("4"), "output": Decimal("12")},
                           None, date(2026, 11, 1), "toy sheet: acme-large (October)")
        yield OfferedPrice("acmeai", "acme-large", {"input": Decimal("3"), "output": Decimal("9"),
                                                    "cache_read": Decimal("0.3")},
                           date(2026, 11, 1), None, "toy sheet: acme-large (from November)")
        yield OfferedPrice("openai", "gpt-4o", {"input": Decimal("0.01"), "output": Decimal("0.01")},
                           source="toy sheet: gpt-4o")

    def lookup(self, provider: str | None, model: str, day: date) -> OfferedPrice | None:
        return TableSource(self.label, self.offered()).lookup(provider, model, day)


def _at(d: str) -> datetime:
    return datetime.fromisoformat(d).replace(tzinfo=UTC)


def test_the_three_built_in_sources_and_the_toy_satisfy_the_interface() -> None:
    for s in (GenaiPricesSource(), builtin_source(), user_source(None), ToySheet(), TableSource("t", [])):
        assert isinstance(s, PriceSource), s
    cat = Catalog()
    assert [type(s).__name__ for s in cat.sources] == ["OverridesSource", "OverridesSource", "GenaiPricesSource"]


def test_a_further_source_prices_an_unknown_model_with_its_dates() -> None:
    plain = Catalog(EMPTY)
    assert plain.resolve("acme-large", "acmeai", _at("2026-10-15T10:00")) is None
    cat = Catalog(EMPTY, extra=[ToySheet()])
    oct_ = cat.resolve("acme-large", "acmeai", _at("2026-10-31T23:59"))
    nov = cat.resolve("acme-large", "acmeai", _at("2026-11-01T00:00"))
    assert oct_ is not None and nov is not None
    # October: the sheet's input/output; cache kinds with no price are billed as input (genai-prices rule)
    assert (oct_.input, oct_.output, oct_.cache_read, oct_.cache_write_5m) == (4, 12, 4, 4)
    assert oct_.source == "toy sheet: acme-large (October)"
    assert (nov.input, nov.output, nov.cache_read, nov.cache_write_1h) == (3, 9, Decimal("0.3"), 3)
    # batch: the default 50% like any model
    b = cat.resolve("acme-large", "acmeai", _at("2026-11-05T12:00"), batch=True)
    assert b is not None and (b.input, b.output) == (Decimal("1.5"), Decimal("4.5"))
    assert "acme-large" in cat.known_models
    assert cat.did_you_mean("acme-larg")[0] == "acme-large"


def test_a_further_source_never_overrides_the_built_in_three() -> None:
    at = _at("2026-10-15T12:00")
    with_toy = Catalog(EMPTY, extra=[ToySheet()]).resolve("gpt-4o", "openai", at)
    without = Catalog(EMPTY).resolve("gpt-4o", "openai", at)
    assert with_toy == without and with_toy is not None and with_toy.input == Decimal("2.5")


def test_genai_source_lists_and_looks_up_what_the_catalog_prices() -> None:
    src = GenaiPricesSource()
    rows = [o for o in src.offered() if o.provider == "openai" and o.model == "gpt-4o"]
    assert rows and all(o.prices["input"] > 0 for o in rows)
    o = src.lookup("openai", "gpt-4o", date(2026, 10, 15))
    r = Catalog(EMPTY, builtin=EMPTY).resolve("gpt-4o", "openai", _at("2026-10-15T12:00"))
    assert o is not None and r is not None
    assert (o.prices["input"], o.prices["output"]) == (r.input, r.output)


def test_overrides_source_lists_the_built_in_fixes() -> None:
    src = OverridesSource(builtin_overrides(), "llmcost builtin.toml")
    entries = builtin_overrides().models
    assert len(list(src.offered())) == len(entries)
    e = entries[-1]
    day = e.effective_from or date(2026, 10, 1)
    hit = src.lookup(e.provider if e.provider != "*" else None, e.model, day)
    assert hit is not None and hit.source == f"override {e.origin}"
