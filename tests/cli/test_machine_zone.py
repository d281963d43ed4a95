"""The machine's time zone changes nothing: the same logs give the same document under any TZ.

Subprocesses, because DuckDB reads the zone once per process. Before every connection was set to
UTC, a report under TZ=America/New_York wrote its times as `...-04:00` (the same instants, another
document), which a diff between two machines' nightly reports would flag."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = str(Path(sys.executable).parent / "llmcost-forecast")
LOGS = REPO / "sample_logs"


def _document(tmp_path: Path, zone: str) -> dict[str, Any]:
    store = tmp_path / zone.replace("/", "_")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMCOST_")} | {"TZ": zone, "NO_COLOR": "1"}
    done = subprocess.run([TOOL, "--logs", str(LOGS), "--store", str(store), "--format", "json"],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    for key in ("generated_at", "store"):  # the run's own clock and folder
        doc.pop(key, None)
    for f in doc["ingest"]["by_file"]:
        f.pop("ingested_at")  # the run's clock again
    return doc


def _times(doc: Any, path: str = "") -> dict[str, str]:
    """Every string that parses as an ISO time with a zone, by its path in the document."""
    out: dict[str, str] = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            out |= _times(v, f"{path}/{k}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out |= _times(v, f"{path}[{i}]")
    elif isinstance(doc, str) and len(doc) >= 25 and doc[10:11] == "T" and doc[-6] in "+-" and doc[-3] == ":":
        out[path] = doc
    return out


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
def test_the_document_does_not_depend_on_the_machines_time_zone(tmp_path: Path, zone: str) -> None:
    utc = _document(tmp_path, "UTC")
    local = _document(tmp_path, zone)
    times = _times(utc)
    assert times, "the sample document should hold timestamps (first and last request)"
    assert all(t.endswith("+00:00") for t in times.values()), times
    assert _times(local) == times
    assert local == utc
