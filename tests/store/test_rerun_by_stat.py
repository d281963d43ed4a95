"""A re-run decides an unchanged file from its `stat` alone (size and mtime as `.filestat.json`
records them with the manifest's hash): the file is not opened. Anything else is read as before."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from llmcost.ingest import loader as load_mod
from llmcost.ingest.loader import load


def _session(path: Path, out: int) -> None:
    line = {"parentUuid": None, "type": "assistant", "sessionId": "s1", "requestId": "req_1",
            "timestamp": "2026-10-01T10:00:00Z",
            "message": {"id": "msg_1", "model": "claude-sonnet-4-5-20250929",
                        "usage": {"input_tokens": 10, "output_tokens": out}}}
    path.write_text(json.dumps(line) + "\n")


def test_unchanged_file_is_not_opened_on_a_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    _session(logs / "a.jsonl", 100)
    load([logs], tmp_path / "store")
    opened: list[Path] = []
    real_expand = load_mod.expand

    def spy(path: Path, tmp: Path):  # type: ignore[no-untyped-def]
        opened.append(path)
        return real_expand(path, tmp)

    monkeypatch.setattr(load_mod, "expand", spy)
    result = load([logs], tmp_path / "store")
    assert [f.status for f in result.files] == ["unchanged"] and opened == []


def test_same_size_new_content_and_mtime_is_read_again(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    f = logs / "a.jsonl"
    _session(f, 100)
    load([logs], tmp_path / "store")
    st = f.stat()
    _session(f, 200)  # the same length: output 100 -> 200
    assert f.stat().st_size == st.st_size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    result = load([logs], tmp_path / "store")
    assert [(r.status, r.rows_stored) for r in result.files] == [("replaced", 1)]


def test_other_labels_read_an_unchanged_file_again(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    _session(logs / "a.jsonl", 100)
    load([logs], tmp_path / "store", labels={"host": "a"})
    assert [r.status for r in load([logs], tmp_path / "store", labels={"host": "a"}).files] == ["unchanged"]
    assert [r.status for r in load([logs], tmp_path / "store", labels={"host": "b"}).files] == ["replaced"]
