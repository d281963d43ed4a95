"""The measures: where the money went, how conversations grow, what the cache did and missed,
how hard the requests are, when the bursts come, and how much of the input is a reusable prefix.

Every number comes from a named query in `sql/` (see `llmcost.measures.queries`); this module only binds
the parameters, runs the queries once over a filtered copy of the priced rows, and shapes the
answers into one plain dict (money stays `Decimal`; renderers turn it into text). The
definitions are in docs/measures.md and, in short, in `DEFINITIONS` below.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from llmcost.config.strict import MAX_NUMBER, Positions, check_keys, finite, parse_toml, read_text, read_toml
from llmcost.errors import ConfigError, UsageError
from llmcost.measures.queries import INPUT, Query, bind, get_query, sql_over
from llmcost.storage.store import has_relation, one
from llmcost.text import did_you_mean

DEFINITIONS: dict[str, str] = {
    "prompt_tokens": (
        "input_tokens + cache_read_tokens + cache_write_tokens (the whole prompt; input_tokens is the "
        "uncached part only)"
    ),
    "cache_hit_rate": (
        "cache_read_tokens / (cache_read_tokens + cache_write_tokens + input_tokens), summed over rows "
        "whose source reports cache fields (cache_known); unknown (null, with a reason) when no row does"
    ),
    "history_resent": (
        "for turn k > 1 of a conversation, min(prompt_k, prompt_{k-1} + output_{k-1}) tokens: the "
        "previous request's prompt and answer sent again; turn 1 re-sends nothing. Its cost is the "
        "request's input-side cost (input + cache read + cache write) times history / prompt"
    ),
    "missed_savings": (
        "requests (cache-known, request grain) with prompt >= the provider's minimum cacheable length and"
        " no cache read; upper bound of what a stable cached prefix would have saved: cost_input_usd x (1"
        " - cache-read multiplier), i.e. the whole uncached input read from cache, write premiums ignored"
    ),
    "complexity": (
        "user label wins; else complex if any complex_min_* threshold is reached, simple if every "
        "simple_max_* limit holds, medium otherwise (thresholds in config [complexity])"
    ),
    "bursts": (
        "requests per UTC hour and day over the burst window (empty periods count as 0): the report's "
        "window when it has a start (--since, --month), else the recent_days (config) UTC days up to the "
        "last request, so that a long or gappy history does not make the median period empty; peak = "
        "busiest period, compared with the median period; peak days reach peak_factor x the median day"
    ),
    "block_prefix_reuse": (
        "requests in time order per provider and project; a request's hit is the longest leading run of "
        "blocks whose whole prefix appeared in an earlier request; hit tokens = min(k x block_size, "
        "prompt); reuse share = sum hit tokens / sum prompt tokens (infinite cache, no TTL: an upper "
        "bound)"
    ),
    "unit_costs": (
        "cost per unit over the window: conversation (rows with a conversation id), user, active user-month "
        "(a user in a calendar month with usage, months in the report's --tz) and request (request-grain "
        "rows); a unit is priced when every row of it is priced, and only priced units enter the distribution "
        "(p50/p90/p99 by linear interpolation); unpriced units are counted apart, never $0. In the monthly "
        "trend a conversation counts in the month of its first request"
    ),
    "spend_by_tag": (
        "for each tag asked for (--by tag:NAME), rows grouped by the value of that tag in extra.tags (the "
        "user's own tags the ingestors keep: LiteLLM request tags and client metadata, Langfuse trace tags "
        "and metadata, Helicone custom properties, OTel/OpenInference tag and metadata attributes); a bare "
        "tag's value is 'true'; rows without the tag form the '(untagged)' row, so each tag's rows add up to "
        "the totals; cost sums priced rows only (unpriced requests counted apart, never $0)"
    ),
    "component_share": (
        "sum of the token lengths of a component's chunks (side files) / sum of prompt tokens "
        "(share_of_input) or / sum of all component tokens (share_of_components); the system prompt share"
        " is the stable-prefix share of input"
    ),
}

REFERENCE = {
    "mooncake_conversation_block_reuse": 0.374,
    "ragpulse_sys_prompt_share": 0.469,
    "ragpulse_median_history_tokens_by_turn": [11, 239, 544, 883, 1005],
}
"""Published or noted figures the measures are checked against (traces-notes.md 2 and 4)."""

BASE_COLUMNS = (
    "ts", "grain", "provider", "model", "project", "api_key", "user_id", "conversation_id", "turn",
    "request_count", "requests_known", "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens",
    "reasoning_tokens", "cache_known", "tool_calls", "label", "extra", "source_file", "source_line",
    "event_id", "priced",
)
# The per-row money the measures' queries read (the server-tool fees are read by the report's
# own queries over its priced table, never by a measure: not copied).
MONEY_COLUMNS = (
    "cost_usd", "cost_input_usd", "cost_cache_read_usd", "cost_cache_write_usd",
    "cache_read_saving_usd", "cache_write_premium_usd",
)
# A single request never costs $1M, so the copy keeps per-row money as DECIMAL(18,12) (int64
# arithmetic, half the memory); every sum the queries return is DECIMAL(38,12) again.
_ROW_MONEY = "DECIMAL(18,12)"
# Only the prefix measures (rows with `extra`) need the request's id, file and line: not copying
# them for the other rows keeps the copy narrow. Without any `extra` in the window the four are
# not stored at all (a view adds them as NULL constants): an in-memory table stores a column of
# NULLs at full width.
_SPARSE = {
    c: f"CASE WHEN extra IS NOT NULL THEN {c} END AS {c}" for c in ("event_id", "source_file", "source_line")
}
_SPARSE_TYPES = {"extra": "VARCHAR", "event_id": "VARCHAR", "source_file": "VARCHAR", "source_line": "BIGINT"}
# Low-cardinality text columns are stored as ENUMs in the copy: a 1-2 byte code instead of a
# 16-byte string slot. At 10M rows this takes the copy from 2.3 to 1.3 GB, under the default
# 2 GB memory limit, so the queries stop spilling (measured 7.2 -> 5.2 s for every query; the
# answers are identical, tests/measures/test_copy.py). The enum lists its values in byte order,
# so min(), max() and ORDER BY give what the VARCHAR column would.
_ENUM_COLUMNS = ("grain", "provider", "model", "project", "api_key", "user_id", "label")
_ENUM_MAX_VALUES = 65_535
_UTC_DAY = "DATE '1970-01-01' + CAST(epoch_us(ts) // 86400000000 AS INTEGER)"
"""The UTC calendar day of `ts` (the `local_day` of rows priced outside a report)."""
VOLUME_QUERIES = frozenset({
    "spend_totals", "spend_unpriced_models", "spend_by_period", "spend_month_over_month", "spend_by_tag",
    "cache_hit_rate", "cache_savings",
})
"""The queries of money, tokens and requests summed over the window: in a report they read its rows
that count for volume, so a request row on a provider-day whose usage buckets hold it already is not
counted twice (sql/reconcile_money_usage.sql, counts_for_tokens). The other queries describe the
requests themselves (turns, conversations, units, complexity, bursts, prefixes, missed caching) and
read every row of the window: request logs give behaviour (docs/formats-provider-exports.md)."""
_WINDOW = """($since IS NULL OR ts >= $since) AND ($until IS NULL OR ts < $until)
  AND ($provider IS NULL OR provider = $provider)"""

COMPONENT_KINDS = {
    "sys_prompt_id": "sys_prompt",
    "passage_id": "passages_ids",
    "history_id": "history",
    "web_search_id": "web_search",
    "user_input_id": "user_input",
}
"""RAGPulse side files: id column -> component name in extra.components."""
RAGPULSE_SIDE_FILES = (
    "1_sys_prompt.jsonl.gz", "2_passages.jsonl.gz", "3_history.jsonl.gz", "4_user_input.jsonl.gz",
    "5_web_search.jsonl.gz",
)


# ---- config ------------------------------------------------------------------------------------
def default_config_path() -> Path:
    return Path(str(resources.files("llmcost"))) / "config" / "measures.toml"


def load_config(config: Path | str | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The packaged defaults, overridden by a user TOML file or dict (unknown keys are an error)."""
    base = read_toml(default_config_path(), kind="measures config")
    if config is None:
        return base
    positions = None
    if isinstance(config, Mapping):
        user, origin = dict(config), "config"
    else:
        path = Path(config)
        if not path.exists():
            raise ConfigError(f"Measures config {path} does not exist. Fix: pass an existing TOML file.")
        text = read_text(path, kind="measures config")
        user, origin, positions = parse_toml(text, str(path), kind="measures config"), str(path), Positions(text)
    merged = copy.deepcopy(base)
    _merge(merged, user, origin, "", positions)
    return merged


_OPEN_TABLES = {"cache.min_cacheable_tokens", "cache.read_multiplier"}
"""Tables whose keys are provider names: new keys are allowed there."""


def _merge(into: dict[str, Any], user: Mapping[str, Any], origin: str, prefix: str,
           positions: Positions | None = None) -> None:
    table = prefix.rstrip(".")
    if table not in _OPEN_TABLES:
        check_keys(user, into, file=origin, positions=positions or Positions(""), table=table,
                   doc="docs/measures.md")
    for key, value in user.items():
        dotted = f"{prefix}{key}"
        if isinstance(into.get(key), dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{origin}: {dotted!r} must be a table.")
            _merge(into[key], value, origin, dotted + ".", positions)
        else:
            if key in into and not isinstance(value, int | float) and isinstance(into[key], int | float):
                raise ConfigError(f"{origin}: {dotted!r} must be a number, not {value!r}.")
            if isinstance(value, int | float) and not isinstance(value, bool) and not finite(Decimal(repr(value))):
                raise ConfigError(f"{origin}: {dotted!r} = {value} is not a usable number (not finite or over "
                                  f"{MAX_NUMBER:,f}). Fix: write a finite number.")
            into[key] = value


# ---- filters -----------------------------------------------------------------------------------
def _utc(v: date | datetime | str | None, what: str) -> datetime | None:
    if v is None:
        return None
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v)
        except ValueError:
            raise UsageError(f"--{what} {v!r} is not a date or ISO timestamp. Fix: use YYYY-MM-DD.") from None
    if isinstance(v, datetime):
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
    return datetime.combine(v, time(0), tzinfo=UTC)


# ---- running -----------------------------------------------------------------------------------
def _is_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """A base table (temporary or not), not a view."""
    (n,) = one(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]))
    return bool(n)


def _fetch(con: duckdb.DuckDBPyConnection, name: str, *, relation: str = INPUT, **params: Any) -> list[dict[str, Any]]:
    """Rows of query `name` reading the priced rows from `relation`; parameters it does not take
    are left out."""
    q: Query = get_query(name)
    bound = bind(q, {k: v for k, v in params.items() if k in q.params})
    sql = sql_over(q, relation)
    cur = con.execute(sql, bound) if bound else con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _one(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def compute_measures(
    con: duckdb.DuckDBPyConnection,
    *,
    since: date | datetime | str | None = None,
    until: date | datetime | str | None = None,
    provider: str | None = None,
    config: Path | str | Mapping[str, Any] | None = None,
    catalog: Any = None,
    component_files: Iterable[Path | str] | None = None,
    window_has_start: bool | None = None,
    materialised: bool = False,
    relation: str | None = None,
    volume: str | None = None,
) -> dict[str, Any]:
    """All measures over `con`'s priced rows `relation` (a table or view; default `priced_usage`,
    created with attach_costs from `usage` when absent).

    `since` is inclusive and `until` exclusive (dates are UTC midnights); `provider` keeps one
    provider. `config` overrides config/measures.toml. `component_files` are RAGPulse-style side
    files with chunk token lengths; by default they are looked for beside the ingested trace.
    `window_has_start` (default: `since` is given) says the rows already start where the user
    asked (a report's --since or --month); without a start, bursts look at the recent days only.
    The priced rows are copied once (filtered, needed columns only) into a private in-memory
    database that every query reads, so the view's join runs once, not once per query; unless
    they are a table already or `materialised` says `relation` is a plain filter over one (a
    report's window over its one priced table, llmcost.document.priced_rows). `volume` (with
    `materialised`): the same window's rows that count for volume, which the VOLUME_QUERIES read
    (a report leaves out the request rows its provider's usage buckets already hold); default
    `relation`.
    """
    cfg = load_config(config)
    since_, until_ = _utc(since, "since"), _utc(until, "until")
    recent = not (since_ is not None if window_has_start is None else window_has_start)
    filters = {"since": since_, "until": until_, "provider": provider}
    source = usage = relation or INPUT
    if relation is not None and not has_relation(con, relation):
        raise UsageError(f"The connection has no relation {relation!r} to measure. Fix: pass the name of the "
                         "priced rows' table or view (e.g. the one PricedRows.view returned).")
    if not has_relation(con, source):
        if not has_relation(con, "usage"):
            raise UsageError("The connection has no `usage` view. Fix: use Store.open(dir).connect().")
        from llmcost.pricing import attach_costs, load_catalog

        usage = "usage"  # the store's view fills missing turns only where needed (storage/store.py)
        source = "_llmcost_measures_priced"
        attach_costs(con, catalog if catalog is not None else load_catalog(), source=usage, target=source)

    if (source == usage and not any(filters.values())
            and (materialised or _is_table(con, source))):
        # The report's priced rows are a table already: the queries read it as it is (a second
        # copy of a 35M-row window would only cost time and spill space). A report's rows carry
        # their `local_day` (its --tz); a table priced without one is read with the UTC day.
        if not materialised and "local_day" not in {r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()}:
            con.execute(f"CREATE OR REPLACE TEMP VIEW _llmcost_measures_days AS "
                        f"SELECT *, {_UTC_DAY} AS local_day FROM {source}")
            source = "_llmcost_measures_days"
        out = _measures(con, filters, cfg, component_files, recent=recent, relation=source,
                        volume=volume if materialised and volume is not None else source)
        out["window"] = {"since": since_, "until": until_, "provider": provider}
        return out

    db = f"llmcost_measures_{uuid.uuid4().hex[:8]}"
    # An in-memory database: its blocks spill to the connection's temp_directory under its
    # memory_limit (measured: 20M rows with text columns at memory_limit 300MB peaked at 424 MB
    # RSS), and it is twice as fast to fill as a database file, which compresses on write.
    con.execute(f"ATTACH ':memory:' AS {db}")
    cur = con.cursor()
    try:
        _copy(con, db, source, usage, filters)
        cur.execute(f"USE {db}")
        # The copy holds exactly the window, so the queries run unfiltered (same rows, no re-check).
        out = _measures(cur, {"since": None, "until": None, "provider": None}, cfg, component_files,
                        recent=recent)
    finally:
        cur.close()
        con.execute(f"DETACH {db}")
    out["window"] = {"since": since_, "until": until_, "provider": provider}
    return out


def _copy(con: duckdb.DuckDBPyConnection, db: str, source: str, usage: str, filters: dict[str, Any]) -> None:
    """Copy the window's priced rows, needed columns only, into `db`.priced_usage."""
    (has_extra,) = one(con.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {usage} WHERE extra IS NOT NULL AND {_WINDOW} LIMIT 1)", filters
    ))
    money = ", ".join(f"CAST({c} AS {_ROW_MONEY}) AS {c}" for c in MONEY_COLUMNS)
    enums = _enum_types(con, db, usage, filters)
    keep = [c for c in BASE_COLUMNS if has_extra or c not in _SPARSE_TYPES]
    cols = ", ".join(
        f"CAST({c} AS {enums[c]}) AS {c}" if c in enums else _SPARSE.get(c, c) for c in keep
    )
    table = "priced_usage" if has_extra else "priced_rows"
    # the calendar day the queries cut days and months by: the source's own (a report's priced rows,
    # in its --tz), else the UTC day
    have = {r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()}
    day = "local_day" if "local_day" in have else f"{_UTC_DAY} AS local_day"
    con.execute(f"CREATE TABLE {db}.{table} AS SELECT {cols}, {day}, {money} FROM {source} WHERE {_WINDOW}",
                filters)
    if not has_extra:
        nulls = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in _SPARSE_TYPES.items())
        con.execute(f"CREATE VIEW {db}.priced_usage AS SELECT *, {nulls} FROM {db}.priced_rows")


def _enum_types(con: duckdb.DuckDBPyConnection, db: str, usage: str, filters: dict[str, Any]) -> dict[str, str]:
    """ENUM types in `db` for the text columns with at most _ENUM_MAX_VALUES values in the window."""
    counts = one(con.execute(
        f"SELECT {', '.join(f'approx_count_distinct({c})' for c in _ENUM_COLUMNS)} FROM {usage} WHERE {_WINDOW}",
        filters,
    ))
    small = [c for c, n in zip(_ENUM_COLUMNS, counts, strict=True) if 0 < n <= _ENUM_MAX_VALUES]
    if not small:
        return {}
    # One pass collects every small column's values (CREATE TYPE takes no parameters, so they go
    # through a table); each ENUM is then made from its list.
    con.execute(
        f"CREATE TABLE {db}._enum_values AS SELECT {', '.join(f'list(DISTINCT {c}) AS {c}' for c in small)} "
        f"FROM {usage} WHERE {_WINDOW}",
        filters,
    )
    types = {c: f"{db}.main.{c}_enum" for c in small}
    for c in small:
        con.execute(
            f"CREATE TYPE {types[c]} AS ENUM (SELECT v FROM (SELECT unnest({c}) AS v FROM {db}._enum_values) "
            "WHERE v IS NOT NULL ORDER BY v)"
        )
    con.execute(f"DROP TABLE {db}._enum_values")
    return types


# ---- the registry ------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeasureRun:
    """What a measure's `compute` gets: the connection, the window's filters, the config, and the
    queries it may run (its entry's `sql`, so the registry says every file a measure reads)."""

    cur: duckdb.DuckDBPyConnection
    filters: dict[str, Any]
    cfg: dict[str, Any]
    component_files: Iterable[Path | str] | None
    recent: bool
    """The caller's window has no start: bursts look at the last `recent_days` only."""
    measure: Measure
    results: dict[str, Any]
    """The measures computed before this one (registry order), by key."""
    relation: str = INPUT
    """The priced rows the queries read (a table or view name)."""
    volume: str | None = None
    """The rows the VOLUME_QUERIES read (default `relation`)."""

    def fetch(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Rows of query `name` (one of the measure's `sql`) over the window (its rows that count
        for volume for the VOLUME_QUERIES); `params` add to or replace the window's filters."""
        if name not in self.measure.sql:
            raise ConfigError(
                f"measure {self.measure.key!r} runs query {name!r}, which its registry entry does not list "
                f"(sql={self.measure.sql}). Fix: add {name!r} to its entry in llmcost.measures.registry.MEASURES."
            )
        relation = self.volume if name in VOLUME_QUERIES and self.volume is not None else self.relation
        return _fetch(self.cur, name, relation=relation, **{**self.filters, **params})


@dataclass(frozen=True)
class Measure:
    """One registered measure: the document key it fills, the `sql/` queries it runs, the report
    section (llmcost.report.sections REGISTRY name) that shows it, and a one-line description."""

    key: str
    sql: tuple[str, ...]
    """Query names (file stems in `sql/`), each with a data case in tests/measures/cases/."""
    section: str
    description: str
    compute: Callable[[MeasureRun], Any] | None = None
    """The measure's value (what `compute_measures` returns under `key`); default: the rows of
    its one query."""
    document: Callable[[Any], Any] | None = None
    """The value as the report document holds it; default: as computed."""

    def run(self, run: MeasureRun) -> Any:
        if self.compute is not None:
            return self.compute(run)
        if len(self.sql) != 1:
            raise ConfigError(f"measure {self.key!r} lists {len(self.sql)} queries and no `compute`. "
                              "Fix: give it a compute function, or one query.")
        return run.fetch(self.sql[0])

    def shape(self, value: Any) -> Any:
        return value if self.document is None else self.document(value)


def _measures(
    cur: duckdb.DuckDBPyConnection,
    filters: dict[str, Any],
    cfg: dict[str, Any],
    component_files: Iterable[Path | str] | None,
    *,
    recent: bool = True,
    relation: str = INPUT,
    volume: str | None = None,
) -> dict[str, Any]:
    """Every registered measure over `relation`'s rows within `filters`, in registry order (the
    VOLUME_QUERIES over `volume`'s, default `relation`'s);
    `recent`: the caller's window has no start, so bursts look at the last `recent_days` only
    (inside the copy `filters` are empty whatever the caller asked)."""
    out: dict[str, Any] = {"definitions": dict(DEFINITIONS)}
    results: dict[str, Any] = {}
    for m in registry():
        run = MeasureRun(cur, filters, cfg, component_files, recent, m, results, relation, volume)
        results[m.key] = m.run(run)
    out.update(results)
    return out


def _conversations(run: MeasureRun) -> dict[str, Any]:
    return {
        "history": _history_totals(run.results["turns"]),
        "lengths": run.fetch("conversation_lengths"),
        "history_definition": DEFINITIONS["history_resent"],
    }


def spend_by_tag(
    con: duckdb.DuckDBPyConnection,
    tags: Iterable[str],
    *,
    since: date | datetime | str | None = None,
    until: date | datetime | str | None = None,
    provider: str | None = None,
    relation: str = INPUT,
) -> list[dict[str, Any]]:
    """Spend, requests and tokens by the value of each tag in `tags` over `con`'s priced rows
    `relation` (sql/spend_by_tag.sql; DEFINITIONS["spend_by_tag"]), tags in the order given. No tags: []."""
    names = list(dict.fromkeys(tags))
    if not names:
        return []
    return _fetch(con, "spend_by_tag", relation=relation, tags=names, since=_utc(since, "since"),
                  until=_utc(until, "until"), provider=provider)


def tag_names(con: duckdb.DuckDBPyConnection, relation: str = INPUT) -> list[dict[str, Any]]:
    """The tag names in `con`'s priced rows `relation` with the requests carrying each (sql/tag_names.sql)."""
    return _fetch(con, "tag_names", relation=relation)


def _unit_costs(run: MeasureRun) -> dict[str, Any]:
    """Unit cost distributions (overall and by project), the monthly trend with its change, and the top units."""
    rows = run.fetch("unit_costs")
    for r in rows:
        r["mean_usd"] = r["cost_usd"] / r["priced_units"] if r["priced_units"] and r["cost_usd"] is not None else None
    trend = run.fetch("unit_costs_by_month")
    prev: dict[str, dict[str, Any]] = {}
    for r in trend:
        r["mean_usd"] = r["cost_usd"] / r["priced_units"] if r["priced_units"] and r["cost_usd"] is not None else None
        before = prev.get(r["unit"])
        # the change is against the previous month with usage of this unit (months without any are absent)
        r["previous_month"] = before["month"] if before else None
        r["mean_change_ratio"] = (
            float(r["mean_usd"] / before["mean_usd"] - 1)
            if before and r["mean_usd"] is not None and before["mean_usd"] else None
        )
        prev[r["unit"]] = r
    top = run.fetch("unit_costs_top", top_n=run.cfg["spend"]["top_conversations"])
    return {
        "definition": DEFINITIONS["unit_costs"],
        "overall": [r for r in rows if r["level"] == "all"],
        "by_project": [r for r in rows if r["level"] == "project"],
        "by_month": trend,
        "top": top,
    }


def _history_totals(turns: list[dict[str, Any]]) -> dict[str, Any]:
    """History re-sent over all turns: sums of the per-turn rows (same definition)."""
    inp = sum(t["input_tokens"] for t in turns)
    hist = sum(t["history_tokens"] for t in turns)
    costs = [t["cost_usd"] for t in turns if t["cost_usd"] is not None]
    hcosts = [t["history_cost_usd"] for t in turns if t["history_cost_usd"] is not None]
    cost = sum(costs, Decimal(0)) if costs else None
    hcost = sum(hcosts, Decimal(0)) if hcosts else None
    return {
        "conversation_requests": sum(t["requests"] for t in turns),
        "input_tokens": inp,
        "history_tokens": hist,
        "history_share_of_input": hist / inp if inp else None,
        "cost_usd": cost,
        "history_cost_usd": hcost,
        "history_share_of_cost": float(hcost / cost) if cost and hcost is not None else None,
    }


def _spend(run: MeasureRun) -> dict[str, Any]:
    by_period: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in run.fetch("spend_by_period"):
        period, dim = row.pop("period"), row.pop("dimension")
        by_period.setdefault(period, {}).setdefault(dim, []).append(row)
    return {
        "totals": _one(run.fetch("spend_totals")),
        "unpriced_models": run.fetch("spend_unpriced_models"),
        "by_period": by_period,
        "top_conversations": run.fetch("spend_top_conversations", top_n=run.cfg["spend"]["top_conversations"]),
        "month_over_month": run.fetch("spend_month_over_month"),
    }


def _cache_params(cfg: dict[str, Any]) -> dict[str, Any]:
    c = cfg["cache"]
    providers = sorted(set(c["min_cacheable_tokens"]) | set(c["read_multiplier"]))
    return {
        "cache_providers": [p.lower() for p in providers],
        "cache_min_tokens": [c["min_cacheable_tokens"].get(p) for p in providers],
        "cache_read_multipliers": [
            float(c["read_multiplier"][p]) if p in c["read_multiplier"] else None for p in providers
        ],
        "cache_min_default": int(c["min_cacheable_default"]),
        "cache_read_multiplier_default": float(c["read_multiplier_default"]),
    }


def _cache(run: MeasureRun) -> dict[str, Any]:
    cfg = run.cfg
    levels: dict[str, list[dict[str, Any]]] = {}
    for row in run.fetch("cache_hit_rate"):
        levels.setdefault(row.pop("level"), []).append(row)
    savings = run.fetch("cache_savings")
    overall = next((r for r in savings if r["level"] == "all"), None)
    missed = run.fetch("cache_missed_savings", **_cache_params(cfg))
    missed_all = next((r for r in missed if r["level"] == "all"), None)
    return {
        "hit_rate_definition": DEFINITIONS["cache_hit_rate"],
        "hit_rate": levels.get("provider_model_day", []),
        "hit_rate_by_provider_model": levels.get("provider_model", []),
        "hit_rate_by_provider": levels.get("provider", []),
        "hit_rate_overall": _one(levels.get("all", [])),
        "savings_usd": overall["savings_usd"] if overall else None,
        "write_premium_usd": overall["write_premium_usd"] if overall else None,
        "net_savings_usd": overall["net_savings_usd"] if overall else None,
        "savings_by_model": [r for r in savings if r["level"] != "all"],
        "missed_savings_definition": DEFINITIONS["missed_savings"],
        "missed_savings_usd": missed_all["missed_savings_usd"] if missed_all else None,
        "missed": missed_all,
        "missed_by_model": [r for r in missed if r["level"] != "all"],
        "min_cacheable_tokens": dict(cfg["cache"]["min_cacheable_tokens"]),
        "read_multiplier": dict(cfg["cache"]["read_multiplier"]),
    }


def _complexity(run: MeasureRun) -> dict[str, Any]:
    th = dict(run.cfg["complexity"])
    rows_ = run.fetch("complexity_shares", **th)
    return {
        "definition": DEFINITIONS["complexity"],
        "thresholds": th,
        "shares": [r for r in rows_ if r["level"] == "all"],
        "by_model": [r for r in rows_ if r["level"] == "model"],
    }


def _bursts(run: MeasureRun) -> dict[str, Any]:
    cfg = run.cfg
    recent_days = int(cfg["bursts"]["recent_days"]) if run.recent else None
    win = _one(run.fetch("burst_window", recent_days=recent_days))
    start = {"since": win["since"]} if win is not None else {}
    peaks = {r.pop("granularity"): r for r in run.fetch("burst_peaks", **start)}
    factor = float(cfg["bursts"]["peak_factor"])
    days = run.fetch("burst_peak_days", peak_factor=factor, **start)
    costs = [d["cost_usd"] for d in days if d["cost_usd"] is not None]
    total_cost = win["cost_usd"] if win else None
    peak_cost: Decimal | None
    share: float | None
    if not days:  # no peak day: their cost is a true zero, not unknown
        peak_cost, share = Decimal(0), 0.0
    else:
        peak_cost = sum(costs, Decimal(0)) if costs else None
        share = float(peak_cost / total_cost) if peak_cost is not None and total_cost else None
    return {
        "definition": DEFINITIONS["bursts"],
        "window": (
            {"since": win["since"], "last_request": win["last_ts"], "recent_days": recent_days,
             "requests": win["requests"], "unpriced_requests": win["unpriced_requests"], "cost_usd": win["cost_usd"]}
            if win else None
        ),
        "hour": peaks.get("hour"),
        "day": peaks.get("day"),
        "peak_factor": factor,
        "peak_days": days,
        "peak_days_cost_usd": peak_cost,
        "peak_days_cost_share": share,
    }


def _prefix(run: MeasureRun) -> dict[str, Any]:
    blocks = run.fetch("prefix_block_reuse")
    inp = sum(r["input_tokens"] for r in blocks)
    hit = sum(r["hit_tokens"] for r in blocks)
    return {
        "block_reuse": {
            "definition": DEFINITIONS["block_prefix_reuse"],
            "by_source": blocks,
            "reuse_share": hit / inp if inp else None,
            "reason": None if blocks else "no rows carry block hashes (extra.block_hashes)",
            "reference": {"mooncake_conversation": REFERENCE["mooncake_conversation_block_reuse"]},
        },
        "components": _components(run),
    }


# ---- prompt components (RAGPulse) -------------------------------------------------------------
def find_side_files(con: duckdb.DuckDBPyConnection, relation: str = INPUT) -> list[Path]:
    """RAGPulse side files beside the trace files that rows of `relation` with components came from."""
    rows_ = con.execute(
        f"SELECT DISTINCT source_file FROM {relation} WHERE extra LIKE '%\"components\"%'"
    ).fetchall()
    found: list[Path] = []
    for (src,) in rows_:
        if not src:
            continue
        parent = Path(str(src).split("!", 1)[0]).parent
        for name in RAGPULSE_SIDE_FILES:
            p = parent / name
            if p.exists() and p not in found:
                found.append(p)
    return found


def load_component_lengths(
    con: duckdb.DuckDBPyConnection, side_files: Iterable[Path | str], *, temp: bool = False
) -> int:
    """Create table component_lengths(kind, id, token_length) from side files such as RAGPulse's
    1_sys_prompt.jsonl.gz (`{"sys_prompt_id": 8302, "token_length": 512}` per line); returns rows."""
    kind_tmp = "TEMP " if temp else ""
    con.execute(
        f"CREATE OR REPLACE {kind_tmp}TABLE component_lengths (kind VARCHAR, id BIGINT, token_length BIGINT)"
    )
    for path in side_files:
        p = Path(path)
        if not p.exists():
            raise UsageError(
                f"Component side file {p} does not exist. Fix: pass the RAGPulse side files' paths."
            )
        cols = [d[0] for d in con.execute("SELECT * FROM read_json(?) LIMIT 0", [str(p)]).description]
        id_col = next((c for c in cols if c in COMPONENT_KINDS), None)
        if id_col is None or "token_length" not in cols:
            raise UsageError(
                f"{p}: expected columns token_length and one of {', '.join(COMPONENT_KINDS)}; "
                f"found {', '.join(cols)}."
            )
        con.execute(
            f"INSERT INTO component_lengths SELECT ?, CAST({id_col} AS BIGINT), CAST(token_length AS BIGINT) "
            "FROM read_json(?)",
            [COMPONENT_KINDS[id_col], str(p)],
        )
    return int(one(con.execute("SELECT count(*) FROM component_lengths"))[0])


def _components(run: MeasureRun) -> dict[str, Any]:
    cur, component_files = run.cur, run.component_files
    (has,) = one(cur.execute(f"SELECT count(*) FROM {run.relation} WHERE extra LIKE '%\"components\"%'"))
    if not has:
        return {"available": False, "reason": "no rows carry prompt components (extra.components)"}
    files = list(component_files) if component_files is not None else find_side_files(cur, run.relation)
    n = load_component_lengths(cur, files)
    shares = run.fetch("prefix_component_shares")
    by_turn = run.fetch("prefix_component_tokens_by_turn")
    sys_row = next((r for r in shares if r["kind"] == "sys_prompt"), None)
    return {
        "available": True,
        "definition": DEFINITIONS["component_share"],
        "side_files": [str(p) for p in files],
        "component_lengths": n,
        "reason": None if n else "no side files with chunk token lengths: token shares are unknown",
        "shares": shares,
        "sys_prompt_share": sys_row["share_of_input"] if sys_row and n else None,
        "stable_prefix_share": sys_row["share_of_input"] if sys_row and n else None,
        "by_turn": by_turn,
        "reference": {
            "sys_prompt_share": REFERENCE["ragpulse_sys_prompt_share"],
            "median_history_tokens_by_turn": REFERENCE["ragpulse_median_history_tokens_by_turn"],
        },
    }


# ---- the report document's shape of two measures -----------------------------------------------
def _spend_document(spend: dict[str, Any]) -> dict[str, Any]:
    """The report keeps three slices of spend_by_period (month total and by model, week total)."""
    by_period = spend.get("by_period", {})
    return {
        "totals": spend["totals"],
        "by_month": by_period.get("month", {}).get("total", []),
        "by_month_model": by_period.get("month", {}).get("model", []),
        "by_week": by_period.get("week", {}).get("total", []),
        "top_conversations": spend["top_conversations"],
        "month_over_month": spend["month_over_month"],
        "unpriced_models": spend["unpriced_models"],
    }


def _cache_document(cache: dict[str, Any]) -> dict[str, Any]:
    """The report's cache: the overall hit rate and money, and one row per model joining the hit
    rate, the savings and the missed savings."""
    overall = cache.get("hit_rate_overall") or {}
    savings = {(r["provider"], r["model"]): r for r in cache.get("savings_by_model", [])}
    missed = {(r["provider"], r["model"]): r for r in cache.get("missed_by_model", [])}
    by_model = []
    for r in cache.get("hit_rate_by_provider_model", []):
        k = (r["provider"], r["model"])
        by_model.append(
            {
                "provider": r["provider"],
                "model": r["model"],
                "requests": r["requests"],
                "requests_known": r["requests_known"],
                "hit_rate": r["hit_rate"],
                "reason": r["reason"],
                "savings_usd": savings.get(k, {}).get("savings_usd"),
                "write_premium_usd": savings.get(k, {}).get("write_premium_usd"),
                "missed_savings_usd": missed.get(k, {}).get("missed_savings_usd"),
            }
        )
    # some row reports cache fields: its filtered token sums are numbers, not NULL. Not the count of
    # such requests: a usage export reports cache tokens but states no request count (0), and its
    # savings read "n/a" beside per-model rows that had them
    known = overall.get("uncached_input_tokens") is not None
    return {
        "hit_rate": overall.get("hit_rate"),
        "hit_rate_reason": overall.get("reason"),
        "cache_known_requests": overall.get("cache_known_requests"),
        # no row whose source reports cache fields: what the cache saved is unknown, not $0
        "savings_usd": cache["savings_usd"] if known else None,
        "write_premium_usd": cache["write_premium_usd"] if known else None,
        "net_savings_usd": cache["net_savings_usd"] if known else None,
        "missed_savings_usd": cache["missed_savings_usd"],
        "missed": cache["missed"],
        "by_model": by_model,
        "definitions": {
            "hit_rate": cache["hit_rate_definition"],
            "missed_savings": cache["missed_savings_definition"],
        },
    }


MEASURES: tuple[Measure, ...] = (
    Measure("spend", ("spend_totals", "spend_unpriced_models", "spend_by_period", "spend_top_conversations",
                      "spend_month_over_month"), "spend",
            "priced cost and requests by period and dimension, unpriced models, top conversations, month over month",
            _spend, _spend_document),
    Measure("turns", ("turn_stats",), "turns",
            "per turn of a conversation: prompt size, growth, cached share and the history re-sent"),
    Measure("conversations", ("conversation_lengths",), "turns",
            "the history re-sent over all turns and the distribution of conversation lengths", _conversations),
    Measure("cache", ("cache_hit_rate", "cache_savings", "cache_missed_savings"), "cache",
            "cache hit rate, what the cache saved net of write premiums, and what a cached prefix would have saved",
            _cache, _cache_document),
    Measure("complexity", ("complexity_shares",), "complexity",
            "shares of simple, medium and complex requests, overall and by model", _complexity),
    Measure("bursts", ("burst_window", "burst_peaks", "burst_peak_days"), "bursts",
            "the busiest hour and day against the median one, and the peak days' cost", _bursts),
    Measure("prefix", ("prefix_block_reuse", "prefix_component_shares", "prefix_component_tokens_by_turn"),
            "prefix", "reusable prompt prefix: block reuse share and prompt component shares", _prefix),
    Measure("unit_costs", ("unit_costs", "unit_costs_by_month", "unit_costs_top"), "units",
            "cost per conversation, user, user-month and request: distribution, monthly trend, top units",
            _unit_costs),
)
"""Every measure, in document order: adding one is one SQL file in `sql/`, one data case in
tests/measures/cases/ and one entry here (docs/architecture.md, "To add a measure")."""


def registry() -> tuple[Measure, ...]:
    """The registered measures, checked: keys unique, each with at least one query."""
    seen: set[str] = set()
    for m in MEASURES:
        if m.key in seen:
            raise ConfigError(f"measure {m.key!r} is registered twice. Fix: keep one entry in MEASURES.")
        if not m.sql:
            raise ConfigError(f"measure {m.key!r} lists no query. Fix: name its sql/ file(s) in its entry.")
        seen.add(m.key)
    return MEASURES


def measure(key: str) -> Measure:
    """The registered measure filling document key `key`; an unregistered key is an error."""
    known = {m.key: m for m in registry()}
    if key not in known:
        raise ConfigError(f"no measure is registered under {key!r}{did_you_mean(key, known)}. "
                          "Fix: add a Measure entry for it to llmcost.measures.registry.MEASURES.")
    return known[key]


def document_sections(computed: Mapping[str, Any]) -> dict[str, Any]:
    """The report document's measure keys from `compute_measures`' answer, in registry order.
    A key the answer holds that no measure registers, or a registered key it lacks, is an error:
    nothing is silently dropped."""
    extra = [k for k in computed if k not in _NOT_MEASURES and k not in {m.key for m in registry()}]
    if extra:
        raise ConfigError(f"the measures returned {', '.join(map(repr, extra))}, which no measure registers. "
                          "Fix: add a Measure entry for it to llmcost.measures.registry.MEASURES.")
    missing = [m.key for m in registry() if m.key not in computed]
    if missing:
        raise ConfigError(f"measure(s) {', '.join(map(repr, missing))} registered but not computed.")
    out: dict[str, Any] = {"definitions": computed["definitions"]}
    for m in registry():
        out[m.key] = m.shape(computed[m.key])
    return out


_NOT_MEASURES = ("definitions", "window")
"""Keys of compute_measures' answer that are not measures: the definitions and the window."""


def doc_table() -> str:
    """The Markdown table of the registered measures (docs/measures.md keeps a copy)."""
    lines = ["| document key | report section | queries (`sql/`) | what |", "| --- | --- | --- | --- |"]
    for m in registry():
        queries = ", ".join(f"`{q}`" for q in m.sql)
        lines.append(f"| `{m.key}` | `{m.section}` | {queries} | {m.description} |")
    return "\n".join(lines) + "\n"
