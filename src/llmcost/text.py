"""Text from the data (names, file paths, messages quoting them) made inert for display.

Why (issue 17): a model name or a file name is written by whoever produced the logs. On a
terminal its escape sequences could set the window title, write the clipboard (OSC 52) or plant a
hyperlink (OSC 8); a file name that is not UTF-8 could not be printed or handed to DuckDB at all.
The renderers and the CLI pass such text through `plain` (and file names through `shown`); the
Markdown, HTML and CSV writers add their own escaping on top (docs/reliability.md, "Output rules").
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence

CONTROL_CODES = frozenset([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)])
"""C0 and C1 control characters and DEL, but tab and newline."""
BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
"""Unicode's bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI,
FSI, PDI): a name holding one reorders the rest of the line it is shown on ("Trojan Source",
CVE-2021-42574), e.g. the figures beside a model name. Letters of right-to-left scripts are not
among them."""
_CONTROL = dict.fromkeys(CONTROL_CODES | BIDI_CONTROLS, "?")


def plain(text: object) -> str:
    """`text` as inert display text: control characters (ESC, CR, BEL, C1 such as CSI) and the
    bidirectional controls (BIDI_CONTROLS) become '?'."""
    return str(text).translate(_CONTROL)


def one_line(text: object) -> str:
    """`plain(text)` on one line: a newline or tab in a name is a space, so it cannot forge a line or
    a row of a text table (the one rule of the terminal tables, `forecast`, `swap` and `plan`)."""
    return plain(text).replace("\n", " ").replace("\t", " ")


def shown(text: object) -> str:
    """`text` (a path, or a message quoting one) as valid UTF-8: the bytes of a file name that are
    not UTF-8 (which Python carries as lone surrogates) appear as \\xNN, e.g. caf\\xe9.jsonl."""
    s = str(text)
    try:
        return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that did not come from a file name
        return s.encode("utf-8", "backslashreplace").decode("utf-8")


_NAME_CONTROL = {c: f"\\x{c:02x}" for c in CONTROL_CODES | {0x09, 0x0A}}


def shown_name(path: object) -> str:
    """A file name or path as the loader records and shows it: valid UTF-8 (`shown`) and on one
    line, its control characters (tab and newline too) written as \\xNN like undecodable bytes, so
    `a<ESC>]0;x<BEL>.jsonl` reads `a\\x1b]0;x\\x07.jsonl` everywhere (store, messages, every report)."""
    return shown(path).translate(_NAME_CONTROL)


def close_matches(word: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """The up to `n` names of `choices` closest to `word` (difflib), best first: the one search
    behind every "did you mean" (config keys and sections, options' values, model and tag names)."""
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=cutoff)


def suggestion(close: Sequence[str], show: Callable[[str], str] = repr) -> str:
    """`" (did you mean 'a'?)"` (`'a', 'b' or 'c'` for several) for names already found, else `""`:
    the one wording of "did you mean", placed right after the unknown word's clause (`show` writes
    a name, e.g. as a TOML section `[[scenario]]`)."""
    if not close:
        return ""
    quoted = [show(c) for c in close]
    names = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f" (did you mean {names}?)"


def did_you_mean(word: str, choices: Iterable[str], n: int = 1, show: Callable[[str], str] = repr) -> str:
    """`suggestion(close_matches(word, choices, n))`: `" (did you mean 'x'?)"` or `""`."""
    return suggestion(close_matches(word, choices, n), show)
