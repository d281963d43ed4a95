"""Apps log provider response bodies either bare or inside their own envelope.

The envelope is whatever the app wrote around the body: a timestamp, a conversation or session
id, a user. The body sits under a key such as `response` or `body`
(reference: formats-request-logs.md section 5, "the adapter should accept bare body and wrapper
with a body field"). The envelope layout is read once per file: the body's place from its first
body, the envelope keys from its first ENVELOPE_LINES records (a record may leave out a key the
others have).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from llmcost.ingest import json_lines
from llmcost.ingest.litellm_standard_payload_json import is_payload

BODY_KEYS = ("response", "body", "data", "result")
TS_KEYS = ("ts", "timestamp", "time", "created_at", "logged_at", "request_time", "start_time")
CONVERSATION_KEYS = ("conversation_id", "session_id", "thread_id", "conversation", "session", "chat_id")
TURN_KEYS = ("turn", "turn_index")
USER_KEYS = ("user_id", "user", "end_user")
PROJECT_KEYS = ("project", "project_id", "app", "workspace")
KEY_KEYS = ("api_key", "api_key_id", "key")
PROVIDER_KEYS = ("provider",)
# The endpoint the app called, where its wrapper records it: tells Gemini's OpenAI-compatible
# endpoint (https://generativelanguage.googleapis.com/v1beta/openai/, ai.google.dev "OpenAI
# compatibility"; Vertex AI's .../endpoints/openapi on aiplatform.googleapis.com) from OpenAI's.
URL_KEYS = ("base_url", "api_base", "endpoint", "url")


@dataclass(frozen=True)
class Envelope:
    """Where the body sits (`body_prefix`, a JSON path) and which envelope keys the file uses."""

    body_prefix: str
    ts: str | None = None
    conversation: str | None = None
    turn: str | None = None
    user: str | None = None
    project: str | None = None
    api_key: str | None = None
    provider: str | None = None
    request: str | None = None
    url: str | None = None


def _first(obj: dict[str, Any], keys: tuple[str, ...], scalar: bool = True) -> str | None:
    for k in keys:
        if k in obj and (not scalar or not isinstance(obj[k], dict | list)):
            return f"$.{k}"
    return None


ENVELOPE_LINES = 20
"""Records of the head whose envelope keys are read (the body's place is the first body's)."""


def _keys(head: bytes, k: str, first: dict[str, Any]) -> dict[str, Any]:
    """The envelope keys of the head's records that hold a body under `k`, each with its first
    non-null value: an app that writes no null fields (pydantic `exclude_none`, Go `omitempty`)
    leaves a key out of a record, and the file's envelope was the first record's alone (a first
    request made before its session had no `session_id`: every row of the file lost its session)."""
    merged = dict(first)
    for obj in json_lines(head, limit=ENVELOPE_LINES):
        if isinstance(obj.get(k), dict):
            for key, v in obj.items():
                if merged.get(key) is None:
                    merged[key] = v
    return merged


NOT_AN_ENVELOPE = (
    "a LiteLLM StandardLoggingPayload (its reply under `response`) is read by litellm_standard_payload_json; "
    "before, it was read as an app envelope around that reply: no cost, a LiteLLM cache hit a duplicate, a "
    "Claude reply through /chat/completions given to OpenAI"
)
"""The `Ingestor.reader_changes` entry of the formats that read bodies in an envelope (`find`): a
file they stored that is a LiteLLM payload is read again, by its own format."""


def find(head: bytes, is_body: Callable[[Any], bool]) -> Envelope | None:
    """The envelope of the first record whose body satisfies `is_body`, or None.

    A LiteLLM StandardLoggingPayload is no envelope, though it holds the reply under `response`:
    its own format reads it (litellm_standard_payload_json). Read as an envelope, its reply's usage
    lost LiteLLM's cost, its response-cache flag (a cache hit was a duplicate of the request it
    answered from) and the provider (a Claude reply through /chat/completions was OpenAI's)."""
    for obj in json_lines(head, limit=3):
        if is_payload(obj):
            continue
        if is_body(obj):
            return Envelope(body_prefix="$")
        for k in BODY_KEYS:
            body = obj.get(k)
            if isinstance(body, dict) and is_body(body):
                obj = _keys(head, k, obj)
                return Envelope(
                    body_prefix=f"$.{k}",
                    ts=_first(obj, TS_KEYS),
                    conversation=_first(obj, CONVERSATION_KEYS),
                    turn=_first(obj, TURN_KEYS),
                    user=_first(obj, USER_KEYS),
                    project=_first(obj, PROJECT_KEYS),
                    api_key=_first(obj, KEY_KEYS),
                    provider=_first(obj, PROVIDER_KEYS),
                    request="$.request" if isinstance(obj.get("request"), dict) else None,
                    url=_first(obj, URL_KEYS),
                )
    return None


def shape(head: bytes, is_body: Callable[[Any], bool]) -> str:
    """The envelope of `head` as text (`Ingestor.batch_shape`): files whose bodies sit at the same
    paths may be read by one query."""
    return repr(find(head, is_body) or Envelope(body_prefix="$"))


def fields(env: Envelope, body_fields: dict[str, str]) -> dict[str, str | None]:
    """JSON paths for the body fields (relative to the body, starting with '.') plus the envelope's."""
    out: dict[str, str | None] = {name: env.body_prefix + path for name, path in body_fields.items()}
    for name in ("ts", "conversation", "turn", "user", "project", "api_key", "provider", "request", "url"):
        path = getattr(env, name)
        out[f"env_{name}"] = path  # None: the file's envelope has no such key
    return out
