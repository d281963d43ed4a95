"""The validation query: a format's SQL wrapped in the checks every row passes (types, ranges,
completeness, secrets masked, ids) in one DuckDB statement, so that the loader stores good rows and
quarantines bad ones with a reason, without per-row Python. Used by `llmcost.ingest.loader`."""

from __future__ import annotations

import json
from dataclasses import replace

import duckdb

from llmcost import clock
from llmcost.ingest import (
    INPUT_NOT_REPORTED,
    IngestContext,
    Ingestor,
    InputFile,
    int_sql,
    is_bad_number,
    salvage,
    sql_str,
)
from llmcost.ingest.privacy import NOT_MASKED, mask_id_sql, mask_sql, row_guard_sql
from llmcost.storage.schema import USAGE_TOKEN_COLUMNS, duckdb_types

MAX_TOKENS_PER_REQUEST = 100_000_000  # no model takes 100M tokens in one call
MAX_TOKENS_PER_BUCKET = 10**15
RAW_KEEP = 2000  # characters of a rejected record kept in the quarantine


def _columns_of(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE ({sql})").fetchall()
    return {r[0]: r[1] for r in rows}


def _format_error(error: str, raw: str) -> str:
    """SQL: the format's own reason for rejecting a row, with one correction made for every format.

    The JSON line readers accept only objects, so a line that parses as JSON but is not an
    object (`42`, `[1]`, `"text"`, `null`) fails their object check, which each format reports as
    'not valid JSON'. Such a line is valid JSON: it is quarantined as 'not a JSON object' instead
    (issue 20), here, once, rather than in every format's query; a broken stretch of a JSON
    document that `llmcost.ingest.salvage` kept in its place says where and why it breaks.
    """
    broken = (f"regexp_extract(json_extract_string({raw}, '$'), "
              f"'^({salvage.MARK} \\(line \\d+, column \\d+: [^|]*\\)) \\| ', 1)")
    return (
        f"CASE WHEN {error} = 'not valid JSON' AND json_valid({raw}) AND json_type({raw}) <> 'OBJECT' "
        f"THEN CASE WHEN json_type({raw}) = 'VARCHAR' AND {broken} <> '' THEN {broken} "
        f"ELSE 'not a JSON object' END ELSE {error} END"
    )


def validated_sql(
    con: duckdb.DuckDBPyConnection, ing: Ingestor, f: InputFile, ctx: IngestContext, seq: int = 0
) -> str:
    """The format's query wrapped in type, range and completeness checks (one SQL statement)."""
    fmt_sql = ing.query(f, ctx)
    # A batch's columns are those of its first file alone (a batchable query reads through
    # lines_sql, whose columns do not depend on the files): DESCRIBE over one file, not over
    # the 2,000 of a batch, which DuckDB binds file by file (0.15-0.3 s a batch).
    have = _columns_of(con, ing.query(replace(f, batch=f.batch[:1]), ctx) if len(f.batch) > 1 else fmt_sql)
    for required in ("source_line", "raw"):
        if required not in have:
            raise RuntimeError(f"format {ing.name} query lacks column {required}")
    table = ing.table
    types = duckdb_types(table)
    numeric_cols = [c for c, t in types.items() if t in ("BIGINT", "INTEGER")] if table == "usage" else []
    money_cols = [c for c, t in types.items() if t.startswith("DECIMAL")]
    sel = []
    errs = [_format_error("s.error", "s.raw") if "error" in have else "NULL"]
    for col, typ in types.items():
        if col in ("source", "source_file"):
            continue
        if col not in have:
            sel.append(f"CAST(NULL AS {typ}) AS {col}")
            continue
        src_t = have[col]
        expr = f"s.{col}"
        if col in numeric_cols and col != "source_line":
            if src_t == "VARCHAR":
                errs.append(f"CASE WHEN {is_bad_number(expr)} THEN 'non-numeric {col}: ' || left({expr}, 40) "
                            f"WHEN {expr} IS NOT NULL AND {int_sql(expr)} IS NULL "
                            f"THEN 'non-integer {col}: ' || left({expr}, 40) END")
                expr = int_sql(expr)
            elif src_t in ("DOUBLE", "FLOAT") or src_t.startswith("DECIMAL"):
                # a count is a whole number: 1000.7 is quarantined, never rounded
                errs.append(f"CASE WHEN {expr} <> trunc({expr}) THEN 'non-integer {col}: ' || {expr} END")
            expr = f"CAST({expr} AS {typ})"
        elif col in money_cols:
            if src_t == "VARCHAR":
                errs.append(f"CASE WHEN {is_bad_number(expr)} THEN 'non-numeric {col}: ' || left({expr}, 40) END")
                expr = f"TRY_CAST(trim({expr}) AS {typ})"
            else:
                expr = f"CAST({expr} AS {typ})"
        elif typ == "TIMESTAMPTZ" and src_t != "TIMESTAMP WITH TIME ZONE":
            expr = f"TRY_CAST({expr} AS TIMESTAMPTZ)"
        elif src_t != typ and not (typ == "VARCHAR"):
            expr = f"TRY_CAST({expr} AS {typ})"
        elif typ == "VARCHAR" and src_t != "VARCHAR":
            expr = f"CAST({expr} AS VARCHAR)"
        sel.append(f"{expr} AS {col}")
    skip = "coalesce(TRY_CAST(s.skip AS BOOLEAN), false)" if "skip" in have else "false"
    # one cheap test per row for secrets in any of its free-text columns (llmcost.ingest.privacy)
    free_text = [c for c, t in types.items() if t == "VARCHAR" and c in have and c not in NOT_MASKED
                 and c not in ("prompt_text", "response_text")]
    if f.batch:
        for required in ("_display", "_bseq"):
            if required not in have:
                raise RuntimeError(f"format {ing.name} is batchable but its query lacks column {required}")
        sel.append("s._display AS _display, s._bseq AS _bseq")
    typed = (
        f"SELECT s.raw AS _raw, {', '.join(sel)}, coalesce({', '.join(errs)}) AS _fmt_error, "
        f"{skip} AS _skip, {row_guard_sql([f's.{c}' for c in (*free_text, 'event_id') if c in have])} AS _may_secret "
        f"FROM ({fmt_sql}) s"
    )

    latest = clock.now().isoformat()  # "the future" is judged against the tool's clock (llmcost.clock)
    # a clock ahead of time by up to 2 days is kept (skew); beyond it the row is quarantined with what,
    # against which clock, and the fix (it read "timestamp out of range: <ts>")
    checks = ["_fmt_error", "CASE WHEN ts IS NULL THEN 'missing or unparseable timestamp' END",
              "CASE WHEN ts < TIMESTAMPTZ '1990-01-01' THEN 'timestamp before 1990: ' || CAST(ts AS VARCHAR) || "
              "'. Fix: check which field is read as the time, and its unit (a time in seconds read as "
              "milliseconds falls in 1970)' "
              f"WHEN ts > TIMESTAMPTZ '{latest}' + INTERVAL 2 DAY THEN 'timestamp in the future: ' || "
              f"CAST(ts AS VARCHAR) || ' is more than 2 days after now (' || CAST(TIMESTAMPTZ '{latest}' AS VARCHAR) "
              "|| ', the tool''s clock). Fix: correct the clock of the host that wrote it (or this machine''s, if it "
              "runs behind) and ingest again' END"]
    if table == "usage":
        limit = MAX_TOKENS_PER_BUCKET if ing.grain == "bucket" else MAX_TOKENS_PER_REQUEST
        for c in ("web_search_calls", "file_search_calls"):
            checks.append(f"CASE WHEN {c} < 0 THEN 'negative {c}: ' || {c} END")
        for c in (*USAGE_TOKEN_COLUMNS, "request_count"):
            checks.append(f"CASE WHEN {c} < 0 THEN 'negative {c}: ' || {c} END")
            checks.append(f"CASE WHEN {c} > {limit} THEN 'implausible {c}: ' || {c} END")
            if c != "request_count":
                # a bucket that counts its requests holds at most MAX_TOKENS_PER_REQUEST a request
                # (a Copilot CLI session stating 9,999,999,999,999 input tokens for 7 requests was
                # stored: under the bucket limit, which is sized for a whole organisation's day)
                checks.append(
                    f"CASE WHEN coalesce(grain, {sql_str(ing.grain)}) = 'bucket' AND request_count > 0 "
                    f"AND {c} > request_count::DOUBLE * {MAX_TOKENS_PER_REQUEST} "
                    f"THEN 'implausible {c}: ' || {c} || ' for ' || request_count || ' requests' END")
        checks.append(
            "CASE WHEN input_tokens IS NULL AND output_tokens IS NULL AND cache_read_tokens IS NULL "
            "AND request_count IS NULL THEN 'no token counts' END"
        )
        # A record that states its output but not its input (`"input_tokens": null`, or the key
        # missing) did not report what the request read: unknown, not 0. Every prompt is at least
        # one token, so no source means 0 by leaving it out (Gemini's proto3 JSON drops zero
        # counts, but never the prompt's). Stored as 0 it was a silently low total.
        # A snapshot format's record may be partial by design (a stream's message_delta states only
        # its output; the stored request is the per-field maximum): such a format names the records
        # that must state the input itself, with the same reason.
        if not ing.snapshots and ing.input_stated:
            checks.append(f"CASE WHEN input_tokens IS NULL AND output_tokens IS NOT NULL "
                          f"THEN {sql_str(INPUT_NOT_REPORTED)} END")
        checks.append(
            "CASE WHEN coalesce(cache_write_1h_tokens, 0) > coalesce(cache_write_tokens, 0) "
            "THEN 'cache_write_1h_tokens exceed cache_write_tokens' END"
        )
        checks.append(
            "CASE WHEN coalesce(reasoning_tokens, 0) > coalesce(output_tokens, 0) "
            "THEN 'reasoning_tokens exceed output_tokens' END"
        )
    else:
        checks.append("CASE WHEN cost_usd IS NULL THEN 'missing cost' END")
    error = "coalesce(" + ", ".join(checks) + ")"

    out = []
    for col, _typ in types.items():
        if col == "source":
            out.append(f"{sql_str(ing.name)} AS source")
        elif col == "source_file":
            out.append(f"{f.name_sql()} AS source_file")
        elif col == "event_id":
            # A row without its own id is its format, its file's key and its line (docs/reliability.md,
            # "Rows without ids"): two identical lines are two requests, and reading the file again
            # (unchanged, touched or grown) gives the same ids, so its rows replace themselves. The
            # record's text is in the hash too, for a format that makes several rows of one line.
            # A format with `text_identity` identifies such a row by its text alone.
            where = "" if ing.text_identity else (
                f"|| {f.name_sql()} || chr(31) || coalesce(CAST(source_line AS VARCHAR), '') || chr(31) ")
            raw_id = f"md5({sql_str(ing.name)} || chr(31) {where}|| coalesce(_raw, ''))"
            out.append(f"coalesce({mask_id_sql('event_id', '_may_secret')}, {raw_id}) AS event_id")
        elif col == "grain":
            out.append(f"coalesce(grain, {sql_str(ing.grain)}) AS grain")
        elif col in USAGE_TOKEN_COLUMNS:
            out.append(f"coalesce({col}, 0) AS {col}")
        elif col == "request_count":
            out.append("coalesce(request_count, 1) AS request_count")
        elif col == "requests_known":
            # a format that does not say: a bucket counting no request states no count (docs/schema.md)
            out.append(f"coalesce(requests_known, coalesce(grain, {sql_str(ing.grain)}) <> 'bucket' "
                       "OR coalesce(request_count, 1) > 0) AS requests_known")
        elif col in ("batch", "conversation_inferred", "response_cache_hit"):
            out.append(f"coalesce({col}, false) AS {col}")
        elif col == "cache_known":
            out.append("coalesce(cache_known, false) AS cache_known")
        elif col == "run_labels":
            labels = json.dumps(ctx.labels, sort_keys=True, ensure_ascii=False) if ctx.labels else None
            out.append(f"CAST({sql_str(labels) if labels else 'NULL'} AS VARCHAR) AS run_labels")
        elif col in ("prompt_text", "response_text"):
            out.append(f"{mask_sql(col)} AS {col}" if ctx.keep_text else f"CAST(NULL AS VARCHAR) AS {col}")
        elif _typ == "VARCHAR" and col not in NOT_MASKED:
            # every free-text column: model, project, user, conversation, tags in extra, ... (llmcost.ingest.privacy)
            out.append(f"{mask_sql(col, '_may_secret' if col in free_text else None)} AS {col}")
        else:
            out.append(col)
    return (
        # the rejected rows' raw text is masked already in the stage file, which a killed run
        # leaves in .staging until the next writer's clean-up
        f"SELECT * REPLACE (CASE WHEN _error IS NOT NULL THEN {mask_sql(f'left(_raw, {RAW_KEEP * 2})')} "
        "END AS _raw) FROM ("
        f"SELECT {', '.join(out)}, CAST({'_bseq' if f.batch else int(seq)} AS BIGINT) AS _seq, false AS _dup, "
        # a skipped record (the format's `skip`) is counted, never checked or quarantined
        f"CASE WHEN NOT _skip THEN {error} END AS _error, _skip, event_id IS NULL AS _id_from_raw, _raw, "
        "CAST(year(ts) * 100 + month(ts) AS INTEGER) AS month "
        f"FROM ({typed}))"
    )
