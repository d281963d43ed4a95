"""One app log holding both OpenAI and Anthropic response bodies (an app that calls both and logs
every reply to one file, in one envelope).

Each provider counts cached input its own way (formats-request-logs.md 5a/5b against 5d): an
OpenAI `prompt_tokens` or Responses `input_tokens` INCLUDES the cached tokens, an Anthropic
`input_tokens` EXCLUDES cache reads and writes. A file is read by one format, and before this
module the other provider's rows were either quarantined as "no usage object" or, worse, an
Anthropic body read as an OpenAI Responses body (both say `input_tokens` and `output_tokens`): its
cache reads and writes were dropped, its cost understated.

Now:
- a file whose head holds both kinds of body is read row by row: each body by its own provider's
  rules (`rows_sql`), whichever of the two formats recognised the file;
- in a file whose head holds one kind, a body of the other kind further down is quarantined with
  what it is and how to fix it (`STRAY_ANTHROPIC`, `STRAY_OPENAI`), never read with the wrong rules.

An Anthropic Messages body always has `"type": "message"` (anthropics/anthropic-sdk-python
`types/message.py`); OpenAI's Chat Completions and Responses bodies have no `type` at the top
level (their `object` is `chat.completion` or `response`).
"""

from __future__ import annotations

from typing import Any

from llmcost.ingest import IngestContext, InputFile, json_lines, json_lines_sql, sql_str, text_fields
from llmcost.ingest import _envelope as envelope
from llmcost.ingest import anthropic_message_jsonl as anthropic
from llmcost.ingest import openai_response_jsonl as openai

HEAD_RECORDS = 200
"""Records of the head looked at for the two kinds of body."""

TYPE_FIELD = {"body_type": ".type"}
OBJECT_FIELDS = {"body_object": ".object", "body_prompt": ".usage.prompt_tokens"}

_FIX = (f"Fix: the row is kept out of the totals, not lost. To count it, write each provider's replies to "
        f"its own file (a file whose first {HEAD_RECORDS} records hold both kinds is read row by row)")
STRAY_ANTHROPIC = "WHEN body_type = 'message' THEN " + sql_str(
    f"an Anthropic Messages body in a file read as OpenAI bodies (its cache counts follow other rules). {_FIX}")
STRAY_OPENAI = "WHEN body_object IN ('chat.completion', 'response') OR body_prompt IS NOT NULL THEN " + sql_str(
    f"an OpenAI body in a file read as Anthropic Messages bodies (its cache counts follow other rules). {_FIX}")


def _bodies(obj: dict[str, Any]) -> list[Any]:
    return [obj, *(obj[k] for k in envelope.BODY_KEYS if isinstance(obj.get(k), dict))]


def kinds(head: bytes) -> set[str]:
    """Which kinds of body ("openai", "anthropic") the head's first HEAD_RECORDS records hold."""
    seen: set[str] = set()
    for obj in json_lines(head, limit=HEAD_RECORDS):
        for body in _bodies(obj):
            if anthropic.is_body(body):
                seen.add("anthropic")
            elif openai.is_body(body):
                seen.add("openai")
    return seen


def is_mixed(head: bytes) -> bool:
    return len(kinds(head)) == 2


def is_body(obj: Any) -> bool:
    return openai.is_body(obj) or anthropic.is_body(obj)


def batch_shape(head: bytes) -> str:
    """The envelope, and whether the file is mixed: a batch is read in one mode."""
    return envelope.shape(head, is_body) + ("+mixed" if is_mixed(head) else "")


def query(f: InputFile, ctx: IngestContext, primary: str) -> str:
    """The query of `primary` (openai_response_jsonl or anthropic_message_jsonl) for `f`: both kinds
    row by row where its head mixes them, else its own with the other kind quarantined."""
    if is_mixed(f.head):
        return rows_sql(f, ctx, primary)
    if primary == anthropic.AnthropicMessageJsonl.name:
        own: Any = anthropic
        extra, checks = OBJECT_FIELDS, STRAY_OPENAI
    else:
        own, extra, checks = openai, TYPE_FIELD, STRAY_ANTHROPIC
    env = envelope.find(f.head, own.is_body) or envelope.Envelope(body_prefix="$")
    fields = text_fields(envelope.fields(env, own.BODY_FIELDS | extra), ctx)
    return str(own.rows_sql(json_lines_sql(f, fields), f, ctx, checks=checks))


def rows_sql(f: InputFile, ctx: IngestContext, primary: str) -> str:
    """The canonical rows of a mixed file: Anthropic bodies (`type` "message") by
    anthropic_message_jsonl's rules, the others by openai_response_jsonl's. A line that is neither
    (no usage, not JSON) goes to the `primary` format's reader, which quarantines it as it would."""
    env = envelope.find(f.head, is_body) or envelope.Envelope(body_prefix="$")
    oa = text_fields(envelope.fields(env, openai.BODY_FIELDS), ctx)
    an = text_fields(envelope.fields(env, anthropic.BODY_FIELDS), ctx)
    fields: dict[str, str | None] = {k: v for k, v in oa.items() if k.startswith("env_")}
    fields |= {f"oa_{k}": v for k, v in oa.items() if not k.startswith("env_")}
    fields |= {f"an_{k}": v for k, v in an.items() if not k.startswith("env_")}
    fields["body_type"] = env.body_prefix + TYPE_FIELD["body_type"]
    is_anthropic = "coalesce(body_type = 'message', false)"
    is_openai = ("coalesce(oa_object IN ('chat.completion', 'response') OR oa_prompt_tokens IS NOT NULL "
                 "OR oa_resp_input_tokens IS NOT NULL, false)")
    if primary == anthropic.AnthropicMessageJsonl.name:
        to_openai = f"NOT {is_anthropic} AND {is_openai}"
    else:
        to_openai = f"NOT {is_anthropic}"

    def renamed(prefix: str, names: dict[str, str | None], where: str) -> str:
        cols = ", ".join(f"{prefix}{k} AS {k}" for k in names if not k.startswith("env_"))
        return f"SELECT *, {cols} FROM mixed_lines WHERE {where}"

    oa_rows = openai.rows_sql(renamed("oa_", oa, to_openai), f, ctx)
    an_rows = anthropic.rows_sql(renamed("an_", an, f"NOT ({to_openai})"), f, ctx)
    return (f"WITH mixed_lines AS MATERIALIZED ({json_lines_sql(f, fields)}) "
            f"SELECT * FROM ({oa_rows}) UNION ALL BY NAME SELECT * FROM ({an_rows})")
