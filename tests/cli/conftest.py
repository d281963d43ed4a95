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
