"""A JSON document that breaks, read as far as it holds (`ingest.json_document`).

DuckDB parses a JSON document whole (`read_json_objects`), so one broken record used to fail the
file: a reply list cut short by an interrupted copy or a full disk, a script's dump that a hand
edit broke, lost every record it had. Here the document is walked record by record with Python's
decoder; each whole record is kept as it is, and each broken stretch becomes one record of its
own, a JSON string holding where and why it breaks and the start of the broken text, which the
format quarantines as it quarantines a line that is not a JSON object, with that reason. The
records keep their places, so a record's `source_line` (its index in the document) is the one it
has in the file.

After a break the walk looks for the next record where a pretty-printer starts one: a `{` at the
first record's indentation after a line break (`jq .` and `json.dump(indent=...)` put a record's
inner objects deeper). A one-line array has no such mark, so what follows its break is one broken
stretch.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_BYTES = 256 * 1024 * 1024
"""A larger document is not walked in Python (it would hold the whole text and its records in
memory): it fails as a whole, as before."""

MARK = "the JSON document breaks here"
"""How a broken stretch's record starts: `"<MARK> (line L, column C: why) | <text>"`; the
quarantine gives `<MARK> (...)` as the record's reason (llmcost.ingest.validate)."""

BROKEN_KEEP = 2000
"""Characters of a broken stretch kept in its quarantined record (the start, where it breaks)."""


@dataclass(frozen=True)
class Break:
    record: int  # 1-based index of the broken stretch's record in the rewritten document
    line: int  # where it breaks in the file (1-based line and column)
    column: int
    why: str  # the decoder's reason ("Expecting ',' delimiter")


@dataclass(frozen=True)
class Salvage:
    records: int  # whole records kept
    breaks: tuple[Break, ...]


def salvage(path: Path, compressed: bool, out: Path) -> Salvage | None:
    """Rewrite the JSON document at `path` (gzip when `compressed`) to `out` as a valid JSON array
    of its whole records, each broken stretch in place as a string. None when the file is too
    large to walk, is not UTF-8, or holds no whole record or no break (nothing to save)."""
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            return None
        text = data.decode("utf-8").lstrip("\ufeff")
    except (OSError, EOFError, UnicodeDecodeError):
        return None
    parts, _ = walk(text, values=False)
    breaks = tuple(p.broken for p in parts if p.broken)
    records = len(parts) - len(breaks)
    if not records or not breaks:
        return None
    out.write_text("[" + ",\n".join(
        json.dumps(f"{MARK} (line {p.broken.line}, column {p.broken.column}: {p.broken.why}) | "
                   f"{text[p.start:p.end][:BROKEN_KEEP]}") if p.broken else text[p.start:p.end]
        for p in parts
    ) + "]\n", encoding="utf-8")
    return Salvage(records, breaks)


@dataclass(frozen=True)
class Part:
    """A record of a JSON document (its text is `s[start:end]`), or a broken stretch (`broken`)."""

    start: int
    end: int
    value: Any = None  # the record parsed (when asked for)
    broken: Break | None = None


def walk(s: str, values: bool = True) -> tuple[list[Part], bool]:
    """The records of the JSON document `s` (an array's elements, or documents one after
    another), broken stretches among them, and whether it ends whole (an array's `]` reached, or
    the last document complete). A head cut by the read limit ends in a broken stretch."""
    dec = json.JSONDecoder()
    n = len(s)
    i = _skip(s, 0)
    array = i < n and s[i] == "["
    if array:
        i += 1
    first = _skip(s, i)
    # where a pretty-printer starts a record: a `{` at the first record's indentation on a new
    # line (after the array's `[`); a one-line array has none
    nl = s.rfind("\n", 0, first)
    lead = s[nl + 1:first]
    start = re.compile("\n" + re.escape(lead) + r"\{") if (nl >= i or not array) and not lead.strip(" \t") else None
    parts: list[Part] = []
    while True:
        i = _skip(s, i)
        if i >= n or (array and s[i] == "]"):
            return parts, (i < n or not array) and not (parts and parts[-1].broken)
        try:
            value, end = dec.raw_decode(s, i)
        except (json.JSONDecodeError, RecursionError) as e:  # not JSON, or nested too deep for Python
            pos = e.pos if isinstance(e, json.JSONDecodeError) else i
            why = e.msg if isinstance(e, json.JSONDecodeError) else "nested too deep"
            end = _resume(dec, s, start, max(pos, i + 1))
            parts.append(Part(i, end, broken=Break(
                len(parts) + 1, s.count("\n", 0, pos) + 1, pos - s.rfind("\n", 0, pos), why)))
        else:
            parts.append(Part(i, end, value if values else None))
        i = end


def _resume(dec: json.JSONDecoder, s: str, start: re.Pattern[str] | None, pos: int) -> int:
    """Where the next whole record after a break at `pos` starts, or the end of `s`."""
    if start is not None:
        for m in start.finditer(s, pos):
            try:
                dec.raw_decode(s, m.end() - 1)
            except (json.JSONDecodeError, RecursionError):
                continue
            return m.end() - 1
    return len(s)


def _skip(s: str, i: int) -> int:
    """Past the blanks and commas between records."""
    n = len(s)
    while i < n and s[i] in " \t\r\n,":
        i += 1
    return i
