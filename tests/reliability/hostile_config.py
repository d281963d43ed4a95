"""Hostile config files and option values (issue 17): mutants of a valid file, one change each.

A mutant replaces one `key = value` line's value with a hostile TOML value, turns a `[table]`
header into `[[table]]` (or back), adds an unknown key under a header, or replaces the whole file
(empty, not UTF-8, not TOML). Each mutant is a `(label, bytes)` pair; the label says what changed
where, so a failing case names itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

VALUES = (
    "nan",
    "+nan",
    "inf",
    "-inf",
    "1e999999999",
    "-1e999999999",
    "-1",
    "-0.5",
    "0",
    "1e-999999999",
    "99999999999999999999999999999999",
    "9223372036854775807",
    '"ten"',
    '""',
    "[1, 2]",
    "[]",
    '{ a = 1 }',
    "true",
    "2026-13-45".replace("13-45", "12-31"),  # a date where a number or text belongs
    "9999-12-31",
)
"""TOML values put in place of every value: non-finite, huge, tiny, negative, zero, wrong types."""

WHOLE_FILES: tuple[tuple[str, bytes], ...] = (
    ("empty file", b""),
    ("blank lines", b"\n\n  \n"),
    ("not UTF-8", b"name = \"caf\xe9\"\n"),
    ("UTF-16", "[settings]\n".encode("utf-16")),
    ("not TOML", b"this is [[[ not toml\n"),
    ("binary", bytes(range(256))),
    ("a list at the top", b"x = [[1], [2]]\n"),
)

_KEY_LINE = re.compile(r"^(\s*)([A-Za-z0-9_\"'.-]+)(\s*=\s*)(.+?)\s*(#.*)?$")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"-]+)\s*(\]\]?)\s*(#.*)?$")


def mutants(text: str, values: tuple[str, ...] = VALUES) -> Iterator[tuple[str, bytes]]:
    """Every single-change mutant of the TOML `text` (see the module docstring)."""
    lines = text.splitlines()
    section = ""
    for i, line in enumerate(lines):
        head = _HEADER.match(line)
        if head:
            section = head.group(2)
            double = head.group(1) == "[["
            swapped = f"[{section}]" if double else f"[[{section}]]"
            yield (f"line {i + 1}: {line.strip()} -> {swapped}", _join(lines, i, swapped))
            yield (f"line {i + 1}: unknown key under {line.strip()}",
                   _join(lines, i, line + "\nno_such_key_xyz = 1"))
            continue
        m = _KEY_LINE.match(line)
        if not m or line.lstrip().startswith("#"):
            continue
        key = f"{section}.{m.group(2)}" if section else m.group(2)
        for v in values:
            yield (f"line {i + 1}: {key} = {v}", _join(lines, i, f"{m.group(1)}{m.group(2)}{m.group(3)}{v}"))
    yield ("unknown top-level key", ("no_such_key_xyz = 1\n" + text).encode())
    yield from WHOLE_FILES


def _join(lines: list[str], i: int, new: str) -> bytes:
    return ("\n".join([*lines[:i], new, *lines[i + 1:]]) + "\n").encode()
