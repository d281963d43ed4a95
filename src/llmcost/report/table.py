"""Terminal report: one screen by default (report.summary); every section with `full`, or the named
ones with `only`. Box drawing and colour only on a terminal; plain aligned text in a file or a
pipe; NO_COLOR respected by the caller. Text from the data is never read as markup and its
control characters are shown as '?'."""

from __future__ import annotations

import difflib
import io
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from llmcost.errors import UsageError
from llmcost.report import summary
from llmcost.report._fmt import formatters, plain
from llmcost.report.sections import KEYS, key, sections

TEXT_COLUMNS = frozenset(
    {"description", "measured", "did you mean", "override snippet", "why unpriced", "how to fix",
     "first reason", "quarantine file", "problem",
     "basis", "coverage", "kind"}
)
"""Columns of words, left-aligned like the first two (numbers are right-aligned)."""


def _line(text: str) -> str:
    """Display text on one line: a newline or tab in a name cannot start a forged line of output."""
    return plain(text).replace("\n", " ").replace("\t", " ")


def render(
    doc: dict[str, Any],
    width: int | None = None,
    color: bool = False,
    *,
    full: bool = False,
    only: Sequence[str] = (),
    tty: bool = False,
) -> str:
    """The report for a terminal (`tty`: box drawing) or a file/pipe (plain columns), `width` wide."""
    width = width or 120
    names = list(dict.fromkeys(KEYS.values()))
    if only:
        unknown = [n for n in only if n not in names]
        if unknown:
            close = difflib.get_close_matches(unknown[0], names, n=1)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise UsageError(f"Unknown --section {unknown[0]!r}.{hint} Fix: use one of {', '.join(names)}.")
    elif not full:
        return summary.render(doc, width=width, sections=names)
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
    )
    shown = 0
    for title, note, headers, rows in sections(doc, **formatters(doc)):
        if only and key(title) not in only:
            continue
        shown += 1
        note = _line(note)
        if not headers:
            line = Text(f"{title}: ", style="bold" if color else "")
            line.append(note)
            console.print(line)
            continue
        if note:
            console.print(Text(f"{title}: {note}"))
        tab = Table(
            title=None if note else Text(title),
            title_justify="left",
            show_lines=False,
            box=box.HEAVY_HEAD if tty else None,
            show_edge=tty,
            pad_edge=tty,
        )
        for i, h in enumerate(headers):
            tab.add_column(Text(_line(h)), justify="left" if i < 2 or h in TEXT_COLUMNS else "right", overflow="fold")
        for r in rows:
            tab.add_row(*(Text(_line(c)) for c in r))
        console.print(tab)
    if only and not shown:
        console.print(Text(f"No {', '.join(only)} section in this report (nothing to show for this data)."))
    return "\n".join(line.rstrip() for line in buf.getvalue().split("\n"))
