"""Store.reader() and Store.writer(): the lock, the checked manifest, the connection, staging,
garbage collection and the atomic commit (issue 18)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import pytest

from llmcost.errors import StoreError, StoreLockedError
from llmcost.storage import duck
from llmcost.storage.store import FileEntry, Store

SRC = Path(__file__).resolve().parents[2] / "src" / "llmcost"

# Hand-written rows: three events, one of them a stored duplicate (`_dup`), so two are live.
ROWS = """SELECT * FROM (VALUES
    ('e1', TIMESTAMPTZ '2026-09-01 10:00:00+00', false, 'c1', 1),
    ('e2', TIMESTAMPTZ '2026-09-02 10:00:00+00', false, 'c1', 2),
    ('e2', TIMESTAMPTZ '2026-09-02 10:00:00+00', true,  'c1', 2)
) t(event_id, ts, _dup, conversation_id, turn)"""


def _entry(key: str, seq: int, parts: list[str]) -> FileEntry:
    return FileEntry(path=key, size=1, sha256="0" * 64, ingestor="test", table="usage", seq=seq,
                     ingested_at="2026-09-03T00:00:00Z", rows_read=3, rows_stored=2, rows_duplicate=1,
                     parts=parts, months=["2026-09"])


def _store(tmp_path: Path) -> tuple[Store, str]:
    """A store with one committed part of ROWS, written through the writer."""
    store = Store.open(tmp_path / "s", create=True)
    with store.writer() as w:
        rel = w.write_part(ROWS, "usage/month=2026-09/a.parquet")
        w.manifest.files["a.jsonl"] = _entry("a.jsonl", 1, [rel])
        w.manifest.next_seq = 2
        w.commit()
    return store, rel


def _manifest_bytes(store: Store) -> bytes:
    return (store.root / "manifest.json").read_bytes()


def test_reader_gives_the_checked_manifest_and_the_usage_view_and_closes(tmp_path: Path) -> None:
    store, rel = _store(tmp_path)
    with store.reader() as r:
        assert r.manifest.parts("usage") == [rel]
        assert r.con.execute("SELECT count(*) FROM usage").fetchall() == [(2,)]  # e2's _dup copy hidden
        assert r.con.execute("SELECT count(*) FROM usage_all").fetchall() == [(3,)]
        con = r.con
    with pytest.raises(duckdb.Error):
        con.execute("SELECT 1")  # closed on exit
    with store.writer(wait=0):  # and the shared lock released
        pass


def test_reader_refuses_a_damaged_store(tmp_path: Path) -> None:
    store, rel = _store(tmp_path)
    (store.root / rel).unlink()
    with pytest.raises(StoreError, match=r"damaged.*missing part"), store.reader():
        pass
    with pytest.raises(StoreError, match="damaged"), store.writer():
        pass


def test_writer_excludes_readers_and_writers_and_readers_share(tmp_path: Path) -> None:
    store, _ = _store(tmp_path)
    with store.writer():
        with pytest.raises(StoreLockedError, match=rf"is busy: pid {os.getpid()} .*--wait"), store.reader(wait=0):
            pass
        with pytest.raises(StoreLockedError), Store(store.root).writer(wait=0):
            pass
    with store.reader() as r1, Store(store.root).reader(wait=0) as r2:
        assert r1.con.execute("SELECT count(*) FROM usage").fetchall() == r2.con.execute(
            "SELECT count(*) FROM usage").fetchall() == [(2,)]
        with pytest.raises(StoreLockedError, match="is busy"), store.writer(wait=0):
            pass


def test_a_failure_before_the_commit_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store, rel = _store(tmp_path)
    before = _manifest_bytes(store)
    new = "usage/month=2026-09/b.parquet"
    with pytest.raises(RuntimeError, match="boom"), store.writer() as w:
        w.write_part(ROWS, new)
        w.manifest.files["b.jsonl"] = _entry("b.jsonl", 2, [new])
        w.rewrite_part(rel, "SELECT * REPLACE (true AS _dup) FROM read_parquet(?)", [str(w.path(rel))])
        raise RuntimeError("boom")  # a crash between staging and the commit
    assert _manifest_bytes(store) == before
    assert (store.root / rel).exists() and (store.root / new).exists()  # an unlisted orphan until the next writer
    with store.reader() as r:
        assert r.con.execute("SELECT count(*) FROM usage").fetchall() == [(2,)]
    with store.writer():
        pass  # its entry collects the garbage
    assert not (store.root / new).exists()
    assert sorted(p.name for p in (store.root / "usage").rglob("*.parquet")) == ["a.parquet"]
    assert not (store.root / ".staging").exists() or not any((store.root / ".staging").iterdir())


def test_a_failed_manifest_write_keeps_the_old_state_and_the_retired_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, rel = _store(tmp_path)
    before = _manifest_bytes(store)

    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    with store.writer() as w:
        new = w.rewrite_part(rel, "SELECT * REPLACE (false AS _dup) FROM read_parquet(?)", [str(w.path(rel))])
        monkeypatch.setattr(os, "replace", fail)  # the manifest's rename fails
        with pytest.raises(OSError):
            w.commit()
        monkeypatch.undo()
    assert _manifest_bytes(store) == before
    assert (store.root / rel).exists()  # still live: not deleted by the failed commit
    with store.reader() as r:
        assert r.manifest.parts("usage") == [rel]
    with store.writer():
        pass
    assert not (store.root / new).exists()


def test_rewrite_part_commits_the_new_part_then_deletes_the_old(tmp_path: Path) -> None:
    store, rel = _store(tmp_path)
    with store.writer() as w:
        new = w.rewrite_part(rel, "SELECT * REPLACE (false AS _dup) FROM read_parquet(?)", [str(w.path(rel))])
        assert re.fullmatch(r"usage/month=2026-09/a-r[0-9a-f]{12}\.parquet", new)
        assert w.manifest.files["a.jsonl"].parts == [new]
        assert (store.root / rel).exists()  # the old part stays until the commit
        assert Store(store.root).read_manifest().parts("usage") == [rel]
        w.commit()
        assert not (store.root / rel).exists()
        assert Store(store.root).read_manifest().parts("usage") == [new]
    with store.reader() as r:
        assert r.con.execute("SELECT count(*) FROM usage").fetchall() == [(3,)]  # no copy is a duplicate now
    with store.writer() as w, pytest.raises(StoreError, match="immutable"):
        w.write_part(ROWS, new)  # a live part is never overwritten


def test_a_checkpoint_commit_keeps_the_retired_parts_until_the_final_one(tmp_path: Path) -> None:
    store, rel = _store(tmp_path)
    with store.writer() as w:
        new = w.rewrite_part(rel, "SELECT * FROM read_parquet(?)", [str(w.path(rel))])
        w.commit(keep_retired=True)
        assert Store(store.root).read_manifest().parts("usage") == [new]
        assert (store.root / rel).exists()
        w.commit()
    assert not (store.root / rel).exists() and (store.root / new).exists()


def test_writer_collects_garbage_on_entry_and_keeps_what_is_listed(tmp_path: Path) -> None:
    store, rel = _store(tmp_path)
    orphan = store.root / "usage" / "month=2026-08" / "orphan.parquet"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"PAR1")
    stale = store.root / ".staging" / "dead-run"
    stale.mkdir(parents=True)
    (stale / "x").write_text("x")
    tmp_manifest = store.root / ".manifest.json.deadbeef.tmp"
    tmp_manifest.write_text("{}")
    with store.writer() as w:
        assert not orphan.exists() and not stale.exists() and not tmp_manifest.exists()
        assert (store.root / rel).exists()
        assert w.work.is_dir()
        w.write_part(ROWS, "usage/month=2026-10/late.parquet")
        assert w.collect_garbage() == 1  # called again: the unlisted part just written goes too
        assert w.work.is_dir()
    assert sorted(p.relative_to(store.root).as_posix() for p in (store.root / "usage").rglob("*.parquet")) == [rel]


def test_one_memory_limit_for_reader_and_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = _store(tmp_path)

    def shown(limit: str) -> str:  # how DuckDB itself shows a limit given as `limit`
        with duckdb.connect(config={"memory_limit": limit}) as con:
            return str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])

    monkeypatch.delenv(duck.MEMORY_ENV, raising=False)
    for limit in (duck.MEMORY_LIMIT, "123MB"):
        if limit != duck.MEMORY_LIMIT:
            monkeypatch.setenv(duck.MEMORY_ENV, limit)
        with store.reader() as r:
            got = {r.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]}
        with store.writer() as w:
            got.add(w.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
            assert w.con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0].startswith(str(w.work))
        assert got == {shown(limit)}, limit


def test_every_duckdb_connection_is_made_in_llmcost_duck() -> None:
    callers = [p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
               if "duckdb.connect(" in p.read_text(encoding="utf-8")]
    assert callers == ["storage/duck.py"]


def test_the_cli_help_states_the_one_memory_limit() -> None:
    from typer.testing import CliRunner

    from llmcost.cli import app

    for cmd in ([], ["ingest"], ["report"], ["compact"], ["export-focus"]):
        res = CliRunner().invoke(app, [*cmd, "--help"])
        text = " ".join(res.output.split())
        assert res.exit_code == 0 and f"a limit of {duck.MEMORY_LIMIT} for ingest and report" in text, cmd
        assert f"{duck.MEMORY_ENV}=8GB" in text, cmd


def test_turn_fill_over_parts_equals_the_plain_window(tmp_path: Path) -> None:
    """The reader's turn fill (a small table of the numbers, joined back by part and row) gives
    every live row the turn of the plain definition, a window over all live rows by ts,
    source_file, source_line, event_id, computed here independently; over two parts (two runs)
    with duplicates (`_dup`, a copied file) in them, and the same columns as `usage_all`."""
    import shutil

    from llmcost.ingest.loader import load

    fixture = Path(__file__).parents[1] / "fixtures" / "ingest" / "claude_code_jsonl"
    proj = tmp_path / "projects" / "-home-dev-shop"
    proj.mkdir(parents=True)
    shutil.copy(fixture / "input_session.jsonl", proj / "s1.jsonl")
    load([tmp_path / "projects"], tmp_path / "store")
    shutil.copy(fixture / "input_subagent.jsonl", proj / "s2.jsonl")
    shutil.copy(fixture / "input_session.jsonl", proj / "s3.jsonl")  # a copy: its rows are stored as _dup
    load([tmp_path / "projects"], tmp_path / "store")
    store = Store.open(tmp_path / "store")
    assert len(store.read_manifest().parts("usage")) == 2
    con = store.connect()
    assert con.execute("SELECT count(*) FROM usage_all WHERE _dup").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM usage_all WHERE turn IS NOT NULL").fetchone()[0] == 0
    plain = con.execute(
        """SELECT event_id, CAST(row_number() OVER (PARTITION BY conversation_id
                  ORDER BY ts, source_file, source_line, event_id) AS INTEGER)
           FROM usage_all WHERE NOT _dup ORDER BY event_id"""
    ).fetchall()
    got = con.execute("SELECT event_id, turn FROM usage ORDER BY event_id").fetchall()
    assert got == plain and len(got) == 4
    assert [r[0] for r in con.execute("DESCRIBE usage").fetchall()] == [
        r[0] for r in con.execute("DESCRIBE usage_all").fetchall()
    ]


def test_the_tables_views_hold_the_stored_columns_only(tmp_path: Path) -> None:
    """A file read on the fast path with nothing to reject keeps its stage file as the part, with the
    stage's bookkeeping columns (`_error`, `_raw`, ...) all NULL; union_by_name put them in `usage`
    and `usage_all` (and `SELECT *` showed them). The views hold the schema's and the internal
    columns, in the schema's order, whatever the parts hold."""
    import json

    from llmcost.ingest.loader import load
    from llmcost.storage.schema import INTERNAL_COLUMNS, TABLES

    body = {"object": "chat.completion", "created": 1790000000, "model": "gpt-4o-2024-08-06",
            "usage": {"prompt_tokens": 10, "completion_tokens": 5}}
    log = tmp_path / "bodies.jsonl"
    log.write_text("".join(json.dumps(body | {"id": f"chatcmpl-{i}"}) + "\n" for i in range(3)))
    load([log], tmp_path / "store")
    parts = Store(tmp_path / "store").read_manifest().parts("usage")
    con = Store.open(tmp_path / "store").connect()
    try:
        in_part = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM '{tmp_path / 'store' / parts[0]}'").fetchall()}
        assert "_error" in in_part  # the case this guards: the part is the stage file
        want = [c.name for c in (*TABLES["usage"], *INTERNAL_COLUMNS)]
        for view in ("usage_all", "usage"):
            assert [r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()] == want
        assert con.execute("SELECT count(*), sum(output_tokens) FROM usage").fetchone() == (3, 15)
    finally:
        con.close()
