"""The one strict reader for the user's TOML files, and the checks every config kind shares.

Scenario, price override, plan, measures and mapping files are read here (issue 17: a hostile
file, empty, not UTF-8, not TOML, with NaN, inf, 1e999999999 or a list where a table belongs, gave
a traceback). Every mistake is one `ConfigError` line: the file, the key as a dotted path
(`traffic.sessions_per_user`, `scenario[2].traffic`) when there is one, what is wrong and how to
fix it. The kinds keep their own key lists and meanings; this module only holds what they share:
reading, "did you mean", and numbers that must be finite and of a sane size.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Collection, Mapping
from decimal import Decimal, InvalidOperation
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


def fail(file: str, key: str | None, what: str, fix: str) -> ConfigError:
    """One line: `FILE: key 'a.b': WHAT. Fix: FIX`."""
    where = f"{file}: key {key!r}" if key else file
    return ConfigError(f"{where}: {what}. Fix: {fix}")


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


def number(value: Any, file: str, key: str, *, lo: Decimal | int = 0, hi: Decimal | int | None = None,
           above: bool = False, whole: bool = False, example: str = "1.5") -> Decimal:
    """`value` as a finite Decimal in [lo, hi] (or (lo, hi] with `above`), at most MAX_NUMBER;
    a ConfigError naming the file and key otherwise. Floats are taken through their repr."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise fail(file, key, f"must be a number, got {_shown(value)}", f"write e.g. {key.rsplit('.', 1)[-1]} = "
                   f"{example} (a number, no quotes)")
    try:
        d = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, ValueError):
        raise fail(file, key, f"{value!r} is not a number", f"write e.g. {example}") from None
    top = MAX_NUMBER if hi is None else min(Decimal(hi), MAX_NUMBER)
    if not d.is_finite():
        raise fail(file, key, f"must be a finite number, got {value}", f"write a number such as {example}")
    if whole and d != d.to_integral_value():
        raise fail(file, key, f"must be a whole number, got {value}", f"write e.g. {example}")
    low_ok = d > lo if above else d >= lo
    if not low_ok or d > top:
        rng = f"{'above' if above else 'at least'} {lo} and at most {_plain(top)}"
        raise fail(file, key, f"{_plain(d)} is out of range", f"use a value {rng}")
    return d


def table(value: Any, file: str, key: str) -> Mapping[str, Any]:
    """`value` when it is a TOML table (`[key]`), else a ConfigError saying so."""
    if not isinstance(value, Mapping):
        raise fail(file, key, f"must be a table, got {_shown(value)}", f"write it as [{key}] with single brackets")
    return value


def tables(value: Any, file: str, key: str) -> list[Mapping[str, Any]]:
    """`value` when it is an array of tables (`[[key]]`), else a ConfigError saying so."""
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise fail(file, key, f"must be a list of [[{key}]] tables, got {_shown(value)}",
                   f"write each entry under its own [[{key}]] header (double brackets)")
    return value


def known_keys(raw: Mapping[str, Any], allowed: Collection[str], file: str, prefix: str = "",
               doc: str = "") -> None:
    """A ConfigError for the first key of `raw` not in `allowed`, with a "did you mean"."""
    for k in raw:
        if k not in allowed:
            where = f" ({doc})" if doc else ""
            raise fail(file, f"{prefix}{k}", "unknown key",
                       f"{did_you_mean(k, allowed)}allowed keys: {', '.join(sorted(allowed))}{where}")


def _plain(d: Decimal) -> str:
    return f"{d:,f}" if abs(d.adjusted()) < 30 else f"{d:.3E}"


def _shown(value: Any) -> str:
    kind = {list: "a list", dict: "a table", str: "text", bool: "true/false"}.get(type(value))
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{kind} {text}" if kind else text
