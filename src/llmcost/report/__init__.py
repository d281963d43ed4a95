"""Renderers: the report document (llmcost.analysis) as terminal tables, Markdown or JSON.

Renderers format; they never compute. Every format shows the same totals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llmcost.errors import UsageError

FORMATS = ("table", "md", "json")


def render(doc: dict[str, Any], fmt: str, width: int | None = None, color: bool = False) -> str:
    renderers: dict[str, Callable[..., str]]
    from llmcost.report import json_report, markdown, table

    renderers = {"table": lambda d: table.render(d, width=width, color=color), "md": markdown.render,
                 "json": json_report.render}
    if fmt not in renderers:
        raise UsageError(f"Unknown --format {fmt!r}. Fix: use one of {', '.join(FORMATS)}.")
    return renderers[fmt](doc)
