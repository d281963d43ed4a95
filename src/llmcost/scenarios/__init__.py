"""Scenarios and what-if alternatives applied to the driver forecast.

`forecast_section(con, catalog, as_of=..., tz=..., scenarios_file=...)` returns the report's
`forecast`, `scenarios` and `alternatives` sections; docs/scenarios.md has the method,
definitions and limits.
"""

from __future__ import annotations

from .cachesim import CacheSim, simulate_cache
from .config import ScenarioFile, default_scenarios_path, load_scenarios, parse_scenarios
from .engine import forecast_section

__all__ = [
    "CacheSim",
    "ScenarioFile",
    "default_scenarios_path",
    "forecast_section",
    "load_scenarios",
    "parse_scenarios",
    "simulate_cache",
]
