"""Build the report document: one plain dict that every renderer shows the same way.

This is where the layers meet: the store gives rows, pricing gives money, the measures and
forecast add their sections. Renderers in `llmcost.report` only format this dict. Money stays
`Decimal` here; renderers turn it into text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from llmcost import __version__
from llmcost.pricing import attach_costs, load_catalog
from llmcost.store import Manifest, Store

SCHEMA_VERSION = "1.0"
TOKEN_KINDS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens")


@dataclass
class ReportOptions:
    store: Path
    prices_file: Path | None = None
    since: date | None = None
    until: date | None = None
    top: int = 20


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def ingest_summary(manifest: Manifest) -> dict[str, Any]:
    """Counts for the whole store, from the manifest: rows read = stored + duplicate + quarantined."""
    files = list(manifest.files.values())
    out: dict[str, Any] = {
        "files": len(files),
        "rows_read": sum(f.rows_read for f in files),
        "rows_stored": sum(f.rows_stored for f in files),
        "rows_duplicate": sum(f.rows_duplicate for f in files),
        "rows_quarantined": sum(f.rows_quarantined for f in files),
    }
    by_source: dict[str, dict[str, Any]] = {}
    for f in files:
        s = by_source.setdefault(
            f.ingestor,
            {"source": f.ingestor, "files": 0, "rows_read": 0, "rows_stored": 0, "rows_duplicate": 0,
             "rows_quarantined": 0},
        )
        s["files"] += 1
        for k in ("rows_read", "rows_stored", "rows_duplicate", "rows_quarantined"):
            s[k] += getattr(f, k)
    out["by_source"] = sorted(by_source.values(), key=lambda s: s["source"])
    out["by_file"] = [
        {"file": f.path, "source": f.ingestor, "rows_read": f.rows_read, "rows_stored": f.rows_stored,
         "rows_duplicate": f.rows_duplicate, "rows_quarantined": f.rows_quarantined,
         "quarantine": f.quarantine, "ingested_at": f.ingested_at}
        for f in sorted(files, key=lambda f: f.path)
    ]
    return out


def _where(opts: ReportOptions) -> tuple[str, list[Any]]:
    conds, params = ["true"], []
    if opts.since:
        conds.append("ts >= CAST(? AS DATE)")
        params.append(opts.since.isoformat())
    if opts.until:
        conds.append("ts < CAST(? AS DATE) + INTERVAL 1 DAY")
        params.append(opts.until.isoformat())
    return " AND ".join(conds), params


def build_report(opts: ReportOptions, last_run: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole report document for the store at `opts.store`."""
    store = Store.open(opts.store)
    with store.lock(exclusive=False, wait=30):
        manifest = store.read_manifest()
        problems = store.verify(manifest)
        if problems:
            from llmcost.errors import StoreError

            raise StoreError(
                f"The store {store.root} is damaged: {'; '.join(problems[:3])}. Fix: delete the store directory "
                "and ingest again (inputs are never modified)."
            )
        con = store.connect(manifest)
        catalog = load_catalog(opts.prices_file)
        where, params = _where(opts)
        con.execute(f"CREATE OR REPLACE TEMP TABLE usage_sel AS SELECT * FROM usage WHERE {where}", params)
        pricing = attach_costs(con, catalog, source="usage_sel", target="priced_usage", materialize=True)
        doc = _document(con, opts, store, manifest, catalog.info(), pricing)
        con.close()
    if last_run is not None:
        doc["last_run"] = last_run
    return doc


def _document(con, opts, store, manifest, catalog_info, pricing) -> dict[str, Any]:
    tok_sums = ", ".join(f"coalesce(sum({k}), 0) AS {k}" for k in (*TOKEN_KINDS, "reasoning_tokens"))
    totals = _rows(
        con,
        f"""SELECT coalesce(sum(request_count), 0) AS requests, {tok_sums},
                   sum(cost_usd) AS cost_usd,
                   coalesce(sum(request_count) FILTER (WHERE NOT priced), 0) AS unpriced_requests,
                   sum(reported_cost_usd) AS reported_cost_usd,
                   min(ts) AS first_ts, max(ts) AS last_ts
            FROM priced_usage""",
    )[0]
    billed = con.execute("SELECT sum(cost_usd) FROM costs").fetchone()[0]
    totals["billed_cost_usd"] = billed
    by_model = _rows(
        con,
        f"""SELECT provider, model, any_value(model_key) AS model_key, sum(request_count) AS requests, {tok_sums},
                   sum(cost_usd) AS cost_usd, bool_and(priced) AS priced,
                   sum(reported_cost_usd) AS reported_cost_usd
            FROM priced_usage GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST, requests DESC""",
    )
    by_day = _rows(
        con,
        f"""SELECT CAST(timezone('UTC', ts) AS DATE) AS day, provider, sum(request_count) AS requests,
                   {tok_sums}, sum(cost_usd) AS cost_usd
            FROM priced_usage GROUP BY ALL ORDER BY day, provider""",
    )
    by_project = _rows(
        con,
        """SELECT coalesce(project, '(none)') AS project, sum(request_count) AS requests, sum(cost_usd) AS cost_usd
           FROM priced_usage GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST, requests DESC""",
    )
    warnings = []
    unpriced = []
    for u in pricing.unpriced:
        unpriced.append(
            {"provider": u.provider, "model": u.model, "requests": u.requests, "tokens": u.tokens,
             "token_share": u.token_share, "did_you_mean": list(u.did_you_mean), "override_snippet": u.snippet}
        )
        warnings.append(
            f"{u.model or '(no model)'} ({u.provider or 'unknown provider'}) has no known price: "
            f"{u.requests:,} requests, {u.token_share:.1%} of tokens, excluded from cost totals"
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": f"llmcost-forecast {__version__}",
        "generated_at": datetime.now(UTC).replace(microsecond=0),
        "store": str(store.root),
        "period": {"since": opts.since, "until": opts.until},
        "price_catalog": catalog_info,
        "ingest": ingest_summary(manifest),
        "totals": totals,
        "by_provider_model": by_model,
        "by_project": by_project,
        "by_day": by_day,
        "unpriced": unpriced,
        "cost_labels": {
            "cost_usd": "estimated: tokens x the price in force at the time (price catalog above)",
            "billed_cost_usd": "billed: what provider cost exports state",
            "reported_cost_usd": "reported: what the logs themselves state",
        },
        "warnings": warnings,
    }


def money(v: Decimal | None, places: int = 2) -> str:
    """Display form of a money value; None means unknown, never $0."""
    if v is None:
        return "n/a"
    q = Decimal(1).scaleb(-places)
    return f"${v.quantize(q):,}"
