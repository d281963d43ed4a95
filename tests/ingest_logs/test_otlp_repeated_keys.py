"""An OTLP span (or resource) that lists one attribute key twice. The spec wants keys unique, but
SDKs and exporters do send repeats (opentelemetry-cpp#1944, opentelemetry-dotnet#535, aspire#6177),
and a setter called twice SHOULD overwrite: the last value wins. Before, the attribute map raised
DuckDB's 'Map keys must be unique' and the whole file failed, its good spans with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _attr(k: str, v: str | int) -> dict[str, object]:
    return {"key": k, "value": {"stringValue": v} if isinstance(v, str) else {"intValue": str(v)}}


def _line(span: str, attrs: list[tuple[str, str | int]], kind: list[tuple[str, str | int]]) -> str:
    sp = {"traceId": "ab" * 16, "spanId": span * 8, "name": "chat", "startTimeUnixNano": "1790812800000000000",
          "attributes": [_attr(k, v) for k, v in [*kind, *attrs]]}
    res = {"attributes": [_attr("service.name", "old-name"), _attr("service.name", "svc")]}
    return json.dumps({"resourceSpans": [{"resource": res, "scopeSpans": [{"spans": [sp]}]}]})


@pytest.mark.parametrize(("source", "kind"), [
    ("otel_genai_spans_jsonl", [("gen_ai.operation.name", "chat"), ("gen_ai.system", "openai")]),
    ("openinference_spans_jsonl", [("openinference.span.kind", "LLM"), ("llm.provider", "openai")]),
])
def test_repeated_attribute_key_keeps_the_last_value_and_the_file(source: str, kind: list, tmp_path: Path) -> None:
    tok = {"otel_genai_spans_jsonl": ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
                                      "gen_ai.request.model"),
           "openinference_spans_jsonl": ("llm.token_count.prompt", "llm.token_count.completion",
                                         "llm.model_name")}[source]
    inp, out, model = tok
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "spans.jsonl").write_text("\n".join([
        # line 1: a clean span, 100 in / 10 out
        _line("01", [(model, "gpt-4o"), (inp, 100), (out, 10)], kind),
        # line 2: input set twice (40 then 45: the last wins), the model twice with one value
        _line("02", [(model, "gpt-4o"), (model, "gpt-4o"), (inp, 40), (out, 4), (inp, 45)], kind),
    ]) + "\n")
    result = load([logs], tmp_path / "store")
    assert [(f.ingestor, f.status, f.message) for f in result.files] == [(source, "ingested", None)]
    rows = Store.open(tmp_path / "store").connect().execute(
        "SELECT source_line, model, input_tokens, output_tokens, project FROM usage ORDER BY source_line").fetchall()
    # hand count: 100 + 45 input, 10 + 4 output; the resource's repeated service.name: the last, 'svc'
    assert rows == [(1, "gpt-4o", 100, 10, "svc"), (2, "gpt-4o", 45, 4, "svc")]
