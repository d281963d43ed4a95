"""Shared mapping of the Langfuse observations exports (CSV, JSON, JSONL; batch and blob-storage).

Field mapping (formats-request-logs.md section 2; langfuse/langfuse
`worker/src/features/database-read-stream/observation-stream.ts`, usage keys from
`packages/shared/src/server/ingestion/types.ts` and `otel/OtelIngestionProcessor.ts`):

- Only GENERATION observations (or others that carry usage) are usage rows; SPAN/EVENT rows
  without usage are dropped in SQL.
- `usageDetails.input` EXCLUDES the cache (Langfuse's mappers subtract it): cache read =
  `input_cached_tokens` (OpenAI), `input_cache_read` (LangChain, Bedrock) or a free-form
  `cache_read_input_tokens`; cache write = `input_cache_creation` (else 5m + 1h parts,
  `input_cache_write`, `cache_creation_input_tokens`), 1h part `input_cache_creation_1h` (LangChain's
  Anthropic rows: `cache_creation_ephemeral_1h_input_tokens`, langfuse-python `_parse_usage_model`
  flattening Anthropic's `cache_creation`; it was not read, the 1-hour writes priced as 5-minute).
  Audio input is billed input: `input_audio_tokens` (LangChain: `input_audio`) is added to input.
- `usageDetails.output` EXCLUDES reasoning and audio: output = output + `output_reasoning_tokens`
  + `output_audio_tokens`; reasoning = `output_reasoning_tokens`. Langfuse subtracts every detail
  key it writes from `input` / `output` (types.ts for OpenAI usage; langfuse-python
  `langchain/CallbackHandler.py` `_parse_usage_model` for LangChain's `input_token_details` /
  `output_token_details`), so LangChain's `output_reasoning` and `output_audio`, and OpenAI's
  Predicted Outputs counts `output_accepted_prediction_tokens` / `output_rejected_prediction_tokens`
  (billed as completion tokens, openai-python `types/completion_usage.py`) are added back too; they
  were dropped, the output undercounted.
- Gemini rows (any Gemini key below) follow Gemini's own arithmetic (formats-request-logs.md 5e:
  prompt includes the cached tokens; candidates exclude the thoughts; totalTokenCount = prompt +
  candidates + tool-use prompt + thoughts), because their writers split and subtract
  inconsistently (the keys each writes: tests/ingest_logs/test_langfuse_usage_keys.py):
  - the app's own Gemini keys, as the SDK names them (`prompt_token_count` / `promptTokenCount`,
    `candidates_token_count`, `cached_content_token_count`, `thoughts_token_count`,
    `tool_use_prompt_token_count`, `total_token_count`; Langfuse prices these names for Gemini in
    `worker/src/constants/default-model-prices.json`): read as the Gemini body is;
  - langfuse-python's LangChain handler over Vertex AI (`_parse_usage_model`) writes the modality
    split `input_modality_<n>`, `output_modality_<n>`, `cached_modality_<n>` (<n> the proto enum
    number, 1 = TEXT) beside `cached_content_token_count` and `thoughts_token_count`: 2.60.4-2.x
    left the whole counts in `input` / `output` too (#1181), 3.0 subtracts the split from them
    (#1197), 3.10.3 also the cached part from `input_modality_<n>` (#1451);
  - langfuse-js's LangChain handler over @langchain/google writes `input_text` (cached included),
    `input_image`, `input_audio`, `input_cache_read`, `output_text`, `output_reasoning`, each
    subtracted from `input` / `output`.
  So: cache read = the first cache key; reasoning = the first thoughts key; output = candidates
  (the raw key, else `output` plus the output split, counted once when `output` equals the split:
  the 2.x handler repeats it) + reasoning; input = prompt - cached + tool use from the raw prompt
  key, else the Gemini total (`total_token_count`, else `total`) - candidates - thoughts - cached
  (the same whatever the writer subtracted; Langfuse's own check of a row is its total against its
  buckets, `IngestionService.warnOnUsageTotalMismatch`, langfuse#10592), else (no total, or one
  smaller than that) the input keys as Langfuse reads them: `input` plus its split.
- `reported_cost_usd` = `costDetails.total`, else `totalCost` (USD).
- The session id is not in observation rows: a traces export lying in the same directory (a file
  whose name contains "trace") is joined on `traceId` for `sessionId` (conversation), `userId`, and
  the turn = rank of the trace `timestamp` within its session (one trace per user turn; agent
  loops give several generations the same turn).
- Tags (`extra.tags`, llmcost.ingest._tags): the trace's `tags` (a list of strings: bare tags) from
  the traces export and the observation row's `traceTags`, then the scalar keys of the trace's
  `metadata` and of the observation's own `metadata` (the observation's win), as the data model in
  formats-request-logs.md section 2 describes them (trace `tags`, `metadata`; observation row
  `metadata`, `traceTags`).
- CSV: date cells are JSON-stringified (the cell holds `"2025-06-04T15:30:11.396Z"` with its quotes), so
  quotes are trimmed.
- The scheduled blob-storage export (S3 / Azure; CSV, JSON, JSONL, gzip'd or not, or Parquet) writes
  the same observations under their ClickHouse names in snake_case (`BLOB_NAMES`; langfuse/langfuse
  `packages/shared/src/domain/observation-field-groups.ts`, `LEGACY_OBSERVATION_EXPORT_FIELDS`, and
  `packages/shared/src/server/repositories/traces.ts`, `buildTracesForBlobStorageExportQuery`), dates as
  ClickHouse's text (`2025-06-04 15:30:11.396`, UTC) and maps as JSON objects. Each name is read under
  either spelling; the readers keep the batch export's names. Its files lie at
  `<prefix><projectId>/<table>/<YYYY-MM-DDTHH-mm-ss>.<ext>` (`worker/src/features/blobstorage/
  handleBlobStorageIntegrationProjectJob.ts`, `manifest.ts` `formatBlobExportTimestamp`): one file per
  table and run, of the same name, so the traces of `observations/<stamp>.<ext>` are
  `../traces/<stamp>.<ext>` (a trace exported by an earlier run, for an observation started after its
  window, is not found: that observation has no session).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path, PurePosixPath

from llmcost.errors import FormatError
from llmcost.ingest import (
    IngestContext,
    InputFile,
    _parquet,
    csv_has,
    csv_header,
    int_sql,
    is_bad_count,
    is_bad_number,
    on_disk,
    sql_str,
    text,
    ts_sql,
    unreported_count_sql,
)
from llmcost.ingest._records import CUT
from llmcost.ingest._tags import bare_sql, merge_sql, object_sql, with_tags
from llmcost.ingest.files import readable

OBS_COLUMNS = ["id", "traceId", "startTime", "type", "model", "usageDetails", "costDetails", "totalCost",
               "userId", "traceName", "level", "metadata", "traceTags"]
USAGE_KEYS = {
    "u_input": "$.input",
    "u_input_audio": "$.input_audio_tokens",
    "u_cached": "$.input_cached_tokens",
    "u_cache_read": "$.input_cache_read",
    "u_cri": "$.cache_read_input_tokens",
    "u_creation": "$.input_cache_creation",
    "u_creation_5m": "$.input_cache_creation_5m",
    "u_creation_1h": "$.input_cache_creation_1h",
    "u_cache_write": "$.input_cache_write",
    "u_cci": "$.cache_creation_input_tokens",
    # Anthropic's cache_creation object as langfuse-python's LangChain handler flattens it
    "u_cci_1h": "$.cache_creation_ephemeral_1h_input_tokens",
    "u_output": "$.output",
    "u_reasoning": "$.output_reasoning_tokens",
    "u_output_audio": "$.output_audio_tokens",
    # LangChain's usage_metadata details, as langfuse-python's _parse_usage_model names them
    "u_input_audio_lc": "$.input_audio",
    "u_reasoning_lc": "$.output_reasoning",
    "u_output_audio_lc": "$.output_audio",
    # OpenAI Predicted Outputs: part of completion_tokens and billed as output
    "u_accepted": "$.output_accepted_prediction_tokens",
    "u_rejected": "$.output_rejected_prediction_tokens",
    "u_total": "$.total",
    # Gemini: the modality split LangChain's usage_metadata details give (langfuse-js handler)
    "u_in_text": "$.input_text",
    "u_in_image": "$.input_image",
    "u_in_video": "$.input_video",
    "u_in_document": "$.input_document",
    "u_out_text": "$.output_text",
    "u_out_image": "$.output_image",
    # Gemini: usageMetadata's own counts as the app passed them (python-genai snake_case, REST camelCase)
    "g_prompt": "$.prompt_token_count",
    "g_prompt_c": "$.promptTokenCount",
    "g_cand": "$.candidates_token_count",
    "g_cand_c": "$.candidatesTokenCount",
    "g_cached": "$.cached_content_token_count",
    "g_cached_c": "$.cachedContentTokenCount",
    "g_thoughts": "$.thoughts_token_count",
    "g_thoughts_c": "$.thoughtsTokenCount",
    "g_tool": "$.tool_use_prompt_token_count",
    "g_tool_c": "$.toolUsePromptTokenCount",
    "g_total": "$.total_token_count",
    "g_total_c": "$.totalTokenCount",
}
BLOB_NAMES = {
    "trace_id": "traceId",
    "start_time": "startTime",
    "provided_model_name": "model",
    "usage_details": "usageDetails",
    "cost_details": "costDetails",
    "total_cost": "totalCost",
    "user_id": "userId",
    "session_id": "sessionId",
}
"""The blob-storage export's snake_case name of a column -> the batch export's, which the readers use
(`id`, `type`, `level`, `metadata`, `timestamp`, `tags` are spelt alike; module docstring)."""
_BLOB_NAME = {camel: snake for snake, camel in BLOB_NAMES.items()}
READ_COLUMNS = OBS_COLUMNS + [_BLOB_NAME[c] for c in OBS_COLUMNS if c in _BLOB_NAME]
"""The columns (JSON keys) the readers take from a file: `OBS_COLUMNS` under either spelling
(`mapping_sql` folds them into the batch export's)."""
SNIFF_KEYS = (("traceId", "startTime", "type"), ("trace_id", "start_time", "type"))
"""The keys every observation row has, in the batch export's spelling and in the blob export's."""
USAGE_COLUMNS = (("usageDetails", "costDetails"), ("usage_details", "cost_details"))
"""The usage columns of an observations export (of the same spelling as `SNIFF_KEYS`)."""
BLOB_TRACE_KEYS = ("session_id", "project_id", "bookmarked")
"""Columns every blob export of the traces table has (`buildTracesForBlobStorageExportQuery`, no field groups)."""
MODALITY_SPLITS = {"m_in": "input", "m_out": "output", "m_cached": "cached"}
"""langfuse-python's Vertex AI split, `<side>_modality_<n>`: the counts of each side's keys, as a list."""


READER_CHANGES = {
    2: "Gemini usage keys (Vertex modality split, LangChain input_text/output_text, usageMetadata names) "
       "are read by Gemini's arithmetic; before, the split was dropped, raw keys quarantined, cached tokens "
       "priced as input",
}
"""`Ingestor.reader_changes` of the three Langfuse formats: a file they stored before is read again."""

def is_observation(obj: object) -> bool:
    """Whether a JSON record is an observation row of either export (`SNIFF_KEYS`)."""
    return isinstance(obj, dict) and any(
        set(keys) <= obj.keys() and any(u in obj for u in usage)
        for keys, usage in zip(SNIFF_KEYS, USAGE_COLUMNS, strict=True)
    )


def is_observations_csv(head: bytes) -> bool:
    """Whether a CSV head (or a Parquet file's synthetic one) is an observations export of either spelling."""
    return any(csv_has(head, *keys, usage[0]) for keys, usage in zip(SNIFF_KEYS, USAGE_COLUMNS, strict=True))


def names_observations(head: str) -> bool:
    """Whether the text of a JSON array's head names an observation row's keys, in either spelling."""
    return any(all(f'"{k}"' in head for k in (keys[0], keys[1], usage[0]))
               for keys, usage in zip(SNIFF_KEYS, USAGE_COLUMNS, strict=True))


def is_traces_export(head: bytes, name: str) -> bool:
    """Whether file `name` (a path, or `archive!member`) with first bytes `head` is a Langfuse traces
    export: a CSV, JSON, JSONL (gzip'd or not) or Parquet file whose name holds "trace" (the batch
    export saved beside the observations) or that lies in a `traces` folder (the blob export's
    `<projectId>/traces/`), with a session id column and no usage column. The blob export's
    `session_id` counts only beside its other trace columns (`BLOB_TRACE_KEYS`): other logs named
    "trace" have a `session_id` too (a RAGPulse trace)."""
    path = PurePosixPath(name.split("!")[-1].replace("\\", "/"))
    base = path.name.lower()
    if not base.removesuffix(".gz").endswith((".csv", ".json", ".jsonl", ".parquet")):
        return False
    if "trace" not in base and path.parent.name.lower() != "traces":
        return False
    start = head[:8192]
    blob = all(k.encode() in start for k in BLOB_TRACE_KEYS)
    return (b"sessionId" in start or blob) and not any(u.encode() in start for u, _ in USAGE_COLUMNS)


def _unq(col: str) -> str:
    return f"nullif(trim({col}, '\"'), '')"


def _trace_files(me: Path) -> list[Path]:
    """The files that may be the traces export of observations file `me`: those beside it whose name
    holds "trace", then, for a blob export's `observations/<stamp>.<ext>`, `../traces/<stamp>.<ext>`."""
    out = [c for c in sorted(me.parent.iterdir()) if c != me and c.is_file() and "trace" in c.name.lower()]
    if me.parent.name.lower() in ("observations", "observations_v2"):  # the blob export's table folders
        blob = me.parent.parent / "traces" / me.name
        if blob.is_file():
            out.append(blob)
    return out


def traces_table(f: InputFile, ctx: IngestContext) -> str | None:
    """Create a TEMP table of the traces export of `f` (id, session_id, user_id, turn, tags,
    metadata), if any (`_trace_files`, `is_traces_export`): beside the file on disk, or in the same
    folder of its archive (the loader extracts an archive's members with their folders,
    files._zip_members)."""
    if ctx.con is None:
        return None
    from llmcost.ingest import intake

    for cand in _trace_files(on_disk(f)):
        try:  # a gzip'd export decompressed, a Parquet one as its synthetic CSV head (ingest/_parquet.py)
            with open(cand, "rb") as fh:
                gz = fh.read(2) == b"\x1f\x8b"
            head = intake.head(cand, gz)
        except (OSError, FormatError):
            continue
        if not is_traces_export(head, str(cand)):
            continue
        with tempfile.TemporaryDirectory(prefix="llmcost-traces-") as tmp:
            # a folder name with a glob character ("exports [old]") made DuckDB read no file, or others
            return _traces_from(ctx, f, cand, text(head), readable(cand, Path(tmp)))
    return None


def _traces_from(ctx: IngestContext, f: InputFile, cand: Path, head: str, at: Path) -> str:
    """Create the TEMP table of traces export `cand` (read at `at`, a path DuckDB takes as it is;
    gzip'd when its name ends in `.gz`) and return its name. Columns in either export's spelling."""
    path = sql_str(str(at))
    kind = Path(cand.name.lower().removesuffix(".gz")).suffix
    if kind in (".csv", ".parquet"):
        header = set(csv_header(head.encode()) or [])

        def col(name: str) -> str:  # the header's spelling of `name`
            return _BLOB_NAME[name] if name not in header and _BLOB_NAME.get(name) in header else name

        # an export with a reduced column set may lack them: no tags then, not a failed file
        extra_cols = ", ".join(c if c in header else f"NULL::VARCHAR AS {c}" for c in ("tags", "metadata"))
        read = (_parquet.relation(at, path) if kind == ".parquet" else
                f"read_csv({path}, header=true, all_varchar=true, quote='\"', escape='\"', strict_mode=false, "
                "null_padding=true, max_line_size=16777216)")
        src = (f"SELECT {_unq('id')} AS id, {_unq(col('sessionId'))} AS session_id, "
               f"{_unq(col('userId'))} AS user_id, {_unq('timestamp')} AS t, {extra_cols} FROM {read}")
    else:
        def key(name: str) -> str:  # `name` under either spelling
            return f"coalesce(json ->> '{name}', json ->> '{_BLOB_NAME[name]}')"

        fmt = "array" if head.lstrip().startswith("[") else "newline_delimited"
        src = (f"SELECT json ->> 'id' AS id, {key('sessionId')} AS session_id, "
               f"{key('userId')} AS user_id, json ->> 'timestamp' AS t, "
               "CAST(json -> 'tags' AS VARCHAR) AS tags, CAST(json -> 'metadata' AS VARCHAR) AS metadata "
               f"FROM read_json_objects({path}, format='{fmt}', "
               "maximum_object_size=67108864)")
    name = "lf_traces_" + hashlib.sha1(f"{f.display}{cand}".encode()).hexdigest()[:12]
    ctx.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT id, session_id, user_id, tags, metadata, "
        f"CASE WHEN session_id IS NOT NULL THEN dense_rank() OVER (PARTITION BY session_id ORDER BY "
        f"{ts_sql('t')}, id) END AS turn FROM ({src}) WHERE id IS NOT NULL"
    )
    return name


NO_USAGE = ("usageDetails states no input or output count (empty or missing): the generation's tokens are "
            "unknown, not 0, and its cost is not counted either. Fix: have the SDK report usage (or let "
            "Langfuse infer it for the model), then export again")
"""The quarantine reason of a GENERATION without usage: stored, it read 0 tokens, an estimate of $0."""


def _split_sum(name: str) -> str:
    """SQL: the sum of a `MODALITY_SPLITS` list's counts, NULL when the row has none of its keys."""
    return f"list_sum(list_transform({name}, lambda v: {int_sql('v')}))"


def _gemini_sql(audio_in: str, audio_out: str) -> dict[str, str]:
    """SQL of a Gemini row's tokens (module docstring: the arithmetic of formats-request-logs.md
    5e, whatever its writer subtracted): `is` (the row has a Gemini key), `input`, `read`,
    `output`, `reasoning`, and `error` (NULL, or why the row is quarantined)."""
    def first(*keys: str) -> str:
        return "coalesce(" + ", ".join(int_sql(k) for k in keys) + ")"

    def n(k: str) -> str:
        return f"coalesce({int_sql(k)}, 0)"

    cached = first("u_cached", "u_cache_read", "u_cri", "g_cached", "g_cached_c")
    read = f"coalesce({cached}, {_split_sum('m_cached')}, 0)"
    reasoning = f"coalesce({first('u_reasoning', 'u_reasoning_lc', 'g_thoughts', 'g_thoughts_c')}, 0)"
    out_split = f"(coalesce({_split_sum('m_out')}, 0) + {n('u_out_text')} + {n('u_out_image')} + {audio_out})"
    # the 2.x handler left the whole count in `output` beside its split: the two are then equal
    out_keys = f"CASE WHEN {n('u_output')} = {out_split} THEN {out_split} ELSE {n('u_output')} + {out_split} END"
    candidates = f"coalesce({first('g_cand', 'g_cand_c')}, {out_keys})"
    in_split = (f"(coalesce({_split_sum('m_in')}, 0) + {n('u_in_text')} + {n('u_in_image')} + {n('u_in_video')} "
                f"+ {n('u_in_document')} + {audio_in})")
    in_keys = f"CASE WHEN {n('u_input')} = {in_split} THEN {in_split} ELSE {n('u_input')} + {in_split} END"
    prompt = first("g_prompt", "g_prompt_c")
    tool = f"coalesce({first('g_tool', 'g_tool_c')}, 0)"
    from_total = f"({first('g_total', 'g_total_c', 'u_total')} - {candidates} - {reasoning} - {read})"
    keys = ("g_prompt", "g_prompt_c", "g_cand", "g_cand_c", "g_cached", "g_cached_c", "g_thoughts", "g_thoughts_c",
            "g_tool", "g_tool_c", "u_in_text", "u_in_image", "u_in_video", "u_in_document", "u_out_text",
            "u_out_image")
    splits = " OR ".join(f"len(coalesce({m}, [])) > 0" for m in MODALITY_SPLITS)
    return {
        "is": f"(coalesce({', '.join(keys)}) IS NOT NULL OR {splits})",
        "input": (f"CASE WHEN {prompt} IS NOT NULL THEN {prompt} - {read} + {tool} "
                  f"WHEN {from_total} >= 0 THEN {from_total} ELSE {in_keys} + {tool} END"),
        "read": read,
        "output": f"{candidates} + {reasoning}",
        "reasoning": reasoning,
        "error": (f"CASE WHEN {prompt} < {read} THEN 'the cached count exceeds prompt_token_count (Gemini''s prompt "
                  "count includes the cached tokens)' END"),
    }


def mapping_sql(src: str, f: InputFile, ctx: IngestContext) -> str:
    """Canonical rows from `src` (source_line, raw, _json_ok, READ_COLUMNS as VARCHAR; JSON cells as text)."""
    traces = traces_table(f, ctx)
    # a blob export's snake_case column read as the batch export's (a file has one spelling or the other)
    folded = ", ".join(f'coalesce("{c}", "{_BLOB_NAME[c]}") AS "{c}"' for c in OBS_COLUMNS if c in _BLOB_NAME)
    src = f"SELECT * REPLACE ({folded}) FROM ({src})"
    paths = "[" + ", ".join(sql_str(p) for p in USAGE_KEYS.values()) + "]"
    ucols = ", ".join(f"_u[{i + 1}] AS {n}" for i, n in enumerate(USAGE_KEYS))
    n = {k: f"coalesce({int_sql(k)}, 0)" for k in USAGE_KEYS}
    # one count per detail, whichever mapper wrote it (OpenAI's key, else LangChain's)
    audio_in = f"coalesce({int_sql('u_input_audio')}, {int_sql('u_input_audio_lc')}, 0)"
    reasoning = f"coalesce({int_sql('u_reasoning')}, {int_sql('u_reasoning_lc')}, 0)"
    audio_out = f"coalesce({int_sql('u_output_audio')}, {int_sql('u_output_audio_lc')}, 0)"
    read = "coalesce(" + ", ".join(int_sql(k) for k in ("u_cached", "u_cache_read", "u_cri")) + ", 0)"
    parts = f"{int_sql('u_creation_5m')} + {int_sql('u_creation_1h')}"
    write = f"coalesce({int_sql('u_creation')}, {parts}, {int_sql('u_cache_write')}, {int_sql('u_cci')}, 0)"
    bad = " OR ".join([*(is_bad_count(k) for k in USAGE_KEYS),
                      *(f"coalesce(list_bool_or(list_transform({m}, lambda v: {is_bad_count('v')})), false)"
                        for m in MODALITY_SPLITS),
                      *(is_bad_number(k) for k in ("cost_total", '"totalCost"'))])
    gem = _gemini_sql(audio_in, audio_out)
    # the Vertex AI split's keys (`input_modality_1`, ...) read as lists, one per side
    splits = ", ".join(
        f"""CASE WHEN json_valid("usageDetails") THEN list_transform(list_filter(json_keys("usageDetails"), """
        f"lambda k: regexp_matches(k, '^{side}_modality_[A-Za-z0-9_]+$')), "
        f"""lambda k: json_extract_string("usageDetails", '$.' || k)) END AS {name}"""
        for name, side in MODALITY_SPLITS.items())
    stated_in = "coalesce(u_input, u_input_audio, g_prompt, g_prompt_c, u_in_text)"
    stated_out = "coalesce(u_output, u_output_audio, g_cand, g_cand_c, u_out_text)"
    join = (f"LEFT JOIN {traces} tr ON tr.id = o.trace_id" if traces else
            "LEFT JOIN (SELECT NULL AS id, NULL AS session_id, NULL AS user_id, NULL AS turn, "
            "NULL::VARCHAR AS tags, NULL::VARCHAR AS metadata) tr ON false")
    tags = merge_sql(bare_sql("tr.tags"), bare_sql("o.trace_tags"), object_sql("tr.metadata"),
                     object_sql("o.obs_meta"))
    extra = with_tags("json_object('trace_id', o.trace_id, 'trace_name', o.trace_name, 'type', o.obs_type)", tags)
    return f"""
    SELECT o.source_line, o.raw,
      CASE WHEN NOT o._json_ok THEN 'not valid JSON'
           WHEN o._cut THEN {sql_str(CUT)}
           WHEN o.ud IS NOT NULL AND NOT json_valid(o.ud) THEN 'usageDetails is not valid JSON'
           WHEN {bad} THEN 'non-numeric or non-integer usageDetails count, or non-numeric cost'
           WHEN coalesce({stated_in}, {stated_out}) IS NULL AND {_split_sum('m_in')} IS NULL
                AND {_split_sum('m_out')} IS NULL
           THEN {sql_str(NO_USAGE)}
           WHEN {gem['is']} AND {gem['error']} IS NOT NULL THEN {gem['error']}
           ELSE {unreported_count_sql(stated_in, stated_out,
                                      "usageDetails.input", "usageDetails.output", output_required=False)}
      END AS error,
      o.obs_id AS event_id,
      'request' AS grain,
      {ts_sql('o.start_time')} AS ts,
      CASE WHEN o.model LIKE 'claude%' THEN 'anthropic' WHEN o.model LIKE 'gemini%' THEN 'google'
           WHEN regexp_matches(o.model, '^(gpt|o[0-9]|chatgpt|text-embedding)') THEN 'openai' END AS provider,
      o.model,
      coalesce(o.user_id, tr.user_id) AS user_id,
      tr.session_id AS conversation_id,
      tr.turn AS turn,
      1 AS request_count,
      CASE WHEN {gem['is']} THEN {gem['input']} ELSE {n['u_input']} + {audio_in} END AS input_tokens,
      CASE WHEN {gem['is']} THEN {gem['read']} ELSE {read} END AS cache_read_tokens,
      {write} AS cache_write_tokens,
      coalesce({int_sql('u_creation_1h')}, {int_sql('u_cci_1h')}, 0) AS cache_write_1h_tokens,
      CASE WHEN {gem['is']} THEN {gem['output']}
           ELSE {n['u_output']} + {reasoning} + {audio_out} + {n['u_accepted']} + {n['u_rejected']}
      END AS output_tokens,
      CASE WHEN {gem['is']} THEN {gem['reasoning']} ELSE {reasoning} END AS reasoning_tokens,
      true AS cache_known,
      false AS batch,
      TRY_CAST(coalesce(o.cost_total, o."totalCost") AS DECIMAL(38, 12)) AS reported_cost_usd,
      {extra} AS extra
    FROM (
      SELECT *, {ucols} FROM (
        SELECT source_line, raw, _json_ok, _cut, {_unq('id')} AS obs_id, {_unq('"traceId"')} AS trace_id,
               {_unq('"startTime"')} AS start_time, {_unq('type')} AS obs_type, {_unq('model')} AS model,
               {_unq('"userId"')} AS user_id, {_unq('"traceName"')} AS trace_name, "totalCost",
               metadata AS obs_meta, "traceTags" AS trace_tags,
               nullif("usageDetails", '') AS ud,
               CASE WHEN json_valid("costDetails")
                    THEN json_extract_string("costDetails", '$.total') END AS cost_total,
               CASE WHEN json_valid("usageDetails")
                    THEN json_extract_string("usageDetails", {paths}) END AS _u, {splits}
        FROM ({src}))
    ) o
    {join}
    WHERE NOT o._json_ok OR upper(coalesce(o.obs_type, '')) = 'GENERATION'
       OR (o.ud IS NOT NULL AND o.ud NOT IN ('{{}}', 'null'))
    """
