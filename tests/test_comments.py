"""Pointers in the source stay true (issue 18): every `docs/....md` (or `.json`) and `sql/....sql`
path that a comment, docstring or message in src/ names exists in this repository.

A path preceded by `/`, a word or a dot is someone else's (a URL such as
https://github.com/simonw/llm/blob/main/docs/logging.md, or another project's tree) and is not
checked here."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
POINTER = re.compile(r"(?<![\w/.-])((?:docs/[\w.-]+\.(?:md|json))|(?:sql/[\w.-]+\.sql))")
SOURCES = ("*.py", "*.sql", "*.toml")


def pointers() -> dict[str, list[str]]:
    """Each repo path named in src/, with the files and lines that name it."""
    found: dict[str, list[str]] = {}
    for pattern in SOURCES:
        for f in sorted((REPO / "src").rglob(pattern)):
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                for m in POINTER.finditer(line):
                    found.setdefault(m.group(1).rstrip("."), []).append(f"{f.relative_to(REPO)}:{n}")
    return found


def test_the_pattern_tells_our_paths_from_others() -> None:
    line = ("see docs/pricing.md, sql/spend_totals.sql and https://github.com/simonw/llm/blob/main/docs/logging.md "
            "or other/docs/x.md")
    assert [m.group(1) for m in POINTER.finditer(line)] == ["docs/pricing.md", "sql/spend_totals.sql"]


def test_every_docs_and_sql_path_named_in_src_exists() -> None:
    found = pointers()
    assert "docs/pricing.md" in found  # the scan sees the source (a scan of nothing would pass)
    missing = {path: where for path, where in found.items() if not (REPO / path).is_file()}
    assert missing == {}, f"paths named in src/ that do not exist: {missing}"
