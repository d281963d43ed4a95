"""Gemini CLI chat recordings as JSON lines (`~/.gemini/tmp/<project_hash>/chats/session-*.jsonl`).

Why: Gemini CLI writes its sessions as JSON lines since April 2026 (google-gemini/gemini-cli#23749;
`session-*.json` documents, read by `gemini_cli_session_json`, are only left from older versions
and are migrated to `.jsonl` when resumed). Without this format every current session is an
unknown file and Gemini usage is missing.

Field mapping (google-gemini/gemini-cli `packages/core/src/services/chatRecordingService.ts`,
`appendRecord`, `pushMessage`, `recordMessageTokens`, `loadConversationRecord`): the first line is
the session's metadata `{sessionId, projectHash, startTime, lastUpdated, kind, directories}`;
then one record per line: a message `{id, timestamp, type, content, model?, tokens?, thoughts?,
toolCalls?}` (`type` one of `user`, `gemini`, `info`, `error`, `warning`), a metadata update
`{"$set": {...}}` or a rewind `{"$rewindTo": <message id>}`.

- A message is written again, whole, each time it changes: a `gemini` reply first with
  `tokens: null`, then with its tokens once the usage arrives, then again with each tool call. So
  one row per `gemini` message id: event_id = `gemini-cli:` + sessionId + `:` + message id (as
  `gemini_cli_session_json`, so a migrated `.json` and its `.jsonl` hold the same events), and the
  format is a snapshot format (`snapshots = True`): the stored counts are the per-field maximum over
  the message's lines, the other lines count as duplicates. A `gemini` message none of whose lines
  has tokens (a reply cut off before its usage arrived) is read and counted as skipped.
- `tokens` copy the API's usageMetadata, mapped as `gemini_cli_session_json` does: input = input -
  cached + tool; cache_read = cached; output = output + thoughts; reasoning = thoughts.
- A rewind hides the messages after it from the CLI's history, but they were answered (and
  billed): they stay rows. `$set` lines (`lastUpdated`, `summary`, a `messages` array that
  repeats messages already written) and user, info, error and warning messages are not rows.
- conversation_id = the metadata's sessionId (a sub-agent, written to
  `chats/<parent session id>/<id>.jsonl` with `kind: "subagent"`, has its own); project =
  projectHash (the CLI stores no path); model = the message's `model`; ts = its `timestamp`.

New session files of a run are read in batches, by one scan over the list of files (`batchable`).
"""

from __future__ import annotations

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    batch_cols,
    int_sql,
    is_bad_count,
    json_lines,
    json_lines_sql,
    register,
    ts_sql,
)
from llmcost.ingest.gemini_cli_session_json import token_columns

FIELDS = {
    "session_id": "$.sessionId",
    "project_hash": "$.projectHash",
    "id": "$.id",
    "type": "$.type",
    "timestamp": "$.timestamp",
    "model": "$.model",
    "tokens": "$.tokens",
    "t_input": "$.tokens.input",
    "t_output": "$.tokens.output",
    "t_cached": "$.tokens.cached",
    "t_thoughts": "$.tokens.thoughts",
    "t_tool": "$.tokens.tool",
}
TOKS = ("t_input", "t_output", "t_cached", "t_thoughts", "t_tool")


@register
class GeminiCliSessionJsonl(Ingestor):
    name = "gemini_cli_session_jsonl"
    title = "Gemini CLI chat recordings as JSON lines (~/.gemini/tmp/<project>/chats/**/*.jsonl)"
    obtain = "Already on disk: point --logs at ~/.gemini/tmp (each project's chats/ folder holds its sessions)."

    snapshots = True  # a reply is written again with its tokens, then with each tool call
    batchable = True  # one small file per session: new ones are read in one scan

    def sniff(self, head: bytes, name: str) -> bool:
        objs = json_lines(head, limit=1)
        if not objs:
            return False
        first = objs[0]
        # the metadata line; a `session-*.json` document has its messages inside (gemini_cli_session_json)
        return (isinstance(first.get("sessionId"), str) and isinstance(first.get("projectHash"), str)
                and "messages" not in first and "startTime" in first)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        lines = json_lines_sql(f, FIELDS)
        bad = " OR ".join(is_bad_count(x) for x in TOKS)
        has_tokens = "(t_input IS NOT NULL OR t_output IS NOT NULL)"
        # the metadata and a message's lines are the file's own: per file in batch mode (many
        # sessions read by one scan, `Ingestor.batchable`), where `meta` has a row per file
        part = f.part_sql()
        return f"""
        WITH l AS (SELECT * FROM ({lines})),
        meta AS (SELECT {part} AS _mseq, first(session_id ORDER BY source_line) AS sid,
                        first(project_hash ORDER BY source_line) AS project_hash
                 FROM l WHERE _json_ok AND session_id IS NOT NULL AND id IS NULL GROUP BY ALL),
        msgs AS (
          SELECT *, bool_or({has_tokens}) OVER (PARTITION BY {part}, id) AS any_tokens
          FROM l WHERE NOT _json_ok OR (type = 'gemini' AND id IS NOT NULL)
        )
        SELECT source_line, raw, {batch_cols(f)}
          CASE WHEN NOT _json_ok THEN 'not valid JSON'
               WHEN {bad} THEN 'non-numeric or non-integer token count'
               WHEN {int_sql('t_cached')} > {int_sql('t_input')} THEN 'cached tokens exceed input tokens'
          END AS error,
          _json_ok AND NOT coalesce(any_tokens, false) AS skip,
          'gemini-cli:' || m.sid || ':' || id AS event_id,
          'request' AS grain,
          {ts_sql('timestamp')} AS ts,
          'google' AS provider,
          regexp_replace(nullif(model, ''), '^models/', '') AS model,
          m.sid AS conversation_id,
          m.project_hash AS project,
          1 AS request_count,
          {token_columns(f"coalesce({int_sql('t_input')}, 0)", int_sql('t_cached'), int_sql('t_tool'),
                         int_sql('t_output'), int_sql('t_thoughts'))},
          true AS cache_known,
          false AS batch
        FROM msgs LEFT JOIN meta m ON m._mseq = {part}
        """
