"""Kimi CLI session wire logs (`~/.kimi/sessions/<work-dir hash>/<session id>/wire.jsonl`).

Why: Kimi CLI (MoonshotAI/kimi-cli) keeps every session's wire messages on disk, and their
`StatusUpdate` events are the only record of the tokens each model call used; ccusage reads them
(`ccusage kimi`), and without this format they were unknown files.

Field mapping (MoonshotAI/kimi-cli `src/kimi_cli/wire/file.py` `WireFileMetadata`,
`WireMessageRecord`; `src/kimi_cli/wire/types.py` `StatusUpdate`, `SubagentEvent`,
`WireMessageEnvelope`; `packages/kosong/src/kosong/chat_provider/__init__.py` `TokenUsage`;
`src/kimi_cli/soul/kimisoul.py`, the "USAGE & STATUS UPDATE" step; where ccusage looks:
`rust/crates/ccusage/src/adapter/kimi/paths.rs`, `parser.rs`, `docs/guide/kimi/index.md`): the
first line is `{"type": "metadata", "protocol_version": "1.10"}` (files from before it have
none); then one `{timestamp, message: {type, payload}}` per wire message, `timestamp` in epoch
seconds.

- After each model call (a step) the CLI sends a `StatusUpdate` whose `token_usage` is that
  step's `TokenUsage` `{input_other, output, input_cache_read, input_cache_creation}` and whose
  `message_id` is the reply's id: one row per such update. Other StatusUpdates (plan mode, MCP
  status: no `token_usage`) and every other message (TurnBegin holds the user's input) are not
  rows; an update whose counts are all 0 is read and counted as skipped (ccusage drops it too).
- Token convention: `input_other` is "Input tokens excluding `input_cache_read` and
  `input_cache_creation`" (already uncached); `output` is "Total output tokens" (the reasoning
  included, not split out: reasoning_tokens = 0). input_tokens = input_other, cache_read_tokens =
  input_cache_read, cache_write_tokens = input_cache_creation (only Anthropic's API states it).
- A sub-agent runs with its own wire file (`<session>/subagents/<agent id>/wire.jsonl`, kimi-cli
  `src/kimi_cli/subagents/store.py`), and the parent's wire records each of its messages again
  wrapped in a `SubagentEvent` (`payload.event` = `{type, payload}`). Both are read, and
  event_id = `kimi-cli:` + message_id, so a sub-agent call is stored once whichever file comes
  first (ccusage 20.0.24 counts the sub-agent's own file and never the wrapped copies). A wrapped
  update without a message_id is not a row (it could not be told from the sub-agent file's).
  /fork and /undo copy the wire lines up to a turn into a new session
  (`src/kimi_cli/session_fork.py`): the copies keep their message_id and are duplicates. A
  top-level update without a message_id is identified by its file and line.
- The wire does not name the model (it is config.toml's `default_model`, or /model's choice,
  neither written per session): model = `kimi-for-coding`, Kimi CLI's default model, as ccusage
  does, flagged `extra.model_assumed = true`; provider `moonshotai`. conversation_id = the
  session folder's name, project = its work-dir hash folder (the CLI hashes the path), both from
  the file's path (`sessions/<hash>/<session>/...`); NULL for a file elsewhere.

New wire files of a run are read in batches, by one scan over the list of files (`batchable`).
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

_U = "$.message.payload"
FIELDS = {
    "timestamp": "$.timestamp",
    "mtype": "$.message.type",
    "usage": f"{_U}.token_usage",
    "message_id": f"{_U}.message_id",
    "input_other": f"{_U}.token_usage.input_other",
    "output": f"{_U}.token_usage.output",
    "cache_read": f"{_U}.token_usage.input_cache_read",
    "cache_write": f"{_U}.token_usage.input_cache_creation",
    # a sub-agent's update, wrapped in the parent's SubagentEvent
    "sub_type": f"{_U}.event.type",
    "sub_usage": f"{_U}.event.payload.token_usage",
    "sub_message_id": f"{_U}.event.payload.message_id",
    "sub_input_other": f"{_U}.event.payload.token_usage.input_other",
    "sub_output": f"{_U}.event.payload.token_usage.output",
    "sub_cache_read": f"{_U}.event.payload.token_usage.input_cache_read",
    "sub_cache_write": f"{_U}.event.payload.token_usage.input_cache_creation",
}
TOKS = ("input_other", "output", "cache_read", "cache_write")
DEFAULT_MODEL = "kimi-for-coding"
"""Kimi CLI's default model (kimi-cli `docs/en/configuration/config-files.md`, `default_model`)."""

_WIRE_TYPE = re.compile(r"^[A-Z][A-Za-z]+$")
# sessions/<work-dir hash>/<session id>/wire.jsonl, or a sub-agent's .../subagents/<agent id>/wire.jsonl
_PATH = r"(?:^|/)sessions/([^/]+)/([^/]+)/(?:subagents/[^/]+/)?[^/]+$"


def _is_record(o: dict) -> bool:
    message = o.get("message")
    return (isinstance(o.get("timestamp"), int | float) and isinstance(message, dict)
            and isinstance(message.get("type"), str) and _WIRE_TYPE.match(message["type"]) is not None
            and isinstance(message.get("payload"), dict))


@register
class KimiCliWireJsonl(Ingestor):
    name = "kimi_cli_wire_jsonl"
    title = "Kimi CLI session wire logs (~/.kimi/sessions/<work dir>/<session>/wire.jsonl)"
    obtain = "Already on disk: point --logs at ~/.kimi/sessions (or $KIMI_SHARE_DIR/sessions)."
    batchable = True  # one small file per session: new ones are read in one scan

    def sniff(self, head: bytes, name: str) -> bool:
        objs = json_lines(head, limit=3)
        if not objs:
            return False
        first = objs[0]
        if first.get("type") == "metadata" and isinstance(first.get("protocol_version"), str) and len(first) == 2:
            return True
        return all(_is_record(o) for o in objs)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        lines = json_lines_sql(f, FIELDS)
        # a top-level update, else the SubagentEvent's
        top = "(mtype = 'StatusUpdate' AND usage IS NOT NULL)"
        sub = ("(mtype = 'SubagentEvent' AND sub_type = 'StatusUpdate' AND sub_usage IS NOT NULL "
               "AND sub_message_id <> '')")
        pick = {x: f"CASE WHEN {top} THEN {x} ELSE sub_{x} END" for x in (*TOKS, "message_id")}
        n = {x: int_sql(pick[x]) for x in TOKS}
        bad = " OR ".join(is_bad_count(pick[x]) for x in TOKS)
        none = " AND ".join(f"coalesce({n[x]}, 0) = 0" for x in TOKS)
        name = f"replace({f.name_sql()}, '\\', '/')"
        return f"""
        SELECT source_line, raw, {batch_cols(f)}
          CASE WHEN NOT _json_ok THEN 'not valid JSON'
               WHEN {bad} THEN 'non-numeric or non-integer token count in token_usage'
               WHEN {pick['input_other']} IS NULL AND NOT ({none}) THEN {sql_str(INPUT_NOT_REPORTED)}
          END AS error,
          _json_ok AND {none} AS skip,
          'kimi-cli:' || nullif({pick['message_id']}, '') AS event_id,
          'request' AS grain,
          {ts_sql('timestamp')} AS ts,
          'moonshotai' AS provider,
          {sql_str(DEFAULT_MODEL)} AS model,
          nullif(regexp_extract({name}, '{_PATH}', 2), '') AS conversation_id,
          nullif(regexp_extract({name}, '{_PATH}', 1), '') AS project,
          1 AS request_count,
          {n['input_other']} AS input_tokens,
          coalesce({n['cache_read']}, 0) AS cache_read_tokens,
          coalesce({n['cache_write']}, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          coalesce({n['output']}, 0) AS output_tokens,
          0 AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          json_object('model_assumed', true) AS extra
        FROM ({lines})
        WHERE NOT _json_ok OR {top} OR {sub}
        """
