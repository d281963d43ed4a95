"""Bare URLs in names stay text in the Markdown report.

GitHub's Markdown (cmark-gfm's autolink extension) links `http://...`, `https://...`, `ftp://...`
and `www....` found in plain text: a model or project name such as `http://evil.example` became a
clickable link. The writer escapes the `:` of `scheme://` and the `.` of `www.`, which cmark-gfm
then shows as text (checked by hand with cmarkgfm 2025.10.22, the Python binding of cmark-gfm:
`http\\://x.com` renders as `<p>http://x.com</p>`, `www\\.x.com` as `<p>www.x.com</p>`).
"""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from llmcost.report.markdown import _paragraph, _table

# (name in the data, its cell in the Markdown source), the escapes written by hand
CASES = [
    ("http://evil.example/x", "http\\://evil.example/x"),
    ("see https://a.b and ftp://c.d", "see https\\://a.b and ftp\\://c.d"),
    ("HTTP://UPPER.example", "HTTP\\://UPPER.example"),
    ("www.evil.example", "www\\.evil.example"),
    ("proxy/WWW.x.io", "proxy/WWW\\.x.io"),
    ("plain:colon", "plain:colon"),  # no '//' after it: not a link, left alone
    ("gpt-4o-2024-08-06", "gpt-4o-2024-08-06"),
]


@pytest.mark.parametrize(("name", "cell"), CASES)
def test_a_url_in_a_name_is_escaped_and_reads_as_written(name: str, cell: str) -> None:
    md = _table(["model"], [[name]])
    assert md.splitlines()[2] == f"| {cell} |"
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert f"<td>{name}</td>" in html
    assert "<a " not in html


def test_a_url_in_a_paragraph_is_escaped() -> None:
    assert _paragraph("http://evil.example has no known price") == "http\\://evil.example has no known price"
