"""One app log holding response bodies of two or three providers: OpenAI (Chat Completions,
Responses), Anthropic Messages and Gemini generateContent (an app that calls several and logs every
reply to one file, in one envelope).

Each provider counts cached input its own way (formats-request-logs.md 5a/5b, 5d, 5e): an OpenAI
`prompt_tokens` or Responses `input_tokens` INCLUDES the cached tokens, an Anthropic
`input_tokens` EXCLUDES cache reads and writes, a Gemini `promptTokenCount` INCLUDES
`cachedContentTokenCount` and leaves `thoughtsTokenCount` (billed as output) out of
`candidatesTokenCount`. A file is read by one format, and before this module the other
providers' rows were either quarantined as "no usage object", or, worse, an Anthropic body read as
an OpenAI Responses body (both say `input_tokens` and `output_tokens`): its cache reads and writes
were dropped, its cost understated.

Now:
- a file whose head (its first HEAD_RECORDS records) holds two or three kinds of body is read row
  by row: each body by its own reader's rules (each reader's `rows_sql`), whichever of the formats
  recognised the file;
- a body of a kind its head does not hold, further down, is quarantined with what it is and how to
  fix it (`stray_reason`; `STRAY_ANTHROPIC`, `STRAY_OPENAI` in a file of one kind), never read with
  the wrong rules. A file of one kind is read by its own reader as before: the check for another
  provider's body is tried only on a record without its own usage (a Gemini body has no `usage`,
  an OpenAI or Anthropic body no `usageMetadata`), or is the field test that was already there.

Which kind a body is: an Anthropic Messages body always has `"type": "message"`
(anthropics/anthropic-sdk-python `types/message.py`); OpenAI's Chat Completions and Responses
bodies have no `type` at the top level (their `object` is `chat.completion` or `response`) and a
`usage` object; a Gemini body has `usageMetadata` (`usage_metadata` in the Python SDK's dumps) and
no `usage` (googleapis/python-genai `types.py` `GenerateContentResponse`).

Gemini stream chunks: the Gemini rows of a mixed file are `gemini_generate_content_jsonl.rows_sql`
over every line of the file, so its chunk merge applies as in a Gemini log: chunks with one
`responseId` are one reply, and id-less chunks are one reply up to the chunk with a finishReason,
within one conversation (the envelope's session; `_replies_sql`). A line of another provider in
the same conversation ends the reply before it too, as any line that is no Gemini body does in a
Gemini log: id-less streams interleaved with other replies of their conversation are split at each
such line, each part counted as a request, an overcount, never an undercount (nothing says which
reply a chunk after another provider's line continues); another session's lines split nothing.
The chunks of one reply share an event id; a file read by a format that keeps the first row of an
id (OpenAI's, Anthropic's) would store the first, near-empty chunk, so the Gemini rows take the
per-field maximum over their reply here, as a snapshot format's rows do in the store
(`Ingestor.snapshots`, ingest/dedupe.py).
"""

from __future__ import annotations

from typing import Any

from llmcost.ingest import (
    INPUT_NOT_REPORTED,
    IngestContext,
    InputFile,
    json_lines,
    json_lines_sql,
    sql_str,
    text_fields,
)
from llmcost.ingest import _envelope as envelope
from llmcost.ingest import anthropic_message_jsonl as anthropic
from llmcost.ingest import gemini_generate_content_jsonl as gemini
from llmcost.ingest import openai_response_jsonl as openai
from llmcost.storage.schema import USAGE_TOKEN_COLUMNS

HEAD_RECORDS = 200
"""Records of the head looked at for the kinds of body."""

READERS: dict[str, Any] = {"anthropic": anthropic, "openai": openai, "gemini": gemini}
"""The reader module of each kind of body, in the order a body is tested (an Anthropic body first:
a Responses body's usage keys are Anthropic's too)."""
FORMATS = {
    anthropic.AnthropicMessageJsonl.name: "anthropic",
    openai.OpenAIResponseJsonl.name: "openai",
    gemini.GeminiGenerateContentJsonl.name: "gemini",
}
SNAPSHOTS = {
    "anthropic": anthropic.AnthropicMessageJsonl.snapshots,
    "openai": openai.OpenAIResponseJsonl.snapshots,
    "gemini": gemini.GeminiGenerateContentJsonl.snapshots,
}
NAMES = {"anthropic": "Anthropic Messages", "openai": "OpenAI", "gemini": "Gemini generateContent"}
ARTICLES = {"anthropic": "an", "openai": "an", "gemini": "a"}

TYPE_FIELD = {"body_type": ".type"}
OBJECT_FIELDS = {"body_object": ".object", "body_prompt": ".usage.prompt_tokens"}
GEMINI_USAGE = ("prompt_c", "prompt_s", "total_c", "total_s")
KIND_FIELDS = {
    **TYPE_FIELD,
    **OBJECT_FIELDS,
    "body_input": ".usage.input_tokens",
    **{f"body_gm_{k}": gemini.BODY_FIELDS[k] for k in GEMINI_USAGE},
}
"""What tells the kinds apart in a mixed file (KIND_SQL)."""
KIND_SQL = (
    "CASE WHEN body_type = 'message' THEN 'anthropic' "
    "WHEN body_object IN ('chat.completion', 'response') OR body_prompt IS NOT NULL OR body_input IS NOT NULL "
    f"THEN 'openai' WHEN {gemini.has_usage_sql('body_gm_')} THEN 'gemini' END"
)


def _raw_kind_sql(kind: str, body: str) -> str:
    """SQL on a line's `raw` text: its body (at JSON path `body`) is of `kind`. Tried only on a
    record without its reader's own usage (`strays`), whose raw text the loader always has (a
    quarantined row sends a file to the line path, commit.py `_stage`)."""
    if kind == "gemini":
        return (f"(json_exists(raw, {sql_str(body + '.usageMetadata')}) "
                f"OR json_exists(raw, {sql_str(body + '.usage_metadata')}))")
    if kind == "anthropic":
        return f"json_extract_string(raw, {sql_str(body + '.type')}) = 'message'"
    return (f"(json_extract_string(raw, {sql_str(body + '.object')}) IN ('chat.completion', 'response') "
            f"OR json_exists(raw, {sql_str(body + '.usage.prompt_tokens')}) "
            f"OR json_exists(raw, {sql_str(body + '.usage.input_tokens')}))")


_FIX = (f"Fix: the row is kept out of the totals, not lost. To count it, write each provider's replies to "
        f"its own file (a file whose first {HEAD_RECORDS} records hold two or more kinds of body, of OpenAI, "
        f"Anthropic and Gemini, is read row by row)")


def stray_reason(kind: str, read_as: set[str]) -> str:
    """The quarantine reason of a body of `kind` in a file read as bodies of the kinds `read_as`."""
    names = " and ".join(NAMES[k] for k in READERS if k in read_as)
    return (f"{ARTICLES[kind]} {NAMES[kind]} body in a file read as {names} bodies (its cache counts follow "
            f"other rules). {_FIX}")


STRAY_ANTHROPIC = "WHEN body_type = 'message' THEN " + sql_str(stray_reason("anthropic", {"openai"}))
STRAY_OPENAI = ("WHEN body_object IN ('chat.completion', 'response') OR body_prompt IS NOT NULL THEN "
                + sql_str(stray_reason("openai", {"anthropic"})))


def _bodies(obj: dict[str, Any]) -> list[Any]:
    return [obj, *(obj[k] for k in envelope.BODY_KEYS if isinstance(obj.get(k), dict))]


def kind_of(body: Any) -> str | None:
    """"anthropic", "openai", "gemini" or None: which reader's body `body` is."""
    return next((k for k, mod in READERS.items() if mod.is_body(body)), None)


def kinds(head: bytes) -> set[str]:
    """Which kinds of body ("openai", "anthropic", "gemini") the head's first HEAD_RECORDS records hold."""
    seen: set[str] = set()
    for obj in json_lines(head, limit=HEAD_RECORDS):
        for body in _bodies(obj):
            k = kind_of(body)
            if k is not None:
                seen.add(k)
    return seen


def is_mixed(head: bytes) -> bool:
    return len(kinds(head)) >= 2


def is_body(obj: Any) -> bool:
    return kind_of(obj) is not None


def batch_shape(head: bytes) -> str:
    """The envelope, and the kinds of a mixed file: a batch is read in one mode, with one set of kinds."""
    mixed = "+mixed:" + ",".join(sorted(kinds(head))) if is_mixed(head) else ""
    return envelope.shape(head, is_body) + mixed


def query(f: InputFile, ctx: IngestContext, primary: str) -> str:
    """The query of `primary` (a format of FORMATS) for `f`: its bodies and the other kinds of its
    head row by row where its head mixes them, else its own with any other kind quarantined."""
    if is_mixed(f.head):
        return rows_sql(f, ctx, primary)
    own = FORMATS[primary]
    extra: dict[str, str] = {}
    checks, told = "", {own}
    if own == "anthropic":  # a Responses body states Anthropic's main counts: told apart by its fields
        extra, checks, told = OBJECT_FIELDS, STRAY_OPENAI, {own, "openai"}
    elif own == "openai":  # an Anthropic body states a Responses body's main counts
        extra, checks, told = TYPE_FIELD, STRAY_ANTHROPIC, {own, "anthropic"}
    mod = READERS[own]
    env = envelope.find(f.head, mod.is_body) or envelope.Envelope(body_prefix="$")
    # the other kinds, tried on a record without this reader's usage only: no field is read for them
    strays = " ".join(f"WHEN {_raw_kind_sql(k, env.body_prefix)} THEN {sql_str(stray_reason(k, {own}))}"
                      for k in READERS if k not in told)
    fields = text_fields(envelope.fields(env, mod.BODY_FIELDS | extra), ctx)
    return str(mod.rows_sql(json_lines_sql(f, fields), f, ctx, checks=checks, strays=strays))


def rows_sql(f: InputFile, ctx: IngestContext, primary: str) -> str:
    """The canonical rows of a mixed file: each body of a kind its head holds by that kind's reader
    (KIND_SQL tells them apart). A line that is none of them (no usage, not JSON) goes to the
    `primary` format's reader, which quarantines it as it would; a body of a kind the head does not
    hold goes there too and is quarantined with what it is (`stray_reason`)."""
    head_kinds = kinds(f.head)
    own = FORMATS[primary]
    env = envelope.find(f.head, is_body) or envelope.Envelope(body_prefix="$")
    per_kind = {k: text_fields(envelope.fields(env, READERS[k].BODY_FIELDS), ctx)
                for k in READERS if k in head_kinds}
    fields: dict[str, str | None] = dict(text_fields(envelope.fields(env, KIND_FIELDS), ctx))
    for k, names in per_kind.items():
        fields |= {f"{k}_{n}": p for n, p in names.items() if not n.startswith("env_")}
    strays = " ".join(f"WHEN _kind = '{k}' THEN {sql_str(stray_reason(k, head_kinds))}"
                      for k in READERS if k not in head_kinds)
    in_head = ", ".join(sql_str(k) for k in sorted(head_kinds))
    route = f"coalesce(CASE WHEN _kind IN ({in_head}) THEN _kind END, {sql_str(own)})"

    def renamed(kind: str, where: str) -> str:
        cols = ", ".join(f"{kind}_{n} AS {n}" for n in per_kind[kind] if not n.startswith("env_"))
        return f"SELECT *, {cols} FROM mixed_lines WHERE {where}"

    parts = []
    if "openai" in head_kinds:
        parts.append(openai.rows_sql(renamed("openai", "_route = 'openai'"), f, ctx, checks=strays))
    if "anthropic" in head_kinds:
        checks = strays
        if SNAPSHOTS[own]:  # validate.py leaves a snapshot format's unstated input to its reader
            checks += f" WHEN input_tokens IS NULL AND output_tokens IS NOT NULL THEN {sql_str(INPUT_NOT_REPORTED)}"
        parts.append(anthropic.rows_sql(renamed("anthropic", "_route = 'anthropic'"), f, ctx, checks=checks))
    if "gemini" in head_kinds:
        # over every line, so that another provider's line ends an id-less reply as in a Gemini log
        every = gemini.rows_sql(renamed("gemini", "true"), f, ctx, checks=strays, carry=("_route",))
        rows = f"SELECT * EXCLUDE (_route) FROM ({every}) WHERE _route = 'gemini'"
        if not SNAPSHOTS[own]:
            rows = _snapshot_max(rows, f)
        parts.append(rows)
    union = " UNION ALL BY NAME ".join(f"SELECT * FROM ({p})" for p in parts)
    return (f"WITH mixed_lines AS MATERIALIZED (SELECT *, {route} AS _route FROM "
            f"(SELECT *, {KIND_SQL} AS _kind FROM ({json_lines_sql(f, fields)}))) {union}")


def _snapshot_max(rows: str, f: InputFile) -> str:
    """`rows` (Gemini's) with each token count the maximum over the valid rows of its reply (one
    event id in one file): what the store keeps of a snapshot format's rows (ingest/dedupe.py),
    for a file read by a format that keeps an id's first row."""
    reply = f"PARTITION BY {f.name_sql()}, event_id"
    cols = ", ".join(
        f"CASE WHEN error IS NULL AND event_id IS NOT NULL "
        f"THEN max(CASE WHEN error IS NULL THEN {c} END) OVER ({reply}) ELSE {c} END AS {c}"
        for c in USAGE_TOKEN_COLUMNS
    )
    return f"SELECT * REPLACE ({cols}) FROM ({rows})"
