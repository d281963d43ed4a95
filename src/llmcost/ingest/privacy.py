"""Secrets never reach the store, the quarantine or a report.

API keys, tokens and passwords that appear in logs are masked to a stub that keeps the last four
characters (`sk-proj-***9f2a`, the way provider consoles show keys), so keys can still be told
apart and grouped, by regular expressions applied in SQL to every free-text column on its way
into the store (`mask_sql`, vectorised `regexp_replace`), and in Python to file names and to any
message that quotes input (`mask_text`). One list of rules serves both (RE2 and Python `re`
read them alike). The formats masked are listed in docs/reliability.md, section "Privacy".
"""

from __future__ import annotations

import hashlib
import re

# (pattern, replacement) pairs. Each keeps a recognisable prefix and the last four characters.
# Prefixes and lengths: each provider's documentation of its key format (cited per rule). They are
# chosen so that model names (gpt-4o-2024-08-06, claude-sonnet-4-5-20250929), UUIDs and request ids
# (msg_..., req_..., chatcmpl-..., resp_...) never match (tests/reliability/test_secrets.py).
_RULES: tuple[tuple[str, str], ...] = (
    # private key blocks (PEM, RFC 7468): whole (BEGIN to END), then a block cut off before its END
    # (its base64 body, line breaks, escaped `\n` and PEM headers such as `Proc-Type: 4,ENCRYPTED`)
    (r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----",
     r"-----BEGIN \1PRIVATE KEY-----***"),
    (r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[A-Za-z0-9+/= \r\n\\:,-]+", r"-----BEGIN \1PRIVATE KEY-----***"),
    # OpenAI keys (sk-, sk-proj-, sk-svcacct-, sk-admin-; platform.openai.com/api-keys),
    # Anthropic keys (sk-ant-api03-...; docs.anthropic.com, API keys)
    (r"\b(sk-(?:ant-[a-z0-9]+-|ant-|proj-|svcacct-|admin-)?)[A-Za-z0-9_\-]{4,}([A-Za-z0-9]{4})", r"\1***\2"),
    # Stripe secret, restricted and publishable keys (docs.stripe.com/keys): sk_live_..., rk_test_...
    (r"\b((?:sk|rk|pk)_(?:live|test)_)[A-Za-z0-9]{6,}([A-Za-z0-9]{4})", r"\1***\2"),
    # HTTP authorization: Bearer tokens (RFC 6750)
    (r"([Bb]earer\s+)[A-Za-z0-9._~+/\-]{8,}([A-Za-z0-9]{4})=*", r"\1***\2"),
    # GitHub tokens (docs.github.com, "About authentication": ghp_, gho_, ghu_, ghs_, ghr_ with 36
    # characters, and fine-grained github_pat_...)
    (r"\b(gh[pousr]_)[A-Za-z0-9]{16,}([A-Za-z0-9]{4})", r"\1***\2"),
    (r"\b(github_pat_)[A-Za-z0-9_]{16,}([A-Za-z0-9]{4})", r"\1***\2"),
    # JSON Web Tokens (RFC 7519): base64url header and payload both start with `eyJ` ('{"')
    (r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*([A-Za-z0-9_-]{4})", r"eyJ***\1"),
    # AWS access key ids (AKIA long-term, ASIA temporary; docs.aws.amazon.com IAM identifiers)
    (r"\b((?:AKIA|ASIA))[0-9A-Z]{12}([0-9A-Z]{4})\b", r"\1***\2"),
    # AWS secret access keys: 40 characters after a secret-key name (~/.aws/credentials, env, JSON)
    (r"(?i)((?:aws_secret_access_key|secret_access_key|secretaccesskey|aws_secret_key|aws_secret)"
     r"[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9/+]{36}([A-Za-z0-9/+]{4})",
     r"\1***\2"),
    # Google API keys (cloud.google.com/docs/authentication/api-keys): AIza + 35 characters
    (r"AIza[0-9A-Za-z_\-]{26,}([0-9A-Za-z]{4})", r"AIza***\1"),
    # Slack tokens (api.slack.com/authentication/token-types): xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr-
    (r"\b(xox[abposr]-)[A-Za-z0-9-]{6,}([A-Za-z0-9]{4})", r"\1***\2"),
    # Slack incoming webhooks (api.slack.com/messaging/webhooks): hooks.slack.com/services/T../B../secret
    (r"(hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9/_-]{8,}([A-Za-z0-9]{4})", r"\1***\2"),
    # Azure storage and service-bus connection strings (learn.microsoft.com, "Configure Azure
    # Storage connection strings"): AccountKey=..., SharedAccessKey=...
    (r"(?i)((?:account|sharedaccess)key=)[A-Za-z0-9+/]{8,}([A-Za-z0-9+/]{4})=*", r"\1***\2"),
    # Azure OpenAI / Cognitive Services / APIM keys: 32 hex characters after a key name
    # (learn.microsoft.com, Azure OpenAI REST reference: the `api-key` header)
    (r"(?i)((?:api[-_ ]?key|ocp-apim-subscription-key|subscription[-_]?key|azure[-_a-z]*key)[\"']?\s*[:=]\s*"
     r"[\"']?)[0-9a-f]{28}([0-9a-f]{4})\b",
     r"\1***\2"),
    # passwords in URLs (RFC 3986 userinfo): https://user:password@host
    (r"\b([a-z][a-z0-9+.-]*://[^\s:/@\"']+:)[^\s@/\"']+@", r"\1***@"),
)
_PY_RULES = [(re.compile(p), r) for p, r in _RULES]

# Cheap substring tests, one of which every secret above contains: almost no value holds a secret,
# and those that hold none skip the regular expressions. The case-blind rules all name a `secret` or
# a `key`, so those two are tested case-blind.
# (the GitHub rule's five prefixes, not "gh": most random ids hold "gh" somewhere, abcdefghijkl)
_GUARDS = ("sk-", "sk_", "rk_", "pk_", "earer", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "eyJ",
           "AKIA", "ASIA", "AIza", "xox", "hooks.slack", "PRIVATE KEY", "@")
_LOWER_GUARDS = ("secret", "key")

# The guards as one RE2 alternation, tested in one pass over a value (issue 22: the 15 `contains`
# and 2 `ILIKE` tests it replaces took 0.65 s of CPU over 625,000 rows, this 0.38 s). `(?i:...)`
# folds case as the case-blind rules themselves do (both are RE2), so every value a rule can change
# passes it; the masked values are the same (a value no rule matches is left as it is either way).
_GUARD_RE = "|".join(re.escape(g) for g in _GUARDS) + "|(?i:" + "|".join(_LOWER_GUARDS) + ")"

NOT_MASKED = frozenset({"source", "source_file", "event_id"})
"""VARCHAR columns `mask_sql` is not applied to: the format's name, the file's key (masked once as
a name, `mask_key`) and the row's id (`mask_id_sql`: hashed when it holds a secret, so that two
ids that differ only in their middle stay two rows)."""


def guard_sql(expr: str) -> str:
    """True when the VARCHAR `expr` may hold a secret (one of the cheap substring tests passes)."""
    return f"regexp_matches({expr}, '{_GUARD_RE}')"


def row_guard_sql(exprs: list[str]) -> str:
    """One `guard_sql` over several columns of a row at once (cheaper than one test per column):
    a row none of whose columns may hold a secret skips every column's regular expressions."""
    if not exprs:
        return "false"
    joined = "concat_ws(chr(10), " + ", ".join(f"CAST({e} AS VARCHAR)" for e in exprs) + ")"
    return f"coalesce({guard_sql(joined)}, false)"


def mask_sql(expr: str, guard: str | None = None) -> str:
    """DuckDB SQL masking secrets inside a VARCHAR expression. `guard` (a BOOLEAN column, made by
    `row_guard_sql` over columns that include `expr`) replaces the per-value substring tests."""
    out = expr
    for pattern, repl in _RULES:
        p = pattern.replace("'", "''")
        out = f"regexp_replace({out}, '{p}', '{repl}', 'g')"
    return f"(CASE WHEN {guard or guard_sql(expr)} THEN {out} ELSE {expr} END)"


def mask_id_sql(expr: str, guard: str | None = None) -> str:
    """An id column: kept as it is unless it holds a secret, then replaced by a hash of itself."""
    changed = f"{mask_sql(expr, guard)} IS DISTINCT FROM {expr}"
    return f"(CASE WHEN {guard + ' AND ' if guard else ''}{changed} THEN 'masked-' || md5({expr}) ELSE {expr} END)"


def may_hold_secret(text: str) -> bool:
    """False only when no rule can match `text`: it is ASCII (so Python's case-blind matching has
    no Unicode look-alikes, such as the Kelvin sign for `k`) and holds none of the guards."""
    if not text.isascii():
        return True
    if any(g in text for g in _GUARDS):
        return True
    low = text.lower()
    return any(g in low for g in _LOWER_GUARDS)


def mask_text(text: str) -> str:
    """Mask secrets in a Python string (messages, report text, file names). A text none of whose
    guards is present skips the regular expressions (most file names and messages: it was a
    quarter of a million `re.sub` calls over 5,000 small files)."""
    if not may_hold_secret(text):
        return text
    for rx, repl in _PY_RULES:
        text = rx.sub(repl, text)
    return text


def mask_key(name: str) -> str:
    """A file name or path as stored and shown: secrets masked, and then a short hash of the
    original appended (` #1a2b3c4d`) so that two names differing only inside a secret stay two files."""
    masked = mask_text(name)
    if masked == name:
        return name
    return f"{masked} #{hashlib.sha256(name.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
