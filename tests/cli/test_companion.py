"""Pointing --logs at the RAGPulse directory as downloaded: the five side files with chunk lengths
are companions of the trace (read by the prefix measures), not unrecognised files, so the run
exits 0 and the report shows the system prompt's share of input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from llmcost import ingest
from tests.conftest import TRACES, requires_traces

TOOL = str(Path(sys.executable).parent / "llmcost-forecast")


def test_side_file_heads_are_companions_and_trace_heads_are_not() -> None:
    assert ingest.companion(b'{"sys_prompt_id": 8302, "token_length": 512}\n', "1_sys_prompt.jsonl")
    assert ingest.companion(b'{"passage_id": 0, "token_length": 84}\n', "x.jsonl")
    # a usage-looking row or an unknown id column is not a companion
    assert ingest.companion(b'{"passage_id": 0, "token_length": 84, "model": "m"}\n', "x.jsonl") is None
    assert ingest.companion(b'{"chunk_id": 0, "token_length": 84}\n', "x.jsonl") is None
    assert ingest.companion(b"timestamp,rate\n", "x.csv") is None


@requires_traces()
def test_ragpulse_directory_as_downloaded(tmp_path: Path) -> None:
    res = subprocess.run(
        [TOOL, "--logs", str(TRACES / "ragpulse"), "--store", str(tmp_path / "store"), "--no-forecast",
         "--format", "json"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "no known format" not in res.stderr
    doc = json.loads(res.stdout)
    files = doc["last_run"]["files"]
    assert (files["ingested"], files["companion"], files["unrecognised"], files["failed"]) == (1, 5, 0, 0)
    assert doc["ingest"]["rows_stored"] == 7106  # traces-notes.md 4: 7,106 requests
    share = doc["prefix"]["components"]["sys_prompt_share"]
    assert share is not None and abs(share - 0.469) < 0.01  # the published figure (traces-notes.md 4)
    from tests.report.schema_check import validate

    schema = json.loads((Path(__file__).resolve().parents[2] / "docs/report-schema.json").read_text())
    assert validate(doc, schema) == []
