"""Markdown: the same sections as the terminal report, as GitHub tables (mail, diff, archive).

Every piece of text is escaped, since names and file paths come from the data (issue 17): raw
HTML cannot open a tag (`<script>`, `<img onerror>`), brackets cannot make a link or a remote
image, a pipe cannot add a cell, a newline or CR cannot start a heading or a table row, and a
paragraph that starts with a model name cannot become a heading, a list or a quote, and `*`, `~`
and an `_` that is not inside a word cannot emphasise or strike out (`/srv/__tmp__/app` stays a
path). GitHub also links bare URLs (its autolink extension): the `:` of `scheme://` and the `.` of
`www.` are escaped, so `http://x` or `www.x` in a model or project name stays text. An e-mail
address (a user id) may still be shown as a `mailto:` link by GitHub, with its text as written:
GitHub finds those after the escapes are read, so no escape can stop it. Control characters
become '?' as on the terminal (the file may be printed with `cat`).
"""

from __future__ import annotations

import re
from typing import Any

from llmcost.report._fmt import formatters, plain
from llmcost.report.sections import paragraph, sections

_INLINE = str.maketrans({
    "\\": "\\\\", "`": "\\`", "[": "\\[", "]": "\\]", "|": "\\|",  # CommonMark backslash escapes
    "*": "\\*", "~": "\\~",  # no emphasis, no (GFM) strikethrough
    "&": "&amp;", "<": "&lt;",  # no tag, no entity, no <autolink> (a lone ">" is text but at a line start)
    "\n": " ", "\r": " ", "\t": " ",  # one line: nothing can start a block
})
_UNDERSCORES = re.compile(r"_+")
"""A run of `_`; escaped unless it is between two letters or digits (`_underscores`)."""
_ALNUM = re.compile(r"[^\W_]")
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(:)(?=//)|(?i:(?<=www)(\.))")
"""The `:` of `scheme://` and the `.` of `www.`: what GitHub's autolink extension starts a link at."""
_BLOCK_START = re.compile(r"^(?:([#>+*=_~-])|(\d{1,9})([.)]))")
"""What opens a heading, quote, list, setext underline, rule or fence at the start of a paragraph."""


def _underscores(m: re.Match[str]) -> str:
    """A run of `_` not between two letters or digits, escaped: only such a run can open or close
    emphasis (CommonMark's flanking rules), so `snake_case` keeps its underscores as they are."""
    s, i, j = m.string, m.start(), m.end()
    inside = 0 < i and j < len(s) and bool(_ALNUM.match(s[i - 1])) and bool(_ALNUM.match(s[j]))
    return m[0] if inside else "\\_" * len(m[0])


def text(s: str) -> str:
    """`s` as literal Markdown text on one line (see the module docstring)."""
    out = _UNDERSCORES.sub(_underscores, plain(s).translate(_INLINE))
    return _AUTOLINK.sub(lambda m: "\\" + m[0], out)


def _paragraph(s: str) -> str:
    out = text(s).strip()
    return _BLOCK_START.sub(lambda m: "\\" + m[1] if m[1] else m[2] + "\\" + m[3], out, count=1)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(map(text, headers)) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(map(text, r)) + " |" for r in rows]
    return "\n".join(out)


def render(doc: dict[str, Any]) -> str:
    parts = ["# LLM cost report", ""]
    prev = ""
    for title, note, headers, rows in sections(doc, **formatters(doc)):
        # the warnings (one section each) are one list under one heading
        if title == "Warning":
            parts += ([] if prev == title else ["## Warnings", ""]) + [f"- {_paragraph(paragraph(title, note))}"]
            prev = title
            continue
        parts += ([""] if prev == "Warning" else []) + [f"## {text(title)}", ""]
        prev = title
        if note:
            parts += [_paragraph(paragraph(title, note)), ""]
        if headers:
            parts += [_table(headers, rows), ""]
    return "\n".join([*parts, ""] if prev == "Warning" else parts)
