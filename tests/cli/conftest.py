"""CLI tests run the app in-process: user mappings registered by one test (`--map`, `--mapping`)
must not leak into the format registry seen by later tests (tests/test_docs.py lists it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llmcost import ingest


@pytest.fixture(autouse=True)
def _restore_format_registry() -> Iterator[None]:
    ingest.registry()  # built-ins loaded before the snapshot
    saved = dict(ingest._REGISTRY)
    yield
    ingest._REGISTRY.clear()
    ingest._REGISTRY.update(saved)


@pytest.fixture
def today_2026_12_05(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today fixed at 2026-12-05 (LLMCOST_TODAY, llmcost.clock) for tests whose windows are judged
    against today (a future --month is refused, {month} falls back to today's)."""
    monkeypatch.setenv("LLMCOST_TODAY", "2026-12-05")
