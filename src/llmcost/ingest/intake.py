"""What the loader does to a file before a format reads it, and to a rejected record after.

Hooks the loader (`llmcost.ingest.loader`) calls, kept here so that the loader stays about loading:

- `head`: the bytes detection sees: 64 KB, or more when the first records are longer (up to
  `MAX_HEAD_BYTES`), so that a first record over 64 KB no longer defeats detection.
- `transcode`: a UTF-16 or UTF-32 file (with a byte-order mark, or UTF-16 without one, known by
  its NUL bytes) is copied as UTF-8 into the run's staging folder, streamed in 1 MiB pieces, and
  read from there; its name, key and hash stay those of the original.
- `uncompress`: a zstd file (a Codex rollout compressed after 7 idle days), a bzip2 or an xz file
  (a rotated log) is decompressed into the staging folder, within the archive limits, and read
  from there; its name, key and hash stay those of the original.
- `own_output`: our own FOCUS export, JSON report and CSV report tables are recognised and
  skipped with one line (ingesting them would count the same spend twice).
- `quarantine_sql`: what the quarantine keeps of a rejected record: file, line and reason, and
  the record's shape with no text unless `--keep-text` (then the masked record).
- `private_store`: the run writes 0600 files and 0700 folders.

docs/reliability.md describes each, with its limits.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import gzip
import json
import lzma
import os
import re
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from llmcost.ingest import _parquet
from llmcost.ingest import text as head_text
from llmcost.ingest.privacy import mask_sql

HEAD_BYTES = 65536
MAX_HEAD_BYTES = 4 * 1024 * 1024
"""Detection reads on past 64 KB until the head holds two line ends (a header and a first record,
or two records), up to this many bytes."""
CHUNK = 1024 * 1024


def _read_head(fh: object, limit: int = MAX_HEAD_BYTES) -> bytes:
    read = fh.read  # type: ignore[attr-defined]
    head: bytes = read(HEAD_BYTES)
    while len(head) < limit and head.count(b"\n") < 2:
        more = read(min(HEAD_BYTES * 4, limit - len(head)))
        if not more:
            break
        head += more
    return head


def head(path: Path, is_gzip: bool) -> bytes:
    """The first bytes of a file (decompressed), for detection and the formats' header reads; for a
    Parquet file, its synthetic CSV head (`_parquet.head`: a FormatError when it cannot be read)."""
    if is_gzip:
        try:
            with gzip.open(path, "rb") as fh:
                return _read_head(fh)
        except (OSError, EOFError, zlib.error):  # damaged data (files.check_gzip names it first)
            return b""
    with open(path, "rb") as fh:
        if fh.read(4) != _parquet.MAGIC:
            fh.seek(0)
            return _read_head(fh)
    return _parquet.head(path)


def encoding_of(start: bytes) -> str | None:
    """The Python codec of a UTF-16/32 text, from its byte-order mark or (UTF-16 without one) the
    NUL bytes of ASCII text; None for UTF-8, ASCII or binary."""
    if start.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = start[:512]
    if len(sample) >= 8:
        sample = sample[: len(sample) // 2 * 2]
        even, odd = sample[0::2], sample[1::2]
        # ASCII text as UTF-16: every other byte is NUL, the others are printable
        if odd.count(0) == len(odd) and even.count(0) == 0 and all(32 <= b < 127 or b in (9, 10, 13) for b in even):
            return "utf-16-le"
        if even.count(0) == len(even) and odd.count(0) == 0 and all(32 <= b < 127 or b in (9, 10, 13) for b in odd):
            return "utf-16-be"
    return None


def transcode(disk: Path, is_gzip: bool, start: bytes, work: Path) -> tuple[Path, bool, bytes] | None:
    """A UTF-8 copy of a UTF-16/32 file in `work` as (path, gzip?, head), or None when the file
    needs none. Streamed: memory stays at a few MiB whatever the size. Undecodable sequences
    become U+FFFD (the record then fails its checks and is quarantined, never guessed)."""
    enc = encoding_of(start)
    if enc is None:
        return None
    # under the file's own name (a readable one: the loader's alias when the real one is not), less `.gz`
    name = disk.name[:-3] if is_gzip and disk.name.endswith(".gz") else disk.name
    out = work / f"utf8-{uuid.uuid4().hex}" / (name or "input.txt")
    out.parent.mkdir(parents=True)
    decoder = codecs.getincrementaldecoder(enc)(errors="replace")
    opener = gzip.open if is_gzip else open
    with opener(disk, "rb") as src, open(out, "wb") as dst:  # type: ignore[operator]
        while chunk := src.read(CHUNK):
            dst.write(decoder.decode(chunk).encode("utf-8"))
        dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    return out, False, head(out, False)


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
"""The first bytes of a zstd frame: Codex (0.137 and later) rewrites a rollout idle for 7 days
as `rollout-*.jsonl.zst` (openai/codex `codex-rs/rollout/src/compression.rs`)."""


BZIP2_MAGIC = b"BZh"
"""The first bytes of a bzip2 stream (then the block size, a digit 1-9)."""
XZ_MAGIC = b"\xfd7zXZ\x00"
"""The first bytes of an xz stream (`xz`, `logrotate` with `compresscmd xz`)."""


def _codec(start: bytes) -> str | None:
    """"zstd", "bzip2" or "xz" when `start` (a file's first bytes) opens such a stream, else None."""
    if start[:4] == ZSTD_MAGIC:
        return "zstd"
    if start[:3] == BZIP2_MAGIC and start[3:4] in b"123456789" and len(start) > 3:
        return "bzip2"
    return "xz" if start[:6] == XZ_MAGIC else None


_TOOLS = {"zstd": ("zstd -d", "zstd -t"), "bzip2": ("bunzip2 -k", "bzip2 -t"), "xz": ("unxz -k", "xz -t")}
"""The command that decompresses each codec's file, and the one that tests it (for the fixes)."""


def _open_codec(codec: str, disk: Path) -> Any:
    """A binary stream of `disk` decompressed (zstd by pyarrow's codec; bzip2 and xz by the
    standard library, which reads a file of several concatenated streams, as pbzip2 writes)."""
    if codec == "zstd":
        import pyarrow as pa

        return pa.CompressedInputStream(pa.OSFile(str(disk)), "zstd")
    if codec == "bzip2":
        import bz2

        return bz2.open(disk, "rb")
    return lzma.open(disk, "rb")


def uncompress(disk: Path, work: Path, display: str, limit: int) -> Path | None:
    """A plain copy in `work` of a zstd-, bzip2- or xz-compressed file (known by its first bytes,
    whatever its name), or None when `disk` is none of them. Streamed in 1 MiB pieces, the bytes
    counted: past `limit` (the archive limits, `files.expansion_limit`) the file is refused as a
    likely decompression bomb; damaged or cut-off data fails the file with its reason. Read from
    the copy; its name, key and hash stay the original's (the loader hashes the original).
    gzip is not here: DuckDB reads it itself. Before, a `.jsonl.bz2` or `.jsonl.xz` (a rotated log)
    was "no known format"."""
    with open(disk, "rb") as fh:
        codec = _codec(fh.read(6))
    if codec is None:
        return None
    import pyarrow as pa

    from llmcost.errors import FormatError

    name = re.sub(r"\.(zst|bz2|xz)$", "", disk.name)
    out = work / f"uncompressed-{uuid.uuid4().hex}" / (name or "input.txt")
    out.parent.mkdir(parents=True)
    written = 0
    decompress, check = _TOOLS[codec]
    try:
        with _open_codec(codec, disk) as src, open(out, "wb") as dst:
            while chunk := src.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise FormatError(
                        f"{display} expands to more than {limit:,} bytes from {disk.stat().st_size:,} (a likely "
                        f"decompression bomb); refused. Fix: decompress it yourself ({decompress}) if you trust it.")
                dst.write(chunk)
    # bz2 raises OSError or EOFError on bad data, xz LZMAError or EOFError, pyarrow ArrowException
    except (OSError, EOFError, lzma.LZMAError, pa.ArrowException) as e:
        raise FormatError(
            f"{display} is damaged or cut off: its {codec} data does not decompress ({e}, after {written:,} bytes "
            f"of text). Fix: copy it again, or check it with {check}.") from None
    return out


FOCUS_MARKS = ("x_Scenario", "x_CostBasis", "x_PriceCatalog")
"""Columns only `llmcost-forecast export-focus` writes (llmcost.document.focus_export.X_COLUMNS)."""
REPORT_MARKS = ("totals", "price_catalog", "ingest")
"""Top-level keys of our JSON report (llmcost.report.json_report)."""


class _Empty(dict):  # type: ignore[type-arg]
    """A report document with nothing in it, to read each CSV table's columns off `TABLES`."""

    def __getitem__(self, key: object) -> _Empty:
        return _Empty()

    def get(self, key: object, default: object = None) -> None:  # type: ignore[override]
        return None


@functools.cache
def report_headers() -> dict[str, str]:
    """The header line of each CSV table `report --format csv` writes (llmcost.report.tables),
    for the tables whose columns do not depend on the data (all but a few; those are not
    recognised), with two columns or more."""
    from llmcost.report.tables import TABLES

    out = {}
    for name, table in TABLES.items():
        try:
            cols, _rows = table(_Empty())
        except Exception:  # a table that needs data to name its columns
            continue
        if len(cols) >= 2:
            out[",".join(cols)] = name
    return out


def own_output(start: bytes, display: str) -> str | None:
    """A message when the file is our own FOCUS export, JSON report or CSV report table, else None."""
    text = head_text(start)  # decoded once per head, shared with the sniffers
    first = text.split("\n", 1)[0].rstrip("\r")
    if all(m in first for m in FOCUS_MARKS):
        what = "a FOCUS export written by llmcost-forecast export-focus"
    elif text.lstrip().startswith("{") and _json_report(text):
        what = "a JSON report written by llmcost-forecast"
    elif first in report_headers():
        what = f"the {report_headers()[first]} table of a CSV report written by llmcost-forecast"
    else:
        return None
    return (f"{display} is {what}: skipped (ingesting it would count the same spend twice). Fix: keep "
            "reports and exports out of the logs folder.")


def _json_report(text: str) -> bool:
    if not all(f'"{k}":' in text for k in REPORT_MARKS):
        return False  # the usual case, decided without parsing
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        # a report longer than the head: its top-level keys (indented by two) are enough
        return all(f'\n  "{k}":' in text for k in REPORT_MARKS)
    return isinstance(doc, dict) and all(k in doc for k in REPORT_MARKS)


def quarantine_sql(keep_text: bool, keep_chars: int) -> str:
    """The quarantine's columns for a rejected staged row (`_raw`, `_error`, `source_file`,
    `source_line`). Without --keep-text no text of the record is kept: a JSON object's shape
    (its keys and value types, DuckDB `json_structure`), or for other lines the line with every
    run of letters replaced by `x` (numbers, dates and separators stay, words and text go).
    Secrets are masked first in both, and in the reason (which may quote a value)."""
    masked = mask_sql("_raw")
    if keep_text:
        raw = f"left({masked}, {keep_chars}) AS raw"
    else:
        stripped = f"regexp_replace({masked}, '\\pL+', 'x', 'g')"
        shape = f"{mask_sql('CAST(try(json_structure(_raw)) AS VARCHAR)')}"
        raw = (f"left(CASE WHEN starts_with(ltrim(_raw), '{{') THEN coalesce({shape}, {stripped}) "
               f"ELSE {stripped} END, {keep_chars}) AS shape")
    return (f"source_file AS file, source_line AS line, {mask_sql('_error')} AS reason, {raw}")


PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


@contextlib.contextmanager
def private_store(root: Path) -> Iterator[None]:
    """During an ingest run: every file and folder it creates is private (umask 077: 0600 files,
    0700 folders), and the store's existing folders and quarantine files are made so too (a store
    written before this rule). Logs hold who asked what; the quarantine may hold text with
    --keep-text."""
    old = os.umask(0o077)
    try:
        if root.is_dir():
            for folder, dirs, files in os.walk(root):
                os.chmod(folder, PRIVATE_DIR)
                if Path(folder).name == "quarantine":
                    for name in files:
                        os.chmod(Path(folder) / name, PRIVATE_FILE)
                dirs[:] = [d for d in dirs if not d.startswith(".staging")]
        yield
    finally:
        os.umask(old)
