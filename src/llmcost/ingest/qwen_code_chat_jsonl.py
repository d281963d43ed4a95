"""Qwen Code chat recordings (`~/.qwen/projects/<project>/chats/<session id>.jsonl`).

Why: Qwen Code (QwenLM/qwen-code, a fork of Gemini CLI) records every session on disk; ccusage
reads these files (`ccusage qwen`), and without this format they were unknown files and Qwen Code's
usage was missing.

Field mapping (QwenLM/qwen-code `packages/core/src/services/chatRecordingService.ts`, `ChatRecord`,
`recordAssistantTurn`; where ccusage looks: `rust/crates/ccusage/src/adapter/qwen/paths.rs` and
`parser.rs`, `docs/guide/qwen/index.md`): the file is append-only, one `ChatRecord` per line
`{uuid, parentUuid, sessionId, timestamp, type, subtype?, cwd, version, gitBranch?, message?,
usageMetadata?, model?, ...}` with `type` one of `user`, `assistant`, `tool_result`, `system`;
`message` is a Gemini `Content` (`{role, parts}`, the reply's role `model`).

- One row per `assistant` record: its `usageMetadata` is the API response's
  `GenerateContentResponseUsageMetadata` (`promptTokenCount`, `candidatesTokenCount`,
  `cachedContentTokenCount`, `thoughtsTokenCount`, `toolUsePromptTokenCount`, `totalTokenCount`).
  An assistant record without it, or with all counts 0 (a turn cut off before its usage
  arrived), is read and counted as skipped. User, tool_result and system records (among them
  `ui_telemetry`, whose telemetry events repeat the same usage) are not rows.
- Token convention: promptTokenCount INCLUDES the cached tokens on every route Qwen Code has
  (Gemini's own API; the OpenAI-compatible converter `core/openaiContentGenerator/converter.ts`
  `convertOpenAIChunkToGemini` copies `prompt_tokens`, which includes `cached_tokens`; the
  Anthropic one, `core/anthropicContentGenerator/usage.ts` `buildAnthropicUsageMetadata`, sums
  input + cache read + cache creation): input_tokens = prompt - cached + toolUsePrompt,
  cache_read_tokens = cached (no cache writes are stated: Anthropic's stay in input).
- Thoughts: with Gemini's API candidatesTokenCount EXCLUDES thoughtsTokenCount (total = prompt +
  candidates + thoughts + tool), but the OpenAI-compatible converter, Qwen Code's usual route
  (Qwen OAuth, DashScope), sets candidatesTokenCount = `completion_tokens` and thoughtsTokenCount =
  `completion_tokens_details.reasoning_tokens`, a part of it (total = `total_tokens` = prompt +
  completion). The record does not say which route wrote it; the total does: the thoughts are
  added to the output only when totalTokenCount >= prompt + candidates + thoughts (Gemini's sum),
  and taken as already inside it otherwise (no total, or the OpenAI sum). reasoning_tokens =
  thoughts either way. ccusage adds the thoughts to every output, which counts an OpenAI-routed
  reply's reasoning twice, and keeps the cached tokens inside its input.
- /branch copies a session's records into a new session file "verbatim except for rewriting
  `sessionId`" (the `forkedFrom` field's doc): the uuid is kept, so event_id = `qwen-code:` + uuid
  and a forked copy is stored once (a duplicate), in the file and across files.
- conversation_id = the record's `sessionId`; project = its `cwd` (the folder Qwen Code ran in;
  the `<project>` folder name is that path with separators replaced); model = `model`; ts =
  `timestamp`. Provider: the record does not name it; it is read from the model name (`gemini-*`
  google, `claude-*` anthropic, `gpt-*` / `o1`-`o4` openai, `kimi-*` moonshotai, `deepseek-*`
  deepseek, `glm-*` zai), else `alibaba` (Qwen OAuth and Alibaba Cloud Model Studio, the
  defaults).

New session files of a run are read in batches, by one scan over the list of files (`batchable`).
"""

from __future__ import annotations

import re

from llmcost.ingest import (
    INPUT_NOT_REPORTED,
    IngestContext,
    Ingestor,
    InputFile,
    batch_cols,
    int_sql,
    is_bad_count,
    json_lines,
    json_lines_sql,
    register,
    sql_str,
    ts_sql,
)
from llmcost.ingest.gemini_cli_session_json import token_columns

FIELDS = {
    "uuid": "$.uuid",
    "session_id": "$.sessionId",
    "timestamp": "$.timestamp",
    "type": "$.type",
    "cwd": "$.cwd",
    "model": "$.model",
    "usage": "$.usageMetadata",
    "prompt": "$.usageMetadata.promptTokenCount",
    "candidates": "$.usageMetadata.candidatesTokenCount",
    "cached": "$.usageMetadata.cachedContentTokenCount",
    "thoughts": "$.usageMetadata.thoughtsTokenCount",
    "tool": "$.usageMetadata.toolUsePromptTokenCount",
    "total": "$.usageMetadata.totalTokenCount",
}
TOKS = ("prompt", "candidates", "cached", "thoughts", "tool", "total")
RECORD_TYPES = ("user", "assistant", "tool_result", "system")

# a record cut by the head limit: its fixed keys and a Gemini Content (`"role":"model"` or `"parts":[`)
_CUT_RECORD = re.compile(rb'^\{"uuid":"[^"]*","parentUuid":(?:null|"[^"]*"),"sessionId":"')
_GEMINI_CONTENT = re.compile(rb'"message":\{"role":"(?:user|model)","parts":\[')


def is_qwen_record(obj: dict) -> bool:
    """A Qwen Code ChatRecord: a Claude Code transcript line has the same envelope (uuid,
    parentUuid, sessionId, cwd, version), but never Gemini's usageMetadata, a `systemPayload`, a
    `tool_result` type or a Gemini `Content` message (`parts`, the reply's role `model`)."""
    if obj.get("type") not in RECORD_TYPES or not isinstance(obj.get("sessionId"), str) or "parentUuid" not in obj:
        return False
    message = obj.get("message")
    return ("usageMetadata" in obj or "systemPayload" in obj or obj.get("type") == "tool_result"
            or (isinstance(message, dict) and isinstance(message.get("parts"), list)))


def is_cut_qwen_record(head: bytes) -> bool:
    """A first record longer than the head (a big tool result): its start names it."""
    start = head[:4096].lstrip()
    return _CUT_RECORD.match(start) is not None and _GEMINI_CONTENT.search(start) is not None


def _provider_sql(model: str) -> str:
    m = f"lower({model})"
    return (f"CASE WHEN {m} LIKE 'gemini%' THEN 'google' WHEN {m} LIKE 'claude%' THEN 'anthropic' "
            f"WHEN regexp_matches({m}, '^(gpt-|o[1-4]\\b|chatgpt)') THEN 'openai' "
            f"WHEN {m} LIKE 'kimi%' THEN 'moonshotai' WHEN {m} LIKE 'deepseek%' THEN 'deepseek' "
            f"WHEN {m} LIKE 'glm%' THEN 'zai' ELSE 'alibaba' END")


@register
class QwenCodeChatJsonl(Ingestor):
    name = "qwen_code_chat_jsonl"
    title = "Qwen Code chat recordings (~/.qwen/projects/<project>/chats/*.jsonl)"
    obtain = "Already on disk: point --logs at ~/.qwen/projects (each project's chats/ folder holds its sessions)."
    batchable = True  # one small file per session: new ones are read in one scan

    def sniff(self, head: bytes, name: str) -> bool:
        return any(is_qwen_record(o) for o in json_lines(head)) or is_cut_qwen_record(head)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        lines = json_lines_sql(f, FIELDS)
        bad = " OR ".join(is_bad_count(x) for x in TOKS)
        p, c, ch, th, tl, tot = (int_sql(x) for x in TOKS)
        none = " AND ".join(f"coalesce({int_sql(x)}, 0) = 0" for x in TOKS)
        # the OpenAI-compatible route: thoughts are a part of candidates (module docstring)
        inside = (f"(coalesce({th}, 0) <= coalesce({c}, 0) "
                  f"AND NOT coalesce({tot} >= {p} + coalesce({c}, 0) + {th}, false))")
        return f"""
        SELECT source_line, raw, {batch_cols(f)}
          CASE WHEN NOT _json_ok THEN 'not valid JSON'
               WHEN {bad} THEN 'non-numeric or non-integer token count in usageMetadata'
               WHEN usage IS NOT NULL AND {p} IS NULL AND NOT ({none}) THEN {sql_str(INPUT_NOT_REPORTED)}
               WHEN {ch} > {p} THEN 'cachedContentTokenCount exceeds promptTokenCount'
          END AS error,
          _json_ok AND (usage IS NULL OR {none}) AS skip,
          'qwen-code:' || nullif(uuid, '') AS event_id,
          'request' AS grain,
          {ts_sql('timestamp')} AS ts,
          {_provider_sql("coalesce(model, '')")} AS provider,
          nullif(model, '') AS model,
          nullif(session_id, '') AS conversation_id,
          nullif(cwd, '') AS project,
          1 AS request_count,
          {token_columns(f"coalesce({p}, 0)", ch, tl, c, th, inside)},
          true AS cache_known,
          false AS batch
        FROM ({lines})
        WHERE NOT _json_ok OR type = 'assistant'
        """
