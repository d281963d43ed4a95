"""OpenClaw session files (`~/.openclaw/agents/<agent id>/sessions/<session id>.jsonl`, and the
same below `~/.clawdbot`, `~/.moltbot`, `~/.moldbot`, the names OpenClaw had before, or
`$OPENCLAW_DIR`), with the sessions it archived on /reset or deletion and before a compaction.

Why: OpenClaw (formerly clawdbot / moltbot), the self-hosted assistant that runs pi's coding agent
behind chat apps, records every session with the usage and its own cost estimate of each model call;
ccusage reads them (`ccusage openclaw`); without this format they were unknown files, or read as
pi-agent's own sessions.

Field mapping: OpenClaw writes its sessions with pi's SessionManager (openclaw/openclaw
`src/config/sessions/transcript.ts` imports `SessionManager` and `CURRENT_SESSION_VERSION` from
`@mariozechner/pi-coding-agent`: its `ensureSessionHeader` writes pi's header `{type: "session",
version, id, timestamp, cwd}`, then pi's `model_change`, `thinking_level_change`, `custom` and
`message` entries follow), so a line is read exactly as `pi_agent_session_jsonl` reads it
(`session_query`, whose module docstring has the mapping and the token conventions: `usage.input` is
uncached on every pi-ai route but Gemini's own apis, where `cacheRead` is taken out of it; `output`
includes the reasoning; `usage.cost.total` is the writer's own USD estimate, stored as reported cost
when positive). What OpenClaw adds (openclaw/openclaw `src/config/sessions/artifacts.ts`; where
ccusage looks and what it reads: ryoppippi/ccusage
`rust/crates/ccusage/src/adapter/openclaw/paths.rs`, `parser.rs`, `loader.rs`):

- Archived sessions are still spend: /reset renames a session to `<id>.jsonl.reset.<time>`, deleting
  it to `<id>.jsonl.deleted.<time>` (`formatSessionArchiveTimestamp`, the ISO time with `-` for `:`;
  older releases wrote epoch milliseconds; with `.zst` added when compressed, `archive-compression.ts`:
  the loader decompresses zstd by its first bytes), and a compaction keeps the transcript as it was
  in `<id>.checkpoint.<uuid>.jsonl`. All are read (OpenClaw's `isUsageCountedSessionTranscriptFileName`
  counts the same ones; its `.bak.` repair backups and `.trajectory.jsonl` run traces are not
  sessions). A checkpoint repeats its session's entries verbatim: event id = `openclaw:` + entry `id`
  + `:` + entry `timestamp`, so they are stored once (ccusage counts the checkpoint's copies again).
- A message that names no model (older clawdbot files) takes the last `model_change` (`modelId`,
  `provider`) or `custom` `model-snapshot` (`data.modelId`, `data.provider`) before it, as ccusage.
- The replies OpenClaw mirrors into a transcript after delivering them to a chat
  (transcript.ts `appendAssistantMessageToSessionTranscript`: `provider` "openclaw", `model`
  "delivery-mirror", every count 0) and failed calls (all counts 0) are read and counted as skipped.
- conversation_id = the header's `id`, else the file name before `.jsonl` or `.checkpoint.`;
  project = the header's `cwd` (the agent's workspace).

New files are read in batches (one scan over a run's new session files), as pi's are.
"""

from __future__ import annotations

from llmcost.ingest import IngestContext, Ingestor, InputFile, register
from llmcost.ingest.pi_agent_session_jsonl import is_openclaw, is_session, session_query


@register
class OpenclawSessionJsonl(Ingestor):
    name = "openclaw_session_jsonl"
    title = "OpenClaw (clawdbot, moltbot) session files (~/.openclaw/agents/<agent>/sessions/*.jsonl*)"
    obtain = ("Already on disk: point --logs at ~/.openclaw (or ~/.clawdbot, ~/.moltbot, $OPENCLAW_DIR); "
              "archived sessions (*.jsonl.deleted.*, *.jsonl.reset.*) are read too.")
    batchable = True

    def sniff(self, head: bytes, name: str) -> bool:
        return not name.endswith(".trajectory.jsonl") and is_session(head) and is_openclaw(head, name)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        base = f"regexp_extract({f.name_sql()}, '[^/!]*$')"
        stem = f"regexp_extract({base}, '^(.+?)(?:\\.checkpoint\\.[^.]+)?\\.jsonl', 1)"
        return session_query(f, "openclaw:", f"coalesce(nullif({stem}, ''), {base})")
