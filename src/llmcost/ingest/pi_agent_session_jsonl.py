"""pi-agent session files (`~/.pi/agent/sessions/--<cwd>--/<time>_<session id>.jsonl`).

Why: pi (badlogic/pi-mono's coding agent, `pi`) records every session on disk with the usage and
its own cost estimate of each model call; ccusage reads these files (`ccusage pi`), and without
this format they were unknown files and pi's usage was missing.

Field mapping (badlogic/pi-mono `packages/coding-agent/src/core/session-manager.ts`
`SessionHeader`, `SessionMessageEntry`, `generateId`, `getDefaultSessionDir`,
`createBranchedSession`; `packages/ai/src/types.ts` `AssistantMessage`, `Usage`, `Model.cost`;
`packages/ai/src/models.ts` `calculateCost`; the providers in `packages/ai/src/providers/`; where
ccusage looks: `rust/crates/ccusage/src/adapter/pi/paths.rs`, `parser.rs`,
`docs/guide/pi/index.md`): the file is append-only; its first line is the header `{type:
"session", version?, id, timestamp, cwd, parentSession?}`, then one entry per line `{type, id,
parentId, timestamp, ...}` (`id` 8 hex characters, unique in the session). A `type: "message"`
entry holds `message`, an `AgentMessage` (`role` `user`, `assistant`, `toolResult`, ...).

- One row per `message` entry whose message is the `assistant`'s with a `usage` `{input, output,
  cacheRead, cacheWrite, totalTokens, cost: {input, output, cacheRead, cacheWrite, total}}`; the
  message also names `api`, `provider`, `model`, `stopReason`. One whose counts are all 0 (a call
  that failed or was aborted before its usage arrived) is read and counted as skipped. Other
  entries (model and thinking-level changes, compactions, labels) and other roles are not rows.
- Token convention: pi fills `input` with the UNCACHED input on every route but Gemini's own:
  Anthropic's `input_tokens` (`anthropic.ts`), Bedrock's `inputTokens` (`amazon-bedrock.ts`),
  OpenAI's `input_tokens - cached_tokens` (`openai-responses-shared.ts`) and `prompt_tokens -
  cached_tokens` (`openai-completions.ts` `parseChunkUsage`), the Gemini CLI route's `promptTokens
  - cacheReadTokens` (`google-gemini-cli.ts`); but `api` `google-generative-ai` (`google.ts`) and
  `google-vertex` (`google-vertex.ts`) store `promptTokenCount`, which includes
  `cachedContentTokenCount` (= `cacheRead`). input_tokens = input - cacheRead on those two apis,
  input elsewhere; cache_read_tokens = cacheRead; cache_write_tokens = cacheWrite (only Anthropic
  and Bedrock state it; no 1-hour split).
- `output` INCLUDES the reasoning on every route (Anthropic's `output_tokens` and OpenAI
  Responses' `output_tokens` include it; the Gemini routes add `thoughtsTokenCount` to
  `candidatesTokenCount`; `openai-completions.ts` adds `reasoning_tokens` to `completion_tokens`,
  "since some providers (e.g., Groq) don't include them", which counts an OpenAI reply's reasoning
  twice; the record cannot undo it). output_tokens = output; the reasoning part is not kept
  (reasoning_tokens 0).
- `usage.cost.total` is pi's own estimate in USD: `calculateCost` multiplies each count by the
  model's price in "$/million tokens" (`Model.cost`) and sums them. It goes to reported_cost_usd
  when positive; a 0 (a model with no price in pi's table, a custom model's default) is no
  statement that the call was free and is left NULL; a non-numeric or negative one is quarantined.
- `createBranchedSession` (/fork, /tree) copies the entries up to a point verbatim (same `id`,
  same `timestamp`) into a new session file with a new session id: event_id = `pi:` + entry `id`
  + `:` + entry `timestamp`, so a copy is stored once (ccusage's id includes the session and counts
  it twice). An entry without an `id` (a v1 session, written before ids) is identified by its file
  and line.
- conversation_id = the header's `id` (the session id), else the file name after its first `_`
  (`<time>_<session id>.jsonl`); project = the header's `cwd` (the folder name is that path with
  separators replaced by `-`, lossy); ts = the entry's `timestamp`; model = `message.model`;
  provider = `message.provider` folded to the catalog's names (`amazon-bedrock` aws,
  `google-vertex` / `google-gemini-cli` / `google-antigravity` google, `azure-openai-responses`
  azure), else the model's vendor; `api` and pi's provider kept in extra.
"""

from __future__ import annotations

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    agent_cost_sql,
    int_sql,
    is_bad_cost,
    is_bad_count,
    json_lines,
    json_lines_sql,
    model_vendor_sql,
    register,
    token_error_sql,
    ts_sql,
)

_U = "$.message.usage"
FIELDS = {
    "type": "$.type",
    "entry_id": "$.id",
    "timestamp": "$.timestamp",
    "cwd": "$.cwd",
    "role": "$.message.role",
    "api": "$.message.api",
    "pi_provider": "$.message.provider",
    "model": "$.message.model",
    "stop_reason": "$.message.stopReason",
    "usage": _U,
    "input": f"{_U}.input",
    "output": f"{_U}.output",
    "cache_read": f"{_U}.cacheRead",
    "cache_write": f"{_U}.cacheWrite",
    "total": f"{_U}.totalTokens",
    "cost": f"{_U}.cost.total",
}
TOKS = ("input", "output", "cache_read", "cache_write", "total")
INPUT_WITH_CACHE_APIS = ("google-generative-ai", "google-vertex")
"""The apis whose `input` is Gemini's promptTokenCount, cached tokens included (module docstring)."""
ENTRY_TYPES = ("message", "model_change", "thinking_level_change", "compaction", "branch_summary",
               "custom", "custom_message", "label", "session_info")
ROLES = ("user", "assistant", "toolResult", "bashExecution", "custom", "branchSummary", "compactionSummary")


def _is_header(o: dict) -> bool:
    return (o.get("type") == "session" and isinstance(o.get("id"), str) and isinstance(o.get("cwd"), str)
            and isinstance(o.get("timestamp"), str))


def _is_entry(o: dict) -> bool:
    message = o.get("message")
    return (o.get("type") in ENTRY_TYPES and "parentId" in o and isinstance(o.get("id"), str)
            and (o.get("type") != "message" or (isinstance(message, dict) and message.get("role") in ROLES)))


def _provider_sql(p: str, model: str) -> str:
    return (f"CASE WHEN {p} = 'amazon-bedrock' THEN 'aws' "
            f"WHEN {p} IN ('google-vertex', 'google-gemini-cli', 'google-antigravity') THEN 'google' "
            f"WHEN {p} = 'azure-openai-responses' THEN 'azure' "
            f"ELSE coalesce(nullif(lower({p}), ''), {model_vendor_sql(model)}) END")


@register
class PiAgentSessionJsonl(Ingestor):
    name = "pi_agent_session_jsonl"
    title = "pi-agent session files (~/.pi/agent/sessions/<project>/*.jsonl)"
    obtain = "Already on disk: point --logs at ~/.pi/agent/sessions (or $PI_CODING_AGENT_DIR/sessions)."

    def sniff(self, head: bytes, name: str) -> bool:
        objs = json_lines(head, limit=3)
        return bool(objs) and (_is_header(objs[0]) or all(_is_entry(o) for o in objs))

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        lines = json_lines_sql(f, FIELDS)
        n = {x: int_sql(x) for x in TOKS}
        bad = " OR ".join(is_bad_count(x) for x in TOKS)
        none = " AND ".join(f"coalesce({n[x]}, 0) = 0" for x in TOKS)
        apis = ", ".join(f"'{a}'" for a in INPUT_WITH_CACHE_APIS)
        cached_in_input = f"coalesce(api IN ({apis}), false)"
        inp = f"{n['input']} - CASE WHEN {cached_in_input} THEN coalesce({n['cache_read']}, 0) ELSE 0 END"
        stem = f.stem_sql()
        return f"""
        SELECT source_line, raw,
          CASE WHEN NOT _json_ok THEN 'not valid JSON'
               ELSE coalesce({token_error_sql(bad, 'input', 'output', n['total'], 'output')},
                 CASE WHEN {is_bad_cost('cost')}
                        THEN 'usage.cost.total is not a number of dollars >= 0'
                      WHEN {cached_in_input} AND {n['cache_read']} > {n['input']}
                        THEN 'usage.cacheRead exceeds usage.input (Gemini''s input includes the cached tokens)'
                 END)
          END AS error,
          _json_ok AND {none} AS skip,
          'pi:' || nullif(entry_id, '') || ':' || coalesce(timestamp, '') AS event_id,
          'request' AS grain,
          {ts_sql('timestamp')} AS ts,
          {_provider_sql('pi_provider', "lower(coalesce(model, ''))")} AS provider,
          nullif(model, '') AS model,
          coalesce(session_id, nullif(regexp_extract({stem}, '^[^_]*_(.+)$', 1), ''), {stem}) AS conversation_id,
          session_cwd AS project,
          1 AS request_count,
          {inp} AS input_tokens,
          coalesce({n['cache_read']}, 0) AS cache_read_tokens,
          coalesce({n['cache_write']}, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          {n['output']} AS output_tokens,
          0 AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          {agent_cost_sql('cost')} AS reported_cost_usd,
          json_object('api', api, 'pi_provider', pi_provider, 'stop_reason', stop_reason) AS extra
        FROM (SELECT *,
                max(CASE WHEN type = 'session' THEN nullif(entry_id, '') END) OVER () AS session_id,
                max(CASE WHEN type = 'session' THEN nullif(cwd, '') END) OVER () AS session_cwd
              FROM ({lines}))
        WHERE NOT _json_ok OR (type = 'message' AND role = 'assistant' AND usage IS NOT NULL)
        """
