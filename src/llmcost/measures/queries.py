"""Load the measures' SQL by name and run it: one query per `.sql` file, aiosql-style.

The SQL lives in the top-level `sql/` directory of the checkout and ships inside the wheel as
`llmcost/sql` (pyproject `force-include`). A file looks like::

    -- name: daily_cost_by_model
    -- Cost per UTC day and model (priced rows only; unpriced rows counted apart).
    SELECT ... WHERE ($since IS NULL OR ts >= $since)

Line 1 names the query (the name must equal the file stem), the comment lines under it are the
query's help, and the rest is one SQL statement with `$name` parameters. A line
`-- include: NAME` in the statement (not in the help above it) is replaced by the lines of
`sql/include/NAME.sql`: a part several queries share (e.g. the report's column sums), written
once. A bad file fails when the queries are loaded, naming the file and line. Parameters a
caller leaves out are bound to NULL: every parameter of these queries is optional and NULL means
"no filter" or "the default".

The queries read the priced rows as `priced_usage` (`INPUT`). A caller whose rows have another
name passes it as `relation=` (e.g. the report's window view, `PricedRows.view`): the name is
put in place of `priced_usage` in the statement, so no module has to name its view after the
convention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from llmcost.errors import ConfigError, UsageError
from llmcost.text import did_you_mean

_NAME_LINE = re.compile(r"^--\s*name:\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*$")
PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
"""A `$name` parameter (the name in group 1): how a query's parameters are found, and bound on Spark."""
_LINE_IN_ERROR = re.compile(r"LINE (\d+):")
_INCLUDE_LINE = re.compile(r"^(?P<indent>\s*)--\s*include:\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*$")
INPUT = "priced_usage"
"""The relation every query reads its priced rows from, unless the caller passes `relation=`."""
COSTS = "costs"
"""The relation a query reads billed cost lines from, unless the caller passes `costs=` (the report
gives its window over them, so billed money is cut to the same window as the estimates)."""
_RELATION = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}")


@dataclass(frozen=True)
class Query:
    """One named SQL query loaded from `path`."""

    name: str
    """The query's name: the file stem and the `-- name:` line agree."""
    help: str
    """What the query returns (the comment lines under the name)."""
    sql: str
    """The statement, comments under the header removed, with `$name` parameters."""
    params: tuple[str, ...]
    """Parameter names in order of first use."""
    path: Path
    """The file it came from."""
    sql_line: int
    """1-based line in `path` where the statement starts (for error messages)."""


def sql_dir() -> Path:
    """The directory holding the `.sql` files: `llmcost/sql` in an installed wheel, else the
    checkout's top-level `sql/` (editable install or running from the source tree)."""
    packaged = Path(str(resources.files("llmcost"))) / "sql"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "sql"
    if checkout.is_dir():
        return checkout
    raise ConfigError(
        f"No SQL directory found (looked for {packaged} and {checkout}). "
        "Fix: reinstall llmcost-forecast, or run from a checkout that has sql/."
    )


def parse_query(path: Path, text: str | None = None) -> Query:
    """Parse one `.sql` file; a ConfigError names the file and line of any problem."""
    text = path.read_text(encoding="utf-8") if text is None else text
    lines = text.splitlines()
    where = f"{path}:1"
    if not lines:
        raise ConfigError(f"{where}: the file is empty. Fix: start it with `-- name: {path.stem}`.")
    m = _NAME_LINE.match(lines[0])
    if not m:
        raise ConfigError(
            f"{where}: the first line must be `-- name: <query_name>`, not {lines[0][:60]!r}. "
            f"Fix: make line 1 `-- name: {path.stem}`."
        )
    name = m.group("name")
    if name != path.stem:
        raise ConfigError(
            f"{where}: the query is named {name!r} but the file is {path.name}. "
            f"Fix: rename one of them so they agree (one query per file, named for what it returns)."
        )
    help_lines = []
    i = 1
    while i < len(lines) and lines[i].lstrip().startswith("--"):
        help_lines.append(lines[i].lstrip()[2:].strip())
        i += 1
    help_text = " ".join(h for h in help_lines if h)
    if not help_text:
        raise ConfigError(
            f"{path}:2: query {name!r} has no help. "
            "Fix: add a comment line under the name saying what it returns."
        )
    body = "\n".join(_expand_includes(path, lines, i)).strip()
    sql_line = i + 1 + next((k for k, ln in enumerate(lines[i:]) if ln.strip()), 0)
    if not body:
        raise ConfigError(f"{path}:{sql_line}: query {name!r} has no SQL after its help comment.")
    try:
        statements = duckdb.extract_statements(body)
    except duckdb.ParserException as e:
        msg = str(e)
        lm = _LINE_IN_ERROR.search(msg)
        line = sql_line + int(lm.group(1)) - 1 if lm else sql_line
        first = msg.splitlines()[0]
        raise ConfigError(f"{path}:{line}: query {name!r} does not parse: {first}") from None
    if len(statements) != 1:
        raise ConfigError(
            f"{path}:{sql_line}: query {name!r} holds {len(statements)} statements. "
            "Fix: one query per file; split the others into their own files."
        )
    params = tuple(dict.fromkeys(PARAM.findall(body)))
    return Query(name=name, help=help_text, sql=body, params=params, path=path, sql_line=sql_line)


def _expand_includes(path: Path, lines: list[str], start: int, within: tuple[str, ...] = ()) -> list[str]:
    """`lines[start:]` with each `-- include: NAME` line replaced by the lines of
    include/NAME.sql of the query directory, indented like the include line. A part may include
    another part (`within`: the parts being expanded, to refuse a part that includes itself)."""
    parts = path.parent if within else path.parent / "include"
    out: list[str] = []
    for k, line in enumerate(lines[start:], start + 1):
        m = _INCLUDE_LINE.match(line)
        if m is None:
            out.append(line)
            continue
        name = m.group("name")
        part = parts / f"{name}.sql"
        if not part.is_file():
            raise ConfigError(f"{path}:{k}: `-- include: {name}` names {part}, which does not exist. "
                              "Fix: create it, or correct the name.")
        if name in within:
            raise ConfigError(f"{path}:{k}: `-- include: {name}` includes itself ({' -> '.join((*within, name))}). "
                              "Fix: remove the include line from the part it leads back to.")
        inner = _expand_includes(part, part.read_text(encoding="utf-8").splitlines(), 0, (*within, name))
        out.extend(m.group("indent") + ln if ln.strip() else ln for ln in inner)
    return out


def load_queries(directory: Path | None = None) -> dict[str, Query]:
    """All queries in `directory` (default `sql_dir()`), by name."""
    if directory is None:
        return dict(_load_default())
    return _load(Path(directory))


@cache
def _load_default() -> tuple[tuple[str, Query], ...]:
    return tuple(_load(sql_dir()).items())


def _load(directory: Path) -> dict[str, Query]:
    out: dict[str, Query] = {}
    for path in sorted(directory.glob("*.sql")):
        q = parse_query(path)
        out[q.name] = q
    return out


def get_query(name: str, queries: dict[str, Query] | None = None) -> Query:
    queries = load_queries() if queries is None else queries
    try:
        return queries[name]
    except KeyError:
        raise UsageError(f"No query named {name!r}{did_you_mean(name, queries, n=3)}. `load_queries()` lists them "
                         "all.") from None


def bind(query: Query, params: dict[str, Any]) -> dict[str, Any]:
    """Named parameters for `query`: unknown names are an error, missing ones are NULL."""
    unknown = sorted(set(params) - set(query.params))
    if unknown:
        hints = []
        for u in unknown:
            hints.append(f"{u}{did_you_mean(u, query.params)}")
        raise UsageError(
            f"Query {query.name!r} has no parameter {', '.join(hints)}. "
            f"Its parameters: {', '.join(query.params) or 'none'}."
        )
    return {p: params.get(p) for p in query.params}


def sql_over(query: Query, relation: str = INPUT, *, reads: str = INPUT) -> str:
    """`query`'s statement reading `relation` (a table or view name) where it reads `reads`
    (default: its priced rows, `priced_usage`)."""
    if relation == reads:
        return query.sql
    if not _RELATION.fullmatch(relation):
        raise UsageError(f"{relation!r} is not a relation name (query {query.name!r}). "
                         "Fix: pass the name of a table or view, e.g. the one PricedRows.view returned.")
    return re.sub(rf"\b{re.escape(reads)}\b", relation, query.sql)


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pl.DataFrame:
    """Run query `name` on `con` with `$params` bound and return the rows as a polars frame."""
    query = get_query(name)
    return run_query(con, query, **params)


def run_query(con: duckdb.DuckDBPyConnection, query: Query, **params: Any) -> pl.DataFrame:
    bound = bind(query, params)
    rel = con.sql(query.sql, params=bound) if bound else con.sql(query.sql)
    return rel.pl()


def rows(con: duckdb.DuckDBPyConnection, name: str, *, relation: str = INPUT, **params: Any) -> list[dict[str, Any]]:
    """Like `run`, but plain Python rows (Decimal stays Decimal) for JSON-ready output."""
    return rows_over(con, name, relation, COSTS, **params)


def rows_over(
    con: duckdb.DuckDBPyConnection, name: str, relation: str = INPUT, costs: str = COSTS, **params: Any
) -> list[dict[str, Any]]:
    """`rows` of query `name` reading its priced rows from `relation` and its billed cost lines
    from `costs` (the report's window over each)."""
    query = get_query(name)
    bound = bind(query, params)
    sql = sql_over(query, relation)
    if costs != COSTS:
        sql = sql_over(replace(query, sql=sql), costs, reads=COSTS)
    cur = con.execute(sql, bound) if bound else con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
