"""OpenTelemetry GenAI spans shaped as instrumentations other than the fixture's write them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _attr(k: str, v: str | int) -> dict[str, object]:
    return {"key": k, "value": {"stringValue": v} if isinstance(v, str) else {"intValue": str(v)}}


def _spans_file(logs: Path, spans: list[list[tuple[str, str | int]]]) -> None:
    logs.mkdir()
    sps = [{"traceId": "cd" * 16, "spanId": f"{i:016x}", "name": "chat", "startTimeUnixNano": "1790812800000000000",
            "attributes": [_attr(k, v) for k, v in attrs]} for i, attrs in enumerate(spans, 1)]
    line = {"resourceSpans": [{"resource": {"attributes": [_attr("service.name", "app")]},
                               "scopeSpans": [{"scope": {"name": "x"}, "spans": sps}]}]}
    (logs / "spans.jsonl").write_text(json.dumps(line) + "\n")


@pytest.mark.parametrize(("system", "provider"), [
    # the deprecated well-known values, renamed to azure.ai.* (semantic-conventions registry, gen_ai.system:
    # "az.ai.inference" deprecated, "Replaced by azure.ai.inference"); azure-ai-inference's tracing and
    # Microsoft.Extensions.AI still write them
    ("az.ai.inference", "azure"),
    ("az.ai.openai", "azure"),
    ("azure.ai.openai", "azure"),
])
def test_azure_system_names_are_provider_azure(system: str, provider: str, tmp_path: Path) -> None:
    _spans_file(tmp_path / "logs", [[("gen_ai.operation.name", "chat"), ("gen_ai.system", system),
                                     ("gen_ai.request.model", "gpt-4o"), ("gen_ai.usage.input_tokens", 30),
                                     ("gen_ai.usage.output_tokens", 5)]])
    load([tmp_path / "logs"], tmp_path / "store")
    rows = Store.open(tmp_path / "store").connect().execute(
        "SELECT provider, model, input_tokens, output_tokens FROM usage").fetchall()
    # before: 'az' (the text before the first dot), a provider of its own apart from Azure's exports
    assert rows == [(provider, "gpt-4o", 30, 5)]


def test_chat_span_without_token_attributes_is_skipped_not_stored_as_zero(tmp_path: Path) -> None:
    # an inference span that states no gen_ai.usage (a call that failed, or streamed without usage)
    # is "a span without tokens" (formats-request-logs.md: skipped, as an OpenInference LLM span
    # without counts is); before, it was stored as a request of 0 in / 0 out, priced $0
    _spans_file(tmp_path / "logs", [
        [("gen_ai.operation.name", "chat"), ("gen_ai.system", "openai"), ("gen_ai.request.model", "gpt-4o"),
         ("error.type", "timeout")],
        [("gen_ai.operation.name", "chat"), ("gen_ai.system", "openai"), ("gen_ai.request.model", "gpt-4o"),
         ("gen_ai.usage.input_tokens", 30), ("gen_ai.usage.output_tokens", 5)],
    ])
    result = load([tmp_path / "logs"], tmp_path / "store")
    f = result.files[0]
    # 2 spans read = 1 stored + 1 skipped
    assert (f.rows_read, f.rows_stored, f.rows_skipped, f.rows_quarantined) == (2, 1, 1, 0)
    rows = Store.open(tmp_path / "store").connect().execute(
        "SELECT event_id, input_tokens, output_tokens FROM usage").fetchall()
    assert rows == [("cd" * 16 + ":" + f"{2:016x}", 30, 5)]


def test_a_pretty_printed_otlp_document_is_read(tmp_path: Path) -> None:
    # an OTLP/JSON export saved pretty-printed (`jq .`, a browser's "save"): one document over many
    # lines. Before, it was "no known format" (the line reader could not read it) with a `jq -c`
    # command to run; it is now read as its one line is: the span's 30 input and 5 output tokens.
    _spans_file(tmp_path / "logs", [[("gen_ai.operation.name", "chat"), ("gen_ai.system", "openai"),
                                     ("gen_ai.request.model", "gpt-4o"), ("gen_ai.usage.input_tokens", 30),
                                     ("gen_ai.usage.output_tokens", 5)]])
    f = tmp_path / "logs" / "spans.jsonl"
    pretty = tmp_path / "logs" / "otlp_export.json"
    pretty.write_text(json.dumps(json.loads(f.read_text()), indent=2))
    f.unlink()
    got = load([tmp_path / "logs"], tmp_path / "store").files
    assert [(x.status, x.ingestor, x.rows_stored) for x in got] == [("ingested", "otel_genai_spans_jsonl", 1)]
    rows = Store.open(tmp_path / "store").connect().execute(
        "SELECT model, input_tokens, output_tokens FROM usage").fetchall()
    assert rows == [("gpt-4o", 30, 5)]
