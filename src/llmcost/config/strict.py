"""The one strict reader for the user's config files, and what every config kind shares.

Scenario, price override, plan, measures and mapping files (TOML) and the rates CSV are read here
(issue 17: a hostile file, empty, not UTF-8, not TOML, or holding NaN, inf or 1e999999999, gave
a traceback). A file that cannot be read, is not UTF-8 or is not TOML is one `ConfigError` line
naming the file (and the line, for TOML). The kinds keep their own key lists, meanings and
messages (file, line, section and key); they share "did you mean" (`did_you_mean`) and the rule
for numbers (`finite`: finite and at most MAX_NUMBER in size).
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Collection
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmcost.errors import ConfigError

MAX_NUMBER = Decimal("1e15")
"""The largest number any config key accepts (a quadrillion: tokens, users, dollars or factors).
Anything larger is a typo or a hostile file; arithmetic on 1e999999999 overflows Decimal."""


def did_you_mean(word: str, choices: Collection[str]) -> str:
    """`"did you mean 'x'? "` for the closest of `choices`, else `""` (the one suggestion helper
    for config keys, sections and values)."""
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


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


def read_text(path: Path, *, kind: str = "config", option: str | None = None) -> str:
    """The text of the file at `path`: missing, a directory, unreadable and not UTF-8 are
    ConfigErrors naming the file (and `option`, the flag that named it, when there is one)."""
    named = f"{option} {path}" if option else str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{named}: no such {kind} file. Fix: check the path.") from None
    except IsADirectoryError:
        raise ConfigError(f"{named} is a directory, not a {kind} file. Fix: name the TOML file itself.") from None
    except OSError as e:
        raise ConfigError(f"{named}: cannot read the {kind} file ({e.strerror}). Fix: check its "
                          "permissions.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text (byte {e.start}). Fix: save the {kind} file as UTF-8.") from None
    return text.removeprefix("\ufeff")


def read_toml(path: Path, *, decimals: bool = False, kind: str = "config",
              option: str | None = None) -> dict[str, Any]:
    """`read_text` then `parse_toml`."""
    return parse_toml(read_text(path, kind=kind, option=option), str(path), decimals=decimals, kind=kind)


def finite(d: Decimal) -> bool:
    """A number a config may hold: finite and at most MAX_NUMBER in size."""
    return d.is_finite() and d.copy_abs() <= MAX_NUMBER
