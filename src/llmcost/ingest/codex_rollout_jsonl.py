"""OpenAI Codex CLI session rollouts (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`).

Field mapping (formats-request-logs.md 6b; openai/codex `codex-rs/protocol/src/protocol.rs`,
ccusage `adapter/codex`): every line is `{timestamp, type, payload}`.

- One usage row per `event_msg` with `payload.type = "token_count"` and a non-null `info`, from
  `info.last_token_usage` (this model call). `info.total_token_usage` is a running total and is
  never summed; legacy files with only the total are differenced against the previous event that
  states one (a broken line between two is passed over).
- `input_tokens` there INCLUDES `cached_input_tokens`: uncached input = input - cached.
  `output_tokens` includes `reasoning_output_tokens`.
- The same token_count is sometimes written twice: `event_id = session id || ':' ||
  total_token_usage.total_tokens` (the running total only grows with a new call), so repeats are
  stored once and counted as duplicates.
- Conversation: `session_meta.payload.id`. Model: the event's own `info.model` where it has one
  (newer rollouts; it names the model that answered, which may differ from the turn's), else the
  latest `turn_context.payload.model` before the event (the model can change mid-session);
  without either, `gpt-5` as ccusage does, flagged in `extra.model_assumed`. Turn: the number of
  `user_message` events so far (one user turn can make several model calls).
- Project: the folder Codex ran in, `cwd` of that latest `turn_context`, else of `session_meta`
  (as Claude Code's and Copilot CLI's `cwd`).

Codex since mid-2026 (reader version 2). Not in the shared reference or samples; read from
third-party readers of real rollouts (Codex CLI 0.14x-0.159, Codex Desktop) and their fixtures:

- Each model response's usage is also written as a top-level `token_usage_record` line:
  `payload.{response_id, usage{input_tokens, cached_input_tokens, cache_write_input_tokens,
  output_tokens, reasoning_output_tokens, total_tokens}, turn_token_usage, thread_token_usage}`,
  beside the token_count event of the same call. From a file's first record on, the records are
  the rows (`event_id` = session id || ':r:' || response_id) and token_count events are not read;
  the token_count events before it (the part an older Codex wrote, in a resumed session) are.
  The copies a `compacted` line embeds are never read (only top-level lines are).
- `cache_write_input_tokens` (in a record's usage and in token_count's usages) is a part of
  `input_tokens`, as `cached_input_tokens` is (total_tokens = input + output on real records):
  uncached input = input - cached - cache writes, and the cache writes are priced as such.
- Service tier: the usage line's own `service_tier` (the tier applied, as OpenAI's responses
  report it), else the thread's setting as last set before it: an `event_msg` of type
  `thread_settings_applied` (a snapshot: `thread_settings.service_tier`, absent = standard), or a
  `turn_context`/`session_meta` that states `service_tier`. Codex's fast mode is OpenAI's
  priority tier (`fast` and `priority` are the same price: pricing/catalog.py).

A rollout from before these lines (Codex CLI until mid-2025: a header `{id, timestamp, instructions,
git}`, `{"record_type": "state"}` lines, bare response items) records no token counts: it is read
and gives no rows, rather than failing the run as an unknown file.

Rollouts are one file per session (kilobytes to a few MB), so the query reads the file more than
once (model and turn via ASOF joins, session id via a per-file lookup) instead of streaming it in
a single pass like the Claude Code format. The new rollouts of a run are read together, by one
scan over the list of files (`batchable`): every window, join and lookup is per file.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import ClassVar

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    int_sql,
    is_bad_count,
    json_lines,
    json_lines_sql,
    register,
    ts_sql,
)

FIELDS = {
    "type": "$.type",
    "timestamp": "$.timestamp",
    "ptype": "$.payload.type",
    "session_id": "$.payload.id",
    "ctx_model": "$.payload.model",
    "cwd": "$.payload.cwd",
    "info": "$.payload.info",
    "info_model": "$.payload.info.model",
    "last_input": "$.payload.info.last_token_usage.input_tokens",
    "last_cached": "$.payload.info.last_token_usage.cached_input_tokens",
    "last_cw": "$.payload.info.last_token_usage.cache_write_input_tokens",
    "last_output": "$.payload.info.last_token_usage.output_tokens",
    "last_reasoning": "$.payload.info.last_token_usage.reasoning_output_tokens",
    "tot_input": "$.payload.info.total_token_usage.input_tokens",
    "tot_cached": "$.payload.info.total_token_usage.cached_input_tokens",
    "tot_cw": "$.payload.info.total_token_usage.cache_write_input_tokens",
    "tot_output": "$.payload.info.total_token_usage.output_tokens",
    "tot_reasoning": "$.payload.info.total_token_usage.reasoning_output_tokens",
    "tot_total": "$.payload.info.total_token_usage.total_tokens",
    # token_usage_record (one per model response, keyed by response_id)
    "rid": "$.payload.response_id",
    "usage": "$.payload.usage",
    "u_input": "$.payload.usage.input_tokens",
    "u_cached": "$.payload.usage.cached_input_tokens",
    "u_cw": "$.payload.usage.cache_write_input_tokens",
    "u_output": "$.payload.usage.output_tokens",
    "u_reasoning": "$.payload.usage.reasoning_output_tokens",
    "thr_total": "$.payload.thread_token_usage.total_tokens",
    # the service tier: stated with the usage, or the thread's setting
    "tier": "$.payload.service_tier",
    "info_tier": "$.payload.info.service_tier",
    "settings_tier": "$.payload.thread_settings.service_tier",
}
TOKS = ("last_input", "last_cached", "last_cw", "last_output", "last_reasoning", "tot_input", "tot_cached", "tot_cw",
        "tot_output", "tot_reasoning", "tot_total", "u_input", "u_cached", "u_cw", "u_output", "u_reasoning")
USAGE_RECORD_CHANGE = (
    "the usage lines Codex writes since mid-2026 are read: `token_usage_record` (one per model response), cache "
    "writes (`cache_write_input_tokens`, a part of the input) and the service tier (fast/priority or flex: stated "
    "with the usage, else the thread's setting); before, cache writes were priced as uncached input and every call "
    "at the standard tier")
"""The reader change of version 2 (its `reader_changes`)."""


@register
class CodexRolloutJsonl(Ingestor):
    name = "codex_rollout_jsonl"
    title = "OpenAI Codex CLI session rollouts (~/.codex/sessions/**/rollout-*.jsonl)"
    obtain = "Already on disk: point --logs at ~/.codex/sessions (and ~/.codex/archived_sessions)."

    # new rollouts of a run are read by one scan over the list of files (ingest/batches.py):
    # query() reads them only through json_lines_sql and keeps every window and join per file
    # a rollout without session_meta is identified by its lines' text: a branch's rollout repeats
    # the history it branched from, and those lines are the same calls
    text_identity = True
    batchable = True
    reader_changes: ClassVar[dict[int, str]] = {2: USAGE_RECORD_CHANGE}

    def sniff(self, head: bytes, name: str) -> bool:
        objs = json_lines(head)
        if any(o.get("type") in ("session_meta", "turn_context") and isinstance(o.get("payload"), dict)
               for o in objs):
            return True
        start = head[:2048]
        if start.startswith(b'{"timestamp":') and b'"type":"session_meta","payload":{' in start:
            return True
        # a rollout from before the event lines (mid-2025): a header {id, timestamp, instructions, git},
        # then `{"record_type":"state"}` lines and bare response items, and no token counts
        if not PurePath(name).name.startswith("rollout-"):
            return False
        first = objs[0] if objs else None
        if first is not None and "type" not in first and "id" in first and "timestamp" in first:
            return "instructions" in first or any(o.get("record_type") == "state" for o in objs[1:])
        return start.startswith(b'{"id":"') and b'","timestamp":"' in start[:200]  # a header too long for the head

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        lines = json_lines_sql(f, FIELDS)
        # Every window, join and lookup is per file: `_p` is the file's seq in batch mode (many
        # rollouts read by one scan, `Ingestor.batchable`), a constant otherwise.
        part = f.part_sql()

        def delta(kind: str) -> str:
            # this call's count, or the running total minus the last one stated before it (legacy
            # files); a line without one (not valid JSON, a bad count) is passed over, not taken as 0
            return (f"coalesce({int_sql('last_' + kind)}, {int_sql('tot_' + kind)} - "
                    f"coalesce(last_value({int_sql('tot_' + kind)} IGNORE NULLS) OVER (PARTITION BY _p "
                    f"ORDER BY source_line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))")

        def count(kind: str) -> str:
            # a token_usage_record states its own response's counts; a token_count its call's (or a total)
            return f"CASE WHEN type = 'token_usage_record' THEN {int_sql('u_' + kind)} ELSE {delta(kind)} END"

        bad = " OR ".join(is_bad_count(f"c.{x}") for x in TOKS)
        tier = "nullif(lower(trim({})), '')"
        return f"""
        WITH l AS (SELECT *, {part} AS _p FROM ({lines})),
        -- the file's first session_meta line (its id, or NULL when that line has none)
        sess AS (SELECT _p, first(session_id ORDER BY source_line) AS sid,
                        first(cwd ORDER BY source_line) AS cwd FROM l
                 WHERE type = 'session_meta' GROUP BY _p),
        ctxs AS (SELECT _p, source_line AS ctx_line, ctx_model, cwd AS ctx_cwd FROM l
                 WHERE type = 'turn_context' AND ctx_model IS NOT NULL),
        -- the thread's service tier as last set: a thread_settings_applied event is a snapshot of
        -- the settings (no tier in it: the standard one); a turn_context or session_meta may state it
        settings AS (SELECT _p, source_line AS set_line,
                            CASE WHEN type = 'event_msg'
                                 THEN coalesce({tier.format('settings_tier')}, {tier.format('tier')}, 'default')
                                 ELSE {tier.format('tier')} END AS set_tier FROM l
                     WHERE (type = 'event_msg' AND ptype = 'thread_settings_applied')
                        OR (type IN ('turn_context', 'session_meta') AND tier IS NOT NULL)),
        users AS (SELECT _p, source_line AS user_line,
                         row_number() OVER (PARTITION BY _p ORDER BY source_line) AS user_turn
                  FROM l WHERE type = 'event_msg' AND ptype = 'user_message'),
        -- since mid-2026 Codex writes each model response's usage as a token_usage_record beside
        -- the token_count event of the same call: from a file's first record on, the records are
        -- read and the token_count events are not (they would count each call twice), nor is one
        -- before it whose running total is a record's (the same call, written in the other order)
        recs AS (SELECT _p, source_line AS rec_line, thr_total FROM l WHERE type = 'token_usage_record'),
        first_rec AS (SELECT _p, min(rec_line) AS rec_line FROM recs GROUP BY _p),
        events AS (
          SELECT l.* FROM l LEFT JOIN first_rec r ON r._p = l._p
          WHERE NOT l._json_ok
             OR l.type = 'token_usage_record'
             OR (l.type = 'event_msg' AND l.ptype = 'token_count' AND l.info IS NOT NULL
                 AND (r.rec_line IS NULL OR (l.source_line < r.rec_line AND NOT EXISTS (
                     SELECT 1 FROM recs k WHERE k._p = l._p AND k.thr_total = l.tot_total))))
        ),
        calls AS (
          SELECT *, {count('input')} AS d_input, {count('cached')} AS d_cached, {count('cw')} AS d_cw,
                 {count('output')} AS d_output, {count('reasoning')} AS d_reasoning
          FROM events
        )
        SELECT c.source_line, c.raw, {"c._display, c._bseq, " if f.batch else ""}
          CASE WHEN NOT c._json_ok THEN 'not valid JSON'
               WHEN {bad} THEN 'non-numeric or non-integer token count'
               WHEN c.type = 'token_usage_record' AND c.usage IS NULL THEN 'token_usage_record without usage'
               WHEN c.d_input IS NULL AND c.d_output IS NULL
                 THEN CASE WHEN c.type = 'token_usage_record' THEN 'token_usage_record without token counts'
                           ELSE 'token_count without token usage' END
               WHEN coalesce(c.d_cached, 0) + coalesce(c.d_cw, 0) > c.d_input
                 THEN 'cached_input_tokens (with cache_write_input_tokens) exceed input_tokens'
          END AS error,
          CASE WHEN c.type = 'token_usage_record' THEN s.sid || ':r:' || coalesce(c.rid, CAST(c.source_line AS VARCHAR))
               ELSE s.sid || ':' || c.tot_total END AS event_id,
          'request' AS grain,
          {ts_sql('c.timestamp')} AS ts,
          'openai' AS provider,
          coalesce(c.info_model, CASE WHEN c.type = 'token_usage_record' THEN c.ctx_model END, x.ctx_model, 'gpt-5')
            AS model,
          nullif(coalesce(x.ctx_cwd, s.cwd), '') AS project,
          s.sid AS conversation_id,
          u.user_turn AS turn,
          1 AS request_count,
          -- input_tokens includes the cached and the cache-write tokens
          c.d_input - coalesce(c.d_cached, 0) - coalesce(c.d_cw, 0) AS input_tokens,
          coalesce(c.d_cached, 0) AS cache_read_tokens,
          coalesce(c.d_cw, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          c.d_output AS output_tokens,
          coalesce(c.d_reasoning, 0) AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          coalesce({tier.format('c.tier')}, {tier.format('c.info_tier')}, t.set_tier) AS service_tier,
          CASE WHEN c.info_model IS NULL AND x.ctx_model IS NULL
                    AND NOT (c.type = 'token_usage_record' AND c.ctx_model IS NOT NULL)
               THEN json_object('model_assumed', true) END AS extra
        FROM calls c
        LEFT JOIN sess s ON s._p = c._p
        ASOF LEFT JOIN ctxs x ON c._p = x._p AND c.source_line >= x.ctx_line
        ASOF LEFT JOIN settings t ON c._p = t._p AND c.source_line >= t.set_line
        ASOF LEFT JOIN users u ON c._p = u._p AND c.source_line >= u.user_line
        """
