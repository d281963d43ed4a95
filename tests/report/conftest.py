"""The sample_logs document for all report tests (the store is tests/conftest.py's sample_store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llmcost.document.analysis import ReportOptions, build_report


@pytest.fixture(scope="session")
def sample_doc(sample_store: Path) -> dict[str, Any]:
    return build_report(ReportOptions(store=sample_store))
