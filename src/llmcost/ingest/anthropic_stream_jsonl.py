"""Anthropic Messages replies logged as they streamed: the server-sent events, one per line.

An app that streams (`stream=True`, or `client.messages.stream()`) and logs the events it receives
writes one line per event inside its own envelope, as anthropic_message_jsonl's bodies: the events,
like the bodies, carry no time, so the envelope's timestamp is needed. Field mapping
(formats-request-logs.md 5d, "Streaming: `message_start` carries input/cache usage,
`message_delta` the cumulative `output_tokens`"; anthropics/anthropic-sdk-python
`types/raw_message_start_event.py`, `raw_message_delta_event.py`, `message_delta_usage.py`):

- `message_start` holds the message (id, model) with its usage so far: the input and cache counts,
  and an output count of a token or so. `message_delta` holds the usage again, cumulative: always
  `output_tokens`, and in newer API versions the input, cache and server-tool counts too.
- One request per message: the delta belongs to the message started before it in the file (the
  events of one stream come in order; a delta after a `message_stop`, or before any start, has no
  message and is quarantined). The format is a snapshot format (`snapshots = True`): the stored
  request takes the per-field maximum of its start and its delta, so the final output count, and
  the start's line for its other fields (ingest/dedupe.py); the delta counts as its duplicate.
- A message whose start states no input (`input_tokens` null or missing) is quarantined whole:
  its start with INPUT_NOT_REPORTED, and its delta too unless the delta restates the input (newer
  API versions do); a delta stored alone read the input and the cache as 0.
- The other events (content blocks and their deltas, `ping`, `message_stop`, `error`) hold no usage
  and are neither read nor quarantined. A message whose stream has no `message_delta` (cut off) is
  stored with what its start says, as the API billed it so far: the output is then a lower bound.
- The rest is read as anthropic_message_jsonl reads a body (`rows_sql`): the Messages usage (input
  excludes the cache; output includes thinking), service tier, web searches. A streamed reply's
  text is spread over its deltas and is not kept, even with --keep-text.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from llmcost.ingest import (
    FAST_MODE_CHANGE,
    GEO_CHANGE,
    INPUT_NOT_REPORTED,
    IngestContext,
    Ingestor,
    InputFile,
    json_lines_sql,
    register,
    sql_str,
    text_fields,
)
from llmcost.ingest import _envelope as envelope
from llmcost.ingest.anthropic_message_jsonl import BODY_FIELDS, rows_sql

EVENTS = ("message_start", "message_delta", "message_stop", "content_block_start", "content_block_delta",
          "content_block_stop", "ping", "error")
"""The event types of a Messages stream (anthropic-sdk-python `types/raw_message_stream_event.py`)."""
DELTA_INPUT_NOT_REPORTED = (
    "message_delta of a message whose message_start states no input_tokens, and the delta does not "
    "restate it: the request's tokens are unknown, not 0. Fix: log the stream's message_start with its usage"
)
"""The reason a delta is quarantined with its start (see the `checks` of `query`)."""
USAGE_FIELDS = ("input_tokens", "cache_read", "cache_write", "write_5m", "write_1h", "output_tokens", "thinking",
                "web_search", "web_fetch")
"""The BODY_FIELDS a `message_delta` may restate (its `usage`, cumulative)."""


def _is_event(obj: Any) -> bool:
    """A Messages stream event: a `message_start` with its message, or another event of the stream."""
    if not isinstance(obj, dict) or obj.get("type") not in EVENTS:
        return False
    if obj["type"] == "message_start":
        message = obj.get("message")
        return isinstance(message, dict) and isinstance(message.get("usage"), dict)
    return obj["type"] != "error" or "error" in obj


@register
class AnthropicStreamJsonl(Ingestor):
    name = "anthropic_stream_jsonl"
    title = "Anthropic Messages streamed replies logged event by event (JSONL in an app envelope with a timestamp)"
    obtain = (
        "Log each event your `stream=True` call yields (`event.model_dump_json()`) inside "
        "{ts, session_id, user, data}; the events have no time of their own."
    )

    snapshots = True  # a message's start and its delta: the per-field maximum is the final usage
    reader_changes: ClassVar[dict[int, str]] = {2: FAST_MODE_CHANGE, 3: GEO_CHANGE}

    def sniff(self, head: bytes, name: str) -> bool:
        # the first event of a stream is its message_start: a head of events names one
        return envelope.find(head, _is_event) is not None and b'"message_start"' in head

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        env = envelope.find(f.head, _is_event) or envelope.Envelope(body_prefix="$")
        start = dataclasses.replace(env, body_prefix=env.body_prefix + ".message")
        fields = {
            **envelope.fields(start, BODY_FIELDS),
            **{f"d_{k}": env.body_prefix + BODY_FIELDS[k] for k in USAGE_FIELDS},
            "ev_type": env.body_prefix + ".type",
        }
        lines = json_lines_sql(f, text_fields(fields, ctx))
        # the message a line belongs to: the last one started before it, unless a message_stop came between
        owner = ("nullif(last_value(CASE WHEN ev_type = 'message_start' THEN coalesce(id, '') "
                 "WHEN ev_type = 'message_stop' THEN '' END IGNORE NULLS) OVER (ORDER BY source_line), '')")
        usage = ", ".join(f"coalesce({k}, d_{k}) AS {k}" for k in USAGE_FIELDS)
        # whether the message's start states its input: a delta that does not restate it counts
        # nothing but the output, so without the start's input the request's tokens are unknown
        kept = f"""
        SELECT * EXCLUDE ({", ".join(f"d_{k}" for k in USAGE_FIELDS)}) REPLACE ({usage}),
               coalesce(bool_or(ev_type = 'message_start' AND input_tokens IS NOT NULL) OVER (PARTITION BY id),
                        false) AS _start_input
        FROM (SELECT * REPLACE ({owner} AS id) FROM ({lines}))
        WHERE NOT _json_ok OR ev_type IN ('message_start', 'message_delta')"""
        checks = ("WHEN id IS NULL AND ev_type = 'message_delta' THEN 'message_delta without its message_start "
                  "(the stream was logged from its middle, or its start line is lost): it cannot be told which "
                  "message it counts'\n"
                  "           WHEN id IS NULL THEN 'message_start without a message id'\n"
                  # a start states the input; a delta states the output, and the input only in newer
                  # API versions: a message whose start has no input and whose delta does not restate
                  # it is quarantined whole (its delta stored alone read input and cache as 0)
                  "           WHEN ev_type = 'message_start' AND input_tokens IS NULL "
                  f"THEN {sql_str(INPUT_NOT_REPORTED)}\n"
                  "           WHEN ev_type = 'message_delta' AND input_tokens IS NULL AND NOT _start_input "
                  f"THEN {sql_str(DELTA_INPUT_NOT_REPORTED)}")
        return rows_sql(kept, f, ctx, checks=checks)
