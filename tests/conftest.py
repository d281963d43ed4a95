"""Test-wide settings: every piece of user state goes to a temp dir; no network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from llmcost import ingest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
TRACES = SHARED / "traces"
REAL_SAMPLES = SHARED / "real-samples"  # third-party files with hand-counted totals (its SOURCES.md)


@pytest.fixture(autouse=True)
def _isolated_user_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("LLMCOST_STORE", str(home / "store"))
    monkeypatch.delenv("LLMCOST_PRICES", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")


@pytest.fixture(autouse=True)
def _restore_format_registry() -> Iterator[None]:
    """Tests run the CLI in-process: a user mapping one registers (`--map`, `--mapping`) must not
    leak into the format registry later tests see (tests/test_docs.py lists it)."""
    ingest.registry()  # built-ins loaded before the snapshot
    saved = dict(ingest._REGISTRY)
    yield
    ingest._REGISTRY.clear()
    ingest._REGISTRY.update(saved)


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store of sample_logs/ for every test that only reads it (ingested once per session)."""
    from llmcost.ingest.loader import load

    store = tmp_path_factory.mktemp("sample") / "store"
    load([REPO / "sample_logs"], store)
    return store


def requires_traces() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not TRACES.exists(), reason="../shared/traces is not beside the checkout")


def requires_real_samples() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not REAL_SAMPLES.exists(), reason="../shared/real-samples is not beside the checkout")
