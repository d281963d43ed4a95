"""Gemini CLI chat recordings (`~/.gemini/tmp/<project_hash>/chats/session-*.json`).

Why: Gemini CLI records every session on disk by default; it is one of the agents a cost tool
is pointed at beside Claude Code, Codex and OpenCode.

Field mapping (google-gemini/gemini-cli `packages/core/src/services/chatRecordingService.ts`,
`ConversationRecord` and `recordMessageTokens`): a session file is one JSON document
`{sessionId, projectHash, startTime, lastUpdated, messages: [...]}`; each message is
`{id, timestamp, type, content, model?, tokens?, thoughts?, toolCalls?}` with `type` one of
`user`, `gemini`, `info`, `error`, `warning`. A `gemini` message's `tokens` copy the API's
usageMetadata: `input` = promptTokenCount, `output` = candidatesTokenCount, `cached` =
cachedContentTokenCount, `thoughts` = thoughtsTokenCount, `tool` = toolUsePromptTokenCount,
`total` = totalTokenCount.

- Token convention (as `gemini_generate_content_jsonl`, the same API): promptTokenCount INCLUDES
  the cached tokens, candidatesTokenCount EXCLUDES the thoughts. input_tokens = input - cached +
  tool; cache_read_tokens = cached; output_tokens = output + thoughts; reasoning_tokens =
  thoughts; no cache writes are reported (implicit caching has no write charge).
- One row per `gemini` message with `tokens`; a `gemini` message without them (a reply cut off
  before its usage arrived) is read and counted as skipped; user, info, error and warning
  messages are not rows.
- event_id = `gemini-cli:` + sessionId + `:` + message id; conversation_id = sessionId; provider
  google; model = the message's `model` (unknown when absent: left NULL, so it is unpriced, never
  $0); ts = the message's `timestamp`; project = projectHash (the CLI stores no path).

New files are read in batches (one scan over a run's new session files), each file's messages
unnested from its own document.
"""

from __future__ import annotations

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    JsonFields,
    batch_cols,
    first_json,
    has_keys,
    json_objects_sql,
    register,
    ts_sql,
)


def token_columns(input_: str, cached: str, tool: str, output: str, thoughts: str,
                  thoughts_in_output: str = "false") -> str:
    """SQL: the canonical token columns of a Gemini CLI message from its `tokens` counts (SQL
    integer expressions), the module docstring's mapping; for the `.json` and `.jsonl` readers and
    for Qwen Code's chat recordings (`qwen_code_chat_jsonl`), whose usageMetadata are the same
    counts. `thoughts_in_output`, a SQL condition, is true where the output count already includes
    the thoughts (an OpenAI-compatible reply converted to usageMetadata): they are not added again."""
    return f"""{input_} - coalesce({cached}, 0) + coalesce({tool}, 0) AS input_tokens,
          coalesce({cached}, 0) AS cache_read_tokens,
          0 AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          coalesce({output}, 0) + CASE WHEN {thoughts_in_output} THEN 0 ELSE coalesce({thoughts}, 0) END
            AS output_tokens,
          coalesce({thoughts}, 0) AS reasoning_tokens"""


@register
class GeminiCliSessionJson(Ingestor):
    name = "gemini_cli_session_json"
    title = "Gemini CLI chat recordings (~/.gemini/tmp/<project>/chats/session-*.json)"
    obtain = "Already on disk: point --logs at ~/.gemini/tmp (each project's chats/ folder holds its sessions)."
    batchable = True

    def sniff(self, head: bytes, name: str) -> bool:
        obj = first_json(head)
        if isinstance(obj, dict):
            return (isinstance(obj.get("sessionId"), str) and "projectHash" in obj
                    and isinstance(obj.get("messages"), list))
        if isinstance(obj, str):  # a long session cut by the head limit: look for its keys
            return has_keys(obj, '"sessionId":"', '"projectHash":"', '"messages":[')
        return False

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        js = JsonFields("m")
        s, tok = js.text, js.count
        bad = js.bad_counts(("$.tokens.input", "$.tokens.output", "$.tokens.cached", "$.tokens.thoughts",
                             "$.tokens.tool"))
        return f"""
        WITH doc AS (
          SELECT {batch_cols(f)}raw AS d FROM ({json_objects_sql(f, 268435456)})
        ),
        msgs AS (
          SELECT {batch_cols(f)}json_extract_string(d, '$.sessionId') AS session_id,
                 json_extract_string(d, '$.projectHash') AS project_hash,
                 unnest(json_extract(d, '$.messages[*]')) AS m,
                 generate_subscripts(json_extract(d, '$.messages[*]'), 1) AS source_line
          FROM doc
        )
        SELECT source_line, CAST(m AS VARCHAR) AS raw, {batch_cols(f)}
          CASE WHEN {bad} THEN 'non-numeric or non-integer token count'
               WHEN {tok('$.tokens.cached')} > {tok('$.tokens.input')} THEN 'cached tokens exceed input tokens'
          END AS error,
          json_extract(m, '$.tokens') IS NULL AS skip,
          'gemini-cli:' || session_id || ':' || coalesce({s('$.id')}, CAST(source_line AS VARCHAR)) AS event_id,
          'request' AS grain,
          {ts_sql(s('$.timestamp'))} AS ts,
          'google' AS provider,
          regexp_replace(nullif({s('$.model')}, ''), '^models/', '') AS model,
          session_id AS conversation_id,
          project_hash AS project,
          1 AS request_count,
          {token_columns(tok('$.tokens.input'), tok('$.tokens.cached'), tok('$.tokens.tool'),
                         tok('$.tokens.output'), tok('$.tokens.thoughts'))},
          true AS cache_known,
          false AS batch
        FROM msgs
        WHERE {s('$.type')} = 'gemini'
        """
