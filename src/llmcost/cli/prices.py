"""`llmcost-forecast prices MODEL`: show the prices a model resolves to and where they came from.

A plain function the CLI registers; it returns text and raises llmcost errors, never prints.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from llmcost import clock
from llmcost.errors import PricingError, UsageError
from llmcost.pricing import load_catalog
from llmcost.pricing.catalog import FLEX_PROVIDERS, NO_TIER_PRICE
from llmcost.pricing.overrides import PRICE_FIELDS
from llmcost.pricing.update import install, installed
from llmcost.text import suggestion

_LABELS = {
    "input": "input (uncached)",
    "cache_read": "cache read",
    "cache_write_5m": "cache write 5m",
    "cache_write_1h": "cache write 1h",
    "output": "output",
}


def _parse_at(at: str | None) -> datetime:
    if at is None:
        return clock.now()
    try:
        if len(at) == 10:
            return datetime.combine(date.fromisoformat(at), datetime.min.time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(at)
    except ValueError:
        raise UsageError(f"--at {at!r} is not a date. Use YYYY-MM-DD or an ISO timestamp.") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def update_command(source: str | None) -> str:
    """`prices update FILE|URL`: install a newer genai-prices data file; text saying what is now used."""
    if not source:
        raise UsageError("prices update needs a FILE or an http(s) URL: llmcost-forecast prices update "
                         "data.json (genai-prices' prices/new_data/v2/data.json).")
    before = installed()
    got = install(source)
    n_models = sum(len(p.models) for p in got.providers)
    lines = [
        f"Installed {got.path}: {len(got.providers)} providers, {n_models} models, sha256 {got.sha256[:12]}.",
        f"catalog from now on: {got.label}",
        "built-in fixes (builtin.toml) are not applied on top of an updated catalog; your override file still is.",
    ]
    if before is not None and before.sha256 != got.sha256:
        lines.append(f"replaces: {before.label}")
    return "\n".join(lines)


def prices_command(
    model: str, at: str | None, provider: str | None, prices_file: Path | None, extra: str | None = None
) -> str:
    """Text listing `model`'s per-million-token prices at `at` (default now) and their source."""
    if extra is not None:
        raise UsageError(f"prices takes one MODEL, got {model!r} and {extra!r}. "
                         "To install a price data file, run: llmcost-forecast prices update FILE|URL.")
    when = _parse_at(at)
    catalog = load_catalog(prices_file)
    base = catalog.resolve(model, provider, when)
    sellers = catalog.providers_of(model) if base is None and provider is None else []
    if len(sellers) == 1:  # one provider sells it, but the catalog does not infer it from the name
        provider = sellers[0]
        base = catalog.resolve(model, provider, when)
    if base is None:
        if len(sellers) > 1:
            shown = ", ".join(sellers[:6]) + (f" and {len(sellers) - 6} more" if len(sellers) > 6 else "")
            raise PricingError(
                f"Model {model!r} is priced by several providers ({shown}), so the price depends on "
                f"the provider. Pass --provider, e.g. --provider {sellers[0]}."
            )
        hint = suggestion(catalog.did_you_mean(model))
        where = f" for provider {provider!r}" if provider else ""
        raise PricingError(
            f"No price for model {model!r}{where} in {catalog.short_label} or the override file{hint}. "
            f"Add it to the override file (--prices, see docs/pricing.md)."
        )
    info = catalog.info()
    lines = [
        f"{base.provider}/{base.model} at {when:%Y-%m-%d %H:%M} UTC (USD per 1M tokens)",
        f"source: {base.source}",
    ]
    for f in PRICE_FIELDS:
        lines.append(f"  {_LABELS[f]:<18} {getattr(base, f)}")
    m = catalog.match(model, provider)
    assert m is not None
    bands, _ = catalog.bands(m, when)
    for b in bands[1:]:
        prices = ", ".join(f"{_LABELS[f]} {p}" for f, p in zip(PRICE_FIELDS, b.prices, strict=True))
        lines.append(f"  over {b.lo:,} input tokens: {prices}")
    for label, kw in (("batch", {"batch": True}), ("flex", {"service_tier": "flex"}),
                      ("priority", {"service_tier": "priority"}), ("fast", {"service_tier": "fast"})):
        r = catalog.resolve(model, provider, when, **kw)
        if r is not None and label == "flex" and base.provider not in FLEX_PROVIDERS and "(default)" in r.source:
            continue  # the provider sells no flex tier: a 50% default would be invented
        if r is not None and label == "fast" and NO_TIER_PRICE in r.source:
            continue  # fast mode (Anthropic) or fast (OpenAI's priority) not sold for this model
        if r is not None:
            lines.append(f"  {label:<8} input {r.input}, cache read {r.cache_read}, output {r.output}"
                         f"  ({r.source.split('; ', 1)[-1]})")
    for tool, what in (("web_search", "web search"), ("file_search", "file search")):
        per_1k, fee_source = catalog.tool_fee_price(m, when, tool)
        if per_1k is not None:  # a server-tool fee, per call: shown only where a price is known
            lines.append(f"  {what}: {per_1k} per 1,000 searches, any tier ({fee_source})")
    lines.append(f"catalog: {info['catalog']}; overrides: {info['overrides_file'] or 'none'}"
                 + (f" (sha256 {info['overrides_sha256']})" if info["overrides_sha256"] else ""))
    return "\n".join(lines)
