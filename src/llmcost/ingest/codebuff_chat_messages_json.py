"""Codebuff (formerly Manicode) chats
(`~/.config/manicode/projects/<project>/chats/<chat id>/chat-messages.json`; the dev and staging
builds use `~/.config/manicode-dev` and `~/.config/manicode-staging`; `$CODEBUFF_DATA_DIR`).

Why: Codebuff's CLI saves each chat, with the usage of its replies, as one JSON array on disk;
ccusage reads it (`ccusage codebuff`); without this format the files were unknown.

Field mapping (CodebuffAI/codebuff `cli/src/utils/run-state-storage.ts` `saveChatState` (the whole
chat rewritten after each turn, `JSON.stringify(messages, null, 2)`), `cli/src/types/chat.ts`
`ChatMessage`, `cli/src/project-files.ts` (the project folder is the basename of the project root,
the chat id the ISO time it started with `-` for `:`); where the tokens sit: ryoppippi/ccusage
`rust/crates/ccusage/src/adapter/codebuff/parser.rs`, `paths.rs`; Codebuff's token conventions:
CodebuffAI/codebuff `backend/src/llm-apis/vercel-ai-sdk/ai-sdk.ts`,
`packages/internal/src/openrouter-ai-sdk/chat/index.ts`): the file is an array of `ChatMessage`
`{id, variant: ai | user | agent | error, content, blocks, timestamp, credits?, metadata?}`.

- One row per reply (`variant` `ai` or `agent`; `role` `assistant` in older files) with a usage
  object; the first of `metadata.usage`, `metadata.codebuff.usage` and, in the run state saved with
  a reply, the `providerOptions.codebuff.usage` (or `providerOptions.usage`) of the last assistant
  entry of `metadata.runState.sessionState.mainAgentState.messageHistory` (the run's last call: the
  others of that run are not on disk). A reply without usage or with every count 0 (an error, a
  cancelled turn) is read and counted as skipped; user and error messages are not rows.
- Token conventions, by the names the object uses (ccusage reads them all as uncached input):
  Anthropic's (`inputTokens` / `input_tokens` beside `cacheReadInputTokens` and
  `cacheCreationInputTokens`, snake or camel): input already excludes both cache counts (ai-sdk.ts
  takes them from `providerMetadata.anthropic` beside `usage.inputTokens`); OpenRouter's, the route
  Codebuff's backend uses (`promptTokens` / `prompt_tokens` with `promptTokensDetails.cachedTokens`
  / `prompt_tokens_details.cached_tokens`): the prompt INCLUDES the cached tokens (ai-sdk.ts:
  `inputTokens = promptTokens - cachedTokens`); the AI SDK's own usage (`inputTokens` beside
  `cachedInputTokens`, openrouter-ai-sdk's `inputTokens: prompt_tokens`, `cachedInputTokens:
  cached_tokens`): input includes them too. input_tokens = the input less the cached tokens in the
  last two; cache_read_tokens = the cached count; cache_write_tokens = the cache creation count
  (Anthropic's names only). Output (`outputTokens`, `completionTokens`, snake or camel) includes the
  reasoning (OpenRouter's `completion_tokens`; not split: reasoning 0). A record stating only a
  total, a count that is not a whole number, or a cached count above the prompt is quarantined.
- `credits` (the message's, else the usage object's) are Codebuff's credits, not dollars: kept in
  `extra.credits`, no reported cost (Codebuff records none in dollars on disk).
- Codebuff rewrites the whole file after each turn: event id = `codebuff:` + message `id` + `:` +
  `timestamp`, so a chat read again, grown, or copied (a backup root beside the channel, as ccusage's
  docs suggest) is stored once (ccusage keys by the root folder too and counts a backup's copy again).
- ts = `timestamp` (else `createdAt`, `metadata.timestamp`); model = `metadata.model`, else the
  usage object's `model`, else the run state entry's `providerOptions.codebuff.model`; a model
  named the OpenRouter way (`openai/gpt-5`) is split into provider and model; else provider = the
  model's vendor. conversation_id = `<project>/<chat id>` from the path (else the file name);
  project = the project folder's name.

New chat files of a run are read in batches, by one scan over the list of files (`batchable`).
"""

from __future__ import annotations

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    JsonFields,
    batch_cols,
    int_sql,
    json_document,
    json_lines,
    json_lines_sql,
    model_vendor_sql,
    register,
    token_error_sql,
    ts_sql,
)

FIELDS = {
    "msg_id": "$.id",
    "variant": "$.variant",
    "role": "$.role",
    "timestamp": "$.timestamp",
    "created_at": "$.createdAt",
    "meta_ts": "$.metadata.timestamp",
    "credits": "$.credits",
    "meta_model": "$.metadata.model",
    "meta_usage": "$.metadata.usage",
    "codebuff_usage": "$.metadata.codebuff.usage",
    "history": "$.metadata.runState.sessionState.mainAgentState.messageHistory",
}
VARIANTS = ("ai", "user", "agent", "error")
"""`ChatVariant` (cli/src/types/chat.ts)."""
REPLIES = ("ai", "agent", "assistant")
_RUN = "$.providerOptions"
_NAMES = {  # canonical count: the usage object's names for it, first present wins
    "anthropic_input": ("$.inputTokens", "$.input_tokens"),
    "prompt": ("$.promptTokens", "$.prompt_tokens"),
    "output": ("$.outputTokens", "$.output_tokens", "$.completionTokens", "$.completion_tokens"),
    "cache_read": ("$.cacheReadInputTokens", "$.cache_read_input_tokens"),
    "cached_in_prompt": ("$.promptTokensDetails.cachedTokens", "$.prompt_tokens_details.cached_tokens"),
    "cached_in_input": ("$.cachedInputTokens",),
    "cache_write": ("$.cacheCreationInputTokens", "$.cache_creation_input_tokens", "$.cacheCreationTokens",
                    "$.cache_creation_tokens"),
    "total": ("$.totalTokens", "$.total_tokens"),
}


@register
class CodebuffChatMessagesJson(Ingestor):
    name = "codebuff_chat_messages_json"
    title = "Codebuff chats (~/.config/manicode/projects/<project>/chats/<chat>/chat-messages.json)"
    obtain = ("Already on disk: point --logs at ~/.config/manicode/projects (or ~/.config/manicode-dev, "
              "manicode-staging, $CODEBUFF_DATA_DIR).")
    batchable = True  # one small file per chat: new ones are read in one scan

    def sniff(self, head: bytes, name: str) -> bool:
        objs = json_lines(head, limit=3)
        return json_document(head) == "array" and bool(objs) and all(
            o.get("variant") in VARIANTS and isinstance(o.get("id"), str) and isinstance(o.get("timestamp"), str)
            and "content" in o for o in objs)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        u, e = JsonFields("usage_"), JsonFields("run_entry")
        raw = {k: f"coalesce({', '.join(u.text(p) for p in paths)})" for k, paths in _NAMES.items()}
        n = {k: int_sql(v) for k, v in raw.items()}
        bad = " OR ".join(f"({v} IS NOT NULL AND {n[k]} IS NULL)" for k, v in raw.items())
        cached = f"coalesce({n['cached_in_prompt']}, {n['cached_in_input']})"
        inp_raw = f"coalesce({raw['anthropic_input']}, {raw['prompt']})"
        inp = (f"CASE WHEN {raw['prompt']} IS NOT NULL AND {raw['anthropic_input']} IS NULL "
               f"THEN {n['prompt']} - coalesce({cached}, 0) "
               f"ELSE {n['anthropic_input']} - coalesce({n['cached_in_input']}, 0) END")
        read = f"coalesce({n['cache_read']}, {cached}, 0)"
        counts = (n["anthropic_input"], n["prompt"], n["output"], n["cache_read"], cached, n["cache_write"],
                  n["total"])
        zero = " AND ".join(f"coalesce({c}, 0) = 0" for c in counts)
        name = f.name_sql()
        chat = f"regexp_extract({name}, '([^/!]+)/chats/([^/!]+)/[^/!]*$', ['project', 'chat'])"
        history = "CAST(json_extract(history, '$[*]') AS JSON[])"
        has_usage = f"coalesce(json_extract(x, '{_RUN}.codebuff.usage'), json_extract(x, '{_RUN}.usage'))"
        model = "coalesce(nullif(meta_model, ''), nullif(usage_model, ''), nullif(run_model, ''))"
        return f"""
        SELECT source_line, raw, {batch_cols(f)}
          CASE WHEN NOT _json_ok THEN 'not valid JSON'
               WHEN usage_ IS NULL THEN NULL
               ELSE coalesce({token_error_sql(bad, inp_raw, raw['output'], n['total'], 'outputTokens')},
                 CASE WHEN {inp} < 0 THEN 'the cached tokens exceed the prompt tokens that include them' END)
          END AS error,
          _json_ok AND (usage_ IS NULL OR {zero}) AS skip,
          'codebuff:' || nullif(msg_id, '') || ':' || coalesce(timestamp, '') AS event_id,
          'request' AS grain,
          coalesce({ts_sql('timestamp')}, {ts_sql('created_at')}, {ts_sql('meta_ts')}) AS ts,
          CASE WHEN contains(model, '/') THEN split_part(model, '/', 1)
               ELSE {model_vendor_sql('lower(model)')} END AS provider,
          CASE WHEN contains(model, '/') THEN substr(model, strpos(model, '/') + 1) ELSE model END AS model,
          coalesce(nullif(chat.project || '/' || chat.chat, '/'), {f.stem_sql()}) AS conversation_id,
          nullif(chat.project, '') AS project,
          1 AS request_count,
          {inp} AS input_tokens,
          {read} AS cache_read_tokens,
          coalesce({n['cache_write']}, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          {n['output']} AS output_tokens,
          0 AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          json_object('credits', coalesce(TRY_CAST(credits AS DOUBLE), TRY_CAST({u.text('$.credits')} AS DOUBLE)))
            AS extra
        FROM (
          SELECT *, {model} AS model, {chat} AS chat
          FROM (
            SELECT *, {u.text('$.model')} AS usage_model, {e.text(f'{_RUN}.codebuff.model')} AS run_model
            FROM (
              SELECT *, coalesce(json(meta_usage), json(codebuff_usage),
                                 {e.text(f'{_RUN}.codebuff.usage')}::JSON, {e.text(f'{_RUN}.usage')}::JSON) AS usage_
              FROM (
                SELECT *, list_filter({history}, lambda x: json_extract_string(x, '$.role') = 'assistant'
                                      AND {has_usage} IS NOT NULL)[-1] AS run_entry
                FROM ({json_lines_sql(f, FIELDS)})
              )
            )
          )
        )
        WHERE NOT _json_ok OR coalesce(variant, role) IN {REPLIES}
        """
