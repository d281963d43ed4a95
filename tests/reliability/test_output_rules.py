"""Text from the data never becomes a formula, markup or a control sequence in any output (issue 17).

One store holds the names of tests/reliability/hostile.py as models and projects. The expected
form of each name is restated here from the documented rules (docs/reliability.md, "Output
rules"), not taken from the code under test.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import pty
import select
import shutil
import struct
import subprocess
import termios
import time
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.document.focus_export import COLUMNS
from tests.reliability import hostile
from tests.reliability.harness import CLI
from tests.reliability.inert import (
    BIDI,
    CURSOR,
    SGR,
    controls,
    html_problems,
    markdown_problems,
    parse_html,
    render_markdown,
    terminal_problems,
)

runner = CliRunner()


def controls_to_question_marks(text: str, keep: str = "") -> str:
    """C0 controls but tab and newline (and `keep`), DEL and C1 controls, bidirectional controls, as '?'."""
    return "".join(
        "?" if (ord(c) < 0x20 and c not in "\t\n" + keep) or 0x7F <= ord(c) <= 0x9F or c in BIDI else c
        for c in text
    )


def csv_expected(name: str) -> str:
    """A text cell in our CSV: controls as '?' (CR kept), then a quote before a leading = + - @ tab CR."""
    cell = controls_to_question_marks(name, keep="\r")
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile-names")
    s = tmp / "store"
    res = CliRunner().invoke(app, ["ingest", str(hostile.write_log(tmp / "app.jsonl")), "--store", str(s)])
    assert res.exit_code == 0, res.output
    return s


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # not read_text(): it would turn a CR into a newline


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# ---- CSV: report tables and the FOCUS export -----------------------------------------------------

def test_report_csv_cells_are_never_formulas_and_rows_never_split(store: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", "--format", "csv",
                              "--out", str(tmp_path / "csv")])
    assert res.exit_code == 0, res.output
    models = _rows(_read(tmp_path / "csv" / "by_provider_model.csv"))
    header, body = models[0], models[1:]
    # one row per distinct model: every hostile name and the priced model; a CR that split a row
    # would add rows (and shift cells)
    assert len(body) == len(set(hostile.NAMES)) + 1
    assert all(len(r) == len(header) for r in body)
    got = {r[header.index("model")] for r in body}
    assert got == {csv_expected(n) for n in hostile.NAMES} | {hostile.PRICED_MODEL}
    projects = _rows(_read(tmp_path / "csv" / "by_project.csv"))
    assert {r[0] for r in projects[1:]} == {csv_expected(n) for n in hostile.NAMES} | {"p"}
    for path in (tmp_path / "csv").glob("*.csv"):
        text = _read(path)
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text, path.name
        for row in _rows(text)[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)


def test_negative_amounts_stay_numbers(store: Path) -> None:
    """October costs less than September for the priced model: its change is a bare negative number."""
    res = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", "--format", "csv",
                              "--table", "compare_by_model"])
    assert res.exit_code == 0, res.output
    rows = _rows(res.stdout)
    header = rows[0]
    (priced,) = [r for r in rows[1:] if r[header.index("model")] == hostile.PRICED_MODEL]
    change = priced[header.index("change_usd")]
    assert change.startswith("-") and Decimal(change) < 0
    # September: one request of 5,000,000 + 100 tokens; October: 28 of 1,100 (hostile.write_log)
    assert priced[header.index("previous_requests")] == "1"
    assert priced[header.index("current_requests")] == str(len(hostile.NAMES))


def test_focus_export_cells_are_never_formulas(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "focus.csv"
    res = runner.invoke(app, ["export-focus", "--store", str(store), "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = _rows(_read(out))
    assert rows[0] == list(COLUMNS)
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    # actuals are priced rows only: each hostile project and "p" (the September request)
    actual = {r["SubAccountName"] for r in body if r["x_Scenario"] == "actual"}
    assert actual == {csv_expected(n) for n in hostile.NAMES} | {"p"}
    for r in body:
        assert r["SubAccountId"] == r["SubAccountName"]
        assert Decimal(r["BilledCost"]) >= 0 and not r["BilledCost"].startswith("'")
        for col, cell in r.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (col, cell)
            assert "\x1b" not in cell and "\x07" not in cell, (col, cell)


# ---- Markdown ------------------------------------------------------------------------------------

def md_expected(name: str) -> str:
    """A name as Markdown renders it: controls as '?', whitespace (tab, newline) as one space."""
    return controls_to_question_marks(name).replace("\t", " ").replace("\n", " ").strip()


def test_markdown_renders_names_as_text_only(store: Path, tmp_path: Path) -> None:
    """Rendered by a CommonMark parser with GFM tables: no tag but the report's own structure, one
    h1, an h2 per `## ` line, and each name back as the text of its table cell."""
    out = tmp_path / "r.md"
    res = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", "--format", "md", "--out", str(out)])
    assert res.exit_code == 0, res.output
    md = out.read_text(encoding="utf-8")
    assert "\x1b" not in md and "\x07" not in md and "\x9b" not in md and "\r" not in md
    assert markdown_problems(md) == []
    doc = render_markdown(md)
    for name in hostile.NAMES:
        assert md_expected(name) in doc.cells, name


# ---- HTML ----------------------------------------------------------------------------------------

def test_html_carries_names_as_text_in_tables_and_charts(store: Path, tmp_path: Path) -> None:
    """Every name priced (an override file), so they reach the SVG chart labels and <title>s too."""
    prices = tmp_path / "prices.toml"
    prices.write_text("\n".join(
        f'[[model]]\nprovider = "openai"\nmodel = {json.dumps(n)}\ninput = 1.0\noutput = 2.0\n' for n in hostile.NAMES
    ))
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", "--format", "html",
                              "--prices", str(prices), "--out", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert "\x1b" not in page and "\x07" not in page and "\x9b" not in page
    assert html_problems(page) == []
    doc = parse_html(page)
    expected = {controls_to_question_marks(n) for n in hostile.NAMES}
    assert expected <= set(doc.cells)
    # the cost-by-model chart: bars titled "<model> (<provider>): <cost>" for (up to) 12 models
    titled = [t for t in doc.texts.get("title", []) if " (openai): " in t]
    assert len(titled) == 12
    assert all(t.split(" (openai): ")[0] in expected | {hostile.PRICED_MODEL} for t in titled)


# ---- the terminal --------------------------------------------------------------------------------

def run_tty(args: list[str], *, color: bool, timeout: float = 180) -> tuple[int, str]:
    """The CLI on a pseudo-terminal 400 columns wide (stdout and stderr), as a person runs it."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 400, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"COLUMNS": "400", "TERM": "xterm-256color"}
    if not color:
        env["NO_COLOR"] = "1"
    p = subprocess.Popen([*CLI, *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while True:
        if time.monotonic() > deadline:
            p.kill()
            pytest.fail(f"{args} did not finish in {timeout} s")
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif p.poll() is not None:
            break
    os.close(master)
    code = p.wait(timeout=30)
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


TERMINAL_VIEWS = [[], ["--full"], ["--section", "models"], ["--section", "warnings"], ["--section", "unpriced"],
                  ["--section", "projects"]]


@pytest.mark.parametrize("color", [True, False], ids=["colour", "no-colour"])
@pytest.mark.parametrize("view", TERMINAL_VIEWS, ids=lambda v: " ".join(v) or "summary")
def test_terminal_shows_markup_and_escape_sequences_literally(store: Path, view: list[str], color: bool) -> None:
    code, out = run_tty(["report", "--store", str(store), "--no-forecast", *view], color=color)
    assert code == 0, out[-3000:]
    assert "Traceback" not in out and "MarkupError" not in out
    assert controls(out, SGR) == [], out[-3000:]
    if not color:
        assert "\x1b" not in out
    shown = SGR.sub("", out)
    if view in ([], ["--section", "warnings"]):  # the summary and the warnings list model names in words
        # one line per warning (a newline or tab in a name is a space); compared with spaces collapsed
        lines = [" ".join(line.split()).removeprefix("Warning: ") for line in shown.splitlines()]
        listed = [n for n in hostile.NAMES if any(
            line.startswith(" ".join(md_expected(n).split()) + " (openai) has no known price") for line in lines)]
        assert len(listed) == (4 if not view else len(hostile.NAMES)), listed  # the summary shows 4
    if view in (["--full"], ["--section", "models"], ["--section", "unpriced"]):
        for name in hostile.MARKUP + hostile.CONTROL:
            assert controls_to_question_marks(name) in shown, name
    if view == ["--section", "projects"]:
        # the human formats list the top 25 projects (README): "p" (September's large request) and 24 names
        found = [n for n in hostile.NAMES if " ".join(controls_to_question_marks(n).split()) in shown]
        assert len(found) >= 24, found


def test_piped_terminal_report_is_inert_too(store: Path) -> None:
    for view in TERMINAL_VIEWS:
        res = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", *view])
        assert res.exit_code == 0, (view, res.output)
        assert controls(res.output) == [], view
        if view not in ([], ["--section", "projects"]):  # these list every model (the others, the top few)
            assert "[/x]" in res.output, view


def test_file_names_with_markup_and_escapes_in_progress_warnings_and_report(tmp_path: Path) -> None:
    """The main job on a terminal: the progress bar, the Warning lines and the report name the files."""
    logs = tmp_path / "logs"
    logs.mkdir()
    good = hostile.write_log(tmp_path / "seed.jsonl").read_text().splitlines()
    names = {
        "title\x1b]0;pwned\x07.jsonl": "\n".join([*good[:5], "{broken json"]) + "\n",  # quarantined line
        "[link=file:x]y.jsonl": "not a log at all\n",  # unrecognised
        "clip\x1b]52;c;aGk=\x07[bold]x.jsonl": "\n".join(good[5:9]) + "\n",
    }
    for name, text in names.items():
        (logs / name).write_text(text)
    os.mkfifo(logs / "pipe\x1b[2J\x9b.jsonl")  # failed: a FIFO
    shutil.copy(tmp_path / "seed.jsonl", logs / "[red]z.jsonl")
    code, out = run_tty(["--logs", str(logs), "--store", str(tmp_path / "store"), "--no-forecast"], color=True)
    assert code == 1, out[-3000:]
    assert "Traceback" not in out and "MarkupError" not in out
    # rich draws its progress bar with cursor controls and CRs; nothing else may remain
    assert terminal_problems(out, CURSOR) == [], out[-3000:]
    shown = CURSOR.sub("", out)
    # file names are recorded with their control characters as \xNN (docs/reliability.md)
    assert f"Warning: no known format matches {logs / '[link=file:x]y.jsonl'}" in shown
    assert f"Warning: {logs / 'pipe'}\\x1b[2J\\x9b.jsonl is a named pipe (FIFO)" in shown
    assert f"{logs / 'title'}\\x1b]0;pwned\\x07.jsonl: 1 row, first at line 6" in " ".join(shown.split())


def test_error_lines_and_the_prices_command_are_inert(store: Path, tmp_path: Path) -> None:
    """`Error:` lines quote file and model names; `prices` prints a model name from the override file."""
    evil = "x\x1b]0;pwned\x07\x1b[2J"
    folder = tmp_path / f"dir-{evil}"
    folder.mkdir()
    cases = [
        (["report", "--store", str(store), "--prices", str(tmp_path / f"{evil}.toml")], 2),  # missing file
        (["report", "--store", str(store), "--no-forecast", "--format", "md", "--out", str(folder)], 2),  # a folder
        (["report", "--store", str(tmp_path / f"no-{evil}")], 3),  # no store there
        (["prices", f"nope-{evil}"], 2),  # unknown model
    ]
    for args, code in cases:
        res = runner.invoke(app, args)
        assert res.exit_code == code, (args, res.output)
        assert res.output.startswith("Error: ") and len(res.output.strip().splitlines()) == 1, res.output
        assert controls(res.output) == [], res.output
    prices = tmp_path / "prices.toml"
    prices.write_text('[[model]]\nprovider = "openai"\nmodel = "m-\\u001b]52;c;aGk=\\u0007"\ninput = 1\noutput = 2\n')
    res = runner.invoke(app, ["prices", "m-\x1b]52;c;aGk=\x07", "--prices", str(prices)])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("openai/m-?]52;c;agk=? at ")  # the catalog keys names in lower case
    assert controls(res.output) == []
