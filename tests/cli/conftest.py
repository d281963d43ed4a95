"""CLI test fixtures (the format registry is restored after every test by tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def today_2026_12_05(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today fixed at 2026-12-05 (LLMCOST_TODAY, llmcost.clock) for tests whose windows are judged
    against today (a future --month is refused, {month} falls back to today's)."""
    monkeypatch.setenv("LLMCOST_TODAY", "2026-12-05")
