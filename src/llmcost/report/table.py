"""Terminal report: one screen by default (report.summary); every section with `full`, or the named
ones with `only`. Box drawing and colour only on a terminal; plain aligned text in a file or a
pipe; NO_COLOR respected by the caller. Text from the data is never read as markup and its
control characters are shown as '?'."""

from __future__ import annotations

import io
import re
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
from llmcost.report.sections import NAMES, TEXT_COLUMNS, key, sections
from llmcost.text import did_you_mean
from llmcost.text import one_line as _line


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
        _section(console, title, note, headers, rows, width, tty=tty, color=color)
    if only and not shown:
        console.print(Text(f"No {', '.join(only)} section in this report (nothing to show for this data)."))
    return _text(buf)


def table_text(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None,
               *, tty: bool = False, names: int = 2) -> str:
    """One table under its title (wrapped between words), laid out as the report lays out its
    sections, `width` wide (default 120): aligned columns (the first `names` left-aligned, as text
    columns are), or one record per row when they cannot fit. For a command's own tables (`plan`)."""
    buf = io.StringIO()
    console = Console(file=buf, width=width or 120, no_color=True, color_system=None, highlight=False, emoji=False)
    console.print(Text(_line(title)))
    _section(console, "", "", headers, rows, width or 120, tty=tty, color=False, names=names)
    return _text(buf)


def _text(buf: io.StringIO) -> str:
    return "\n".join(line.rstrip() for line in buf.getvalue().split("\n"))


def _section(console: Console, title: str, note: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
             width: int, *, tty: bool, color: bool, names: int = 2) -> None:
    """Print one section: its title and note (none when both are empty), then its table (box drawing
    on a terminal; the first `names` columns and the TEXT_COLUMNS left-aligned), or its rows as
    records when the table is too wide (`_too_wide`)."""
    note = _line(note)
    if not headers:
        line = Text(f"{title}: ", style="bold" if color else "")
        line.append(note)
        console.print(line)
        return
    if _too_wide(headers, rows, width, tty):
        _records(console, title, note, headers, rows, width)
        return
    if note:
        console.print(Text(f"{title}: {note}"))
    tab = Table(
        title=None if note or not title else Text(title),
        title_justify="left",
        show_lines=False,
        box=box.HEAVY_HEAD if tty else None,
        show_edge=tty,
        pad_edge=tty,
    )
    for i, (h, w) in enumerate(zip(headers, _widths(headers, rows, width, tty), strict=True)):
        tab.add_column(Text(_line(h)), justify="left" if i < names or h in TEXT_COLUMNS else "right", overflow="fold",
                       width=w)
    for r in rows:
        tab.add_row(*(Text(_line(c)) for c in r))
    console.print(tab)


def _chrome(n: int, tty: bool) -> int:
    """Columns a table of `n` columns spends between and around its cells: plain columns are two
    spaces apart; on a terminal (`tty`) the box adds a border and a space of padding each side of
    every cell."""
    return 3 * n + 1 if tty else 2 * (n - 1)


def _least(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """Each column's narrowest width that folds nothing: its widest cell, or its header's longest
    word (a header may wrap between its words, a cell may not)."""
    return [max([len(w) for w in _line(h).split()] + [len(_line(r[i])) for r in rows]) for i, h in enumerate(headers)]


def _too_wide(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int, tty: bool = False) -> bool:
    """A table whose cells would fold at this width: its narrowest unfolded columns side by side do
    not fit. The box's borders and padding count (`_chrome`): left out, a totals table needing 94
    columns was drawn at 88 and its header ("(uncache" / "d)") and numbers ("5,790,77" / "1") folded."""
    return sum(_least(headers, rows)) + _chrome(len(headers), tty) > width


def _widths(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int, tty: bool) -> list[int]:
    """The columns' widths for a table that fits (`_too_wide` is false): each as wide as its header
    and cells, and when that is too wide, the columns with the most room to spare narrowed first,
    never below `_least`, so a header wraps between its words and nothing folds. Left to rich, a
    column could be narrowed below its longest word ("(uncache" / "d)")."""
    least = _least(headers, rows)
    out = [max(len(_line(h)), lo) for h, lo in zip(headers, least, strict=True)]
    room = width - _chrome(len(headers), tty)
    while sum(out) > room:
        i = max(range(len(out)), key=lambda j: out[j] - least[j])
        if out[i] <= least[i]:
            break  # cannot happen when the table fits; rich then does what it can
        out[i] -= 1
    return out


_FIGURE = re.compile(r"[-+]?\$?[\d,.]+%?|n/a|-")
"""A cell that is a figure (a count, an amount, a share), not a name."""


def _names(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """How many of the first two columns name a row (provider, model, project...): those before the
    first column of figures. The totals table names nothing: its first columns are counts, shown
    with their headers like every other cell (they were printed bare: "6,812  5,790,771")."""
    for i in range(min(2, len(headers))):
        if rows and all(_FIGURE.fullmatch(_line(r[i]).strip()) for r in rows):
            return i
    return min(2, len(headers))


def _records(
    console: Console, title: str, note: str, headers: Sequence[str], rows: Sequence[Sequence[str]], width: int
) -> None:
    """A table too wide for the terminal, one record per row (like psql's expanded display): the
    columns that name the row (`_names`: provider, model...) head it, each other cell is one
    `header: value` paragraph, so neither numbers nor words are folded mid-token."""
    if title or note:
        console.print(Text(f"{title}: {note}" if note else title))
    k = _names(headers, rows)
    label = max(len(_line(h)) for h in headers[k:]) if len(headers) > k else 0
    for n, r in enumerate(rows):
        if k:
            # a name longer than the line (a forecast note) wraps between words, indented under itself
            name = textwrap.fill("  ".join(_line(c) for c in r[:k]), width=width, initial_indent="  ",
                                 subsequent_indent="    ", break_long_words=True, break_on_hyphens=False)
            console.print(Text(name), overflow="fold", crop=False)
        elif n:
            console.print()  # records without a name are kept apart by a blank line
        for h, c in zip(headers[k:], r[k:], strict=True):
            head = f"    {_line(h) + ':':<{label + 1}} "
            body = textwrap.fill(
                _line(c) or "-", width=max(width, len(head) + 20), initial_indent=head,
                subsequent_indent=" " * len(head), break_long_words=True, break_on_hyphens=False,
            )
            console.print(Text(body), overflow="fold", crop=False)
