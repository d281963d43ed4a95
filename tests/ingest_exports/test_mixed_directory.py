"""One `load` over a directory mixing every provider-export format: each file is recognised as its
own format (and a gzip'd Bedrock log as well), none fails, and rows land in the right table."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

from llmcost import ingest
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"
FORMATS = (
    "openai_usage_api_json",
    "openai_costs_api_json",
    "openai_usage_dashboard_csv",
    "openai_cost_dashboard_csv",
    "anthropic_usage_report_json",
    "anthropic_cost_report_json",
    "anthropic_console_usage_csv",
    "anthropic_console_cost_csv",
    "gcp_billing_export_jsonl",
    "gcp_billing_export_csv",
    "aws_bedrock_invocation_jsonl",
    "aws_cur_bedrock_csv",
    "azure_cost_details_csv",
    "focus_csv",
)


def test_a_mixed_directory_is_fully_recognised(tmp_path: Path) -> None:
    mixed = tmp_path / "exports"
    mixed.mkdir()
    for name in FORMATS:  # all in one flat directory, named so that no two collide
        for src in sorted((FIXTURES / name).glob("input*")):
            shutil.copy(src, mixed / f"{name}-{src.name}")
    log = FIXTURES / "aws_bedrock_invocation_jsonl" / "input.jsonl"
    gz = mixed / "AWSLogs" / "123456789012" / "BedrockModelInvocationLogs" / "us-east-1" / "x.json.gz"
    gz.parent.mkdir(parents=True)
    gz.write_bytes(gzip.compress(log.read_bytes()))

    result = load([mixed], tmp_path / "store")
    got = {}
    for f in result.files:
        assert f.status in ("ingested", "replaced"), f
        want = "aws_bedrock_invocation_jsonl" if "AWSLogs" in f.path else Path(f.path).name.split("-")[0]
        assert f.ingestor == want, f
        got.setdefault(f.ingestor, 0)
        got[f.ingestor] += 1
    assert set(got) == set(FORMATS)
    assert got["aws_bedrock_invocation_jsonl"] == 2

    con = Store.open(tmp_path / "store").connect()
    sources_by_table = {
        t: {r[0] for r in con.execute(f"SELECT DISTINCT source FROM {t}").fetchall()}
        for t in ("usage", "costs")
    }
    for name in FORMATS:
        assert name in sources_by_table[ingest.get(name).table], name
