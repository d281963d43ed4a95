"""What the Spark parity tests (test_spark_parity.py, test_spark_documents.py) compare with:
DuckDB's rows and documents against Spark's, counts exactly, money and ratios to 1e-9."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llmcost.storage.store import Store

MONEY_TOLERANCE = Decimal("1e-9")


def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return abs(Decimal(a) - Decimal(b)) <= MONEY_TOLERANCE
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.astimezone(UTC) == b.astimezone(UTC)
    return bool(a == b)


def _key(row: dict[str, Any]) -> tuple[str, ...]:
    """A row's identity for order-free comparison: its values that are not money or ratios."""
    return tuple(f"{k}={v}" for k, v in sorted(row.items()) if not isinstance(v, Decimal | float))


def assert_rows_equal(duck: list[dict[str, Any]], spark_rows: list[dict[str, Any]], what: str) -> None:
    assert len(spark_rows) == len(duck), f"{what}: {len(spark_rows)} rows on Spark, {len(duck)} on DuckDB"
    for d, s in zip(sorted(duck, key=_key), sorted(spark_rows, key=_key), strict=True):
        assert_row_equal(d, s, what)


def assert_row_equal(duck: dict[str, Any], spark_row: dict[str, Any], what: str) -> None:
    missing = set(duck) - set(spark_row)
    assert not missing, f"{what}: Spark has no {sorted(missing)}"
    bad = {k: (v, spark_row[k]) for k, v in duck.items() if not same(v, spark_row[k])}
    assert not bad, f"{what}: DuckDB vs Spark differ on {bad}"


def same_document(duck: Any, spark_doc: Any, path: str = "") -> list[str]:
    """Where two JSON documents differ: equal values, but money and ratios (decimal strings and
    floats) to 1e-9."""
    if isinstance(duck, dict) and isinstance(spark_doc, dict):
        if set(duck) != set(spark_doc):
            return [f"{path}: keys {sorted(set(duck) ^ set(spark_doc))}"]
        return [d for k in duck for d in same_document(duck[k], spark_doc[k], f"{path}/{k}")]
    if isinstance(duck, list) and isinstance(spark_doc, list):
        if len(duck) != len(spark_doc):
            return [f"{path}: {len(duck)} items on DuckDB, {len(spark_doc)} on Spark"]
        return [d for i, (a, b) in enumerate(zip(duck, spark_doc, strict=True))
                for d in same_document(a, b, f"{path}[{i}]")]
    if isinstance(duck, str) and isinstance(spark_doc, str) and duck != spark_doc:
        try:
            a, b = Decimal(duck), Decimal(spark_doc)
        except ArithmeticError:
            return [f"{path}: {duck!r} != {spark_doc!r}"]
        return [] if abs(a - b) <= MONEY_TOLERANCE else [f"{path}: {duck} != {spark_doc}"]
    return [] if same(duck, spark_doc) else [f"{path}: {duck!r} != {spark_doc!r}"]


DUCK_HANDLE = ("view", "summary", "keep", "value")
"""The methods through which a section reads DuckDB's priced table (document.priced_rows.PricedRows)."""


def documents(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               args: tuple[str, ...] = ("--no-forecast",)) -> dict[str, Any]:
    """`report --format json [args]` with each engine, counting per engine the DuckDB measures pass
    (analysis._measures), DuckDB's pricing passes (pricing.engine.pricing_passes), the reads of
    DuckDB's priced table through its handle (PricedRows.view, summary, keep, value) and the
    times DuckDB opened the store (Store.reader)."""
    import json

    from typer.testing import CliRunner

    from llmcost.cli import app
    from llmcost.document import analysis
    from llmcost.document.priced_rows import PricedRows
    from llmcost.pricing.engine import pricing_passes

    calls = {"measures": 0, "store_reader": 0, **dict.fromkeys(DUCK_HANDLE, 0)}

    def counting(key: str, fn: Any) -> Any:
        def counted(*a: Any, **k: Any) -> Any:
            calls[key] += 1
            return fn(*a, **k)
        return counted

    monkeypatch.setattr(analysis, "_measures", counting("measures", analysis._measures))
    monkeypatch.setattr(Store, "reader", counting("store_reader", Store.reader))
    for name in DUCK_HANDLE:
        monkeypatch.setattr(PricedRows, name, counting(name, getattr(PricedRows, name)))
    docs: dict[str, Any] = {}
    for engine in ("duckdb", "spark"):
        before, passes = dict(calls), pricing_passes()
        out = tmp_path / f"{engine}.json"
        res = CliRunner().invoke(app, ["report", "--store", str(store), *args, "--format", "json",
                                       "--engine", engine, "--out", str(out)])
        assert res.exit_code == 0, res.output
        docs[engine] = json.loads(out.read_text(encoding="utf-8"))
        docs[engine].pop("generated_at")
        docs[f"{engine}_counts"] = {k: calls[k] - before[k] for k in calls} | {
            "pricing_passes": pricing_passes() - passes}
    return docs
