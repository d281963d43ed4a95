"""Scenario tests: single-threaded BLAS (see tests/forecast/conftest.py) and shared stores.

Stores are built once per session (ingest is the slow part, and nothing here writes to them).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, TRACES

SAMPLE_LOGS = REPO / "sample_logs" / "app-logs"
MOONCAKE = TRACES / "mooncake-fast25" / "conversation_trace.jsonl.gz"


def build_store(paths: list[Path], root: Path) -> Path:
    from llmcost.ingest.loader import load

    load(paths, root)
    return root


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store([SAMPLE_LOGS], tmp_path_factory.mktemp("sample") / "store")


@pytest.fixture
def sample_con(sample_store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    from llmcost.storage.store import Store

    con = Store.open(sample_store).connect()
    yield con
    con.close()


def usage_con(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    """An in-memory connection whose `usage` table holds `rows` (canonical columns; the rest null).

    Defaults: grain 'request', request_count 1, cache_known true, batch false, and token columns 0.
    """
    from llmcost.storage.schema import duckdb_types

    types = duckdb_types("usage")
    con = duckdb.connect()
    con.execute("CREATE TABLE usage (" + ", ".join(f"{c} {t}" for c, t in types.items()) + ")")
    defaults = {
        "grain": "request",
        "request_count": 1,
        "cache_known": True,
        "batch": False,
        "input_tokens": 0,
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
        "cache_write_1h_tokens": 0,
        "output_tokens": 0,
        "reasoning_tokens": 0,
        "source": "test",
        "source_file": "fixture",
    }
    for i, r in enumerate(rows):
        row = {**defaults, "event_id": f"e{i:05d}", "source_line": i + 1, **r}
        cols = list(row)
        con.execute(
            f"INSERT INTO usage ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols]
        )
    return con
