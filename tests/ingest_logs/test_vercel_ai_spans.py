"""Vercel AI SDK telemetry (OTLP/JSON lines): its provider-call spans (`ai.generateText.doGenerate`,
`ai.streamText.doStream`) carry `gen_ai.usage.*` and are the requests; the outer `ai.generateText`
span holds only the steps' sum in `ai.usage.*` and is no request. Its provider ids are
`<provider>.<api>` (`openai.chat`, `anthropic.messages`): stored as the provider (`openai`), so its
rows group and reconcile with that provider's exports (they were providers `openai.chat` and
`anthropic.messages` of their own). Span shapes: ai-sdk.dev "Telemetry", Collected data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _attr(k: str, v: str | int) -> dict[str, object]:
    return {"key": k, "value": {"stringValue": v} if isinstance(v, str) else {"intValue": str(v)}}


def _span(trace: str, span: str, name: str, attrs: list[tuple[str, str | int]]) -> dict[str, object]:
    return {"traceId": trace * 16, "spanId": span * 8, "name": name, "startTimeUnixNano": "1790812800000000000",
            "endTimeUnixNano": "1790812801000000000", "attributes": [_attr(k, v) for k, v in attrs]}


CALL = [("ai.usage.promptTokens", 1000), ("ai.usage.completionTokens", 100)]
SPANS = [
    _span("aa", "01", "ai.generateText", [("operation.name", "ai.generateText"), ("ai.model.id", "gpt-4o-2024-08-06"),
                                          ("ai.model.provider", "openai.chat"), *CALL]),
    _span("aa", "02", "ai.generateText.doGenerate", [
        ("operation.name", "ai.generateText.doGenerate"), ("ai.model.provider", "openai.chat"), *CALL,
        ("gen_ai.system", "openai.chat"), ("gen_ai.request.model", "gpt-4o-2024-08-06"),
        ("gen_ai.response.model", "gpt-4o-2024-08-06"), ("gen_ai.usage.input_tokens", 1000),
        ("gen_ai.usage.output_tokens", 100)]),
    _span("bb", "03", "ai.streamText.doStream", [
        ("operation.name", "ai.streamText.doStream"), ("ai.model.provider", "anthropic.messages"),
        ("ai.model.id", "claude-sonnet-4-5-20250929"), ("gen_ai.usage.input_tokens", 500),
        ("gen_ai.usage.output_tokens", 50)]),
]


def test_vercel_ai_sdk_spans_are_read_per_provider_call(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    line = {"resourceSpans": [{"resource": {"attributes": [_attr("service.name", "next-app")]},
                               "scopeSpans": [{"scope": {"name": "ai"}, "spans": SPANS}]}]}
    (logs / "spans.jsonl").write_text(json.dumps(line) + "\n")
    result = load([logs], tmp_path / "store")
    assert [f.ingestor for f in result.files] == ["otel_genai_spans_jsonl"]
    con = Store.open(tmp_path / "store").connect()
    rows = con.execute("SELECT provider, model, input_tokens, output_tokens, project FROM usage "
                       "ORDER BY provider").fetchall()
    # the doStream span names no gen_ai provider or model: the Vercel AI SDK's own attributes do
    assert rows == [("anthropic", "claude-sonnet-4-5-20250929", 500, 50, "next-app"),
                    ("openai", "gpt-4o-2024-08-06", 1000, 100, "next-app")]


@pytest.mark.parametrize(("given", "stored"), [
    ("openai", "openai"), ("aws.bedrock", "aws"), ("gcp.vertex_ai", "google"), ("gcp.gemini", "google"),
    ("azure.ai.openai", "azure"), ("openai.responses", "openai"), ("google.generative-ai", "google"),
    ("amazon-bedrock", "aws"), ("mistral.chat", "mistral"), ("x_ai", "x_ai")])
def test_provider_names_map_to_the_billing_provider(tmp_path: Path, given: str, stored: str) -> None:
    span = _span("cc", "04", "chat gpt-4o", [("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", given),
                                            ("gen_ai.request.model", "m"), ("gen_ai.usage.input_tokens", 10),
                                            ("gen_ai.usage.output_tokens", 1)])
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "s.jsonl").write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}) + "\n")
    load([logs], tmp_path / "store")
    con = Store.open(tmp_path / "store").connect()
    assert con.execute("SELECT provider FROM usage").fetchall() == [(stored,)]
