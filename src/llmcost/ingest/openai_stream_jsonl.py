"""OpenAI replies logged as they streamed: Chat Completions chunks or Responses API stream events.

An app that streams (`stream=True`) and logs what it receives writes one line per chunk or event,
bare or inside its own envelope like the bodies of openai_response_jsonl. Field mapping
(formats-request-logs.md 5a/5b; openai/openai-python `types/chat/chat_completion_chunk.py`,
`types/responses/response_stream_event.py`):

- Chat Completions: every chunk of a reply has the reply's `id`, `created` and `model`; the usage
  comes "only in the last chunk and only with stream_options.include_usage" (reference 5a), a chunk
  with `choices: []` and the same usage object as a whole body (prompt_tokens includes the cached
  tokens, completion_tokens the reasoning). OpenAI-compatible servers that repeat a growing usage on
  every chunk (vLLM's continuous usage stats) are read the same way: the format is a snapshot format
  (`snapshots = True`), so the stored request takes the per-field maximum of its usage lines, the
  largest being the final count (ingest/dedupe.py).
- Responses API: the `response.completed` event (or `response.incomplete` / `response.failed`, which
  are billed too) carries the whole response with its `usage`; `response.created` and
  `response.in_progress` carry it with `usage: null`; delta events carry no response at all.
- One request per reply id (`id`, or `response.id`). The lines that are not its usage (text and
  tool-call deltas, the created and in-progress events) are neither read nor quarantined, as a
  transcript's user lines are not. Nor is a chunk with an empty `id`: Azure OpenAI's content-filter
  annotations (`"id": "", "object": "", "choices": []` with `prompt_filter_results`, Azure
  "Content filtering", streaming) belong to no reply; they were read as one reply without usage
  and quarantined. A reply whose stream has no usage line (cut off, or streamed
  without include_usage) has unknown tokens: its first line is quarantined with that reason, never
  stored as 0.
- Everything else (time, model, provider, envelope, cache and reasoning counts, web and file search
  calls) is read as openai_response_jsonl reads a body (`rows_sql`). A streamed reply's text is
  spread over its deltas and is not kept, even with --keep-text; nor is its count of tool calls,
  which are streamed as deltas too (NULL: unknown).
"""

from __future__ import annotations

import dataclasses

from llmcost.ingest import IngestContext, Ingestor, InputFile, json_lines, json_lines_sql, register, text_fields
from llmcost.ingest import _envelope as envelope
from llmcost.ingest.openai_response_jsonl import BODY_FIELDS, is_stream_part, rows_sql

NO_USAGE = ("streamed reply without usage: no chunk with usage and no response.completed event (the stream was cut "
            "off, or requested without stream_options.include_usage), so its tokens are unknown, not 0")
_HAS_USAGE = ("(prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL OR resp_input_tokens IS NOT NULL "
              "OR resp_output_tokens IS NOT NULL)")


def _responses_events(head: bytes, env: envelope.Envelope) -> bool:
    """The stream in `head` is made of Responses API events (else Chat Completions chunks)."""
    key = env.body_prefix[2:] if env.body_prefix != "$" else None
    for obj in json_lines(head, limit=3):
        record = obj.get(key) if key is not None else obj
        if isinstance(record, dict) and is_stream_part(record):
            return record.get("object") != "chat.completion.chunk"
    return False


@register
class OpenAIStreamJsonl(Ingestor):
    name = "openai_stream_jsonl"
    title = "OpenAI streamed replies logged chunk by chunk (Chat Completions chunks, Responses API events; JSONL)"
    obtain = (
        "Log each chunk or event your `stream=True` call yields (`chunk.model_dump_json()`), one per line, bare or in "
        "{ts, session_id, user, data}; request usage with stream_options={'include_usage': True}."
    )

    snapshots = True  # a server may restate a growing usage on every chunk: the largest counts

    def sniff(self, head: bytes, name: str) -> bool:
        return envelope.find(head, is_stream_part) is not None

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        env = envelope.find(f.head, is_stream_part) or envelope.Envelope(body_prefix="$")
        # a Responses event holds its response under `response`: the body's fields are read there
        body = dataclasses.replace(env, body_prefix=env.body_prefix + ".response") \
            if _responses_events(f.head, env) else env
        lines = json_lines_sql(f, text_fields(envelope.fields(body, BODY_FIELDS), ctx))
        # one reply per id: its usage lines, or its first line when none of its lines has usage
        kept = f"""
        SELECT * EXCLUDE (_first, _any)
               REPLACE (CASE WHEN object = 'chat.completion.chunk' THEN 'chat.completion' ELSE object END AS object)
        FROM (
            SELECT *, row_number() OVER (PARTITION BY id ORDER BY source_line) = 1 AS _first,
                   bool_or({_HAS_USAGE}) OVER (PARTITION BY id) AS _any
            FROM ({lines})
        )
        WHERE NOT _json_ok OR (id <> '' AND ({_HAS_USAGE} OR (_first AND NOT _any)))"""
        return rows_sql(kept, f, ctx, no_usage=NO_USAGE)
