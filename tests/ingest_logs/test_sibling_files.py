"""Formats that read a sibling file (a Langfuse traces export beside the observations, an Anthropic
batch object beside its results) find it whatever the folder is called: the loader reads a file
whose path DuckDB cannot take (a glob character such as "[", a character shown escaped) through a
link in a work folder, and the sibling was looked for beside the link. Before, in `exports [old]` the
Langfuse rows lost their session ids (0 of 3) and the batch results failed as undated. The
siblings themselves are companion files: no Warning, no "unrecognised" (exit 0)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"
FOLDERS = ["plain", "exports [old]", "a{b}*c?", "r\u202eb ü"]


def _copy(fixture: str, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for p in (FIXTURES / fixture).iterdir():
        if p.name != "expected.jsonl":
            shutil.copy(p, folder / p.name)
    return folder


@pytest.mark.parametrize("name", FOLDERS)
def test_langfuse_traces_are_joined_in_any_folder(tmp_path: Path, name: str) -> None:
    logs = _copy("langfuse_observations_jsonl", tmp_path / name)
    res = CliRunner().invoke(app, ["ingest", str(logs), "--store", str(tmp_path / "store")])
    assert res.exit_code == 0, res.output
    assert "1 ingested" in res.output and "1 companion" in res.output and "0 unrecognised" in res.output
    con = Store.open(tmp_path / "store").connect()
    # the fixture's three generations belong to traces of session sess_2b7e91 (its traces.csv)
    assert con.execute("SELECT count(*), count(DISTINCT conversation_id), min(conversation_id) "
                       "FROM usage").fetchone() == (3, 1, "sess_2b7e91")


@pytest.mark.parametrize("name", FOLDERS)
def test_batch_results_find_their_batch_in_any_folder(tmp_path: Path, name: str) -> None:
    logs = _copy("anthropic_batch_results_jsonl", tmp_path / name)
    res = CliRunner().invoke(app, ["ingest", str(logs), "--store", str(tmp_path / "store")])
    assert res.exit_code == 0, res.output
    assert "1 ingested" in res.output and "2 companion" in res.output
    con = Store.open(tmp_path / "store").connect()
    assert con.execute("SELECT count(*), min(ts) FROM usage").fetchone()[0] == 2


@pytest.mark.parametrize("inner", ["", "export [old]/"], ids=["top", "in-a-folder"])
def test_langfuse_traces_are_joined_inside_a_zip(tmp_path: Path, inner: str) -> None:
    # The observations and their traces export zipped together (as a user mails an export): the
    # members were extracted one by one, each into its own folder, so the traces were never beside
    # the observations and the rows lost their sessions, users and turns (0 of 3 each).
    import zipfile

    src = FIXTURES / "langfuse_observations_jsonl"
    logs = tmp_path / "logs"
    logs.mkdir()
    with zipfile.ZipFile(logs / "langfuse.zip", "w") as zf:
        for name in ("input_observations.jsonl", "traces.csv"):
            zf.write(src / name, inner + name)
    res = CliRunner().invoke(app, ["ingest", str(logs), "--store", str(tmp_path / "store")])
    assert res.exit_code == 0, res.output
    con = Store.open(tmp_path / "store").connect()
    # traces.csv: the three traces of session sess_2b7e91, user_8812 on all three; turns 1 to 3
    assert con.execute("SELECT count(*), count(DISTINCT conversation_id), min(conversation_id), "
                       "count(user_id), min(turn), max(turn) FROM usage").fetchone() == \
        (3, 1, "sess_2b7e91", 3, 1, 3)
