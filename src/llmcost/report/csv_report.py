"""CSV: one file per table (`--out DIR`), or one table on stdout (`--table NAME`).

Raw values: money as decimal strings in USD (never floats), ratios as fractions, ISO dates.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmcost.report.tables import TABLES, table


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def render_table(doc: dict[str, Any], name: str) -> str:
    cols, rows = table(doc, name)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    w.writerows([_cell(v) for v in r] for r in rows)
    return buf.getvalue()


def write_all(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write every table as `<out_dir>/<name>.csv` (each replaced atomically); return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in TABLES:
        p = out_dir / f"{name}.csv"
        tmp = out_dir / f".{name}.csv.tmp"
        tmp.write_text(render_table(doc, name), encoding="utf-8")
        os.replace(tmp, p)
        paths.append(p)
    return paths
