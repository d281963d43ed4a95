"""Pricing: the catalog (genai-prices + overrides), model-name normalisation and the cost engine.

    from llmcost.pricing import Catalog, load_catalog, attach_costs

See docs/pricing.md for how costs are computed and the override file format.
"""

from llmcost.pricing.catalog import (
    Catalog,
    NameMatch,
    ResolvedPrice,
    load_catalog,
)
from llmcost.pricing.engine import (
    COST_COLUMNS,
    PriceKey,
    PricingSummary,
    UnpricedModel,
    attach_costs,
    cost_sql,
    price_table,
)
from llmcost.pricing.sources.genai import CATALOG_VERSION
from llmcost.pricing.sources.user import DEFAULT_PRICES_FILE, PRICES_ENV, default_prices_file

__all__ = [
    "CATALOG_VERSION",
    "COST_COLUMNS",
    "DEFAULT_PRICES_FILE",
    "PRICES_ENV",
    "Catalog",
    "NameMatch",
    "PriceKey",
    "PricingSummary",
    "ResolvedPrice",
    "UnpricedModel",
    "attach_costs",
    "cost_sql",
    "default_prices_file",
    "load_catalog",
    "price_table",
]
