"""The Spark session every parity test shares (local mode, one per test session and worker) and
the store of a public trace the store tests read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TRACES


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
    from llmcost.engine import spark as S

    session = S.session("local[2]", app="llmcost-tests")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def trace_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from llmcost.ingest.loader import load

    store = tmp_path_factory.mktemp("spark-trace") / "store"
    load([TRACES / "azure-llm-2023" / "AzureLLMInferenceTrace_code.csv.gz"], store)
    return store
