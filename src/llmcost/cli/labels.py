"""`--label KEY=VALUE` (repeatable): the labels stored with every row of the files a run stores."""

from __future__ import annotations

import re
from collections.abc import Iterable

from llmcost.errors import UsageError

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
