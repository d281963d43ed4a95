"""Read the public traces straight from /work/shared/traces (the ingest layer is separate).

* ServeGen language models: per-client request rate per 600 s window; requests in a
  window = rate x 600. Summed over clients per model group and per hour.
* RAGPulse: one line per request; two 7-day segments with timestamps restarting at 0,
  starting 2025-09-10 12:00 and 2025-09-17 12:00 China Standard Time (traces-notes 4).
  Hourly request counts in local time, empty hours counted as 0.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

# ../shared beside the checkout (as tests/conftest.py), or the machine's copy
_BESIDE = Path(__file__).resolve().parents[3] / "shared" / "traces"
TRACES = _BESIDE if _BESIDE.exists() else Path("/work/shared/traces")
SERVEGEN = TRACES / "servegen" / "language"
RAGPULSE = TRACES / "ragpulse" / "0_trace.jsonl.gz"
RAGPULSE_SEGMENT_1_ROWS = 3800
RAGPULSE_ORIGINS = (datetime(2025, 9, 10, 12), datetime(2025, 9, 17, 12))


def servegen_hourly(groups: tuple[str, ...] = ("m-large", "m-mid", "m-small")) -> pl.DataFrame:
    """Hourly requests per model group: `series_id`, `ds` (hours from day 0, as datetime), `y`."""
    parts = []
    for g in groups:
        glob = str(SERVEGEN / g / "chunk-*-trace.csv.gz")
        q = f"""
            SELECT floor(timestamp / 3600)::BIGINT AS hour, sum(rate * 600) AS y
            FROM read_csv('{glob}', header = false,
                          columns = {{'timestamp': 'BIGINT', 'rate': 'DOUBLE', 'cv': 'DOUBLE',
                                     'pat_name': 'VARCHAR', 'pat_arg1': 'DOUBLE', 'pat_arg2': 'DOUBLE'}})
            GROUP BY 1 ORDER BY 1
        """
        df = pl.from_arrow(duckdb.sql(q).to_arrow_table())
        parts.append(df.select(
            pl.lit(f"servegen/{g}").alias("series_id"),
            (pl.lit(datetime(2025, 1, 1)) + pl.duration(hours=pl.col("hour"))).alias("ds"),
            pl.col("y").cast(pl.Float64),
        ))
    return pl.concat(parts)


def ragpulse_hourly() -> pl.DataFrame:
    """Hourly request counts over both segments (336 hours, local time UTC+8)."""
    q = f"""
        SELECT row_number() OVER () AS line, CAST(timestamp AS BIGINT) AS ts
        FROM read_json('{RAGPULSE}')
    """
    raw = pl.from_arrow(duckdb.sql(q).to_arrow_table())
    o1, o2 = RAGPULSE_ORIGINS
    hours = raw.select(
        pl.when(pl.col("line") <= RAGPULSE_SEGMENT_1_ROWS)
        .then(pl.lit(o1)).otherwise(pl.lit(o2)).alias("origin"),
        pl.col("ts"),
    ).select((pl.col("origin") + pl.duration(seconds=pl.col("ts"))).dt.truncate("1h").alias("ds"))
    counts = hours.group_by("ds").agg(pl.len().cast(pl.Float64).alias("y"))
    n_hours = 14 * 24
    grid = pl.DataFrame({"ds": [o1 + timedelta(hours=i) for i in range(n_hours)]})
    return grid.join(counts, on="ds", how="left").select(
        pl.lit("ragpulse").alias("series_id"), "ds", pl.col("y").fill_null(0.0)
    )
