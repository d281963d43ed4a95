"""Docs that must not drift: the schema page, command help, the README's quick start and formats."""

from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

from llmcost import ingest
from llmcost.cli import app

REPO = Path(__file__).resolve().parents[1]


def test_schema_doc_is_current() -> None:
    sys.path.insert(0, str(REPO / "tools"))
    from gen_schema_doc import render

    assert (REPO / "docs/schema.md").read_text() == render(), "run: python tools/gen_schema_doc.py"


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for cmd in ("ingest", "report", "formats", "prices", "plan", "swap", "compact"):
        res = runner.invoke(app, [cmd, "--help"])
        assert res.exit_code == 0 and "Usage" in res.output, cmd


def test_readme_starts_with_the_two_commands_and_lists_every_format() -> None:
    text = (REPO / "README.md").read_text()
    head = text[:1500]
    assert "make demo" in head and "make test" in head
    for name in ingest.registry():
        assert f"`{name}`" in text, f"README formats table lacks {name}"
