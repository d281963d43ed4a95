"""Walking `--logs` and opening archives, with their limits: which entries are files, which are
refused and why (FIFOs, devices, links that go nowhere, unreadable files), how `.zip` and `.gz`
inputs are expanded safely (decompression-bomb and zip-slip limits, documented in
docs/reliability.md), and the content hash that knows a file again. Used by `llmcost.ingest.loader`."""

from __future__ import annotations

import errno
import functools
import glob
import hashlib
import lzma
import os
import re
import shlex
import stat
import tarfile
import uuid
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

from llmcost.errors import FormatError, UsageError
from llmcost.ingest import intake
from llmcost.text import shown, shown_name

# Archive limits (documented in docs/reliability.md): a .zip member or a .gz file larger than this,
# or expanding more than MAX_RATIO times its compressed size beyond SMALL_EXPANSION, is refused as a
# likely decompression bomb; so is a .zip whose members add up to more than MAX_ARCHIVE_BYTES.
MAX_MEMBER_BYTES = 8 * 1024**3
MAX_ARCHIVE_BYTES = 32 * 1024**3
MAX_ARCHIVE_MEMBERS = 50_000
"""Files in one .zip at most (issue 17: 100,000 small members ran for hours); past it the archive is
refused with a message. Unzipped, the same files are read as a folder, with checkpoints."""
MAX_RATIO = 200
SMALL_EXPANSION = 10 * 1024**2

# Files in a walked directory that are never usage data (docs, code, pictures): skipped silently.
# A file named on the command line is always read.
NOT_DATA = (".md", ".txt", ".py", ".sh", ".toml", ".yaml", ".yml", ".pdf", ".png", ".jpg", ".svg", ".html", ".lock")

NOT_DATA_DIRS = ("__pycache__", "node_modules", "__MACOSX")
"""Subfolders a walk does not enter, besides hidden ones (a name starting with "."): `.git`,
`.venv`, caches, and the `__MACOSX` folder of resource forks that macOS's "Compress" adds to a zip.
A folder given by name (`--logs ~/.claude/projects`) is always walked."""


def _never_data_dir(name: str) -> bool:
    """A subfolder that holds no usage data (`NOT_DATA_DIRS`, hidden folders): not walked."""
    return name.startswith(".") or name in NOT_DATA_DIRS


def _never_data_file(name: str) -> bool:
    """A file name that is never usage data (`NOT_DATA`, hidden files, licences): skipped silently
    in a walked folder and in an archive, which is read as its folder."""
    return name.startswith(".") or name.lower().endswith(NOT_DATA) or name.upper().startswith("LICENSE")


_REAL: dict[str, Path] = {}
"""The real path of a file `walk` yielded that is no symbolic link, from its folder's real path
(resolved once per folder): `expand` takes it from here instead of resolving every file."""


def real_path(path: Path) -> Path:
    """`path.resolve()`, from the walk's record of the file when it has one."""
    known = _REAL.get(str(path))
    return known if known is not None else path.resolve()


STORE_MANIFEST = "manifest.json"
"""The file that makes a folder an llmcost store (storage/store.py: MANIFEST), known by its head."""
_STORE_HEAD = re.compile(rb'^\s*\{\s*"format"\s*:\s*"llmcost-store"')  # storage/store.py: STORE_FORMAT


class StoreNote(str):
    """What `walk` yields in place of an llmcost store's files: a note to show the user, not a
    failure (no file of the folder is read, nor counted as read or quarantined)."""


def store_note(folder: Path) -> StoreNote | None:
    """The note for `folder` when it is an llmcost store (its manifest.json opens with the store's
    format; a peek at the first bytes, as format detection does), else None. A store's parts and
    quarantine files are no input: each of them was "no known format", one warning per file."""
    try:
        with open(folder / STORE_MANIFEST, "rb") as f:
            head = f.read(64)
    except OSError:
        return None
    if not _STORE_HEAD.match(head):
        return None
    name = shown_name(folder)
    return StoreNote(
        f"{name} is an llmcost store (it holds {STORE_MANIFEST} and the store's Parquet parts), not input: it was "
        f"not read. To report on it: `llmcost-forecast report --store {shlex.quote(name)}`"
    )


def store_part_note(path: Path) -> StoreNote | None:
    """The note of the llmcost store a Parquet file lies in (`store/usage/month=.../part.parquet`,
    its quarantine's files: up to three folders up), else None. Such a file named as input, or a
    store's subfolder, read as "no known format" with the store's columns."""
    folder = Path(os.path.realpath(path)).parent
    for _ in range(3):
        if store_note(folder) is not None:
            name = shown_name(folder)
            return StoreNote(
                f"{shown_name(path)} is a file of the llmcost store {name}, not input: it was not read. To report on "
                f"the store: `llmcost-forecast report --store {shlex.quote(name)}`")
        folder = folder.parent
    return None


def own_store_note(folder: Path) -> StoreNote:
    """The note for the store this run writes to, named itself as input (`ingest .llmcost`)."""
    name = shown_name(folder)
    return StoreNote(
        f"{name} is the store this run writes to, not input: nothing in it was read. Fix: name the folder of "
        f"your logs or exports (`llmcost-forecast ingest DIR`); to report on the store: "
        f"`llmcost-forecast report --store {shlex.quote(name)}`"
    )


def walk(paths: Iterable[Path], skip: Path | None) -> Iterator[tuple[Path, str | None]]:
    """(path, None) for each file to read, or (folder, why) for a folder that cannot be listed, or
    (folder, StoreNote) for a folder that is an llmcost store (not walked): another store, or a store's
    manifest named as input, or `skip` named itself (`own_store_note`).

    Directories are walked recursively in name order (a folder's files, then its subfolders).
    Symbolic links are followed, to files and to folders, wherever they point: the user put the
    link there (docs/reliability.md); a folder reached twice (a link to an ancestor) is walked
    once. The store itself is never walked, nor hidden subfolders and NOT_DATA_DIRS below a given
    folder (hidden files are skipped too). Whatever is not a folder is yielded as is: FIFOs,
    sockets, devices, dangling links and link loops fail one by one when opened (`_open_regular`).
    """
    seen: set[tuple[int, int]] = set()
    _REAL.clear()  # what an earlier walk recorded may be stale
    for p in _expand(paths):
        if p.is_dir():
            if skip is not None and p.resolve() == skip:  # `ingest .llmcost`: it read "0 ingested", no word why
                yield p, own_store_note(p)
                continue
            skipped: Counter[str] = Counter()
            found = False
            for item in _walk_dir(p, skip, seen, skipped=skipped):
                found = True
                yield item
            if not found and skipped:
                yield p, nothing_read_note(p, skipped)
        elif p.name == STORE_MANIFEST and (note := store_note(p.parent)) is not None:
            # a store's manifest named as input: it was "no known format" (exit 1)
            yield p.parent, own_store_note(p.parent) if skip is not None and p.parent.resolve() == skip else note
        else:
            yield p, None


def _expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Each given path, `~` expanded; a path that does not exist but is a pattern (`exports/*.csv`,
    `logs/**/*.jsonl`: quoted in a crontab or a script, so no shell expanded it) stands for the paths
    it matches, in name order, `**` matching any depth as in a shell with globstar. A name that
    exists is taken as it is, whatever its characters (`replies [2026].json`). A match inside a
    folder that matched too is left to that folder's walk."""
    for given in paths:
        p = Path(given).expanduser()
        if os.path.lexists(p):
            yield p
            continue
        if not glob.has_magic(str(p)):
            raise UsageError(f"No such file or directory: {p}. Fix: check the path given to --logs / ingest.")
        matches = _matches(p)
        if not matches:
            raise UsageError(f"Nothing matches {p}. Fix: check the pattern given to --logs / ingest (a folder is "
                             "read whole: --logs DIR).")
        folders: list[str] = []
        for m in matches:  # `logs/**` matches a folder and what is in it: the folder is read whole, once
            if not any(m.startswith(d) for d in folders):
                if os.path.isdir(m):
                    folders.append(m.rstrip(os.sep) + os.sep)
                yield Path(m)


def _matches(pattern: Path) -> list[str]:
    """What `pattern` matches, in name order; when nothing does, what it matches with the longest
    leading part that is a folder taken literally (`exports [2026]/*.json`: the folder's brackets
    are its name, not a set of characters)."""
    found = glob.glob(str(pattern), recursive=True)
    parts = pattern.parts
    for i in range(len(parts) - 1, 0, -1):
        if found:
            break
        folder = Path(*parts[:i])
        if folder.is_dir() and glob.has_magic(str(folder)):
            found = glob.glob(os.path.join(glob.escape(str(folder)), *parts[i:]), recursive=True)
    return sorted(found)


def nothing_read_note(folder: Path, skipped: Counter[str]) -> StoreNote:
    """The note for a folder given to read in which every file and subfolder was skipped by its
    name (`skipped`: how many of each kind): a walk of the wrong folder (a project's source, a home
    folder's dotfiles) read "0 files", with no word why."""
    kinds = ", ".join(f"{k} {n:,}" for k, n in skipped.most_common(4))
    more = ", ..." if len(skipped) > 4 else ""
    return StoreNote(
        f"{shown_name(folder)}: no file there was read: {skipped.total():,} skipped by their names "
        f"({kinds}{more}: documents, code, pictures, hidden files and folders, caches are never usage data). "
        "Fix: point --logs at the folder that holds the logs or exports (`llmcost-forecast formats` lists "
        "what is read), or name a file to read it whatever its name"
    )


def _walk_dir(
    folder: Path, skip: Path | None, seen: set[tuple[int, int]], real: Path | None = None,
    skipped: Counter[str] | None = None,
) -> Iterator[tuple[Path, str | None]]:
    """`real`: the folder's real path when the caller knows it (a subfolder that is no link);
    `skipped` counts the files and subfolders left out by their names, by kind (`_skip_kind`)."""
    try:
        st = folder.stat()
        real = real or folder.resolve()
        if (skip is not None and real == skip) or (st.st_dev, st.st_ino) in seen:
            return
        seen.add((st.st_dev, st.st_ino))
        note = store_note(folder)
        if note is not None:
            yield folder, note
            return
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        yield folder, (
            f"{shown_name(folder)} is a folder that cannot be read ({e.strerror or e}): its files were not ingested. "
            "Fix: make it readable by the user running llmcost-forecast (chmod u+rx), or leave it out."
        )
        return
    subdirs = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()  # follows a link; False for a dangling link or a loop
        except OSError:
            is_dir = False
        if is_dir:
            if _never_data_dir(entry.name):
                if skipped is not None:
                    skipped[_skip_kind(entry.name, folder=True)] += 1
                continue
            try:
                sub_real = None if entry.is_symlink() else real / entry.name
            except OSError:
                sub_real = None
            subdirs.append((Path(entry.path), sub_real))
            continue
        name = entry.name
        if _never_data_file(name):
            if skipped is not None:
                skipped[_skip_kind(name)] += 1
            continue
        path = Path(entry.path)
        try:
            link = entry.is_symlink()
        except OSError:
            link = True
        if link:
            _REAL.pop(str(path), None)
        else:  # its real path is the folder's and its name (no resolve per file)
            _REAL[str(path)] = real / name
        yield path, None
    for d, d_real in subdirs:
        yield from _walk_dir(d, skip, seen, d_real, skipped)


def _skip_kind(name: str, folder: bool = False) -> str:
    """How a name skipped by `_never_data_dir` / `_never_data_file` is counted: a hidden name, a
    folder by its name, a licence, else a file by its extension ('.py')."""
    if name.startswith("."):
        return "hidden folders" if folder else "hidden files"
    if folder:
        return f"{name}/"
    if name.upper().startswith("LICENSE"):
        return "licences"
    return Path(name).suffix.lower() or name


_KIND = {
    stat.S_IFIFO: ("a named pipe (FIFO)", " (reading it waits for a writer, maybe forever)"),
    stat.S_IFSOCK: ("a socket", ""),
    stat.S_IFCHR: ("a character device", " (reading it may never end)"),
    stat.S_IFBLK: ("a block device", " (a whole disk)"),
}


def _open_regular(path: Path) -> int:
    """An open file descriptor of `path`, a regular file, or FormatError saying why it is skipped.

    Anything but a regular file is refused before it is opened (opening a FIFO waits for a writer,
    a device may never end, and the run holds the store's lock); the open itself does not block
    and is checked again, in case the file was swapped since.
    """
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise FormatError(_not_a_file(path, mode))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as err:
        raise FormatError(_unreadable(path, err)) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise FormatError(_not_a_file(path, mode))
    os.set_blocking(fd, True)
    return fd


def _not_a_file(path: Path, mode: int) -> str:
    kind, why = _KIND.get(stat.S_IFMT(mode), ("not a regular file", ""))
    return (f"{shown_name(path)} is {kind}, not a file: skipped{why}. Fix: copy the data into a file, or move it "
            "out of the folder.")


def _unreadable(path: Path, err: OSError) -> str:
    name = shown_name(path)
    if isinstance(err, FileNotFoundError) and os.path.islink(path):
        return (f"{name} is a symbolic link to {shown_name(os.readlink(path))}, which does not exist: skipped. "
                "Fix: point the link at a file, or remove it.")
    if err.errno == errno.ELOOP:
        return (f"{name} is a symbolic link loop (it never reaches a file): skipped. Fix: remove the link, or point "
                "it at a file.")
    if isinstance(err, PermissionError):
        return (f"{name} cannot be read (permission denied): skipped. Fix: make it readable by the user running "
                "llmcost-forecast (chmod u+r), or move it out of the folder.")
    return f"{name} cannot be read ({err.strerror or err}): skipped. Fix: check the file and its permissions."


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_POOL: ThreadPoolExecutor | None = None


def hash_pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llmcost-hash")
    return _POOL



def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


GLOB_CHARS = frozenset("*?[]{}\\")
"""Characters DuckDB reads as a glob in a file path: `app?.jsonl` also read `appX.jsonl`."""


def _safe_name(name: str) -> str:
    """A file name DuckDB reads literally: UTF-8, no control or glob characters."""
    return "".join("_" if c in GLOB_CHARS else c for c in shown_name(name).replace("/", "_")) or "file"


def _needs_alias(path: Path) -> bool:
    text = str(path)
    return shown(text) != text or not GLOB_CHARS.isdisjoint(text)


def _alias(path: Path, tmp: Path) -> Path:
    """A link with a safe name (`_safe_name`) to `path`, whose own path DuckDB cannot take as it is:
    a name that is not UTF-8 raised `RuntimeError: std::bad_cast` and stopped the run, and a glob
    character made it read other files too. DuckDB follows the link."""
    link = tmp / uuid.uuid4().hex / _safe_name(path.name)
    link.parent.mkdir(parents=True)
    link.symlink_to(os.path.abspath(path))
    return link


def readable(path: Path, tmp: Path) -> Path:
    """`path` as DuckDB can read it: itself, or a link with a safe name in `tmp` (`_alias`)."""
    return _alias(path, tmp) if _needs_alias(path) else path


def expand(path: Path, tmp: Path) -> Iterator[tuple[Path, str, str, bool]]:
    """(path on disk, display name, manifest key, gzip?) for a file, expanding .zip archives safely.
    Names are shown escaped (`shown_name`); a file whose path is not UTF-8 or holds a glob character
    is read through a link (`_alias`)."""
    with os.fdopen(_open_regular(path), "rb") as fh:
        magic = fh.read(TAR_MAGIC_AT + 5)
    if magic[:2] == b"PK" and zipfile.is_zipfile(path):
        for disk, display, is_gz in _expand_zip(path, tmp):
            yield disk, display, display, is_gz
        return
    if _is_tar(path, magic):
        for disk, display, is_gz in _expand_tar(path, tmp):
            yield disk, display, display, is_gz
        return
    if magic[:4] == intake.ZSTD_MAGIC and path.name.lower().endswith(ZSTD_TAR_NAMES):
        plain = intake.uncompress(path, tmp, shown_name(path), expansion_limit(path.stat().st_size))
        if plain is not None:
            for disk, display, is_gz in _expand_tar(plain, tmp, named=path):
                yield disk, display, display, is_gz
            return
    display = shown_name(path)
    disk = readable(path, tmp)
    # a name with "!" keeps its spelling as its key (the archive-member form), as stores have it
    key = display if "!" in display else shown_name(real_path(path))
    yield disk, display, key, magic[:2] == b"\x1f\x8b"


def _expand_zip(path: Path, tmp: Path) -> Iterator[tuple[Path, str, bool]]:
    try:
        yield from _zip_members(path, tmp)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as e:
        # damaged, encrypted (RuntimeError) or an unsupported compression method
        raise FormatError(
            f"{shown_name(path)}: the archive cannot be read ({e}). Fix: check it is complete, or extract it yourself."
        ) from None


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The first bytes of an Excel 97-2003 workbook (.xls), an OLE2 compound file."""

UNREAD_ARCHIVES = (
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "7z x {f}"),
    (b"Rar!\x1a\x07", "a RAR archive", "unrar x {f}"),
    (b"\x04\x22\x4d\x18", "an LZ4-compressed file", "lz4 -d {f}"),
)
"""Archives and compressed files known by their first bytes that are not read (Python's standard
library has no reader for them): (magic, what it is, the command that unpacks it)."""


def unread_archive_message(display: str, head: bytes) -> str | None:
    """Why a file that is a 7-Zip or RAR archive or an LZ4 file is not read, and how to unpack it;
    None for any other file. Read as text, each was "no known format", with no word that it is an
    archive."""
    for magic, kind, command in UNREAD_ARCHIVES:
        if head.startswith(magic):
            return (f"{display} is {kind}, which llmcost-forecast does not unpack. Fix: unpack it "
                    f"(`{command.format(f=shlex.quote(display))}`) and point --logs at what it holds; "
                    ".zip, tar, .gz, .zst, .bz2 and .xz files are read as they are.")
    return None


def spreadsheet_message(display: str, kind: str) -> str:
    """Why a spreadsheet file (`kind`: "an Excel workbook", ...) is not read, and what to do."""
    return (
        f"{display} is {kind}, which llmcost-forecast does not read. Fix: save each sheet with usage or cost "
        "rows as CSV (Excel: File > Save As > CSV UTF-8; LibreOffice: Save As > Text CSV) and ingest the CSV "
        "files, or download the provider's CSV export instead."
    )


def _spreadsheet(zf: zipfile.ZipFile) -> str | None:
    """What kind of spreadsheet a zip archive is (an Excel .xlsx / .xlsm workbook and an OpenDocument
    .ods spreadsheet are zip archives of XML parts), or None. Read as an archive, each of its XML
    parts was "no known format", one warning per part, and no word that the file is a workbook."""
    names = set(zf.namelist())
    if "xl/workbook.xml" in names:
        return "an Excel workbook"
    if "mimetype" in names:
        with zf.open("mimetype") as m:
            if m.read(64).startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
                return "an OpenDocument spreadsheet"
    return None


def _zip_members(path: Path, tmp: Path) -> Iterator[tuple[Path, str, bool]]:
    with zipfile.ZipFile(path) as zf:
        if (kind := _spreadsheet(zf)) is not None:
            raise FormatError(spreadsheet_message(shown_name(path), kind))
        infos = [i for i in zf.infolist() if not i.is_dir()]
        yield from _extract(path, tmp, [(i.filename, i.file_size, i.compress_size, functools.partial(zf.open, i))
                                         for i in infos])


def _extract(
    path: Path, tmp: Path, members: Sequence[tuple[str, int, int, Callable[[], IO[bytes]]]],
) -> list[tuple[Path, str, bool]]:
    """Extract an archive's `members` (name, size, compressed size, open) within the archive
    limits, for `expand`: (path on disk, display name, gzip?) of each."""
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise FormatError(
            f"{shown_name(path)}: the archive holds {len(members):,} files, over the limit of "
            f"{MAX_ARCHIVE_MEMBERS:,} per archive; refused. Fix: extract it and point --logs at the folder "
            "(a folder's progress is committed as it goes, so a long run can be stopped and resumed)."
        )
    total = sum(size for _, size, _, _ in members)
    if total > MAX_ARCHIVE_BYTES:
        raise FormatError(
            f"{shown_name(path)}: the archive's members expand to {total:,} bytes (over the "
            f"{MAX_ARCHIVE_BYTES // 1024**3} GiB limit: a likely decompression bomb); refused. "
            "Fix: extract it yourself if you trust it."
        )
    # Every member is extracted before the first is read, into one folder per archive that
    # keeps the members' folders: a format that looks for a sibling file (a Langfuse traces
    # export beside its observations) finds it in the archive as it would on disk.
    root = tmp / uuid.uuid4().hex
    out_members: list[tuple[Path, str, bool]] = []
    for name, size, packed, open_member in members:
        # Windows separators count too: `..\\x` must not pass as one odd file name
        parts = Path(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise FormatError(
                f"{shown_name(path)}: archive member {name!r} points outside the archive (zip-slip); refused. "
                "Fix: extract the archive yourself and check its contents."
            )
        if any(_never_data_dir(p) for p in parts[:-1]) or (parts and _never_data_file(parts[-1])):
            continue  # a README, a script, a resource fork: skipped as a walked folder skips them
        if size > MAX_MEMBER_BYTES or (size > SMALL_EXPANSION and size > MAX_RATIO * max(packed, 1)):
            raise FormatError(
                f"{shown_name(path)}: archive member {name!r} expands to {size:,} bytes from "
                f"{packed:,} (over the {MAX_RATIO}x / {MAX_MEMBER_BYTES // 1024**3} GiB limit: "
                "a likely decompression bomb); refused. Fix: extract it yourself if you trust it."
            )
        dest = root.joinpath(*(_safe_name(p) for p in parts[:-1]), _safe_name(parts[-1] if parts else "member"))
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            clash = dest.exists()  # a name the archive holds twice (or two names alike once made safe)
        except (FileExistsError, NotADirectoryError):  # a member "a" beside a member "a/b.jsonl"
            clash = True
        if clash:
            dest = tmp / uuid.uuid4().hex / dest.name
            dest.parent.mkdir(parents=True)
        with open_member() as src, open(dest, "wb") as out:
            written = 0
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > size + 1024:  # header lied about the size
                    raise FormatError(
                        f"{shown_name(path)}: archive member {name!r} is larger than it declares; refused."
                    )
                out.write(chunk)
        out_members.append((dest, f"{shown_name(path)}!{shown_name(name)}", _is_gzip(dest)))
    return out_members


TAR_NAMES = (".tar", ".tgz", ".tar.gz", ".tbz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz")
"""Names of a tar archive, plain or compressed with gzip, bzip2 or xz (what `tar czf`, `tar cjf`
and `tar cJf` write); a plain tar of another name is known by its `ustar` magic (`_is_tar`)."""
TAR_MAGIC_AT = 257
"""Where a POSIX (ustar) or GNU tar header holds `ustar`."""


def _is_tar(path: Path, start: bytes) -> bool:
    """The file is a tar archive: a plain one (`ustar` at byte 257 of `start`, its first bytes), or
    one named as a tar (`TAR_NAMES`) that Python's tarfile opens, compressed or not. Read as text
    before, a tar's first line of each member was glued to the member's header and quarantined,
    and the headers' own bytes read as lines."""
    if start[TAR_MAGIC_AT:TAR_MAGIC_AT + 5] == b"ustar":
        return True
    if not path.name.lower().endswith(TAR_NAMES):
        return False
    try:
        return tarfile.is_tarfile(path)
    except (OSError, EOFError, tarfile.TarError, zlib.error, lzma.LZMAError):
        return False


def _expand_tar(path: Path, tmp: Path, named: Path | None = None) -> Iterator[tuple[Path, str, bool]]:
    """The regular files of a tar archive (links, devices and folders are no data), extracted as a
    zip's members are (`_extract`, the same limits; a compressed tar's members are held to the
    ratio against the whole archive's size). `named`: the file the user gave, when `path` is its
    decompressed copy (a `.tar.zst`)."""
    named = named or path
    packed = named.stat().st_size
    try:
        with tarfile.open(path, "r:*") as tf:
            members = [(m.name, m.size, packed, functools.partial(_tar_member, tf, m)) for m in tf if m.isreg()]
            yield from _extract(named, tmp, members)
    except (OSError, EOFError, tarfile.TarError, zlib.error, lzma.LZMAError) as e:
        raise FormatError(
            f"{shown_name(named)}: the archive cannot be read ({e}). Fix: check it is complete, or extract it yourself."
        ) from None


ZSTD_TAR_NAMES = (".tar.zst", ".tzst")
"""A tar compressed with zstd (`tar --zstd -cf`): Python's tarfile does not read zstd, so it is
decompressed first (`intake.uncompress`, within the archive limits)."""


def _tar_member(tf: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    src = tf.extractfile(member)
    if src is None:  # a regular member always has its data; a damaged header may not
        raise tarfile.TarError(f"member {member.name!r} has no data")
    return src


def expansion_limit(compressed: int) -> int:
    """The most bytes a compressed file of `compressed` bytes may expand to (the archive limits:
    gzip here, zstd, bzip2 and xz in intake.uncompress); past it the file is refused as a likely bomb."""
    return min(MAX_MEMBER_BYTES, max(SMALL_EXPANSION, MAX_RATIO * compressed))


def check_gzip(path: Path, display: str) -> None:
    """Refuse a gzip file that expands past the archive limits (a decompression bomb).

    The file is inflated in bounded chunks, counting bytes and stopping at the limit. Nothing is
    written: DuckDB reads the .gz itself afterwards. The ISIZE trailer is not trusted either way:
    in a truncated file its last four bytes are compressed data, and read as a size they made a
    cut-off 3 KB download look like a bomb.
    """
    size = path.stat().st_size
    limit = expansion_limit(size)
    try:
        expanded, complete = _inflated_size(path, limit)
    except GzipDamaged as e:
        after = f", after {e.inflated:,} bytes of text" if e.inflated else ""
        raise FormatError(
            f"{display} is damaged: its gzip data does not inflate ({e.reason}{after}): a corrupted "
            "download or copy, or a file that is not gzip behind a gzip header. Fix: copy or download it again."
        ) from None
    if expanded > limit:
        raise FormatError(
            f"{display} expands to more than {limit:,} bytes from {size:,} (over the {MAX_RATIO}x / "
            f"{MAX_MEMBER_BYTES // 1024**3} GiB limit: a likely decompression bomb); refused. "
            "Fix: decompress it yourself if you trust it."
        )
    if not complete:
        raise FormatError(
            f"{display} is cut off: its gzip data stops before the end marker, after {expanded:,} bytes "
            "of text (an interrupted download or copy, or a file still being written). "
            "Fix: copy or download it again."
        )


class GzipDamaged(Exception):
    """A gzip member whose compressed data cannot be inflated (not trailing bytes after the last
    complete member, which gzip tools ignore)."""

    def __init__(self, inflated: int, reason: str) -> None:
        super().__init__(reason)
        self.inflated = inflated
        self.reason = reason


def _inflated_size(path: Path, limit: int) -> tuple[int, bool]:
    """Bytes the gzip file inflates to (counting past `limit` by at most one chunk, then stopping),
    and whether its last member reaches its end marker (False: the file is cut off). Raises
    GzipDamaged when the first member's data is broken; bytes that do not inflate after a
    complete member (zero padding, trailing garbage) end the file, as gzip tools treat them."""
    d = zlib.decompressobj(31)
    total = 0
    buf = b""
    in_member = False
    members = 0  # complete members so far
    with open(path, "rb") as fh:
        try:
            while True:
                if not buf:
                    buf = fh.read(1 << 16)  # small reads: a damaged member is located to within 64 KB
                    if not buf:
                        break
                in_member = True
                total += len(d.decompress(buf, 1 << 24))
                if total > limit:
                    return total, True
                if d.eof:  # next member of a multi-member file
                    in_member = False
                    members += 1
                    buf = d.unused_data
                    d = zlib.decompressobj(31)
                else:
                    buf = d.unconsumed_tail
            total += len(d.flush())
        except zlib.error as e:
            if members == 0:
                raise GzipDamaged(total, str(e)) from None
            return total, True  # bytes after a complete member: ignored, as gzip tools ignore them
    return total, not in_member
