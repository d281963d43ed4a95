"""Helpers for the pricing tests: a DuckDB usage table with the canonical columns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pytest

from llmcost.storage.schema import USAGE_COLUMNS


@pytest.fixture(autouse=True)
def _no_user_prices(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never pick up a developer's ./llmcost-prices.toml, $LLMCOST_PRICES or installed price data."""
    monkeypatch.delenv("LLMCOST_PRICES", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def make_usage() -> Any:
    """The `usage_table` helper as a fixture (test modules here are not an importable package)."""
    return usage_table


def usage_table(rows: Iterable[Mapping[str, Any]], con: duckdb.DuckDBPyConnection | None = None,
                name: str = "usage") -> duckdb.DuckDBPyConnection:
    """A connection holding table `name` with every canonical usage column; unspecified fields NULL."""
    con = con or duckdb.connect()
    con.execute("SET TimeZone = 'America/New_York'")  # costs must not depend on the session time zone
    cols = ", ".join(f"{c.name} {c.duckdb}" for c in USAGE_COLUMNS)
    con.execute(f"CREATE TABLE {name} ({cols})")
    names = [c.name for c in USAGE_COLUMNS]
    for row in rows:
        unknown = set(row) - set(names)
        assert not unknown, unknown
        defaults = {"grain": "request", "request_count": 1, "batch": False}
        full = {**defaults, **row}
        con.execute(
            f"INSERT INTO {name} VALUES ({', '.join('?' for _ in names)})",
            [full.get(n) for n in names],
        )
    return con
