"""Secrets never reach the store, the quarantine or a report.

API keys and bearer tokens that appear in logs are masked to a stub that keeps the last four
characters (`sk-proj-***9f2a`, the way provider consoles show keys), so keys can still be told
apart and grouped, by regular expressions applied in SQL to every free-text column on its way
into the store, and in Python to any message that quotes input.
"""

from __future__ import annotations

import re

# (pattern, replacement) pairs: OpenAI keys (sk-, sk-proj-, ...), Anthropic keys (sk-ant-...),
# bearer tokens, AWS access key ids, Google API keys.
_RULES: tuple[tuple[str, str], ...] = (
    (r"(sk-(?:ant-[a-z0-9]+-|ant-|proj-|svcacct-|admin-)?)[A-Za-z0-9_\-]{4,}([A-Za-z0-9]{4})", r"\1***\2"),
    (r"([Bb]earer\s+)[A-Za-z0-9._~+/\-]{8,}([A-Za-z0-9]{4})=*", r"\1***\2"),
    (r"AKIA[0-9A-Z]{12}([0-9A-Z]{4})", r"AKIA***\1"),
    (r"AIza[0-9A-Za-z_\-]{26,}([0-9A-Za-z]{4})", r"AIza***\1"),
)
_PY_RULES = [(re.compile(p), r) for p, r in _RULES]


def mask_sql(expr: str) -> str:
    """DuckDB SQL masking secrets inside a VARCHAR expression."""
    out = expr
    for pattern, repl in _RULES:
        p = pattern.replace("'", "''")
        out = f"regexp_replace({out}, '{p}', '{repl}', 'g')"
    # a cheap substring test first: almost no value holds a secret, and those skip the regexes
    guard = " OR ".join(f"contains({expr}, '{m}')" for m in ("sk-", "earer", "AKIA", "AIza"))
    return f"(CASE WHEN {guard} THEN {out} ELSE {expr} END)"


def mask_text(text: str) -> str:
    """Mask secrets in a Python string (messages, report text)."""
    for rx, repl in _PY_RULES:
        text = rx.sub(repl, text)
    return text
