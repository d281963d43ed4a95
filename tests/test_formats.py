"""Every registered format against its fixture folder (tests/fixtures/ingest/<name>/).

A folder holds one `input.*` file (or several `input*` files ingested together) and
`expected.jsonl`: one object per expected stored row (only the keys given are compared, matched
on `source_line`, plus `source_file_suffix` when several inputs share line numbers; `tags` is
compared with the object the row keeps in `extra.tags`, null meaning none) and a last
object with the run's counts and the quarantined lines. Expected rows are worked out by hand from
docs/reference, never produced by the code under test. Adding a fixture folder adds a case; a
format without one fails.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from llmcost import ingest
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def _inputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith("input"))


def _expected(folder: Path) -> tuple[list[dict], dict]:
    rows = [json.loads(line) for line in (folder / "expected.jsonl").read_text().splitlines() if line.strip()]
    summary = rows.pop() if rows and "rows_read" in rows[-1] else {}
    return rows, summary


def _norm(key: str, value):
    if value is None:
        return None
    if key in ("ts", "bucket_end"):
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    if key == "extra" and isinstance(value, str):
        return json.loads(value)  # a JSON object: the order of its keys means nothing
    if key.endswith("_usd") or isinstance(value, Decimal):
        return Decimal(str(value))
    return value


@pytest.mark.parametrize("name", sorted(ingest.registry()))
def test_every_format_has_a_fixture(name: str) -> None:
    folder = FIXTURES / name
    assert folder.is_dir(), f"format {name} has no fixture folder {folder}"
    assert _inputs(folder), f"{folder} has no input* file"
    assert (folder / "expected.jsonl").exists(), f"{folder} has no expected.jsonl"


def _cases() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) if FIXTURES.exists() else []


@pytest.mark.parametrize("name", _cases())
def test_detection_picks_exactly_this_format(name: str) -> None:
    for path in _inputs(FIXTURES / name):
        head = path.read_bytes()[:65536]
        if path.suffix == ".gz":
            import gzip

            head = gzip.decompress(path.read_bytes())[:65536]
        claims = [i.name for i in ingest.detect(head, str(path))]
        assert claims == [name], f"{path.name}: claimed by {claims}"


@pytest.mark.parametrize("name", _cases())
def test_fixture_rows(name: str, tmp_path: Path) -> None:
    folder = FIXTURES / name
    expected, summary = _expected(folder)
    result = load(_inputs(folder), tmp_path / "store")
    failed = [f for f in result.files if f.status not in ("ingested", "replaced")]
    assert not failed, failed
    con = Store.open(tmp_path / "store").connect()
    table = ingest.get(name).table
    view = "usage" if table == "usage" else "costs"
    cur = con.execute(f"SELECT * FROM {view} ORDER BY source_file, source_line")
    cols = [d[0] for d in cur.description]
    stored = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    assert len(stored) == len(expected), f"stored {len(stored)} rows, expected {len(expected)}"
    for exp in expected:
        suffix = exp.get("source_file_suffix")
        match = [
            r
            for r in stored
            if r["source_line"] == exp["source_line"]
            and (suffix is None or r["source_file"].endswith(suffix))
        ]
        assert len(match) == 1, f"no single stored row for {exp}"
        row = match[0]
        for key, value in exp.items():
            if key == "source_file_suffix":
                continue
            if key == "tags":
                kept = json.loads(row["extra"]).get("tags") if row["extra"] else None
                assert kept == value, f"line {exp['source_line']} extra.tags"
                continue
            assert _norm(key, row[key]) == _norm(key, value), f"line {exp['source_line']} {key}"
    if summary:
        totals = {
            k: sum(getattr(f, k) for f in result.files)
            for k in ("rows_read", "rows_stored", "rows_duplicate", "rows_quarantined", "rows_skipped")
        }
        for k in totals:
            if k in summary:
                assert totals[k] == summary[k], k
        if "quarantine" in summary:
            q = Store.open(tmp_path / "store").root / "quarantine"
            lines = (
                sorted(
                    json.loads(line)["line"] for p in q.glob("*.jsonl") for line in p.read_text().splitlines()
                )
                if q.exists()
                else []
            )
            assert lines == sorted(summary["quarantine"])


def test_detect_best_gives_detects_answer_whatever_the_hint() -> None:
    """The loader asks the previous file's format first (ingest.detect_best): every fixture input
    must get detect()'s first claim with any registered format as the hint, or none."""
    formats = [None, *ingest.registry().values()]
    checked = 0
    for name in _cases():
        for path in _inputs(FIXTURES / name):
            raw = path.read_bytes()
            if path.suffix == ".gz":
                import gzip

                raw = gzip.decompress(raw)
            head = raw[:65536]
            want = ingest.detect(bytes(head), str(path))
            for hint in formats:
                got = ingest.detect_best(head, str(path), hint)
                assert got is (want[0] if want else None), f"{path.name} with hint {hint and hint.name}"
                checked += 1
    assert checked > len(formats) * 10
