"""Renderers: the report document (llmcost.document.analysis) as terminal tables, Markdown, JSON, CSV or HTML.

Renderers format; they never compute. Every format shows the same totals.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from llmcost.errors import UsageError

FORMATS = ("table", "md", "json", "csv", "html")
PLACEHOLDERS = ("month", "date", "format", "ext")
EXTENSIONS = {"table": "txt", "md": "md", "json": "json", "csv": "csv", "html": "html"}


def render(
    doc: dict[str, Any],
    fmt: str,
    width: int | None = None,
    color: bool = False,
    table_name: str | None = None,
    *,
    full: bool = False,
    sections: tuple[str, ...] = (),
    tty: bool = False,
) -> str:
    """The document in `fmt`. For csv, one table: `table_name` (default: totals). For table, the
    one-screen summary, or every section (`full`), or the named `sections`; box drawing if `tty`."""
    renderers: dict[str, Callable[..., str]]
    from llmcost.report import csv_report, html, json_report, markdown, table

    renderers = {
        "table": lambda d: table.render(d, width=width, color=color, full=full, only=sections, tty=tty),
        "md": markdown.render,
        "json": json_report.render,
        "html": html.render,
        "csv": lambda d: csv_report.render_table(d, table_name or "totals"),
    }
    if fmt not in renderers:
        raise UsageError(f"Unknown --format {fmt!r}. Fix: use one of {', '.join(FORMATS)}.")
    return renderers[fmt](doc)


def expand_out(pattern: Path, *, month: str | None, fmt: str, today: date) -> Path:
    """`--out` with placeholders: {month} (the month(s) the output covers: `month`, from
    llmcost.document.analysis.covered_months; today's month only when that is None, a window
    with an open end and no data), {date} (today, YYYY-MM-DD), {format} and {ext}; e.g.
    reports/llmcost-{month}.html."""
    text = str(pattern)
    values = {
        "month": month or f"{today:%Y-%m}",
        "date": today.isoformat(),
        "format": fmt,
        "ext": EXTENSIONS.get(fmt, fmt),
    }
    for name in re.findall(r"\{([^{}]*)\}", text):
        if name not in values:
            raise UsageError(
                f"--out {text!r}: unknown placeholder {{{name}}}. Fix: use "
                + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                + "."
            )
    # substituted by name, not str.format: a lone brace (`r{.md`) is part of the file name
    return Path(re.sub(r"\{([^{}]*)\}", lambda m: values[m.group(1)], text))
