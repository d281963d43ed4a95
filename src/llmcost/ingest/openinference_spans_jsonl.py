"""OpenInference spans (Arize Phoenix's convention) in OTLP/JSON lines (Collector file exporter).

Why: OpenInference instrumentations (openinference-instrumentation-openai, -anthropic, -langchain,
-llama-index, ...) are what people send to Arize Phoenix; they name token counts `llm.token_count.*`
rather than OTel's `gen_ai.usage.*`, so the OTel GenAI reader sees no usage in them.

Field mapping (Arize-ai/openinference `spec/semantic_conventions.md`, Reserved Attributes; the
file layout is OTLP/JSON as in otel_genai_spans_jsonl, unnested by `_otlp.spans_sql`):

- Rows are spans with `openinference.span.kind` = `LLM` (a call to a model), and `EMBEDDING` spans
  that carry `llm.token_count.*`. CHAIN, AGENT, TOOL, RETRIEVER, ... spans are dropped: Phoenix
  rolls the LLM spans' counts up into them itself (its cumulative counts), so reading them would
  count twice.
- Token convention: `llm.token_count.prompt` INCLUDES the cached part. The spec defines
  `prompt_details.cache_read` as "the number of prompt tokens successfully retrieved from cache ...
  maps to `cached_tokens` in OpenAI responses" (a part of OpenAI's prompt_tokens) and
  `prompt_details.cache_write` as prompt tokens written to cache; `llm.token_count.total` is
  "including prompt and completion". OpenInference's own Strands processor rolls Anthropic-style
  counts up the same way ("Prompt aggregate includes cached tokens so prompt + completion ==
  total", openinference-instrumentation-strands-agents `tests/test_processor.py`). So input_tokens
  = prompt - cache_read - cache_write. Older openinference-instrumentation-anthropic releases
  copied Anthropic's cache-exclusive `usage.input_tokens` into the prompt count; as in
  otel_genai_spans_jsonl, a prompt smaller than read + write is taken as already uncached.
- `llm.token_count.completion` INCLUDES `completion_details.reasoning` (the spec's reasoning
  count is a detail of the completion, as OpenAI's completion_tokens_details): output_tokens =
  completion; reasoning_tokens = reasoning.
- model `llm.response.model_name`, else `llm.model_name` (else `llm.request.model_name`,
  `embedding.model_name`); an LLM span without any token count (a failed call, a stream read
  without usage) is read and counted as skipped; provider `llm.provider` (hosting provider, e.g. azure), else
  `llm.system`; conversation `session.id`; user `user.id`; `llm.cost.total` (a cost the
  instrumentation states, in USD) becomes reported_cost_usd.
- Tags (`extra.tags`): `tag.tags` (bare tags), the `metadata` JSON attribute and `tag.NAME` /
  `metadata.NAME` attributes, resource then span (`_otlp.tags_sql`; OpenInference's reserved
  `tag.tags` and `metadata`, the GenAI conventions having no tag attribute).
- project = resource `openinference.project.name` (the Phoenix project, openinference
  semantic-conventions `ResourceAttributes.PROJECT_NAME`), else `service.name`; time
  `startTimeUnixNano`; id `traceId:spanId`; text `input.value` / `output.value`.
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

TOKENS = "llm.token_count."


@register
class OpeninferenceSpansJsonl(Ingestor):
    name = "openinference_spans_jsonl"
    title = "OpenInference spans (Arize Phoenix), OTLP/JSON lines (Collector file exporter output)"
    obtain = (
        "Collector `file` exporter (format json) on the pipeline your OpenInference-instrumented app "
        "sends to Phoenix (add it beside the otlp exporter); rotated files are read one by one."
    )

    def sniff(self, head: bytes, name: str) -> bool:
        start = spans_head(head)
        return start is not None and b'"openinference.span.kind"' in start

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        p, c = _a(TOKENS + "prompt"), _a(TOKENS + "completion")
        rd, wr = _a(TOKENS + "prompt_details.cache_read"), _a(TOKENS + "prompt_details.cache_write")
        rs = _a(TOKENS + "completion_details.reasoning")
        cost = _a("llm.cost.total")
        bad = " OR ".join(is_bad_count(x) for x in (p, c, rd, wr, rs))
        i, r, w = int_sql(p), f"coalesce({int_sql(rd)}, 0)", f"coalesce({int_sql(wr)}, 0)"
        prov = f"lower(coalesce({_a('llm.provider')}, {_a('llm.system')}))"
        kind = f"upper({_a('openinference.span.kind')})"
        text_cols = text_cols_sql(ctx, _a("input.value"), _a("output.value"))
        extra = with_tags(f"json_object('span_kind', {kind}, 'span_name', sp ->> 'name')", tags_sql())
        return f"""
        WITH {spans_sql(f)}
        SELECT source_line, raw,
          CASE WHEN NOT _ok THEN 'not valid JSON'
               WHEN {bad} THEN 'non-numeric or non-integer llm.token_count attribute'
               WHEN TRY_CAST({cost} AS DECIMAL(38, 12)) IS NULL AND {cost} IS NOT NULL
                 THEN 'non-numeric llm.cost.total attribute'
               ELSE {unreported_count_sql(p, c, 'llm.token_count.prompt', 'llm.token_count.completion',
                                          output_required=False)}
          END AS error,
          _ok AND {p} IS NULL AND {c} IS NULL AS skip,
          (sp ->> 'traceId') || ':' || (sp ->> 'spanId') AS event_id,
          'request' AS grain,
          {ts_sql("sp ->> 'startTimeUnixNano'")} AS ts,
          {provider_sql(prov)} AS provider,
          coalesce({_a('llm.response.model_name')}, {_a('llm.model_name')}, {_a('llm.request.model_name')},
                   {_a('embedding.model_name')}) AS model,
          coalesce(ra['openinference.project.name'], service) AS project,
          {_a('user.id')} AS user_id,
          {_a('session.id')} AS conversation_id,
          1 AS request_count,
          CASE WHEN coalesce({i}, 0) >= {r} + {w} THEN coalesce({i}, 0) - {r} - {w}
               ELSE coalesce({i}, 0) END AS input_tokens,
          {r} AS cache_read_tokens,
          {w} AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          coalesce({int_sql(c)}, 0) AS output_tokens,
          coalesce({int_sql(rs)}, 0) AS reasoning_tokens,
          {rd} IS NOT NULL OR {wr} IS NOT NULL AS cache_known,
          false AS batch,
          TRY_CAST({cost} AS DECIMAL(38, 12)) AS reported_cost_usd,
          {extra} AS extra,
          {text_cols}
        FROM a
        WHERE NOT _ok OR {kind} = 'LLM'
           OR ({kind} = 'EMBEDDING' AND ({p} IS NOT NULL OR {c} IS NOT NULL))
        """
