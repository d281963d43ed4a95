"""Billed money of usage the catalogue cannot price: a direct daily money series per provider.

Why: a FOCUS export (or any cost export) of models the price catalogue does not know bills every
day, yet the driver forecast prices token volume at list prices and leaves such usage out: the
report knew the bill and the forecast said "no forecast". Where a cost export bills it, that
money is forecast as it is (series `billed|<provider>`, through the same core as the drivers).

Counted once: only the cost lines of a (provider, model) whose history rows are all unpriced are
taken (the model's name matched without case, as its group id or as logged). The billed money of
a priced model stays out (its tokens are forecast at list prices), and so does a cost line that
names no model (it cannot be told apart from the bill of priced tokens).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import polars as pl

BILLED_SERIES = "billed|"
"""The prefix of a billed money series: `billed|<provider>`."""


def billed_series(provider: str) -> str:
    return f"{BILLED_SERIES}{provider}"


@dataclass
class BilledMoney:
    """The billed money of models without a list price, per provider and local day, up to as_of."""

    days: dict[str, dict[date, Decimal]]
    """provider -> local day -> billed USD (Decimal, as billed)."""
    models: dict[str, list[str]]
    """provider -> the models (as the history names them) forecast from their billed money."""
    covered: set[tuple[str, str]] = field(default_factory=set)
    """(provider, lower-case name) of every name of those models (group id and logged names)."""
    notes: list[str] = field(default_factory=list)
    lines_only: bool = False
    """The store holds no usage row: this is every cost line's money (`billed_all`), not only that
    of models without a list price."""

    def covers(self, provider: str | None, model: str | None) -> bool:
        """Whether the model (as a pricing summary names it) is forecast from its billed money."""
        return (provider or "", (model or "").lower()) in self.covered

    def frame(self) -> pl.DataFrame:
        """The long frame (series_id, ds, y) of the providers' daily money. A day without a cost line
        in a calendar month the provider's export covers (a month with any of its cost lines, up to
        its last billed day) is $0, as a day without priced usage is for the drivers; the days of a
        month without any cost line are missing (the core imputes them), not $0: the report reads
        that month's bill as n/a, as no export covers it."""
        parts = []
        for p, by_day in sorted(self.days.items()):
            first, last = min(by_day), max(by_day)
            months = {(d.year, d.month) for d in by_day}
            ds = [d for d in (first + timedelta(days=i) for i in range((last - first).days + 1))
                  if (d.year, d.month) in months]
            parts.append(pl.DataFrame({
                "series_id": [billed_series(p)] * len(ds),
                "ds": ds,
                "y": [float(by_day.get(d, 0)) for d in ds],
            }, schema={"series_id": pl.String, "ds": pl.Date, "y": pl.Float64}))
        return pl.concat(parts)

    def cut(self, last: date) -> None:
        """Keep the billed days up to `last` (the forecast's history stops there)."""
        kept = {p: {d: v for d, v in by_day.items() if d <= last} for p, by_day in self.days.items()}
        self.days = {p: by_day for p, by_day in kept.items() if by_day}
        self.drop([p for p, by_day in kept.items() if not by_day])

    def drop(self, providers: list[str]) -> None:
        """Forget these providers' billed money: their models are no longer forecast from it."""
        gone = set(providers)
        self.days = {p: by_day for p, by_day in self.days.items() if p not in gone}
        self.models = {p: ms for p, ms in self.models.items() if p not in gone}
        self.covered = {c for c in self.covered if c[0] not in gone}

    def missing_months(self, provider: str) -> list[str]:
        """The calendar months (YYYY-MM) between the provider's first and last billed day without any
        of its cost lines: missing from its series, imputed by the core."""
        by_day = self.days[provider]
        have = {f"{d:%Y-%m}" for d in by_day}
        first, last = min(by_day), max(by_day)
        out = []
        y, m = first.year, first.month
        while (y, m) <= (last.year, last.month):
            if f"{y:04d}-{m:02d}" not in have:
                out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def total(self, start: date, end: date, provider: str | None = None) -> Decimal:
        """The billed money of the local days start..end (inclusive), of `provider` or of all."""
        days = self.days.values() if provider is None else [self.days[provider]]
        return sum((v for by_day in days for d, v in by_day.items() if start <= d <= end), start=Decimal(0))

    def daily(self) -> dict[date, Decimal]:
        """Local day -> billed money of all providers."""
        out: dict[date, Decimal] = {}
        for by_day in self.days.values():
            for d, v in by_day.items():
                out[d] = out.get(d, Decimal(0)) + v
        return out

    def names(self) -> list[str]:
        return [f"{p or '(no provider)'}/{m}" for p in sorted(self.models) for m in self.models[p]]


def unpriced_groups(con: Any, history: str) -> dict[tuple[str, str], set[str]]:
    """(provider, group model) -> lower-case names (group id and logged names) of every group of the
    history none of whose rows is priced."""
    rows = con.execute(
        f"""SELECT grp_provider, grp_model, lower(coalesce(model, grp_model)) AS name,
                   max(CASE WHEN coalesce(priced, false) THEN 1 ELSE 0 END) AS any_priced
            FROM {history}
            GROUP BY grp_provider, grp_model, lower(coalesce(model, grp_model))"""
    ).fetchall()
    priced = {(p, m) for p, m, _, any_priced in rows if any_priced}
    out: dict[tuple[str, str], set[str]] = {}
    for p, m, name, _ in rows:
        if (p, m) not in priced:
            out.setdefault((p, m), {m.lower()}).add(name)
    return out


def billed_unpriced(con: Any, history: str, as_of_day: date, tz: str) -> BilledMoney | None:
    """The billed money (`costs`, on `con`: DuckDB, or a Spark cursor) of the history's unpriced
    groups up to `as_of_day`, per provider and local day in `tz`; None when there is none."""
    groups = unpriced_groups(con, history)
    if not groups:
        return None
    lines = con.execute(
        """SELECT coalesce(provider, '') AS provider, lower(model) AS model,
                  CAST(timezone($tz, ts) AS DATE) AS day, sum(cost_usd) AS cost
           FROM costs
           WHERE model IS NOT NULL AND cost_usd IS NOT NULL AND CAST(timezone($tz, ts) AS DATE) <= $as_of
           GROUP BY coalesce(provider, ''), lower(model), CAST(timezone($tz, ts) AS DATE)""",
        {"tz": tz, "as_of": as_of_day},
    ).fetchall()
    by_name: dict[tuple[str, str], tuple[str, str]] = {}
    for (p, m), names in groups.items():
        for n in names:
            by_name.setdefault((p, n), (p, m))
    days: dict[str, dict[date, Decimal]] = {}
    models: dict[str, set[str]] = {}
    for p, m, d, cost in lines:
        grp = by_name.get((p, m))
        if grp is None:
            continue
        day = d if isinstance(d, date) else date.fromisoformat(str(d))
        by_day = days.setdefault(p, {})
        by_day[day] = by_day.get(day, Decimal(0)) + Decimal(str(cost))
        models.setdefault(p, set()).add(grp[1])
    if not days:
        return None
    covered = {(p, n) for p, ms in models.items() for m in ms for n in groups[(p, m)]}
    return BilledMoney(days, {p: sorted(ms) for p, ms in models.items()}, covered)


def billed_all(con: Any, as_of_day: date, tz: str) -> BilledMoney | None:
    """Every cost line's money (`costs`, on `con`) up to `as_of_day`, per provider and local day in
    `tz`, for a store without any usage row (cost exports only): with no tokens to forecast at list
    prices, the whole bill is the money forecast, a line naming no model (a tool fee) included.
    None when there is none. `models` names the models the lines bill ("(no model)" for the others)."""
    lines = con.execute(
        """SELECT coalesce(provider, '') AS provider, coalesce(model, '(no model)') AS model,
                  CAST(timezone($tz, ts) AS DATE) AS day, sum(cost_usd) AS cost
           FROM costs
           WHERE cost_usd IS NOT NULL AND ts IS NOT NULL AND CAST(timezone($tz, ts) AS DATE) <= $as_of
           GROUP BY ALL""",
        {"tz": tz, "as_of": as_of_day},
    ).fetchall()
    days: dict[str, dict[date, Decimal]] = {}
    models: dict[str, set[str]] = {}
    for p, m, d, cost in lines:
        day = d if isinstance(d, date) else date.fromisoformat(str(d))
        by_day = days.setdefault(p, {})
        by_day[day] = by_day.get(day, Decimal(0)) + Decimal(str(cost))
        models.setdefault(p, set()).add(m)
    if not days:
        return None
    return BilledMoney(days, {p: sorted(ms) for p, ms in models.items()}, lines_only=True)


__all__ = ["BILLED_SERIES", "BilledMoney", "billed_all", "billed_series", "billed_unpriced", "unpriced_groups"]
