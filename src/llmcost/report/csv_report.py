"""CSV: one file per table (`--out DIR`), or one table on stdout (`--table NAME`).

Raw values: money as decimal strings in USD (never floats), ratios as fractions, ISO dates.
Numbers stay numbers; text cells are neutralised against spreadsheet formulas (llmcost.storage.output).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from llmcost.report.tables import TABLES, table
from llmcost.storage.output import csv_text, output_dir, write_text


def _cell(v: Any) -> Any:
    """Numbers as they are (csv_text writes them unquoted, never prefixed); the rest as text."""
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def render_table(doc: dict[str, Any], name: str) -> str:
    cols, rows = table(doc, name)
    return csv_text(cols, ([_cell(v) for v in r] for r in rows))


def write_all(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write every table as `<out_dir>/<name>.csv` (each replaced atomically, llmcost.storage.output); return
    the paths."""
    output_dir(out_dir)
    return [write_text(out_dir / f"{name}.csv", render_table(doc, name)) for name in TABLES]
