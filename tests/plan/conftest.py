"""Shared fixtures of the plan and swap tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def price_once_names(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The `name=` of every call of the report's pricing pass (document/priced_rows.price_once)
    during the test, in order; the calls still price."""
    from llmcost.document import priced_rows

    names: list[str] = []
    real = priced_rows.price_once

    def spy(*a: object, **k: object) -> priced_rows.PricedRows:
        names.append(str(k.get("name")))
        return real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(priced_rows, "price_once", spy)
    return names
