"""Costs for every usage row: prices resolved once per key in Python, arithmetic in one DuckDB join.

A log can hold hundreds of millions of rows but only a few thousand distinct
(provider, model, UTC day, batch, service tier) keys. `attach_costs` scans the source once to
find them (with row and token counts, which also give the unpriced summary), resolves each key
in Python with the Catalog (Decimal, memoised per price period), writes the per-token prices into
a small DuckDB table with DECIMAL(38,18) columns, and defines the priced view as one LEFT JOIN
with DECIMAL arithmetic. No Python runs per row and no float touches money.

Token conventions (storage/schema.py): `input_tokens` is uncached input only; cache reads and writes are
separate; `cache_write_1h_tokens` is the 1-hour part of `cache_write_tokens`; reasoning is inside
`output_tokens`. Long-context tiers are a cliff on the request's total input
(input + cache read + cache write), known only for grain='request'; bucket rows get the base tier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from llmcost import clock
from llmcost.errors import ConfigError
from llmcost.pricing.catalog import GEO_FACTORS, NO_TIER_PRICE, TIERS_WITHOUT_DEFAULT, Catalog
from llmcost.pricing.overrides import PRICE_FIELDS
from llmcost.storage.schema import USAGE_TOKEN_COLUMNS
from llmcost.text import suggestion

PER_TOKEN = pa.decimal128(38, 12)
"""Per-token price type, the same scale as money: a per-million price is exact up to 6 decimals
($0.000001 per million tokens; published prices have at most 5). Keeping one scale means
`tokens * price` is already DECIMAL(38,12) and needs no rescaling cast, which DuckDB does slowly."""

COST_COLUMNS = (
    "cost_input_usd",
    "cost_cache_read_usd",
    "cost_cache_write_usd",
    "cost_output_usd",
    "cost_server_tools_usd",
    "cost_web_search_usd",
    "cost_file_search_usd",
    "cost_usd",
    "cache_read_saving_usd",
    "cache_write_premium_usd",
    "cost_minus_reported_usd",
)
"""Money columns the priced view adds, all DECIMAL(38,12). `cost_server_tools_usd` is the per-call
fees of server-side tools the row states (web_search_calls and file_search_calls, each x its price
per call): 0 with no calls, NULL when some stated calls have no known price (the whole fee of the row
is then unpriced, never $0); `cost_web_search_usd` and `cost_file_search_usd` are its two parts (each
0 with no calls of its kind, NULL when they have no price). `cost_usd` is the token cost plus
the priced fees; the report shows the fees on their own line."""

TOOL_CALL_COLUMNS = {"web_search": "web_search_calls", "file_search": "file_search_calls"}
"""Server-side tools priced per call (catalog.TOOL_FEES) -> the canonical column counting their calls."""

PROVIDER_COUNT_COLUMNS = (*USAGE_TOKEN_COLUMNS, "request_count", *TOOL_CALL_COLUMNS.values())
"""What a row states the provider did: its tokens, requests and server-tool calls. A row with
`response_cache_hit` (a gateway's own cache answered, no provider call) reads 0 in each of them in
the priced view (`cost_sql`); the stored row keeps what the log said."""

PRICE_TABLE_SCHEMA = pa.schema(
    [
        ("provider", pa.string()),
        ("model", pa.string()),
        ("day", pa.int32()),
        ("slot", pa.int16()),
        ("batch", pa.bool_()),
        ("tier", pa.string()),
        ("lo", pa.int64()),
        ("hi", pa.int64()),
        ("model_key", pa.string()),
        ("price_source", pa.string()),
        ("p_input", PER_TOKEN),
        ("p_cache_read", PER_TOKEN),
        ("p_cache_write_5m", PER_TOKEN),
        ("p_cache_write_1h", PER_TOKEN),
        ("p_output", PER_TOKEN),
        ("p_web_search", PER_TOKEN),
        ("p_file_search", PER_TOKEN),
    ]
)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_MILLION = Decimal(1_000_000)
_THOUSAND = Decimal(1_000)
_Q12 = Decimal("1e-12")
_EPOCH = date(1970, 1, 1)
_DAY_SQL = "CAST(epoch_us({ts}) // 86400000000 AS INTEGER)"
"""UTC day as days since 1970-01-01: much cheaper than timezone('UTC', ts)::DATE per row."""


@dataclass(frozen=True)
class PriceKey:
    """What a price depends on, apart from the long-context band."""

    provider: str | None
    model: str | None
    day: date
    batch: bool = False
    service_tier: str | None = None


@dataclass(frozen=True)
class UnpricedModel:
    """A model in the data with no price: named, sized, and with the fix."""

    provider: str | None
    model: str | None
    rows: int
    requests: int
    tokens: int
    token_share: Decimal | None
    """Fraction of all tokens (input + cache + output) in the source that this model carries;
    None when no row carries token counts (request-rate traces): a share of nothing is unknown."""
    snippet: str
    """TOML to paste into the override file to price it."""
    did_you_mean: tuple[str, ...]
    reason: str = ""
    """Why it has no price: an unknown model, no price on those days, no price for a token kind, ..."""
    fix: str = ""
    """How to price it (the override file, an alias, the source's model column)."""


@dataclass(frozen=True)
class TierAtStandardRate:
    """Requests of a model at a service tier (priority, fast) whose price is not known for it: they
    are priced at the standard rate, an under-estimate when the provider charged the tier's price."""

    provider: str | None
    model: str | None
    tier: str
    requests: int
    tokens: int


SUGGEST_LIMIT = 50
"""Unpriced model names that get "did you mean" and an override snippet, most tokens first
(issue 17: 20,000 distinct unknown names, each searched against every known id, kept a report
busy for over ten minutes). The rest are listed without, and the report says how many."""


@dataclass(frozen=True)
class PricingSummary:
    """What attach_costs found: how much is priced, what is not, and the catalog used."""

    priced_rows: int
    unpriced_rows: int
    total_tokens: int
    unpriced_tokens: int
    unpriced: tuple[UnpricedModel, ...]
    catalog: dict[str, str | None]
    price_keys: int = 0
    """Distinct price keys resolved in Python (for the curious and the benchmark)."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    suggestions_left_out: int = 0
    """Unpriced model names past SUGGEST_LIMIT, listed without "did you mean" or a snippet."""
    at_standard_rate: tuple[TierAtStandardRate, ...] = ()
    """Priority or fast requests priced at the standard rate for want of a known tier price."""

    @property
    def unpriced_token_share(self) -> Decimal:
        return Decimal(self.unpriced_tokens) / self.total_tokens if self.total_tokens else Decimal(0)


def _per_token(per_million: Decimal) -> Decimal:
    return (per_million / _MILLION).quantize(_Q12)


def _tod_slots(day: date) -> list[tuple[int, datetime]]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return [(s, start + timedelta(minutes=30 * s + 15)) for s in range(48)]


def price_table(catalog: Catalog, keys: Iterable[PriceKey]) -> pa.Table:
    """Per-token prices for `keys` as an Arrow table (PRICE_TABLE_SCHEMA); unknown models are left out.

    The scenario engine can price hypothetical rows (the same tokens on another model) by building
    keys for them and joining with `cost_sql`, exactly as attach_costs does.
    """
    cols: dict[str, list[object]] = {name: [] for name in PRICE_TABLE_SCHEMA.names}
    for k in keys:
        m = catalog.match(k.model, k.provider)
        if m is None:
            continue
        tier = (k.service_tier or "").lower()
        noon = datetime.combine(k.day, time(12), tzinfo=UTC)
        per_call = {}
        for tool in TOOL_CALL_COLUMNS:
            per_1k, _ = catalog.tool_fee_price(m, noon, tool)
            per_call[tool] = (per_1k / _THOUSAND).quantize(_Q12) if per_1k is not None else None
        moments = _tod_slots(k.day) if m.time_of_day else [(-1, noon)]
        for slot, at in moments:
            bands, source = catalog.bands(m, at, batch=k.batch, service_tier=tier)
            for b in bands:
                cols["provider"].append(k.provider or "")
                cols["model"].append(k.model or "")
                cols["day"].append((k.day - _EPOCH).days)
                cols["slot"].append(slot)
                cols["batch"].append(k.batch)
                cols["tier"].append(tier)
                cols["lo"].append(b.lo)
                cols["hi"].append(b.hi)
                cols["model_key"].append(m.model_key)
                cols["price_source"].append(source)
                for name, p in zip(PRICE_FIELDS, b.prices, strict=True):
                    cols[f"p_{name}"].append(_per_token(p))
                for tool, p_call in per_call.items():
                    cols[f"p_{tool}"].append(p_call)
    # Built by polars and handed over as Arrow: pyarrow's own constructors import pandas to check
    # their input (2.2 s of a measures run where its bytecode is not cached, 0.3-0.5 s where it
    # is), and nothing else a measures run does needs pandas. Decimals stay exact at scale 12.
    frame = pl.DataFrame(cols, schema={f.name: _POLARS_TYPE[str(f.type)] for f in PRICE_TABLE_SCHEMA})
    return frame.to_arrow().cast(PRICE_TABLE_SCHEMA)


_POLARS_TYPE: dict[str, Any] = {
    "string": pl.String, "int16": pl.Int16, "int32": pl.Int32, "int64": pl.Int64, "bool": pl.Boolean,
    str(PER_TOKEN): pl.Decimal(PER_TOKEN.precision, PER_TOKEN.scale),
}
"""The polars type of each Arrow type of PRICE_TABLE_SCHEMA."""


def cost_sql(
    source: str,
    prices: str,
    tod_models: Iterable[tuple[str, str]] = (),
    *,
    server_tools: Iterable[str] = (),
    columns: Iterable[str] = (),
) -> str:
    """The SELECT that prices every row of `source` with the price table `prices` (one LEFT JOIN).

    `server_tools`: the tools (TOOL_CALL_COLUMNS keys) whose call-count column the source has to
    price (a source without them, such as the scenarios' hypothetical rows, states no calls: the
    fee is 0). `columns`: the source's columns in their order; when they include `response_cache_hit`, a row a
    gateway answered from its own cache (no provider call) is priced at exactly $0 (priced, not
    unpriced, whatever its model) and its provider counts (PROVIDER_COUNT_COLUMNS) read 0, so it
    adds no request, token or cost to any figure over the priced rows (docs/pricing.md)."""
    tod = sorted(set(tod_models))
    if tod:
        pairs = ", ".join(f"({_lit(p)}, {_lit(m)})" for p, m in tod)
        slot = (f"CASE WHEN (coalesce(s.provider, ''), coalesce(s.model, '')) IN ({pairs}) "
                "THEN CAST((epoch_us(s.ts) % 86400000000) // 1800000000 AS SMALLINT) "
                "ELSE CAST(-1 AS SMALLINT) END")
    else:
        slot = "CAST(-1 AS SMALLINT)"
    money = "DECIMAL(38,12)"
    have = list(columns)
    hit = "coalesce(s.response_cache_hit, false)" if "response_cache_hit" in have else "false"
    if hit == "false":
        star = "s.*"
    else:  # every column in its place (no REPLACE: the Spark engine runs this transpiled)
        star = ", ".join(f'CASE WHEN {hit} THEN 0 ELSE s."{c}" END AS "{c}"' if c in PROVIDER_COUNT_COLUMNS
                         else f's."{c}"' for c in have)
    cw5 = "greatest(coalesce(u.cache_write_tokens, 0) - coalesce(u.cache_write_1h_tokens, 0), 0)"
    cw1 = "coalesce(u.cache_write_1h_tokens, 0)"
    cr = "coalesce(u.cache_read_tokens, 0)"
    # where the row says inference ran: US-only inference costs more on every token price
    # (catalog.GEO_FACTORS); `_llm_geo` is NULL for a row with no factor, which keeps the listed
    # price, as does every row of a source without the column (the scenarios' hypothetical rows)
    kinds = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output")
    if "inference_geo" in have:
        arms = " ".join(f"WHEN {_lit(g)} THEN CAST({f} AS DECIMAL(4, 2))" for g, f in sorted(GEO_FACTORS.items()))
        geo = f"CASE lower(s.inference_geo) {arms} END"
        pr = {k: f"(CASE WHEN u._llm_geo IS NULL THEN p.p_{k} ELSE CAST(p.p_{k} * u._llm_geo AS DECIMAL(38,12)) END)"
              for k in kinds}
        price_source = ("CASE WHEN u._llm_geo IS NULL THEN p.price_source ELSE p.price_source || "
                        "'; inference_geo ' || lower(u.inference_geo) || ' x' || CAST(u._llm_geo AS VARCHAR) END")
    else:
        geo = "CAST(NULL AS DECIMAL(4, 2))"
        pr = {k: f"p.p_{k}" for k in kinds}
        price_source = "p.price_source"
    c_in = f"CAST(coalesce(u.input_tokens, 0) * {pr['input']} AS {money})"
    c_cr = f"CAST({cr} * {pr['cache_read']} AS {money})"
    c_cw = f"CAST({cw5} * {pr['cache_write_5m']} + {cw1} * {pr['cache_write_1h']} AS {money})"
    c_out = f"CAST(coalesce(u.output_tokens, 0) * {pr['output']} AS {money})"
    premium = f"{cw5} * ({pr['cache_write_5m']} - {pr['input']}) + {cw1} * ({pr['cache_write_1h']} - {pr['input']})"
    tools = set(server_tools)
    # calls with no known price give NULL: the row's whole server-tool fee is unpriced, left out of
    # cost_usd and its calls counted by the report (never a partial fee shown as complete)
    c_tool = {t: (f"CAST(CASE WHEN coalesce(u.{col}, 0) = 0 THEN 0 ELSE u.{col} * p.p_{t} END AS {money})"
                  if t in tools else f"CAST(0 AS {money})")
              for t, col in TOOL_CALL_COLUMNS.items()}
    c_tools = f"CAST({' + '.join(c_tool.values())} AS {money})"
    tools_part = f"coalesce({c_tools}, 0)" if tools else "0"
    total = f"CAST({c_in} + {c_cr} + {c_cw} + {c_out} + {tools_part} AS {money})"  # NULL when tokens are unpriced

    def cost(expr: str) -> str:
        # a gateway's own cache answer: no provider call, so exactly $0 even for a model with no price
        return f"CASE WHEN u._llm_hit THEN CAST(0 AS {money}) ELSE {expr} END"

    return f"""
WITH u AS (
    SELECT {star},
        {hit} AS _llm_hit,
        {_DAY_SQL.format(ts="s.ts")} AS _llm_day,
        {slot} AS _llm_slot,
        {geo} AS _llm_geo,
        CASE WHEN s.grain = 'request'
             THEN coalesce(s.input_tokens, 0) + coalesce(s.cache_read_tokens, 0)
                  + coalesce(s.cache_write_tokens, 0)
             ELSE 0 END AS _llm_tin
    FROM {source} s
)
SELECT u.* EXCLUDE (_llm_hit, _llm_day, _llm_slot, _llm_geo, _llm_tin),
    p.model_key,
    u._llm_hit OR p.p_input IS NOT NULL AS priced,
    {price_source} AS price_source,
    {cost(c_in)} AS cost_input_usd,
    {cost(c_cr)} AS cost_cache_read_usd,
    {cost(c_cw)} AS cost_cache_write_usd,
    {cost(c_out)} AS cost_output_usd,
    {cost(c_tools)} AS cost_server_tools_usd,
    {cost(c_tool["web_search"])} AS cost_web_search_usd,
    {cost(c_tool["file_search"])} AS cost_file_search_usd,
    {cost(total)} AS cost_usd,
    {cost(f"CAST({cr} * ({pr['input']} - {pr['cache_read']}) AS {money})")} AS cache_read_saving_usd,
    {cost(f"CAST({premium} AS {money})")} AS cache_write_premium_usd,
    CAST({cost(total)} - u.reported_cost_usd AS {money}) AS cost_minus_reported_usd
FROM u
LEFT JOIN {prices} p
  ON p.provider = coalesce(u.provider, '') AND p.model = coalesce(u.model, '')
 AND p.day = u._llm_day AND p.slot = u._llm_slot
 AND p.batch = coalesce(u.batch, false) AND p.tier = coalesce(lower(u.service_tier), '')
 AND u._llm_tin > p.lo AND u._llm_tin <= p.hi
"""


OVERRIDE_FILE_HINT = "--prices FILE, ./llmcost-prices.toml or $LLMCOST_PRICES; docs/pricing.md"
"""Where the override file is looked for, as the unpriced list's fixes say it."""


def _unknown_reason(catalog: Catalog, provider: str, model: str, close: list[str]) -> tuple[str, str]:
    """Why a (provider, model) the catalog does not match has no price, and the fix (before the
    date checks, which replace both for a known model)."""
    if not model:
        return ("the rows name no model, so no price can be looked up",
                "Give the rows a model: the source's model column, or a mapping file's model field.")
    where = f"{catalog.label}" + (" or the override file" if catalog.overrides.path is not None else "")
    if provider and catalog.match(model, None) is not None:
        return (f"unknown model for provider {provider}: {where} prices {model!r} only under another provider",
                f"Add a [[model]] entry with provider = {provider!r} to the override file "
                f"({OVERRIDE_FILE_HINT}); the snippet is a start.")
    hint = suggestion(close)
    alias = (f", or an [aliases] line if it is another name for {close[0]}" if close else "")
    return (f"unknown model: {where} has no price for {model!r}{hint}",
            f"Add a [[model]] entry with its prices to the override file ({OVERRIDE_FILE_HINT}){alias}; "
            "the snippet is a start.")


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(name: str, what: str) -> str:
    if not _IDENT.match(name):
        raise ConfigError(f"{what} {name!r} is not a plain table name. Use letters, digits and _ only.")
    return name


def suggest_snippet(catalog: Catalog, provider: str | None, model: str | None, close: list[str]) -> str:
    """The override TOML that would price `model`: the closest known model's prices as a start."""
    prov = (provider or "").strip().lower() or "unknown"
    name = (model or "").strip().lower()
    lines = ["[[model]]", f"provider = {_toml_str(prov)}", f"model = {_toml_str(name)}"]
    ref = catalog.resolve(close[0], None, clock.now()) if close else None
    if ref is not None:
        lines.append(f"# prices below are {close[0]}'s ({ref.source}); replace them with yours")
        for f in PRICE_FIELDS:
            lines.append(f"{f} = {_toml_num(getattr(ref, f))}")
    else:
        lines.append("# USD per million tokens: replace the zeros with the real prices")
        lines += ["input = 0.0", "output = 0.0"]
    if close:
        lines.append(f"# or, if it is the same model: [aliases] {_toml_str(name)} = {_toml_str(close[0])}")
    return "\n".join(lines)


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_num(d: Decimal) -> str:
    s = f"{d.normalize():f}"
    return s if "." in s else s + ".0"


def attach_costs(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    source: str = "usage",
    target: str = "priced_usage",
    *,
    materialize: bool = False,
    keys_from: str | None = None,
) -> PricingSummary:
    """Create TEMP VIEW `target` (or TABLE with materialize=True): `source` rows plus model_key,
    priced, price_source and the DECIMAL(38,12) cost columns; return what was and was not priced.

    Prices are resolved for the keys present in `source` when this runs; rows added to the source
    afterwards need another call. `keys_from`: a relation holding the same rows as `source` that
    is cheaper to scan for the price keys (default: `source` itself).
    """
    global _passes
    src = _ident(source, "source")
    tgt = _ident(target, "target")
    prices_name = f"{tgt.replace('.', '_')}__prices"
    _passes += 1
    keys, tod, found = _scan(con, catalog, src if keys_from is None else _ident(keys_from, "keys_from"))

    table = price_table(catalog, keys)
    con.register("_llmcost_price_arrow", table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {prices_name} AS SELECT * FROM _llmcost_price_arrow")
    finally:
        con.unregister("_llmcost_price_arrow")
    other = "VIEW" if materialize else "TABLE"
    try:
        con.execute(f"DROP {other} IF EXISTS {tgt}")
    except duckdb.CatalogException:
        pass  # an object of the kind we are about to replace; CREATE OR REPLACE handles it
    if materialize:
        from llmcost.storage.store import work_table

        create = work_table(con)  # TEMP TABLE, or a table in the report's work file
        if create == "TABLE":
            con.execute(f"DROP VIEW IF EXISTS temp.main.{tgt}")
    else:
        create = "TEMP VIEW"
    have = [r[0] for r in con.execute(f"DESCRIBE {src}").fetchall()]
    has_tools = [t for t, c in TOOL_CALL_COLUMNS.items() if c in have]
    con.execute(f"CREATE OR REPLACE {create} {tgt} AS "
                f"{cost_sql(src, prices_name, tod, server_tools=has_tools, columns=have)}")
    return _summary(catalog, found)


_passes = 0
"""How many times `attach_costs` has priced a source in this process (see `pricing_passes`)."""


def pricing_passes() -> int:
    """Pricing passes (`attach_costs` calls) run in this process so far: a test takes the
    difference around a report to check that it prices its rows once (issue 18)."""
    return _passes


def summarize(con: duckdb.DuckDBPyConnection, catalog: Catalog, source: str) -> PricingSummary:
    """What `attach_costs` would say about `source` (priced and unpriced rows, the unpriced models
    with their reason and fix), without pricing it: for a part of rows priced once already (the
    report's window or history over its one priced table), the summary of that part alone."""
    _, _, found = _scan(con, catalog, _ident(source, "source"))
    return _summary(catalog, found)


@dataclass
class _Found:
    """The keys of a source sorted into priced and unpriced (the summary's inputs)."""

    unpriced: dict[tuple[str, str], list[int]]
    gaps: dict[tuple[str, str], list[date]]
    total_tokens: int
    priced_rows: int
    unpriced_rows: int
    price_keys: int
    at_standard: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    """(provider, model, tier) -> [requests, tokens] of the TierAtStandardRate keys."""


KEY_SCAN_SQL = """
SELECT coalesce(provider, '') AS provider, coalesce(model, '') AS model,
       {day} AS day,
       coalesce(batch, false) AS batch, coalesce(lower(service_tier), '') AS tier,
       count(*) AS n_rows, sum(coalesce(request_count, 1)) AS n_requests,
       sum(coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0)
           + coalesce(cache_write_tokens, 0) + coalesce(output_tokens, 0)) AS n_tokens
FROM {src} GROUP BY ALL
""".replace("{day}", _DAY_SQL.format(ts="ts"))
"""The price keys of a source `{src}` with their row, request and token counts (DuckDB SQL; the
Spark engine runs it transpiled, llmcost.engine.spark)."""


def _scan(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, src: str
) -> tuple[list[PriceKey], set[tuple[str, str]], _Found]:
    """One scan of `src` for its price keys (with row, request and token counts), each matched
    in the catalog: the keys to price, the time-of-day models, and what the summary needs."""
    have = {r[0] for r in con.execute(f"DESCRIBE {src}").fetchall()}
    return sort_keys(catalog, con.execute(key_scan_sql(src, have)).fetchall())


def key_scan_sql(src: str, columns: Iterable[str]) -> str:
    """KEY_SCAN_SQL over `src` (with these columns) without the rows a gateway's own cache answered:
    they need no price (cost_sql prices them at $0), so a model seen only in them is not unpriced."""
    if "response_cache_hit" in set(columns):
        src = f"(SELECT * FROM {src} WHERE NOT coalesce(response_cache_hit, false)) AS _llm_src"
    return KEY_SCAN_SQL.replace("{src}", src)


def sort_keys(
    catalog: Catalog, rows: Iterable[tuple[Any, ...]]
) -> tuple[list[PriceKey], set[tuple[str, str]], _Found]:
    """The rows of KEY_SCAN_SQL sorted into the keys to price, the time-of-day models and what the
    summary needs (`_summary`), whichever engine ran the scan."""
    keys: list[PriceKey] = []
    tod: set[tuple[str, str]] = set()
    unpriced: dict[tuple[str, str], list[int]] = {}
    gaps: dict[tuple[str, str], list[date]] = {}
    at_standard: dict[tuple[str, str, str], list[int]] = {}
    total_tokens = 0
    priced_rows = unpriced_rows = 0
    for provider, model, day, batch, tier, n_rows, n_req, n_tok in rows:
        n_tok = int(n_tok or 0)
        total_tokens += n_tok
        m = catalog.match(model or None, provider or None)
        if m is not None and day is not None and catalog.uncovered(m, _EPOCH + timedelta(days=day)):
            # a model priced only by dated override entries, on a day none of them covers
            gaps.setdefault((provider, model), []).append(_EPOCH + timedelta(days=day))
            m = None
        if m is None or day is None:
            acc = unpriced.setdefault((provider, model), [0, 0, 0])
            acc[0] += n_rows
            acc[1] += int(n_req or 0)
            acc[2] += n_tok
            unpriced_rows += n_rows
            continue
        if m.time_of_day:
            tod.add((provider, model))
        day_ = _EPOCH + timedelta(days=day)
        keys.append(PriceKey(provider or None, model or None, day_, batch, tier or None))
        priced_rows += n_rows
        if tier in TIERS_WITHOUT_DEFAULT:
            # memoised per price period: one resolution per model and tier, not per day
            _, source = catalog.bands(m, datetime.combine(day_, time(12), tzinfo=UTC), batch=batch, service_tier=tier)
            if NO_TIER_PRICE in source:
                acc = at_standard.setdefault((provider, model, tier), [0, 0])
                acc[0] += int(n_req or 0)
                acc[1] += n_tok
    return keys, tod, _Found(unpriced, gaps, total_tokens, priced_rows, unpriced_rows, len(keys), at_standard)


def _summary(catalog: Catalog, found: _Found) -> PricingSummary:
    """The PricingSummary of a scanned source: each unpriced model named, sized, with its fix."""
    unpriced, gaps, total_tokens = found.unpriced, found.gaps, found.total_tokens
    items = []
    notes: list[str] = []
    # the most tokens first (then requests, then the name, so the order does not depend on the
    # dict's): only the first SUGGEST_LIMIT get "did you mean" and a snippet
    ranked = sorted(unpriced.items(), key=lambda kv: (-kv[1][2], -kv[1][1], kv[0]))
    for rank, ((provider, model), (n_rows, n_req, n_tok)) in enumerate(ranked):
        suggest = bool(model) and rank < SUGGEST_LIMIT
        close = catalog.did_you_mean(model) if suggest else []
        reason, fix = _unknown_reason(catalog, provider, model, close)
        if (provider, model) in gaps:
            days = sorted(gaps[(provider, model)])
            m = catalog.match(model or None, provider or None)
            dated = catalog.entry_dates(m) if m else []
            span = f"{days[0]}" + (f" to {days[-1]}" if days[-1] != days[0] else "")
            if dated:
                ranges = ", ".join(f"{a or '...'} to {b or '...'}" for a, b in dated)
                reason = f"no override entry covers {span} (entries: {ranges}, until exclusive)"
                fix = ("Add an entry whose effective_from/effective_until covers these days to the override file "
                       f"({OVERRIDE_FILE_HINT}).")
            else:
                reason = (f"the catalog has no per-token input price for it on {span} (no price for that token kind: "
                          f"{catalog.short_label} prices it by another unit, if any)")
                fix = ("Add input = ... and output = ... (USD per million tokens) for it to the override file "
                       f"({OVERRIDE_FILE_HINT}).")
            notes.append(
                f"Warning: {model} ({provider or 'unknown provider'}) is unpriced on {len(days)} day(s) from "
                f"{days[0]} to {days[-1]}: {reason}. {fix}"
            )
        items.append(
            UnpricedModel(
                provider=provider or None,
                model=model or None,
                rows=n_rows,
                requests=n_req,
                tokens=n_tok,
                token_share=Decimal(n_tok) / total_tokens if total_tokens else None,
                snippet=suggest_snippet(catalog, provider, model, close) if suggest else "",
                did_you_mean=tuple(close),
                reason=reason,
                fix=fix,
            )
        )
    return PricingSummary(
        priced_rows=found.priced_rows,
        unpriced_rows=found.unpriced_rows,
        total_tokens=total_tokens,
        unpriced_tokens=sum(u.tokens for u in items),
        unpriced=tuple(items),
        catalog=catalog.info(),
        price_keys=found.price_keys,
        notes=tuple(notes),
        suggestions_left_out=max(0, sum(1 for _, m in unpriced if m) - SUGGEST_LIMIT),
        at_standard_rate=tuple(
            TierAtStandardRate(provider or None, model or None, tier, n_req, n_tok)
            for (provider, model, tier), (n_req, n_tok) in sorted(found.at_standard.items(),
                                                                 key=lambda kv: (-kv[1][1], kv[0]))
        ),
    )


def resolve_keys(
    catalog: Catalog, rows: Iterable[tuple[Any, ...]]
) -> tuple[list[PriceKey], set[tuple[str, str]], PricingSummary]:
    """For an engine that runs KEY_SCAN_SQL itself (llmcost.engine.spark): the keys to price
    (`price_table`), the time-of-day models (`cost_sql`) and the pricing summary, exactly as
    `attach_costs` finds them."""
    keys, tod, found = sort_keys(catalog, rows)
    return keys, tod, _summary(catalog, found)
