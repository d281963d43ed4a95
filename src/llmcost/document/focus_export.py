"""Export actual costs, and each what-if scenario, as a FinOps FOCUS 1.2 CSV.

Why: FinOps tools (and LiteLLM, Vantage, cloud billing views) read FOCUS; exporting LLM spend in
that shape lets it sit beside the cloud bill. Columns follow the FOCUS 1.2 list
(FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, specification/columns; the 57 names are in
/work/shared/reference/formats-provider-exports.md section 6), in that order, then our `x_` columns.

Money is counted once, as the report's reconciliation counts it (docs/formats-provider-exports.md,
"Reconciliation"):

- Billed rows (`x_CostBasis` `billed`): one per cost line of a cost export in the window, with
  BilledCost = EffectiveCost = ContractedCost = the billed amount (ListCost: the line's list cost
  where the export states one, else the billed amount), its own charge period, the line item in
  ChargeDescription and SkuId, and its quantity and unit where stated.
- Estimated rows (`x_CostBasis` `estimated`): one per UTC day, provider, model, project and token
  kind (input, cache read, cache write, output) of the usage that counts for money, that is on the
  provider-days no cost export covers (a billed provider-day is not also estimated): tokens in
  ConsumedQuantity (ConsumedUnit `Tokens`), the model and kind in SkuId/SkuMeter, ServiceCategory
  `AI and Machine Learning` / `Generative AI` ("FOCUS for AI"). FOCUS defines BilledCost as the
  invoice basis and EffectiveCost as the amortised cost after discounts (reference section 6;
  FOCUS_Spec specification/columns/billedcost.md, effectivecost.md): our estimate is on no
  invoice, so BilledCost is 0 and the estimate at list price is ListCost = ContractedCost =
  EffectiveCost. Summing BilledCost gives the bill; summing EffectiveCost gives the money counted
  once (billed where billed, estimated elsewhere).

Unpriced usage has no cost, which FOCUS does not allow for a charge row, so it is left out and
counted in the return value. Each scenario (when the scenario engine has filled the report's
`scenarios`) adds one row for the forecast month with its name in `x_Scenario`, its median in
`x_ForecastCost` and its 80% interval in `x_CostLo80` / `x_CostHi80`. A forecast is not a charge:
every FOCUS cost column of its row is 0, so that a FinOps tool summing any of them over the whole
file (they do not know `x_CostBasis`) gets the actual money, not the actuals plus one month per
scenario. Actuals (billed and estimated) have `x_Scenario` = `actual`. Rows are ordered by charge period
start and provider (then as the queries order them), so the same store gives the same file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmcost import clock
from llmcost.document.analysis import (
    ReportOptions,
    _inline,
    _where,
    _window,
    compare_through,
    costs_window_view,
    covered_months,
    data_days,
    forecast_sections,
    open_store,
    window_view,
)
from llmcost.document.compare import month_start, previous_month
from llmcost.document.priced_rows import price_once
from llmcost.measures import queries
from llmcost.pricing import load_catalog
from llmcost.pricing.engine import TOOL_CALL_COLUMNS
from llmcost.storage.output import csv_text, write_text
from llmcost.tz import check_tz

FOCUS_VERSION = "1.2"
MONEY_WINDOW_VIEW = "focus_money_window"
"""The export's window over the report's priced table, rows that count for money only (the
estimated rows read it by name)."""
FOCUS_COLUMNS = (
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
)
"""The 57 FOCUS 1.2 columns, in the order of the reference list."""
X_COLUMNS = (
    "x_Scenario",
    "x_CostBasis",
    "x_TokenKind",
    "x_Requests",
    "x_ForecastCost",
    "x_CostLo80",
    "x_CostHi80",
    "x_PriceCatalog",
)
COLUMNS = FOCUS_COLUMNS + X_COLUMNS
NUMERIC_COLUMNS = frozenset({
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingCurrencyEffectiveCost",
    "ConsumedQuantity", "PricingQuantity", "ListUnitPrice", "ContractedUnitPrice", "PricingCurrencyListUnitPrice",
    "PricingCurrencyContractedUnitPrice", "CommitmentDiscountQuantity", "x_Requests", "x_ForecastCost", "x_CostLo80",
    "x_CostHi80",
})
"""Columns holding numbers: written as they are. Every other cell is text from (or beside) the data
and is neutralised against spreadsheet formulas (llmcost.storage.output.csv_text)."""

KINDS = (
    ("input", "input_tokens", "cost_input_usd"),
    ("cache_read", "cache_read_tokens", "cost_cache_read_usd"),
    ("cache_write", "cache_write_tokens", "cost_cache_write_usd"),
    ("output", "output_tokens", "cost_output_usd"),
)

def _ts(d: date) -> str:
    return datetime(d.year, d.month, d.day, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def _money(v: Decimal | None) -> str:
    return "" if v is None else format(Decimal(v), "f")


def _base(provider: str, catalog: str) -> dict[str, Any]:
    p = provider or "unknown"
    return dict.fromkeys(COLUMNS, "") | {
        "BillingAccountId": p,
        "BillingAccountName": p,
        "BillingCurrency": "USD",
        "ChargeCategory": "Usage",
        "ChargeFrequency": "Usage-Based",
        "PricingCategory": "Standard",
        "PricingCurrency": "USD",
        "ProviderName": p,
        "PublisherName": p,
        "InvoiceIssuerName": p,
        "ServiceCategory": "AI and Machine Learning",
        "ServiceSubcategory": "Generative AI",
        "ServiceName": f"{p} API",
        "x_PriceCatalog": catalog,
    }


def _project_cols(project: str) -> dict[str, str]:
    """The sub-account and tag columns of a row of `project` ("" when none): FOCUS SubAccount is the
    provider's project."""
    return {
        "SubAccountId": project,
        "SubAccountName": project,
        "SubAccountType": "Project" if project else "",
        "Tags": json.dumps({"project": project} if project else {}),
    }


def _cost_cols(row: dict[str, Any], cost: Decimal, *, billed: bool = False) -> None:
    """The cost columns of a row costing `cost`. Not `billed` (an estimate or a forecast): no
    invoice states it, so BilledCost (FOCUS: the invoice basis) is 0 and the cost is the list,
    contracted and effective cost."""
    c = _money(cost)
    for k in ("EffectiveCost", "ListCost", "ContractedCost", "PricingCurrencyEffectiveCost"):
        row[k] = c
    row["BilledCost"] = c if billed else "0"


def _utc(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def billed_rows(con: Any, catalog: str, costs: str = queries.COSTS) -> list[dict[str, Any]]:
    """FOCUS rows for the billed cost lines of the window `costs` (sql/focus_billed.sql): one per line."""
    out = []
    for r in queries.rows_over(con, "focus_billed", costs=costs):
        cost = Decimal(r["cost_usd"])
        start: datetime = r["ts"]
        end: datetime = r["bucket_end"] or start + timedelta(days=1)
        day = start.astimezone(UTC).date()
        row = _base(r["provider"], catalog)
        _cost_cols(row, cost, billed=True)
        if r["list_cost_usd"] is not None:
            row["ListCost"] = _money(Decimal(r["list_cost_usd"]))
        project = r["project"] or ""
        kind = r["token_type"] or ""
        item = r["line_item"] or r["model"] or "cost line"
        quantity = "" if r["quantity"] is None else format(Decimal(r["quantity"]), "f")
        row |= {
            "ChargeCategory": "Usage" if cost >= 0 else "Credit",
            "BillingPeriodStart": _ts(month_start(day)),
            "BillingPeriodEnd": _ts(_next_month(day)),
            "ChargePeriodStart": _utc(start),
            "ChargePeriodEnd": _utc(end),
            "ChargeDescription": f"{item} (billed, {r['source'] or 'cost export'})",
            "ConsumedQuantity": quantity,
            "ConsumedUnit": (r["unit"] or "") if quantity else "",
            "PricingQuantity": quantity,
            "PricingUnit": (r["unit"] or "") if quantity else "",
            "ResourceId": r["model"] or "",
            "ResourceName": r["model"] or "",
            "ResourceType": "Model" if r["model"] else "",
            "SkuId": r["line_item"] or (f"{r['model']}:{kind}" if r["model"] else ""),
            "SkuMeter": f"{kind.replace('_', ' ')} tokens" if kind else "",
            **_project_cols(project),
            "x_Scenario": "actual",
            "x_CostBasis": "billed",
            "x_TokenKind": kind,
        }
        out.append(row)
    return out


def actual_rows(con: Any, catalog: str, relation: str = queries.INPUT) -> tuple[list[dict[str, Any]], int]:
    """FOCUS rows for the window's priced usage `relation` (sql/focus_actuals.sql); returns
    (rows, unpriced requests left out). Server-tool fees (web search, file search) get rows of their
    own, per call, priced calls only (an unpriced fee is left out of cost_usd too, and the report
    warns about it)."""
    found = queries.rows(con, "focus_actuals", relation=relation)
    out = []
    for r in found:
        day: date = r["day"]
        for kind, tcol, ccol in (*KINDS, *((t, f"_{t}_calls", f"_{t}_cost") for t in TOOL_CALL_COLUMNS)):
            tokens = r[tcol] or 0
            if not tokens:
                continue
            cost = Decimal(r[ccol] or 0)
            unit = cost / Decimal(tokens) * Decimal(1_000_000)
            row = _base(r["provider"], catalog)
            _cost_cols(row, cost)
            project = r["project"] or ""
            row |= {
                "BillingPeriodStart": _ts(month_start(day)),
                "BillingPeriodEnd": _ts(_next_month(day)),
                "ChargePeriodStart": _ts(day),
                "ChargePeriodEnd": _ts(day + timedelta(days=1)),
                "ChargeDescription":
                    f"{r['model']} {kind.replace('_', ' ')} tokens (estimated, list price, not billed)",
                "ConsumedQuantity": str(tokens),
                "ConsumedUnit": "Tokens",
                "PricingQuantity": format(Decimal(tokens) / Decimal(1_000_000), "f"),
                "PricingUnit": "1M Tokens",
                "ListUnitPrice": _money(unit.quantize(Decimal("1e-9"))),
                "ContractedUnitPrice": _money(unit.quantize(Decimal("1e-9"))),
                "PricingCurrencyListUnitPrice": _money(unit.quantize(Decimal("1e-9"))),
                "PricingCurrencyContractedUnitPrice": _money(unit.quantize(Decimal("1e-9"))),
                "ResourceId": r["model"] or "",
                "ResourceName": r["model"] or "",
                "ResourceType": "Model",
                "SkuId": f"{r['model']}:{kind}",
                "SkuMeter": f"{kind.replace('_', ' ')} tokens",
                **_project_cols(project),
                "x_Scenario": "actual",
                "x_CostBasis": "estimated",
                "x_TokenKind": kind,
                "x_Requests": str(r["requests"]),
            }
            if kind in TOOL_CALL_COLUMNS:
                per_k = _money((cost / Decimal(tokens) * Decimal(1_000)).quantize(Decimal("1e-9")))
                what = kind.replace("_", " ")
                row |= {
                    "ChargeDescription": f"{r['model']} {what} tool calls (estimated, list price, not billed)",
                    "ConsumedUnit": f"{what.capitalize()}es",
                    "PricingQuantity": format(Decimal(tokens) / Decimal(1_000), "f"),
                    "PricingUnit": f"1K {what.capitalize()}es",
                    "ListUnitPrice": per_k, "ContractedUnitPrice": per_k,
                    "PricingCurrencyListUnitPrice": per_k, "PricingCurrencyContractedUnitPrice": per_k,
                    "SkuMeter": f"{what}es",
                }
            out.append(row)
    unpriced = queries.rows(con, "focus_unpriced_requests", relation=relation)[0]["requests"]
    return out, int(unpriced)


def scenario_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per scenario for the forecast month (none when scenarios were not computed)."""
    scenarios = doc.get("scenarios") or []
    if not scenarios:
        return []
    fc = doc.get("forecast") or {}
    label = fc.get("month") or (doc.get("compare") or {}).get("current", {}).get("month")
    current = datetime.strptime(label, "%Y-%m").date() if label else month_start(clock.today())
    out = []
    for s in scenarios:
        if s.get("monthly_cost_usd") is None:  # no statistical forecast: nothing to state
            continue
        # monthly_cost_usd is the median of NEXT month's total (docs/scenarios.md)
        nxt = next((p["period"] for p in s.get("periods") or [] if p.get("kind") == "next_month"), None)
        first = datetime.strptime(nxt, "%Y-%m").date() if nxt else _next_month(current)
        row = _base("all", doc["price_catalog"].get("catalog", ""))
        _cost_cols(row, Decimal(0))  # not a charge: adds nothing to any FOCUS cost column's sum
        row |= {
            "BillingPeriodStart": _ts(first),
            "BillingPeriodEnd": _ts(_next_month(first)),
            "ChargePeriodStart": _ts(first),
            "ChargePeriodEnd": _ts(_next_month(first)),
            "ChargeDescription": f"Scenario forecast for {first:%Y-%m}: {s['name']}",
            "SkuId": f"scenario:{s['name']}",
            "Tags": "{}",
            "x_Scenario": s["name"],
            "x_CostBasis": "forecast",
            "x_ForecastCost": _money(Decimal(s["monthly_cost_usd"])),
            "x_CostLo80": _money(s.get("lo_80_usd")),
            "x_CostHi80": _money(s.get("hi_80_usd")),
        }
        out.append(row)
    return out


def export_focus(opts: ReportOptions, out: Path | Callable[[str | None], Path]) -> tuple[int, int]:
    """Write the FOCUS CSV for the store and window in `opts`; return (rows written, unpriced requests
    left out). `out` is the file, or a function naming it from the month(s) the export covers
    (analysis.covered_months: the --out pattern's {month}).

    Prices the store once (llmcost.document.priced_rows) and reads what it exports from that table: the
    window's actual rows and, when the forecast is on, the forecast and scenarios section. No other
    section of the report (measures, reconciliation, comparison) is computed."""
    check_tz(opts.tz)
    since, until, month = _window(opts)
    catalog = load_catalog(opts.prices_file)
    stamp = catalog.info().get("catalog") or ""
    with open_store(opts.store) as (_store, _manifest, con):
        priced = price_once(con, catalog, opts.tz)
        where, params = _where(since, until, opts.tz)
        # estimates only where they count for money: not on a provider-day a cost export bills, and
        # not request logs beside the provider's own usage buckets (sql/reconcile_money_usage.sql)
        money = priced.view(con, MONEY_WINDOW_VIEW, f"({_inline(where, params)}) AND counts_for_money")
        rows, unpriced = actual_rows(con, stamp, money)
        costs = costs_window_view(con, priced, since, until)
        rows += billed_rows(con, stamp, costs)
        if not isinstance(out, Path):
            out = out(covered_months(con, (window_view(con, priced, since, until), costs), opts.tz, since, until,
                                     month))
        rows.sort(key=lambda r: (r["ChargePeriodStart"], r["ProviderName"]))  # stable: keeps the queries' order
        forecast = forecast_sections(con, opts, {}, catalog, priced)
        if forecast.get("scenarios") and not (forecast.get("forecast") or {}).get("month"):
            # the scenario rows' fallback month: the month the report would compare
            cmp_month = compare_through(*data_days(con, priced), since, until)
            if cmp_month is not None:
                forecast["compare"] = {"current": {"month": f"{cmp_month:%Y-%m}"}}
    rows += scenario_rows({**forecast, "price_catalog": {"catalog": stamp}})
    write_text(out, csv_text(COLUMNS, ([r[c] for c in COLUMNS] for r in rows), numeric=NUMERIC_COLUMNS),
               name="focus.csv")
    return len(rows), unpriced


__all__ = [
    "COLUMNS", "FOCUS_COLUMNS", "FOCUS_VERSION", "MONEY_WINDOW_VIEW", "X_COLUMNS", "billed_rows", "export_focus",
    "previous_month",
]
