"""The generic mapping: any team's CSV, JSONL or Parquet log, described by a small TOML file.

A mapping names which source column (a JSON path for JSONL) feeds each canonical column, with a
small set of transforms (a constant, lower/upper/trim, a part of the file name), how time is
written (text, or epoch s/ms/us/ns, or seconds from a fixed start), and whether rows are single
requests or counts per time bucket. A mapping is data: it runs no SQL of its own unless it says
`allow_sql = true` and the run is given --allow-mapping-sql (built-in mappings ship with the tool
and are trusted). Mappings shipped in
`llmcost/mappings/` describe the public traces (Azure 2023, Mooncake, RAGPulse, ServeGen) and are
registered like any other format; `--mapping FILE` adds a user's own, `--map col=field` builds
one on the command line. See docs/formats-request-logs.md, "Generic mapping", for the keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from llmcost import ingest
from llmcost.config.strict import Positions, check_keys, parse_toml, read_text
from llmcost.errors import ConfigError, FormatError
from llmcost.ingest import (
    IngestContext,
    Ingestor,
    InputFile,
    csv_header,
    first_json,
    int_sql,
    json_lines_sql,
    sql_str,
    text,
    ts_sql,
)
from llmcost.ingest._parquet import ParquetHead
from llmcost.ingest._records import csv_names_once, csv_read_sql, decimal_comma_sql
from llmcost.storage.schema import USAGE_COLUMNS
from llmcost.text import did_you_mean

CANONICAL = {c.name for c in USAGE_COLUMNS} - {"source", "source_file", "source_line", "event_id_hash"}
TOP_KEYS = {
    "name",
    "title",
    "obtain",
    "format",
    "match_columns",
    "sniff_regex",
    "filename_regex",
    "header",
    "columns",
    "delimiter",
    "grain",
    "time",
    "fields",
    "convention",
    "priority",
    "identity",
    "allow_sql",
}
TIME_KEYS = {"column", "unit", "start", "segment_restart", "bucket_seconds", "format"}
CONVENTION_KEYS = {"input_includes_cache"}
UNITS = {"text", "s", "ms", "us", "ns"}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .\-]*$")
"""A column name (CSV, Parquet): always quoted in SQL, and it cannot hold a quote."""
_JSON_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*(\[\d+\])?(\.[A-Za-z_][A-Za-z0-9_\-]*(\[\d+\])?)*$")
"""A field of a JSONL record: `usage.prompt_tokens`, `choices[0].finish_reason`."""
TRANSFORMS = {"lower": "lower({})", "upper": "upper({})", "trim": "trim({})"}
"""`{column = "x", transform = "lower"}`: the transforms a mapping may apply to a column."""
FIELD_FORMS = ('a column name, {value = "..."}, {column = "...", transform = "lower|upper|trim"}, '
               '{file_regex = "...", default = "..."} or (with allow_sql) {expr = "SQL"}')


@dataclass
class Mapping:
    name: str
    format: str  # csv | jsonl | parquet
    fields: dict[str, str | dict[str, str]]
    time_column: str
    time_unit: str = "text"
    time_format: str | None = None
    start: str | None = None
    segment_restart: str | None = None
    bucket_seconds: int | None = None
    grain: str = "request"
    match_columns: list[str] = field(default_factory=list)
    sniff_regex: str | None = None
    filename_regex: str | None = None
    header: bool = True
    columns: list[str] | None = None
    delimiter: str | None = None
    input_includes_cache: bool = False
    title: str = ""
    obtain: str = ""
    priority: int = -10
    # line (default without an event_id field): file + line, so two equal lines are two requests;
    # record: file content + line (a trace copied under another name still deduplicates);
    # content: a row is its text (equal lines are one request)
    identity: str = "line"
    origin: str = ""
    allow_sql: bool = False


_DOC = "docs/formats-request-logs.md, section 'Generic mapping'"


def _err(origin: str, msg: str) -> ConfigError:
    return ConfigError(f"{origin}: {msg}. Fix: see {_DOC}.")


def parse_mapping(data: dict[str, Any], origin: str, positions: Positions | None = None) -> Mapping:
    """Validate a mapping (from TOML or --map) strictly: unknown keys are errors naming the line
    (`positions` of the file's text, when it came from a file) with a hint."""
    pos = positions or Positions("")
    check_keys(data, TOP_KEYS, file=origin, positions=pos, doc=_DOC)
    _check_types(data, origin, pos)
    t = data.get("time", {})
    if isinstance(t, dict):
        check_keys(t, TIME_KEYS, file=origin, positions=pos, table="time", doc=_DOC)
    conv = data.get("convention", {})
    if isinstance(conv, dict):
        check_keys(conv, CONVENTION_KEYS, file=origin, positions=pos, table="convention", doc=_DOC)
    flds = data.get("fields", {})
    fmt = data.get("format", "csv")
    allow_sql = data.get("allow_sql", False)
    if not isinstance(allow_sql, bool):
        raise _err(origin, f"allow_sql must be true or false, not {allow_sql!r}")

    def name_ok(v: Any, where: str) -> None:
        pattern = _JSON_PATH if fmt == "jsonl" else _IDENT
        if not isinstance(v, str) or not pattern.match(v):
            what = "a JSON field name or path such as usage.prompt_tokens" if fmt == "jsonl" else "a column name"
            raise _err(origin, f"{where} = {v!r} is not {what}")

    if not isinstance(flds, dict) or not isinstance(t, dict):
        raise _err(origin, "[fields] and [time] must be tables")
    for k, v in flds.items():
        if k not in CANONICAL:
            raise _err(_where(origin, pos, k, "fields"), f"fields.{k} is not a canonical column"
                       f"{did_you_mean(k, CANONICAL)}")
        if isinstance(v, dict):
            _check_field(origin, k, v, allow_sql, name_ok)
        else:
            name_ok(v, f"fields.{k}")
    if "column" not in t:
        raise _err(origin, "time.column is required (the column holding the timestamp)")
    name_ok(t["column"], "time.column")
    for c in data.get("match_columns", []) if isinstance(data.get("match_columns", []), list) else [None]:
        name_ok(c, "match_columns")
    cols_given = data.get("columns")
    if cols_given is not None:
        if not isinstance(cols_given, list):
            raise _err(origin, "columns must be a list of column names")
        for c in cols_given:
            if not isinstance(c, str) or not _IDENT.match(c):
                raise _err(origin, f"columns: {c!r} is not a column name")
    unit = t.get("unit", "text")
    if unit not in UNITS:
        raise _err(origin, f"time.unit must be one of {sorted(UNITS)}, not {unit!r}")
    if fmt not in ("csv", "jsonl", "parquet"):
        raise _err(origin, f"format must be csv, jsonl or parquet, not {fmt!r}")
    grain = data.get("grain", "request")
    if grain not in ("request", "bucket"):
        raise _err(origin, f"grain must be 'request' or 'bucket', not {grain!r}")
    if grain == "bucket" and not t.get("bucket_seconds"):
        raise _err(origin, "grain = 'bucket' needs time.bucket_seconds")
    return Mapping(
        name=data.get("name") or f"mapped_{Path(origin).stem}",
        format=fmt,
        fields=flds,
        time_column=t["column"],
        time_unit=unit,
        time_format=t.get("format"),
        start=t.get("start"),
        segment_restart=t.get("segment_restart"),
        bucket_seconds=t.get("bucket_seconds"),
        grain=grain,
        match_columns=list(data.get("match_columns", [])),
        sniff_regex=data.get("sniff_regex"),
        filename_regex=data.get("filename_regex"),
        header=bool(data.get("header", True)),
        columns=data.get("columns"),
        delimiter=data.get("delimiter"),
        input_includes_cache=bool(conv.get("input_includes_cache", False)),
        title=data.get("title", f"Generic mapping {origin}"),
        obtain=data.get("obtain", "Your own log, described by a mapping file."),
        priority=int(data.get("priority", -10)),
        identity=_identity(data.get("identity", "line"), origin),
        origin=origin,
        allow_sql=allow_sql,
    )


_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,), "title": (str,), "obtain": (str,), "format": (str,), "match_columns": (list,),
    "sniff_regex": (str,), "filename_regex": (str,), "header": (bool,), "columns": (list,),
    "delimiter": (str,), "grain": (str,), "time": (dict,), "fields": (dict,), "convention": (dict,),
    "priority": (int,), "identity": (str,), "allow_sql": (bool,), "time.column": (str,), "time.unit": (str,),
    "time.start": (str,), "time.segment_restart": (str,), "time.bucket_seconds": (int,),
    "time.format": (str,), "convention.input_includes_cache": (bool,),
}
"""The TOML type of each mapping key (issue 17: a list where text belongs was a TypeError)."""


def _where(origin: str, pos: Positions, key: str, table: str = "") -> str:
    """`origin:LINE` where the line of `key` in `[table]` is known, else `origin`."""
    line = pos.line(key, table)
    return f"{origin}:{line}" if line else origin


def _check_types(data: dict[str, Any], origin: str, pos: Positions) -> None:
    """Each key of the mapping has its TOML type; lists hold text; whole numbers are sane."""
    items = list(data.items())
    for sec in ("time", "convention"):
        if isinstance(data.get(sec), dict):
            items += [(f"{sec}.{k}", v) for k, v in data[sec].items()]
    for key, v in items:
        want = _TYPES.get(key)
        if want is None:
            continue
        table, _, name = key.rpartition(".")
        where = _where(origin, pos, name, table)
        if (isinstance(v, bool) and bool not in want) or not isinstance(v, want):
            kind = {str: "text in quotes", bool: "true or false", int: "a whole number", list: "a list of names",
                    dict: f"a table ([{key}])"}[want[0]]
            raise _err(where, f"key {key!r} must be {kind}, not {v!r}"[:300])
        if isinstance(v, list) and not all(isinstance(x, str) for x in v):
            raise _err(where, f"key {key!r} must be a list of names in quotes, not {v!r}"[:300])
        if isinstance(v, int) and not isinstance(v, bool) and not (0 < v <= 10**9 if key == "time.bucket_seconds"
                                                                   else -10**6 <= v <= 10**6):
            raise _err(where, f"key {key!r} = {v} is out of range")


def _identity(v: str, origin: str) -> str:
    if v not in ("line", "content", "record"):
        raise _err(origin, f"identity must be 'line', 'record' or 'content', not {v!r}")
    return v


def _check_field(origin: str, k: str, v: dict[str, Any], allow_sql: bool, name_ok: Any) -> None:
    """One `fields.k = {...}` table: exactly one of the documented forms."""
    keys = set(v)
    if keys == {"value"}:
        if not isinstance(v["value"], str | int | float) or isinstance(v["value"], bool):
            raise _err(origin, f"fields.{k}.value must be a string or a number")
    elif keys in ({"column", "transform"}, {"column"}):
        name_ok(v["column"], f"fields.{k}.column")
        if "transform" in v and v["transform"] not in TRANSFORMS:
            raise _err(origin, f"fields.{k}.transform must be one of {sorted(TRANSFORMS)}, not {v['transform']!r}")
    elif keys in ({"file_regex"}, {"file_regex", "default"}, {"file_regex", "default", "prefix"},
                  {"file_regex", "prefix"}):
        try:
            groups = re.compile(v["file_regex"]).groups
        except (re.error, TypeError):
            raise _err(origin, f"fields.{k}.file_regex = {v['file_regex']!r} is not a regular expression") from None
        if groups < 1:
            raise _err(origin, f"fields.{k}.file_regex needs a group in parentheses: the part of the name to keep")
        if not all(isinstance(v.get(x, ""), str) for x in ("file_regex", "default", "prefix")):
            raise _err(origin, f"fields.{k}: file_regex, default and prefix are strings")
    elif keys == {"expr"}:
        if not allow_sql:
            raise ConfigError(
                f"{origin}: fields.{k} is an SQL expression, and a mapping runs no SQL unless it says so. "
                "Fix: use a column name or a documented transform (docs/formats-request-logs.md, "
                "'Generic mapping'); or, if you wrote this mapping and trust it, add `allow_sql = true` to it and pass "
                "--allow-mapping-sql."
            )
        if not isinstance(v["expr"], str):
            raise _err(origin, f"fields.{k}.expr must be a string")
    else:
        raise _err(origin, f"fields.{k} takes {FIELD_FORMS}")


def load_mapping_file(path: Path, allow_sql: bool = False) -> Mapping:
    """A user's mapping file. One with `allow_sql = true` is refused unless `allow_sql` (the
    run's --allow-mapping-sql): running a file's SQL needs both the file and the user to say so."""
    if not Path(path).exists():
        raise ConfigError(f"Mapping file {path} does not exist. Fix: check the --mapping path.")
    text = read_text(Path(path), kind="mapping", option="--mapping")
    m = parse_mapping(parse_toml(text, str(path), kind="mapping"), str(path), Positions(text))
    if m.allow_sql and not allow_sql:
        raise ConfigError(
            f"{path}: the mapping says allow_sql = true, and its SQL runs only when you pass "
            "--allow-mapping-sql. Fix: read the mapping's expressions, then pass --allow-mapping-sql if you "
            "trust them (or remove allow_sql and its expr fields)."
        )
    return m


def mapping_from_options(pairs: list[str]) -> Mapping:
    """`--map ts=TIMESTAMP --map input_tokens=ContextTokens --map ts_unit=ms ...`."""
    data: dict[str, Any] = {"name": "mapped_cli", "fields": {}, "time": {}}
    for pair in pairs:
        if "=" not in pair:
            raise ConfigError(
                f"--map {pair!r} is not col=field. Fix: write e.g. --map input_tokens=prompt_len."
            )
        k, v = (s.strip() for s in pair.split("=", 1))
        if k in ("ts", "time"):
            data["time"]["column"] = v
        elif k in ("ts_unit", "unit"):
            data["time"]["unit"] = v
        elif k in ("start", "ts_start"):
            data["time"]["start"] = v
        elif k == "bucket_seconds":
            if not v.isdigit():  # int() raised ValueError: a traceback (issue 17)
                raise ConfigError(f"--map bucket_seconds={v!r} is not a whole number of seconds. "
                                  "Fix: write e.g. --map bucket_seconds=60.")
            data["time"]["bucket_seconds"] = int(v)
        elif k in ("format", "grain", "delimiter"):
            data[k] = v
        elif k == "header":
            data["header"] = v.lower() in ("1", "true", "yes")
        elif k == "input_includes_cache":
            data["convention"] = {"input_includes_cache": v.lower() in ("1", "true", "yes")}
        else:
            data["fields"][k] = v
    return parse_mapping(data, "--map")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class MappedIngestor(Ingestor):
    """An ingestor built from a Mapping."""

    def __init__(self, m: Mapping):
        self.m = m
        self.name = m.name  # type: ignore[misc]
        self.title = m.title  # type: ignore[misc]
        self.obtain = m.obtain  # type: ignore[misc]
        self.grain = m.grain  # type: ignore[misc]
        self.priority = m.priority  # type: ignore[misc]
        self.input_stated = "input_tokens" in m.fields  # type: ignore[misc]

    def sniff(self, head: bytes, name: str) -> bool:
        m = self.m
        if m.filename_regex and not re.search(m.filename_regex, name):
            return False
        if m.sniff_regex:
            first = ingest.text(head).split("\n", 1)[0]
            return re.match(m.sniff_regex, first) is not None
        if not m.match_columns:
            return False
        if m.format == "jsonl":
            obj = first_json(head)
            return isinstance(obj, dict) and all(c in obj for c in m.match_columns)
        # a Parquet file's head is its columns as a CSV header (ingest/_parquet.py)
        if (m.format == "parquet") != isinstance(head, ParquetHead):
            return False
        cols = csv_header(head)
        return cols is not None and set(m.match_columns) <= set(cols)

    def _source_sql(self, f: InputFile) -> tuple[str, list[str]]:
        """(SQL with source_line, raw and every source column as VARCHAR, the column names)."""
        m = self.m
        if m.format == "jsonl":
            names = sorted(self._referenced())
            # each path is read under a plain alias and renamed (quoted) to its own spelling
            sql = json_lines_sql(f, {f"_f{i}": "$." + n for i, n in enumerate(names)})
            renamed = ", ".join(f"_f{i} AS {_q(n)}" for i, n in enumerate(names))
            return (
                f"SELECT source_line, raw, {renamed}, CASE WHEN NOT _json_ok THEN 'not valid JSON' END AS _src_error "
                f"FROM ({sql})",
                names,
            )
        if m.format == "parquet":
            sql = f"SELECT row_number() OVER () AS source_line, * FROM read_parquet({f.sql_path()})"
            names = sorted(self._referenced())
            cols = ", ".join(f"CAST({_q(n)} AS VARCHAR) AS {_q(n)}" for n in names)
            raw = (
                "concat_ws(',', " + ", ".join(f"coalesce(CAST({_q(n)} AS VARCHAR), '')" for n in names) + ")"
            )
            return f"SELECT source_line, {raw} AS raw, {cols}, NULL AS _src_error FROM ({sql})", names
        opts = [
            f"{f.sql_path()}",
            "all_varchar=true",
            "null_padding=true",
            "strict_mode=false",
            f"compression='{'gzip' if f.gzip else 'none'}'",
        ]
        if not m.header:
            opts.append("header=false")
            if m.columns:
                opts.append("names=[" + ", ".join(sql_str(c) for c in m.columns) + "]")
        else:
            opts.append("header=true")
        if m.delimiter:
            opts.append(f"delim={sql_str(m.delimiter)}")
        names = m.columns if (m.columns and not m.header) else (csv_header(f.head) or [])
        self._check_columns(f, names)
        raw = "concat_ws(',', " + ", ".join(f"coalesce({_q(n)}, '')" for n in names) + ")"
        offset = 1 if m.header else 0
        read = "read_csv(" + ", ".join(opts) + ")"
        if names and (m.header or m.columns):  # the names are known: given, not sniffed (csv_read_sql)
            read = csv_read_sql(f, csv_names_once(names), m.delimiter, header=m.header)
        sql = (
            f"SELECT row_number() OVER () + {offset} AS source_line, {raw} AS raw, *, NULL AS _src_error "
            f"FROM {decimal_comma_sql(read, text(f.head), m.delimiter)}"
        )
        return sql, names

    def _check_columns(self, f: InputFile, names: list[str]) -> None:
        """A FormatError naming each mapped column the CSV lacks (`--map provider=openai` read
        `openai` as a column: DuckDB's binder error, with "check the file is complete" as the fix)."""
        if not names:
            return
        have = {n.casefold() for n in names}  # DuckDB matches a column name up to case
        wanted = [("time" if self.m.origin == "--map" else "time.column", self.m.time_column)] + [
            (k, v if isinstance(v, str) else v["column"]) for k, v in self.m.fields.items()
            if isinstance(v, str) or "column" in v
        ]
        missing = [(k, c) for k, c in wanted if c.casefold() not in have]
        if not missing:
            return
        said = ", ".join(f"{k}={c}" if self.m.origin == "--map" else f"{k} = {c!r}" for k, c in missing)
        cols = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
        hint = did_you_mean(missing[0][1], names)
        raise FormatError(
            f"{f.display}:1: {self.m.origin or 'the mapping'} names column(s) the file does not have ({said}); "
            f"its columns are {cols}{hint}. Fix: map each field to one of those columns; for the same value on "
            f"every row (a provider, say), write it in a mapping file as `provider = {{ value = \"openai\" }}` "
            f"and pass --mapping FILE ({_DOC})."
        )

    def _referenced(self) -> set[str]:
        m = self.m
        cols = {m.time_column}
        for v in m.fields.values():
            if isinstance(v, str):
                cols.add(v)
            elif "column" in v:
                cols.add(v["column"])
            elif "expr" in v:
                cols |= set(re.findall(r"\b([A-Za-z_][A-Za-z0-9_]*)\b", v["expr"])) & set(
                    m.match_columns or []
                )
        cols |= set(m.match_columns)
        return cols

    def _time_sql(self) -> str:
        m = self.m
        col = _q(m.time_column)
        if m.time_unit == "text" and not m.start:
            if m.time_format:
                return f"TRY_CAST(try_strptime({col}, {sql_str(m.time_format)}) AS TIMESTAMPTZ)"
            return ts_sql(col)
        scale = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": 0.001, "text": 1_000_000}[m.time_unit]
        micros = f"CAST(TRY_CAST({col} AS DOUBLE) * {scale} AS BIGINT)"
        if m.start:
            base = f"TIMESTAMPTZ {sql_str(m.start)}"
            shift = ""
            if m.segment_restart:
                # the file holds several segments whose relative time restarts at 0 (RAGPulse)
                shift = (
                    f" + to_microseconds(CAST(_segment * epoch(INTERVAL {sql_str(m.segment_restart)}) * 1000000 "
                    "AS BIGINT))"
                )
            return f"({base} + to_microseconds({micros}){shift})"
        return f"make_timestamptz({micros})"

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        m = self.m
        src, _names = self._source_sql(f)
        if m.segment_restart:
            col = _q(m.time_column)
            src = (
                f"SELECT *, sum(CASE WHEN TRY_CAST({col} AS DOUBLE) < lag_t THEN 1 ELSE 0 END) "
                "OVER (ORDER BY source_line ROWS UNBOUNDED PRECEDING) AS _segment FROM ("
                f"SELECT *, lag(TRY_CAST({col} AS DOUBLE)) OVER (ORDER BY source_line) AS lag_t FROM ({src}))"
            )
        sel = {}
        for canon, v in m.fields.items():
            if isinstance(v, str):
                sel[canon] = _q(v)
            elif "column" in v:
                sel[canon] = TRANSFORMS.get(v.get("transform", ""), "{}").format(_q(v["column"]))
            elif "file_regex" in v:
                part = f"nullif(regexp_extract(_file, {sql_str(v['file_regex'])}, 1), '')"
                if "default" in v:
                    part = f"coalesce({part}, {sql_str(v['default'])})"
                sel[canon] = f"({sql_str(v['prefix'])} || {part})" if "prefix" in v else part
            elif "expr" in v:
                sel[canon] = f"({v['expr']})"  # allowed only with allow_sql (parse_mapping, load_mapping_file)
            else:
                sel[canon] = sql_str(str(v["value"]))
        sel.setdefault("grain", sql_str(m.grain))
        if m.input_includes_cache and "input_tokens" in sel:
            sel["input_tokens"] = (
                f"({int_sql(sel['input_tokens'])} - coalesce({int_sql(sel.get('cache_read_tokens', 'NULL'))}, 0)"
                f" - coalesce({int_sql(sel.get('cache_write_tokens', 'NULL'))}, 0))"
            )
        if "cache_read_tokens" in sel or "cache_write_tokens" in sel:
            sel.setdefault("cache_known", "true")
        ts = self._time_sql()
        sel["ts"] = ts
        if m.grain == "bucket":
            sel["bucket_end"] = f"{ts} + to_seconds({int(m.bucket_seconds or 0)})"
        ident = " || chr(31) || ".join(
            f"coalesce(CAST({sel[k]} AS VARCHAR), '')" for k in ("provider", "model", "project") if k in sel
        )
        event = sel.pop("event_id", None)
        if event is None and m.identity == "line":
            # No ids (the default): a row is its file and line, so two identical lines are two
            # requests; re-reading the file gives the same ids, and a changed file replaces its rows.
            event = f"md5({sql_str(m.name + chr(31) + f.display)} || chr(31) || CAST(source_line AS VARCHAR))"
        elif m.identity == "record":
            # A trace with no ids can hold identical lines that are distinct requests: identify a
            # row by the file's content hash and its line, so the same file under another name
            # still deduplicates but two equal lines do not.
            event = f"md5({sql_str(m.name + chr(31) + f.content_hash())} || chr(31) || CAST(source_line AS VARCHAR))"
        sel["event_id"] = event or (
            f"md5({sql_str(m.name)} || chr(31) || {ident + ' || chr(31) || ' if ident else ''}raw"
            + (" || chr(31) || CAST(_segment AS VARCHAR)" if m.segment_restart else "")
            + ")"
        )
        cols = ", ".join(f"{expr} AS {name}" for name, expr in sel.items())
        file_col = f"{sql_str(f.display)} AS _file"
        missing = f"CASE WHEN {_q(m.time_column)} IS NULL THEN 'missing {m.time_column}' END"
        return (
            f"SELECT source_line, raw, coalesce(_src_error, {missing}) AS error, {cols} "
            f"FROM (SELECT *, {file_col} FROM ({src}))"
        )


def builtin_mappings() -> list[Mapping]:
    out = []
    # shipped with the tool and reviewed like its code: their `allow_sql = true` needs no flag
    for entry in sorted(resources.files("llmcost.mappings").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            origin, text = f"llmcost/mappings/{entry.name}", entry.read_text(encoding="utf-8")
            out.append(parse_mapping(parse_toml(text, origin, kind="mapping"), origin, Positions(text)))
    return out


for _m in builtin_mappings():
    ingest.add(MappedIngestor(_m))
