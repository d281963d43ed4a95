"""The one strict reader for the user's config files, and what every config kind shares.

Scenario, price override, plan, measures and mapping files (TOML) and the rates CSV are read here
(issue 17: a hostile file, empty, not UTF-8, not TOML, or holding NaN, inf or 1e999999999, gave
a traceback). A file that cannot be read, is not UTF-8 or is not TOML is one `ConfigError` line
naming the file (and the line, for TOML). The kinds keep their own key lists, meanings and
messages; they share where a key stands (`Positions`: tomllib reports no lines), the unknown-key
error (`check_keys`, `unknown_key`: `FILE:LINE: unknown key 'x' in [table] (did you mean 'y'?)`,
wording from `llmcost.text.did_you_mean`) and the rule for numbers (`finite`: finite and at most
MAX_NUMBER in size).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmcost.errors import ConfigError
from llmcost.text import did_you_mean

MAX_NUMBER = Decimal("1e15")
"""The largest number any config key accepts (a quadrillion: tokens, users, dollars or factors).
Anything larger is a typo or a hostile file; arithmetic on 1e999999999 overflows Decimal."""


def parse_toml(text: str, file: str, *, decimals: bool = False, kind: str = "config") -> dict[str, Any]:
    """Parse TOML `text` (floats as Decimal when `decimals`); a syntax error names the file and line."""
    try:
        data = tomllib.loads(text, parse_float=Decimal) if decimals else tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{file}: not valid TOML ({e}). Fix: correct the {kind} file's syntax at that line "
                          "(quotes, brackets, one key = value per line).") from None
    except (RecursionError, MemoryError):
        raise ConfigError(f"{file}: nested too deeply to read as TOML. Fix: write the {kind} file flat.") from None
    return data


def read_bytes(path: Path, *, kind: str = "config", option: str | None = None) -> bytes:
    """The bytes of the file at `path`: missing, a directory and unreadable are ConfigErrors naming
    the file (and `option`, the flag that named it, when there is one)."""
    named = f"{option} {path}" if option else str(path)
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{named}: no such {kind} file. Fix: check the path.") from None
    except IsADirectoryError:
        raise ConfigError(f"{named} is a directory, not a {kind} file. Fix: name the TOML file itself.") from None
    except OSError as e:
        raise ConfigError(f"{named}: cannot read the {kind} file ({e.strerror}). Fix: check its "
                          "permissions.") from None


def decode(raw: bytes, path: Path | str, *, kind: str = "config") -> str:
    """`raw` as text: not UTF-8 is a ConfigError naming the file; a leading BOM is dropped."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text (byte {e.start}). Fix: save the {kind} file as UTF-8.") from None
    return text.removeprefix("\ufeff")


def read_text(path: Path, *, kind: str = "config", option: str | None = None) -> str:
    """The text of the file at `path` (`read_bytes` then `decode`)."""
    return decode(read_bytes(path, kind=kind, option=option), path, kind=kind)


def read_toml(path: Path, *, decimals: bool = False, kind: str = "config",
              option: str | None = None) -> dict[str, Any]:
    """`read_text` then `parse_toml`."""
    return parse_toml(read_text(path, kind=kind, option=option), str(path), decimals=decimals, kind=kind)


def finite(d: Decimal) -> bool:
    """A number a config may hold: finite and at most MAX_NUMBER in size."""
    return d.is_finite() and d.copy_abs() <= MAX_NUMBER


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")


class Positions:
    """Where table headers and keys stand in a TOML text (1-based lines), since tomllib reports
    no positions: the line half of every config message."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def headers(self, table: str, start: int = 1, end: int | None = None) -> list[int]:
        """Lines of the `[table]` / `[[table]]` headers between lines `start` and `end` (inclusive)."""
        stop = len(self.lines) if end is None else min(end, len(self.lines))
        out = []
        for i in range(max(start, 1) - 1, stop):
            m = _HEADER.match(self.lines[i])
            if m and m.group(1).replace(" ", "").replace('"', "") == table:
                out.append(i + 1)
        return out

    def line(self, key: str | None, table: str = "", index: int = 0, start: int = 1,
             end: int | None = None) -> int | None:
        """The line of `key` in the `index`-th `[table]` (or `[[table]]`) found between `start` and
        `end`, or at the top level when `table` is ""; a key written dotted (`table.key = ...`)
        counts too. Not found: the header's line (`key` None asks for it), else None."""
        stop = len(self.lines) if end is None else min(end, len(self.lines))
        head = None
        if table:
            heads = self.headers(table, start, stop)
            if heads:
                head = heads[min(index, len(heads) - 1)]
        if key is None:
            return head
        pat = re.compile(rf"^\s*(?:[\w\"'-]+\s*\.\s*)*[\"']?{re.escape(key)}[\"']?\s*=")
        if head or not table:
            first = head + 1 if head else max(start, 1)
            for i in range(first - 1, stop):
                if _HEADER.match(self.lines[i]):
                    break  # the next table begins: the key is not in this one
                if pat.match(self.lines[i]):
                    return i + 1
        else:  # no header: written dotted from the top level, e.g. `time.column = ...`
            dotted = re.compile(rf"^\s*{re.escape(table)}\s*\.\s*[\"']?{re.escape(key)}[\"']?\s*=")
            for i in range(max(start, 1) - 1, stop):
                if dotted.match(self.lines[i]):
                    return i + 1
        return head


def unknown_key(file: str, line: int | None, key: str, allowed: Iterable[str], table: str, doc: str) -> ConfigError:
    """`FILE:LINE: unknown key 'x' in [table] (did you mean 'y'?). Fix: ...` (`table` as written
    in the file, e.g. `[[model]]`, or `the top level`; `doc` the page listing the keys)."""
    names = sorted(set(allowed))
    where = f"{file}:{line}" if line else file
    return ConfigError(f"{where}: unknown key {key!r} in {table}{did_you_mean(key, names)}. Fix: correct or remove "
                       f"it; the keys there are {', '.join(names)} (see {doc}).")


def unknown_section(file: str, line: int | None, name: str, allowed: Iterable[str], doc: str,
                    arrays: Collection[str] = ()) -> ConfigError:
    """`FILE:LINE: unknown section 'x' (did you mean [[y]]?). Fix: ...`; the sections of `arrays`
    are written `[[name]]` (arrays of tables), the others `[name]`."""
    names = sorted(set(allowed))

    def show(s: str) -> str:
        return f"[[{s}]]" if s in arrays else f"[{s}]"

    where = f"{file}:{line}" if line else file
    return ConfigError(f"{where}: unknown section {name!r}{did_you_mean(name, names, show=show)}. Fix: correct or "
                       f"remove it; the sections are {', '.join(show(n) for n in names)} (see {doc}).")


def check_keys(raw: Collection[str], allowed: Collection[str], *, file: str, positions: Positions, table: str = "",
               index: int = 0, shown: str | None = None, doc: str, start: int = 1, end: int | None = None) -> None:
    """Raise `unknown_key` for the first key of `raw` not in `allowed`, at its line in the
    `index`-th `[table]` (`shown`: how the table is named in the message, default `[table]`)."""
    for key in raw:
        if key not in allowed:
            line = positions.line(key, table, index, start, end) or positions.line(None, table, index, start, end)
            label = shown or (f"[{table}]" if table else "the top level")
            raise unknown_key(file, line, key, allowed, label, doc)
