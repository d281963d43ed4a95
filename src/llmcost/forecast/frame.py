"""Long frame (`series_id`, `ds`, `y`) to regular arrays, one per series.

Missing steps become NaN (imputed before fitting, never read as zero: forecasting-method
3.1). `ds` is a Date (daily) or a Datetime (e.g. hourly); the step is the smallest gap seen.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from llmcost.errors import UsageError


@dataclass
class Series:
    series_id: str
    ds: list
    """Regular timestamps (date or datetime), oldest first."""
    y: np.ndarray
    """Values with NaN for missing steps."""
    step: timedelta


def split_series(df: pl.DataFrame, *, id_col: str = "series_id", ds_col: str = "ds",
                 y_col: str = "y") -> list[Series]:
    """Split a long frame into regular series; a frame without `series_id` is one series "y"."""
    missing = [c for c in (ds_col, y_col) if c not in df.columns]
    if missing:
        raise UsageError(
            f"forecast input lacks column(s) {missing}; expected {id_col!r}, {ds_col!r}, {y_col!r}"
        )
    if id_col not in df.columns:
        df = df.with_columns(pl.lit("y").alias(id_col))
    out: list[Series] = []
    df = df.select(pl.col(id_col).cast(pl.String), ds_col, pl.col(y_col).cast(pl.Float64))
    for (sid,), part in df.sort(id_col, ds_col).group_by(id_col, maintain_order=True):
        part = part.group_by(ds_col, maintain_order=True).agg(pl.col(y_col).sum())
        ds = part[ds_col].to_list()
        if len(ds) == 1 or not isinstance(ds[0], datetime):
            # calendar days: the grid is daily, whatever days happen to carry data (scattered
            # days of a prototype are days with nothing between them, not a 10-day series)
            step = timedelta(days=1)
        else:
            gaps = {b - a for a, b in itertools.pairwise(ds)}
            step = min(gaps)
            if step <= timedelta(0):
                raise UsageError(f"series {sid!r}: duplicate or unsorted {ds_col!r} values")
        full = [ds[0] + i * step for i in range(int((ds[-1] - ds[0]) / step) + 1)]
        pos = {d: i for i, d in enumerate(full)}
        y = np.full(len(full), np.nan)
        for d, v in zip(ds, part[y_col].to_list(), strict=True):
            if d not in pos:
                raise UsageError(f"series {sid!r}: {d} is off the regular {step} grid")
            y[pos[d]] = np.nan if v is None else v
        out.append(Series(str(sid), full, y, step))
    return out
