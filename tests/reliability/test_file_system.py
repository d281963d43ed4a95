"""File-system oddities in --logs fail just that entry with one message (exit 1); the rest is
ingested and committed; nothing blocks (issue 17).

The CLI runs as a subprocess with a timeout: before the fix a FIFO in the folder blocked the run
forever while it held the store's lock, and a dangling link or a loop aborted the whole run.
An unreadable file or folder needs a user the permission bits apply to: as root the run drops
the capabilities that bypass them (setpriv), so the test means the same as any user.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from tests.reliability.harness import CLI, FIXTURES

GOOD = FIXTURES / "openai_response_jsonl" / "input.jsonl"
OUTSIDE = FIXTURES / "claude_code_jsonl" / "input_session.jsonl"
DROP_DAC = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]


def run(*args: str, prefix: list[str] | None = None, timeout: float = 120,
        cwd: Path | None = None) -> tuple[int, str, str]:
    """The CLI in a subprocess; a run that does not finish in `timeout` seconds is killed and fails."""
    p = subprocess.Popen([*(prefix or []), *CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env={**os.environ, "NO_COLOR": "1"}, cwd=cwd)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        pytest.fail(f"the run did not finish in {timeout} s (blocked?): {err[-2000:]}")
    return p.returncode, out, err


def lines(path: Path) -> int:
    return sum(1 for line in path.read_text().splitlines() if line.strip())


def manifest_files(store: Path) -> dict[str, dict]:
    return json.loads((store / "manifest.json").read_text())["files"]


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("Warning: ")]


def test_fifo_socket_device_dangling_link_and_loop_fail_one_by_one(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(GOOD, logs / "good.jsonl")
    os.mkfifo(logs / "pipe.jsonl")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(logs / "agent.sock"))
    (logs / "dangling.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    (logs / "loop-a").symlink_to(logs / "loop-b")
    (logs / "loop-b").symlink_to(logs / "loop-a")
    expected = {
        "pipe.jsonl": "is a named pipe (FIFO), not a file: skipped",
        "agent.sock": "is a socket, not a file: skipped",
        "dangling.jsonl": f"is a symbolic link to {tmp_path / 'nowhere.jsonl'}, which does not exist: skipped",
        "loop-a": "is a symbolic link loop",
        "loop-b": "is a symbolic link loop",
    }
    try:
        os.mknod(logs / "zero", stat.S_IFCHR | 0o666, os.makedev(1, 5))  # like /dev/zero: never ends
        expected["zero"] = "is a character device, not a file: skipped"
    except PermissionError:
        (logs / "zero").symlink_to("/dev/zero")  # not root: a link to the real one
        expected["zero"] = "is a character device, not a file: skipped"
    try:
        code, out, err = run("ingest", str(logs), "--store", str(tmp_path / "store"))
    finally:
        sock.close()
    assert code == 1, err
    warned = warnings(err)
    assert len(warned) == len(expected), warned
    for name, said in expected.items():
        (line,) = [w for w in warned if w.startswith(f"Warning: {logs / name} ")]
        assert said in line and "Fix:" in line, line
    assert "Traceback" not in err
    # the good file went in and was committed
    files = manifest_files(tmp_path / "store")
    assert list(files) == [str(logs / "good.jsonl")]
    entry = files[str(logs / "good.jsonl")]
    assert entry["rows_read"] == lines(GOOD)
    assert entry["rows_read"] == entry["rows_stored"] + entry["rows_duplicate"] + entry["rows_quarantined"]
    assert out.startswith(f"1 ingested, 0 replaced, 0 unchanged, 0 unrecognised, {len(expected)} failed.")
    assert stat.S_ISFIFO(os.lstat(logs / "pipe.jsonl").st_mode)  # left as it was


def test_a_fifo_named_on_the_command_line_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jsonl")
    code, _, err = run("ingest", str(tmp_path / "pipe.jsonl"), str(GOOD), "--store", str(tmp_path / "store"))
    assert code == 1
    (w,) = warnings(err)
    assert w.startswith(f"Warning: {tmp_path / 'pipe.jsonl'} is a named pipe (FIFO), not a file: skipped")
    assert list(manifest_files(tmp_path / "store")) == [str(GOOD.resolve())]


def _permission_prefix() -> list[str]:
    """What makes chmod 000 bind the CLI: nothing for a user; for root, dropping the override caps."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permission bits do not apply to root")
    return DROP_DAC


def test_unreadable_file_and_folder_are_reported_and_the_rest_committed(tmp_path: Path) -> None:
    prefix = _permission_prefix()
    logs = tmp_path / "logs"
    (logs / "closed").mkdir(parents=True)
    shutil.copy(GOOD, logs / "good.jsonl")
    shutil.copy(GOOD, logs / "closed" / "hidden-by-mode.jsonl")
    (logs / "locked.jsonl").write_text(GOOD.read_text())
    (logs / "locked.jsonl").chmod(0)
    (logs / "closed").chmod(0)
    try:
        code, _, err = run("ingest", str(logs), "--store", str(tmp_path / "store"), prefix=prefix)
    finally:
        (logs / "closed").chmod(0o755)
    assert code == 1, err
    warned = warnings(err)
    assert len(warned) == 2, warned
    (folder,) = [w for w in warned if w.startswith(f"Warning: {logs / 'closed'} ")]
    assert "is a folder that cannot be read (Permission denied): its files were not ingested" in folder
    (file,) = [w for w in warned if w.startswith(f"Warning: {logs / 'locked.jsonl'} ")]
    assert "cannot be read (permission denied): skipped. Fix: make it readable" in file
    assert list(manifest_files(tmp_path / "store")) == [str(logs / "good.jsonl")]


def test_links_are_followed_to_files_and_folders_outside_once(tmp_path: Path) -> None:
    """A link in --logs is read wherever it points (the user put it there); a link back to an
    ancestor folder does not walk the tree twice."""
    logs = tmp_path / "logs"
    (logs / "sub").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(OUTSIDE, outside / "session.jsonl")
    shutil.copy(GOOD, logs / "sub" / "good.jsonl")
    (logs / "linked-folder").symlink_to(outside)
    (logs / "linked-file.jsonl").symlink_to(OUTSIDE)
    (logs / "sub" / "up").symlink_to(logs)  # a loop through a folder link
    code, out, err = run("ingest", str(logs), "--store", str(tmp_path / "store"))
    assert code == 0, err
    assert out.startswith("3 ingested, 0 replaced, 0 unchanged, 0 unrecognised, 0 failed.")
    # files are known by their resolved path, wherever the link was
    assert sorted(manifest_files(tmp_path / "store")) == sorted(
        [str(OUTSIDE.resolve()), str((outside / "session.jsonl").resolve()), str(logs / "sub" / "good.jsonl")]
    )


def test_hidden_and_tool_folders_below_a_given_folder_are_not_walked(tmp_path: Path) -> None:
    """`--logs .` in a project: its .git, .venv, node_modules and __pycache__ are not read (no
    warning per file); a hidden folder named on the command line is walked (~/.claude/projects)."""
    logs = tmp_path / "project"
    for sub in (".git", ".venv/lib", "node_modules/pkg", "__pycache__", "exports"):
        (logs / sub).mkdir(parents=True)
    for sub in (".git", ".venv/lib", "node_modules/pkg", "__pycache__"):
        shutil.copy(GOOD, logs / sub / "copy.jsonl")  # data there would be ingested if it were walked
    shutil.copy(GOOD, logs / "exports" / "good.jsonl")
    code, out, err = run("ingest", str(logs), "--store", str(tmp_path / "store"))
    assert code == 0, err
    assert out.startswith("1 ingested, 0 replaced, 0 unchanged, 0 unrecognised, 0 failed."), out
    assert list(manifest_files(tmp_path / "store")) == [str(logs / "exports" / "good.jsonl")]
    hidden = tmp_path / ".claude" / "projects"
    hidden.mkdir(parents=True)
    shutil.copy(OUTSIDE, hidden / "session.jsonl")
    code, out, err = run("ingest", str(hidden), "--store", str(tmp_path / "store2"))
    assert code == 0, err
    assert out.startswith("1 ingested"), out


def test_a_folder_whose_every_file_is_skipped_by_name_says_so(tmp_path: Path) -> None:
    """`--logs` at the wrong folder (a project's source) read "0 files ... 0 unrecognised" with no
    word about the files it left out by their names. Now a note says how many, of which kinds, and
    how to fix it; a folder with one file to read beside them says nothing."""
    src = tmp_path / "src"
    (src / "pkg" / "__pycache__").mkdir(parents=True)
    for name in ("a.py", "b.py", "pkg/c.py", "README.md", ".env", "pkg/__pycache__/c.pyc"):
        (src / name).write_text("x = 1\n")
    code, out, err = run("ingest", str(src), "--store", str(tmp_path / "store"))
    assert out.startswith("0 ingested, 0 replaced, 0 unchanged, 0 unrecognised, 0 failed."), out
    notes = [line for line in err.splitlines() if line.startswith("Note: ")]
    assert len(notes) == 1, err
    assert f"{src}: no file there was read: 6 skipped by their names (.py 3, " in notes[0]
    assert "__pycache__/ 1" in notes[0] and ".md 1" in notes[0] and "hidden files 1" in notes[0]
    assert "Fix: point --logs at the folder that holds the logs or exports" in notes[0]
    shutil.copy(GOOD, src / "requests.jsonl")
    code, out, err = run("ingest", str(src), "--store", str(tmp_path / "store"))
    assert code == 0 and out.startswith("1 ingested"), (out, err)
    assert "Note: " not in err


def test_an_empty_path_is_refused_not_read_as_the_current_folder(tmp_path: Path) -> None:
    for args in (["--logs", ""], ["ingest", ""]):
        code, _out, err = run(*args, "--store", str(tmp_path / "store"))
        assert code == 2 and "an empty path was given" in err, (args, err)
    assert not (tmp_path / "store" / "usage").exists()


def test_an_empty_out_path_hint_names_no_other_option(tmp_path: Path) -> None:
    """The hint under an empty --out (or --store, or a plan file) is about that value: it named
    `--logs ./exports` whatever the option was."""
    for args in (["report", "--out", ""], ["export-focus", "--out", ""], ["report", "--store", ""]):
        code, _out, err = run(*args)
        assert code == 2 and "an empty path was given" in err, (args, err)
        assert "--logs" not in err and "write . for the current folder" in err, (args, err)


def test_an_option_taken_as_a_path_is_refused(tmp_path: Path) -> None:
    """`--store --logs ./exports` once made a store folder named "--logs" (and a commit picked up
    its lock file): a path option whose value starts with "-" is the next option, not a path."""
    good = tmp_path / "exports"
    good.mkdir()
    shutil.copy(GOOD, good / "good.jsonl")
    cases = (["--store", "--logs", str(good)], ["--logs", "--store", str(tmp_path / "s")],
             ["ingest", str(good), "--store", "-x"],
             ["--logs", str(good), "--store", str(tmp_path / "s"), "--out", "-o"])
    for args in cases:
        code, _out, err = run(*args, cwd=tmp_path)
        assert code == 2 and "looks like an option, not a path" in err, (args, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports"]  # no store, no report file


def test_file_names_that_are_not_utf8_are_ingested_and_shown_escaped(tmp_path: Path) -> None:
    """Before, DuckDB stopped the whole run with `RuntimeError: std::bad_cast` on such a name. Each
    file (plain, gzip, SQLite, inside a zip, in a folder whose name is not UTF-8 either) must give
    the same counts as the same bytes under a plain name, and be shown with \\xNN escapes."""
    import gzip
    import zipfile

    raw = os.fsencode(tmp_path / "logs")
    odd_dir = raw + b"/caf\xe9"
    os.makedirs(odd_dir)
    plain = tmp_path / "plain"
    plain.mkdir()
    sqlite_fixture = FIXTURES / "simonw_llm_logs_sqlite" / "input_logs_v0.31.db"
    made = {  # name (bytes, inside odd_dir) -> content
        b"app-\xff.jsonl": GOOD.read_bytes(),
        b"app-\xfe.jsonl.gz": gzip.compress(OUTSIDE.read_bytes(), mtime=0),
        b"llm-\xe9.db": sqlite_fixture.read_bytes(),
    }
    for name, data in made.items():
        with open(odd_dir + b"/" + name, "wb") as fh:
            fh.write(data)
    with zipfile.ZipFile(os.fsdecode(odd_dir + b"/export-\xff.zip"), "w") as zf:
        zf.writestr("inner.jsonl", GOOD.read_bytes())
    for i, data in enumerate([*made.values(), GOOD.read_bytes()]):
        suffix = [".jsonl", ".jsonl.gz", ".db", ".jsonl"][i]
        (plain / f"f{i}{suffix}").write_bytes(data)

    code, out, err = run("ingest", str(tmp_path / "logs"), "--store", str(tmp_path / "store"))
    assert code == 0, err
    assert out.startswith("4 ingested, 0 replaced, 0 unchanged, 0 unrecognised, 0 failed."), out
    code, _, err = run("ingest", str(plain), "--store", str(tmp_path / "plain-store"))
    assert code == 0, err

    def counts(entry: dict) -> tuple:
        return (entry["ingestor"], entry["rows_read"], entry["rows_stored"], entry["rows_duplicate"],
                entry["rows_quarantined"])

    shown_dir = f"{tmp_path / 'logs'}/caf\\xe9"  # the bytes e9 shown as the four characters \xe9
    odd = manifest_files(tmp_path / "store")
    ref = {Path(k).name: counts(v) for k, v in manifest_files(tmp_path / "plain-store").items()}
    assert sorted(odd) == sorted([f"{shown_dir}/app-\\xff.jsonl", f"{shown_dir}/app-\\xfe.jsonl.gz",
                                  f"{shown_dir}/llm-\\xe9.db", f"{shown_dir}/export-\\xff.zip!inner.jsonl"])
    assert counts(odd[f"{shown_dir}/app-\\xff.jsonl"]) == ref["f0.jsonl"]
    assert counts(odd[f"{shown_dir}/app-\\xfe.jsonl.gz"]) == ref["f1.jsonl.gz"]
    assert counts(odd[f"{shown_dir}/llm-\\xe9.db"]) == ref["f2.db"]
    # the zip member's rows are the same events as app-\xff.jsonl's: all duplicates, none lost
    inner = counts(odd[f"{shown_dir}/export-\\xff.zip!inner.jsonl"])
    assert inner[1] == ref["f3.jsonl"][1] and inner[4] == ref["f3.jsonl"][4]
    assert inner[1] == inner[2] + inner[3] + inner[4]

    # a second run finds every file unchanged (the escaped name is a stable key)
    code, out, _ = run("ingest", str(tmp_path / "logs"), "--store", str(tmp_path / "store"))
    assert code == 0 and out.startswith("0 ingested, 0 replaced, 4 unchanged"), out
    # and the report names them escaped, in every text format
    code, out, err = run("report", "--store", str(tmp_path / "store"), "--no-forecast")
    assert code == 0, err
    # quarantine lines: the path whole on its line (however long the temp dir makes it: never cut
    # inside an escape such as \\xff), the counts after it
    assert any(ln.strip().startswith(f"{shown_dir}/app-\\xff.jsonl:") for ln in out.splitlines()), out
    assert f"{shown_dir}/app-\\xff.jsonl: {ref['f0.jsonl'][4]} rows, first at line " in " ".join(out.split())
    code, out, err = run("report", "--store", str(tmp_path / "store"), "--no-forecast", "--format", "json")
    assert code == 0, err
    assert any(f["file"] == f"{shown_dir}/app-\\xff.jsonl" for f in json.loads(out)["ingest"]["by_file"])


def test_glob_and_uri_characters_in_file_names_are_read_literally(tmp_path: Path) -> None:
    """Before: DuckDB read `app?.jsonl` as a glob (it also read `appX.jsonl`, another format), and
    SQLite read `logs #1?.db` as a URI (it created an empty `logs ` beside it and stored 0 rows)."""
    sqlite_fixture = FIXTURES / "simonw_llm_logs_sqlite" / "input_logs_v0.31.db"
    files = {  # name -> (content, the plain name of the same bytes in the reference folder)
        "app?.jsonl": (GOOD, "a.jsonl"),
        "appX.jsonl": (OUTSIDE, "b.jsonl"),
        "b[1].jsonl": (GOOD, "c.jsonl"),
        "c*{x,y}.jsonl": (GOOD, "d.jsonl"),
        "logs #1?.db": (sqlite_fixture, "e.db"),
        "100%25.db": (sqlite_fixture, "f.db"),
    }
    logs, plain = tmp_path / "logs", tmp_path / "plain"
    logs.mkdir()
    plain.mkdir()
    for name, (src, ref) in files.items():
        shutil.copy(src, logs / name)
        shutil.copy(src, plain / ref)
    # each tree into its own store: the counts of a file do not depend on the others' duplicates
    refs = {}
    for name, (_, ref) in files.items():
        code, _, err = run("ingest", str(plain / ref), "--store", str(tmp_path / f"ref-{ref}"))
        assert code == 0, err
        (entry,) = manifest_files(tmp_path / f"ref-{ref}").values()
        refs[name] = (entry["ingestor"], entry["rows_read"], entry["rows_quarantined"])
    for i, name in enumerate(files):
        code, _, err = run("ingest", str(logs / name), "--store", str(tmp_path / f"odd-{i}"))
        assert code == 0, err
        (entry,) = manifest_files(tmp_path / f"odd-{i}").values()
        assert (entry["ingestor"], entry["rows_read"], entry["rows_quarantined"]) == refs[name], name
    assert sorted(p.name for p in logs.iterdir()) == sorted(files)  # nothing created beside them


def test_a_quoted_pattern_reads_what_it_matches(tmp_path: Path) -> None:
    """`--logs 'exports/*.jsonl'` quoted in a crontab or a script reaches us unexpanded: it was
    "No such file or directory". Now a path that does not exist but is a pattern reads what it
    matches (`**` at any depth); a folder matched with what is in it is read once; a name that
    exists is still taken literally (the test above); a pattern matching nothing says so."""
    logs = tmp_path / "exports"
    (logs / "2026" / "11").mkdir(parents=True)
    shutil.copy(GOOD, logs / "a.jsonl")
    shutil.copy(GOOD, logs / "2026" / "11" / "b.jsonl")
    shutil.copy(OUTSIDE, logs / "2026" / "11" / "c.jsonl")
    (logs / "notes.txt").write_text("not read: the pattern names .jsonl files\n")
    ingested = {"*.jsonl": ["a.jsonl"], "**/*.jsonl": ["a.jsonl", "b.jsonl", "c.jsonl"],
                "**": ["a.jsonl", "b.jsonl", "c.jsonl", "notes.txt"], "2026/*/[bc].jsonl": ["b.jsonl", "c.jsonl"]}
    for i, (pattern, names) in enumerate(ingested.items()):
        code, _, err = run("ingest", f"exports/{pattern}", "--store", str(tmp_path / f"s{i}"), cwd=tmp_path)
        entries = manifest_files(tmp_path / f"s{i}")
        assert sorted(Path(k).name for k in entries) == [n for n in names if n != "notes.txt"], (pattern, err)
        assert code == 0, (pattern, err)
    code, _, err = run("ingest", "exports/*.csv", "--store", str(tmp_path / "none"), cwd=tmp_path)
    assert code != 0 and "Nothing matches exports/*.csv" in err and "Traceback" not in err
    # a folder whose name holds pattern characters, named as it is before the pattern part: its
    # brackets are its name (as a pattern, `[2026]` is one character of 2, 0 or 6 and matched nothing)
    odd = tmp_path / "exports [2026] *"
    odd.mkdir()
    shutil.copy(GOOD, odd / "a.jsonl")
    code, _, err = run("ingest", "exports [2026] */*.jsonl", "--store", str(tmp_path / "odd"), cwd=tmp_path)
    assert code == 0, err
    assert [Path(k).name for k in manifest_files(tmp_path / "odd")] == ["a.jsonl"]
