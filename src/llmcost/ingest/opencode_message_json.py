"""OpenCode session messages (`~/.local/share/opencode/storage/message/<session>/<message>.json`).

Why: OpenCode is, after Claude Code and Codex, the coding agent whose local logs people most often
point a cost tool at (ccusage reads it); each message is one small pretty-printed JSON file.

Field mapping (OpenCode's `AssistantMessage` type in `@opencode-ai/sdk` `types.gen.d.ts`, and
`Session.getUsage` in `packages/opencode/src/session/`; storage layout as OpenCode's `Global.Path`
lays it out under `$XDG_DATA_HOME/opencode/storage/`):

- one file = one message `{id, sessionID, role, time: {created, completed}, modelID, providerID,
  cost, tokens: {input, output, reasoning, cache: {read, write}}, ...}`; `time.created` is epoch
  milliseconds.
- Token convention (getUsage): `tokens.input` is the uncached input (the provider's input minus
  cache reads and writes), `cache.read` and `cache.write` the cached parts, and `tokens.output`
  EXCLUDES `tokens.reasoning` (getUsage stores outputTokens - reasoningTokens and prices the
  reasoning at the output price separately). Canonical: input_tokens = input; cache_read_tokens =
  cache.read; cache_write_tokens = cache.write (no 1-hour split is stored); output_tokens =
  output + reasoning; reasoning_tokens = reasoning. OpenCode versions before the AI SDK 6 change
  stored `output` = the SDK's outputTokens as it came; their files cannot be told apart, so this
  rule is applied to every file (documented in docs/formats-request-logs.md).
- `cost` is OpenCode's own estimate from its model catalog: `reported_cost_usd` (a source-stated
  cost, like Claude Code's `costUSD`), never the bill.
- A user message (`role = "user"`) is read and counted as skipped: it is not a model call.
- event_id = `opencode:` + message id; conversation_id = sessionID; provider = providerID (as
  OpenCode names it: anthropic, openai, github-copilot, openrouter, ...); model = modelID.

New files are read in batches: one scan over the list of a run's new message files (`batchable`).
"""

from __future__ import annotations

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    JsonFields,
    batch_cols,
    first_json,
    json_objects_sql,
    register,
)


@register
class OpencodeMessageJson(Ingestor):
    name = "opencode_message_json"
    title = "OpenCode session messages (~/.local/share/opencode/storage/message/**/*.json)"
    obtain = ("Already on disk: point --logs at ~/.local/share/opencode/storage/message "
              "(or $XDG_DATA_HOME/opencode/storage/message).")
    batchable = True

    def sniff(self, head: bytes, name: str) -> bool:
        obj = first_json(head)
        if isinstance(obj, dict):
            return (obj.get("role") in ("assistant", "user") and isinstance(obj.get("sessionID"), str)
                    and isinstance(obj.get("time"), dict)
                    and str(obj.get("id", "")).startswith("msg_"))
        if isinstance(obj, str):  # a message cut by the head limit: look for its keys
            return '"sessionID"' in obj and '"role"' in obj and '"id": "msg_' in obj.replace('":"', '": "')
        return False

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        n = JsonFields("j").text
        return f"""
        SELECT source_line, CAST(j AS VARCHAR) AS raw, {batch_cols(f)}
          {message_columns("j", n("$.id"), n("$.sessionID"), "NULL", "NULL")}
        FROM (SELECT *, raw AS j FROM ({json_objects_sql(f, 67108864)}))
        """


def message_columns(j: str, message_id: str, session_id: str, created_ms: str, directory: str) -> str:
    """SQL: the canonical columns of an OpenCode message, the JSON `j` (NULL when it is not valid
    JSON), from `error` on (the module docstring's mapping), for this reader and
    `opencode_db_sqlite` alike. `message_id`, `session_id`: SQL of its ids (the database keeps them
    beside the JSON); `created_ms`: epoch ms when `time.created` is missing; `directory`: the
    project when `path.root` is missing."""
    js = JsonFields(j)
    n, tok = js.text, js.count
    bad = js.bad_counts(("$.tokens.input", "$.tokens.output", "$.tokens.reasoning", "$.tokens.cache.read",
                         "$.tokens.cache.write"))
    return f"""CASE WHEN {j} IS NULL OR json_type({j}) <> 'OBJECT' THEN 'not a JSON object'
               WHEN {n('$.role')} IS DISTINCT FROM 'assistant' AND {n('$.role')} IS DISTINCT FROM 'user'
                 THEN 'role is neither assistant nor user'
               WHEN {n('$.role')} = 'assistant' AND ({bad}) THEN 'non-numeric or non-integer token count'
               WHEN {n('$.role')} = 'assistant'
                    AND coalesce(json_type(json_extract({j}, '$.tokens')), 'NULL') <> 'OBJECT'
                 THEN 'assistant message without tokens'
          END AS error,
          coalesce({n('$.role')} = 'user', false) AS skip,
          'opencode:' || {message_id} AS event_id,
          'request' AS grain,
          make_timestamptz(coalesce(TRY_CAST({n('$.time.created')} AS BIGINT), {created_ms}) * 1000) AS ts,
          lower(nullif({n('$.providerID')}, '')) AS provider,
          nullif({n('$.modelID')}, '') AS model,
          {session_id} AS conversation_id,
          1 AS request_count,
          {tok('$.tokens.input')} AS input_tokens,
          coalesce({tok('$.tokens.cache.read')}, 0) AS cache_read_tokens,
          coalesce({tok('$.tokens.cache.write')}, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          {tok('$.tokens.output')} + coalesce({tok('$.tokens.reasoning')}, 0) AS output_tokens,
          coalesce({tok('$.tokens.reasoning')}, 0) AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          TRY_CAST({n('$.cost')} AS DECIMAL(38, 12)) AS reported_cost_usd,
          coalesce(nullif({n('$.path.root')}, ''), nullif({directory}, '')) AS project"""
