"""Several machines in one store: --label KEY=VALUE on the rows of a run, the same replies stored
once, and each label's share in the report (issue 20; ccusage#287).

Expected figures are the fixtures' hand-written expected rows (tests/fixtures/ingest/*/expected.jsonl)
summed in the comments, not numbers read back from the code under test.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"
runner = CliRunner()

# claude_code_jsonl/expected.jsonl: 4 replies; input 4+6+3+10, cache read 5200+6000,
# cache write 5200+800+1500+2000, output 120+310+900+450
CLAUDE = {"requests": 4, "input_tokens": 23, "cache_read_tokens": 11_200, "cache_write_tokens": 9_500,
          "output_tokens": 1_780}
# codex_rollout_jsonl/expected.jsonl: 4 calls; input 5000+608+596+200, cache read 4992+5504+1000,
# output 300+150+800+60
CODEX = {"requests": 4, "input_tokens": 6_404, "cache_read_tokens": 11_496, "cache_write_tokens": 0,
         "output_tokens": 1_310}
KEYS = list(CLAUDE)


def _machine(root: Path, *fixtures: str) -> Path:
    """A copy of an agent folder as another machine would hand it over."""
    for name in fixtures:
        dest = root / name
        dest.mkdir(parents=True)
        for p in (FIXTURES / name).glob("input*"):
            shutil.copy(p, dest / p.name)
    return root


def _ingest(store: Path, folder: Path, *labels: str) -> None:
    args = ["ingest", str(folder), "--store", str(store), "-q"]
    for label in labels:
        args += ["--label", label]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output


def _report(store: Path) -> dict:
    res = runner.invoke(app, ["report", "--store", str(store), "--format", "json", "--no-forecast"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _sum(*parts: dict) -> dict:
    return {k: sum(p[k] for p in parts) for k in KEYS}


def test_two_machines_one_set_of_totals_and_each_machines_share(tmp_path: Path) -> None:
    a = _machine(tmp_path / "a", "claude_code_jsonl")
    b = _machine(tmp_path / "b", "claude_code_jsonl", "codex_rollout_jsonl")  # the same sessions, and more
    store = tmp_path / "store"
    _ingest(store, a, "host=a")
    # the main job takes --label too, and its report already shows the shares
    res = runner.invoke(app, ["--logs", str(b), "--label", "host=b", "--store", str(store), "--format", "json",
                              "--no-forecast"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)

    assert {k: doc["totals"][k] for k in KEYS} == _sum(CLAUDE, CODEX)  # the copied sessions count once
    by_label = {r["label"]: {k: r[k] for k in KEYS} for r in doc["by_label"]}
    # a duplicate keeps the label of the copy stored first: machine a's
    assert by_label == {"host=a": CLAUDE, "host=b": CODEX}
    csv_rows = runner.invoke(app, ["report", "--store", str(store), "--format", "csv", "--table", "by_label",
                                   "--no-forecast"]).stdout.splitlines()
    assert csv_rows[0].startswith("label,requests,") and [r.split(",")[:2] for r in csv_rows[1:]] == [
        ["host=a", "4"], ["host=b", "4"]]
    table = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", "--section", "labels"]).stdout
    assert [ln.split()[:2] for ln in table.splitlines() if ln.startswith("host=")] == [["host=a", "4"],
                                                                                        ["host=b", "4"]]
    # what the rows carry, and that the event ids (the dedupe keys) do not depend on the label
    con = Store.open(store).connect()
    live = dict(con.execute("SELECT run_labels, count(*) FROM usage GROUP BY 1").fetchall())
    assert live == {'{"host": "a"}': 4, '{"host": "b"}': 4}
    ids = con.execute("SELECT run_labels, count(*) FROM usage_all WHERE _dup GROUP BY 1").fetchall()
    assert ids == [('{"host": "b"}', 4)]  # b's copies of the 4 replies (repeats within a file are not stored)

    # the other order: machine b's copy is the first seen, so it keeps the shared sessions
    store2 = tmp_path / "store2"
    _ingest(store2, b, "host=b")
    _ingest(store2, a, "host=a")
    doc2 = _report(store2)
    assert {k: doc2["totals"][k] for k in KEYS} == _sum(CLAUDE, CODEX)
    assert {r["label"]: {k: r[k] for k in KEYS} for r in doc2["by_label"]} == {"host=b": _sum(CLAUDE, CODEX)}


def test_labels_stay_with_a_file_and_a_new_label_rereads_it(tmp_path: Path) -> None:
    a = _machine(tmp_path / "a", "codex_rollout_jsonl")
    store = tmp_path / "store"
    _ingest(store, a)
    assert [r["label"] for r in _report(store)["by_label"]] == ["(none)"]
    md = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", "--format", "md"]).stdout
    assert "## By project" in md and "By label" not in md  # no section for a store without labels
    res = runner.invoke(app, ["ingest", str(a), "--store", str(store), "--label", "host=laptop",
                              "--label", "team=infra"])
    assert res.exit_code == 0 and "1 replaced" in res.output, res.output
    labels = {r["label"]: r["requests"] for r in _report(store)["by_label"]}
    assert labels == {"host=laptop": CODEX["requests"], "team=infra": CODEX["requests"]}  # each key: the whole
    res = runner.invoke(app, ["ingest", str(a), "--store", str(store)])  # no --label: the file keeps its labels
    assert res.exit_code == 0 and "1 unchanged" in res.output, res.output
    assert {r["label"] for r in _report(store)["by_label"]} == {"host=laptop", "team=infra"}


def test_a_store_written_before_labels_is_read(tmp_path: Path) -> None:
    a = _machine(tmp_path / "a", "codex_rollout_jsonl")
    store = tmp_path / "store"
    _ingest(store, a)
    # rewrite the parts as an older version wrote them: without the run_labels column
    s = Store.open(store)
    for rel in s.read_manifest().parts("usage"):
        part = str(store / rel)
        duckdb.sql(f"COPY (SELECT * EXCLUDE (run_labels) FROM read_parquet('{part}')) TO '{part}.old' (FORMAT parquet)")
        Path(f"{part}.old").replace(part)
    assert "run_labels" not in [r[0] for r in duckdb.sql(f"DESCRIBE SELECT * FROM '{store / rel}'").fetchall()]
    doc = _report(store)
    assert doc["totals"]["requests"] == CODEX["requests"] and [r["label"] for r in doc["by_label"]] == ["(none)"]
    # an old part beside a new, labelled one
    b = _machine(tmp_path / "b", "claude_code_jsonl")
    _ingest(store, b, "host=b")
    assert {r["label"]: r["requests"] for r in _report(store)["by_label"]} == {"host=b": CLAUDE["requests"],
                                                                                 "(none)": CODEX["requests"]}


def test_label_mistakes_are_one_line_errors(tmp_path: Path) -> None:
    a = _machine(tmp_path / "a", "codex_rollout_jsonl")
    for args, words in (
        (["--label", "host"], ["--label 'host' is not KEY=VALUE", "Fix: write it as --label host=laptop"]),
        (["--label", "=laptop"], ["is not KEY=VALUE"]),
        (["--label", "host="], ["is not KEY=VALUE"]),
        (["--label", "host=a", "--label", "host=b"], ["--label host is given twice", "Fix: keep one"]),
    ):
        res = runner.invoke(app, ["ingest", str(a), "--store", str(tmp_path / "s"), *args])
        assert res.exit_code == 2, res.output
        assert res.output.startswith("Error: ") and all(w in res.output for w in words), res.output
    res = runner.invoke(app, ["--store", str(tmp_path / "s"), "--label", "host=a"])
    assert res.exit_code == 2 and "--label" in res.output and "Fix: add --logs" in res.output, res.output
