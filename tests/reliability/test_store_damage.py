"""A damaged or foreign store is detected and reported with a fix, by both `ingest` and `report`.

Exit code 3 (a store problem, llmcost.errors.StoreError) and one `Error: ...` line naming what is
wrong and how to fix it; never a traceback, never a silent read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

REPO = Path(__file__).resolve().parents[2]
LOGS = REPO / "sample_logs" / "app-logs"


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("healthy") / "store"
    load([LOGS], store)
    return store


def _copy(healthy: Path, tmp: Path) -> Path:
    import shutil

    dest = tmp / "store"
    shutil.copytree(healthy, dest)
    return dest


def _first_part(store: Path) -> Path:
    m = Store.open(store).read_manifest()
    return store / m.parts("usage")[0]


def _garbage(store: Path) -> None:
    p = _first_part(store)
    p.write_bytes(b"this is not parquet " * 50)


def _truncated(store: Path) -> None:
    p = _first_part(store)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _tiny(store: Path) -> None:
    _first_part(store).write_bytes(b"PA")


def _missing(store: Path) -> None:
    _first_part(store).unlink()


def _footer_overwritten(store: Path) -> None:
    p = _first_part(store)
    data = bytearray(p.read_bytes())
    data[-8:-4] = (10**9).to_bytes(4, "little")
    p.write_bytes(bytes(data))


def _manifest(text: str) -> Callable[[Path], None]:
    def damage(store: Path) -> None:
        (store / "manifest.json").write_text(text)

    return damage


def _truncated_manifest(store: Path) -> None:
    m = store / "manifest.json"
    m.write_bytes(m.read_bytes()[:200])


def _manifest_edit(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def damage(store: Path) -> None:
        data = json.loads((store / "manifest.json").read_text())
        edit(data)
        (store / "manifest.json").write_text(json.dumps(data))

    return damage


def _outside(data: dict) -> None:
    next(iter(data["files"].values()))["parts"] = ["../../../etc/passwd"]


CASES = {
    "part overwritten with garbage": (_garbage, "is damaged"),
    "part truncated": (_truncated, "is damaged"),
    "part of two bytes": (_tiny, "is damaged"),
    "part deleted": (_missing, "missing part"),
    "part footer length wrong": (_footer_overwritten, "is damaged"),
    "manifest truncated": (_truncated_manifest, "is corrupted"),
    "manifest not JSON": (_manifest("\x00\x01garbage"), "is corrupted"),
    "manifest from another tool": (_manifest('{"name": "some-other-tool", "version": 3}'), "is not an llmcost"),
    "manifest is a JSON list": (_manifest("[1, 2, 3]"), "is not an llmcost"),
    "manifest from a newer version": (_manifest_edit(lambda d: d.update(version=99)), "newer llmcost-forecast"),
    # a field a later version added to an entry: "upgrade", not "malformed entry ... delete the store"
    "manifest entry with a field from a newer version": (
        _manifest_edit(lambda d: next(iter(d["files"].values())).update(future_field=1)),
        "does not know in its entry for"),
    "manifest files of the wrong type": (_manifest_edit(lambda d: d.update(files=[1, 2])), "malformed"),
    "manifest entry of the wrong type": (
        _manifest_edit(lambda d: d["files"].update({"x": "y"})), "malformed entry"),
    "manifest next_seq of the wrong type": (_manifest_edit(lambda d: d.update(next_seq="7")), "malformed"),
    "manifest lists a part outside the store": (_manifest_edit(_outside), "outside the store"),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["report", "ingest"])
def test_damaged_store_is_reported_with_a_fix(case: str, command: str, healthy: Path, tmp_path: Path) -> None:
    store = _copy(healthy, tmp_path)
    damage, expected = CASES[case]
    damage(store)
    before = {p: p.read_bytes() for p in store.rglob("*") if p.is_file() and p.name != ".lock"}
    args = ["report", "--store", str(store)] if command == "report" else ["ingest", str(LOGS), "--store", str(store)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 3, (res.output, res.exception)
    err = res.stderr
    assert err.startswith("Error: ") and expected in err and "Fix:" in err, err
    assert err.count("\n") == 1, err
    # nothing was changed by the refused run (the damage is left for the user to see)
    after = {p: p.read_bytes() for p in store.rglob("*") if p.is_file() and p.name != ".lock"}
    assert after == before


def test_foreign_directory_is_not_used_as_a_store(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    res = CliRunner().invoke(app, ["ingest", str(LOGS), "--store", str(tmp_path)])
    assert res.exit_code == 3 and "is not an llmcost store" in res.stderr and "Fix:" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_first_run_that_stored_nothing_leaves_a_usable_store(tmp_path: Path) -> None:
    """Every file failing on a new store must not leave a directory `report` calls foreign."""
    bad = tmp_path / "in" / "broken.jsonl.gz"
    bad.parent.mkdir()
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    store = tmp_path / "store"
    res = CliRunner().invoke(app, ["ingest", str(bad), "--store", str(store)])
    assert res.exit_code == 1, res.output
    res = CliRunner().invoke(app, ["report", "--store", str(store), "--format", "json"])
    # the store is usable (not "foreign", exit 3): the report is written and says it holds no data
    # yet, exit 1 (docs/cron.md)
    assert res.exit_code == 1, res.output
    assert json.loads(res.stdout)["period"]["has_data"] is False
    assert "Warning: no data: the store holds no usage or cost rows yet" in res.stderr


def test_part_damaged_in_place_is_one_error_line(healthy: Path, tmp_path: Path) -> None:
    """Bytes overwritten inside a part, footer intact: the quick check (magic bytes and footer
    length) passes, DuckDB's read fails; the report says so in one line, exit 3, no traceback."""
    store = _copy(healthy, tmp_path)
    p = _first_part(store)
    data = bytearray(p.read_bytes())
    data[4:404] = b"\xff" * 400  # the first column chunk's page header and data
    p.write_bytes(bytes(data))
    assert Store.open(store).verify() == []  # not detected by the quick check
    res = CliRunner().invoke(app, ["report", "--store", str(store), "--format", "json"])
    assert res.exit_code == 3, res.output
    assert res.output.startswith("Error: DuckDB could not read the store")
    assert "Fix: delete the store directory" in res.output
    assert "Traceback" not in res.output
