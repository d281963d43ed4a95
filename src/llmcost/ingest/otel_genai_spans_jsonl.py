"""OpenTelemetry GenAI spans in OTLP/JSON lines (Collector `file` exporter, OTLP file exporter).

Field mapping (formats-request-logs.md section 4; open-telemetry/semantic-conventions
`model/gen-ai/registry.yaml` and
https://github.com/open-telemetry/semantic-conventions/blob/main/docs/gen-ai/gen-ai-spans.md; variants
as normalised by Langfuse's `OtelIngestionProcessor.ts`): one line is a `TracesData`, spans sit at
`resourceSpans[].scopeSpans[].spans[]`, attributes are `[{key, value: {stringValue|intValue|...}}]`.

- Only inference spans are usage rows: `gen_ai.operation.name` in chat, generate_content,
  text_completion, embeddings (or no operation name but token attributes). Agent, tool and
  workflow spans carry aggregated tokens or none and are dropped (double counting). An inference
  span with neither token count (a failed call, a stream read without usage) is read and counted
  as skipped, as openinference_spans_jsonl's LLM span without counts: its tokens are unknown, and
  it was stored as a request of 0 in / 0 out, priced $0.
- `gen_ai.usage.input_tokens` SHOULD include `gen_ai.usage.cache_read.input_tokens` and
  `gen_ai.usage.cache_creation.input_tokens`: uncached input = input - read - write. Some
  Anthropic instrumentations put the raw cache-exclusive count there; when input is smaller
  than read + write it is taken as already uncached. Deprecated/vendor spellings are read too
  (`gen_ai.usage.prompt_tokens`, `completion_tokens`, `cache_read_input_tokens`,
  `cache_creation_input_tokens`).
- `gen_ai.usage.output_tokens` includes `gen_ai.usage.reasoning.output_tokens`.
- Conversation `gen_ai.conversation.id` (else `session.id`); user `enduser.id` / `user.id`;
  provider `gen_ai.provider.name` (else deprecated `gen_ai.system`, else the Vercel AI SDK's
  `ai.model.provider`), mapped to billing names (`_otlp.provider_sql`: `aws.bedrock` -> aws,
  Vercel's `openai.chat` -> openai); model `gen_ai.response.model`, else `gen_ai.request.model`,
  else `ai.model.id`. The Vercel AI SDK's provider-call spans (`ai.generateText.doGenerate`,
  `ai.streamText.doStream`) carry `gen_ai.usage.*` and are read; its outer `ai.generateText` span
  has only the steps' sum in `ai.usage.*`, and is not (double counting);
  project = resource `service.name`; time `startTimeUnixNano`; id `traceId:spanId`.
- Tags (`extra.tags`): `tag.tags` (bare tags), the `metadata` JSON attribute and `tag.NAME` /
  `metadata.NAME` attributes, resource then span (`_otlp.tags_sql`; OpenInference's reserved
  `tag.tags` and `metadata`, the GenAI conventions having no tag attribute).
- `source_line` is the file line; a line (batch) holds several spans, so several rows can share it.
"""

from __future__ import annotations

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    int_sql,
    is_bad_count,
    register,
    text_cols_sql,
    ts_sql,
    unreported_count_sql,
)
from llmcost.ingest._otlp import attr as _a
from llmcost.ingest._otlp import provider_sql, spans_head, spans_sql, tags_sql
from llmcost.ingest._tags import with_tags

INFERENCE_OPS = ("chat", "generate_content", "text_completion", "embeddings")


@register
class OtelGenaiSpansJsonl(Ingestor):
    name = "otel_genai_spans_jsonl"
    title = "OpenTelemetry GenAI spans, OTLP/JSON lines (Collector file exporter output)"
    obtain = (
        "Collector `file` exporter (`exporters: file: path: spans.jsonl`, format json) on a pipeline "
        "receiving your app's GenAI traces; rotated files are read one by one."
    )

    def sniff(self, head: bytes, name: str) -> bool:
        start = spans_head(head)
        # Spans marked with an OpenInference span kind are read by openinference_spans_jsonl.
        return start is not None and b'"gen_ai.' in start and b'"openinference.span.kind"' not in start

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        inp = f"coalesce({_a('gen_ai.usage.input_tokens')}, {_a('gen_ai.usage.prompt_tokens')})"
        out = f"coalesce({_a('gen_ai.usage.output_tokens')}, {_a('gen_ai.usage.completion_tokens')})"
        rd = (f"coalesce({_a('gen_ai.usage.cache_read.input_tokens')}, "
              f"{_a('gen_ai.usage.cache_read_input_tokens')})")
        wr = (f"coalesce({_a('gen_ai.usage.cache_creation.input_tokens')}, "
              f"{_a('gen_ai.usage.cache_creation_input_tokens')})")
        rs = _a("gen_ai.usage.reasoning.output_tokens")
        bad = " OR ".join(is_bad_count(x) for x in (inp, out, rd, wr, rs))
        i, r, w = int_sql(inp), f"coalesce({int_sql(rd)}, 0)", f"coalesce({int_sql(wr)}, 0)"
        prov = f"lower(coalesce({_a('gen_ai.provider.name')}, {_a('gen_ai.system')}, {_a('ai.model.provider')}))"
        ops = ", ".join(f"'{o}'" for o in INFERENCE_OPS)
        text_cols = text_cols_sql(ctx, _a("gen_ai.input.messages"), _a("gen_ai.output.messages"))
        extra = with_tags(
            f"json_object('operation', {_a('gen_ai.operation.name')}, 'span_name', sp ->> 'name')", tags_sql()
        )
        return f"""
        WITH {spans_sql(f)}
        SELECT source_line, raw,
          CASE WHEN NOT _ok THEN 'not valid JSON'
               WHEN {bad} THEN 'non-numeric or non-integer gen_ai.usage attribute'
               ELSE {unreported_count_sql(inp, out, 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens',
                                          output_required=False)}
          END AS error,
          _ok AND {inp} IS NULL AND {out} IS NULL AS skip,
          (sp ->> 'traceId') || ':' || (sp ->> 'spanId') AS event_id,
          'request' AS grain,
          {ts_sql("sp ->> 'startTimeUnixNano'")} AS ts,
          {provider_sql(prov)} AS provider,
          coalesce({_a('gen_ai.response.model')}, {_a('gen_ai.request.model')}, {_a('ai.model.id')}) AS model,
          service AS project,
          coalesce({_a('enduser.id')}, {_a('user.id')}) AS user_id,
          coalesce({_a('gen_ai.conversation.id')}, {_a('session.id')}) AS conversation_id,
          1 AS request_count,
          CASE WHEN {i} >= {r} + {w} THEN {i} - {r} - {w} ELSE {i} END AS input_tokens,
          {r} AS cache_read_tokens,
          {w} AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          {int_sql(out)} AS output_tokens,
          coalesce({int_sql(rs)}, 0) AS reasoning_tokens,
          {rd} IS NOT NULL OR {wr} IS NOT NULL AS cache_known,
          false AS batch,
          {_a('openai.response.service_tier')} AS service_tier,
          {extra} AS extra,
          {text_cols}
        FROM a
        WHERE NOT _ok OR {_a('gen_ai.operation.name')} IN ({ops})
           OR ({_a('gen_ai.operation.name')} IS NULL AND ({inp} IS NOT NULL OR {out} IS NOT NULL))
        """
