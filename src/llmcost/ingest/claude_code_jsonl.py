"""Claude Code session transcripts (`~/.claude/projects/<project>/<sessionId>.jsonl`, sub-agents too).

Field mapping (formats-request-logs.md 6a; ryoppippi/ccusage `data-loader.ts` / `types.rs`):

- A line with `message.usage` is an API reply when its `type` is `"assistant"` or it has no
  `type` at all (older versions, and ccusage's own test fixtures, write none). User, summary,
  system and snapshot lines are not usage rows and are dropped in SQL (neither read nor
  quarantined); a line that is not valid JSON, or a reply with broken usage, is quarantined.
- A reply Claude Code made up without an API call (`message.model = "<synthetic>"`, or
  `isApiErrorMessage = true` with no or all-zero usage) is read and counted as skipped: not a
  request, not quarantined.
- Streaming: one API reply is written as several lines (one per content block, as it streams)
  with the same `message.id` and `requestId`. Input and cache counts repeat on every line;
  `output_tokens` grows and the last line (with `stop_reason`) is final, while older versions
  wrote the full count first and small deltas after (ccusage#901, #938). So
  `event_id = message.id || ':' || requestId` (`message.id` alone where `requestId` is missing
  or empty, ccusage#976), and the format is a snapshot format (`snapshots = True`): **the stored
  request's token counts (and `costUSD`) are the per-field maximum over all its lines**, wherever
  they are (the same file, another session file, a sub-agent transcript under
  `<session>/subagents/`, a later run); its other fields come from its first line. The other
  lines count as duplicates. A line without `message.id` keeps its content hash as id
  (`text_identity`: its copies in other session files are the same reply).
- Usage is Anthropic's (section 5d): `input_tokens` excludes the cache, `cache_read_input_tokens`,
  `cache_creation_input_tokens` (all writes), `cache_creation.ephemeral_1h_input_tokens`,
  `output_tokens` includes thinking.
- Conversation: `sessionId`. Sidechain lines (`isSidechain = true`: sub-agents, `/btw`) get
  `conversation_id = sessionId || ':sidechain:' || agentId` (the file name when there is no
  `agentId`) and `extra.sidechain = true`, so the main conversation's turns stay clean.
- `project` = `cwd`; old versions' `costUSD` = `reported_cost_usd`.
- Server tools: `message.usage.server_tool_use.web_search_requests` -> web_search_calls (Anthropic
  usage, formats-provider-exports.md 2.5), the maximum over a reply's streamed lines like the tokens.
- Fast mode: `message.usage.speed = "fast"` (Opus fast mode, billed at its own price:
  https://platform.claude.com/docs/en/build-with-claude/fast-mode#pricing) -> `service_tier = 'fast'`,
  which pricing prices by the catalog's fast variant (docs/pricing.md); `extra.speed` keeps the value.
"""

from __future__ import annotations

from typing import Any, ClassVar

from llmcost.ingest import (
    FAST_MODE_CHANGE,
    GEO_CHANGE,
    INPUT_NOT_REPORTED,
    IngestContext,
    Ingestor,
    InputFile,
    anthropic_geo_sql,
    anthropic_tier_sql,
    anthropic_token_sql,
    batch_cols,
    int_sql,
    is_bad_count,
    json_lines,
    json_lines_sql,
    register,
    sql_str,
    text_fields,
    ts_sql,
)
from llmcost.ingest.qwen_code_chat_jsonl import is_cut_qwen_record, is_qwen_record

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
    "geo": "$.message.usage.inference_geo",
    "web_search": "$.message.usage.server_tool_use.web_search_requests",
    "cost_usd": "$.costUSD",
    "api_error": "$.isApiErrorMessage",
    "version": "$.version",
    "content": "$.message.content",
}

CANDIDATE = ("contains(raw, 'usage') OR contains(raw, 'synthetic') OR contains(raw, 'isApiErrorMessage') "
             "OR contains(raw, '\\u')")
"""The lines a batch extracts the fields of (`json_lines_sql`'s `candidate`): `query` keeps a valid
line only for its `message.usage`, a `<synthetic>` model or `isApiErrorMessage`, so a valid line
naming none of them (a user line, a summary) is left out unparsed; a line that is not valid JSON
still comes through, to be quarantined. A `\\u` escape could spell any of the three: such a line
is extracted."""

_LINE_TYPES = {"user", "assistant", "summary", "system", "file-history-snapshot"}


def _is_reply(obj: dict[str, Any]) -> bool:
    """A transcript reply line, with or without `type`: `message.usage` with Anthropic's counts at
    the top level of a line that is an assistant line or names its session or request."""
    message = obj.get("message")
    usage = message.get("usage") if isinstance(message, dict) else None
    return (
        isinstance(usage, dict)
        and "input_tokens" in usage
        and "output_tokens" in usage
        and (obj.get("type") == "assistant" or "sessionId" in obj or "requestId" in obj)
    )


@register
class ClaudeCodeJsonl(Ingestor):
    name = "claude_code_jsonl"
    reader_changes: ClassVar[dict[int, str]] = {2: FAST_MODE_CHANGE, 3: GEO_CHANGE}
    title = "Claude Code session transcripts (~/.claude/projects/**/*.jsonl, sub-agent files included)"
    obtain = "Already on disk: point --logs at ~/.claude/projects (or $CLAUDE_CONFIG_DIR/projects)."

    snapshots = True
    text_identity = True  # a resumed session repeats the lines it resumes
    batchable = True
    extract_once = True

    def sniff(self, head: bytes, name: str) -> bool:
        for obj in json_lines(head):
            if is_qwen_record(obj):  # Qwen Code writes the same envelope (qwen_code_chat_jsonl)
                return False
            if obj.get("type") in _LINE_TYPES and ("sessionId" in obj or "leafUuid" in obj):
                return "parentUuid" in obj or "leafUuid" in obj or obj.get("type") == "file-history-snapshot"
            if _is_reply(obj):
                return True
        # a first line longer than the head (a big tool result): look for the fixed keys
        start = head[:4096]
        return (start.lstrip().startswith(b"{") and b'"parentUuid"' in start and b'"sessionId"' in start
                and not is_cut_qwen_record(head))

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        lines = json_lines_sql(f, text_fields(FIELDS, ctx), CANDIDATE)
        stem = f.stem_sql()
        toks = ("input_tokens", "cache_read", "cache_write", "write_1h", "output_tokens", "thinking", "web_search")
        bad = " OR ".join(is_bad_count(x) for x in toks)
        text_cols = "content AS response_text" if ctx.keep_text else "NULL AS response_text"
        none = " AND ".join(f"coalesce(TRY_CAST({x} AS DOUBLE), 0) = 0"
                            for x in ("input_tokens", "cache_read", "cache_write", "output_tokens"))
        return f"""
        SELECT source_line, raw, {batch_cols(f)}
          CASE WHEN NOT _json_ok THEN 'not valid JSON'
               WHEN {bad} THEN 'non-numeric or non-integer token count in message.usage'
               WHEN input_tokens IS NULL AND output_tokens IS NULL THEN 'assistant line without token counts'
               WHEN input_tokens IS NULL THEN {sql_str(INPUT_NOT_REPORTED)}
          END AS error,
          _json_ok AND (model = '<synthetic>' OR (api_error = 'true' AND {none})) AS skip,
          CASE WHEN message_id IS NOT NULL THEN message_id || coalesce(':' || nullif(request_id, ''), '') END
            AS event_id,
          'request' AS grain,
          {ts_sql('timestamp')} AS ts,
          'anthropic' AS provider,
          model,
          cwd AS project,
          CASE WHEN sidechain = 'true' THEN session_id || ':sidechain:' || coalesce(agent_id, {stem})
               ELSE session_id END AS conversation_id,
          1 AS request_count,
          {anthropic_token_sql()}
          true AS cache_known,
          false AS batch,
          {anthropic_tier_sql("speed", "service_tier")} AS service_tier,
          {anthropic_geo_sql("geo")} AS inference_geo,
          TRY_CAST(cost_usd AS DECIMAL(38, 12)) AS reported_cost_usd,
          {int_sql('web_search')} AS web_search_calls,
          CASE WHEN sidechain = 'true' OR speed IS NOT NULL OR api_error = 'true'
               THEN json_object('sidechain', sidechain = 'true', 'agent_id', agent_id, 'speed', speed,
                                'api_error', coalesce(api_error = 'true', false), 'version', version)
          END AS extra,
          NULL AS prompt_text,
          {text_cols}
        FROM ({lines})
        WHERE NOT _json_ok
           -- replies: `type` is "assistant" or absent (older versions write none)
           OR (coalesce(type, 'assistant') = 'assistant'
               AND (usage IS NOT NULL OR model = '<synthetic>' OR api_error = 'true'))
        """
