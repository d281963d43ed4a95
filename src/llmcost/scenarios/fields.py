"""Reading one table of the scenario file: typed keys with file, line, key and fix in every error.

Shared by the scenario parser (`config.py`) and every what-if alternative module
(`alternatives/*.py`), so an alternative declares its keys and reads them with `Table`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from llmcost.config.strict import MAX_NUMBER, Positions, check_keys, finite
from llmcost.errors import ConfigError
from llmcost.text import did_you_mean


class Ctx:
    """Where we are in the file, for messages: file, line, section."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.pos = Positions(text)

    def fail(self, section: str, key: str | None, what: str, fix: str, index: int = 0) -> ConfigError:
        head = section.split(" ")[0]
        line = self.pos.line(key, head, index) if key else None
        where = f"{self.path}" + (f", line {line}" if line else "") + f", [{section}]"
        where += f" key {key!r}" if key else ""
        return ConfigError(f"{where}: {what}. Fix: {fix}")


class Table:
    """One `[[section]]` table (the `index`-th) of the file, read key by key with strict checks."""

    def __init__(self, ctx: Ctx, raw: dict[str, Any], label: str, index: int, seen: set[str] | None = None,
                 parent: int | None = None) -> None:
        self.ctx = ctx
        self.parent = parent
        self.raw = raw
        self.label = label
        self.index = index
        self.seen = seen if seen is not None else set()

    def fail(self, key: str | None, what: str, fix: str) -> ConfigError:
        return self.ctx.fail(self.label, key, what, fix, self.index)

    def check_keys(self, allowed: set[str] | frozenset[str]) -> None:
        """Unknown keys: `FILE:LINE: unknown key 'x' in [[table]] (did you mean 'y'?)` (a
        `[[scenario.price]]` is looked for under its `parent`-th `[[scenario]]`)."""
        start, end = 1, None
        if self.parent is not None:
            heads = self.ctx.pos.headers("scenario")
            start = heads[self.parent] if self.parent < len(heads) else 1
            end = next((h - 1 for h in heads if h > start), None)
        check_keys(self.raw, allowed, file=self.ctx.path, positions=self.ctx.pos, table=self.label, index=self.index,
                   shown="[settings]" if self.label == "settings" else f"[[{self.label}]]", doc="docs/scenarios.md",
                   start=start, end=end)

    def num(self, key: str, default: float, *, lo: float = 0.0, hi: float | None = None) -> float:
        v = self.raw.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(key, f"{key} must be a number, got {v!r}", f"write e.g. {key} = 1.5 without quotes")
        if not finite(Decimal(repr(v) if isinstance(v, float) else v)):
            raise self.fail(key, f"{key} = {v} is not a usable number (not finite or over {MAX_NUMBER:,f})",
                            f"write a finite number, e.g. {key} = 1.5")
        if v < lo or (hi is not None and v > hi):
            rng = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
            raise self.fail(key, f"{key} = {v} is out of range", f"use a value {rng}")
        return float(v)

    def whole(self, key: str, default: int | None, lo: int = 0) -> int | None:
        v = self.raw.get(key, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v < lo or v > MAX_NUMBER:
            raise self.fail(
                key, f"{key} must be a whole number >= {lo} (at most {MAX_NUMBER:,f}), got {v!r}",
                f"write e.g. {key} = 1024",
            )
        return int(v)

    def text(self, key: str, default: str | None, choices: set[str] | None = None) -> str | None:
        v = self.raw.get(key, default)
        if v is None:
            return None
        if not isinstance(v, str):
            raise self.fail(key, f"{key} must be text, got {v!r}", f'write {key} = "..." in quotes')
        if choices is not None and v not in choices:
            raise self.fail(key, f"{key} = {v!r} is not one of {', '.join(sorted(choices))}"
                            f"{did_you_mean(v, choices)}", "pick one")
        return v

    def name(self) -> str:
        """The table's `name`, required and unique across scenarios and alternatives."""
        name = self.text("name", None)
        if not name:
            head = self.label.split(" ")[0]
            raise self.fail(None, "missing name", f'add name = "..." to [[{head}]] #{self.index + 1}')
        if name in self.seen:
            raise self.fail("name", f"name {name!r} is used twice", "give every scenario and alternative its own name")
        self.seen.add(name)
        return name


__all__ = ["Ctx", "Table"]
