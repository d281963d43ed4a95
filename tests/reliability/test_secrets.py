"""Secrets of every common format (tests/reliability/hostile.py: SECRETS) are masked in every
free-text column, file name, the manifest, the quarantine and the reports; ids and model names are
not; the quarantine keeps no text without --keep-text, and the store is private (issue 17).
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.ingest.privacy import mask_sql, mask_text
from tests.reliability.hostile import SECRETS

NOT_SECRETS = [
    "gpt-4o-2024-08-06", "claude-sonnet-4-5-20250929", "gemini-2.5-flash-preview-05-20",
    "550e8400-e29b-41d4-a716-446655440000", "msg_01XFDUDYJgAACzvnptvVoYEL", "req_011CPTk5Z6ZKZ5ApH5VXkd8Y",
    "chatcmpl-9pFz1aBcD2eF3gH4iJ5kL6mN7oP8", "resp_68af4030592c81938ec0a5fbab4a3e9f05438e46b5f69a3b",
    "batch_abc123def456", "task-1234abcdef", "disk-5678", "alice@example.com", "https://api.openai.com/v1/chat",
    "0123456789abcdef0123456789abcdef", "ghost-writer", "skeleton", "eyJ", "AKIA", "xoxb", "Bearer", "key=value",
]


def markers(secret: str) -> list[str]:
    """What must not appear: the secret part without its last four characters, and its middle."""
    mid = secret[len(secret) // 2 - 6: len(secret) // 2 + 6]
    return [secret[:-4], mid]


def leaks(text: str) -> list[str]:
    return [name for name, (_t, part) in SECRETS.items() for m in markers(part) if m in text]


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_each_secret_format_is_masked_in_python_and_sql_alike(name: str) -> None:
    text = SECRETS[name][0]
    line = f"before {text} after"
    masked = mask_text(line)
    sql = duckdb.connect().execute(f"SELECT {mask_sql('x')} FROM (SELECT ? AS x)", [line]).fetchone()
    assert sql is not None and sql[0] == masked
    assert "***" in masked and not leaks(masked), masked
    assert masked.startswith("before ")


@pytest.mark.parametrize("value", NOT_SECRETS)
def test_model_names_and_ids_are_not_masked(value: str) -> None:
    assert mask_text(value) == value
    sql = duckdb.connect().execute(f"SELECT {mask_sql('x')} FROM (SELECT ? AS x)", [value]).fetchone()
    assert sql == (value,)


# -- end to end: a secret in every free-text column, in the file name, and in a rejected line -----

TEXT_FIELDS = ["model", "project", "api_key", "user_id", "conversation_id", "service_tier", "label",
               "prompt_text", "response_text"]
MAPPING = """
name = "secrets_test_csv"
format = "csv"
match_columns = ["when", "model", "tokens_in"]
[time]
column = "when"
[fields]
input_tokens = "tokens_in"
output_tokens = "tokens_out"
event_id = "request_id"
extra = "extra"
""" + "".join(f'{f} = "{f}"\n' for f in TEXT_FIELDS)


def _write_logs(logs: Path) -> Path:
    """One row per secret, the secret in every text column, plus a row quarantined for its tokens."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["when", "request_id", "tokens_in", "tokens_out", "extra", *TEXT_FIELDS])
    for i, (name, (text, _part)) in enumerate(sorted(SECRETS.items())):
        w.writerow([f"2026-10-0{1 + i % 9}T10:00:00Z", f"req_{i} {text}", 100 + i, 10,
                    json.dumps({"note": f"{name} {text}"}), *(f"{f} {text}" for f in TEXT_FIELDS)])
    every = " ".join(t for t, _p in SECRETS.values())
    w.writerow(["2026-10-01T11:00:00Z", "req_bad", f"ten {every}", 1, "{}", *(f"broken {every}" for _ in TEXT_FIELDS)])
    # a secret in the file name too
    path = logs / f"usage {SECRETS['github_classic'][0]} {SECRETS['openai'][0]}.csv"
    path.write_text(buf.getvalue())
    return path


def _all_bytes(root: Path) -> str:
    out = []
    for p in sorted(root.rglob("*")):
        out.append(str(p))
        if p.is_file():
            out.append(p.read_bytes().decode("utf-8", "replace"))
            if p.suffix == ".parquet":
                out.append(repr(duckdb.connect().execute(f"SELECT * FROM read_parquet('{p}')").fetchall()))
    return "\n".join(out)


@pytest.mark.parametrize("keep_text", [False, True])
def test_secrets_in_every_text_column_file_name_and_quarantine_never_stored(
    tmp_path: Path, keep_text: bool
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    _write_logs(logs)
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING)
    store = tmp_path / "store"
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", str(logs), "--store", str(store), "--mapping", str(mapping),
                              *(["--keep-text"] if keep_text else [])])
    assert res.exit_code == 0, res.output
    outputs = [res.output]
    for fmt in ("json", "md", "csv", "html", "table"):
        out = tmp_path / "reports" / f"r.{fmt}"
        r = runner.invoke(app, ["report", "--store", str(store), "--format", fmt, "--out", str(out)])
        assert r.exit_code == 0, r.output
        outputs += [p.read_text() for p in ([out] if out.is_file() else sorted(out.iterdir()))]
    focus = tmp_path / "reports" / "focus.csv"
    r = runner.invoke(app, ["export-focus", "--store", str(store), "--out", str(focus)])
    assert r.exit_code == 0, r.output
    outputs.append(focus.read_text())
    everything = _all_bytes(store) + "\n".join(outputs)

    assert not leaks(everything), leaks(everything)
    # the rows are there, masked: every text column of every row holds a masked stub
    parts = [str(p) for p in (store / "usage").rglob("*.parquet")]
    rows = pl.concat([pl.read_parquet(p) for p in parts], how="diagonal_relaxed")
    assert isinstance(rows, pl.DataFrame)
    assert rows.height == len(SECRETS)
    for col in [*TEXT_FIELDS, "extra"]:
        values = rows[col].to_list()
        if col in ("prompt_text", "response_text") and not keep_text:
            assert values == [None] * len(SECRETS)
            continue
        assert all("***" in v for v in values), col
    # ids holding a secret are replaced by a hash of themselves: still one row each
    ids = rows["event_id"].to_list()
    assert all(i.startswith("masked-") for i in ids) and len(set(ids)) == len(SECRETS)
    # the file name is stored masked, with a hash of the real name after it
    manifest = (store / "manifest.json").read_text()
    assert "ghp_***2eU4" in manifest and " #" in manifest
    assert all("ghp_***2eU4" in v for v in rows["source_file"].to_list())
    # the quarantine: the rejected line's place and reason, and no text unless --keep-text
    (q,) = (store / "quarantine").glob("*.jsonl")
    (entry,) = [json.loads(x) for x in q.read_text().splitlines()]
    assert entry["line"] == len(SECRETS) + 2 and entry["reason"].startswith("non-numeric input_tokens")
    if keep_text:
        assert "broken" in entry["raw"] and "ghp_***2eU4" in entry["raw"]
    else:
        assert "raw" not in entry and "broken" not in entry["shape"] and "2026-10-01" in entry["shape"]


def test_store_folders_and_quarantine_files_are_private(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    _write_logs(logs)
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING)
    store = tmp_path / "store"
    old = os.umask(0o022)  # a usual umask: without the rule, files would be 0644 and folders 0755
    try:
        res = CliRunner().invoke(app, ["ingest", str(logs), "--store", str(store), "--mapping", str(mapping)])
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    folders = [store, *(p for p in store.rglob("*") if p.is_dir())]
    assert len(folders) >= 3 and (store / "quarantine") in folders
    for d in folders:
        assert stat.S_IMODE(os.stat(d).st_mode) == 0o700, d
    quarantine = list((store / "quarantine").iterdir())
    assert quarantine
    for f in quarantine:
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f
    # an existing store made before the rule is made private by the next run
    os.chmod(store, 0o755)
    os.chmod(quarantine[0], 0o644)
    res = CliRunner().invoke(app, ["ingest", str(logs), "--store", str(store), "--mapping", str(mapping)])
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(quarantine[0]).st_mode) == 0o600


def _all_rules(text: str) -> str:
    """Every rule applied, without mask_text's guard pre-check (the reference it must equal)."""
    from llmcost.ingest.privacy import _PY_RULES

    for rx, repl in _PY_RULES:
        text = rx.sub(repl, text)
    return text


@pytest.mark.parametrize("text", [
    *(f"/logs/{SECRETS[n][0]}/x.jsonl" for n in sorted(SECRETS)),
    *(SECRETS[n][0].upper() for n in sorted(SECRETS)),
    *(SECRETS[n][0].lower() for n in sorted(SECRETS)),
    *NOT_SECRETS,
    "/home/u/.claude/projects/-home-u-app/0f0e3b1c-5a7d-4f1e-9c1e-2d3b4a5c6d7e.jsonl",
    # the Kelvin sign matches `k` in a case-blind Python rule: not ASCII, so no shortcut
    "api-\u212aey: " + "0123456789abcdef" * 2,
    "AccountKey=" + "A" * 20 + "==",
    # each GitHub token prefix the rule knows (gh[pousr]_): the guard names all five, not "gh",
    # which most random ids hold somewhere (abcdefghijkl)
    *(f"/logs/gh{c}_{'A1b2' * 5}wxyz/x.jsonl" for c in "pousr"),
    "/storage/part/msg_0000000000abcdefghijkl/prt_0.json",
])
def test_mask_text_pre_check_skips_only_texts_no_rule_matches(text: str) -> None:
    assert mask_text(text) == _all_rules(text)


def _all_rules_sql(expr: str) -> str:
    """Every rule applied in SQL, without mask_sql's guard (the reference it must equal)."""
    from llmcost.ingest.privacy import _RULES

    for pattern, repl in _RULES:
        expr = f"regexp_replace({expr}, '{pattern.replace(chr(39), chr(39) * 2)}', '{repl}', 'g')"
    return expr


GUARD_TEXTS = [
    *(f"before {SECRETS[n][0]} after" for n in sorted(SECRETS)),
    *(SECRETS[n][0].upper() for n in sorted(SECRETS)),
    *(SECRETS[n][0].lower() for n in sorted(SECRETS)),
    *NOT_SECRETS,
    # case folded by RE2 as the case-blind rules fold it: the Kelvin sign for `K`, the long s for `s`
    "api-\u212aey: " + "0123456789abcdef" * 2,
    "aws_\u017fecret_access_key=" + "A" * 40,
    "AccountKey=" + "A" * 20 + "==",
    "https://user:pa55word@example.com/x",
    *(f"gh{c}_{'A1b2' * 5}wxyz" for c in "pousr"),
]


def test_the_sql_guard_lets_through_every_value_a_rule_changes() -> None:
    """mask_sql (guard, then rules) equals the rules applied to every value, and the guard passes
    every value the rules change (issue 22: the guard became one regular expression)."""
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT x, {mask_sql('x')}, {_all_rules_sql('x')}, {mask_sql('x')} IS DISTINCT FROM x "
        "FROM (SELECT unnest(?::VARCHAR[]) AS x)",
        [GUARD_TEXTS],
    ).fetchall()
    assert [(x, got, want) for x, got, want, _ in rows if got != want] == []
    # the texts exercise the guard both ways: secrets changed, ids and model names left alone
    changed = sum(1 for *_, c in rows if c)
    assert changed >= len(SECRETS) and changed < len(rows)
