"""SQL building blocks shared by the provider-export formats (usage/cost APIs, dashboards, bills).

Provider exports are aggregates, not request logs: JSON pages of time buckets, or CSV rows per
day and meter. The pieces here turn such a file into rows in one DuckDB statement, hash a bucket's
identity into a stable `event_id` (so the same bucket in two exports is one event and a restated
bucket replaces the earlier copy), and classify meter names into canonical token types.
Reference: /work/shared/reference/formats-provider-exports.md (cited per format module).
"""

from __future__ import annotations

from llmcost.ingest import InputFile, csv_has, csv_header, int_sql, text
from llmcost.ingest._records import csv_names_once, csv_read_sql, csv_relation, cut_sql

NULL_MARK = "chr(0)"
"""Stands for NULL inside a key hash, so NULL and '' are different groups."""


def key_hash(*parts: str) -> str:
    """SQL: md5 of the given SQL expressions joined by chr(31), NULLs kept distinct."""
    items = ", ".join(f"coalesce(CAST({p} AS VARCHAR), {NULL_MARK})" for p in parts)
    return f"md5(concat_ws(chr(31), {items}))"


def blank(expr: str) -> str:
    """SQL: NULL for NULL, empty or whitespace-only text; else the trimmed text."""
    return f"nullif(trim(CAST({expr} AS VARCHAR)), '')"


def dec(expr: str, scale: int = 12) -> str:
    """SQL: a decimal string or JSON number as DECIMAL(38,scale), never through a float (only a
    number in exponent notation, such as BigQuery's FLOAT `1.2E-5`, goes through DOUBLE)."""
    e = f"replace(trim(CAST({expr} AS VARCHAR)), ',', '')"
    return (
        f"coalesce(TRY_CAST({e} AS DECIMAL(38,{scale})), "
        f"CASE WHEN regexp_matches({e}, '[eE]') "
        f"THEN TRY_CAST(TRY_CAST({e} AS DOUBLE) AS DECIMAL(38,{scale})) END)"
    )


def exact_div(amount: str, rate: str) -> str:
    """SQL: amount (DECIMAL(38,12)) / rate as DECIMAL(38,12), exactly (half away from zero).

    DuckDB divides decimals in DOUBLE, so the division is done on integers: the amount in units
    of 1e-12 and the rate (a decimal string, up to 9 places) in units of 1e-9.
    """
    a = f"CAST(CAST({amount} AS DECIMAL(38,12)) * 1000000000000 AS HUGEINT)"
    r = f"CAST({dec(rate, 9)} * 1000000000 AS HUGEINT)"
    q = f"((abs({a}) * 2000000000 + {r}) // (2 * {r}))"
    return (
        f"(CASE WHEN {r} > 0 THEN CAST(sign({a}) * {q} AS DECIMAL(38,0)) "
        "* CAST(0.000000000001 AS DECIMAL(38,12)) END)"
    )


def count(expr: str) -> str:
    """SQL: a token count written as '1234', '1,234' or '10.0' as BIGINT (NULL when blank, and for
    a fraction, which `bad_count` quarantines: never rounded)."""
    e = f"nullif(replace(trim(CAST({expr} AS VARCHAR)), ',', ''), '')"
    return int_sql(e)


def bad_count(expr: str) -> str:
    """SQL: true when a count is present but not a whole number (`abc`, `12.5`; `12.0` is 12)."""
    e = f"nullif(replace(trim(CAST({expr} AS VARCHAR)), ',', ''), '')"
    return f"({e} IS NOT NULL AND {int_sql(e)} IS NULL)"


# ---- JSON pages --------------------------------------------------------------------------------


def org_total_sql(src: str, group_keys: tuple[str, ...], beside: str) -> str:
    """SQL over `src` (rows of `pages_sql` with the result's group fields `group_keys` as columns,
    `page_no` and `bi` among them) adding `_org`, the result is an organisation-wide total, and
    `_grouped_beside`, the file has grouped results in the same bucket (`beside`: the columns
    naming a bucket across pages, e.g. 'start_s, end_s'), and `_null_group`, an all-NULL result
    inside a grouped bucket (`null_group_id` keeps its event_id apart from the org total's).

    A result whose group fields are all NULL is an org total only when its whole bucket is (an
    ungrouped request: "without group_by, one org-wide result"). In a grouped response NULL is a
    group of its own, the usage outside that field's values (OpenAI project_id NULL: the default
    project; Anthropic workspace_id NULL: the default workspace): a share that counts. The fields
    are present, NULL, in both kinds of page (formats-provider-exports.md 1.1: "non-null only when
    grouped by that field"; traces-notes.md: "null when not grouped"), so the bucket tells them
    apart, not the fields."""
    all_null = " AND ".join(f"{k} IS NULL" for k in group_keys)
    return f"""
    SELECT * EXCLUDE (page_no, bi, _bucket_grouped), ({all_null}) AND NOT _bucket_grouped AS _org,
           ({all_null}) AND _bucket_grouped AS _null_group,
           bool_or(NOT ({all_null})) OVER (PARTITION BY {beside}) AS _grouped_beside
    FROM (
      SELECT *, bool_or(NOT ({all_null})) OVER (PARTITION BY page_no, bi) AS _bucket_grouped
      FROM ({src})
    )"""


def null_group_id(*parts: str) -> str:
    """SQL: the event_id of a result of `org_total_sql`, `key_hash(*parts)`, except for a NULL group
    of a grouped bucket, whose group fields are those of the org total of the same bucket: it
    hashes one part more, so the two are different events (a grouped page and an ungrouped page of
    the same day in two files; one would otherwise replace the other as the later export)."""
    apart = key_hash(*parts, "'null group'")
    return f"CASE WHEN _null_group THEN {apart} ELSE {key_hash(*parts)} END"


def json_docs_sql(f: InputFile, no: str, doc: str) -> str:
    """SQL: every JSON document of the file, one row each (`no`: its number from 1, `doc`: the
    JSON): a document per file, a JSON array of them, or one per line."""
    comp = "gzip" if f.gzip else "none"
    # A JSON array is named as one: DuckDB's 'auto' detection does not see the array behind a UTF-8
    # byte-order mark and reads the whole array as one object (0 rows, no error).
    fmt = "array" if text(f.head).lstrip().startswith("[") else "auto"
    return (
        f"SELECT row_number() OVER () AS {no}, json AS {doc} "
        f"FROM read_json_objects({f.sql_path()}, format='{fmt}', compression='{comp}', "
        "maximum_object_size=268435456)"
    )


def pages_sql(f: InputFile, data_key: str = "data", results_key: str = "results") -> str:
    """One row per result of every bucket of every page: a page per file, a JSON array of pages,
    or pages one per line. An object with `results_key` and no `data_key` is a bucket on its own:
    a JSON array of buckets is the `data` of every page joined, as the OpenAI cookbook's usage
    notebook saves them (openai/openai-cookbook `examples/completions_usage_api.ipynb`, `get_data`:
    `all_data.extend(data_json.get("data", []))`). Columns: source_line (result number in the
    file), page_no, bucket, res (JSON), n_results (results in that bucket), raw."""
    return f"""
    SELECT row_number() OVER (ORDER BY page_no, bi, ri) AS source_line, page_no, bi, bucket, res,
           n_results, CAST(res AS VARCHAR) AS raw
    FROM (
      SELECT page_no, bi, bucket, json_array_length(bucket, '$.{results_key}') AS n_results,
             unnest(json_extract(bucket, '$.{results_key}[*]')) AS res,
             generate_subscripts(json_extract(bucket, '$.{results_key}[*]'), 1) AS ri
      FROM (
        SELECT page_no, unnest(buckets) AS bucket, generate_subscripts(buckets, 1) AS bi
        FROM (
          SELECT page_no,
                 CASE WHEN json_exists(page, '$.{results_key}') AND NOT json_exists(page, '$.{data_key}')
                      THEN [page] ELSE json_extract(page, '$.{data_key}[*]') END AS buckets
          FROM ({json_docs_sql(f, "page_no", "page")})
        )
      )
    )"""


# ---- CSV ---------------------------------------------------------------------------------------


class Csv:
    """Columns of a CSV export found by name (case-insensitive), read with every value as text."""

    def __init__(self, f: InputFile):
        self.f = f
        self.header = csv_header(f.head) or []
        self._by_lower = {h.lower(): h for h in self.header}

    def has(self, *names: str) -> bool:
        return any(n.lower() in self._by_lower for n in names)

    def col(self, *names: str) -> str:
        """SQL for the first of `names` present (blank → NULL), or NULL when none is."""
        for n in names:
            h = self._by_lower.get(n.lower())
            if h is not None:
                return blank('"' + h.replace('"', '""') + '"')
        return "CAST(NULL AS VARCHAR)"

    def source(self) -> str:
        """SQL: every row with source_line (file line, header = 1; a Parquet file's row number + 1),
        raw (the values joined) and `_cut`: the last row cut short, as `_records.csv_records_sql`
        marks it (`_records.CUT`)."""
        comp = "gzip" if self.f.gzip else "none"
        cols = [f"coalesce(\"{h.replace(chr(34), chr(34) * 2)}\", '')" for h in self.header] or ["''"]
        cut = cut_sql(self.f, self.col(self.header[-1]) if self.header else None)
        read = (
            csv_read_sql(self.f, csv_names_once(self.header))
            if self.header else
            f"read_csv({self.f.sql_path()}, header=true, all_varchar=true, strict_mode=false, "
            f"null_padding=true, quote='\"', escape='\"', compression='{comp}')"
        )
        return (
            f"SELECT row_number() OVER () + 1 AS source_line, concat_ws(',', {', '.join(cols)}) AS raw, "
            f"{cut} AS _cut, * FROM {csv_relation(self.f, read)}"
        )


def header_has(head: bytes, *names: str) -> bool:
    return csv_has(head, *names)


# ---- meters and SKUs ---------------------------------------------------------------------------


def token_type_from_text(expr: str) -> str:
    """SQL: canonical token type from a meter/SKU/line-item text (cache read before input)."""
    e = f"lower(coalesce({expr}, ''))"
    return (
        f"CASE WHEN regexp_matches({e}, 'cache[ -]?write|cache[ -]?creation|cache writes') THEN "
        f"  CASE WHEN regexp_matches({e}, '1[ -]?h(ou)?r?\\b|1-hour|1h') "
        f"  THEN 'cache_write_1h' ELSE 'cache_write' END "
        f"WHEN regexp_matches({e}, 'cached|cache[ -]?read|cache[ -]?hit') THEN 'cache_read' "
        f"WHEN regexp_matches({e}, '\\boutp|output|completion|generated') THEN 'output' "
        f"WHEN regexp_matches({e}, '\\binp|input|prompt') THEN 'input' END"
    )


# ---- charges over several days -----------------------------------------------------------------
#
# A billing line whose period is whole UTC days, more than one and at most MAX_SPREAD_DAYS (a month,
# typically: a MONTHLY CUR, a FOCUS monthly charge), is spread evenly over its days, one row per day,
# so daily spend and the forecast see a month as a month, not a one-day spike on its first day.
# Amounts are split exactly: in units of 10^-scale, the first days taking one unit more until the
# remainder is used, so the day rows add up to the line. Other periods (an hour, a day, unaligned)
# stay one row with the line's own event id.
#
# Use: a query over lines with columns `_start`, `_end` (TIMESTAMPTZ), `_key` (the line's event id)
# and `_n_days` (`spread_days('_start', '_end')`, or 1 to keep a line whole, e.g. a rejected one);
# `days(...)` gives one row per day with `_i` the day index; DAY_TS, DAY_END, EVENT_ID, `share` and
# `int_share` then give each day row's values.

DAY_US = 86_400_000_000
MAX_SPREAD_DAYS = 366
"""A longer charge period stays one row (a year's commitment is not usage of every day)."""


def spread_days(start: str, end: str) -> str:
    """SQL: the number of days a line from `start` to `end` is spread over: its whole UTC days when
    it is whole days, more than one and at most MAX_SPREAD_DAYS; else 1 (one row, not spread)."""
    span = f"(epoch_us({end}) - epoch_us({start}))"
    whole_days = f"(epoch_us({start}) % {DAY_US} = 0 AND {span} % {DAY_US} = 0)"
    return (
        f"CASE WHEN {end} IS NOT NULL AND {whole_days} AND {span} > {DAY_US} "
        f"AND {span} <= {MAX_SPREAD_DAYS} * CAST({DAY_US} AS BIGINT) "
        f"THEN CAST({span} // {DAY_US} AS BIGINT) ELSE 1 END"
    )


def days(lines: str, where: str = "true") -> str:
    """SQL: the lines kept by `where`, one row per day of a spread charge (`_i` = day index)."""
    return f"SELECT *, unnest(range(_n_days)) AS _i FROM ({lines}) WHERE {where}"


def share(amount: str, scale: int) -> str:
    """SQL: day `_i`'s exact share of `amount` (DECIMAL(38,scale)) over `_n_days` days, in units
    of 10^-scale; the first (remainder) days take one unit more, so the shares add up to it."""
    # the decimal's digits as an integer: exact, and no overflow however large the amount
    u = f"CAST(replace(CAST(CAST({amount} AS DECIMAL(38,{scale})) AS VARCHAR), '.', '') AS HUGEINT)"
    units = f"(abs({u}) // _n_days + CASE WHEN _i < abs({u}) % _n_days THEN 1 ELSE 0 END)"
    if scale == 0:
        return f"CAST(sign({u}) * {units} AS DECIMAL(38,0))"
    one_unit = "0." + "0" * (scale - 1) + "1"
    return f"(CAST(sign({u}) * {units} AS DECIMAL(38,0)) * CAST({one_unit} AS DECIMAL(38,{scale})))"


def int_share(count: str) -> str:
    """SQL: day `_i`'s share of a non-negative integer `count` (tokens) over `_n_days` days."""
    return f"({count} // _n_days + CASE WHEN _i < {count} % _n_days THEN 1 ELSE 0 END)"


DAY_TS = f"make_timestamptz(epoch_us(_start) + _i * CAST({DAY_US} AS BIGINT))"
DAY_END = f"make_timestamptz(epoch_us(_start) + (_i + 1) * CAST({DAY_US} AS BIGINT))"
EVENT_ID = "CASE WHEN _n_days = 1 THEN _key ELSE md5(_key || chr(31) || CAST(_i AS VARCHAR)) END"
"""A line kept whole keeps its own event id; each day row of a spread line gets one of its own."""
EVENT_ID_FIRST_DAY_KEEPS_KEY = "CASE WHEN _i = 0 THEN _key ELSE md5(_key || chr(31) || CAST(_i AS VARCHAR)) END"
"""As EVENT_ID, but the first day row of a spread line keeps the line's own event id: for a format
whose stores already hold such lines as one row (CUR, read whole before it was spread), so a later
copy of the line replaces that row (the latest copy of an event wins) instead of adding to it."""
SPREAD_TS = f"CASE WHEN _n_days = 1 THEN _start ELSE {DAY_TS} END"
SPREAD_END = "CASE WHEN _n_days = 1 THEN _end ELSE " + DAY_END + " END"
