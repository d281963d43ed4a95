"""Terminal report: one screen by default (report.summary); every section with `full`, or the named
ones with `only`. Box drawing and colour only on a terminal; plain aligned text in a file or a
pipe; NO_COLOR respected by the caller. Text from the data is never read as markup and its
control characters are shown as '?'."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from llmcost.errors import UsageError
from llmcost.report import summary
from llmcost.report._fmt import formatters
from llmcost.report.sections import NAMES, key, sections
from llmcost.text import did_you_mean
from llmcost.text import one_line as _line

TEXT_COLUMNS = frozenset(
    {"description", "measured", "did you mean", "override snippet", "why unpriced", "how to fix",
     "first reason", "quarantine file", "problem",
     "basis", "coverage", "kind"}
)
"""Columns of words, left-aligned like the first two (numbers are right-aligned)."""


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
    names = list(NAMES)
    if only:
        unknown = [n for n in only if n not in names]
        if unknown:
            raise UsageError(f"Unknown --section {unknown[0]!r}{did_you_mean(unknown[0], names)}. Fix: use one of "
                             f"{', '.join(names)}.")
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
        if _too_wide(headers, rows, width):
            _records(console, title, note, headers, rows, width)
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


def _too_wide(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> bool:
    """A table whose cells would fold at this width: its widest cells side by side do not fit (a
    header may wrap between its words, a cell may not)."""
    widths = [
        max([len(w) for w in _line(h).split()] + [len(_line(r[i])) for r in rows]) for i, h in enumerate(headers)
    ]
    return sum(widths) + 2 * (len(headers) - 1) > width


def _records(
    console: Console, title: str, note: str, headers: Sequence[str], rows: Sequence[Sequence[str]], width: int
) -> None:
    """A table too wide for the terminal, one record per row (like psql's expanded display): the first
    two columns name the row, each other cell is one `header: value` paragraph, so neither numbers
    nor words are folded mid-token."""
    console.print(Text(f"{title}: {note}" if note else title))
    label = max(len(_line(h)) for h in headers[2:]) if len(headers) > 2 else 0
    for r in rows:
        console.print(Text("  " + "  ".join(_line(c) for c in r[:2])), overflow="fold")
        for h, c in zip(headers[2:], r[2:], strict=True):
            head = f"    {_line(h) + ':':<{label + 1}} "
            body = textwrap.fill(
                _line(c) or "-", width=max(width, len(head) + 20), initial_indent=head,
                subsequent_indent=" " * len(head), break_long_words=True, break_on_hyphens=False,
            )
            console.print(Text(body), overflow="fold", crop=False)
