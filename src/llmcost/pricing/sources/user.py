"""The user's override file (`--prices FILE`, ./llmcost-prices.toml or $LLMCOST_PRICES) as a price source."""

from __future__ import annotations

import os
from pathlib import Path

from llmcost.pricing.overrides import EMPTY, read_overrides
from llmcost.pricing.sources.builtin import OverridesSource

DEFAULT_PRICES_FILE = "llmcost-prices.toml"
"""Override file picked up from the working directory when --prices is not given."""

PRICES_ENV = "LLMCOST_PRICES"


def default_prices_file(cwd: Path | None = None) -> Path | None:
    """`./llmcost-prices.toml` if present, else $LLMCOST_PRICES, else None."""
    local = (cwd or Path.cwd()) / DEFAULT_PRICES_FILE
    if local.is_file():
        return local
    env = os.environ.get(PRICES_ENV)
    return Path(env) if env else None


def user_source(prices_file: Path | None = None) -> OverridesSource:
    """The override file at `prices_file` (or the default location; none: no entries). ConfigError
    when it is missing or invalid."""
    path = prices_file if prices_file is not None else default_prices_file()
    overrides = read_overrides(Path(path)) if path is not None else EMPTY
    return OverridesSource(overrides, str(path) if path is not None else "no override file")


__all__ = ["DEFAULT_PRICES_FILE", "PRICES_ENV", "default_prices_file", "user_source"]
