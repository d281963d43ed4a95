"""Currency conversion of billing rows is exact decimal division (DuckDB divides decimals in DOUBLE)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest

from llmcost.ingest._exports import exact_div


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        # expected values computed by hand: amount / rate rounded half-up to 12 places
        ("10", "0.92", "10.869565217391"),
        ("-3.33", "1.5", "-2.220000000000"),
        ("1", "3", "0.333333333333"),
        ("2", "3", "0.666666666667"),
        ("123456.789012345678", "0.000123456", "1000006391.040902653577"),
    ],
)
def test_exact_division(amount: str, rate: str, expected: str) -> None:
    con = duckdb.connect()
    (v,) = con.execute(f"SELECT {exact_div(f'CAST({amount!r} AS DECIMAL(38,12))', repr(rate))}").fetchone()
    assert isinstance(v, Decimal)
    assert v == Decimal(expected)
    assert v == (Decimal(amount) / Decimal(rate)).quantize(Decimal("1e-12"), rounding=ROUND_HALF_UP)


def test_zero_rate_gives_null() -> None:
    (v,) = duckdb.connect().execute(f"SELECT {exact_div('CAST(5 AS DECIMAL(38,12))', repr('0'))}").fetchone()
    assert v is None
