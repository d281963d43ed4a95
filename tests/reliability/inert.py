"""Checks that an output carries nothing active (issue 17), shared by the output-rule tests and the
fuzz suite. Each returns a list of problems (empty: inert); the rules are restated here from
docs/reliability.md ("Output rules"), not taken from the code under test.

- terminal text: no control character but tab and newline, and no bidirectional control, once the
  sequences the tool itself writes (`allow`: rich's colours, or its progress bar's cursor
  controls) are taken out;
- Markdown: rendered by a CommonMark parser (markdown-it, with GFM tables), only the report's own
  structure: no HTML tag, link, image, list, quote or heading but the report's h1 and h2s;
- HTML: one script (the report's own), no on* attribute, no javascript: URL, no img, a, iframe,
  object or embed, no control character;
- CSV: no text cell that a spreadsheet reads as a formula (= + @ tab CR; - unless a number), no
  control character outside a quoted line break;
- JSON: valid, no raw control character (escaped as \\uXXXX).
"""

from __future__ import annotations

import csv
import html.parser
import io
import json
import re
from decimal import Decimal, InvalidOperation

SGR = re.compile(r"\x1b\[[0-9;]*m")
"""The colour and style sequences rich writes when colour is on."""
CURSOR = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\r")
"""What rich's progress bar writes to redraw itself: cursor controls and carriage returns."""
NOTHING = re.compile("$^")


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Unicode's bidirectional embeddings, overrides and isolates: they reorder the text shown after them."""


def controls(text: str, allow: re.Pattern[str] = NOTHING) -> list[str]:
    """The control characters (C0 but tab and newline, DEL, C1) and bidirectional controls left once
    `allow` is taken out."""
    rest = allow.sub("", text)
    return sorted({c for c in rest if (ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F or c in BIDI})


def terminal_problems(text: str, allow: re.Pattern[str] = NOTHING) -> list[str]:
    bad = [f"control characters {found!r}" for found in [controls(text, allow)] if found]
    if "Traceback" in text or "MarkupError" in text:
        bad.append("a traceback")
    return bad


class Tags(html.parser.HTMLParser):
    """Every tag and attribute of an HTML document, the text of each table cell, the text by tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.cells: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._buf = []

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._buf)
        self.texts.setdefault(tag, []).append(text)
        if tag == "td":
            self.cells.append(text)
        self._buf = []

    def handle_data(self, data: str) -> None:
        self._buf.append(data)


def parse_html(page: str) -> Tags:
    p = Tags()
    p.feed(page)
    p.close()
    return p


MARKDOWN_TAGS = {"h1", "h2", "p", "table", "thead", "tbody", "tr", "th", "td", "em", "strong", "ul", "li"}
"""The report's own structure (the warnings are a list: one item per `- ` line it writes)."""


def render_markdown(md: str) -> Tags:
    from markdown_it import MarkdownIt

    return parse_html(MarkdownIt("commonmark").enable("table").render(md))


def markdown_problems(md: str) -> list[str]:
    bad = [f"control characters {found!r}" for found in [controls(md)] if found]
    doc = render_markdown(md)
    extra = {t for t, _ in doc.tags} - MARKDOWN_TAGS
    if extra:
        bad.append(f"tags {sorted(extra)}")
    if len(doc.texts.get("h1", [])) != 1:
        bad.append(f"{len(doc.texts.get('h1', []))} h1 headings")
    h2 = sum(1 for line in md.splitlines() if line.startswith("## "))
    if len(doc.texts.get("h2", [])) != h2:
        bad.append(f"{len(doc.texts.get('h2', []))} h2 headings for {h2} '## ' lines")
    items = sum(1 for line in md.splitlines() if line.startswith("- "))
    if sum(1 for t, _ in doc.tags if t == "li") != items:
        bad.append(f"{sum(1 for t, _ in doc.tags if t == 'li')} list items for {items} '- ' lines")
    return bad


def html_problems(page: str) -> list[str]:
    bad = [f"control characters {found!r}" for found in [controls(page)] if found]
    doc = parse_html(page)
    scripts = [t for t, _ in doc.tags if t == "script"]
    if len(scripts) != 1:
        bad.append(f"{len(scripts)} scripts")
    banned = {t for t, _ in doc.tags} & {"img", "a", "iframe", "object", "embed", "link", "foreignobject", "base"}
    if banned:
        bad.append(f"tags {sorted(banned)}")
    for tag, attrs in doc.tags:
        for k, v in attrs:
            if k.startswith("on") or "javascript:" in (v or "").lower():
                bad.append(f"<{tag} {k}={v!r}>")
    return bad


def _number(cell: str) -> bool:
    try:
        Decimal(cell)
    except InvalidOperation:
        return False
    return True


def csv_problems(text: str) -> list[str]:
    """`text` read exactly (a CR in a quoted cell stays in it)."""
    bad = []
    rows = list(csv.reader(io.StringIO(text, newline="")))
    width = len(rows[0]) if rows else 0
    for n, row in enumerate(rows[1:], 2):
        if len(row) != width:
            bad.append(f"row {n} has {len(row)} cells, the header {width}")
        for cell in row:
            if cell.startswith(("=", "+", "@", "\t", "\r")) or (cell.startswith("-") and not _number(cell)):
                bad.append(f"row {n}: formula-like cell {cell!r}")
            if controls(cell.replace("\r", "")):
                bad.append(f"row {n}: control characters in {cell!r}")
    return bad


def json_problems(text: str) -> list[str]:
    bad = [f"control characters {found!r}" for found in [controls(text)] if found]
    try:
        json.loads(text)
    except ValueError as e:
        bad.append(f"not JSON: {e}")
    return bad
