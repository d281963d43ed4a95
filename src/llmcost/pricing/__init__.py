"""Pricing: the catalog (genai-prices + overrides), model-name normalisation and the cost engine.

    from llmcost.pricing import Catalog, load_catalog, attach_costs

See docs/pricing.md for how costs are computed and the override file format.
"""

from llmcost.pricing.catalog import (
    CATALOG_VERSION,
    DEFAULT_PRICES_FILE,
    PRICES_ENV,
    Catalog,
    NameMatch,
    ResolvedPrice,
    default_prices_file,
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
