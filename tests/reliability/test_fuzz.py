"""Hostile input: every registered format, fed mutants of its own fixture, never raises.

Each format's fixture inputs (tests/fixtures/ingest/<name>/) are mutated (tests/reliability/
mutate.py: truncation, encodings and BOMs, CRLF, huge lines, deep nesting, odd values, duplicate
keys, empty files, flipped bytes). Half the mutants are ingested with the format forced (so its
parser sees the garbage), half through detection; all of one kind in one `Loader.run` over one
store, so duplicates and replaced files are exercised too. The promises checked after every run
(tests/reliability/invariants.py): no exception, each file ingested with rows_read = stored +
duplicate + quarantined or failed/unrecognised with a one-line message, and the store agrees with
its manifest.

The same mutations put names that carry markup, escape sequences or spreadsheet formulas into
string values (tests/reliability/hostile.py), and one end-to-end case lays such mutants out under
hostile file and folder names beside FIFOs, a socket, a device and broken links, ingests them
through the CLI with a timeout and checks every output format for anything active
(tests/reliability/inert.py).

Budget: LLMCOST_FUZZ_CASES mutants per format (default 30, about 1,000 loader cases, plus 1,500
mutated heads through detection and 25 property examples) with seed
LLMCOST_FUZZ_SEED; LLMCOST_FUZZ_LONG=1 runs the long version (600 per format, about 20,000
cases; figures in docs/reliability.md); LLMCOST_FUZZ_NAMED mutants per format (default 2) in
the end-to-end case.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import hypothesis.strategies as st
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from llmcost import ingest
from llmcost.cli import app
from llmcost.ingest.loader import Loader
from llmcost.storage.store import Store
from tests.reliability import inert, mutate
from tests.reliability.harness import CLI
from tests.reliability.hostile import secret_leaks
from tests.reliability.invariants import check_results, check_store

SEED = int(os.environ.get("LLMCOST_FUZZ_SEED", "20261124"))
PER_FORMAT = int(os.environ.get("LLMCOST_FUZZ_CASES", "30"))
LONG = os.environ.get("LLMCOST_FUZZ_LONG") == "1"
LONG_PER_FORMAT = 600
FORMATS = sorted(n for n in ingest.registry() if mutate.inputs(n))


def _run(store_dir: Path, files: list[Path], source: str | None) -> tuple[list[str], list]:
    store = Store.open(store_dir, create=True)
    result = Loader(store, source=source).run(files)  # a writer of the store: it takes the lock
    problems = check_results(result.files) + check_store(store_dir)
    if len(result.files) != len(files):
        problems.append(f"{len(files)} files in, {len(result.files)} results out")
    return problems, result.files


def _culprit(tmp: Path, files: list[Path], source: str | None) -> str:
    """The first mutant that raises on its own (kept beside the test's tmp dir for reproduction)."""
    for i, p in enumerate(files):
        try:
            _run(tmp / f"bisect{i}", [p], source)
        except Exception as e:
            return f"{p.name}: {type(e).__name__}: {str(e)[:300]}"
    return "no single mutant raises alone"


def fuzz_format(name: str, count: int, seed: int, tmp: Path) -> tuple[int, list[str], dict[str, int]]:
    """Ingest `count` mutants of `name`; return (cases, problems, statuses seen)."""
    made = mutate.write_mutants(name, count, seed, tmp / "in")
    files = [p for p, _ in made]
    problems: list[str] = []
    statuses: dict[str, int] = {}
    for mode, chosen, source in (("forced", files[0::2], name), ("detected", files[1::2], None)):
        try:
            found, results = _run(tmp / f"store-{mode}", chosen, source)
        except Exception as e:
            problems.append(f"{name} {mode}: {type(e).__name__}: {e}; culprit {_culprit(tmp, chosen, source)}")
            continue
        mutations = dict(made)
        for f in results:
            statuses[f.status] = statuses.get(f.status, 0) + 1
        problems += [f"{name} {mode}: {p} (mutations {mutations.get(Path(p.split(' ')[0]), '?')})" for p in found]
    return len(files), problems, statuses


@pytest.mark.parametrize("name", FORMATS)
def test_fuzz_format_never_raises_and_counts_add_up(name: str, tmp_path: Path) -> None:
    cases, problems, statuses = fuzz_format(name, PER_FORMAT, SEED, tmp_path)
    assert cases == PER_FORMAT
    assert not problems, "\n".join(problems[:20])
    # the mutants must reach the parser, not only bounce off detection
    assert statuses.get("ingested", 0) + statuses.get("replaced", 0) > 0, statuses


@pytest.mark.skipif(not LONG, reason="the long fuzz run: set LLMCOST_FUZZ_LONG=1 (about 20,000 cases)")
@pytest.mark.parametrize("name", FORMATS)
def test_fuzz_long(name: str, tmp_path: Path) -> None:
    problems: list[str] = []
    for batch in range(LONG_PER_FORMAT // 100):
        work = tmp_path / f"b{batch}"
        _, found, _ = fuzz_format(name, 100, SEED + batch, work)
        problems += found
        shutil.rmtree(work, ignore_errors=True)
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("source", ["helicone_export_csv", "langfuse_observations_csv", "litellm_spend_logs_csv"])
def test_a_csv_header_cell_over_128_kib_fails_that_file_only(tmp_path: Path, source: str) -> None:
    # Found by the long run (seed 20261204): Python's csv module refuses a cell over 131,072
    # characters, and its error stopped the whole run with a traceback when --source was given.
    bad = tmp_path / "in" / "bad.csv"
    bad.parent.mkdir()
    bad.write_text('id,model,"' + "x" * 140_000 + "\n1,gpt-4o,2\n")
    good = tmp_path / "in" / "good.csv"
    good.write_text("id,model\n1,gpt-4o\n")
    result = Loader(Store.open(tmp_path / "store", create=True), source=source).run([bad, good])
    status = {Path(f.path).name: f for f in result.files}
    assert status["bad.csv"].status == "failed"
    assert status["bad.csv"].message is not None
    assert f"{bad}:1: the header line cannot be split" in status["bad.csv"].message
    assert "Fix:" in status["bad.csv"].message
    assert status["good.csv"].status != "failed"


CSV_FORMATS = [n for n in FORMATS if any(p.suffix == ".csv" for p in mutate.inputs(n))]


@pytest.mark.parametrize("name", CSV_FORMATS)
def test_a_csv_line_of_70000_empty_cells_is_read_as_a_short_one(tmp_path: Path, name: str) -> None:
    """Found by seed 9192 (mutate._huge_line): DuckDB's CSV sniffer made a column of every cell of
    the widest line and ran out of its 2 GB on a 70 KB file, which failed whole ("Out of Memory").
    Such a line is now what a line of five empty cells is: a blank row or a quarantined one."""
    src = next(p for p in mutate.inputs(name) if p.suffix == ".csv")
    lines = src.read_bytes().split(b"\n")
    counts = {}
    for case, width in (("short", 5), ("long", 70_000)):
        folder = tmp_path / case
        folder.mkdir()
        for s in mutate.siblings(name):
            (folder / s.name).write_bytes(s.read_bytes())
        (folder / src.name).write_bytes(b"\n".join([*lines[:2], b"," * width, *lines[2:]]))
        problems, (r,) = _run(tmp_path / f"store-{case}", [folder / src.name], name)
        assert not problems, problems
        counts[case] = (r.status, r.rows_read, r.rows_stored, r.rows_duplicate, r.rows_quarantined, r.message)
    assert counts["short"][0] == "ingested", counts
    assert counts["long"] == counts["short"]


def test_report_runs_over_a_store_built_from_hostile_input(tmp_path: Path) -> None:
    """Mutants of every format in one store; the report renders in every format without a traceback."""
    from llmcost.report import FORMATS as REPORT_FORMATS

    files = []
    for name in FORMATS:
        files += [p for p, _ in mutate.write_mutants(name, 3, SEED + 7, tmp_path / "in" / name)]
    problems, _ = _run(tmp_path / "store", files, None)
    assert not problems, problems[:10]
    runner = CliRunner()
    for fmt in REPORT_FORMATS:
        res = runner.invoke(app, ["report", "--store", str(tmp_path / "store"), "--format", fmt,
                                  "--out", str(tmp_path / f"r.{fmt}")])
        assert res.exit_code == 0, (fmt, res.output, res.exception)
    # and nothing in them is active (the mutants carry hostile names too: mutate._json_names)
    out = {fmt: tmp_path / f"r.{fmt}" for fmt in REPORT_FORMATS}
    bad = {
        "table": inert.terminal_problems(out["table"].read_text()),
        "md": inert.markdown_problems(out["md"].read_text()),
        "html": inert.html_problems(out["html"].read_text()),
        "json": inert.json_problems(out["json"].read_text()),
        **{f"csv {f.name}": inert.csv_problems(f.read_bytes().decode()) for f in out["csv"].glob("*.csv")},
    }
    assert not {k: v for k, v in bad.items() if v}, bad


# ---- the Python side of detection: thousands of heads, cheaply ----------------------------------------

def _fixture_heads() -> list[bytes]:
    heads = []
    for name in FORMATS:
        for p in mutate.inputs(name):
            heads.append(p.read_bytes()[:65536])
    return heads


HEADS = _fixture_heads()


@settings(max_examples=1500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_detection_never_raises_on_mutated_heads(data: st.DataObject) -> None:
    """detect() and the sniffing helpers take any bytes: mutated fixture heads and random bytes."""
    r = random.Random(data.draw(st.integers(0, 2**32)))
    if data.draw(st.booleans()):
        head = data.draw(st.binary(max_size=2048))
    else:
        head = r.choice(HEADS)
        for _ in range(r.randint(1, 3)):
            head = r.choice(mutate.BYTE_MUTATIONS + mutate.JSON_MUTATIONS + mutate.CSV_MUTATIONS)(r, head)
        head = head[:65536]
    ingest.detect(head, "/nonexistent/input.jsonl")
    ingest.first_json(head)
    ingest.json_lines(head)
    ingest.csv_header(head)


# ---- property: clean rows are never lost among hostile ones -----------------------------------------

ODD_TOKENS = st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
                       st.text(max_size=12), st.none(), st.sampled_from([[], {}, True]))
ODD_TS = st.one_of(st.sampled_from(["1969-12-31T23:59:59Z", "2999-01-01T00:00:00Z", "0000-00-00", "", "soon",
                                    "1900-01-01T00:00:00Z", "2026-02-30T00:00:00Z"]),
                   st.integers(-(10**12), 10**19), st.none())


def _openai_line(i: int, ts: object, prompt: object, completion: object) -> str:
    return json.dumps({"ts": ts, "response": {"id": f"chatcmpl-p{i}", "object": "chat.completion",
                                              "created": 1790000000 + i, "model": "gpt-4o-2024-08-06",
                                              "usage": {"prompt_tokens": prompt, "completion_tokens": completion}}})


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(st.booleans(), ODD_TS, ODD_TOKENS, ODD_TOKENS), min_size=1, max_size=30))
def test_clean_rows_survive_among_odd_ones(tmp_path_factory: pytest.TempPathFactory, rows: list) -> None:
    """Rows with plain values are stored whatever surrounds them; every row is accounted for."""
    tmp = tmp_path_factory.mktemp("odd")
    lines, clean = [], 0
    for i, (is_clean, ts, p, c) in enumerate(rows):
        if is_clean:
            lines.append(_openai_line(i, f"2026-10-{1 + i % 28:02d}T10:00:00Z", 100 + i, 10 + i))
            clean += 1
        else:
            lines.append(_openai_line(i, ts, p, c))
    (tmp / "app.jsonl").write_text("\n".join(lines) + "\n")
    problems, results = _run(tmp / "store", [tmp / "app.jsonl"], "openai_response_jsonl")
    assert not problems, problems
    (r,) = results
    assert r.status == "ingested" and r.rows_read == len(rows)
    assert r.rows_stored >= clean


def test_sqlite_text_in_an_integer_column_fails_the_file_not_the_run(tmp_path: Path) -> None:
    """Found by the long fuzz run: SQLite keeps 'ten' in an INTEGER column; Arrow refused it and raised."""
    import sqlite3

    db = tmp_path / "logs.db"
    shutil.copy(mutate.FIXTURES / "simonw_llm_logs_sqlite" / "input_logs_v0.31.db", db)
    con = sqlite3.connect(db)
    con.execute("UPDATE responses SET input_tokens = 'ten' WHERE rowid = (SELECT min(rowid) FROM responses)")
    con.commit()
    con.close()
    good = tmp_path / "app.jsonl"
    shutil.copy(mutate.FIXTURES / "openai_response_jsonl" / "input.jsonl", good)
    problems, results = _run(tmp_path / "store", [db, good], None)
    assert not problems, problems
    by_name = {Path(r.path).name: r for r in results}
    assert by_name["logs.db"].status == "failed" and "ten" in (by_name["logs.db"].message or "")
    assert by_name["app.jsonl"].status == "ingested"


def test_a_quarantined_row_holding_u2028_counts_as_one_line(tmp_path: Path) -> None:
    """Found by seed 7071 (a UTF-16 Codebuff file read as UTF-8): the quarantine keeps U+2028 raw in
    a row's shape, as JSON allows; the store check split the file at it and read half a record."""
    app = tmp_path / "app.jsonl"
    good = (mutate.FIXTURES / "openai_response_jsonl" / "input.jsonl").read_text(encoding="utf-8")
    app.write_text(good + "not json \u2028 at all\n", encoding="utf-8")
    problems, results = _run(tmp_path / "store", [app], "openai_response_jsonl")
    assert not problems, problems
    (q,) = (tmp_path / "store" / "quarantine").glob("*.jsonl")
    assert "\u2028" in q.read_text(encoding="utf-8")  # not vacuous: the shape keeps it raw
    assert results[0].rows_quarantined == q.read_text(encoding="utf-8").count("\n")


# ---- hostile names and files, end to end ------------------------------------------------------------

NAMED_PER_FORMAT = int(os.environ.get("LLMCOST_FUZZ_NAMED", "2"))


def test_fuzz_hostile_names_and_files_end_to_end(tmp_path: Path) -> None:
    """Every format's fixtures with hostile names in their values (markup, escape sequences, formula
    starts, HTML, line breaks), under file and folder names that carry the same or are not UTF-8,
    beside FIFOs, a socket, a device, dangling links and link loops; ingested by the CLI in a
    subprocess with a timeout, then reported in every format. No traceback, no hang, every entry
    accounted for (ingested with read = stored + duplicate + quarantined, or failed/unrecognised
    with a Warning line), nothing active in any output (tests/reliability/inert.py)."""
    logs = tmp_path / "logs"
    made = mutate.write_hostile_tree(FORMATS, NAMED_PER_FORMAT, SEED, logs)
    store = tmp_path / "store"
    try:
        p = subprocess.run([*CLI, "ingest", str(logs), "--store", str(store)], capture_output=True, text=True,
                           timeout=600, env={**os.environ, "NO_COLOR": "1"}, check=False)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"ingest did not finish in 600 s (blocked on a special file?): {e}")
    assert p.returncode == 1, p.stderr[-3000:]  # the special entries fail, the rest goes in
    assert "Traceback" not in p.stderr, p.stderr[-3000:]
    counts = re.match(r"(\d+) ingested, (\d+) replaced, (\d+) unchanged, (?:(\d+) companion .*?, )?"
                      r"(\d+) unrecognised, (\d+) failed\.", p.stdout)
    assert counts, p.stdout
    ingested, replaced, unchanged, companion, unrecognised, failed = (int(x or 0) for x in counts.groups())
    warned = [line for line in p.stderr.splitlines() if line.startswith("Warning: ")]
    # a JSON document read as far as it holds is ingested, and warned about too (ingest.commit)
    salvaged = [line for line in warned if " is a JSON document that breaks at record " in line]
    # nothing lost: each entry walked has exactly one outcome; each not ingested has its Warning line
    assert ingested + replaced + unchanged + companion + unrecognised + failed == made["files"] + made["special"]
    assert len(warned) - len(salvaged) == unrecognised + failed
    assert len(salvaged) <= ingested + replaced
    assert failed >= made["special"]
    assert inert.terminal_problems(p.stderr) == []
    assert check_store(store) == []
    manifest = Store(store).read_manifest()
    # a FOCUS file's token rows are a derived entry of that file, not a file of their own; a companion
    # file (an Anthropic batch object, say) holds no rows and is not recorded
    assert len([f for f in manifest.files.values() if f.derived_from is None]) == ingested + replaced
    assert all(f.rows_read == f.rows_stored + f.rows_duplicate + f.rows_skipped + f.rows_quarantined
               for f in manifest.files.values())

    # nothing active in any output
    runner = CliRunner()
    base = ["report", "--store", str(store), "--no-forecast"]
    problems: dict[str, list[str]] = {}
    outputs: dict[str, str] = {}
    for view in ([], ["--full"]):
        res = runner.invoke(app, [*base, *view])
        assert res.exit_code == 0, (view, res.output[-2000:], res.exception)
        problems[f"table {view}"] = inert.terminal_problems(res.output)
        outputs[f"table {view}"] = res.output
    for fmt, check in (("md", inert.markdown_problems), ("html", inert.html_problems),
                       ("json", inert.json_problems)):
        out = tmp_path / f"r.{fmt}"
        res = runner.invoke(app, [*base, "--format", fmt, "--out", str(out)])
        assert res.exit_code == 0, (fmt, res.output[-2000:], res.exception)
        problems[fmt] = check(out.read_bytes().decode("utf-8"))
    res = runner.invoke(app, [*base, "--format", "csv", "--out", str(tmp_path / "csv")])
    assert res.exit_code == 0, res.output[-2000:]
    for f in sorted((tmp_path / "csv").glob("*.csv")):
        problems[f"csv {f.name}"] = inert.csv_problems(f.read_bytes().decode("utf-8"))
    res = runner.invoke(app, ["export-focus", "--store", str(store), "--out", str(tmp_path / "focus.csv")])
    assert res.exit_code == 0, res.output[-2000:]
    problems["focus"] = inert.csv_problems((tmp_path / "focus.csv").read_bytes().decode("utf-8"))
    bad = {k: v[:5] for k, v in problems.items() if v}
    assert not bad, bad
    # no secret in clear (hostile.SECRETS, planted in values and file names): not in the CLI's
    # output, any report, the FOCUS export, nor any file of the store (Parquet decoded, the
    # manifest, the quarantine)
    texts = {"ingest stdout": p.stdout, "ingest stderr": p.stderr, **outputs}
    for f in sorted(tmp_path.glob("r.*")) + sorted((tmp_path / "csv").glob("*.csv")) + [tmp_path / "focus.csv"]:
        texts[f.name] = f.read_bytes().decode("utf-8", "replace")
    for f in sorted(x for x in store.rglob("*") if x.is_file()):
        texts[str(f)] = f.read_bytes().decode("utf-8", "replace")
        if f.suffix == ".parquet":
            texts[f"{f} (decoded)"] = repr(pl.read_parquet(f).rows())
    leaked = {k: secret_leaks(v) for k, v in texts.items() if secret_leaks(v)}
    assert not leaked, leaked
    # not vacuous: masked secrets did reach the stored rows, and masked file names the manifest
    assert any("***" in v for k, v in texts.items() if k.endswith("(decoded)"))
    assert re.search(r"\*\*\*[^\"]* #[0-9a-f]{8}", (store / "manifest.json").read_text())
    # and the names did reach the outputs (the test is not vacuous): a model or project is hostile
    doc = json.loads((tmp_path / "r.json").read_text())
    seen = {m["model"] for m in doc["by_provider_model"]} | {pr["project"] for pr in doc["by_project"]}
    assert seen & set(mutate.HOSTILE_NAMES), sorted(x for x in seen if x)[:20]
