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
  separators replaced by `-`, lossy); ts = the entry's `timestamp` (else the message's epoch ms);
  model = `message.model`, else the `modelId` of the last `model_change` before it (older OpenClaw
  files); provider = `message.provider` (else that change's `provider`) folded to the catalog's
  names (`amazon-bedrock` aws, `google-vertex` / `google-gemini-cli` / `google-antigravity` google,
  `azure-openai-responses` azure), else the model's vendor; `api` and pi's provider kept in extra.

New files are read in batches (one scan over a run's new session files), each file's header and
last model change applying to its own lines only.
"""

from __future__ import annotations

import re
from typing import ClassVar

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    agent_cost_sql,
    batch_cols,
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
    "message_ts": "$.message.timestamp",
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
    # the model a session switched to (`ModelChangeEntry` {provider, modelId}; OpenClaw's `custom`
    # entry `model-snapshot` holds the same in `data`): the model of a message that names none
    "change_model": "$.modelId",
    "change_provider": "$.provider",
    "custom_type": "$.customType",
    "snapshot_model": "$.data.modelId",
    "snapshot_provider": "$.data.provider",
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


def is_session(head: bytes) -> bool:
    """The head is a pi session file's: its header, or entries (pi's or OpenClaw's, the same file)."""
    objs = json_lines(head, limit=3)
    return bool(objs) and (_is_header(objs[0]) or all(_is_entry(o) for o in objs))


OPENCLAW_PLACE = re.compile(
    r"(?:^|/)\.(?:openclaw|clawdbot|moltbot|moldbot)/|(?:^|/)agents/[^/]+/sessions/[^/]+$"
    r"|\.jsonl\.(?:deleted|reset)\.[^/]+$|\.checkpoint\.[0-9a-fA-F-]{36}\.jsonl$")
"""Where OpenClaw (formerly clawdbot, moltbot) keeps a session, or the names only it gives one
(openclaw/openclaw `src/config/sessions/artifacts.ts`): below its home folders, in
`agents/<agent id>/sessions/`, a session archived on /reset or deletion (`<id>.jsonl.reset.<time>`,
`<id>.jsonl.deleted.<time>`; older releases wrote epoch milliseconds as the time) or the copy kept
before a compaction (`<id>.checkpoint.<uuid>.jsonl`)."""


def is_openclaw(head: bytes, name: str) -> bool:
    """A pi session file that OpenClaw wrote: by its place or name (`OPENCLAW_PLACE`), or by an entry
    only OpenClaw appends (its `custom` entries `model-snapshot` and `openclaw...`, written when a run
    starts; a reply it mirrors into the transcript, `provider` "openclaw")."""
    if OPENCLAW_PLACE.search(name.split("!")[-1].replace("\\", "/")):
        return True
    for o in json_lines(head, limit=12):
        custom = o.get("customType")
        message = o.get("message")
        if o.get("type") == "custom" and isinstance(custom, str) and (
                custom == "model-snapshot" or custom.startswith("openclaw")):
            return True
        if isinstance(message, dict) and message.get("provider") == "openclaw":
            return True
    return False


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
    batchable = True
    reader_changes: ClassVar[dict[int, str]] = {
        2: "a session file OpenClaw wrote (below ~/.openclaw, an archived or checkpoint name, or with OpenClaw's own "
           "entries) is read as openclaw_session_jsonl (its event ids, so a checkpoint's copies are stored once)",
    }

    def sniff(self, head: bytes, name: str) -> bool:
        return is_session(head) and not is_openclaw(head, name)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        stem = f.stem_sql()
        return session_query(f, "pi:", f"coalesce(nullif(regexp_extract({stem}, '^[^_]*_(.+)$', 1), ''), {stem})")


def _or_last_change(own: str, change: str, snapshot: str, part: str) -> str:
    """SQL: the message's own `own`, else the one of the last model change (or OpenClaw snapshot)
    before it in its file (`part`: the file's column in a batch, a constant otherwise)."""
    last = (f"CASE WHEN type = 'model_change' THEN nullif({change}, '') "
            f"WHEN type = 'custom' AND custom_type = 'model-snapshot' THEN nullif({snapshot}, '') END")
    return (f"coalesce(nullif({own}, ''), last_value({last} IGNORE NULLS) "
            f"OVER (PARTITION BY {part} ORDER BY source_line ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))")


def session_query(f: InputFile, prefix: str, file_session: str) -> str:
    """SQL: the rows of a pi session file (the module docstring); OpenClaw's are the same file.
    `prefix` starts each event id; `file_session` (SQL) is the session id when no header states it."""
    lines = json_lines_sql(f, FIELDS)
    part = f.part_sql()  # windows and the header are per file, in a batch too
    n = {x: int_sql(x) for x in TOKS}
    bad = " OR ".join(is_bad_count(x) for x in TOKS)
    none = " AND ".join(f"coalesce({n[x]}, 0) = 0" for x in TOKS)
    apis = ", ".join(f"'{a}'" for a in INPUT_WITH_CACHE_APIS)
    cached_in_input = f"coalesce(api IN ({apis}), false)"
    inp = f"{n['input']} - CASE WHEN {cached_in_input} THEN coalesce({n['cache_read']}, 0) ELSE 0 END"
    return f"""
    SELECT source_line, raw, {batch_cols(f)}
      CASE WHEN NOT _json_ok THEN 'not valid JSON'
           ELSE coalesce({token_error_sql(bad, 'input', 'output', n['total'], 'output')},
             CASE WHEN {is_bad_cost('cost')}
                    THEN 'usage.cost.total is not a number of dollars >= 0'
                  WHEN {cached_in_input} AND {n['cache_read']} > {n['input']}
                    THEN 'usage.cacheRead exceeds usage.input (Gemini''s input includes the cached tokens)'
             END)
      END AS error,
      _json_ok AND {none} AS skip,
      '{prefix}' || nullif(entry_id, '') || ':' || coalesce(timestamp, '') AS event_id,
      'request' AS grain,
      coalesce({ts_sql('timestamp')}, {ts_sql('message_ts')}) AS ts,
      {_provider_sql('pi_provider', "lower(coalesce(model, ''))")} AS provider,
      model,
      coalesce(session_id, {file_session}) AS conversation_id,
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
    FROM (SELECT * REPLACE (
            {_or_last_change('model', 'change_model', 'snapshot_model', part)} AS model,
            {_or_last_change('pi_provider', 'change_provider', 'snapshot_provider', part)} AS pi_provider),
            max(CASE WHEN type = 'session' THEN nullif(entry_id, '') END) OVER (PARTITION BY {part}) AS session_id,
            max(CASE WHEN type = 'session' THEN nullif(cwd, '') END) OVER (PARTITION BY {part}) AS session_cwd
          FROM ({lines}))
    WHERE NOT _json_ok OR (type = 'message' AND role = 'assistant' AND usage IS NOT NULL)
    """
