"""Record readers shared by the request-log formats that are not plain JSON lines.

JSON documents (a JSON array, or API pages `{"data": [...]}`) and CSV exports have no meaningful
line numbers; their `source_line` is the 1-based record index instead. Everything here returns one
DuckDB SQL statement selecting `(source_line, raw, _json_ok, _cut, <fields>)`, streamed by DuckDB's
own readers; no Python touches the rows. `_cut` marks a CSV's last record cut short (`CUT`). One
JSON record (or one API page) may be up to 64 MiB.
"""

from __future__ import annotations

import re

from llmcost.errors import FormatError
from llmcost.ingest import InputFile, _parquet, csv_columns, csv_delimiter, json_document, lines_sql, sql_str, text


def _extract(fields: dict[str, str], src: str) -> str:
    """`src` (a relation with source_line, raw) plus one VARCHAR column per JSON path in `fields`."""
    names = list(fields)
    if not names:
        return f"SELECT source_line, raw, json_valid(raw) AS _json_ok, false AS _cut FROM ({src})"
    paths = "[" + ", ".join(sql_str(fields[n]) for n in names) + "]"
    cols = ", ".join(f"_v[{i + 1}] AS {n}" for i, n in enumerate(names))
    return (
        f"SELECT source_line, raw, _v IS NOT NULL AS _json_ok, false AS _cut, {cols} FROM ("
        f"SELECT source_line, raw, CASE WHEN json_valid(raw) AND left(ltrim(raw), 1) = '{{' "
        f"THEN json_extract_string(raw, {paths}) END AS _v FROM ({src}))"
    )


def json_doc_kind(f: InputFile) -> str:
    """'array' for a JSON array document, 'pages' for `{data: [...]}` objects, else 'lines'."""
    if json_document(f.head) == "array":
        return "array"
    s = text(f.head).lstrip()
    first = s.split("\n", 1)[0].strip()
    # a page on one line (`{"data": [...`), or pretty-printed (`jq .`, json.tool: "{" alone on the
    # first line, which no JSON-lines file has)
    if s.startswith("{") and '"data"' in s[:4096] and (first.startswith('{"data"') or first == "{"):
        return "pages"
    return "lines"


def json_records_sql(f: InputFile, fields: dict[str, str], page_key: str = "data") -> str:
    """Records of a JSON array, of API page objects (`{page_key: [...]}`), or of JSON lines."""
    comp = "gzip" if f.gzip else "none"
    kind = json_doc_kind(f)
    if kind == "array":
        src = (
            "SELECT row_number() OVER () AS source_line, CAST(json AS VARCHAR) AS raw FROM read_json_objects("
            f"{f.sql_path()}, format='array', compression='{comp}', maximum_object_size=67108864)"
        )
    elif kind == "pages":
        src = (
            "SELECT row_number() OVER () AS source_line, CAST(rec AS VARCHAR) AS raw FROM ("
            f"SELECT unnest(json_extract(json, '$.{page_key}[*]')) AS rec FROM read_json_objects("
            f"{f.sql_path()}, format='auto', compression='{comp}', maximum_object_size=67108864))"
        )
    else:
        src = lines_sql(f)
    return _extract(fields, src)


def csv_records_sql(f: InputFile, columns: list[str]) -> str:
    """Rows of a CSV export with a header: `raw` is the row as a JSON object, every column VARCHAR.

    `source_line` is the record number + 1 (the header is line 1), which is the file line unless a
    quoted cell spans lines (a Parquet file's row number + 1: `csv_relation`). Columns missing from
    the file come out NULL. A header name that differs from `columns` only in case or surrounding
    spaces is that column (`csv_columns`); a name the header holds twice up to case is read under
    its position (`name_3`), as DuckDB takes no two names equal up to case.
    """
    head = _first_line(f)
    delim = csv_delimiter(head)
    header = _csv_names(head, delim, f.display)
    at = csv_columns(header, columns)
    if at is None:
        twice = next(c for c in columns if csv_columns(header, [c]) is None)
        raise FormatError(
            f"{f.display}:1: the header names column {twice!r} twice (up to upper or lower case), so which "
            "one holds the values is unknown. Fix: rename or remove one of the two columns."
        )
    names = csv_names_once(header)
    cols = ", ".join(
        f'"{_ident(names[at[c]])}" AS "{c}"' if c in at else f'CAST(NULL AS VARCHAR) AS "{c}"' for c in columns
    )
    cut = cut_sql(f, f'"{_ident(names[-1])}"' if names else None)
    read = csv_read_sql(f, names, delim)
    return (
        f"SELECT row_number() OVER () + 1 AS source_line, CAST(to_json(c) AS VARCHAR) AS raw, {cut} AS _cut, {cols} "
        f"FROM {csv_relation(f, read, delim)} c"
    )


def csv_names_once(header: list[str]) -> list[str]:
    """`header`'s names with a name the header already holds (up to case) renamed by its position
    (`name_3`), as DuckDB takes no two column names equal up to case."""
    seen: set[str] = set()
    names = []
    for i, n in enumerate(header):
        names.append(n if n.casefold() not in seen else f"{n}_{i + 1}")
        seen.add(n.casefold())
    return names


def csv_read_sql(f: InputFile, names: list[str], delim: str | None = None, header: bool = True) -> str:
    """SQL: `read_csv` of `f` with its column `names` given (those of its header line, unless
    `header` is false), every value VARCHAR, cells split at `delim` (default: the delimiter of the
    file's first line, `csv_delimiter`). Given, not sniffed: DuckDB's sniffer makes a column of
    every cell of the widest line it samples, and a line of 70,000 commas in a 70 KB file ran it out
    of memory, so the whole file failed."""
    comp = "gzip" if f.gzip else "none"
    delim = delim or csv_delimiter(_first_line(f))
    return (
        f"read_csv({f.sql_path()}, header={str(header).lower()}, all_varchar=true, auto_detect=false, "
        f"columns={_csv_columns(names)}, delim={sql_str(delim)}, quote='\"', escape='\"', strict_mode=false, "
        f"null_padding=true, compression='{comp}', max_line_size=16777216)"
    )


def _first_line(f: InputFile) -> str:
    """The first line of `f`'s head ("" for an empty head): a CSV's header line."""
    return (text(f.head).splitlines() or [""])[0]


def csv_relation(f: InputFile, read_csv: str, delim: str | None = None) -> str:
    """The relation a CSV format reads `f` from: `read_csv` (its `read_csv(...)` call) with decimal
    commas read (`decimal_comma_sql`); for a Parquet file (`f.parquet`) the file's columns as the
    text a CSV export writes (`_parquet.relation`), read by the same SQL."""
    if f.parquet:
        return _parquet.relation(f.path, f.sql_path())
    return decimal_comma_sql(read_csv, text(f.head), delim)


DECIMAL_COMMA_CHANGE = ("a number with a decimal comma in a file delimited by `;` (a spreadsheet's re-save: 3,75 or "
                        "1.234,5) is read as 3.75 and 1234.5; before, the comma was dropped (375, 12345)")
"""The `Ingestor.reader_changes` entry of every CSV format (`csv_changes`)."""


GROUPED_CHANGE = ("a `;` file whose numbers are whole with a dot every three digits and none with a decimal point "
                  "otherwise (a spreadsheet's re-save of counts: 40.000) is read as 40000; before, as 40; its dates "
                  "written 01.10.2026 are read as 2026-10-01 (they were quarantined)")
"""The `Ingestor.reader_changes` entry after `DECIMAL_COMMA_CHANGE` of every CSV format."""


def csv_changes(earlier: dict[int, str] | None = None) -> dict[int, str]:
    """`reader_changes` of a CSV format: its `earlier` changes, then `DECIMAL_COMMA_CHANGE` and
    `GROUPED_CHANGE` as the next versions, so a `;` file stored with its numbers misread is read again."""
    earlier = dict(earlier or {})
    v = max(earlier, default=1)
    return {**earlier, v + 1: DECIMAL_COMMA_CHANGE, v + 2: GROUPED_CHANGE}


DECIMAL_COMMA = r"-?(\d{1,3}(\.\d{3})+|\d+),\d+"
"""A number written with a decimal comma (`3,75`, `0,0025`, `1.234,5`): what a spreadsheet writes in
a locale whose decimal mark is the comma."""
_DECIMAL_COMMA_CELL = re.compile(rf'(?:^|;)\s*"?{DECIMAL_COMMA}"?\s*(?=;|$)', re.M)
_DOTTED_DATE = r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,? (\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*"
"""A date written day first with dots (`01.10.2026`, `1.10.2026 14:30`): what a spreadsheet writes in
a German, Austrian, Swiss, Russian, Polish, ... locale, the ones that also write `;` and decimal
commas. Dotted, a date is day first in every locale that writes it so."""
_DOTTED_DATE_CELL = re.compile(rf'(?:^|;)"?{_DOTTED_DATE}"?(?=;|$)', re.M)
_POINT_CELL = re.compile(r'(?:^|;)\s*"?(-?\d+\.\d+)"?\s*(?=;|$)', re.M)
_GROUPED = re.compile(r"-?[1-9]\d{0,2}(\.\d{3})+")
"""A whole number with a dot every three digits (`40.000`, `1.234.567`): a count as a spreadsheet in
a comma-decimal locale writes it (a count is whole, so it is not 40 with three decimals)."""
_LOCALE_NUMBER = r"\s*-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?\s*"


def decimal_comma_sql(read_csv: str, head: str, delim: str | None = None) -> str:
    """`read_csv` (a `read_csv(...)` call) as a relation with the same columns, all VARCHAR, with
    the numbers of a comma-decimal file written the way the number parsers read them.

    A spreadsheet saving "CSV" in a locale whose decimal mark is the comma (German, French, ...
    Excel re-saving an Azure or OpenAI export) writes `;` between cells and `3,75` or `1.234,5` for
    numbers. The parsers (`_exports.dec`, `count`) drop commas as US grouping, so `3,75` was read as
    375, silently. A file is read that way when it is delimited by `;` and its first 64 KB (`head`)
    hold a cell with a decimal comma, or (a file of whole numbers) cells with dot grouping (`40.000`)
    and no cell with a decimal point that is not such grouping (`0.5`, `12.34`): then in every cell
    that is such a number the dots (grouping) are dropped and the comma becomes a point (`1.234,5`
    -> `1234.5`, `1.500` -> `1500`). Any other file, a `;` file with decimal points among them, is
    left as it is. In a `;` file whose head holds a dotted date (`_DOTTED_DATE`), each such cell is
    written as ISO (`01.10.2026` -> `2026-10-01`, `1.10.2026 14:30` -> `2026-10-01 14:30:00`), the
    form every format's date parser reads. `delim`: the file's delimiter when the caller knows it,
    else its header line's (`csv_delimiter`)."""
    if delim is None:
        lines = head.splitlines()
        delim = csv_delimiter(lines[0]) if lines else ","
    if delim != ";":
        return read_csv
    points = [m.group(1) for m in _POINT_CELL.finditer(head)]
    grouped = bool(points) and all(_GROUPED.fullmatch(p) for p in points)
    numbers = bool(_DECIMAL_COMMA_CELL.search(head) or grouped)
    dates = bool(_DOTTED_DATE_CELL.search(head))
    if not (numbers or dates):
        return read_csv
    cell = "COLUMNS(*)"
    if dates:
        part = [f"regexp_extract({cell}, {sql_str(_DOTTED_DATE)}, {i})" for i in range(7)]
        iso = (f"{part[3]} || '-' || lpad({part[2]}, 2, '0') || '-' || lpad({part[1]}, 2, '0') || "
               f"CASE WHEN {part[4]} <> '' THEN ' ' || lpad({part[4]}, 2, '0') || ':' || {part[5]} || ':' || "
               f"coalesce(nullif({part[6]}, ''), '00') ELSE '' END")
        cell = f"CASE WHEN regexp_full_match({cell}, {sql_str(_DOTTED_DATE)}) THEN {iso} ELSE {cell} END"
    if numbers:
        cell = (f"CASE WHEN regexp_full_match(COLUMNS(*), {sql_str(_LOCALE_NUMBER)}) "
                f"THEN replace(replace(trim(COLUMNS(*)), '.', ''), ',', '.') ELSE {cell} END")
    return f"(SELECT {cell} FROM {read_csv})"


CUT = ("the last row ends early (no line end after it, its last column empty): the file was cut or is "
       "still being written. Fix: ingest it again once it is complete (its rows then replace these)")
"""The quarantine reason of a CSV record `csv_records_sql` marks `_cut`."""


def cut_sql(f: InputFile, last_column: str | None) -> str:
    """SQL: true for the last record of a file with no line end after it whose last column
    (`last_column`, an SQL expression) is empty: a row cut short (`CUT`); `false` otherwise."""
    if last_column is None or not no_line_end(f):
        return "false"
    return f"(row_number() OVER () = count(*) OVER () AND {last_column} IS NULL)"


def no_line_end(f: InputFile) -> bool:
    """True when the file's last byte is no line end (read from the end: one byte). A gzip file is
    not checked (its end is known only by decompressing it all); a cut gzip stream fails whole."""
    if f.gzip or f.batch or f.parquet:  # a Parquet file ends in `PAR1`, and its rows are whole
        return False
    try:
        with open(f.path, "rb") as fh:
            if fh.seek(0, 2) == 0:
                return False
            fh.seek(-1, 2)
            return fh.read(1) not in (b"\n", b"\r")
    except OSError:
        return False


def _csv_names(header_line: str, delim: str, where: str) -> list[str]:
    """The column names of a CSV header line; a FormatError naming the file (`where`) when Python's
    csv module cannot split it (a cell over its 128 KiB limit: a fuzzed header stopped the whole
    run with a traceback)."""
    import csv
    import io

    try:
        return [n.strip() for n in next(csv.reader(io.StringIO(header_line), delimiter=delim), [])]
    except csv.Error as e:
        raise FormatError(
            f"{where}:1: the header line cannot be split into column names ({e}). Fix: check that the "
            "file is a CSV export with one header line of column names, or leave out --source to let "
            "the format be detected."
        ) from None


def _ident(name: str) -> str:
    return name.replace('"', '""')


def _csv_columns(names: list[str]) -> str:
    return "{" + ", ".join(f"{sql_str(n)}: 'VARCHAR'" for n in names) + "}"
