"""A CSV export whose header differs from the documented one only in case or surrounding spaces
(a spreadsheet's "save as", a client that upper-cases names) is the same export: detected as its
format, read column by column, with the totals of the original. A name the header holds twice up
to case is ambiguous: refused with a message, never read from either column. The same export saved
with semicolons (a spreadsheet where the decimal mark is a comma) or tabs is read alike."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from llmcost import ingest
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"

# format, fixture, (rows stored, input, output, cache read) as in its expected.jsonl, by hand:
CASES = [
    # input 12 + 15 + 9 + 500 = 536; output 200 + 150 + 310 + 60 = 720; read 0 + 3000 + 3230 + 0 = 6230
    ("litellm_spend_logs_csv", "input_spend_logs.csv", (4, 536, 720, 6230)),
    # input 310 + 279 + 2100 = 2689; output 95 + 140 + 120 = 355; no cache columns
    ("helicone_export_csv", "input_export.csv", (3, 2689, 355, 0)),
    # input 279 + 150 + 1900 = 2329; output 140 + 124 + 120 = 384; read 2176 + 2432 + 0 = 4608
    ("langfuse_observations_csv", "input_observations.csv", (3, 2329, 384, 4608)),
]


def _rewrite_header(src: Path, dst: Path, rename, delimiter: str = ",") -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8"), newline="")))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", delimiter=delimiter).writerows([[rename(h) for h in rows[0]], *rows[1:]])
    dst.write_text(out.getvalue(), encoding="utf-8")


def _totals(store: Path) -> tuple[int, int, int, int]:
    con = Store.open(store).connect()
    n, i, o, r = con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens) "
                             "FROM usage").fetchone()
    return int(n), int(i), int(o), int(r)


@pytest.mark.parametrize(("how", "delimiter"), [(str.upper, ","), (lambda h: f"  {h} ", ","), (str, ";"), (str, "\t")],
                         ids=["upper", "spaces", "semicolons", "tabs"])
@pytest.mark.parametrize(("fmt", "name", "want"), CASES, ids=[c[0] for c in CASES])
def test_header_in_another_case_is_the_same_export(  # type: ignore[no-untyped-def]
        tmp_path: Path, fmt: str, name: str, want: tuple[int, int, int, int], how, delimiter: str) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    for sibling in (FIXTURES / fmt).iterdir():  # the Langfuse traces export beside it stays as it is
        if sibling.name not in (name, "expected.jsonl"):
            (folder / sibling.name).write_bytes(sibling.read_bytes())
    f = folder / name
    _rewrite_header(FIXTURES / fmt / name, f, how, delimiter)
    assert [i.name for i in ingest.detect(f.read_bytes()[:65536], str(f))] == [fmt]
    result = load([f], tmp_path / "store")
    assert [(r.status, r.ingestor) for r in result.files] == [("ingested", fmt)]
    assert _totals(tmp_path / "store") == want


def test_a_name_twice_up_to_case_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "export.csv"
    _rewrite_header(FIXTURES / "helicone_export_csv" / "input_export.csv", f,
                    lambda h: "COST" if h == "latency" else ("Cost" if h == "cost" else h))
    # `Cost` and `COST`: which one is the cost is unknown; nothing is read, the run goes on
    result = load([f], tmp_path / "store")
    (r,) = result.files
    assert r.status == "failed" and r.rows_stored == 0
    assert "'cost' twice" in (r.message or "") and "Fix:" in (r.message or "")
