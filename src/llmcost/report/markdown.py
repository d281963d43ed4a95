"""Markdown: the same sections as the terminal report, as GitHub tables (mail, diff, archive)."""

from __future__ import annotations

from typing import Any

from llmcost.report._fmt import formatters
from llmcost.report.sections import sections


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(map(_cell, headers)) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(map(_cell, r)) + " |" for r in rows]
    return "\n".join(out)


def render(doc: dict[str, Any]) -> str:
    parts = ["# LLM cost report", ""]
    for title, note, headers, rows in sections(doc, **formatters(doc)):
        parts += [f"## {title}", ""]
        if note:
            parts += [note[:1].upper() + note[1:], ""]  # a paragraph under its heading starts a sentence
        if headers:
            parts += [_table(headers, rows), ""]
    return "\n".join(parts)
