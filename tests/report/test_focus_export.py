"""FOCUS 1.2 export: header = the 57 FOCUS 1.2 columns then x_ columns; required values present."""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llmcost.document.analysis import ReportOptions
from llmcost.document.focus_export import FOCUS_COLUMNS, export_focus, scenario_rows

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared/reference/formats-provider-exports.md"

# FOCUS 1.2 columns, copied by hand from the spec's column list (FOCUS_Spec specification/columns,
# v1.2), independently of llmcost.document.focus_export.
FOCUS_1_2 = """AvailabilityZone BilledCost BillingAccountId BillingAccountName BillingAccountType BillingCurrency
BillingPeriodEnd BillingPeriodStart CapacityReservationId CapacityReservationStatus ChargeCategory ChargeClass
ChargeDescription ChargeFrequency ChargePeriodEnd ChargePeriodStart CommitmentDiscountCategory
CommitmentDiscountId CommitmentDiscountName CommitmentDiscountQuantity CommitmentDiscountStatus
CommitmentDiscountType CommitmentDiscountUnit ConsumedQuantity ConsumedUnit ContractedCost ContractedUnitPrice
EffectiveCost InvoiceId InvoiceIssuerName ListCost ListUnitPrice PricingCategory PricingCurrency
PricingCurrencyContractedUnitPrice PricingCurrencyEffectiveCost PricingCurrencyListUnitPrice PricingQuantity
PricingUnit ProviderName PublisherName RegionId RegionName ResourceId ResourceName ResourceType ServiceCategory
ServiceName ServiceSubcategory SkuId SkuMeter SkuPriceDetails SkuPriceId SubAccountId SubAccountName
SubAccountType Tags""".split()
# Columns FOCUS requires to be non-null on every charge row (1.2 "Allows nulls: False").
REQUIRED = ["BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
            "ChargeCategory", "ChargeDescription", "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost",
            "EffectiveCost", "InvoiceIssuerName", "ListCost", "ProviderName", "PublisherName",
            "ServiceCategory", "ServiceName"]
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def test_column_list_matches_the_reference() -> None:
    assert len(FOCUS_1_2) == 57
    assert list(FOCUS_COLUMNS) == FOCUS_1_2
    if REFERENCE.exists():  # the shared reference beside the checkout, when present
        text = REFERENCE.read_text()
        block = text.split("**FOCUS 1.2 columns (57", 1)[1].split("Provider-specific extras", 1)[0]
        names = re.findall(r"\b([A-Z][A-Za-z]+)(?: \([^)]*\))?[,.]", block.split(":**", 1)[1])
        assert sorted(names) == sorted(FOCUS_1_2)


def test_export_validates(sample_store: Path, sample_doc: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "focus.csv"
    n, unpriced = export_focus(ReportOptions(store=sample_store), out)
    with out.open(newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        rows = list(reader)
    assert header[:57] == FOCUS_1_2
    assert all(c.startswith("x_") for c in header[57:]) and "x_Scenario" in header
    assert len(rows) == n and unpriced == 300
    # a FinOps tool sums the cost columns over the whole file (it does not know x_CostBasis): every
    # one of them gives the actual money, whatever forecast rows the file holds
    costs = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingCurrencyEffectiveCost")
    everything = {c: sum((Decimal(r[c]) for r in rows), Decimal(0)) for c in costs}
    scenario = [r for r in rows if r["x_Scenario"] != "actual"]
    rows = [r for r in rows if r["x_Scenario"] == "actual"]
    assert scenario, "the sample store's report computes scenarios: the file must hold their rows"
    assert everything["EffectiveCost"] == Decimal(sample_doc["totals"]["cost_usd"])
    assert everything["ListCost"] == everything["ContractedCost"] == everything["PricingCurrencyEffectiveCost"] \
        == everything["EffectiveCost"]
    assert everything["BilledCost"] == 0  # the sample store has no cost export
    # one row per computed scenario, for the month its monthly cost is about (next month)
    expected = {s["name"]: s for s in sample_doc.get("scenarios") or [] if s.get("monthly_cost_usd") is not None}
    assert {r["x_Scenario"] for r in scenario} == set(expected)
    for r in scenario:
        s = expected[r["x_Scenario"]]
        nxt = next(p["period"] for p in s["periods"] if p["kind"] == "next_month")
        assert r["ChargePeriodStart"].startswith(nxt) and r["x_CostBasis"] == "forecast"
        # a forecast is not a charge: every FOCUS cost column 0, the forecast in x_ForecastCost
        # (focus_export's docstring)
        for c in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingCurrencyEffectiveCost"):
            assert Decimal(r[c]) == 0, c
        assert Decimal(r["x_ForecastCost"]) == Decimal(str(s["monthly_cost_usd"]))
        for c in REQUIRED:
            assert r[c] != "", c
    for r in rows:
        for c in REQUIRED:
            assert r[c] != "", c
        for c in ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"):
            assert ISO.match(r[c]), r[c]
        assert r["ChargePeriodStart"] < r["ChargePeriodEnd"]
        assert r["ChargeCategory"] == "Usage" and r["ConsumedUnit"] == "Tokens"
        assert r["ServiceCategory"] == "AI and Machine Learning"
        # the sample store has no cost export: every row is an estimate, which no invoice states
        assert r["x_CostBasis"] == "estimated" and Decimal(r["BilledCost"]) == 0
        assert Decimal(r["EffectiveCost"]) >= 0
    assert {r["x_Scenario"] for r in rows} == {"actual"}
    total = sum(Decimal(r["EffectiveCost"]) for r in rows)
    assert total == Decimal(sample_doc["totals"]["cost_usd"])
    tokens = sum(int(r["ConsumedQuantity"]) for r in rows)
    t = sample_doc["totals"]
    priced_tokens = sum(m["input_tokens"] + m["cache_read_tokens"] + m["cache_write_tokens"] + m["output_tokens"]
                        for m in sample_doc["by_provider_model"] if m["priced"])
    assert tokens == priced_tokens < t["input_tokens"] + t["cache_read_tokens"] + t["cache_write_tokens"] \
        + t["output_tokens"]


@pytest.mark.parametrize("name", ["baseline", "route simple to mini"])
def test_scenarios_become_x_scenario_rows(sample_doc: dict[str, Any], name: str) -> None:
    doc = dict(sample_doc)
    doc["forecast"] = {"month": "2026-11"}
    doc["scenarios"] = [{"name": name, "monthly_cost_usd": Decimal("11.10"), "lo_80_usd": Decimal("10.40"),
                         "hi_80_usd": Decimal("11.90"), "savings_vs_baseline_usd": Decimal("3.70")}]
    (row,) = scenario_rows(doc)
    assert row["x_Scenario"] == name and row["x_CostBasis"] == "forecast"
    assert row["BilledCost"] == row["EffectiveCost"] == row["ListCost"] == row["ContractedCost"] == "0"
    assert row["x_ForecastCost"] == "11.10"
    assert row["x_CostLo80"] == "10.40" and row["x_CostHi80"] == "11.90"
    # monthly_cost_usd is next month's median (docs/scenarios.md): with no periods listed, the month
    # after the forecast month
    assert row["ChargePeriodStart"] == "2026-12-01T00:00:00Z" and row["ChargePeriodEnd"] == "2027-01-01T00:00:00Z"
