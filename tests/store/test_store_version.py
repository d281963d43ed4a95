"""The store's format version (storage/store.py: STORE_VERSION): a manifest entry may carry
`reader_version`, which a reader of store version 2 built before it refused as a "malformed entry"
(with "delete the store directory" as the fix). Version 3 makes such a reader say "written by a
newer llmcost-forecast ... upgrade" instead; stores of versions 1 and 2 still open, read the same,
and are written as version 3 by the next commit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.ingest.loader import load
from llmcost.storage.store import STORE_VERSION

REPO = Path(__file__).resolve().parents[2]
LOGS = REPO / "sample_logs" / "app-logs"


def _manifest(store: Path) -> dict:
    return json.loads((store / "manifest.json").read_text())


def _totals(store: Path) -> dict:
    res = CliRunner().invoke(app, ["report", "--store", str(store), "--format", "json", "--no-forecast"])
    assert res.exit_code == 0, res.output
    t = json.loads(res.stdout)["totals"]
    return {k: t[k] for k in ("requests", "input_tokens", "output_tokens", "cost_usd")}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = tmp_path_factory.mktemp("v3") / "store"
    load([LOGS], s)
    return s


def test_a_new_store_is_written_as_version_3(store: Path) -> None:
    # a version-2 reader checks `version > 2` before it reads an entry: it says "upgrade"
    assert STORE_VERSION == 3
    assert _manifest(store)["version"] == 3


@pytest.mark.parametrize("old", [1, 2])
def test_an_older_store_opens_reads_the_same_and_is_written_as_version_3(
    store: Path, tmp_path: Path, old: int
) -> None:
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    data = _manifest(copy)
    data["version"] = old
    for entry in data["files"].values():  # entries written before reader_version existed
        entry.pop("reader_version", None)
    (copy / "manifest.json").write_text(json.dumps(data))
    assert _totals(copy) == _totals(store)
    assert _manifest(copy)["version"] == old  # a report only reads
    res = CliRunner().invoke(app, ["ingest", str(LOGS), "--store", str(copy)])
    assert res.exit_code == 0, res.output
    # its entries carry no reader_version: read by version 1 of their readers, which are at a later
    # version now (Ingestor.reader_changes), so the files are read again, their rows replaced, and committed
    assert res.stdout.startswith("0 ingested, 2 replaced, 0 unchanged"), res.stdout
    assert _manifest(copy)["version"] == 3
    assert _totals(copy) == _totals(store)
