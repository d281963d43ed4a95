"""Terminal report: rich tables sized to the terminal; plain text when piped; NO_COLOR respected."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from llmcost.report._fmt import formatters
from llmcost.report.sections import sections


def render(doc: dict[str, Any], width: int | None = None, color: bool = False) -> str:
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width or 120,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
    )
    for title, note, headers, rows in sections(doc, **formatters(doc)):
        if not headers:
            console.print(f"[bold]{title}[/bold]: {note}" if color else f"{title}: {note}", markup=color)
            continue
        if note:
            console.print(f"{title}: {note}", markup=False)
        tab = Table(title=None if note else title, title_justify="left", show_lines=False)
        for i, h in enumerate(headers):
            tab.add_column(h, justify="left" if i < 2 else "right", overflow="fold")
        for r in rows:
            tab.add_row(*(Text(c) for c in r))
        console.print(tab)
    return buf.getvalue()
