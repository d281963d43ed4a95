"""OTLP/JSON span files behind a UTF-8 byte-order mark (a file saved by a Windows editor or
PowerShell) are detected like the same file without it. Before, both span sniffers compared the
first bytes with `{"resourceSpans"` and the file was 'unrecognised'."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmcost.ingest import detect

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"


@pytest.mark.parametrize("name", ["otel_genai_spans_jsonl", "openinference_spans_jsonl"])
def test_span_files_with_a_bom_are_detected_and_read(name: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from llmcost.cli import app

    data = (FIXTURES / name / "input_spans.jsonl").read_bytes()
    f = tmp_path / "logs" / "spans.jsonl"
    f.parent.mkdir()
    f.write_bytes(b"\xef\xbb\xbf" + data)
    assert [i.name for i in detect(f.read_bytes(), f.name)][:1] == [name]
    # the fixture's hand-written expected rows: every one is stored from the file with the BOM too
    expected = [json.loads(line) for line in (FIXTURES / name / "expected.jsonl").read_text().splitlines() if line]
    stored = [r for r in expected if "source_line" in r]  # the last line holds the per-file counts
    res = CliRunner().invoke(app, ["ingest", str(f.parent), "--store", str(tmp_path / "store")])
    assert res.exit_code == 0, res.output
    assert "0 unrecognised" in res.stdout and f"{len(stored)} stored" in res.stdout, res.stdout
