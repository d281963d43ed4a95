"""Amp threads (`~/.local/share/amp/threads/T-<uuid>.json`, or `$AMP_DATA_DIR/threads/`).

Why: Amp (ampcode.com) is one of the coding agents peer tools read (ccusage `ccusage amp`); it keeps
each thread, with the usage of every model call, in one JSON file on disk.

Amp publishes no schema for these files. The mapping follows the readers of its peers:
ccusage `rust/crates/ccusage/src/adapter/amp/parser.rs` (`read_thread_file`, `parse_message_usage`,
`parse_ledger_events`) with its `adapter/amp/README.md` and `docs/guide/amp/index.md`, and the
earlier `apps/amp/CLAUDE.md` and `apps/amp/src/data-loader.ts` of the same repository (their
`threadSchema`). A thread is one JSON document `{v, id, created, title, messages: [...],
usageLedger?: {events: [...]}, env?: {initial: {trees: [{uri, displayName}]}}}`; `v` grows on every
save, and the file is rewritten whole.

- Current files: each assistant message `{role: "assistant", messageId, usage: {model, timestamp,
  inputTokens, outputTokens, cacheCreationInputTokens, cacheReadInputTokens, totalInputTokens,
  totalTokens?, credits?}}` is one row. The counts are the Anthropic API's (Amp's models are
  mostly Claude): `inputTokens` is the UNCACHED input, the cache counts sit beside it
  (`totalInputTokens` = input + cache creation + cache read, as ccusage's parser test shows:
  10 + 986 + 11,372 = 12,368), and `outputTokens` includes any thinking (no reasoning count is
  stated: reasoning_tokens 0). input_tokens = inputTokens; cache_read_tokens =
  cacheReadInputTokens; cache_write_tokens = cacheCreationInputTokens (no 1-hour split stated);
  output_tokens = outputTokens.
- Older files (before January 2026, ccusage's README: the "legacy keys"): usage is in
  `usageLedger.events[]` `{id, timestamp, model, credits, tokens: {input, output, total?},
  operationType, fromMessageId, toMessageId}`, one row per event; its cache counts are those of
  the assistant message whose `messageId` is `toMessageId` (as ccusage reads them), `tokens.input`
  the uncached input like `inputTokens`. When a thread has `usageLedger.events`, its messages'
  usage is not read again (ccusage does the same: the two describe the same calls).
- `credits` (per message or event) is Amp's own charge in its credit unit, which Amp does not
  document as dollars (ccusage sums them as "credits"; CodexBar reads them as cents): it goes to
  `extra.credits`, never to reported_cost_usd.
- A message or event whose counts are all 0 or absent is read and counted as skipped, as is an
  assistant message without `usage`; user and info messages are not rows. A record stating only
  `totalTokens` (ccusage counts it as output) is quarantined: how much of it was input is unknown
  (`token_error_sql`).
- event_id = `amp:` + thread id + `:` + messageId (ledger: + `:ledger:` + event id), stable when
  the file grows: a thread file that changed is read again and its rows replaced by the loader;
  conversation_id = thread `id` (the file name's stem when absent); ts = `usage.timestamp`, else
  the message's `timestamp`, else its `meta.sentAt` (epoch ms); model = `usage.model`, else the message's `model`;
  provider = the model's vendor (`model_vendor_sql`; Amp bills the calls in credits at its
  providers' prices); project = the first `env.initial.trees[].uri` without `file://`.

New files are read in batches (one scan over a run's new thread files), each file's messages and
ledger unnested from its own document and a ledger event's message looked up in its own file.
"""

from __future__ import annotations

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    JsonFields,
    batch_cols,
    first_json,
    has_keys,
    json_objects_sql,
    model_vendor_sql,
    register,
    token_error_sql,
    ts_sql,
)


@register
class AmpThreadJson(Ingestor):
    name = "amp_thread_json"
    title = "Amp threads (~/.local/share/amp/threads/T-*.json)"
    obtain = "Already on disk: point --logs at ~/.local/share/amp/threads (or $AMP_DATA_DIR/threads)."
    batchable = True

    def sniff(self, head: bytes, name: str) -> bool:
        obj = first_json(head)
        if isinstance(obj, dict):
            return (str(obj.get("id", "")).startswith("T-")
                    and (isinstance(obj.get("messages"), list) or isinstance(obj.get("usageLedger"), dict)))
        if isinstance(obj, str):  # a long thread cut by the head limit: look for its keys
            return has_keys(obj, '"id":"T-') and (has_keys(obj, '"messages":[') or has_keys(obj, '"usageLedger":{'))
        return False

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        bc = batch_cols(f)
        part = f.part_sql()  # a ledger event's message is looked up in its own file
        lbc = "l._display, l._bseq, " if f.batch else ""
        m, u, e = JsonFields("m"), JsonFields("usage_"), JsonFields("e")
        # one record: its counts (SQL) by canonical name, from a message's usage or a ledger event
        msg = {"input": u.count("$.inputTokens"), "output": u.count("$.outputTokens"),
               "write": u.count("$.cacheCreationInputTokens"), "read": u.count("$.cacheReadInputTokens"),
               "total": u.count("$.totalTokens")}
        bad_msg = u.bad_counts(("$.inputTokens", "$.outputTokens", "$.cacheCreationInputTokens",
                                "$.cacheReadInputTokens", "$.totalTokens"))
        ev = {"input": e.count("$.tokens.input"), "output": e.count("$.tokens.output"),
              "write": "c.write", "read": "c.read", "total": e.count("$.tokens.total")}
        bad_ev = e.bad_counts(("$.tokens.input", "$.tokens.output", "$.tokens.total"))
        return f"""
        WITH doc AS (
          SELECT {bc}raw AS d FROM ({json_objects_sql(f, 268435456)})
        ),
        t AS (
          SELECT {bc}{part} AS _part, d,
                 coalesce(nullif(json_extract_string(d, '$.id'), ''), {f.stem_sql()}) AS thread_id,
                 regexp_replace(json_extract_string(d, '$.env.initial.trees[0].uri'), '^file://', '') AS project,
                 coalesce(json_type(d, '$.usageLedger.events') = 'ARRAY', false) AS ledger
          FROM doc
        ),
        msgs AS (
          SELECT {bc}_part, thread_id, project, ledger, unnest(json_extract(d, '$.messages[*]')) AS m,
                 generate_subscripts(json_extract(d, '$.messages[*]'), 1) AS source_line
          FROM t
        ),
        assistant AS (
          SELECT *, json_extract(m, '$.usage') AS usage_
          FROM msgs WHERE {m.text('$.role')} = 'assistant'
        ),
        c AS (  -- the cache counts of the message a ledger event ends at (toMessageId)
          SELECT _part, {m.text('$.messageId')} AS message_id, coalesce({msg['write']}, 0) AS write,
                 coalesce({msg['read']}, 0) AS read
          FROM assistant WHERE ledger
        ),
        rec AS (
          SELECT source_line, CAST(m AS VARCHAR) AS raw, {bc}thread_id, project,
            {_columns(msg, bad_msg)},
            usage_ IS NULL OR {_zero(msg)} AS skip,
            'amp:' || thread_id || ':' || coalesce({m.text('$.messageId')}, 'message-' || source_line) AS event_id,
            coalesce({ts_sql(u.text('$.timestamp'))}, {ts_sql(m.text('$.timestamp'))},
                     {ts_sql(m.text('$.meta.sentAt'))}) AS ts,
            nullif(coalesce({u.text('$.model')}, {m.text('$.model')}), '') AS model,
            TRY_CAST({u.text('$.credits')} AS DOUBLE) AS credits, NULL AS operation_type
          FROM assistant WHERE NOT ledger
          UNION ALL
          SELECT l.source_line, CAST(l.e AS VARCHAR), {lbc}l.thread_id, l.project,
            {_columns(ev, bad_ev)},
            {_zero(ev)},
            'amp:' || l.thread_id || ':ledger:' || coalesce({e.text('$.id')}, 'event-' || l.source_line),
            {ts_sql(e.text('$.timestamp'))},
            nullif({e.text('$.model')}, ''),
            TRY_CAST({e.text('$.credits')} AS DOUBLE), {e.text('$.operationType')}
          FROM (SELECT {bc}_part, thread_id, project, unnest(json_extract(d, '$.usageLedger.events[*]')) AS e,
                       generate_subscripts(json_extract(d, '$.usageLedger.events[*]'), 1) AS source_line
                FROM t WHERE ledger) l
          LEFT JOIN c ON c._part = l._part AND c.message_id = {e.text('$.toMessageId')}
        )
        SELECT source_line, raw, {bc}error, skip AND error IS NULL AS skip, event_id,
          'request' AS grain, ts,
          {model_vendor_sql('lower(model)')} AS provider,
          model,
          thread_id AS conversation_id,
          project,
          1 AS request_count,
          input_tokens, cache_read_tokens, cache_write_tokens,
          0 AS cache_write_1h_tokens,
          output_tokens,
          0 AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          json_object('credits', credits, 'operation_type', operation_type) AS extra
        FROM rec
        """


def _columns(n: dict[str, str], bad: str) -> str:
    """SQL: `error` and the token columns of one Amp record from its counts `n` (the module docstring)."""
    return f"""{token_error_sql(bad, n['input'], n['output'], n['total'], 'outputTokens')} AS error,
            {n['input']} AS input_tokens,
            coalesce({n['read']}, 0) AS cache_read_tokens,
            coalesce({n['write']}, 0) AS cache_write_tokens,
            {n['output']} AS output_tokens"""


def _zero(n: dict[str, str]) -> str:
    """SQL: true when a record states no token at all (ccusage skips it too)."""
    return " AND ".join(f"coalesce({n[k]}, 0) = 0" for k in ("input", "output", "write", "read", "total"))
