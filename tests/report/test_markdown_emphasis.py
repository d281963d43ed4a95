"""Names with `*`, `_` or `~` stay literal text in the Markdown report (no emphasis, no strike).

The Markdown writer escapes what would make a tag, a link, a cell or a block, but a model or
project name holding `*x*`, `**x**`, `_x_` (a path like `/srv/__scratch__/app`) or `~~x~~` (GitHub's
strikethrough) came out emphasised: the name shown was not the name in the data.
"""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from llmcost.report.markdown import _paragraph, _table

NAMES = [
    "a|b`c`**d**",
    "*star*",
    "gpt-4o*",
    "x*y*z",
    "_under_ score",
    "/srv/__scratch__/app",
    "~~gone~~",
    "~one~",
    "snake_case_model",  # intraword underscores are already inert: kept as they are
]


def _cell(md: str) -> str:
    html = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(md)
    assert not re.search(r"<(em|strong|s|del)>", html), html
    return re.findall(r"<td>(.*?)</td>", html)[0]


@pytest.mark.parametrize("name", NAMES)
def test_name_in_a_table_cell_is_shown_as_written(name: str) -> None:
    assert _cell(_table(["model"], [[name]])) == name


@pytest.mark.parametrize("name", NAMES)
def test_name_in_a_paragraph_is_not_emphasised(name: str) -> None:
    html = MarkdownIt("commonmark").enable("strikethrough").render(_paragraph(f"{name} has no known price"))
    assert not re.search(r"<(em|strong|s|del)>", html), html
    assert html == f"<p>{name} has no known price</p>\n"


def test_intraword_underscores_stay_unescaped_in_the_source() -> None:
    # names like claude_code_jsonl read the same in the Markdown source as in the data
    assert "claude_code_jsonl" in _table(["source"], [["claude_code_jsonl"]])
