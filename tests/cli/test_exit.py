"""The process's way out (cli._finish): after the command, the output is flushed, the exit
handlers run and the exit code is the command's, though Python's module teardown is skipped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# registers an exit handler (as logging or tempfile would), then runs the console entry point
_RUN = ("import atexit, sys\n"
        "marker = sys.argv.pop(1)\n"
        "atexit.register(lambda: open(marker, 'w').write('ran'))\n"
        "from llmcost.cli import main\n"
        "main()\n")


def _run(marker: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a pipe is block-buffered
    return subprocess.run([sys.executable, "-c", _RUN, str(marker), *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_report_to_a_pipe_is_whole_and_exit_handlers_run(sample_store: Path, tmp_path: Path) -> None:
    marker = tmp_path / "atexit"
    p = _run(marker, "report", "--store", str(sample_store), "--format", "json", "--no-forecast")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)  # every byte reached the pipe before the process left
    assert doc["totals"]["requests"] > 0
    assert marker.read_text() == "ran"


def test_exit_codes_survive(sample_store: Path, tmp_path: Path) -> None:
    # over budget: 4, the report still written; a usage mistake: 2; a missing store: 3
    out = tmp_path / "r.json"
    p = _run(tmp_path / "m1", "report", "--store", str(sample_store), "--format", "json", "--out", str(out),
             "--budget", "0.01", "--no-forecast")
    assert p.returncode == 4, p.stderr
    assert "Over budget" in p.stderr
    assert json.loads(out.read_text())["budget"]["exceeded"] is True
    p = _run(tmp_path / "m2", "report", "--store", str(sample_store), "--format", "nope")
    assert p.returncode == 2
    assert "Unknown --format" in p.stderr
    p = _run(tmp_path / "m3", "report", "--store", str(tmp_path / "none"))
    assert p.returncode == 3
    assert "No store at" in p.stderr
    assert "Traceback" not in p.stderr
    for m in ("m1", "m2", "m3"):
        assert (tmp_path / m).read_text() == "ran"


def test_a_reader_that_stops_early_is_not_an_error(tmp_path: Path) -> None:
    """`llmcost-forecast formats | head -1`: the pipe closes early. The run stops without
    an `Error:` line (it said "Error: Broken pipe. Fix: check that path, its permissions and free
    space", exit 3, the store's code) and exits 141, as a process stopped by SIGPIPE does."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src")
    # the reader is gone before the tool writes (`true` exits while Python still imports): with
    # `head -c 1` the whole 4.7 KB listing could land in the pipe's buffer before head closed it, and
    # the run then ended with 0, not 141 (it failed 2 runs in 3 under load)
    script = f"{sys.executable} -c 'from llmcost.cli import main; main()' formats | true"
    p = subprocess.run(["bash", "-c", script + "; echo ${PIPESTATUS[0]}"], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.stdout.strip() == "141", (p.stdout, p.stderr)
    assert "Error" not in p.stderr and "Traceback" not in p.stderr and "Exception" not in p.stderr, p.stderr


def test_python_dash_m_llmcost_runs_the_cli() -> None:
    """`python -m llmcost` is the `llmcost-forecast` script (src/llmcost/__main__.py), exit code included."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    p = subprocess.run([sys.executable, "-m", "llmcost", "formats"], capture_output=True, text=True, env=env,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    assert "claude_code_jsonl" in p.stdout
    p = subprocess.run([sys.executable, "-m", "llmcost", "report", "--format", "nope"], capture_output=True,
                       text=True, env=env, timeout=300)
    assert p.returncode == 2
    assert "Unknown --format" in p.stderr
