"""The one place the tool writes its outputs: report and export files, and CSV text.

Why (issue 17): `--out /dev/null` once replaced the device with a regular file (as root), a FIFO
or a symlink given as `--out` was replaced the same way, two runs writing the same `--out` shared
one temporary name, and a CSV cell from the data (`=HYPERLINK(...)`, `@SUM(...)`) ran as a formula
in a spreadsheet. Every writer (`--out` of `report` and the main job, `--format csv --out DIR`,
`export-focus --out`) goes through `write_text`, and every CSV through `csv_text`.

What `write_text` does with each kind of path (docs/reliability.md, "Output files"):

- a new path or a regular file: written to a temporary file with a unique name beside it, flushed
  to disk, then renamed over it, so a reader sees the old file or the new one, never half; an
  existing file keeps its permission bits;
- a character device or a FIFO (`/dev/null`, a terminal, a named pipe, `/dev/stdout`,
  `>(command)`): written straight through, never replaced (a FIFO waits for its reader, as
  `echo > fifo` does); so is any path under /dev or /proc, whatever it leads to;
- a symbolic link: followed; the regular file it leads to is replaced as above and the link stays
  a link (a link to a device or a FIFO is written through; a link to a missing file creates that
  file, as the shell's `>` does);
- a directory, a socket, a block device (a disk) or a symlink loop: refused with one message.
"""

from __future__ import annotations

import errno
import os
import stat
import uuid
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from llmcost.errors import UsageError
from llmcost.storage import interrupt
from llmcost.storage.cleanup import clean_stale_siblings, sibling_tmp_name
from llmcost.text import BIDI_CONTROLS, CONTROL_CODES

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula (OWASP, CSV injection): a text cell starting
with one of these gets a leading single quote."""

_CONTROL = dict.fromkeys((CONTROL_CODES - {0x0D}) | BIDI_CONTROLS, "?")
"""Control characters but tab, newline and CR (kept, inside quotes), and the bidirectional
controls: '?' in a CSV text cell (a report printed with `cat` must not drive the terminal, nor a
name reorder the cells shown beside it)."""


def _refuse(path: Path, what: str, fix: str) -> UsageError:
    return UsageError(f"--out {path} is {what}. Fix: {fix}")


def _kind(path: Path) -> os.stat_result | None:
    """The stat of what `path` leads to (links followed), None when nothing is there yet."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise _refuse(path, "a symbolic link loop (it never reaches a file)",
                          "point the link at a file, or give another path.") from None
        raise


def _system_path(path: Path) -> bool:
    """A path under /dev or /proc (/dev/stdout, /dev/fd/N, /proc/self/fd/N): what the shell set up
    there is written in place, never renamed over, whatever it leads to."""
    return Path(os.path.abspath(path)).parts[1:2] in (("dev",), ("proc",))


def _unwritable(path: Path, e: OSError) -> UsageError:
    """The file system refused an output path: the option's fault (exit 2), not the store's (exit 3
    tells the user to rebuild the store, which would not help)."""
    where = f": {e.filename}" if e.filename and str(e.filename) != str(path) else ""
    return _refuse(path, f"not writable ({e.strerror or e}{where})",
                   "give a path in a folder that exists or can be created, that you can write to, "
                   "with free space.")


def write_text(path: Path, text: str, *, name: str = "report.txt") -> Path:
    """Write `text` as UTF-8 to `path` (see the module docstring for each kind of path); return
    the path of the file actually written (a symlink's target, or `path`). `name`: the file the
    error suggests inside `path` when it is a directory (the output's own name and extension,
    e.g. report.html for --format html)."""
    try:
        return _write_text(path, text, name)
    except UsageError:
        raise
    except OSError as e:
        raise _unwritable(path, e) from None


def _write_text(path: Path, text: str, name: str) -> Path:
    st = _kind(path)
    mode = st.st_mode if st is not None else 0
    if stat.S_ISDIR(mode):
        raise _refuse(path, "a directory", f"name a file inside it, e.g. --out {path / name}.")
    if stat.S_ISSOCK(mode):
        raise _refuse(path, "a socket, which cannot be opened as a file", "give a file, a named pipe or a device.")
    if stat.S_ISBLK(mode):
        raise _refuse(path, "a block device (a disk); a report is never written onto a disk", "give a file path.")
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or _system_path(path):
        # open() follows the link (/dev/stdout, /dev/fd/63 of `>(cmd)`); truncation is a no-op here
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return path
    target = Path(os.path.realpath(path))
    _replace(target, text.encode("utf-8"), None if st is None else stat.S_IMODE(st.st_mode))
    return target


def _replace(target: Path, data: bytes, mode: int | None) -> None:
    """Atomically replace (or create) the regular file `target` with `data`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # unique per run: two runs writing the same --out never share (or delete) each other's file;
    # the pid in the name lets a later run remove it once this process is gone (llmcost.storage.cleanup)
    clean_stale_siblings(target)
    tmp = sibling_tmp_name(target, uuid.uuid4().hex[:12])
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for any new file
    try:
        with os.fdopen(fd, "wb") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        interrupt.check()  # Ctrl-C pressed while the report was made: maybe a partial one, not written
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def output_dir(path: Path) -> Path:
    """`path` as a directory to write files into (created when missing; a link to one is fine)."""
    try:
        st = _kind(path)
        if st is not None and not stat.S_ISDIR(st.st_mode):
            raise _refuse(path, "not a directory, and --format csv writes one file per table into a directory",
                          "give a directory path (it is created), or use --table NAME to print one table.")
        path.mkdir(parents=True, exist_ok=True)
    except UsageError:
        raise
    except OSError as e:
        raise _unwritable(path, e) from None
    return path


# ---- CSV --------------------------------------------------------------------------------------------

def _number(v: int | float | Decimal) -> str:
    return format(v, "f") if isinstance(v, Decimal) else str(v)


def csv_field(value: str, *, text: bool = True) -> str:
    """One CSV field. A text field is neutralised (control characters to '?', a leading =, +, -,
    @, tab or CR behind a single quote); every field holding a comma, a quote, a CR or a newline is
    quoted (RFC 4180), so a bare CR in a cell cannot end the row."""
    if text:
        value = value.translate(_CONTROL)
        if value.startswith(FORMULA_START):
            value = "'" + value
    if any(c in value for c in ',"\r\n'):
        value = '"' + value.replace('"', '""') + '"'
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], numeric: Collection[str] = ()) -> str:
    """CSV text (lines end in \\n). Cells that are numbers (int, float, Decimal; not bool) and cells of
    the columns named in `numeric` stay as they are (-1.5 stays a number); every other cell is
    text and neutralised by `csv_field`. None is an empty cell."""
    keep = [h in numeric for h in header]
    out = [",".join(csv_field(h) for h in header)]
    for r in rows:
        cells = []
        for i, v in enumerate(r):
            if v is None:
                cells.append("")
            elif isinstance(v, int | float | Decimal) and not isinstance(v, bool):
                cells.append(_number(v))
            else:
                cells.append(csv_field(str(v), text=not (i < len(keep) and keep[i])))
        out.append(",".join(cells))
    return "\n".join(out) + "\n"


__all__ = ["FORMULA_START", "csv_field", "csv_text", "output_dir", "write_text"]
