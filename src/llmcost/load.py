"""Load input files into the store: walk, detect, parse, validate, quarantine, dedupe, commit.

A run is one transaction (one manifest write at its end). A file's rows are parsed and checked by
one DuckDB query (the format's SQL wrapped in the validation below) and staged to Parquet; new
files of a batchable format are read together, by one scan over the list of files, and stored as
one part per month per batch (`Loader._batch`, docs/reliability.md "Batches"); small parts are
merged past a threshold (`compact_parts`). Good rows become parts of the store,
bad rows go to the quarantine with file, line and reason, records the format marks as not usage
(`skip`) are only counted, and the manifest is replaced atomically. Rows read = stored +
duplicate + skipped + quarantined, for every file.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from llmcost import clock, ingest, intake
from llmcost.errors import FormatError, StoreError, UsageError
from llmcost.ingest import IngestContext, Ingestor, InputFile, int_sql, is_bad_number, sql_str
from llmcost.privacy import NOT_MASKED, mask_id_sql, mask_key, mask_sql, mask_text, row_guard_sql
from llmcost.schema import TABLES, USAGE_TOKEN_COLUMNS, duckdb_types
from llmcost.store import FileEntry, Manifest, Store, connect_duckdb, now_iso, one
from llmcost.text import shown, shown_name

HEAD_BYTES = 65536
MAX_TOKENS_PER_REQUEST = 100_000_000  # no model takes 100M tokens in one call
MAX_TOKENS_PER_BUCKET = 10**15
RAW_KEEP = 2000  # characters of a rejected record kept in the quarantine
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

DUCKDB_MEMORY_LIMIT = os.environ.get("LLMCOST_MEMORY_LIMIT", "1GB")


def _checkpoint_seconds() -> float:
    """Seconds between the commits of a long run ($LLMCOST_CHECKPOINT_SECONDS, default 60)."""
    try:
        v = float(os.environ.get("LLMCOST_CHECKPOINT_SECONDS", "60"))
    except ValueError:
        return 60.0
    return v if v == v and v >= 0 else 60.0  # NaN or negative: the default


CHECKPOINT_SECONDS = _checkpoint_seconds()
"""A run that has been going this long commits what it has stored so far (the same atomic manifest
replace as its final commit) and goes on: a kill then loses at most this much work, and the re-run
skips the files already committed (issue 17: a kill used to lose hours of a large run)."""


@dataclass
class FileResult:
    path: str
    status: str  # ingested | unchanged | replaced | companion | unrecognised | failed
    ingestor: str | None = None
    rows_read: int = 0
    rows_stored: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    message: str | None = None
    rows_skipped: int = 0


@dataclass
class LoadResult:
    files: list[FileResult] = field(default_factory=list)

    def by_status(self, status: str) -> list[FileResult]:
        return [f for f in self.files if f.status == status]


# ---- walking inputs -----------------------------------------------------------------------------

def _walk(paths: Iterable[Path], skip: Path | None) -> Iterator[tuple[Path, str | None]]:
    """(path, None) for each file to read, or (folder, why) for a folder that cannot be listed.

    Directories are walked recursively in name order (a folder's files, then its subfolders).
    Symbolic links are followed, to files and to folders, wherever they point: the user put the
    link there (docs/reliability.md); a folder reached twice (a link to an ancestor) is walked
    once. The store itself is never walked. Whatever is not a folder is yielded as is: FIFOs,
    sockets, devices, dangling links and link loops fail one by one when opened (`_open_regular`).
    """
    seen: set[tuple[int, int]] = set()
    for p in paths:
        p = Path(p).expanduser()
        if not os.path.lexists(p):
            raise UsageError(f"No such file or directory: {p}. Fix: check the path given to --logs / ingest.")
        if p.is_dir():
            yield from _walk_dir(p, skip, seen)
        else:
            yield p, None


def _walk_dir(folder: Path, skip: Path | None, seen: set[tuple[int, int]]) -> Iterator[tuple[Path, str | None]]:
    try:
        st = folder.stat()
        if (skip is not None and folder.resolve() == skip) or (st.st_dev, st.st_ino) in seen:
            return
        seen.add((st.st_dev, st.st_ino))
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
            subdirs.append(Path(entry.path))
            continue
        name = entry.name
        if name.startswith(".") or name.lower().endswith(NOT_DATA) or name.upper().startswith("LICENSE"):
            continue
        yield Path(entry.path), None
    for d in subdirs:
        yield from _walk_dir(d, skip, seen)


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


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llmcost-hash")
    return _POOL


def _head(path: Path, is_gzip: bool) -> bytes:
    if is_gzip:
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read(HEAD_BYTES)
        except (OSError, EOFError):
            return b""
    with open(path, "rb") as fh:
        return fh.read(HEAD_BYTES)


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
    return shown(text) != text or any(c in GLOB_CHARS for c in text)


def _alias(path: Path, tmp: Path) -> Path:
    """A link with a safe name (`_safe_name`) to `path`, whose own path DuckDB cannot take as it is:
    a name that is not UTF-8 raised `RuntimeError: std::bad_cast` and stopped the run, and a glob
    character made it read other files too. DuckDB follows the link."""
    link = tmp / uuid.uuid4().hex / _safe_name(path.name)
    link.parent.mkdir(parents=True)
    link.symlink_to(os.path.abspath(path))
    return link


def _expand(path: Path, tmp: Path) -> Iterator[tuple[Path, str, str, bool]]:
    """(path on disk, display name, manifest key, gzip?) for a file, expanding .zip archives safely.
    Names are shown escaped (`shown_name`); a file whose path is not UTF-8 or holds a glob character
    is read through a link (`_alias`)."""
    with os.fdopen(_open_regular(path), "rb") as fh:
        magic = fh.read(4)
    if magic[:2] == b"PK" and zipfile.is_zipfile(path):
        for disk, display, is_gz in _expand_zip(path, tmp):
            yield disk, display, display, is_gz
        return
    display = shown_name(path)
    disk = _alias(path, tmp) if _needs_alias(path) else path
    # a name with "!" keeps its spelling as its key (the archive-member form), as stores have it
    key = display if "!" in display else shown_name(path.resolve())
    yield disk, display, key, magic[:2] == b"\x1f\x8b"


def _expand_zip(path: Path, tmp: Path) -> Iterator[tuple[Path, str, bool]]:
    try:
        yield from _zip_members(path, tmp)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as e:
        # damaged, encrypted (RuntimeError) or an unsupported compression method
        raise FormatError(
            f"{shown_name(path)}: the archive cannot be read ({e}). Fix: check it is complete, or extract it yourself."
        ) from None


def _zip_members(path: Path, tmp: Path) -> Iterator[tuple[Path, str, bool]]:
    with zipfile.ZipFile(path) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            raise FormatError(
                f"{shown_name(path)}: the archive holds {len(infos):,} files, over the limit of "
                f"{MAX_ARCHIVE_MEMBERS:,} per archive; refused. Fix: extract it and point --logs at the folder "
                "(a folder's progress is committed as it goes, so a long run can be stopped and resumed)."
            )
        total = sum(i.file_size for i in infos)
        if total > MAX_ARCHIVE_BYTES:
            raise FormatError(
                f"{shown_name(path)}: the archive's members expand to {total:,} bytes (over the "
                f"{MAX_ARCHIVE_BYTES // 1024**3} GiB limit: a likely decompression bomb); refused. "
                "Fix: extract it yourself if you trust it."
            )
        for info in infos:
            name = info.filename
            # Windows separators count too: `..\\x` must not pass as one odd file name
            parts = Path(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise FormatError(
                    f"{shown_name(path)}: archive member {name!r} points outside the archive (zip-slip); refused. "
                    "Fix: extract the archive yourself and check its contents."
                )
            if info.file_size > MAX_MEMBER_BYTES or (
                info.file_size > SMALL_EXPANSION and info.file_size > MAX_RATIO * max(info.compress_size, 1)
            ):
                raise FormatError(
                    f"{shown_name(path)}: archive member {name!r} expands to {info.file_size:,} bytes from "
                    f"{info.compress_size:,} (over the {MAX_RATIO}x / {MAX_MEMBER_BYTES // 1024**3} GiB limit: "
                    "a likely decompression bomb); refused. Fix: extract it yourself if you trust it."
                )
            dest = tmp / uuid.uuid4().hex / _safe_name(Path(name.replace("\\", "/")).name or "member")
            dest.parent.mkdir(parents=True)
            with zf.open(info) as src, open(dest, "wb") as out:
                written = 0
                while chunk := src.read(1 << 20):
                    written += len(chunk)
                    if written > info.file_size + 1024:  # header lied about the size
                        raise FormatError(
                            f"{shown_name(path)}: archive member {name!r} is larger than it declares; refused."
                        )
                    out.write(chunk)
            is_gz = _is_gzip(dest)
            yield dest, f"{shown_name(path)}!{shown_name(name)}", is_gz


def _gzip_limit(compressed: int) -> int:
    return min(MAX_MEMBER_BYTES, max(SMALL_EXPANSION, MAX_RATIO * compressed))


def _check_gzip(path: Path, display: str) -> None:
    """Refuse a gzip file that expands past the archive limits (a decompression bomb).

    The file is inflated in bounded chunks, counting bytes and stopping at the limit. Nothing is
    written: DuckDB reads the .gz itself afterwards. The ISIZE trailer is not trusted either way:
    in a truncated file its last four bytes are compressed data, and read as a size they made a
    cut-off 3 KB download look like a bomb.
    """
    size = path.stat().st_size
    limit = _gzip_limit(size)
    expanded, complete = _inflated_size(path, limit)
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


def _inflated_size(path: Path, limit: int) -> tuple[int, bool]:
    """Bytes the gzip file inflates to (counting past `limit` by at most one chunk, then stopping),
    and whether its last member reaches its end marker (False: the file is cut off)."""
    d = zlib.decompressobj(31)
    total = 0
    buf = b""
    in_member = False
    with open(path, "rb") as fh:
        try:
            while True:
                if not buf:
                    buf = fh.read(1 << 20)
                    if not buf:
                        break
                in_member = True
                total += len(d.decompress(buf, 1 << 24))
                if total > limit:
                    return total, True
                if d.eof:  # next member of a multi-member file
                    in_member = False
                    buf = d.unused_data
                    d = zlib.decompressobj(31)
                else:
                    buf = d.unconsumed_tail
            total += len(d.flush())
        except zlib.error:
            return total, True  # damaged or trailing garbage: not a bomb; the parse reports what it can read
    return total, not in_member


# ---- the validation query ---------------------------------------------------------------------------

def _columns_of(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE ({sql})").fetchall()
    return {r[0]: r[1] for r in rows}


def _format_error(error: str, raw: str) -> str:
    """SQL: the format's own reason for rejecting a row, with one correction made for every format.

    The JSON line readers accept only objects, so a line that parses as JSON but is not an
    object (`42`, `[1]`, `"text"`, `null`) fails their object check, which each format reports as
    'not valid JSON'. Such a line is valid JSON: it is quarantined as 'not a JSON object' instead
    (issue 20), here, once, rather than in every format's query.
    """
    return (
        f"CASE WHEN {error} = 'not valid JSON' AND json_valid({raw}) AND json_type({raw}) <> 'OBJECT' "
        f"THEN 'not a JSON object' ELSE {error} END"
    )


def validated_sql(
    con: duckdb.DuckDBPyConnection, ing: Ingestor, f: InputFile, ctx: IngestContext, seq: int = 0
) -> str:
    """The format's query wrapped in type, range and completeness checks (one SQL statement)."""
    fmt_sql = ing.query(f, ctx)
    have = _columns_of(con, fmt_sql)
    for required in ("source_line", "raw"):
        if required not in have:
            raise RuntimeError(f"format {ing.name} query lacks column {required}")
    table = ing.table
    types = duckdb_types(table)
    numeric_cols = [c for c, t in types.items() if t in ("BIGINT", "INTEGER")] if table == "usage" else []
    money_cols = [c for c, t in types.items() if t.startswith("DECIMAL")]
    sel = []
    errs = [_format_error("s.error", "s.raw") if "error" in have else "NULL"]
    for col, typ in types.items():
        if col in ("source", "source_file"):
            continue
        if col not in have:
            sel.append(f"CAST(NULL AS {typ}) AS {col}")
            continue
        src_t = have[col]
        expr = f"s.{col}"
        if col in numeric_cols and col != "source_line":
            if src_t == "VARCHAR":
                errs.append(f"CASE WHEN {is_bad_number(expr)} THEN 'non-numeric {col}: ' || left({expr}, 40) END")
                expr = int_sql(expr)
            expr = f"CAST({expr} AS {typ})"
        elif col in money_cols:
            if src_t == "VARCHAR":
                errs.append(f"CASE WHEN {is_bad_number(expr)} THEN 'non-numeric {col}: ' || left({expr}, 40) END")
                expr = f"TRY_CAST(trim({expr}) AS {typ})"
            else:
                expr = f"CAST({expr} AS {typ})"
        elif typ == "TIMESTAMPTZ" and src_t != "TIMESTAMP WITH TIME ZONE":
            expr = f"TRY_CAST({expr} AS TIMESTAMPTZ)"
        elif src_t != typ and not (typ == "VARCHAR"):
            expr = f"TRY_CAST({expr} AS {typ})"
        elif typ == "VARCHAR" and src_t != "VARCHAR":
            expr = f"CAST({expr} AS VARCHAR)"
        sel.append(f"{expr} AS {col}")
    skip = "coalesce(TRY_CAST(s.skip AS BOOLEAN), false)" if "skip" in have else "false"
    # one cheap test per row for secrets in any of its free-text columns (llmcost.privacy)
    free_text = [c for c, t in types.items() if t == "VARCHAR" and c in have and c not in NOT_MASKED
                 and c not in ("prompt_text", "response_text")]
    if f.batch:
        for required in ("_display", "_bseq"):
            if required not in have:
                raise RuntimeError(f"format {ing.name} is batchable but its query lacks column {required}")
        sel.append("s._display AS _display, s._bseq AS _bseq")
    typed = (
        f"SELECT s.raw AS _raw, {', '.join(sel)}, coalesce({', '.join(errs)}) AS _fmt_error, "
        f"{skip} AS _skip, {row_guard_sql([f's.{c}' for c in (*free_text, 'event_id') if c in have])} AS _may_secret "
        f"FROM ({fmt_sql}) s"
    )

    latest = clock.now().isoformat()  # "the future" is judged against the tool's clock (llmcost.clock)
    checks = ["_fmt_error", "CASE WHEN ts IS NULL THEN 'missing or unparseable timestamp' END",
              f"CASE WHEN ts < TIMESTAMPTZ '1990-01-01' OR ts > TIMESTAMPTZ '{latest}' + INTERVAL 2 DAY "
              "THEN 'timestamp out of range: ' || CAST(ts AS VARCHAR) END"]
    if table == "usage":
        limit = MAX_TOKENS_PER_BUCKET if ing.grain == "bucket" else MAX_TOKENS_PER_REQUEST
        for c in ("web_search_calls", "file_search_calls"):
            checks.append(f"CASE WHEN {c} < 0 THEN 'negative {c}: ' || {c} END")
        for c in (*USAGE_TOKEN_COLUMNS, "request_count"):
            checks.append(f"CASE WHEN {c} < 0 THEN 'negative {c}: ' || {c} END")
            checks.append(f"CASE WHEN {c} > {limit} THEN 'implausible {c}: ' || {c} END")
        checks.append(
            "CASE WHEN input_tokens IS NULL AND output_tokens IS NULL AND cache_read_tokens IS NULL "
            "AND request_count IS NULL THEN 'no token counts' END"
        )
        checks.append(
            "CASE WHEN coalesce(cache_write_1h_tokens, 0) > coalesce(cache_write_tokens, 0) "
            "THEN 'cache_write_1h_tokens exceed cache_write_tokens' END"
        )
        checks.append(
            "CASE WHEN coalesce(reasoning_tokens, 0) > coalesce(output_tokens, 0) "
            "THEN 'reasoning_tokens exceed output_tokens' END"
        )
    else:
        checks.append("CASE WHEN cost_usd IS NULL THEN 'missing cost' END")
    error = "coalesce(" + ", ".join(checks) + ")"

    out = []
    for col, _typ in types.items():
        if col == "source":
            out.append(f"{sql_str(ing.name)} AS source")
        elif col == "source_file":
            out.append(f"{f.name_sql()} AS source_file")
        elif col == "event_id":
            raw_id = f"md5({sql_str(ing.name)} || chr(31) || coalesce(_raw, ''))"
            out.append(f"coalesce({mask_id_sql('event_id', '_may_secret')}, {raw_id}) AS event_id")
        elif col == "grain":
            out.append(f"coalesce(grain, {sql_str(ing.grain)}) AS grain")
        elif col in USAGE_TOKEN_COLUMNS:
            out.append(f"coalesce({col}, 0) AS {col}")
        elif col == "request_count":
            out.append("coalesce(request_count, 1) AS request_count")
        elif col in ("batch", "conversation_inferred", "response_cache_hit"):
            out.append(f"coalesce({col}, false) AS {col}")
        elif col == "cache_known":
            out.append("coalesce(cache_known, false) AS cache_known")
        elif col == "run_labels":
            labels = json.dumps(ctx.labels, sort_keys=True, ensure_ascii=False) if ctx.labels else None
            out.append(f"CAST({sql_str(labels) if labels else 'NULL'} AS VARCHAR) AS run_labels")
        elif col in ("prompt_text", "response_text"):
            out.append(f"{mask_sql(col)} AS {col}" if ctx.keep_text else f"CAST(NULL AS VARCHAR) AS {col}")
        elif _typ == "VARCHAR" and col not in NOT_MASKED:
            # every free-text column: model, project, user, conversation, tags in extra, ... (llmcost.privacy)
            out.append(f"{mask_sql(col, '_may_secret' if col in free_text else None)} AS {col}")
        else:
            out.append(col)
    return (
        # the rejected rows' raw text is masked already in the stage file, which a killed run
        # leaves in .staging until the next writer's clean-up
        f"SELECT * REPLACE (CASE WHEN _error IS NOT NULL THEN {mask_sql(f'left(_raw, {RAW_KEEP * 2})')} "
        "END AS _raw) FROM ("
        f"SELECT {', '.join(out)}, CAST({'_bseq' if f.batch else int(seq)} AS BIGINT) AS _seq, false AS _dup, "
        # a skipped record (the format's `skip`) is counted, never checked or quarantined
        f"CASE WHEN NOT _skip THEN {error} END AS _error, _skip, event_id IS NULL AS _id_from_raw, _raw, "
        "CAST(year(ts) * 100 + month(ts) AS INTEGER) AS month "
        f"FROM ({typed}))"
    )


def derived_key(key: str, reader: Ingestor) -> str:
    """Manifest key of the rows `reader` derives from the file at `key` (see Ingestor.derived)."""
    return f"{key}#derived:{reader.table}"


def _month_name(month: int) -> str:
    """202609 -> '2026-09' (the partition folder name)."""
    return f"{month // 100:04d}-{month % 100:02d}"


def _near_months(name: str) -> set[str]:
    """'2026-09' -> {'2026-08', '2026-09', '2026-10'}."""
    year, month = int(name[:4]), int(name[5:7])
    index = year * 12 + month - 1
    return {f"{i // 12:04d}-{i % 12 + 1:02d}" for i in (index - 1, index, index + 1)}


SNAPSHOT_FIELDS = (*USAGE_TOKEN_COLUMNS, "reported_cost_usd", "web_search_calls", "file_search_calls")
"""The columns a snapshot format's stored row takes the per-field maximum of (Ingestor.snapshots)."""


# ---- the loader -----------------------------------------------------------------------------------

ID_CACHE_ROWS = 2_000_000
"""Event ids of existing parts a run keeps in memory for its duplicate checks (about 100 MB)."""

# Batches (docs/reliability.md, "Batches"): new files of a format that allows it
# (`Ingestor.batchable`) are read by one scan over the list of files, BATCH_FILES files or
# BATCH_BYTES bytes at most per batch (so memory stays bounded: the stage is Parquet on disk and
# DuckDB stays under its memory limit), and stored as one part per month per batch. A file larger
# than BATCH_FILE_BYTES is read on its own (the fast JSON path suits it better).
BATCH_FILES = 2000
BATCH_BYTES = 256 * 1024**2
BATCH_FILE_BYTES = 64 * 1024**2


FILESTAT = ".filestat.json"
"""Beside the manifest: the size, modification time (ns) and sha256 of each file when a run last
read it, so a re-run skips unchanged files without reading them (a cache, never the commit)."""


def _read_filestat(root: Path) -> dict[str, list[Any]]:
    try:
        data = json.loads((root / FILESTAT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class _Pending:
    """A new file waiting for its batch."""

    disk: Path
    display: str
    key: str
    size: int
    hashing: Any

class Loader:
    """Ingest files into one store. Use as `Loader(store, ...).run(paths)` under the store lock."""

    def __init__(
        self,
        store: Store,
        *,
        source: str | None = None,
        keep_text: bool = False,
        labels: Mapping[str, str] | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ):
        self.store = store
        self.forced = ingest.get(source) if source else None
        self.ctx = IngestContext(keep_text=keep_text)
        self.labels = dict(labels or {})
        self.progress = progress
        self.garbage: list[str] = []  # store files the commit makes obsolete; deleted after it
        self.changed = False
        self._work = Path()
        # Parts whose event ids are cached in TEMP TABLE part_ids for this run (parts are
        # immutable: a rewrite is a new file), and how many ids the cache holds.
        self._cached_parts: set[str] = set()
        self._cached_ids = 0
        # new files of a batchable format waiting for their batch, by (format, gzip, CRLF)
        self._pending: dict[tuple[str, bool, bool], list[_Pending]] = {}
        self._pending_keys: set[str] = set()
        self._filestat = _read_filestat(store.root)
        self._seen: dict[str, tuple[int, int]] = {}  # key -> (size, mtime_ns) when this run opened it
        self._pending_bytes: dict[tuple[str, bool, bool], int] = {}

    def _connect(self, tmp: Path) -> duckdb.DuckDBPyConnection:
        con = connect_duckdb({"memory_limit": DUCKDB_MEMORY_LIMIT, "temp_directory": str(tmp / "spill")})
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = false")
        return con

    def run(self, paths: Iterable[Path]) -> LoadResult:
        with intake.private_store(self.store.root):  # 0600 files, 0700 folders (llmcost.intake)
            return self._run(paths)

    def _run(self, paths: Iterable[Path]) -> LoadResult:
        result = LoadResult()
        manifest = self.store.read_manifest()
        problems = self.store.verify(manifest)
        if problems:
            # never build on a damaged store: the clash checks would misread it or fail per file
            raise StoreError(
                f"The store {self.store.root} is damaged: {'; '.join(problems[:3])}. Fix: delete the store "
                "directory and ingest again (inputs are never modified)."
            )
        self.store.collect_garbage(manifest)
        skip = self.store.root.resolve()
        files = list(_walk(paths, skip))
        work = self._work = self.store.staging_dir()
        try:
            con = self._connect(work)
            self.ctx.con = con
            last_commit = clock.wall_now()
            for i, (path, unreadable) in enumerate(files):
                if self.changed and (clock.wall_now() - last_commit).total_seconds() >= CHECKPOINT_SECONDS:
                    self._checkpoint(con, manifest, work, result)
                    last_commit = clock.wall_now()
                if self.progress:
                    self.progress(mask_text(shown_name(path)), i, len(files))
                if unreadable:
                    result.files.append(FileResult(mask_key(shown_name(path)), "failed",
                                                   message=mask_text(shown(unreadable))))
                    continue
                try:
                    for disk, display, key, is_gz in _expand(path, work):
                        manifest = self._one(con, manifest, disk, display, key, is_gz, work, result)
                except FormatError as e:
                    result.files.append(FileResult(mask_key(shown_name(path)), "failed", message=mask_text(shown(e))))
            self._flush(con, manifest, work, result)
            if self.progress:
                self.progress("", len(files), len(files))
            # small parts merged in the same commit (AUTO_COMPACT_PARTS)
            merged = compact_parts(con, self.store.root, manifest, AUTO_COMPACT_PARTS, work)
            if merged:
                self.garbage += merged
                self.changed = True
            con.close()
            if self.changed or not (self.store.root / "manifest.json").exists():
                # The run's one commit point: until this replace, readers and a re-run see the
                # store exactly as it was before the run.
                self.store.write_manifest(manifest)
                for rel in self.garbage:
                    (self.store.root / rel).unlink(missing_ok=True)
            self._write_filestat(manifest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return result

    def _checkpoint(self, con: duckdb.DuckDBPyConnection, manifest: Manifest, work: Path, result: LoadResult) -> None:
        """Commit the files done so far in the middle of a long run. Pending batches are stored
        first; the parts this run replaced stay on disk until the final commit (a part still
        read by this run is never deleted under it; a kill leaves them for the next run's garbage
        collection)."""
        self._flush(con, manifest, work, result)
        self.store.write_manifest(manifest)

    def _one(
        self,
        con: duckdb.DuckDBPyConnection,
        manifest: Manifest,
        disk: Path,
        display: str,
        key: str,
        is_gz: bool,
        work: Path,
        result: LoadResult,
    ) -> Manifest:
        display, key = intake.masked_names(display, key)  # a secret in a file name (llmcost.intake)
        size = disk.stat().st_size
        if size == 0:
            result.files.append(FileResult(
                key, "unrecognised",
                message=f"{display} is empty (0 bytes): nothing to ingest. Fix: check the export finished, or "
                "remove the file."))
            return manifest
        old = manifest.files.get(key)
        # A file keeps the labels it was stored with unless this run gives labels; an unchanged
        # file given other labels is read again to carry them.
        old_labels = (old.labels or {}) if old else {}
        labels = self.labels or old_labels
        hashing = None
        mtime = disk.stat().st_mtime_ns
        self._seen[key] = (size, mtime)
        if old and old.size == size:
            # size and modification time as the last run saw them: the hash it recorded stands
            # (FILESTAT: a cache beside the manifest; without it, or on any mismatch, hash)
            sha = old.sha256 if self._filestat.get(key) == [size, mtime, old.sha256] else _sha256(disk)
            if old.sha256 == sha and self._derived_complete(manifest, key, old.ingestor) and labels == old_labels:
                result.files.append(FileResult(key, "unchanged", old.ingestor))
                return manifest
        else:
            # new or resized: it must be parsed anyway, so it is hashed while DuckDB parses
            # (hashlib releases the GIL on large buffers); a batch's files when their batch is
            # read (hashing thousands of small files beside the detection only fought for the GIL)
            sha = ""
        if is_gz:
            try:
                _check_gzip(disk, display)
            except FormatError as e:
                result.files.append(FileResult(key, "failed", message=mask_text(str(e))))
                return manifest
        # hooks (llmcost.intake): a long first record, UTF-16/32 text, our own reports
        head = intake.head(disk, is_gz)
        utf8 = intake.transcode(disk, is_gz, head, work)
        if utf8:
            disk, is_gz, head = utf8
        ours = intake.own_output(head, display)
        if ours:
            result.files.append(FileResult(key, "unrecognised", message=ours))
            return manifest
        f = InputFile(path=disk, display=key, head=head, size=size, sha256=sha, gzip=is_gz, hashing=hashing)
        if self.forced:
            ing = self.forced
        else:
            hits = ingest.detect(head, display)
            why = None if hits else ingest.companion(head, display)
            if why:
                result.files.append(FileResult(key, "companion", message=why))
                return manifest
            if not hits:
                result.files.append(FileResult(
                    key, "unrecognised",
                    message=f"no known format matches {display} (`llmcost-forecast formats` lists the "
                    f"{len(ingest.registry())} known formats). Fix: pass --source NAME, or describe your "
                    "columns with --mapping FILE / --map col=field.",
                ))
                return manifest
            ing = hits[0]
        if key in self._pending_keys:
            self._flush(con, manifest, work, result)  # the same file twice: the second sees the first
            return self._one(con, manifest, disk, display, key, is_gz, work, result)
        if ing.batchable and old is None and size <= BATCH_FILE_BYTES and not ing.derived:
            group = (ing.name, is_gz, b"\r\n" in head)
            pending = self._pending.setdefault(group, [])
            pending.append(_Pending(disk, display, key, size, None))
            self._pending_keys.add(key)
            self._pending_bytes[group] = self._pending_bytes.get(group, 0) + size
            if len(pending) >= BATCH_FILES or self._pending_bytes[group] >= BATCH_BYTES:
                self._flush(con, manifest, work, result, group)
            return manifest
        if not sha:
            f = replace(f, hashing=_pool().submit(_sha256, disk))
        self.ctx.labels = labels
        self._single(con, manifest, ing, f, old, result, display)
        return manifest

    def _single(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, ing: Ingestor, f: InputFile,
        old: FileEntry | None, result: LoadResult, display: str,
    ) -> None:
        """Stage and commit one file (and the rows its format derives from it) on its own."""
        key = f.display
        work = self._work
        try:
            entry = self._stage_and_commit(con, manifest, ing, f, work)
            for reader in ing.derived:
                self._stage_and_commit(con, manifest, reader, f, work, key=derived_key(key, reader), derived_from=key)
            self._drop_derived(manifest, key, {derived_key(key, r) for r in ing.derived})
        except (duckdb.Error, sqlite3.Error, pa.ArrowException, UnicodeError, RecursionError) as e:
            # Hostile or damaged input (DuckDB and SQLite errors, a value Arrow cannot convert in a
            # format read in Python, text DuckDB cannot decode, JSON nested too deep for Python):
            # the file fails with one line, the run goes on. The message may quote the input, so
            # it is masked like everything else.
            msg = (str(e).splitlines() or [type(e).__name__])[0][:500]
            fix = ("Fix: save the file as UTF-8." if isinstance(e, UnicodeError)
                   else "Fix: check the file is complete, or force another format with --source.")
            result.files.append(FileResult(
                key, "failed", ing.name, message=mask_text(f"{display} could not be read as {ing.name}: {msg}. {fix}"),
            ))
            return
        status = "replaced" if old else "ingested"
        result.files.append(FileResult(
            key, status, ing.name, entry.rows_read, entry.rows_stored, entry.rows_duplicate, entry.rows_quarantined,
            rows_skipped=entry.rows_skipped,
        ))

    def _write_filestat(self, manifest: Manifest) -> None:
        """Record (size, mtime_ns, sha256) of the files this run saw, after the commit: a file
        whose size and mtime match next time is not hashed again. Only a cache: an entry whose
        hash is not the manifest's is ignored, so a run killed before this write costs a hash."""
        cache = {k: v for k, v in self._filestat.items() if k in manifest.files}
        for key, (size, mtime) in self._seen.items():
            fe = manifest.files.get(key)
            if fe is not None and fe.size == size:
                cache[key] = [size, mtime, fe.sha256]
        if cache == self._filestat:
            return
        tmp = self.store.root / f"{FILESTAT}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps(cache), encoding="utf-8")
        os.replace(tmp, self.store.root / FILESTAT)

    def _flush(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, work: Path, result: LoadResult,
        group: tuple[str, bool, bool] | None = None,
    ) -> None:
        """Ingest the pending new files of `group` (all groups when None) as batches."""
        for g in [group] if group else sorted(self._pending):
            items = self._pending.pop(g, [])
            self._pending_bytes.pop(g, None)
            self._pending_keys.difference_update(it.key for it in items)
            if items:
                self._batch(con, manifest, ingest.get(g[0]) if not self.forced else self.forced, items,
                            g[1], g[2], work, result)

    def _batch(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, ing: Ingestor, items: list[_Pending],
        gz: bool, crlf: bool, work: Path, result: LoadResult,
    ) -> None:
        """Read new files of one format with one scan and store them as one batch. When the scan
        fails, the batch is staged in halves (and halves of those) until each file that fails is
        alone; the good files are still stored as one batch (one part per month), and each file
        that failed is read on its own, on the per-file path, which reports why. One bad file
        never stops the good ones."""
        self.ctx.labels = dict(self.labels)
        for it in items:
            if it.hashing is None:  # hashed while DuckDB reads the batch (it releases the GIL)
                it.hashing = _pool().submit(_sha256, it.disk)
        if len(items) == 1:
            it = items[0]
            f = InputFile(path=it.disk, display=it.key, head=b"\r\n" if crlf else b"\n", size=it.size, sha256="",
                          gzip=gz, hashing=it.hashing)
            self._single(con, manifest, ing, f, None, result, it.display)
            return
        seq0 = manifest.next_seq
        stage_dir = work / f"b{seq0}-{uuid.uuid4().hex[:8]}"
        stage_dir.mkdir()
        stages: list[Path] = []
        bad: list[_Pending] = []
        self._stage_batch(con, ing, [(it, seq0 + i) for i, it in enumerate(items)], gz, crlf, stage_dir, stages, bad)
        good = [(it, seq0 + i) for i, it in enumerate(items) if it not in bad]
        manifest.next_seq = seq0 + len(items)  # a failed file's seq is left unused
        if good:
            entries = self._commit_batch(con, manifest, ing, good, stages, stage_dir)
            for (it, _seq), entry in zip(good, entries, strict=True):
                result.files.append(FileResult(
                    it.key, "ingested", ing.name, entry.rows_read, entry.rows_stored, entry.rows_duplicate,
                    entry.rows_quarantined, rows_skipped=entry.rows_skipped,
                ))
        shutil.rmtree(stage_dir, ignore_errors=True)
        for it in bad:
            self._batch(con, manifest, ing, [it], gz, crlf, work, result)

    def _stage_batch(
        self, con: duckdb.DuckDBPyConnection, ing: Ingestor, members: list[tuple[_Pending, int]], gz: bool,
        crlf: bool, stage_dir: Path, stages: list[Path], bad: list[_Pending],
    ) -> None:
        """Stage `members` (file, seq) with one scan to a Parquet file added to `stages`; when the
        scan fails, stage each half the same way; a file that fails alone goes to `bad`."""
        first = members[0][0]
        f = InputFile(path=first.disk, display=first.key, head=b"\r\n" if crlf else b"\n",
                      size=sum(it.size for it, _ in members), sha256="", gzip=gz,
                      batch=tuple((str(it.disk), it.key, seq) for it, seq in members))
        stage = stage_dir / f"stage{len(stages)}-{uuid.uuid4().hex[:8]}.parquet"
        try:
            sql = validated_sql(con, ing, f, self.ctx, members[0][1])
            con.execute(f"COPY ({sql}) TO {sql_str(str(stage))} (FORMAT parquet)")
        except (duckdb.Error, UnicodeError, RecursionError):
            stage.unlink(missing_ok=True)
            if len(members) == 1:
                bad.append(first)
                return
            half = len(members) // 2
            self._stage_batch(con, ing, members[:half], gz, crlf, stage_dir, stages, bad)
            self._stage_batch(con, ing, members[half:], gz, crlf, stage_dir, stages, bad)
            return
        stages.append(stage)

    def _commit_batch(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, ing: Ingestor, items: list[tuple[_Pending, int]],
        stages: list[Path], stage_dir: Path,
    ) -> list[FileEntry]:
        """Add a staged batch (rows of many new files, `_seq` naming each file) to the manifest:
        one part per month for the whole batch, one manifest entry per file with its own counts
        (read = stored + duplicate + skipped + quarantined, from GROUP BY _seq). Duplicates resolve
        as if the files had been ingested one by one in order: a request's first copy (store,
        then earlier file) stays live, a bucket's last, a snapshot's largest (`_elect_snapshots`)."""
        root = self.store.root
        table = ing.table
        types = duckdb_types(table)
        cols = ", ".join(types)
        seq0 = items[0][1]
        con.execute("CREATE OR REPLACE TEMP VIEW stage AS SELECT * FROM read_parquet("
                    f"[{', '.join(sql_str(str(p)) for p in stages)}])")
        counts = {r[0]: r[1:] for r in con.execute(
            "SELECT _seq, count(*), count(*) FILTER (WHERE _error IS NOT NULL), count(*) FILTER (WHERE _skip) "
            "FROM stage GROUP BY _seq"
        ).fetchall()}
        quarantine: dict[int, str] = {}
        for seq, (_read, quarantined, _skipped) in sorted(counts.items()):
            if not quarantined:
                continue
            qname = f"{seq:06d}-{uuid.uuid4().hex[:8]}.jsonl"
            qtmp = stage_dir / qname
            con.execute(
                f"""COPY (SELECT source_file AS file, source_line AS line, _error AS reason,
                        left({mask_sql('_raw')}, {RAW_KEEP}) AS raw
                      FROM stage WHERE _error IS NOT NULL AND _seq = {int(seq)} ORDER BY source_line)
                    TO {sql_str(str(qtmp))} (FORMAT json)"""
            )
            (root / "quarantine").mkdir(exist_ok=True)
            quarantine[seq] = f"quarantine/{qname}"
            os.replace(qtmp, root / quarantine[seq])

        # one row per (file, event): the first line's fields; a snapshot format's per-field maximum
        snap = ing.snapshots
        latest_wins = ing.grain == "bucket"
        picked = ", ".join(f"max({c}) OVER (PARTITION BY _seq, event_id) AS {c}" if snap and c in SNAPSHOT_FIELDS
                           else c for c in types)
        order = "_seq DESC" if latest_wins else "_seq"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE good_in AS
                SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY {order}) > 1 AS _bdup FROM (
                  SELECT {picked}, _seq, month FROM stage WHERE _error IS NULL AND NOT _skip
                  QUALIFY row_number() OVER (PARTITION BY _seq, event_id ORDER BY source_line) = 1)"""
        )
        months = [r[0] for r in con.execute("SELECT DISTINCT month FROM good_in ORDER BY 1").fetchall()]
        month_names = {_month_name(m) for m in months}
        if snap:
            month_names = {n for m in month_names for n in _near_months(m)}
        existing = [str(root / p) for p in manifest.parts(table, month_names)]
        ids = "good_in"
        if snap:
            con.execute("CREATE OR REPLACE TEMP TABLE snap_ids AS SELECT DISTINCT event_id FROM good_in")
            ids = "snap_ids"
        if existing:
            self._clash(con, existing, ids)
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE clash (event_id VARCHAR, filename VARCHAR)")
        (n_clash,) = one(con.execute("SELECT count(*) FROM clash"))
        rewrites: dict[str, str] = {}
        if snap:
            # the election weighs every copy: the store's and each file's of this batch
            rewrites = self._elect_snapshots(con)
            dup_expr = "_snap_dup"
        else:
            con.execute("CREATE OR REPLACE TEMP VIEW good AS SELECT * FROM good_in")
            dup_expr = "_bdup"
            if latest_wins:
                for (fname,) in con.execute("SELECT DISTINCT filename FROM clash").fetchall():
                    rewrites[fname] = (f"SELECT * REPLACE (_dup OR event_id IN (SELECT event_id FROM good) AS _dup) "
                                       f"FROM read_parquet({sql_str(fname)})")
            elif n_clash:
                dup_expr = "_bdup OR event_id IN (SELECT event_id FROM clash)"
        stored = {r[0]: r[1] for r in con.execute(
            f"SELECT _seq, count(*) FILTER (WHERE NOT ({dup_expr})) FROM good GROUP BY _seq"
        ).fetchall()}

        rewritten: dict[str, str] = {}
        for fname, select_old in rewrites.items():
            rel_old = Path(fname).relative_to(root).as_posix()
            rel_new = f"{Path(rel_old).parent.as_posix()}/{Path(rel_old).stem}-r{seq0}.parquet"
            con.execute(f"COPY ({select_old}) TO {sql_str(str(root / rel_new))} (FORMAT parquet)")
            rewritten[rel_old] = rel_new

        # the batch's parts: one per month (unlisted until the manifest commit)
        by_month: dict[int, str] = {}
        if months:
            out_dir = stage_dir / "parts"
            con.execute(
                f"""COPY (SELECT {cols}, _seq, {dup_expr} AS _dup, month FROM good)
                    TO {sql_str(str(out_dir))} (FORMAT parquet, PARTITION_BY (month),
                    FILENAME_PATTERN 'b{seq0:06d}_{{uuid}}')"""
            )
            for p in sorted(out_dir.rglob("*.parquet")):
                month = int(p.parent.name.split("=", 1)[1])
                folder = f"month={_month_name(month)}"
                rel = f"{table}/{folder}/{p.name}"
                (root / table / folder).mkdir(parents=True, exist_ok=True)
                os.replace(p, root / rel)
                by_month[month] = rel
        file_months = {r[0]: r[1] for r in con.execute(
            "SELECT _seq, list(DISTINCT month ORDER BY month) FROM good_in GROUP BY _seq"
        ).fetchall()}

        entries = []
        for it, seq in items:
            read, quarantined, skipped = counts.get(seq, (0, 0, 0))
            parts = [by_month[m] for m in file_months.get(seq, [])]
            entry = FileEntry(
                path=it.key, size=it.size, sha256=it.hashing.result() if it.hashing else _sha256(it.disk),
                ingestor=ing.name, table=table, seq=seq, ingested_at=now_iso(), rows_read=read,
                rows_stored=stored.get(seq, 0), rows_duplicate=read - quarantined - skipped - stored.get(seq, 0),
                rows_quarantined=quarantined, rows_skipped=skipped, parts=parts, quarantine=quarantine.get(seq),
                months=sorted({Path(p).parent.name.split("=", 1)[1] for p in parts}),
                labels=dict(self.ctx.labels) or None,
            )
            manifest.files[it.key] = entry
            entries.append(entry)
        if rewritten:
            mine = {id(e) for e in entries}
            touched = []
            for fe in manifest.files.values():
                if id(fe) not in mine and any(p in rewritten for p in fe.parts):
                    fe.parts = [rewritten.get(p, p) for p in fe.parts]
                    touched.append(fe)
            self._recount(con, touched)
        self.changed = True
        self.garbage += list(rewritten)
        con.execute("DROP VIEW IF EXISTS good")
        con.execute("DROP VIEW IF EXISTS stage")
        for t in ("good_in", "clash", "snap_ids", "snap_copies", "snap_win"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        return entries

    def _derived_complete(self, manifest: Manifest, key: str, ingestor: str) -> bool:
        """False when the file's format derives rows into another table and the store lacks them
        (a store written before the format did, e.g. FOCUS token buckets): the file is read again."""
        ing = ingest.registry().get(ingestor)
        return ing is None or all(derived_key(key, r) in manifest.files for r in ing.derived)

    def _drop_derived(self, manifest: Manifest, key: str, keep: set[str]) -> None:
        """Forget the derived rows of a file that its format no longer derives (the file changed
        into another format). Their parts become garbage at the commit."""
        for k in [k for k, fe in manifest.files.items() if fe.derived_from == key and k not in keep]:
            fe = manifest.files.pop(k)
            self.garbage += [*fe.parts, *([fe.quarantine] if fe.quarantine else [])]
            self.changed = True

    def _stage_and_commit(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, ing: Ingestor, f: InputFile, work: Path,
        key: str | None = None, derived_from: str | None = None,
    ) -> FileEntry:
        """Stage the rows `ing` reads from `f` and add them to the manifest under `key` (the
        file's own key unless these are rows derived into another table)."""
        key = key or f.display
        root = self.store.root
        seq = manifest.next_seq
        stage_dir = work / f"s{seq}-{uuid.uuid4().hex[:8]}"
        stage_dir.mkdir()
        stage = stage_dir / "stage.parquet"
        known_dups = self._stage(con, ing, f, stage, seq)
        con.execute(f"CREATE OR REPLACE TEMP VIEW stage AS SELECT * FROM read_parquet({sql_str(str(stage))})")
        read, quarantined, skipped = one(con.execute(
            "SELECT count(*), count(*) FILTER (WHERE _error IS NOT NULL), count(*) FILTER (WHERE _skip) FROM stage"
        ))

        # quarantine
        qrel = None
        if quarantined:
            qname = f"{seq:06d}-{uuid.uuid4().hex[:8]}.jsonl"
            qtmp = stage_dir / qname
            con.execute(
                f"""COPY (SELECT {intake.quarantine_sql(self.ctx.keep_text, RAW_KEEP)}
                      FROM stage WHERE _error IS NOT NULL ORDER BY source_line)
                    TO {sql_str(str(qtmp))} (FORMAT json)"""
            )
            (root / "quarantine").mkdir(exist_ok=True)
            qrel = f"quarantine/{qname}"
            os.replace(qtmp, root / qrel)

        # within-file duplicates, then the store's; `good` is a view over the stage file (no copy)
        table = ing.table
        types = duckdb_types(table)
        cols = ", ".join(c for c in types)
        keep = "_error IS NULL AND NOT _skip"
        if known_dups is None:
            (dups,) = one(con.execute(
                f"SELECT count(*) - count(DISTINCT event_id) FROM stage WHERE {keep}"
            ))
        else:
            dups = known_dups
        snap = ing.snapshots
        # snapshots: `good_in` holds this file's rows, `good` is defined once the store's copies are weighed
        base = "good_in" if snap else "good"
        picked = cols
        if snap and dups:
            # one row per event: the first snapshot's fields with the per-field maximum of the counts
            picked = ", ".join(f"max({c}) OVER (PARTITION BY event_id) AS {c}" if c in SNAPSHOT_FIELDS else c
                               for c in types)
        qualify = "QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY source_line) = 1" if dups else ""
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {base} AS SELECT {picked}, _seq, month FROM stage WHERE {keep} {qualify}"
        )
        old = manifest.files.get(key)
        if old:
            self._detach(con, manifest, old)
        replaced_parts = set(old.parts) if old else set()
        # a changed file of a snapshot format re-weighs the events it held as well as those it holds now
        old_snap = snap and old is not None and old.ingestor == ing.name and bool(old.parts)
        months = [r[0] for r in con.execute(f"SELECT DISTINCT month FROM {base} ORDER BY 1").fetchall()]
        # the same event has the same time, so only parts of the same months can hold it (snapshots
        # of one reply may straddle a month's end: the months either side are searched too)
        month_names = {_month_name(m) for m in months}
        if snap:
            near = month_names | (set(old.months) if old is not None and old_snap else set())
            month_names = {n for m in near for n in _near_months(m)}
        existing = [str(root / p) for p in manifest.parts(table, month_names) if p not in replaced_parts]
        latest_wins = ing.grain == "bucket"
        ids = base
        if snap:
            gone = f" UNION SELECT event_id FROM read_parquet(?) WHERE _seq = {old.seq}" if old and old_snap else ""
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE snap_ids AS SELECT DISTINCT event_id FROM {base}{gone}",
                [[str(root / p) for p in old.parts]] if old is not None and old_snap else [],
            )
            ids = "snap_ids"
        rewrites: dict[str, str] = {}  # part -> the SELECT that rewrites it
        if existing:
            self._clash(con, existing, ids)
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE clash (event_id VARCHAR, filename VARCHAR)")
        (n_clash,) = one(con.execute("SELECT count(*) FROM clash"))
        dup_expr = "false"
        if latest_wins:
            # the older copies of restated buckets stop being live
            for (fname,) in con.execute("SELECT DISTINCT filename FROM clash").fetchall():
                rewrites[fname] = (f"SELECT * REPLACE (_dup OR event_id IN (SELECT event_id FROM good) AS _dup) "
                                   f"FROM read_parquet({sql_str(fname)})")
        elif snap and n_clash:
            rewrites = self._elect_snapshots(con)
            dup_expr = "_snap_dup"
        elif n_clash:
            dup_expr = "event_id IN (SELECT event_id FROM clash)"
        if snap and dup_expr == "false":
            con.execute("CREATE OR REPLACE TEMP VIEW good AS SELECT * FROM good_in")
        unique, dup_rows = one(con.execute(f"SELECT count(*), count(*) FILTER (WHERE {dup_expr}) FROM good"))
        stored = unique - dup_rows

        # rewrite older parts whose rows lose to restated buckets or to a larger snapshot
        rewritten: dict[str, str] = {}
        for fname, select_old in rewrites.items():
            rel_old = Path(fname).relative_to(root).as_posix()
            new_name = f"{Path(rel_old).stem}-r{seq}.parquet"
            rel_new = f"{Path(rel_old).parent.as_posix()}/{new_name}"
            con.execute(f"COPY ({select_old}) TO {sql_str(str(root / rel_new))} (FORMAT parquet)")
            rewritten[rel_old] = rel_new

        # write the new parts (unlisted until the manifest commit); one file per month
        select = f"SELECT {cols}, CAST({seq} AS BIGINT) AS _seq, {dup_expr} AS _dup"
        new_parts = []
        if len(months) == 1:
            rel = f"{table}/month={_month_name(months[0])}/p{seq:06d}_{uuid.uuid4().hex}.parquet"
            tmp = stage_dir / "part.parquet"
            if not quarantined and not skipped and not dups and dup_expr == "false":
                # the common case: the stage already is the part (its bookkeeping columns are all
                # NULL or constant and readers select by name), so no second write of the data
                tmp = stage
            else:
                con.execute(f"COPY ({select} FROM good) TO {sql_str(str(tmp))} (FORMAT parquet)")
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, root / rel)
            new_parts.append(rel)
        elif months:
            out_dir = stage_dir / "parts"
            con.execute(
                f"""COPY ({select}, month FROM good)
                    TO {sql_str(str(out_dir))} (FORMAT parquet, PARTITION_BY (month),
                    FILENAME_PATTERN 'p{seq:06d}_{{uuid}}')"""
            )
            for p in sorted(out_dir.rglob("*.parquet")):
                folder = f"month={_month_name(int(p.parent.name.split('=', 1)[1]))}"
                rel = f"{table}/{folder}/{p.name}"
                (root / table / folder).mkdir(parents=True, exist_ok=True)
                os.replace(p, root / rel)
                new_parts.append(rel)

        months = sorted({Path(p).parent.name.split("=", 1)[1] for p in new_parts})
        entry = FileEntry(
            path=f.display, size=f.size, sha256=f.content_hash(), ingestor=ing.name, table=table, seq=seq,
            ingested_at=now_iso(), rows_read=read, rows_stored=stored,
            rows_duplicate=read - quarantined - skipped - stored, rows_quarantined=quarantined,
            rows_skipped=skipped, parts=new_parts, quarantine=qrel, months=months, derived_from=derived_from,
            labels=dict(self.ctx.labels) or None,
        )
        manifest.files[key] = entry
        manifest.next_seq = seq + 1
        if rewritten:
            touched = []
            for fe in manifest.files.values():
                if fe is entry:
                    continue
                if any(p in rewritten for p in fe.parts):
                    fe.parts = [rewritten.get(p, p) for p in fe.parts]
                    touched.append(fe)
            self._recount(con, touched)
        if old and old.parts and not old_snap:
            # (a snapshot format's old events were re-weighed above, with the store's other copies)
            self._revive(con, manifest, table, set(old.parts), old.seq, entry)
        self.changed = True
        # the old files become garbage at the commit; a crash before it leaves them in force
        self.garbage += [*(old.parts if old else ()), *rewritten, *([old.quarantine] if old and old.quarantine else ())]
        con.execute("DROP VIEW IF EXISTS good")
        con.execute("DROP VIEW IF EXISTS good_in")
        for t in ("clash", "snap_ids", "snap_copies", "snap_win"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        shutil.rmtree(stage_dir, ignore_errors=True)
        return entry

    def _elect_snapshots(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """Weigh the new rows (`good_in`: one file's, or a batch's, each with its `_seq`) against
        the store's copies of the same events (the parts in `clash`, ids in `snap_ids`); define the
        view `good` with `_snap_dup`; return the rewrite of every older part whose rows change.

        Per event, every copy keeps its own counts (its file's per-field maximum) and exactly one is
        live: the one with the largest output, then the largest total, then the earliest file. The
        live copy's counts become the per-field maximum over all copies; copies of one reply repeat
        the same input and cache counts, so it is nearly always its own already. (When it is not,
        the raised counts stand in for its own in later elections: exact as long as files only grow.)
        A copy is named by its part and its file's seq (`filename#_seq`; a new row: `#_seq`): a
        part written by a batch holds the rows of many files.
        """
        fields = ", ".join(SNAPSHOT_FIELDS)
        parts = [r[0] for r in con.execute("SELECT DISTINCT filename FROM clash ORDER BY 1").fetchall()]
        if parts:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE snap_copies AS
                    SELECT event_id, filename, filename || '#' || _seq AS copy, _seq, _dup, {fields}
                    FROM read_parquet(?, filename=true, union_by_name=true) SEMI JOIN snap_ids USING (event_id)""",
                [parts],
            )
        else:  # a batch with no copies in the store: its files' copies are weighed among themselves
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE snap_copies AS
                    SELECT event_id, '' AS filename, '' AS copy, _seq, false AS _dup, {fields} FROM good_in LIMIT 0"""
            )
        total = " + ".join(f"coalesce({c}, 0)" for c in ("input_tokens", "cache_read_tokens", "cache_write_tokens",
                                                        "output_tokens"))
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE snap_win AS
                SELECT event_id, {", ".join(f"max({c}) AS {c}" for c in SNAPSHOT_FIELDS)},
                       first(copy ORDER BY output_tokens DESC NULLS LAST, {total} DESC, _seq, copy) AS winner
                FROM (SELECT event_id, copy, _seq, {fields} FROM snap_copies
                      UNION ALL
                      SELECT event_id, '#' || _seq AS copy, _seq, {fields} FROM good_in)
                GROUP BY event_id"""
        )

        def raised(alias: str, mine: str) -> str:
            return ", ".join(f"CASE WHEN w.winner = {mine} THEN w.{c} ELSE {alias}.{c} END AS {c}"
                             for c in SNAPSHOT_FIELDS)

        con.execute(
            f"""CREATE OR REPLACE TEMP VIEW good AS
                SELECT g.* REPLACE ({raised("g", "'#' || g._seq")}),
                       coalesce(w.winner <> '#' || g._seq, false) AS _snap_dup
                FROM good_in g LEFT JOIN snap_win w USING (event_id)"""
        )
        differs = " OR ".join(f"c.{c} IS DISTINCT FROM w.{c}" for c in SNAPSHOT_FIELDS)
        changed = [r[0] for r in con.execute(
            f"""SELECT DISTINCT c.filename FROM snap_copies c JOIN snap_win w USING (event_id)
                WHERE (w.winner = c.copy) = c._dup OR (w.winner = c.copy AND ({differs}))
                ORDER BY 1"""
        ).fetchall()]
        out = {}
        for fname in changed:
            mine = f"{sql_str(fname)} || '#' || p._seq"
            out[fname] = (
                f"SELECT p.* REPLACE ({raised('p', mine)}, "
                f"CASE WHEN w.event_id IS NULL THEN p._dup ELSE w.winner <> {mine} END AS _dup) "
                f"FROM read_parquet({sql_str(fname)}) p LEFT JOIN snap_win w USING (event_id)"
            )
        return out

    def _clash(self, con: duckdb.DuckDBPyConnection, existing: list[str], ids: str = "good") -> None:
        """TEMP TABLE clash: (event_id, part) of the `existing` parts' rows whose id is in `ids`.

        Every part's ids are read once per run into a cache (up to ID_CACHE_ROWS ids), so a run
        of many small files into one month does not re-read every earlier part for each file
        (which made the per-file time grow with the files already there); parts beyond the
        cache are read from disk each time, as before.
        """
        if not self._cached_parts:
            con.execute("CREATE OR REPLACE TEMP TABLE part_ids (event_id VARCHAR, filename VARCHAR)")
        new = [p for p in existing if p not in self._cached_parts]
        if new:
            (rows,) = one(con.execute("SELECT count(*) FROM read_parquet(?)", [new]))
            if self._cached_ids + rows <= ID_CACHE_ROWS:
                con.execute("INSERT INTO part_ids SELECT event_id, filename FROM read_parquet(?, filename=true)", [new])
                self._cached_parts.update(new)
                self._cached_ids += rows
        uncached = [p for p in existing if p not in self._cached_parts]
        cached = [p for p in existing if p in self._cached_parts]
        sources = []
        params: list[Any] = []
        if cached:
            sources.append("SELECT event_id, filename FROM part_ids WHERE filename IN (SELECT unnest(?))")
            params.append(cached)
        if uncached:
            sources.append("SELECT event_id, filename FROM read_parquet(?, filename=true)")
            params.append(uncached)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE clash AS
                SELECT DISTINCT e.event_id, e.filename
                FROM ({" UNION ALL ".join(sources)}) e SEMI JOIN {ids} g ON e.event_id = g.event_id""",
            params,
        )

    def _stage(
        self, con: duckdb.DuckDBPyConnection, ing: Ingestor, f: InputFile, stage: Path, seq: int
    ) -> int | None:
        """Parse, validate and stage the file to Parquet (the fast JSON path first where allowed).

        The fast path (read_json, parallel, without line numbers) is kept only when it rejected
        nothing, every row had its own id and no id repeats within the file; otherwise the file
        is staged again on the line path, which numbers every line (the quarantine's and the
        in-file duplicates' order) and keeps the raw text the quarantine needs. Returns the
        in-file duplicate count when the fast path was kept (0), else None.
        """
        target = sql_str(str(stage))
        if ing.fast_json:
            try:
                sql = validated_sql(con, ing, replace(f, fast_json=True), self.ctx, seq)
                # rows carry no line number on this path, so their order does not matter; the
                # line path below needs the file's order for row_number()
                con.execute("SET preserve_insertion_order = false")
                try:
                    con.execute(f"COPY ({sql}) TO {target} (FORMAT parquet)")
                finally:
                    con.execute("SET preserve_insertion_order = true")
                bad, dups = one(con.execute(
                    "SELECT count(*) FILTER (WHERE NOT _skip AND (_error IS NOT NULL OR _id_from_raw)), "
                    f"count(*) - count(DISTINCT event_id) FROM read_parquet({target})"
                ))
                if not bad and not dups:
                    return 0
            except duckdb.Error:
                pass  # malformed records: the line path reports each with its line number
        con.execute(f"COPY ({validated_sql(con, ing, f, self.ctx, seq)}) TO {target} (FORMAT parquet)")
        return None

    def _revive(
        self, con: duckdb.DuckDBPyConnection, manifest: Manifest, table: str, removed: set[str], old_seq: int,
        entry: FileEntry,
    ) -> None:
        """After a changed file replaced its old rows, re-elect the live copy of ids it used to win.
        A copy is named by its part and its file's seq (a batch's part holds many files' rows)."""
        root = self.store.root
        removed_paths = [str(root / p) for p in removed if (root / p).exists()]
        others = [
            (fe, p) for fe in manifest.files.values() for p in fe.parts if fe.table == table and fe is not entry
        ]
        if not removed_paths or not others:
            return
        con.execute(
            "CREATE OR REPLACE TEMP TABLE gone AS SELECT DISTINCT event_id FROM read_parquet(?) "
            f"WHERE NOT _dup AND _seq = {int(old_seq)}",
            [removed_paths],
        )
        all_parts = sorted({str(root / p) for fe, p in others} | {str(root / p) for p in entry.parts})
        con.execute(
            """CREATE OR REPLACE TEMP TABLE cand AS
                SELECT event_id, filename, filename || '#' || _seq AS copy, _seq, grain, bool_or(NOT _dup) AS live
                FROM read_parquet(?, filename=true) SEMI JOIN gone USING (event_id)
                GROUP BY ALL""",
            [all_parts],
        )
        (n,) = one(con.execute("SELECT count(*) FROM cand"))
        if not n:
            return
        con.execute(
            """CREATE OR REPLACE TEMP TABLE winner AS
               SELECT event_id, arg_max(copy, CASE WHEN grain = 'bucket' THEN _seq ELSE -_seq END) AS copy
               FROM cand GROUP BY event_id"""
        )
        changed = [r[0] for r in con.execute(
            """SELECT DISTINCT c.filename FROM cand c LEFT JOIN winner w USING (event_id)
               WHERE (w.copy = c.copy) <> c.live"""
        ).fetchall()]
        for fname in changed:
            rel_old = Path(fname).relative_to(root).as_posix()
            if rel_old in entry.parts:
                continue  # the new file's own rows were decided at write time
            rel_new = f"{Path(rel_old).parent.as_posix()}/{Path(rel_old).stem}-v{entry.seq}.parquet"
            mine = f"{sql_str(fname)} || '#' || p._seq"
            con.execute(
                f"""COPY (SELECT p.* REPLACE (CASE WHEN w.event_id IS NULL THEN p._dup
                                                  ELSE w.copy <> {mine} END AS _dup)
                          FROM read_parquet({sql_str(fname)}) p LEFT JOIN winner w USING (event_id))
                    TO {sql_str(str(root / rel_new))} (FORMAT parquet)"""
            )
            touched = []
            for fe in manifest.files.values():
                if rel_old in fe.parts:
                    fe.parts = [rel_new if p == rel_old else p for p in fe.parts]
                    touched.append(fe)
            self._recount(con, touched)
            self.garbage.append(rel_old)

    def _detach(self, con: duckdb.DuckDBPyConnection, manifest: Manifest, old: FileEntry) -> None:
        """Before a file's rows are replaced: every part it shares with other files (a batch's part)
        is written again without its rows, for the others; the file keeps the old part, which
        becomes garbage at the commit with its other parts."""
        root = self.store.root
        for rel in list(old.parts):
            sharers = [fe for fe in manifest.files.values() if fe is not old and rel in fe.parts]
            if not sharers:
                continue
            rel_new = f"{Path(rel).parent.as_posix()}/{Path(rel).stem}-d{old.seq}.parquet"
            con.execute(
                f"""COPY (SELECT * FROM read_parquet({sql_str(str(root / rel))}) WHERE _seq <> {int(old.seq)})
                    TO {sql_str(str(root / rel_new))} (FORMAT parquet)"""
            )
            for fe in sharers:
                fe.parts = [rel_new if p == rel else p for p in fe.parts]
            self.changed = True

    def _recount(self, con: duckdb.DuckDBPyConnection, entries: list[FileEntry]) -> None:
        """Stored and duplicate counts of `entries` again, from their parts, in one scan: a file's
        rows are those of its seq (a batch's part holds many files' rows, and a rewrite of it
        touches them all)."""
        if not entries:
            return
        root = self.store.root
        paths = sorted({str(root / p) for fe in entries for p in fe.parts})
        live = dict(con.execute(
            "SELECT _seq, count(*) FILTER (WHERE NOT _dup) FROM read_parquet(?) WHERE _seq IN (SELECT unnest(?)) "
            "GROUP BY _seq",
            [paths, [fe.seq for fe in entries]],
        ).fetchall()) if paths else {}
        for fe in entries:
            n = int(live.get(fe.seq, 0))
            fe.rows_stored = n
            fe.rows_duplicate = fe.rows_read - fe.rows_quarantined - fe.rows_skipped - n


# Compaction (docs/reliability.md, "Compaction"): the parts of one table and month smaller than
# SMALL_PART_BYTES are merged into one part when there are more than AUTO_COMPACT_PARTS of them at
# the end of a run (in the run's commit), or more than one when `llmcost-forecast compact` runs.
# Merging writes a new part first; the manifest's atomic replace is the commit; the old parts are
# deleted after it, so a run killed at any point leaves the old state or the new one.
AUTO_COMPACT_PARTS = 32
SMALL_PART_BYTES = 64 * 1024**2


def compact_parts(
    con: duckdb.DuckDBPyConnection, root: Path, manifest: Manifest, more_than: int, work: Path
) -> list[str]:
    """Merge, per table and month, the small parts when there are more than `more_than`: one new
    part replaces them in every manifest entry that lists them. Returns the merged (now garbage)
    parts; the caller commits the manifest and then deletes them."""
    garbage: list[str] = []
    for table in TABLES:
        by_month: dict[str, list[str]] = {}
        for rel in manifest.parts(table):
            if (root / rel).stat().st_size < SMALL_PART_BYTES:
                by_month.setdefault(Path(rel).parent.name, []).append(rel)
        for folder, rels in sorted(by_month.items()):
            if len(rels) <= more_than:
                continue
            tmp = work / f"compact-{uuid.uuid4().hex}.parquet"
            rel_new = f"{table}/{folder}/m{uuid.uuid4().hex}.parquet"
            con.execute(
                f"""COPY (SELECT * FROM read_parquet(?, union_by_name=true)) TO {sql_str(str(tmp))} (FORMAT parquet)""",
                [[str(root / r) for r in rels]],
            )
            os.replace(tmp, root / rel_new)
            merged = set(rels)
            for fe in manifest.files.values():
                if merged.intersection(fe.parts):
                    kept = [p for p in fe.parts if p not in merged]
                    fe.parts = sorted({*kept, rel_new})
            garbage += rels
    return garbage


def compact(store_dir: Path, *, wait: float = 0.0) -> tuple[int, int]:
    """`llmcost-forecast compact`: merge each month's small parts into one (see compact_parts).
    Returns (parts before, parts after)."""
    store = Store.open(store_dir)
    with store.lock(exclusive=True, wait=wait):
        manifest = store.checked_manifest()
        store.collect_garbage(manifest)
        before = sum(len(manifest.parts(t)) for t in TABLES)
        work = store.staging_dir()
        try:
            con = duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT, "temp_directory": str(work / "spill")})
            con.execute("SET enable_progress_bar = false")
            garbage = compact_parts(con, store.root, manifest, 1, work)
            con.close()
            if garbage:
                store.write_manifest(manifest)  # the commit point
                for rel in garbage:
                    (store.root / rel).unlink(missing_ok=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return before, sum(len(manifest.parts(t)) for t in TABLES)


def load(
    paths: Iterable[Path],
    store_dir: Path,
    *,
    source: str | None = None,
    keep_text: bool = False,
    labels: Mapping[str, str] | None = None,
    wait: float = 0.0,
    progress: Callable[[str, int, int], None] | None = None,
) -> LoadResult:
    """Ingest `paths` (files or directories) into the store at `store_dir`, creating it if needed.

    `labels` (e.g. {"host": "laptop"}, from --label) are stored with every row of the files this
    run stores; see `parse_labels`.
    """
    store = Store.open(store_dir, create=True)
    with store.lock(exclusive=True, wait=wait):
        return Loader(store, source=source, keep_text=keep_text, labels=labels, progress=progress).run(paths)


_LABEL_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def parse_labels(values: Iterable[str]) -> dict[str, str]:
    """`["host=laptop", "team=infra"]` (--label KEY=VALUE, repeatable) as a dict; UsageError if malformed."""
    out: dict[str, str] = {}
    for v in values:
        key, sep, value = v.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not _LABEL_KEY.match(key) or not value:
            raise UsageError(
                f"--label {v!r} is not KEY=VALUE. Fix: write it as --label host=laptop (the key: letters, "
                "digits, '_', '-' or '.'; the value not empty)."
            )
        if key in out and out[key] != value:
            raise UsageError(f"--label {key} is given twice ({out[key]!r} and {value!r}). Fix: keep one of them.")
        if len(value) > 200:
            raise UsageError(f"--label {key}=... is {len(value)} characters long. Fix: use a value of at most 200.")
        out[key] = value
    return out


def tempdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="llmcost-"))


__all__ = ["TABLES", "FileResult", "LoadResult", "Loader", "compact", "load", "parse_labels"]
