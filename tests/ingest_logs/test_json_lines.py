"""What a JSON-lines format says about a line it cannot use: valid JSON that is not an object
(`42`, `[1]`, `"text"`, `null`) is "not a JSON object"; text that is not JSON is "not valid JSON"
(issue 20: claude-code-log's edge_cases.jsonl has such lines)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmcost.ingest.loader import load

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"

JSON_LINE_FORMATS = [
    "anthropic_message_jsonl",
    "aws_bedrock_invocation_jsonl",
    "claude_code_jsonl",
    "codex_rollout_jsonl",
    "gcp_billing_export_jsonl",
    "gemini_generate_content_jsonl",
    "helicone_export_jsonl",
    "langfuse_observations_jsonl",
    "openai_batch_output_jsonl",
    "openai_response_jsonl",
    "otel_genai_spans_jsonl",
]

BAD_LINES = ["42", "[1]", '"text"', "null", "{broken"]
# Worked out from JSON's grammar (RFC 8259), not from the code: the first four parse, and none of
# them is an object; the last does not parse.
EXPECTED = [
    (2, "not a JSON object"),
    (3, "not a JSON object"),
    (4, "not a JSON object"),
    (5, "not a JSON object"),
    (6, "not valid JSON"),
]


@pytest.mark.parametrize("name", JSON_LINE_FORMATS)
def test_valid_json_that_is_not_an_object_is_named_so(name: str, tmp_path: Path) -> None:
    good = sorted(p for p in (FIXTURES / name).iterdir() if p.name.startswith("input"))[0]
    f = tmp_path / "mixed.jsonl"
    f.write_text("\n".join([good.read_text().splitlines()[0], *BAD_LINES]) + "\n")
    result = load([f], tmp_path / "store", source=name)
    assert [r.status for r in result.files] == ["ingested"]
    entries = [
        json.loads(line)
        for q in sorted((tmp_path / "store" / "quarantine").glob("*.jsonl"))
        for line in q.read_text().splitlines()
    ]
    assert [(e["line"], e["reason"]) for e in entries] == EXPECTED
