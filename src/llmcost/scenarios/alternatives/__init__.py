"""The what-if alternatives registry: one module per alternative, found by listing this package.

To add an alternative, add one module here (not starting with `_`) that defines `KIND`, an
`AlternativeKind`: its `[[section]]` name in the scenario file, the keys it accepts (strict
validation: any other key is an error with "did you mean"), a one-line description (the docs
table in docs/scenarios.md), a `parse` that reads one table into its config object, a `measure`
that turns the logged requests of the window into an `Effect`, and which measured figures the
report's "measured" column shows. Nothing else needs an edit: the scenario parser, the forecast
engine, the docs table and the report all read `registry()`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb

from llmcost.scenarios.fields import Table
from llmcost.scenarios.whatif import Effect, Group, Prices, window_totals

Measure = Callable[[duckdb.DuckDBPyConnection, str, Prices, Any, date, dict[Group, dict[str, int]]], Effect]
"""(connection, the relation holding the history rows (`History.table`), prices, the parsed config,
first window day, window totals)."""


@dataclass(frozen=True)
class Shown:
    """One figure of the alternative's `measured` record shown in the report's "measured" column."""

    key: str
    label: str
    style: str = "count"
    """"count" (1,234) or "rate" (12.3%)."""


@dataclass(frozen=True)
class AlternativeKind:
    section: str
    """The `[[section]]` of the scenario file, and the `kind` of the report's alternative rows."""
    config: type
    """The dataclass `parse` returns (needs `name` and `description`)."""
    keys: frozenset[str]
    """Every key the section accepts, `name` and `description` included."""
    description: str
    """One line for the docs table."""
    parse: Callable[[Table], Any]
    measure: Measure
    shown: tuple[Shown, ...] = ()
    order: int = 100
    """Where its rows come in the report (built-ins 10..40; ties by section name)."""


_REGISTRY: dict[str, AlternativeKind] | None = None


def registry() -> dict[str, AlternativeKind]:
    """section -> kind, for every module of this package that defines `KIND`, in report order."""
    global _REGISTRY
    if _REGISTRY is None:
        found: list[AlternativeKind] = []
        for info in pkgutil.iter_modules(__path__):
            if info.name.startswith("_"):
                continue
            mod = importlib.import_module(f"{__name__}.{info.name}")
            kind = getattr(mod, "KIND", None)
            if isinstance(kind, AlternativeKind):
                found.append(kind)
        found.sort(key=lambda k: (k.order, k.section))
        _REGISTRY = {k.section: k for k in found}
    return _REGISTRY


def refresh() -> None:
    """Forget the discovered modules (the next `registry()` lists the package again)."""
    global _REGISTRY
    _REGISTRY = None


def kind_of(cfg: Any) -> AlternativeKind:
    """The registered kind whose config type `cfg` is."""
    for k in registry().values():
        if type(cfg) is k.config:
            return k
    raise TypeError(f"no registered what-if alternative takes a {type(cfg).__name__}")


def measure_all(
    con: duckdb.DuckDBPyConnection, history: str, prices: Prices, alts: tuple[Any, ...], as_of_day: date,
    window_days: int,
) -> tuple[list[Effect], date]:
    """Every alternative of the scenario file, measured over the `window_days` up to `as_of_day`."""
    since = as_of_day - timedelta(days=window_days - 1)
    totals = window_totals(con, history, since)
    return [kind_of(a).measure(con, history, prices, a, since, totals) for a in alts], since


def doc_table() -> str:
    """The Markdown table of the registered alternatives (docs/scenarios.md keeps a copy)."""
    rows = ["| section | what it does | keys |", "| --- | --- | --- |"]
    for k in registry().values():
        keys = ", ".join(f"`{x}`" for x in sorted(k.keys - {"name", "description"}))
        rows.append(f"| `[[{k.section}]]` | {k.description} | {keys} |")
    return "\n".join(rows) + "\n"


__all__ = ["AlternativeKind", "Measure", "Shown", "doc_table", "kind_of", "measure_all", "refresh", "registry"]
