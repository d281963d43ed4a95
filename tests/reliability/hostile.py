"""Names and files that carry markup, formulas or control sequences (issue 17), for the output-rule
tests and the fuzz suite.

Each name goes into a log as a model name (unpriced, so it shows in the warnings, the unpriced
table and the model tables) and as a project of a priced model (so it reaches the FOCUS export
too). Whatever the format, none may come out active: no terminal escape byte, no rich markup, no
raw HTML or Markdown structure, no spreadsheet formula.
"""

from __future__ import annotations

import json
from pathlib import Path

PRICED_MODEL = "gpt-4o-2024-08-06"

MARKUP = ["[/x]", "[link=https://example.com]x[/link]", "[bold red]loud[/]", "[/]"]
CONTROL = [
    "title\x1b]0;pwned\x07",  # OSC 0: set the window title
    "clip\x1b]52;c;aGVsbG8=\x07",  # OSC 52: write the clipboard
    "link\x1b]8;;https://example.com\x1b\\click\x1b]8;;\x1b\\",  # OSC 8: a hyperlink
    "csi\x1b[31mred\x1b[0m\x1b[2J",  # colour and clear screen
    "c1\x9b31mred",  # the 8-bit CSI
    "bell\x07\x08back",
]
FORMULA = ['=HYPERLINK("https://example.com","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "\tcmd", "\rcr"]
MARKDOWN_HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![x](https://example.com/x.png)",
    "[click](javascript:alert(1))",
    "a|b|c",
    "line\n# heading",
    "row\n| x | y |",
    "x\ry",
    "&lt;b&gt;",
    '"><svg onload=alert(1)>',
    "# starts a heading",
    "- starts a list",
]
NAMES = MARKUP + CONTROL + FORMULA + MARKDOWN_HTML

ESC_BYTES = (b"\x1b", b"\x9b", "\x9b".encode(), b"\x07")
"""Bytes that start or end a terminal control sequence (ESC, 8-bit CSI raw and as UTF-8, BEL)."""


def log_line(i: int, model: str, project: str, day: int, prompt: int = 1000, completion: int = 100) -> str:
    return json.dumps({
        "ts": f"2026-10-{day:02d}T09:00:00Z", "session_id": f"s{i}", "user": "u", "project": project,
        "response": {"id": f"chatcmpl-h{i}", "object": "chat.completion", "created": 1790000000 + i,
                     "model": model, "usage": {"prompt_tokens": prompt, "completion_tokens": completion}},
    })


def write_log(path: Path, names: list[str] = NAMES) -> Path:
    """One OpenAI request log: each name once as an (unpriced) model of project "p", once as the
    project of a priced model, in October 2026 (2 x len(names) requests); and one large request of
    the priced model in September, so October costs less than September (a negative change)."""
    lines = [log_line(-1, PRICED_MODEL, "p", 1, prompt=5_000_000, completion=100).replace("2026-10-", "2026-09-")]
    for i, name in enumerate(names):
        lines.append(log_line(2 * i, name, "p", 1 + i % 28))
        lines.append(log_line(2 * i + 1, PRICED_MODEL, name, 1 + i % 28))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
