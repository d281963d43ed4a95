"""A large store's report keeps its working tables in a temporary database file (compressed,
not spilled as it is); the document must be the same as with the in-memory tables."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

import llmcost.document.analysis
import llmcost.storage.store
from llmcost.document.analysis import ReportOptions, build_report


def test_work_file_path_gives_the_same_document(
    sample_store: Path, sample_doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(llmcost.document.analysis, "LARGE_ROWS", 0)
    # a temporary folder of this test's own: another run on the machine has work files of its own
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = set(Path(tempfile.gettempdir()).glob("llmcost-work-*"))
    doc = build_report(ReportOptions(store=sample_store))
    doc.pop("generated_at", None)
    expected = {k: v for k, v in sample_doc.items() if k != "generated_at"}
    _same(doc, expected, "doc")
    # the file was used and is gone afterwards
    assert set(Path(tempfile.gettempdir()).glob("llmcost-work-*")) == before


def _same(a: Any, b: Any, where: str) -> None:
    """Equal, money and counts exactly; floats (shares, ratios) to 1e-9 relative."""
    if isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12), where
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def test_work_file_with_turns_to_fill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Logs without turn numbers: the large-store path numbers them once (the store reader's
    turn table); the document equals the in-memory path's."""
    import json

    from llmcost.ingest.loader import load

    rows = []
    for i in range(60):
        rows.append(json.dumps({
            "ts": f"2026-09-{1 + i % 20:02d}T10:{i % 60:02d}:00Z", "session_id": f"s{i % 6}",
            "response": {"id": f"chatcmpl-{i}", "object": "chat.completion", "created": 1790000000 + i,
                         "model": "gpt-4o-2024-08-06",
                         "usage": {"prompt_tokens": 100 + 10 * i, "completion_tokens": 5,
                                   "prompt_tokens_details": {"cached_tokens": 0}}},
        }))
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(rows) + "\n")
    load([log], tmp_path / "s")
    opts = ReportOptions(store=tmp_path / "s", forecast=False)
    small = build_report(opts)
    assert small["turns"] and max(t["turn"] for t in small["turns"]) == 10  # filled: 10 requests per session
    monkeypatch.setattr(llmcost.document.analysis, "LARGE_ROWS", 0)
    seen: list[int] = []
    real = llmcost.storage.store.turns_to_fill  # the reader's connection numbers the turns once
    monkeypatch.setattr(llmcost.storage.store, "turns_to_fill", lambda con: seen.append(real(con)) or seen[-1])
    large = build_report(opts)
    assert seen == [60]  # no row of the log has a turn
    small.pop("generated_at", None)
    large.pop("generated_at", None)
    _same(large, small, "doc")
