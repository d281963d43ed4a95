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


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


def test_billing_export_manifests_are_companions() -> None:
    # AWS Data Exports (CUR 2.0): docs.aws.amazon.com/cur/latest/userguide/dataexports-manifest.html
    aws = b'{"executionId": "e1", "exportArn": "arn:aws:bcm-data-exports:us-east-1:123456789012:export/cur", ' \
          b'"columns": [], "dataFiles": ["s3://b/p/cur/data/BILLING_PERIOD=2026-10/cur-00001.csv.gz"]}'
    assert ingest.companion(aws, "cur/metadata/BILLING_PERIOD=2026-10/cur-Manifest.json")
    azure = b'{"manifestVersion": "2024-04-01", "blobCount": 1, "blobs": [{"blobName": "part_0_0001.csv"}]}'
    assert ingest.companion(azure, "aoai/20261001-20261031/run1/manifest.json")
    # the name alone is not enough, nor the list alone
    assert ingest.companion(b'{"name": "app", "version": 1}', "manifest.json") is None
    assert ingest.companion(aws, "pages.json") is None


def test_cur_export_folder_as_delivered(tmp_path: Path) -> None:
    """`--logs` at a CUR 2.0 export synced from S3 (data/ and metadata/ per billing period,
    formats-provider-exports.md 4.2): the manifest is no unrecognised file, so the run exits 0."""
    import gzip

    from typer.testing import CliRunner

    from llmcost.cli import app

    export = tmp_path / "cur"
    data = export / "data" / "BILLING_PERIOD=2026-10"
    meta = export / "metadata" / "BILLING_PERIOD=2026-10"
    data.mkdir(parents=True)
    meta.mkdir(parents=True)
    (data / "cur-00001.csv.gz").write_bytes(gzip.compress((FIXTURES / "aws_cur_bedrock_csv/input.csv").read_bytes()))
    (meta / "cur-Manifest.json").write_text(json.dumps({
        "executionId": "e1", "exportArn": "arn:aws:bcm-data-exports:us-east-1:123456789012:export/cur",
        "columns": [{"name": "line_item_unblended_cost", "type": "decimal"}],
        "dataFiles": ["s3://bucket/prefix/cur/data/BILLING_PERIOD=2026-10/cur-00001.csv.gz"],
    }))
    res = CliRunner().invoke(app, ["--logs", str(export), "--store", str(tmp_path / "store"), "--no-forecast",
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    files = doc["last_run"]["files"]
    assert (files["ingested"], files["companion"], files["unrecognised"]) == (1, 1, 0)
    # the fixture's Bedrock lines: 0.5 + 0.45 (net) + 0.5 + 0.6 - 0.2 (credit); EC2 skipped, one
    # line quarantined for its start date
    assert doc["totals"]["billed_cost_usd"] == "1.850000000000"
