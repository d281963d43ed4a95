"""Factory Droid session settings (`~/.factory/sessions/<project>/<session>.settings.json`).

Why: Droid (Factory's coding agent) is one of the agents peer tools read (ccusage `ccusage
droid`); its only on-disk record of tokens is the running total each session's settings file keeps.

Factory publishes no schema for these files. The mapping follows ccusage
`rust/crates/ccusage/src/adapter/droid/parser.rs` (`load_settings_file`, `parse_token_usage`,
`calculate_droid_cost`), `adapter/droid/paths.rs` (`~/.factory/sessions/**/*.settings.json`, or
`$DROID_SESSIONS_DIR`) and `docs/guide/droid/index.md`. A session is two files side by side:
`<session>.jsonl`, its messages (no token counts), and `<session>.settings.json`, one JSON object
`{model, reasoningEffort, providerLock, providerLockTimestamp, assistantActiveTimeMs, tokenUsage:
{inputTokens, outputTokens, cacheCreationTokens, cacheReadTokens, thinkingTokens, totalTokens?}}`
that Droid rewrites as the session goes on: its counts are the session's totals so far.

- One row per file, grain 'bucket' (a session's total, not one call): ts = providerLockTimestamp
  (when the session's provider was fixed, at its first model call; ISO text or epoch ms);
  bucket_end NULL (the file keeps no end time); request_count 0 with requests_known false (the
  number of calls is not stated).
- Token convention (ccusage's parser): `inputTokens` is the UNCACHED input, the cache counts sit
  beside it (input, cache creation and cache read are priced each at its own rate); `thinkingTokens`
  are NOT in `outputTokens` (ccusage adds them to the output for the cost and to the total: "Thinking
  tokens are included in total tokens and output-side cost estimation"). input_tokens =
  inputTokens; cache_read_tokens = cacheReadTokens; cache_write_tokens = cacheCreationTokens (no
  1-hour split stated); output_tokens = outputTokens + thinkingTokens; reasoning_tokens =
  thinkingTokens.
- A file whose counts are all 0 or absent is read and counted as skipped (ccusage skips it too); one
  stating only `totalTokens` (ccusage counts it as output) is quarantined, its split being unknown;
  one without providerLockTimestamp is quarantined for its missing time (ccusage takes the file's
  modification time, which a copy or a backup changes).
- event_id = `droid:` + the session id (the file name before `.settings.json`) = conversation_id.
  The file grows in place: the loader reads a changed file again and replaces its row. The same
  session kept in two folders (a backup) is one row: as for every bucket format, the copy read
  last (the later path, or the later run) is the live one, which is the newer totals unless the
  backup sorts after the live folder (ccusage likewise keeps one copy, by its timestamp, which two
  copies of a session share).
- provider = `providerLock` in lower case, else the model's vendor (`model_vendor_sql`); model =
  `model` as Droid states it (a bring-your-own-key model is `custom:<label>`, which ccusage reduces
  to a catalog name by guesswork; here it stays as stated, unpriced unless a price override names
  it); a file without `model` has model NULL (ccusage looks for "Model:" in the transcript).
  project = the session's folder name when it is Droid's encoded project path (`-home-dev-web`: the
  path with `/` as `-`, kept as it is, since a `-` in a folder name cannot be told apart).
"""

from __future__ import annotations

from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    JsonFields,
    batch_cols,
    first_json,
    json_objects_sql,
    model_vendor_sql,
    register,
    token_error_sql,
    ts_sql,
)

_COUNTS = ("inputTokens", "outputTokens", "cacheCreationTokens", "cacheReadTokens", "thinkingTokens")


@register
class DroidSessionSettingsJson(Ingestor):
    name = "droid_session_settings_json"
    grain = "bucket"
    title = "Factory Droid session settings (~/.factory/sessions/**/*.settings.json: each session's token totals)"
    obtain = ("Already on disk: point --logs at ~/.factory/sessions (or $DROID_SESSIONS_DIR); the totals "
              "grow while a session runs.")
    # one settings file per session: new ones are read by one scan over the list of files
    # (ingest/batches.py); the project is each file's own folder name (`name_sql`)
    batchable = True

    def sniff(self, head: bytes, name: str) -> bool:
        obj = first_json(head)
        if not isinstance(obj, dict) or not isinstance(obj.get("tokenUsage"), dict):
            return False
        return (any(k in obj["tokenUsage"] for k in (*_COUNTS, "totalTokens"))
                and (name.endswith(".settings.json") or "providerLock" in obj or "providerLockTimestamp" in obj))

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        js = JsonFields("d")
        n = {k: js.count(f"$.tokenUsage.{k}") for k in (*_COUNTS, "totalTokens")}
        stated = [n[k] for k in (*_COUNTS, "totalTokens")]
        bad = js.bad_counts(f"$.tokenUsage.{k}" for k in (*_COUNTS, "totalTokens"))
        # the folder the file is in (below an archive's `!`, none for a member at the archive's root)
        folder = f"regexp_extract(replace({f.name_sql()}, '\\', '/'), '([^/!]*)/[^/!]*$', 1)"
        return f"""
        SELECT source_line, CAST(d AS VARCHAR) AS raw, {batch_cols(f)}
          {token_error_sql(bad, n['inputTokens'], n['outputTokens'], n['totalTokens'],
                           'tokenUsage.outputTokens')} AS error,
          {" AND ".join(f"coalesce({c}, 0) = 0" for c in stated)} AND NOT ({bad}) AS skip,
          'droid:' || regexp_replace({f.stem_sql()}, '\\.settings$', '') AS event_id,
          'bucket' AS grain,
          {ts_sql(js.text('$.providerLockTimestamp'))} AS ts,
          NULL::TIMESTAMPTZ AS bucket_end,
          coalesce(lower(nullif(trim({js.text('$.providerLock')}), '')),
                   {model_vendor_sql(f"lower({js.text('$.model')})")}) AS provider,
          nullif(trim({js.text('$.model')}), '') AS model,
          regexp_replace({f.stem_sql()}, '\\.settings$', '') AS conversation_id,
          CASE WHEN starts_with({folder}, '-') THEN {folder} END AS project,
          0 AS request_count,
          false AS requests_known,
          {n['inputTokens']} AS input_tokens,
          coalesce({n['cacheReadTokens']}, 0) AS cache_read_tokens,
          coalesce({n['cacheCreationTokens']}, 0) AS cache_write_tokens,
          0 AS cache_write_1h_tokens,
          {n['outputTokens']} + coalesce({n['thinkingTokens']}, 0) AS output_tokens,
          coalesce({n['thinkingTokens']}, 0) AS reasoning_tokens,
          true AS cache_known,
          false AS batch,
          json_object('reasoning_effort', {js.text('$.reasoningEffort')},
                      'assistant_active_ms', TRY_CAST({js.text('$.assistantActiveTimeMs')} AS BIGINT)) AS extra
        FROM (SELECT *, raw AS d FROM ({json_objects_sql(f, 67108864)}))
        """
