"""Claude Code session transcripts (`~/.claude/projects/<project>/<sessionId>.jsonl`, sub-agents too).

Field mapping (formats-request-logs.md 6a; ryoppippi/ccusage `data-loader.ts` / `types.rs`):

- Only `type = "assistant"` lines with `message.usage` are API calls. User, summary, system and
  snapshot lines are not usage rows and are dropped in SQL (they are neither stored nor
  quarantined); a line that is not valid JSON, or an assistant line with broken usage, is
  quarantined. `model = "<synthetic>"` marks a locally generated message (no API call): dropped.
- One reply is written as several lines (one per content block) with the same `message.id` and
  `requestId` and the usage repeated: `event_id = message.id || ':' || requestId`, so the loader
  keeps the first line and counts the rest as duplicates (ccusage `createUniqueHash`, first seen
  wins). A line without `requestId` keeps its content hash as id, like ccusage.
- Usage is Anthropic's (section 5d): `input_tokens` excludes the cache, `cache_read_input_tokens`,
  `cache_creation_input_tokens` (all writes), `cache_creation.ephemeral_1h_input_tokens`,
  `output_tokens` includes thinking.
- Conversation: `sessionId`. Sidechain lines (`isSidechain = true`: sub-agents, `/btw`) get
  `conversation_id = sessionId || ':sidechain:' || agentId` (the file name when there is no
  `agentId`) and `extra.sidechain = true`, so the main conversation's turns stay clean.
- `project` = `cwd`; old versions' `costUSD` = `reported_cost_usd`.
"""

from __future__ import annotations

from pathlib import Path

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    int_sql,
    is_bad_number,
    json_lines,
    json_lines_sql,
    register,
    sql_str,
    text_fields,
    ts_sql,
)

FIELDS = {
    "type": "$.type",
    "session_id": "$.sessionId",
    "sidechain": "$.isSidechain",
    "agent_id": "$.agentId",
    "cwd": "$.cwd",
    "timestamp": "$.timestamp",
    "request_id": "$.requestId",
    "message_id": "$.message.id",
    "model": "$.message.model",
    "usage": "$.message.usage",
    "input_tokens": "$.message.usage.input_tokens",
    "cache_read": "$.message.usage.cache_read_input_tokens",
    "cache_write": "$.message.usage.cache_creation_input_tokens",
    "write_1h": "$.message.usage.cache_creation.ephemeral_1h_input_tokens",
    "output_tokens": "$.message.usage.output_tokens",
    "thinking": "$.message.usage.output_tokens_details.thinking_tokens",
    "service_tier": "$.message.usage.service_tier",
    "speed": "$.message.usage.speed",
    "cost_usd": "$.costUSD",
    "api_error": "$.isApiErrorMessage",
    "version": "$.version",
    "content": "$.message.content",
}

_LINE_TYPES = {"user", "assistant", "summary", "system", "file-history-snapshot"}


@register
class ClaudeCodeJsonl(Ingestor):
    name = "claude_code_jsonl"
    title = "Claude Code session transcripts (~/.claude/projects/**/*.jsonl, sub-agent files included)"
    obtain = "Already on disk: point --logs at ~/.claude/projects (or $CLAUDE_CONFIG_DIR/projects)."

    def sniff(self, head: bytes, name: str) -> bool:
        for obj in json_lines(head):
            if obj.get("type") in _LINE_TYPES and ("sessionId" in obj or "leafUuid" in obj):
                return "parentUuid" in obj or "leafUuid" in obj or obj.get("type") == "file-history-snapshot"
        # a first line longer than the head (a big tool result): look for the fixed keys
        start = head[:4096]
        return start.lstrip().startswith(b"{") and b'"parentUuid"' in start and b'"sessionId"' in start

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        lines = json_lines_sql(f, text_fields(FIELDS, ctx))
        stem = sql_str(Path(f.display.split("!")[-1]).stem)
        toks = ("input_tokens", "cache_read", "cache_write", "write_1h", "output_tokens", "thinking")
        bad = " OR ".join(is_bad_number(x) for x in toks)
        text_cols = "content AS response_text" if ctx.keep_text else "NULL AS response_text"
        return f"""
        SELECT source_line, raw,
          CASE WHEN NOT _json_ok THEN 'not valid JSON'
               WHEN {bad} THEN 'non-numeric token count in message.usage'
               WHEN input_tokens IS NULL AND output_tokens IS NULL THEN 'assistant line without token counts'
          END AS error,
          CASE WHEN message_id IS NOT NULL AND request_id IS NOT NULL
               THEN message_id || ':' || request_id END AS event_id,
          'request' AS grain,
          {ts_sql('timestamp')} AS ts,
          'anthropic' AS provider,
          model,
          cwd AS project,
          CASE WHEN sidechain = 'true' THEN session_id || ':sidechain:' || coalesce(agent_id, {stem})
               ELSE session_id END AS conversation_id,
          1 AS request_count,
          {int_sql('input_tokens')} AS input_tokens,
          coalesce({int_sql('cache_read')}, 0) AS cache_read_tokens,
          coalesce({int_sql('cache_write')}, 0) AS cache_write_tokens,
          coalesce({int_sql('write_1h')}, 0) AS cache_write_1h_tokens,
          {int_sql('output_tokens')} AS output_tokens,
          coalesce({int_sql('thinking')}, 0) AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          service_tier,
          TRY_CAST(cost_usd AS DECIMAL(38, 12)) AS reported_cost_usd,
          CASE WHEN sidechain = 'true' OR speed IS NOT NULL OR api_error = 'true'
               THEN json_object('sidechain', sidechain = 'true', 'agent_id', agent_id, 'speed', speed,
                                'api_error', coalesce(api_error = 'true', false), 'version', version)
          END AS extra,
          NULL AS prompt_text,
          {text_cols}
        FROM ({lines})
        WHERE NOT _json_ok
           OR (type = 'assistant' AND usage IS NOT NULL AND coalesce(model, '') <> '<synthetic>')
        """
