"""--out never replaces what is not a regular file (issue 17): a device or a FIFO is written
through, a symlink's target is replaced and the link stays, a socket, a directory, a disk or a link
loop is refused in one line; two writers of one path never share a temporary file."""

from __future__ import annotations

import os
import socket
import stat
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.storage import output

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests/fixtures/ingest/openai_response_jsonl/input.jsonl"
runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = tmp_path_factory.mktemp("out") / "store"
    res = CliRunner().invoke(app, ["ingest", str(FIXTURE), "--store", str(s)])
    assert res.exit_code == 0, res.output
    return s


def _report(store: Path, out: Path, fmt: str = "md") -> object:
    return runner.invoke(app, ["report", "--store", str(store), "--no-forecast", "--format", fmt, "--out", str(out)])


def _char_device(path: Path) -> Path:
    """A character device like /dev/null (major 1, minor 3) inside the test's tmp dir, so that a
    regression replaces a throwaway node, never the machine's /dev/null."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        if os.access("/dev", os.W_OK):  # could replace the real /dev/null on a regression
            pytest.skip("cannot create a device node here, and /dev is writable: not risking /dev/null")
        return Path("/dev/null")
    return path


def _fifo_reader(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    t = threading.Thread(target=read, daemon=True)
    t.start()
    return t, got


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_out_to_a_device_writes_through_and_keeps_the_device(store: Path, tmp_path: Path) -> None:
    dev = _char_device(tmp_path / "null")
    res = _report(store, dev)
    assert res.exit_code == 0, res.output
    assert stat.S_ISCHR(os.stat(dev).st_mode)
    assert os.stat(dev).st_rdev == os.makedev(1, 3)
    assert _leftovers(tmp_path) == []


def test_out_to_a_fifo_writes_through_to_the_reader(store: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    t, got = _fifo_reader(fifo)
    res = _report(store, fifo)
    t.join(timeout=60)
    assert res.exit_code == 0, res.output
    assert not t.is_alive(), "the reader never saw a writer: the FIFO was not written"
    assert got and got[0].startswith(b"# LLM cost report")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert _leftovers(tmp_path) == []


def test_out_through_a_symlink_replaces_the_target_and_keeps_the_link(store: Path, tmp_path: Path) -> None:
    real = tmp_path / "real" / "report.md"
    real.parent.mkdir()
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.md"
    link.symlink_to(real)
    res = _report(store, link)
    assert res.exit_code == 0, res.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("# LLM cost report")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the file keeps its permissions
    assert _leftovers(tmp_path) == [] and _leftovers(real.parent) == []


def test_out_through_links_to_a_fifo_a_device_and_a_missing_file(store: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "to-fifo").symlink_to(fifo)
    t, got = _fifo_reader(fifo)
    assert _report(store, tmp_path / "to-fifo", "json").exit_code == 0
    t.join(timeout=60)
    assert got and got[0].lstrip().startswith(b"{")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and (tmp_path / "to-fifo").is_symlink()

    dev = _char_device(tmp_path / "null")
    (tmp_path / "to-dev").symlink_to(dev)
    assert _report(store, tmp_path / "to-dev").exit_code == 0
    assert stat.S_ISCHR(os.stat(dev).st_mode) and (tmp_path / "to-dev").is_symlink()

    # a link to a file not there yet: the file is created, as the shell's `>` would
    (tmp_path / "to-new").symlink_to(tmp_path / "new.md")
    assert _report(store, tmp_path / "to-new").exit_code == 0
    assert (tmp_path / "to-new").is_symlink() and (tmp_path / "new.md").read_text().startswith("# LLM")


def test_out_that_cannot_take_a_report_is_one_error_line(store: Path, tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(loop)
    sock_path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    folder = tmp_path / "folder"
    folder.mkdir()
    cases = {loop: "symbolic link loop", sock_path: "a socket", folder: "a directory"}
    try:
        disk = tmp_path / "disk"
        os.mknod(disk, stat.S_IFBLK | 0o600, os.makedev(7, 250))
        cases[disk] = "a block device"
    except PermissionError:
        pass  # not root: no block device to point at (the other cases still run)
    try:
        for path, said in cases.items():
            before = os.lstat(path)
            res = _report(store, path)
            assert res.exit_code == 2, (path, res.output)
            lines = res.output.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"Error: --out {path} is ") and said in lines[0], lines
            assert "Fix:" in lines[0]
            after = os.lstat(path)
            assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    finally:
        sock.close()
    assert _leftovers(tmp_path) == []


def test_out_a_directory_suggests_a_file_of_the_outputs_format(store: Path, tmp_path: Path) -> None:
    """`--format html --out DIR` suggested DIR/report.txt whatever the format; the file suggested
    now has the format's extension (table: txt), one CSV table (--table) its own name as
    `--format csv --out DIR` writes it, export-focus a .csv. `--format csv` without --table still
    writes its tables into DIR (test_csv_out_directory_rules)."""
    folder = tmp_path / "folder"
    folder.mkdir()
    report = ["report", "--store", str(store), "--no-forecast", "--out", str(folder), "--format"]
    runs = {
        "html": ([*report, "html"], "report.html"),
        "md": ([*report, "md"], "report.md"),
        "json": ([*report, "json"], "report.json"),
        "table": ([*report, "table"], "report.txt"),
        "csv --table": ([*report, "csv", "--table", "by_day"], "by_day.csv"),
        "export-focus": (["export-focus", "--store", str(store), "--out", str(folder)], "focus.csv"),
    }
    for kind, (args, name) in runs.items():
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (kind, res.output)
        assert res.output.strip().splitlines() == [
            f"Error: --out {folder} is a directory. Fix: name a file inside it, e.g. --out {folder / name}."
        ], kind
    assert list(folder.iterdir()) == []


def test_out_the_file_system_refuses_is_the_options_fault_not_the_stores(store: Path, tmp_path: Path) -> None:
    """A path under a regular file (ENOTDIR), for a report file, a CSV folder and export-focus:
    exit 2 with the path and the reason on one line, not exit 3, whose fix (rebuild the store)
    would not help."""
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me\n")
    runs = {
        "md": ["report", "--store", str(store), "--no-forecast", "--format", "md", "--out", str(a_file / "r.md")],
        "csv": ["report", "--store", str(store), "--no-forecast", "--format", "csv", "--out", str(a_file / "d")],
        "focus": ["export-focus", "--store", str(store), "--out", str(a_file / "f.csv")],
    }
    for kind, args in runs.items():
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (kind, res.output)
        lines = res.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: --out {a_file}/"), (kind, lines)
        assert "is not writable (Not a directory" in lines[0] and "Fix:" in lines[0], (kind, lines)
    assert a_file.read_text() == "keep me\n"


def test_csv_out_directory_rules(store: Path, tmp_path: Path) -> None:
    """--format csv --out DIR: a table file that is a symlink keeps its link; a DIR that is a file is refused."""
    out = tmp_path / "tables"
    out.mkdir()
    kept = tmp_path / "totals-kept.csv"
    kept.write_text("old\n")
    (out / "totals.csv").symlink_to(kept)
    res = _report(store, out, "csv")
    assert res.exit_code == 0, res.output
    assert (out / "totals.csv").is_symlink() and kept.read_text().startswith("requests,")
    assert (out / "by_day.csv").is_file() and _leftovers(out) == []

    a_file = tmp_path / "a-file"
    a_file.write_text("keep me\n")
    res = _report(store, a_file, "csv")
    assert res.exit_code == 2 and res.output.startswith(f"Error: --out {a_file} is not a directory")
    assert a_file.read_text() == "keep me\n"


def test_export_focus_to_a_fifo(store: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "focus.pipe"
    os.mkfifo(fifo)
    t, got = _fifo_reader(fifo)
    res = runner.invoke(app, ["export-focus", "--store", str(store), "--out", str(fifo)])
    t.join(timeout=60)
    assert res.exit_code == 0, res.output
    assert got and got[0].startswith(b"AvailabilityZone,BilledCost,")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_each_write_has_its_own_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs writing one --out must not share a temporary name (one would rename or truncate the
    other's half-written file): every write uses a new name in the target's directory."""
    used: list[Path] = []
    real_replace = os.replace

    def spy(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        used.append(Path(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    target = tmp_path / "r.md"
    for i in range(3):
        output.write_text(target, f"run {i}\n")
    assert len(used) == 3 and len(set(used)) == 3
    assert all(p.parent == tmp_path and p.name.startswith(".r.md.") for p in used)
    assert target.read_text() == "run 2\n"


def test_concurrent_writers_of_one_path_each_leave_a_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    texts = ["a" * 4_000_000 + "\n", "b" * 4_000_000 + "\n"]
    errors: list[BaseException] = []

    def write(text: str) -> None:
        try:
            for _ in range(5):
                output.write_text(target, text)
        except BaseException as e:  # collected: a thread's exception would otherwise vanish
            errors.append(e)

    threads = [threading.Thread(target=write, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert target.read_text() in texts
    assert _leftovers(tmp_path) == []


def test_export_focus_out_takes_the_reports_placeholders(sample_store: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`--out` means the same in every command: `export-focus --month 2026-10 --out 'focus-{month}.{ext}'`
    writes focus-2026-10.csv (it wrote a file literally named 'focus-{month}.{ext}'), and an unknown
    placeholder is the report's error."""
    monkeypatch.setenv("LLMCOST_TODAY", "2026-11-24")
    res = CliRunner().invoke(app, ["export-focus", "--store", str(sample_store), "--month", "2026-10",
                                   "--out", str(tmp_path / "focus-{month}.{ext}"), "--tz", "Europe/Paris"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["focus-2026-10.csv"]
    res = CliRunner().invoke(app, ["export-focus", "--store", str(sample_store), "--out", str(tmp_path / "f-{x}.csv")])
    assert res.exit_code == 2 and "unknown placeholder {x}" in res.stderr, res.output
