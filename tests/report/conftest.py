"""One store of sample_logs/ for all report tests (ingest once; every test reads it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llmcost.document.analysis import ReportOptions, build_report
from llmcost.load import load

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("report") / "store"
    load([REPO / "sample_logs"], store)
    return store


@pytest.fixture(scope="session")
def sample_doc(sample_store: Path) -> dict[str, Any]:
    return build_report(ReportOptions(store=sample_store))
