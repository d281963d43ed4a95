"""Names and files that carry markup, formulas or control sequences (issue 17), for the output-rule
tests and the fuzz suite.

Each name goes into a log as a model name (unpriced, so it shows in the warnings, the unpriced
table and the model tables) and as a project of a priced model (so it reaches the FOCUS export
too). Whatever the format, none may come out active: no terminal escape byte, no rich markup, no
raw HTML or Markdown structure, no spreadsheet formula.
"""

from __future__ import annotations

import json
from pathlib import Path

PRICED_MODEL = "gpt-4o-2024-08-06"

MARKUP = ["[/x]", "[link=https://example.com]x[/link]", "[bold red]loud[/]", "[/]"]
CONTROL = [
    "title\x1b]0;pwned\x07",  # OSC 0: set the window title
    "clip\x1b]52;c;aGVsbG8=\x07",  # OSC 52: write the clipboard
    "link\x1b]8;;https://example.com\x1b\\click\x1b]8;;\x1b\\",  # OSC 8: a hyperlink
    "csi\x1b[31mred\x1b[0m\x1b[2J",  # colour and clear screen
    "c1\x9b31mred",  # the 8-bit CSI
    "bell\x07\x08back",
    "rlo\u202e$1.00 cost",  # a right-to-left override: the rest of the line shown backwards
    "isolate\u2067x\u2069y",  # a right-to-left isolate and its end
]
FORMULA = ['=HYPERLINK("https://example.com","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "\tcmd", "\rcr"]
MARKDOWN_HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![x](https://example.com/x.png)",
    "[click](javascript:alert(1))",
    "a|b|c",
    "line\n# heading",
    "row\n| x | y |",
    "x\ry",
    "&lt;b&gt;",
    '"><svg onload=alert(1)>',
    "# starts a heading",
    "- starts a list",
]
NAMES = MARKUP + CONTROL + FORMULA + MARKDOWN_HTML

# Secrets of every common format, written by hand in each provider's documented shape (llmcost.ingest.privacy
# cites the sources; none is real): name -> (text as it appears in a log, the secret part, which must
# not survive beyond its last four characters).
SECRETS: dict[str, tuple[str, str]] = {
    "github_classic": ("ghp_R8x2Kq9LmZ4vT7wN1pYc3bF6hJ0sD5gA2eU4", "R8x2Kq9LmZ4vT7wN1pYc3bF6hJ0sD5gA2eU4"),
    "github_oauth": ("gho_Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8", "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8"),
    "github_pat": ("github_pat_11ABCDEFG0Zx9Yw8Vu7Ts6_Rq5Po4Nm3Lk2Ji1Hg0FeDcBa9QwErTy",
                   "11ABCDEFG0Zx9Yw8Vu7Ts6_Rq5Po4Nm3Lk2Ji1Hg0FeDcBa9QwErTy"),
    "jwt": ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiIsImlhdCI6MTUxNjIzOTAyMn0."
            "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "eyJzdWIiOiJhZG1pbiIsImlhdCI6MTUxNjIzOTAyMn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
    "aws_key_id": ("AKIAZ7Q3R5T8W2Y4U6I9", "Z7Q3R5T8W2Y4U6I9"),
    "aws_secret": ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKY",
                   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKY"),
    "basic_auth": ("https://deploy:S3cr3tPassw0rdXyz9@git.example.com/repo", "S3cr3tPassw0rdXyz9"),
    "slack_token": ("xoxb-2213-88812-Zk4mQ9rT2vX7pL", "2213-88812-Zk4mQ9rT2vX7pL"),
    "slack_webhook": ("https://hooks.slack.com/services/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",
                      "T0A1B2C3D/B4E5F6G7H/q1W2e3R4t5Y6u7I8o9P0aSdF"),
    "azure_key": ("api-key: 9f8e7d6c5b4a39281706f5e4d3c2b1a0", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
    "azure_connection": ("DefaultEndpointsProtocol=https;AccountName=acct;"
                         "AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr==;EndpointSuffix=core.windows.net",
                         "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr"),
    "google": ("AIzaSyD4f7G9h2J5k8L1m3N6p9Q2r5T8v1W4x7Y", "SyD4f7G9h2J5k8L1m3N6p9Q2r5T8v1W4x7Y"),
    "stripe": ("sk_live_51Hx9Kq2LmZ4vT7wN1pYc3bF", "51Hx9Kq2LmZ4vT7wN1pYc3bF"),
    "private_key": ("-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA7bq9xZ2wLmN4vB8cD1eF\\nQ2rS5tU8vW1xY4z"
                    "A7bC0dE3fG6hI9j\\n-----END RSA PRIVATE KEY-----",
                    "MIIEpAIBAAKCAQEA7bq9xZ2wLmN4vB8cD1eF\\nQ2rS5tU8vW1xY4zA7bC0dE3fG6hI9j"),
    "bearer": ("Authorization: Bearer abc123XYZdef456GHIjkl789", "abc123XYZdef456GHIjkl789"),
    "openai": ("sk-proj-Q7xV2mN9pL4kR8sT1wZ5yB3cD6fG0hJa1b2", "Q7xV2mN9pL4kR8sT1wZ5yB3cD6fG0hJa1b2"),
}

SECRET_VALUES = [text for text, _part in SECRETS.values()]
"""The secrets as values the fuzz suite puts in free-text fields (tests/reliability/mutate.py)."""


def secret_leaks(text: str) -> list[str]:
    """The secrets whose body (all but the last four characters) appears in `text`. The body, not a
    fragment: a mutation that cuts or flips a secret leaves something no rule need recognise."""
    return [name for name, (_t, part) in SECRETS.items() if part[:-4] in text]

ESC_BYTES = (b"\x1b", b"\x9b", "\x9b".encode(), b"\x07")
"""Bytes that start or end a terminal control sequence (ESC, 8-bit CSI raw and as UTF-8, BEL)."""


def log_line(i: int, model: str, project: str, day: int, prompt: int = 1000, completion: int = 100) -> str:
    return json.dumps({
        "ts": f"2026-10-{day:02d}T09:00:00Z", "session_id": f"s{i}", "user": "u", "project": project,
        "response": {"id": f"chatcmpl-h{i}", "object": "chat.completion", "created": 1790000000 + i,
                     "model": model, "usage": {"prompt_tokens": prompt, "completion_tokens": completion}},
    })


def write_log(path: Path, names: list[str] = NAMES) -> Path:
    """One OpenAI request log: each name once as an (unpriced) model of project "p", once as the
    project of a priced model, in October 2026 (2 x len(names) requests); and one large request of
    the priced model in September, so October costs less than September (a negative change)."""
    lines = [log_line(-1, PRICED_MODEL, "p", 1, prompt=5_000_000, completion=100).replace("2026-10-", "2026-09-")]
    for i, name in enumerate(names):
        lines.append(log_line(2 * i, name, "p", 1 + i % 28))
        lines.append(log_line(2 * i + 1, PRICED_MODEL, name, 1 + i % 28))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
