"""An llmcost store inside a `--logs` folder (a folder an earlier `--store` wrote, a copy of
another team's store) is no input: the walk knows it by its manifest and skips it whole, with
one note saying how to read it (`--store`). Each of its files was "no known format" one by one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from llmcost.cli import app
from tests.reliability.harness import FIXTURES

GOOD = FIXTURES / "openai_response_jsonl" / "input.jsonl"


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def _store_in(folder: Path, name: str) -> Path:
    """A store holding one file, written by `--store` into `folder/name`."""
    src = folder.parent / f"{name}-input"
    src.mkdir()
    shutil.copy(GOOD, src / "good.jsonl")
    code, out, err = _run("ingest", str(src), "--store", str(folder / name), "--quiet")
    assert code == 0, out + err
    assert (folder / name / "manifest.json").exists() and any((folder / name).rglob("*.parquet"))
    return folder / name


def test_a_store_inside_the_logs_folder_is_skipped_whole_with_one_note(tmp_path: Path) -> None:
    logs = tmp_path / "exports"
    logs.mkdir()
    shutil.copy(GOOD, logs / "good.jsonl")
    old = _store_in(logs, "oldstore")
    code, out, err = _run("ingest", str(logs), "--store", str(tmp_path / "store"))
    assert code == 0, out + err
    assert "no known format" not in err
    assert out.startswith("1 ingested, 0 replaced, 0 unchanged, 0 unrecognised, 0 failed."), out
    notes = [line for line in err.splitlines() if "oldstore" in line]
    assert notes == [
        f"Note: {old} is an llmcost store (it holds manifest.json and the store's Parquet parts), not input: it "
        f"was not read. To report on it: `llmcost-forecast report --store {old}`."
    ], err


def test_a_store_named_as_logs_is_skipped_with_the_note(tmp_path: Path) -> None:
    old = _store_in(tmp_path, "oldstore")
    code, out, err = _run("ingest", str(old), "--store", str(tmp_path / "store"))
    assert code == 0, out + err
    assert "no known format" not in err
    assert out.startswith("0 ingested, 0 replaced, 0 unchanged, 0 unrecognised, 0 failed."), out
    assert f"Note: {old} is an llmcost store" in err


def test_the_runs_own_store_inside_logs_is_skipped_silently(tmp_path: Path, monkeypatch: object) -> None:
    logs = tmp_path / "project"
    logs.mkdir()
    shutil.copy(GOOD, logs / "good.jsonl")
    for store in (logs / ".llmcost", logs / "mystore"):
        for _ in range(2):  # the second run finds the store written by the first
            code, out, err = _run("ingest", str(logs), "--store", str(store))
            assert code == 0, out + err
            assert "no known format" not in err and "is an llmcost store" not in err, err
        assert out.startswith("0 ingested, 0 replaced, 1 unchanged, 0 unrecognised, 0 failed."), out
    # the first store, a hidden folder, is not walked by the second store's runs either
    code, out, err = _run("ingest", str(logs), "--store", str(logs / "mystore"))
    assert "llmcost store" not in err, err


def test_the_runs_own_store_named_as_input_says_so(tmp_path: Path) -> None:
    """`ingest .llmcost` (the store named as input by mistake) read "0 ingested" with no word why."""
    (tmp_path / "here").mkdir()
    store = _store_in(tmp_path / "here", "store")
    parts = sorted(p.relative_to(store) for p in store.rglob("*.parquet"))
    code, out, err = _run("ingest", str(store), "--store", str(store))
    assert code == 0, out + err
    assert out.startswith("0 ingested, 0 replaced, 0 unchanged, 0 unrecognised, 0 failed."), out
    assert f"Note: {store} is the store this run writes to, not input: nothing in it was read." in err, err
    assert sorted(p.relative_to(store) for p in store.rglob("*.parquet")) == parts  # nothing written


def test_a_stores_manifest_named_as_input_is_the_store_not_an_unknown_format(tmp_path: Path) -> None:
    """A store's manifest.json given as a file was "no known format" (exit 1)."""
    (tmp_path / "here").mkdir()
    old = _store_in(tmp_path / "here", "oldstore")
    code, out, err = _run("ingest", str(old / "manifest.json"), "--store", str(tmp_path / "store"))
    assert code == 0, out + err
    assert "no known format" not in err
    assert out.startswith("0 ingested, 0 replaced, 0 unchanged, 0 unrecognised, 0 failed."), out
    assert f"Note: {old} is an llmcost store" in err, err
    code, out, err = _run("ingest", str(old / "manifest.json"), "--store", str(old))
    assert code == 0 and f"Note: {old} is the store this run writes to" in err, out + err


def test_the_note_is_in_the_report_json_and_its_notes_section_even_when_quiet(tmp_path: Path) -> None:
    # --quiet hides the stderr note (cron runs quiet): the report's last_run must still say why
    # the folder's files were not counted
    logs = tmp_path / "exports"
    logs.mkdir()
    shutil.copy(GOOD, logs / "good.jsonl")
    old = _store_in(logs, "oldstore")
    report = tmp_path / "report.json"
    code, out, err = _run("--logs", str(logs), "--store", str(tmp_path / "store"), "--format", "json", "--quiet",
                          "--out", str(report))
    assert code == 0, out + err
    assert "Note:" not in err
    run = json.loads(report.read_text())["last_run"]
    assert run["problems"] == []
    assert run["notes"] == [{"file": str(old), "note": (
        f"{old} is an llmcost store (it holds manifest.json and the store's Parquet parts), not input: it "
        f"was not read. To report on it: `llmcost-forecast report --store {old}`"
    )}]
    code, out, err = _run("--logs", str(logs), "--store", str(tmp_path / "store"), "--section", "notes")
    assert code == 0, out + err
    assert "Notes on this run" in out and "is an llmcost store" in " ".join(out.split()), out
    # a run with nothing to say has an empty list, not a missing key
    code, out, err = _run("--logs", str(logs / "good.jsonl"), "--store", str(tmp_path / "s2"), "--format", "json")
    assert code == 0 and json.loads(out)["last_run"]["notes"] == [], out + err
