"""20,000 distinct unknown model names (issue 17): the report ran for over ten minutes because
every name was searched for "did you mean" against every known id, once per pricing pass. Now
each name is searched at most once per report, and only the 50 with the most tokens are.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.pricing.catalog import Catalog
from llmcost.pricing.engine import SUGGEST_LIMIT

N = 20_000
runner = CliRunner()


def test_twenty_thousand_unknown_models_get_capped_suggestions(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    with open(logs / "many.jsonl", "w") as f:
        for i in range(N):  # name i has 110 + i tokens: the top 50 are i = 19,950 .. 19,999
            f.write(json.dumps({
                "ts": f"2026-10-{1 + i % 28:02d}T10:00:00Z",
                "response": {"id": f"r{i}", "object": "chat.completion", "created": 1790000000 + i,
                             "model": f"acme-unknown-{i:05d}-xl",
                             "usage": {"prompt_tokens": 100 + i, "completion_tokens": 10}},
            }) + "\n")
    store = tmp_path / "store"
    assert runner.invoke(app, ["ingest", str(logs), "--store", str(store), "--quiet"]).exit_code == 0

    searched: list[str] = []
    original = Catalog._did_you_mean

    def counting(self: Catalog, model: str, n: int) -> list[str]:
        searched.append(model)
        return original(self, model, n)

    monkeypatch.setattr(Catalog, "_did_you_mean", counting)
    monkeypatch.setenv("LLMCOST_TODAY", "2026-11-20")
    out = tmp_path / "report.json"
    res = runner.invoke(app, ["report", "--store", str(store), "--format", "json", "--no-forecast",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())

    top = {f"acme-unknown-{i:05d}-xl" for i in range(N - SUGGEST_LIMIT, N)}
    assert len(searched) == len(set(searched)) == SUGGEST_LIMIT  # each once, however many passes
    assert set(searched) == top
    assert len(doc["unpriced"]) == N
    with_snippet = {u["model"] for u in doc["unpriced"] if u["override_snippet"]}
    assert with_snippet == top
    note = [w for w in doc["warnings"] if "more unpriced model names" in w]
    assert note == [f"{N - SUGGEST_LIMIT:,} more unpriced model names have no 'did you mean' or override "
                    f"snippet (given for the {SUGGEST_LIMIT} with the most tokens only)"]
