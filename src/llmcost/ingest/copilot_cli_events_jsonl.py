"""GitHub Copilot CLI session events (`~/.copilot/session-state/<session>/events.jsonl`).

Why: Copilot CLI is one of the coding agents whose local logs peer tools read (ccusage has an
adapter for it); it keeps every session's events on disk, and their token counts are the only
record of what its models were asked to process.

Field mapping (github/copilot-sdk `session-events` schema, as generated into the SDKs: the
`session.shutdown` data `SessionShutdownData` / `ShutdownModelMetric` / `ShutdownModelMetricUsage`,
and `assistant.usage` marked `ephemeral: true`; layout and reading as ccusage's Copilot adapter
does, `rust/adapters/copilot` `parse_session_state_file`): one line is an event
`{id, timestamp, parentId, type, data}`.

- Usage is on disk only in `session.shutdown` events: the per-call `assistant.usage` events are
  ephemeral (sent to SDK clients, not written to events.jsonl). A shutdown's
  `data.modelMetrics` maps each model to `{requests: {count, cost}, usage: {inputTokens,
  outputTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens?}}`, the totals "across all
  requests to this model". One row per model per shutdown: grain 'bucket' from the session's
  `data.sessionStartTime` (epoch ms; else the shutdown time) to the shutdown `timestamp`;
  request_count = requests.count. A session resumed and shut down again writes another
  shutdown; as ccusage does, every shutdown is read as its own segment and summed.
- Token convention: `inputTokens` INCLUDES the cache reads and writes (ccusage's
  `uncached_session_input_tokens` = inputTokens - cacheRead - cacheWrite; a shutdown's own
  `tokenDetails` shows it, e.g. input 2 + cache_write 24,208 = inputTokens 24,210). input_tokens
  = inputTokens - cacheReadTokens - cacheWriteTokens (kept as is when smaller than their sum).
  `reasoningTokens` are "output tokens used for reasoning" (assistant.usage): output_tokens =
  outputTokens, reasoning_tokens = reasoningTokens.
- `requests.cost` is a premium-request multiplier and `totalNanoAiu` GitHub's AI units, not
  money: they go to `extra`, never to reported_cost_usd.
- provider `github-copilot` (the billing party, as OpenCode names it); model = the metrics key
  as Copilot names it (`claude-sonnet-4.5`); conversation = the `session.start` event's
  `data.sessionId`; project = its `data.context.cwd`; event_id = `copilot-cli:` + the shutdown
  event's id + `:` + model. Other events are not rows; a model entry with no tokens and no
  requests is read and counted as skipped.
"""

from __future__ import annotations

import re

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    JsonFields,
    batch_cols,
    json_lines,
    lines_sql,
    register,
    ts_sql,
)

EVENT_TYPE = re.compile(r"^(session|user|assistant|tool|subagent|hook)\.[a-z_]+$")


@register
class CopilotCliEventsJsonl(Ingestor):
    name = "copilot_cli_events_jsonl"
    grain = "bucket"
    title = "GitHub Copilot CLI session events (~/.copilot/session-state/*/events.jsonl)"
    obtain = ("Already on disk: point --logs at ~/.copilot/session-state (or $COPILOT_HOME/session-state); "
              "token counts are written when a session ends.")
    # one events.jsonl per session: new ones are read by one scan over the list of files
    # (ingest/batches.py); the query's `meta` (the session.start line) is taken per file
    batchable = True

    def sniff(self, head: bytes, name: str) -> bool:
        return any(
            isinstance(o.get("type"), str) and EVENT_TYPE.match(o["type"]) is not None
            and "parentId" in o and isinstance(o.get("data"), dict) and isinstance(o.get("id"), str)
            and isinstance(o.get("timestamp"), str)
            for o in json_lines(head)
        )

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        js = JsonFields("m.value")

        def tok(field: str) -> str:
            return js.count(f"$.usage.{field}")

        fields = ("inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens")
        bad = js.bad_counts(f"$.usage.{x}" for x in fields)
        i, o = f"coalesce({tok('inputTokens')}, 0)", f"coalesce({tok('outputTokens')}, 0)"
        r, w = f"coalesce({tok('cacheReadTokens')}, 0)", f"coalesce({tok('cacheWriteTokens')}, 0)"
        rs = f"coalesce({tok('reasoningTokens')}, 0)"
        n = "TRY_CAST(json_extract_string(m.value, '$.requests.count') AS BIGINT)"
        # the session's start is its file's: `meta` has a row per file in batch mode (many sessions
        # read by one scan, `Ingestor.batchable`), each joined to its own file's shutdowns; its
        # first start by line, as the per-file scan met it first
        part, bc = f.part_sql(), batch_cols(f)
        return f"""
        WITH l AS (
          SELECT source_line, raw, {bc}json_valid(raw) AND left(ltrim(raw), 1) = '{{' AS _ok FROM ({lines_sql(f)})
        ),
        e AS (
          SELECT source_line, raw, {bc}_ok, j, json_extract_string(j, '$.type') AS type
          FROM (SELECT *, CASE WHEN _ok THEN raw END AS j FROM l)
        ),
        meta AS (
          SELECT {part} AS _mseq,
                 any_value(json_extract_string(j, '$.data.sessionId') ORDER BY source_line) AS session_id,
                 any_value(json_extract_string(j, '$.data.context.cwd') ORDER BY source_line) AS cwd
          FROM e WHERE type = 'session.start' GROUP BY ALL
        ),
        s AS (
          SELECT source_line, raw, {bc}_ok, j,
                 unnest(CASE WHEN _ok THEN coalesce(map_entries(TRY_CAST(json_extract(j, '$.data.modelMetrics')
                                                                         AS MAP(VARCHAR, JSON))), [])
                             ELSE [NULL] END) AS m
          FROM e WHERE NOT _ok OR type = 'session.shutdown'
        )
        SELECT source_line, raw, {bc}
          CASE WHEN NOT _ok THEN 'not valid JSON'
               WHEN {bad} THEN 'non-numeric or non-integer token count'
          END AS error,
          _ok AND {i} = 0 AND {o} = 0 AND {r} = 0 AND {w} = 0 AND {rs} = 0 AND coalesce({n}, 0) = 0 AS skip,
          'copilot-cli:' || coalesce(json_extract_string(j, '$.id'), CAST(source_line AS VARCHAR))
            || ':' || m.key AS event_id,
          'bucket' AS grain,
          coalesce(make_timestamptz(TRY_CAST(json_extract_string(j, '$.data.sessionStartTime') AS BIGINT) * 1000),
                   {ts_sql("json_extract_string(j, '$.timestamp')")}) AS ts,
          {ts_sql("json_extract_string(j, '$.timestamp')")} AS bucket_end,
          'github-copilot' AS provider,
          nullif(m.key, '') AS model,
          meta.session_id AS conversation_id,
          meta.cwd AS project,
          coalesce({n}, 0) AS request_count,
          -- no inputTokens while other counts are stated: unknown, not 0 (quarantined by validate)
          CASE WHEN {tok('inputTokens')} IS NULL THEN NULL WHEN {i} >= {r} + {w} THEN {i} - {r} - {w} ELSE {i} END
            AS input_tokens,
          {r} AS cache_read_tokens,
          {w} AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          {o} AS output_tokens,
          {rs} AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          json_object('premium_requests', TRY_CAST(json_extract_string(m.value, '$.requests.cost') AS DOUBLE),
                      'nano_aiu', TRY_CAST(json_extract_string(m.value, '$.totalNanoAiu') AS DOUBLE),
                      'shutdown_type', json_extract_string(j, '$.data.shutdownType')) AS extra
        FROM s LEFT JOIN meta ON meta._mseq = {part}
        """
